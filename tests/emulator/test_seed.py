"""The seed: varied, consistent, deterministic shops, built straight from records."""

import datetime
from collections import Counter
from decimal import Decimal

import pytest

from shopify_emulator import records
from shopify_emulator.seed import seed
from shopify_emulator.state import Shop

NOW = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
COUNTS = {"customers": 200, "companies": 10, "products": 30, "orders": 400, "checkouts": 80}
FINANCIAL_STATUSES = {
    "PENDING",
    "AUTHORIZED",
    "PARTIALLY_PAID",
    "PAID",
    "PARTIALLY_REFUNDED",
    "REFUNDED",
    "VOIDED",
    "EXPIRED",
}


def new_shop():
    return Shop("demo.myshopify.com", "Demo", "USD", "UTC", 60000001)


def rows(shop, resource):
    return list(shop.data[resource].values())


def amount(bag):
    return Decimal(bag["shopMoney"]["amount"])


@pytest.fixture(scope="module")
def seeded():
    """One seeded shop for the tests that only read it."""
    shop = new_shop()
    seed(shop, **COUNTS, now=NOW)
    return shop


def test_seed_adds_and_reports_the_requested_counts():
    shop = new_shop()

    added = seed(shop, **COUNTS, now=NOW)

    assert added == COUNTS
    completed = [c for c in rows(shop, "checkouts") if c["completedAt"]]
    assert 0 < len(completed) < COUNTS["checkouts"]
    assert {resource: len(records) for resource, records in shop.data.items()} == {
        **COUNTS,
        # A completed checkout's order counts as a checkout, not as an order.
        "orders": COUNTS["orders"] + len(completed),
    }


def test_the_same_arguments_give_the_same_records():
    first, second, other = new_shop(), new_shop(), new_shop()

    seed(first, **COUNTS, now=NOW)
    seed(second, **COUNTS, now=NOW)
    seed(other, **COUNTS, seed=7, now=NOW)

    assert first.data == second.data
    assert (first.next_number, first.next_order_number) == (
        second.next_number,
        second.next_order_number,
    )
    assert first.data != other.data


def test_the_default_now_is_todays_midnight():
    shop = new_shop()
    midnight = datetime.datetime.now(datetime.UTC).replace(
        hour=0, minute=0, second=0, microsecond=0
    )

    seed(shop, customers=20)

    times = [c["updatedAt"] for c in rows(shop, "customers")]
    assert max(times) <= records.format_time(midnight)
    assert min(times) >= records.format_time(midnight - datetime.timedelta(days=731))


def test_orders_need_products():
    with pytest.raises(ValueError, match="needs products"):
        seed(new_shop(), orders=1, now=NOW)


def record_numbers(shop):
    """The numbers of every record and of every record nested in one that has its own id."""
    numbers = []
    for resource, stored in shop.data.items():
        for number, record in stored.items():
            numbers.append(number)
            if resource == "customers":
                numbers += [records.number_of(a["id"]) for a in record["addressesV2"]]
            elif resource == "products":
                numbers += [records.number_of(v["id"]) for v in record["variants"]]
            elif resource == "orders":
                nested = record["lineItems"] + record["fulfillments"] + record["refunds"]
                nested += [record["shippingAddress"]] if record["shippingAddress"] else []
                numbers += [records.number_of(n["id"]) for n in nested]
            elif resource == "checkouts":
                nested = record["lineItems"] + record["_orderLines"]
                numbers += [records.number_of(n["id"]) for n in nested]
            elif resource == "companies":
                nested = record["contacts"] + record["locations"]
                numbers += [records.number_of(n["id"]) for n in nested]
    return numbers


def test_a_second_seed_adds_records_without_breaking_ids():
    shop = new_shop()
    seed(shop, **COUNTS, now=NOW)
    before = {resource: dict(stored) for resource, stored in shop.data.items()}
    first_new_order_number = shop.next_order_number

    more = {"customers": 50, "companies": 3, "products": 10, "orders": 100, "checkouts": 20}

    added = seed(shop, **more, seed=7, now=NOW)

    assert added == more
    for resource, stored in before.items():
        assert all(shop.data[resource][number] is record for number, record in stored.items())
        assert len(shop.data[resource]) >= len(stored) + added[resource]
    for stored in shop.data.values():
        assert all(records.number_of(record["id"]) == number for number, record in stored.items())
    numbers = record_numbers(shop)
    assert len(numbers) == len(set(numbers))
    new_orders = [o for n, o in shop.data["orders"].items() if n not in before["orders"]]
    assert sorted(o["name"] for o in new_orders) == sorted(
        f"#{number}" for number in range(first_new_order_number, shop.next_order_number)
    )
    # New orders and companies also link to the customers that were there before.
    customers = shop.data["customers"]
    assert all(o["_customerId"] in customers for o in new_orders if o["_customerId"])
    assert any(o["_customerId"] in before["customers"] for o in new_orders)


def test_some_emails_differ_from_another_only_in_letter_case(seeded):
    emails = [c["email"] for c in rows(seeded, "customers") if c["email"]]
    by_lower_case = Counter(email.lower() for email in emails)

    assert len(set(emails)) == len(emails)
    duplicated = [email for email, count in by_lower_case.items() if count > 1]
    assert 0 < len(duplicated) <= 0.1 * len(emails)
    assert max(by_lower_case.values()) == 2


def test_some_customers_have_no_email(seeded):
    customers = rows(seeded, "customers")
    without = [c for c in customers if not c["email"]]

    assert 0 < len(without) <= 0.15 * len(customers)
    assert any(c["phone"] for c in without)
    assert any(not c["phone"] for c in without)
    assert all(c["firstName"] and c["lastName"] for c in customers)


def test_customers_are_varied_and_their_times_consistent(seeded):
    customers = rows(seeded, "customers")

    countries = {c["defaultAddress"]["countryCodeV2"] for c in customers if c["defaultAddress"]}
    assert {"SE", "US", "GB", "DE"} <= countries
    consents = {c["emailMarketingConsent"]["marketingState"] for c in customers if c["email"]}
    assert consents == {"SUBSCRIBED", "NOT_SUBSCRIBED", "UNSUBSCRIBED"}
    assert any(c["tags"] for c in customers)
    two_years_ago = records.format_time(NOW - datetime.timedelta(days=730))
    for customer in customers:
        assert two_years_ago <= customer["createdAt"] <= customer["updatedAt"]
        assert customer["updatedAt"] <= records.format_time(NOW)


def test_companies_have_contacts_with_email_and_locations(seeded):
    customers = seeded.data["customers"]
    companies = rows(seeded, "companies")

    assert len({c["externalId"] for c in companies}) == len(companies)
    for company in companies:
        assert company["name"]
        assert 1 <= len(company["contacts"]) <= 3
        assert all(customers[c["_customerId"]]["email"] for c in company["contacts"])
        assert company["_mainContactId"] == company["contacts"][0]["id"]
        assert 1 <= len(company["locations"]) <= 2
        assert all(location["shippingAddress"]["address1"] for location in company["locations"])


def test_products_have_varied_variants_with_unique_skus(seeded):
    products = rows(seeded, "products")
    variants = [v for p in products for v in p["variants"]]

    assert len({v["sku"] for v in variants}) == len(variants)
    assert len({p["handle"] for p in products}) == len(products)
    assert all(1 <= len(p["variants"]) <= 4 for p in products)
    assert any(p["variants"][0]["title"] == "Default Title" for p in products)
    assert any(len(p["variants"]) > 1 for p in products)
    assert all(Decimal(v["price"]) > 0 for v in variants)


def test_products_are_mostly_active():
    shop = new_shop()

    seed(shop, products=300, now=NOW)

    statuses = Counter(p["status"] for p in rows(shop, "products"))
    assert set(statuses) == {"ACTIVE", "DRAFT", "ARCHIVED"}
    assert statuses["ACTIVE"] > 0.6 * sum(statuses.values())
    assert len({p["productType"] for p in rows(shop, "products")}) >= 5


def test_every_financial_and_fulfilment_status_appears(seeded):
    orders = rows(seeded, "orders")

    assert {o["displayFinancialStatus"] for o in orders} == FINANCIAL_STATUSES
    assert {o["displayFulfillmentStatus"] for o in orders} == {
        "UNFULFILLED",
        "PARTIALLY_FULFILLED",
        "FULFILLED",
    }


def test_orders_come_in_several_presentment_currencies(seeded):
    currencies = Counter(o["presentmentCurrencyCode"] for o in rows(seeded, "orders"))

    assert len(currencies) >= 3
    assert currencies.most_common(1)[0][0] == seeded.currency


def test_orders_are_for_customers_with_and_without_email_and_for_guests(seeded):
    customers = seeded.data["customers"]
    orders = rows(seeded, "orders")

    buyers = [customers.get(o["_customerId"]) for o in orders]
    assert sum(1 for b in buyers if b and b["email"]) > len(orders) / 2
    assert any(b and not b["email"] for b in buyers)
    assert any(b is None for b in buyers)


def test_completed_checkouts_each_became_one_order(seeded):
    checkouts = rows(seeded, "checkouts")
    orders_by_token = {}
    for order in rows(seeded, "orders"):
        if order["checkoutToken"]:
            orders_by_token.setdefault(order["checkoutToken"], []).append(order)

    completed = [c for c in checkouts if c["completedAt"]]
    assert len(orders_by_token) == len(completed)
    for checkout in checkouts:
        orders = orders_by_token.get(checkout["_token"], [])
        assert len(orders) == (1 if checkout["completedAt"] else 0)
        if orders:
            order = orders[0]
            assert order["_customerId"] == checkout["_customerId"]
            assert order["email"] == checkout["_email"]
            assert order["presentmentCurrencyCode"] == checkout["_presentmentCurrency"]
            assert [line["quantity"] for line in order["lineItems"]] == [
                line["quantity"] for line in checkout["_orderLines"]
            ]
            assert checkout["createdAt"] <= checkout["completedAt"] <= order["createdAt"]
    assert any(c["_customerId"] is None for c in checkouts)
    assert any(c["_customerId"] is not None for c in checkouts)


def test_lines_reference_existing_products_and_variants(seeded):
    lines = [line for o in rows(seeded, "orders") for line in o["lineItems"]]
    lines += [line for c in rows(seeded, "checkouts") for line in c["lineItems"]]

    for line in lines:
        product, variant = seeded.variant(line["_variantId"])
        assert variant is not None
        assert records.number_of(product["id"]) == line["_productId"]
        assert line["sku"] == variant["sku"]


def test_order_lines_are_what_records_builds(seeded):
    for order in rows(seeded, "orders"):
        for line in order["lineItems"]:
            rebuilt = records.line_item(
                records.number_of(line["id"]),
                title=line["title"],
                variant_title=line["variantTitle"],
                sku=line["sku"],
                quantity=line["quantity"],
                unit_price=amount(line["originalUnitPriceSet"]),
                discount=amount(line["totalDiscountSet"]),
                shop_currency=order["currencyCode"],
                presentment_currency=order["presentmentCurrencyCode"],
                product_number=line["_productId"],
                variant_number=line["_variantId"],
                vendor=line["vendor"],
            )
            assert line == {**rebuilt, "unfulfilledQuantity": line["unfulfilledQuantity"]}


def test_order_totals_add_up(seeded):
    orders = rows(seeded, "orders")

    for order in orders:
        subtotal = amount(order["subtotalPriceSet"])
        assert subtotal == sum(amount(line["discountedTotalSet"]) for line in order["lineItems"])
        assert subtotal + amount(order["totalShippingPriceSet"]) + amount(
            order["totalTaxSet"]
        ) == amount(order["totalPriceSet"])
        assert 1 <= len(order["lineItems"]) <= 5
    average = sum(len(o["lineItems"]) for o in orders) / len(orders)
    assert 2 <= average <= 3.5


def test_refunds_add_up(seeded):
    for order in rows(seeded, "orders"):
        total, refunded = amount(order["totalPriceSet"]), amount(order["totalRefundedSet"])
        assert refunded == sum(amount(refund["totalRefundedSet"]) for refund in order["refunds"])
        status = order["displayFinancialStatus"]
        if status == "REFUNDED":
            assert refunded == total
        elif status == "PARTIALLY_REFUNDED":
            assert 0 < refunded < total
        else:
            assert order["refunds"] == []


def test_payment_fields_match_the_financial_status(seeded):
    for order in rows(seeded, "orders"):
        status = order["displayFinancialStatus"]
        total, received = amount(order["totalPriceSet"]), amount(order["totalReceivedSet"])
        assert received + amount(order["totalOutstandingSet"]) == total
        if status == "PARTIALLY_PAID":
            assert 0 < received < total
        elif status in {"PAID", "PARTIALLY_REFUNDED", "REFUNDED"}:
            assert received == total and order["fullyPaid"]


def test_fulfilment_matches_the_lines(seeded):
    orders = rows(seeded, "orders")

    for order in orders:
        left = [line["unfulfilledQuantity"] for line in order["lineItems"]]
        ordered = [line["quantity"] for line in order["lineItems"]]
        shipped = sum(f["totalQuantity"] for f in order["fulfillments"])
        assert shipped == sum(ordered) - sum(left)
        status = order["displayFulfillmentStatus"]
        if status == "FULFILLED":
            assert sum(left) == 0
        elif status == "PARTIALLY_FULFILLED":
            assert 0 < sum(left) < sum(ordered)
        else:
            assert left == ordered and order["fulfillments"] == []
    fulfillments = [f for o in orders for f in o["fulfillments"]]
    assert any(f["deliveredAt"] for f in fulfillments)
    assert any(not f["deliveredAt"] for f in fulfillments)


def test_cancelled_and_closed_orders(seeded):
    orders = rows(seeded, "orders")
    cancelled = [o for o in orders if o["cancelledAt"]]

    assert all(o["cancelledAt"] for o in orders if o["displayFinancialStatus"] == "VOIDED")
    assert {o["displayFinancialStatus"] for o in cancelled} == {"VOIDED", "REFUNDED"}
    for order in cancelled:
        assert order["cancelReason"]
        assert order["closed"] and order["closedAt"] == order["cancelledAt"]
        assert order["displayFulfillmentStatus"] == "UNFULFILLED"
    assert any(o["closed"] and not o["cancelledAt"] for o in orders)
    assert any(not o["closed"] for o in orders)


def test_order_numbers_and_times_are_consistent(seeded):
    orders = sorted(rows(seeded, "orders"), key=lambda order: order["number"])
    now = records.format_time(NOW)

    assert [o["name"] for o in orders] == [f"#{1001 + index}" for index in range(len(orders))]
    processed = [o["processedAt"] for o in orders]
    assert processed == sorted(processed)
    assert processed[0] >= records.format_time(NOW - datetime.timedelta(days=730))
    for order in orders:
        assert order["createdAt"] <= order["updatedAt"] <= now
        times = [f["createdAt"] for f in order["fulfillments"]]
        times += [r["createdAt"] for r in order["refunds"]]
        assert all(order["createdAt"] <= time <= order["updatedAt"] for time in times)
