"""A seeded shop syncs to exactly the CRM state its data implies, however its bulk files order
their lines, and again changes nothing."""

import random
from decimal import Decimal

import pytest
from django.db.models import Count

from crm.models import Cart, Company, Contact, Order, OrderLineItem, Product, ProductVariant
from integration.client import ShopifyClient
from sync import services
from sync.models import MappingState, RecordMapping, RunStatus, SyncRun, SyncSetting, SyncState
from tests.sync.e2e.conftest import moment, number, shop_data, work

pytestmark = pytest.mark.django_db(transaction=True)

OBJECTS = ("contacts", "companies", "products", "orders", "carts")


def turn_everything_on(store):
    for object_type in OBJECTS:
        services.turn_on(store=store, object_type=object_type)
    work()


def snapshot():
    """The CRM's records as plain values, to compare two moments."""
    return {
        "contacts": sorted(
            Contact.objects.values_list(
                "email",
                "first_name",
                "last_name",
                "phone",
                "city",
                "country_code",
                "tags",
                "email_marketing_consent",
                "company__name",
                "orders_count",
                "total_spent",
            ),
            key=str,
        ),
        "companies": sorted(Company.objects.values_list("name", "city", "phone"), key=str),
        "products": sorted(Product.objects.values_list("name", "status", "price", "sku"), key=str),
        "variants": sorted(
            ProductVariant.objects.values_list("product__name", "title", "sku", "price"), key=str
        ),
        "orders": sorted(
            Order.objects.values_list(
                "name",
                "total",
                "presentment_total",
                "financial_status",
                "fulfillment_status",
                "contact__email",
                "pipeline_stage__internal_name",
                "cancelled_at",
            ),
            key=str,
        ),
        "lines": sorted(
            OrderLineItem.objects.values_list("order__name", "sku", "quantity", "total"), key=str
        ),
        "carts": sorted(
            Cart.objects.values_list("recovery_url", "status", "total", "recovered_order__name"),
            key=str,
        ),
        "mappings": sorted(
            RecordMapping.objects.values_list("object_type", "shopify_id", "crm_id", "state"),
            key=str,
        ),
    }


@pytest.fixture(params=["as Shopify writes it", "every line shuffled"])
def export_order(request, monkeypatch):
    """Shopify's bulk files are not grouped: a child line may come anywhere, before its
    parent too. The second run shuffles every line of every export (the same way each time)."""
    if request.param == "every line shuffled":
        stream = ShopifyClient.stream_lines

        def shuffled(self, url, start_line=0):
            lines = list(stream(self, url, start_line))
            random.Random(len(lines)).shuffle(lines)
            yield from lines

        monkeypatch.setattr(ShopifyClient, "stream_lines", shuffled)
    return request.param


def test_every_object_syncs_to_exactly_what_the_shop_holds(shopify, store, export_order):
    customers = shop_data(shopify, "customers")
    companies = shop_data(shopify, "companies")
    products = shop_data(shopify, "products")
    orders = shop_data(shopify, "orders")
    checkouts = shop_data(shopify, "checkouts")

    turn_everything_on(store)

    runs = {run.object_type: run for run in SyncRun.objects.all()}
    assert {kind: run.status for kind, run in runs.items()} == dict.fromkeys(
        OBJECTS, RunStatus.SUCCEEDED
    )
    assert set(SyncSetting.objects.values_list("state", flat=True)) == {SyncState.ON}

    # Contacts: one per distinct email, whatever its case; customers without email excluded.
    with_email = [c for c in customers if c["email"]]
    emails = {c["email"].lower() for c in with_email}
    assert Contact.objects.count() == len(emails)
    assert len(emails) < len(with_email), "the seed has case-variant duplicate emails"
    assert runs["contacts"].excluded == len(customers) - len(with_email) > 0
    assert RecordMapping.objects.filter(object_type="contacts", state="synced").count() == len(
        with_email
    )
    by_email = {}
    for customer in with_email:
        by_email.setdefault(customer["email"].lower(), []).append(customer)
    for customers_of_email in list(by_email.values())[:15]:
        if len(customers_of_email) > 1:
            continue  # several customers, one contact: checked by the mappings above
        customer = customers_of_email[0]
        contact = Contact.objects.with_email(customer["email"]).get()
        address = customer["defaultAddress"] or {}
        assert contact.email == customer["email"]
        assert (contact.first_name, contact.last_name) == (
            customer["firstName"] or "",
            customer["lastName"] or "",
        )
        assert contact.phone == (customer["phone"] or "")
        assert (contact.city, contact.country_code, contact.postal_code) == (
            address.get("city") or "",
            address.get("countryCodeV2") or "",
            address.get("zip") or "",
        )
        assert contact.tags == sorted(customer["tags"])
        consent = (customer["emailMarketingConsent"] or {}).get("marketingState")
        assert contact.email_marketing_consent == (consent == "SUBSCRIBED")
    shared = [customers for customers in by_email.values() if len(customers) > 1][0]
    contact_ids = {_crm_id("contacts", customer["id"]) for customer in shared}
    assert len(contact_ids) == 1
    assert (
        RecordMapping.objects.filter(
            object_type="contacts", crm_id__in=contact_ids, is_primary=True
        ).count()
        == 1
    )

    # Companies, with the first location's address.
    assert Company.objects.count() == len(companies)
    for company in companies:
        crm = Company.objects.get(name=company["name"])
        location = company["locations"][0] if company["locations"] else {}
        address = location.get("billingAddress") or location.get("shippingAddress") or {}
        assert crm.city == (address.get("city") or "")
        assert crm.country_code == (address.get("countryCode") or "")

    # Products and every variant.
    assert Product.objects.count() == len(products)
    assert ProductVariant.objects.count() == sum(len(p["variants"]) for p in products)
    for product in products[:5]:
        crm = Product.objects.get(pk=_crm_id("products", product["id"]))
        assert crm.name == product["title"]
        assert crm.status == product["status"].lower()
        assert crm.currency == "SEK"
        assert crm.price == min(Decimal(v["price"]) for v in product["variants"])
        assert sorted(crm.variants.values_list("sku", flat=True)) == sorted(
            v["sku"] or "" for v in product["variants"]
        )

    # Orders, field by field, with their lines, contact and stage.
    assert Order.objects.count() == len(orders)
    customer_emails = {c["id"]: c["email"] for c in customers}
    for order in orders:
        crm = Order.objects.get(pk=_crm_id("orders", order["id"]))
        assert crm.name == order["name"]
        assert crm.total == Decimal(order["totalPriceSet"]["shopMoney"]["amount"])
        assert crm.presentment_total == Decimal(
            order["totalPriceSet"]["presentmentMoney"]["amount"]
        )
        assert crm.presentment_currency == order["presentmentCurrencyCode"]
        assert crm.refunded == Decimal(order["totalRefundedSet"]["shopMoney"]["amount"])
        assert crm.financial_status == order["displayFinancialStatus"].lower()
        assert crm.fulfillment_status == order["displayFulfillmentStatus"].lower()
        assert crm.processed_at == moment(order["processedAt"])
        assert crm.cancelled_at == moment(order["cancelledAt"])
        assert list(crm.line_items.values_list("sku", "quantity")) == [
            (line["sku"] or "", line["quantity"]) for line in order["lineItems"]
        ]
        customer_email = customer_emails.get(
            f"gid://shopify/Customer/{order['customerId']}" if order["customerId"] else None
        )
        if order["customerId"] and not customer_email:
            assert crm.contact is None  # a customer without email: no contact
        elif customer_email:
            assert crm.contact.email.lower() == customer_email.lower()
        assert crm.pipeline_stage.internal_name == _expected_stage(order)
        assert all(line.product_id for line in crm.line_items.all() if line.sku)

    # Carts: abandoned ones, and completed ones recovered and linked to their order.
    assert Cart.objects.count() == len(checkouts)
    completed = [c for c in checkouts if c["completedAt"]]
    assert completed
    for checkout in completed:
        cart = Cart.objects.get(pk=_crm_id("carts", checkout["id"]))
        order = next(o for o in orders if o["checkoutToken"] == checkout["token"])
        assert cart.status == "recovered"
        assert cart.recovered_order.name == order["name"]
        assert cart.completed_at == moment(checkout["completedAt"])
    assert Cart.objects.filter(status="abandoned").count() == len(checkouts) - len(completed)

    # Customer totals: orders not cancelled, per currency.
    contact = Contact.objects.filter(orders_count__gt=1).first()
    own = contact.orders.filter(cancelled_at__isnull=True)
    assert contact.orders_count == own.count()
    assert contact.first_order_at == min(o.processed_at for o in own)
    spent = sum((o.total - o.refunded for o in own), Decimal("0"))
    assert Decimal(contact.total_spent["SEK"]) == spent


def test_syncing_again_changes_nothing(shopify, store):
    turn_everything_on(store)
    before = snapshot()
    for object_type in OBJECTS:
        services.turn_off(store=store, object_type=object_type)

    turn_everything_on(store)

    assert snapshot() == before
    second = SyncRun.objects.filter(kind="initial").order_by("-id")[:5]
    assert all(run.created == 0 and run.updated == 0 for run in second)
    assert sum(run.unchanged + run.excluded for run in second) == sum(run.seen for run in second)


def test_a_resync_applies_everything_again_and_duplicates_nothing(shopify, store):
    turn_everything_on(store)
    before = snapshot()

    for object_type in OBJECTS:
        services.resync(store=store, object_type=object_type)
    work()

    assert snapshot() == before
    resyncs = SyncRun.objects.filter(kind="resync").select_related("store")
    assert resyncs.count() == 5
    assert all(run.status == RunStatus.SUCCEEDED and run.created == 0 for run in resyncs)
    # Each run says, by the store's name, what it did: its counts in words once it ended.
    contacts = resyncs.get(object_type="contacts")
    assert str(contacts) == f"Resync of contacts for {store.name}"
    parts = [
        f"{getattr(contacts, name):,} {name}"
        for name in ("updated", "unchanged", "excluded", "failed")
        if getattr(contacts, name)
    ]
    assert parts
    assert contacts.summary == f"{contacts.seen:,} records: {', '.join(parts)}."


def _crm_id(object_type, gid):
    return RecordMapping.objects.get(object_type=object_type, shopify_id=number(gid)).crm_id


def _expected_stage(order):
    """The default mapping (open→Open, paid→Processed, fulfilled→Shipped,
    cancelled→Cancelled) with its fallbacks: delivered → fulfilled; partially fulfilled →
    paid; refunded → what the order is otherwise."""
    fulfilment = order["displayFulfillmentStatus"]
    if order["cancelledAt"]:
        return "cancelled"
    if fulfilment == "FULFILLED":
        return "shipped"
    if fulfilment == "PARTIALLY_FULFILLED":
        return "processed"
    if order["displayFinancialStatus"] in ("PAID", "PARTIALLY_REFUNDED"):
        return "processed"
    return "open"


def test_mapping_states_are_counted(shopify, store):
    turn_everything_on(store)

    states = dict(
        RecordMapping.objects.filter(object_type="contacts")
        .values_list("state")
        .annotate(Count("id"))
    )

    assert states[MappingState.EXCLUDED] > 0
    assert states[MappingState.SYNCED] > 0
