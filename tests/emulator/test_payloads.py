"""Webhook bodies built from the emulator's records: every topic conforms to its JSON Schema
(relaxed to allow null), what a record lacks is null as in Shopify's bodies, and the values
that matter (ids, money, statuses, times, links) come out exactly."""

import json
from decimal import Decimal
from types import SimpleNamespace

import jsonschema
import pytest

from shopify_emulator import payloads, records
from shopify_emulator.state import Shop
from tests.emulator.webhook_schemas import nullable, validate

WINTER = "2026-01-15T10:00:00Z"  # 11:00 in Stockholm (+01:00)
LATER = "2026-01-20T08:30:00Z"
SUMMER = "2026-07-01T10:00:00Z"  # 12:00 in Stockholm (+02:00)
TAX_RATE = Decimal("0.25")

TOPICS = [
    "customers/create",
    "customers/update",
    "customers/delete",
    "customers_email_marketing_consent/update",
    "customers_marketing_consent/update",
    "customers/redact",
    "customer.tags_added",
    "customer.tags_removed",
    "products/create",
    "products/update",
    "products/delete",
    "orders/create",
    "orders/updated",
    "orders/paid",
    "orders/cancelled",
    "orders/fulfilled",
    "orders/partially_fulfilled",
    "orders/delete",
    "fulfillments/create",
    "fulfillments/update",
    "refunds/create",
    "checkouts/create",
    "checkouts/update",
    "checkouts/delete",
    "companies/create",
    "companies/update",
    "companies/delete",
    "company_contacts/create",
    "company_locations/create",
    "app/uninstalled",
    "app/scopes_update",
    "shop/redact",
    "bulk_operations/finish",
]

# (topic, which record of the `world` fixture it is about)
CASES = [
    ("customers/create", "customer"),
    ("customers/create", "bare_customer"),
    ("customers/update", "customer"),
    ("customers/update", "bare_customer"),
    ("customers/delete", "customer"),
    ("customers_email_marketing_consent/update", "customer"),
    ("customers_email_marketing_consent/update", "bare_customer"),
    ("customers_marketing_consent/update", "customer"),
    ("customers_marketing_consent/update", "bare_customer"),
    ("customers/redact", "customer"),
    ("customers/redact", "bare_customer"),
    ("customer.tags_added", "tags_added"),
    ("customer.tags_removed", "tags_removed"),
    ("products/create", "product"),
    ("products/update", "product"),
    ("products/update", "plain_product"),
    ("products/delete", "product"),
    ("orders/create", "order"),
    ("orders/create", "guest_order"),
    ("orders/create", "euro_order"),
    ("orders/create", "anonymous_order"),
    ("orders/updated", "refunded_order"),
    ("orders/paid", "order"),
    ("orders/cancelled", "cancelled_order"),
    ("orders/fulfilled", "fulfilled_order"),
    ("orders/partially_fulfilled", "partial_order"),
    ("orders/delete", "order"),
    ("fulfillments/create", "shipment"),
    ("fulfillments/update", "delivery"),
    ("refunds/create", "refunded_order"),
    ("refunds/create", "euro_refunded_order"),
    ("checkouts/create", "checkout"),
    ("checkouts/create", "guest_checkout"),
    ("checkouts/update", "completed_checkout"),
    ("checkouts/update", "guest_checkout"),
    ("checkouts/delete", "checkout"),
    ("companies/create", "company"),
    ("companies/update", "bare_company"),
    ("companies/delete", "company"),
    ("company_contacts/create", "contact"),
    ("company_locations/create", "location"),
    ("company_locations/create", "bare_location"),
    ("app/uninstalled", "shop_record"),
    ("app/scopes_update", "scopes_update"),
    ("shop/redact", "shop_record"),
    ("bulk_operations/finish", "bulk_operation"),
    ("bulk_operations/finish", "failed_bulk_operation"),
]


def number(record: dict) -> int:
    return records.number_of(record["id"])


def store_customer(shop: Shop, fields: dict) -> dict:
    first = shop.allocate(1 + len(fields.get("addresses") or []))
    customer = records.customer(first, fields, WINTER, first + 1)
    shop.store("customers", customer)
    return customer


def store_product(shop: Shop, fields: dict, variants: list[dict]) -> dict:
    first = shop.allocate(1 + len(variants) + records.OPTION_SLOTS)
    built = [
        records.product_variant(first + 1 + index, first, variant, index + 1, WINTER)
        for index, variant in enumerate(variants)
    ]
    options = list(range(first + 1 + len(variants), first + 1 + len(variants) + 3))
    product = records.product(first, fields, built, WINTER, options)
    shop.store("products", product)
    return product


def order_lines(shop: Shop, items: list[tuple], presentment: str) -> list[dict]:
    """Lines from (variant or a custom title, quantity, discount), priced like actions.py."""
    first = shop.allocate(len(items))
    lines = []
    for index, (item, quantity, discount) in enumerate(items):
        if isinstance(item, str):
            product, variant = None, None
            title, price = item, Decimal("12.50")
        else:
            product, variant = shop.variant(number(item))
            title, price = product["title"], Decimal(variant["price"])
        lines.append(
            records.line_item(
                first + index,
                title=title,
                variant_title=variant["title"] if variant else None,
                sku=variant["sku"] if variant else None,
                quantity=quantity,
                unit_price=price,
                discount=Decimal(discount),
                shop_currency=shop.currency,
                presentment_currency=presentment,
                product_number=number(product) if product else None,
                variant_number=number(variant) if variant else None,
                vendor=product["vendor"] if product else None,
            )
        )
    return lines


def store_order(
    shop: Shop,
    items: list[tuple],
    *,
    customer: dict | None = None,
    presentment: str = "USD",
    fields: dict | None = None,
) -> dict:
    lines = order_lines(shop, items, presentment)
    amounts = records.totals(lines, Decimal("5.00"), TAX_RATE, shop.currency)
    order_number = shop.next_order_number
    shop.next_order_number += 1
    order = records.order(
        shop.allocate(),
        order_number=order_number,
        fields={"email": customer["email"] if customer else None, **(fields or {})},
        lines=lines,
        amounts=amounts,
        shop_currency=shop.currency,
        presentment_currency=presentment,
        created_at=WINTER,
        customer_number=number(customer) if customer else None,
    )
    shop.store("orders", order)
    return order


def fulfil(shop: Shop, order: dict, line_count: int) -> dict:
    """Fulfil the first `line_count` lines, as actions.fulfill_order does."""
    lines = [
        records.replace(line, unfulfilledQuantity=0) if index < line_count else line
        for index, line in enumerate(order["lineItems"])
    ]
    quantity = sum(line["quantity"] for line in order["lineItems"][:line_count])
    fulfillment = records.fulfillment(shop.allocate(), order, quantity, LATER)
    complete = line_count == len(lines)
    order = records.replace(
        order,
        lineItems=lines,
        fulfillments=[records.deliver(fulfillment, LATER) if complete else fulfillment],
        displayFulfillmentStatus="FULFILLED" if complete else "PARTIALLY_FULFILLED",
        updatedAt=LATER,
    )
    shop.store("orders", order)
    return order


def refund(shop: Shop, order: dict, amount: str) -> dict:
    made = records.refund(shop.allocate(), order, Decimal(amount), LATER, "Damaged in transit")
    order = records.replace(
        order,
        refunds=[*order["refunds"], made],
        totalRefundedSet=records.money_bag(
            amount, order["currencyCode"], order["presentmentCurrencyCode"]
        ),
        displayFinancialStatus="PARTIALLY_REFUNDED",
        updatedAt=LATER,
    )
    shop.store("orders", order)
    return order


def store_checkout(shop: Shop, items: list[tuple], *, customer=None, fields=None) -> dict:
    lines = order_lines(shop, items, shop.currency)
    amounts = records.totals(lines, Decimal("0"), TAX_RATE, shop.currency)
    first = shop.allocate(1 + len(lines))
    checkout = records.abandoned_checkout(
        first,
        shop=shop.domain,
        shop_number=shop.number,
        fields=fields or {},
        lines=[
            records.checkout_line_item(first + 1 + index, line) for index, line in enumerate(lines)
        ],
        amounts=amounts,
        shop_currency=shop.currency,
        presentment_currency=shop.currency,
        created_at=WINTER,
        customer_number=number(customer) if customer else None,
        order_lines=lines,
    )
    shop.store("checkouts", checkout)
    return checkout


SHIPPING = {
    "firstName": "Astrid",
    "lastName": "Lind",
    "address1": "Drottninggatan 1",
    "city": "Stockholm",
    "zip": "111 51",
    "countryCode": "SE",
    "phone": "+46 8 123 456",
}


@pytest.fixture
def world() -> SimpleNamespace:
    shop = Shop("north-goods.myshopify.com", "North Goods", "USD", "Europe/Stockholm", 60_000_001)
    w = SimpleNamespace(shop=shop, shop_record=shop.shop_record())
    w.customer = store_customer(
        shop,
        {
            "firstName": "Astrid",
            "lastName": "Lind",
            "email": "astrid@example.com",
            "phone": "+46701234567",
            "note": "Prefers e-mail",
            "tags": ["vip", "newsletter"],
            "addresses": [SHIPPING, {**SHIPPING, "address1": "Kungsgatan 2", "phone": None}],
            "emailMarketingConsent": {"marketingState": "SUBSCRIBED"},
            "smsMarketingConsent": {"marketingState": "SUBSCRIBED"},
        },
    )
    w.bare_customer = store_customer(shop, {"firstName": "Nils"})
    w.product = store_product(
        shop,
        {
            "title": "Wool Sweater",
            "vendor": "Nordic Knit",
            "productType": "Sweaters",
            "tags": ["wool", "winter"],
            "descriptionHtml": "<p>Warm.</p>",
        },
        [
            {
                "price": "49.90",
                "compareAtPrice": "59.90",
                "sku": "SW-S-RED",
                "inventoryQuantity": 7,
                "selectedOptions": [
                    {"name": "Size", "value": "S"},
                    {"name": "Color", "value": "Red"},
                ],
            },
            {
                "price": "52.00",
                "sku": "SW-M-RED",
                "selectedOptions": [
                    {"name": "Size", "value": "M"},
                    {"name": "Color", "value": "Red"},
                ],
            },
            {
                "price": "52.00",
                "selectedOptions": [
                    {"name": "Size", "value": "M"},
                    {"name": "Color", "value": "Blue"},
                ],
            },
        ],
    )
    w.plain_product = store_product(shop, {"title": "Gift Wrap", "status": "DRAFT"}, [{}])
    small, medium = w.product["variants"][:2]
    items = [(small, 2, "5.00"), (medium, 1, "0"), ("Engraving", 1, "0")]
    w.order = store_order(
        shop,
        items,
        customer=w.customer,
        fields={"shippingAddress": w.customer["defaultAddress"], "tags": ["b2c", "rush"]},
    )
    w.guest_order = store_order(shop, [(medium, 1, "0")], fields={"email": "guest@example.com"})
    w.euro_order = store_order(shop, [(small, 1, "0")], customer=w.customer, presentment="EUR")
    w.refunded_order = refund(shop, w.order, "10.00")
    w.euro_refunded_order = refund(shop, w.euro_order, "20.00")
    w.fulfilled_order = fulfil(shop, w.order, 3)
    w.partial_order = fulfil(shop, w.order, 1)
    pending = store_order(shop, [(small, 1, "0")], fields={"displayFinancialStatus": "PENDING"})
    w.cancelled_order = records.replace(
        pending,
        cancelledAt=SUMMER,
        cancelReason="CUSTOMER",
        closedAt=SUMMER,
        closed=True,
        displayFinancialStatus="VOIDED",
        updatedAt=SUMMER,
    )
    shop.store("orders", w.cancelled_order)
    w.anonymous_order = store_order(shop, [(medium, 1, "0")])  # no customer, email or address
    w.shipment = w.partial_order["fulfillments"][0]
    kim = {"email": "kim@example.com", "shippingAddress": SHIPPING}
    w.delivered_order = fulfil(shop, store_order(shop, [(small, 1, "0")], fields=kim), 1)
    w.delivery = w.delivered_order["fulfillments"][0]
    w.checkout = store_checkout(
        shop, [(small, 1, "0"), (medium, 2, "0")], customer=w.customer, fields={}
    )
    w.guest_checkout = store_checkout(
        shop,
        [(medium, 1, "0")],
        fields={"email": "walk-in@example.com", "shippingAddress": SHIPPING},
    )
    w.completed_checkout = records.replace(w.checkout, completedAt=SUMMER, updatedAt=SUMMER)
    company_number = shop.allocate()
    w.contact = records.company_contact(
        shop.allocate(), company_number, number(w.customer), {"title": "Buyer"}, WINTER
    )
    second_contact = records.company_contact(
        shop.allocate(), company_number, number(w.bare_customer), {}, WINTER
    )
    w.location = records.company_location(
        shop.allocate(3),
        company_number,
        {
            "name": "Stockholm HQ",
            "phone": "+46 8 555 000",
            "externalId": "LOC-1",
            "shippingAddress": {
                "address1": "Sveavägen 10",
                "city": "Stockholm",
                "zip": "111 57",
                "countryCode": "SE",
                "recipient": "Goods In",
            },
        },
        "Acme AB",
        shop.currency,
        WINTER,
    )
    w.bare_location = records.company_location(
        shop.allocate(3), company_number, {}, "Acme AB", shop.currency, WINTER
    )
    w.company = records.replace(
        records.company(company_number, {"name": "Acme AB", "externalId": "ACME-1"}, WINTER),
        contacts=[w.contact, second_contact],
        locations=[w.location, w.bare_location],
        _mainContactId=w.contact["id"],
    )
    shop.store("companies", w.company)
    w.bare_company = records.company(shop.allocate(), {"name": "Solo"}, WINTER)
    w.bulk_operation = {
        "id": records.gid("BulkOperation", 9_100_000_000_009_999),
        "status": "COMPLETED",
        "errorCode": None,
        "createdAt": WINTER,
        "completedAt": LATER,
        "type": "QUERY",
    }
    w.scopes_update = {
        "id": shop.allocate(),
        "previous": ["read_products"],
        "current": ["read_products", "write_products", "read_customers"],
        "updated_at": LATER,
    }
    w.tags_added = {
        "customerId": w.customer["id"],
        "tags": ["vip", "wholesale"],
        "occurredAt": LATER,
    }
    w.tags_removed = {"customerId": w.customer["id"], "tags": ["newsletter"], "occurredAt": LATER}
    w.failed_bulk_operation = {
        **w.bulk_operation,
        "status": "FAILED",
        "errorCode": "ACCESS_DENIED",
        "completedAt": None,
    }
    return w


def ids_in(value) -> list:
    """Every value of an `id` or `…_id` key in a body, however deep."""
    if isinstance(value, dict):
        own = [item for key, item in value.items() if key == "id" or key.endswith("_id")]
        return own + [found for item in value.values() for found in ids_in(item)]
    if isinstance(value, list):
        return [found for item in value for found in ids_in(item)]
    return []


def floats_in(value) -> list:
    if isinstance(value, dict):
        return [found for item in value.values() for found in floats_in(item)]
    if isinstance(value, list):
        return [found for item in value for found in floats_in(item)]
    return [value] if isinstance(value, float) else []


def test_every_topic_has_a_builder_and_a_case():
    assert sorted(payloads.TOPICS) == sorted(TOPICS)
    assert {topic for topic, _ in CASES} == set(TOPICS)


@pytest.mark.parametrize(("topic", "name"), CASES, ids=[f"{t}-{n}" for t, n in CASES])
def test_body_conforms_to_the_topic_schema(world, topic, name):
    body = payloads.build(topic, world.shop, getattr(world, name))

    validate(topic, body)
    assert json.loads(json.dumps(body)) == body
    assert floats_in(body) == []


@pytest.mark.parametrize(("topic", "name"), CASES, ids=[f"{t}-{n}" for t, n in CASES])
def test_no_body_makes_up_an_id(world, topic, name):
    body = payloads.build(topic, world.shop, getattr(world, name))

    assert 0 not in ids_in(body)
    assert '"id": 0' not in json.dumps(body)


def test_nullable_relaxes_only_null():
    schema = {
        "type": "object",
        "required": ["name", "rows", "either"],
        "properties": {
            "name": {"type": "string", "format": "email"},
            "rows": {"type": "array", "items": False},
            "either": {"anyOf": [{"type": "number"}, {"type": "string"}]},
        },
    }
    relaxed = nullable(schema)
    valid = jsonschema.Draft202012Validator(relaxed).is_valid

    assert relaxed["properties"]["name"] == {"type": ["null", "string"], "format": "email"}
    assert valid({"name": None, "rows": None, "either": None})
    assert valid({"name": "a@b.c", "rows": [], "either": 1})
    assert not valid({"name": None, "rows": None})  # still required
    assert not valid({"name": 1, "rows": None, "either": None})  # still a string
    assert not valid({"name": None, "rows": [1], "either": None})  # still no items
    assert schema["properties"]["name"] == {"type": "string", "format": "email"}  # a copy


def test_unknown_topic_is_refused(world):
    with pytest.raises(ValueError, match="Unknown webhook topic"):
        payloads.build("customers/explode", world.shop, world.customer)


def test_refund_needs_a_refund(world):
    with pytest.raises(ValueError, match="no refund"):
        payloads.build("refunds/create", world.shop, world.order)


def test_customer_body(world):
    customer = world.customer
    body = payloads.build("customers/create", world.shop, customer)

    assert body["id"] == number(customer) > 2**53
    assert body["admin_graphql_api_id"] == customer["id"]
    assert body["email"] == "astrid@example.com"
    assert body["phone"] == "+46701234567"
    assert body["state"] == "disabled"
    assert body["note"] == "Prefers e-mail"
    assert body["verified_email"] is True
    assert body["currency"] == "USD"
    assert body["created_at"] == "2026-01-15T11:00:00+01:00"
    # Removed from customer bodies in 2025-01.
    assert not {"tags", "email_marketing_consent", "orders_count", "total_spent"} & set(body)
    default = body["default_address"]
    assert default["id"] == number(customer["defaultAddress"])
    assert default["customer_id"] == body["id"]
    assert default["default"] is True
    assert (default["country"], default["country_code"], default["country_name"]) == (
        "Sweden",
        "SE",
        "Sweden",
    )
    assert [address["default"] for address in body["addresses"]] == [True, False]
    assert body["addresses"][1]["address1"] == "Kungsgatan 2"
    assert body["addresses"][1]["phone"] is None


def test_customer_without_email_or_address(world):
    body = payloads.build("customers/update", world.shop, world.bare_customer)

    assert body["first_name"] == "Nils"
    assert body["email"] is None
    assert body["verified_email"] is False
    assert body["phone"] is None
    assert body["addresses"] == []
    assert body["default_address"] is None
    assert '"email": null' in json.dumps(body)

    topic = "customers_email_marketing_consent/update"
    consent = payloads.build(topic, world.shop, world.bare_customer)
    assert (consent["email_address"], consent["email_marketing_consent"]) == (None, None)


def test_customer_delete_and_consent(world):
    customer = world.customer
    assert payloads.build("customers/delete", world.shop, customer) == {
        "id": number(customer),
        "admin_graphql_api_id": customer["id"],
        "tax_exemptions": [],
    }
    consent = payloads.build("customers_email_marketing_consent/update", world.shop, customer)
    assert consent == {
        "customer_id": number(customer),
        "email_address": "astrid@example.com",
        "email_marketing_consent": {
            "state": "subscribed",
            "opt_in_level": "single_opt_in",
            "consent_updated_at": "2026-01-15T11:00:00+01:00",
        },
    }


def test_sms_marketing_consent(world):
    body = payloads.build("customers_marketing_consent/update", world.shop, world.customer)
    assert body == {
        "id": number(world.customer),
        "phone": "+46701234567",
        "sms_marketing_consent": {
            "state": "subscribed",
            "opt_in_level": "single_opt_in",
            "consent_updated_at": "2026-01-15T11:00:00+01:00",
            "consent_collected_from": None,
        },
    }
    # No phone, so never any SMS consent.
    bare = payloads.build("customers_marketing_consent/update", world.shop, world.bare_customer)
    assert bare == {
        "id": number(world.bare_customer),
        "phone": None,
        "sms_marketing_consent": None,
    }


def test_customer_redact_lists_the_customers_orders(world):
    body = payloads.build("customers/redact", world.shop, world.customer)

    assert body == {
        "shop_id": 60_000_001,
        "shop_domain": "north-goods.myshopify.com",
        "customer": {
            "id": number(world.customer),
            "email": "astrid@example.com",
            "phone": "+46701234567",
        },
        "orders_to_redact": sorted([number(world.order), number(world.euro_order)]),
    }


def test_product_body(world):
    product = world.product
    body = payloads.build("products/create", world.shop, product)

    assert body["id"] == number(product)
    assert body["title"] == "Wool Sweater"
    assert body["handle"] == "wool-sweater"
    assert body["body_html"] == "<p>Warm.</p>"
    assert body["status"] == "active"
    assert body["tags"] == "winter, wool"
    assert body["published_at"] == "2026-01-15T11:00:00+01:00"
    small, medium, blue = body["variants"]
    assert small["id"] == number(product["variants"][0])
    assert small["product_id"] == body["id"]
    assert (small["price"], small["compare_at_price"], small["sku"]) == (
        "49.90",
        "59.90",
        "SW-S-RED",
    )
    assert (small["option1"], small["option2"], small["option3"]) == ("S", "Red", None)
    assert (blue["title"], blue["position"]) == ("M / Blue", 3)
    assert small["inventory_quantity"] == small["old_inventory_quantity"] == 7
    assert [(option["name"], option["values"]) for option in body["options"]] == [
        ("Size", ["S", "M"]),
        ("Color", ["Red", "Blue"]),
    ]
    assert body["options"][0]["product_id"] == body["id"]
    assert body["variant_gids"][1] == {
        "admin_graphql_api_id": product["variants"][1]["id"],
        "updated_at": "2026-01-15T10:00:00.000Z",
    }


def test_draft_product_and_delete(world):
    body = payloads.build("products/update", world.shop, world.plain_product)
    assert (body["status"], body["published_at"], body["tags"]) == ("draft", None, "")
    assert body["variants"][0]["option1"] == "Default Title"
    assert payloads.build("products/delete", world.shop, world.product) == {
        "id": number(world.product)
    }


def test_order_body(world):
    order, customer = world.order, world.customer
    body = payloads.build("orders/create", world.shop, order)

    assert body["id"] == number(order) > 2**53
    assert body["admin_graphql_api_id"] == order["id"]
    assert (body["name"], body["order_number"], body["number"]) == ("#1001", 1001, 1)
    assert body["email"] == body["contact_email"] == "astrid@example.com"
    assert body["financial_status"] == "paid"
    assert body["fulfillment_status"] is None
    assert body["cancelled_at"] is None
    assert body["tags"] == "b2c, rush"
    assert body["created_at"] == body["processed_at"] == "2026-01-15T11:00:00+01:00"
    assert (body["currency"], body["presentment_currency"]) == ("USD", "USD")
    # 2 × 49.90 − 5.00 + 52.00 + 12.50 = 159.30; +5.00 shipping; 25 % tax on both.
    assert body["total_line_items_price"] == "164.30"
    assert body["subtotal_price"] == "159.30"
    assert body["total_discounts"] == "5.00"
    assert body["total_tax"] == "41.08"
    assert body["total_price"] == "205.38"
    assert body["total_price_set"] == {
        "shop_money": {"amount": "205.38", "currency_code": "USD"},
        "presentment_money": {"amount": "205.38", "currency_code": "USD"},
    }
    assert body["total_shipping_price_set"]["shop_money"]["amount"] == "5.00"
    assert body["total_outstanding"] == "0.00"
    assert body["customer"]["id"] == number(customer)
    assert body["customer"]["email"] == "astrid@example.com"
    assert body["customer"]["default_address"]["id"] == number(customer["defaultAddress"])
    assert "addresses" not in body["customer"]
    assert body["shipping_address"]["address1"] == "Drottninggatan 1"
    assert body["shipping_address"]["country_code"] == "SE"
    small, medium, custom = body["line_items"]
    variant = world.product["variants"][0]
    assert small["id"] == number(order["lineItems"][0])
    assert small["product_id"] == number(world.product)
    assert small["variant_id"] == number(variant)
    assert (small["price"], small["quantity"], small["total_discount"]) == ("49.90", 2, "5.00")
    assert small["name"] == "Wool Sweater - S / Red"
    assert (small["sku"], small["vendor"]) == ("SW-S-RED", "Nordic Knit")
    assert small["product_exists"] is True
    assert (small["fulfillable_quantity"], small["fulfillment_status"]) == (2, None)
    assert medium["variant_id"] == number(world.product["variants"][1])
    assert (custom["product_id"], custom["variant_id"], custom["product_exists"]) == (
        None,
        None,
        False,
    )
    assert custom["sku"] is None
    assert body["billing_address"] is None  # the order has only a shipping address
    assert body["refunds"] == []


def test_order_without_customer(world):
    body = payloads.build("orders/create", world.shop, world.guest_order)

    assert body["email"] == "guest@example.com"
    assert body["customer"] is None
    assert (body["customer_locale"], body["tax_exempt"]) == (None, False)
    assert body["name"] == "#1002"


def test_order_without_customer_email_or_address(world):
    body = payloads.build("orders/create", world.shop, world.anonymous_order)

    text = json.dumps(body)
    assert '"customer": null' in text
    assert '"email": null' in text
    assert '"billing_address": null' in text
    assert body["contact_email"] is None
    assert body["shipping_address"] is None


def test_order_in_another_presentment_currency(world):
    body = payloads.build("orders/paid", world.shop, world.euro_order)

    # 49.90 + 5.00 shipping, 25 % tax: 68.63 USD; 0.92 EUR to the dollar.
    assert body["total_price_set"] == {
        "shop_money": {"amount": "68.63", "currency_code": "USD"},
        "presentment_money": {"amount": "63.14", "currency_code": "EUR"},
    }
    assert body["line_items"][0]["price_set"]["presentment_money"] == {
        "amount": "45.91",
        "currency_code": "EUR",
    }
    assert body["total_line_items_price_set"]["presentment_money"]["amount"] == "45.91"
    assert body["total_price"] == "68.63"
    assert (body["currency"], body["presentment_currency"]) == ("USD", "EUR")


def test_fulfilled_and_partially_fulfilled_orders(world):
    fulfilled = payloads.build("orders/fulfilled", world.shop, world.fulfilled_order)
    assert fulfilled["fulfillment_status"] == "fulfilled"
    assert {line["fulfillment_status"] for line in fulfilled["line_items"]} == {"fulfilled"}
    (fulfillment,) = fulfilled["fulfillments"]
    record = world.fulfilled_order["fulfillments"][0]
    assert fulfillment["id"] == number(record)
    assert fulfillment["order_id"] == number(world.order)
    assert fulfillment["name"] == "#1001-F1"
    assert (fulfillment["status"], fulfillment["shipment_status"]) == ("success", "delivered")
    assert fulfillment["created_at"] == "2026-01-20T09:30:00+01:00"

    partial = payloads.build("orders/partially_fulfilled", world.shop, world.partial_order)
    assert partial["fulfillment_status"] == "partial"
    assert [line["fulfillment_status"] for line in partial["line_items"]] == [
        "fulfilled",
        None,
        None,
    ]
    assert partial["line_items"][0]["fulfillable_quantity"] == 0
    assert partial["fulfillments"][0]["shipment_status"] is None


def test_fulfillment_bodies(world):
    shipment = payloads.build("fulfillments/create", world.shop, world.shipment)
    assert shipment["id"] == number(world.shipment)
    assert shipment["admin_graphql_api_id"] == world.shipment["id"]
    assert shipment["order_id"] == number(world.order)
    assert shipment["name"] == "#1001-F1"
    assert (shipment["status"], shipment["shipment_status"]) == ("success", None)
    assert shipment["service"] == "manual"
    assert shipment["email"] == "astrid@example.com"
    assert shipment["destination"]["address1"] == "Drottninggatan 1"
    assert shipment["destination"]["latitude"] is None
    assert (shipment["location_id"], shipment["origin_address"]) == (None, None)
    assert (shipment["tracking_company"], shipment["tracking_number"]) == (None, None)
    assert (shipment["tracking_numbers"], shipment["tracking_urls"]) == ([], [])
    (line,) = shipment["line_items"]  # the partial fulfilment shipped the first line only
    assert line["id"] == number(world.order["lineItems"][0])
    assert (line["quantity"], line["fulfillable_quantity"]) == (2, 0)
    assert line["fulfillment_status"] == "fulfilled"
    assert shipment["created_at"] == "2026-01-20T09:30:00+01:00"
    # The order body embeds the same fulfillment.
    order = payloads.build("orders/partially_fulfilled", world.shop, world.partial_order)
    embedded = order["fulfillments"][0]
    assert {key: shipment[key] for key in embedded} == embedded

    delivery = payloads.build("fulfillments/update", world.shop, world.delivery)
    assert delivery["order_id"] == number(world.delivered_order)
    assert delivery["shipment_status"] == "delivered"
    assert delivery["email"] == "kim@example.com"
    assert delivery["destination"]["city"] == "Stockholm"
    assert [line["quantity"] for line in delivery["line_items"]] == [1]


def test_later_fulfillment_lists_no_lines(world):
    """A Fulfillment record does not say which lines it shipped: once an order has more than
    one, none of them lists lines rather than listing another's."""
    order = world.partial_order
    second = records.fulfillment(world.shop.allocate(), order, 1, LATER)
    both = records.replace(order, fulfillments=[*order["fulfillments"], second])
    world.shop.store("orders", both)

    body = payloads.build("fulfillments/create", world.shop, second)
    assert body["name"] == "#1001-F2"
    assert body["line_items"] == []
    assert payloads.build("fulfillments/update", world.shop, world.shipment)["line_items"] == []


def test_fulfillment_of_a_deleted_order(world):
    del world.shop.data["orders"][number(world.delivered_order)]
    body = payloads.build("fulfillments/update", world.shop, world.delivery)

    assert (body["email"], body["destination"], body["line_items"]) == (None, None, [])
    assert body["order_id"] == number(world.delivered_order)


def test_cancelled_order(world):
    body = payloads.build("orders/cancelled", world.shop, world.cancelled_order)

    assert body["cancelled_at"] == body["closed_at"] == "2026-07-01T12:00:00+02:00"
    assert body["cancel_reason"] == "customer"
    assert body["financial_status"] == "voided"


def test_refund_body(world):
    order = world.refunded_order
    body = payloads.build("refunds/create", world.shop, order)

    assert body["id"] == number(order["refunds"][-1])
    assert body["admin_graphql_api_id"] == order["refunds"][-1]["id"]
    assert body["order_id"] == number(order)
    assert body["note"] == "Damaged in transit"
    assert body["processed_at"] == "2026-01-20T09:30:00+01:00"
    (adjustment,) = body["order_adjustments"]
    assert adjustment["kind"] == "refund_discrepancy"
    assert adjustment["amount"] == "-10.00"
    assert adjustment["refund_id"] == body["id"]

    euro = payloads.build("refunds/create", world.shop, world.euro_refunded_order)
    assert euro["order_adjustments"][0]["amount_set"]["presentment_money"] == {
        "amount": "-18.40",
        "currency_code": "EUR",
    }
    updated = payloads.build("orders/updated", world.shop, order)
    assert updated["financial_status"] == "partially_refunded"


def test_checkout_body(world):
    checkout = world.checkout
    body = payloads.build("checkouts/create", world.shop, checkout)

    # No `id` since API 2026-04: the token identifies the checkout, as in its recovery URL.
    assert "id" not in body
    token = records.checkout_token(world.shop.domain, number(checkout))
    assert body["token"] == checkout["_token"] == token
    assert body["name"] == f"#{number(checkout)}"
    assert body["abandoned_checkout_url"] == checkout["abandonedCheckoutUrl"]
    assert body["abandoned_checkout_url"].startswith(
        f"https://{world.shop.domain}/{world.shop.number}/checkouts/{token}/recover?key="
    )
    assert body["email"] == "astrid@example.com"  # taken from the customer
    assert body["completed_at"] is None
    assert body["customer"]["id"] == number(world.customer)
    assert body["created_at"] == "2026-01-15T11:00:00+01:00"
    # 49.90 + 2 × 52.00 = 153.90, no shipping, 25 % tax.
    assert (body["subtotal_price"], body["total_tax"], body["total_price"]) == (
        "153.90",
        "38.48",
        "192.38",
    )
    assert (body["currency"], body["presentment_currency"]) == ("USD", "USD")
    small, medium = body["line_items"]
    assert small["variant_id"] == number(world.product["variants"][0])
    assert small["product_id"] == number(world.product)
    assert (small["price"], small["line_price"], small["variant_price"]) == ("49.90",) * 3
    assert (medium["quantity"], medium["line_price"]) == (2, "104.00")
    assert (small["vendor"], small["compare_at_price"], small["taxable"]) == (
        "Nordic Knit",
        "59.90",
        True,
    )


def test_the_checkout_webhook_id_knob_puts_the_id_back(world):
    world.shop.faults.checkout_webhook_id = True

    created = payloads.build("checkouts/create", world.shop, world.checkout)
    updated = payloads.build("checkouts/update", world.shop, world.completed_checkout)

    assert created["id"] == updated["id"] == number(world.checkout) > 2**53
    assert created["token"] == updated["token"] == world.checkout["_token"]


def test_customer_tag_bodies(world):
    added = payloads.build("customer.tags_added", world.shop, world.tags_added)
    removed = payloads.build("customer.tags_removed", world.shop, world.tags_removed)

    assert added == {
        "customerId": world.customer["id"],
        "tags": ["vip", "wholesale"],
        "occurredAt": "2026-01-20T08:30:00.000Z",
    }
    assert removed == {
        "customerId": world.customer["id"],
        "tags": ["newsletter"],
        "occurredAt": "2026-01-20T08:30:00.000Z",
    }


def test_guest_and_completed_checkouts(world):
    guest = payloads.build("checkouts/update", world.shop, world.guest_checkout)
    assert guest["email"] == "walk-in@example.com"
    assert guest["customer"] is None
    assert guest["shipping_address"]["city"] == "Stockholm"
    assert guest["billing_address"] is None

    completed = payloads.build("checkouts/update", world.shop, world.completed_checkout)
    assert completed["completed_at"] == completed["updated_at"] == "2026-07-01T12:00:00+02:00"
    assert completed["token"] == world.checkout["_token"]


def test_checkout_tax_lines(world):
    taxed = records.replace(
        world.checkout,
        taxLines=[
            {
                "title": "VAT",
                "rate": 0.25,
                "priceSet": records.money_bag("38.48", "USD", "USD"),
                "channelLiable": False,
            }
        ],
    )
    body = payloads.build("checkouts/update", world.shop, taxed)
    assert body["tax_lines"] == [
        {"title": "VAT", "rate": 0.25, "price": "38.48", "channel_liable": False}
    ]


def test_checkout_delete_is_short(world):
    body = payloads.build("checkouts/delete", world.shop, world.checkout)

    assert set(body) == set(payloads.CHECKOUT_DELETE_FIELDS)
    assert (body["id"], body["total_price"]) == (number(world.checkout), "192.38")


def test_company_bodies(world):
    company = payloads.build("companies/create", world.shop, world.company)
    assert company == {
        "admin_graphql_api_id": world.company["id"],
        "name": "Acme AB",
        "note": None,
        "external_id": "ACME-1",
        "main_contact_admin_graphql_api_id": world.contact["id"],
        "customer_since": "2026-01-15T11:00:00+01:00",
        "created_at": "2026-01-15T11:00:00+01:00",
        "updated_at": "2026-01-15T11:00:00+01:00",
    }
    assert payloads.build("companies/delete", world.shop, world.company) == company

    contact = payloads.build("company_contacts/create", world.shop, world.contact)
    assert contact["admin_graphql_api_id"] == world.contact["id"]
    assert contact["customer_admin_graphql_api_id"] == world.customer["id"]
    assert (contact["title"], contact["locale"]) == ("Buyer", "en")
    assert contact["company"] == company

    location = payloads.build("company_locations/create", world.shop, world.location)
    assert location["admin_graphql_api_id"] == world.location["id"]
    assert (location["name"], location["external_id"]) == ("Stockholm HQ", "LOC-1")
    assert location["company"] == company
    shipping = location["shipping_address"]
    assert shipping["admin_graphql_api_id"] == world.location["shippingAddress"]["id"]
    assert shipping["company_admin_graphql_api_id"] == world.company["id"]
    assert (shipping["address1"], shipping["country"], shipping["recipient"]) == (
        "Sveavägen 10",
        "Sweden",
        "Goods In",
    )
    # A location without its own billing address bills to the shipping address.
    assert location["billing_address"] == shipping


def test_shop_bodies(world):
    uninstalled = payloads.build("app/uninstalled", world.shop, world.shop_record)
    assert uninstalled["id"] == 60_000_001
    assert uninstalled["name"] == "North Goods"
    assert uninstalled["myshopify_domain"] == uninstalled["domain"] == "north-goods.myshopify.com"
    assert uninstalled["email"] == "owner@north-goods.myshopify.com"
    assert (uninstalled["currency"], uninstalled["iana_timezone"]) == ("USD", "Europe/Stockholm")
    assert uninstalled["timezone"] == "(GMT+01:00) Europe/Stockholm"

    assert payloads.build("shop/redact", world.shop, world.shop_record) == {
        "shop_id": 60_000_001,
        "shop_domain": "north-goods.myshopify.com",
    }


def test_bulk_operation_body(world):
    body = payloads.build("bulk_operations/finish", world.shop, world.bulk_operation)
    assert body == {
        "admin_graphql_api_id": "gid://shopify/BulkOperation/9100000000009999",
        "status": "completed",
        "type": "query",
        "error_code": None,
        "created_at": "2026-01-15T11:00:00+01:00",
        "completed_at": "2026-01-20T09:30:00+01:00",
    }
    failed = payloads.build("bulk_operations/finish", world.shop, world.failed_bulk_operation)
    assert (failed["status"], failed["error_code"]) == ("failed", "access_denied")


def test_scopes_update_body(world):
    body = payloads.build("app/scopes_update", world.shop, world.scopes_update)

    assert body == {
        "id": world.scopes_update["id"],
        "previous": ["read_products"],
        "current": ["read_products", "write_products", "read_customers"],
        "updated_at": "2026-01-20T09:30:00+01:00",
        "shop_id": "gid://shopify/Shop/60000001",
    }


def test_times_follow_the_shop_timezone():
    shop = Shop("x.myshopify.com", "X", "USD", "America/New_York", 1)
    assert payloads.rest_time(shop, "2022-01-01T00:00:00Z") == "2021-12-31T19:00:00-05:00"
    assert payloads.rest_time(shop, "2022-07-01T00:00:00Z") == "2022-06-30T20:00:00-04:00"
    assert payloads.rest_time(shop, None) is None
    assert payloads.timezone_label("America/New_York") == "(GMT-05:00) America/New_York"
    assert payloads.timezone_label("Asia/Kolkata") == "(GMT+05:30) Asia/Kolkata"


def test_conform_adds_only_missing_required_keys():
    schema = {
        "type": "object",
        "required": ["name", "count", "note", "flags", "child", "rows", "either", "absent"],
        "properties": {
            "name": {"type": "string"},
            "count": {"type": "integer"},
            "note": {"type": ["null", "string"]},
            "flags": {"type": "array", "items": False},
            "child": {
                "type": "object",
                "required": ["ok", "size"],
                "properties": {"ok": {"type": "boolean"}, "size": {"type": "number"}},
            },
            "rows": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "tags"],
                    "properties": {"id": {"type": "integer"}, "tags": {"type": "array"}},
                },
            },
            "either": {
                "anyOf": [
                    {"type": "array"},
                    {"type": "object", "required": ["kind"], "properties": {}},
                ]
            },
            "absent": {"type": "object", "required": ["id"], "properties": {}},
        },
    }
    body = {"name": None, "child": None, "rows": [{}, {"id": 7}], "either": {}, "extra": 1.5}
    assert payloads.conform(body, schema) == {
        "name": None,  # set by the builder: kept, even where the schema wants a string
        "child": None,  # no object is made up
        "rows": [{"id": None, "tags": []}, {"id": 7, "tags": []}],
        "either": {"kind": None},  # the anyOf branch for objects
        "extra": 1.5,
        "count": None,
        "note": None,
        "flags": [],
        "absent": None,
    }
    kept = {
        "name": "x",
        "count": 3,
        "note": "n",
        "flags": [],
        "child": {"ok": True, "size": 2},
        "rows": [],
        "either": [1],
        "absent": {"id": 1},
    }
    assert payloads.conform(kept, schema) == kept


def test_schemas_are_found_by_topic():
    assert payloads.webhook_schema("customers_email_marketing_consent/update")["properties"]
    assert payloads.webhook_schema("orders/partially_fulfilled")["properties"]["line_items"]
    assert payloads.webhook_schema("orders/nothing_like_this") is None
    assert payloads.webhook_schema("customer.tags_added")["required"] == [
        "customerId",
        "occurredAt",
        "tags",
    ]
    assert payloads.webhook_schema("customer.tags_removed")["properties"]["tags"]
