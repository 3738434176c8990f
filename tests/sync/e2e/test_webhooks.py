"""Changes made in Shopify reach the CRM: through webhooks (Shopify → the intake view on a live
server → the webhooks queue), however Shopify duplicates, reorders and delays them; and
through reconciliation and the drift check when webhooks never arrive."""

import time

import pytest
from django.utils import timezone

from crm.models import Cart, Contact, Order, Product
from integration.client import ShopifyClient
from sync import runs, services
from sync.adapters import scopes
from sync.models import RunKind, RunStatus, SyncRun, SyncSetting, WebhookDelivery
from tests.sync.e2e.conftest import SHOP, moment, number, shop_data, work

pytestmark = pytest.mark.django_db(transaction=True)

OBJECTS = ("contacts", "companies", "products", "orders", "carts")


@pytest.fixture
def store(shopify, settings, live_server):
    """Connected with webhooks pointing at a live server, as in production."""
    settings.APP_URL = live_server.url
    token = shopify.token(SHOP, settings.SHOPIFY_API_KEY, scopes())
    return services.connect_store_token(shop_domain=SHOP, access_token=token, user=None)


@pytest.fixture
def synced(shopify, store):
    for object_type in OBJECTS:
        services.turn_on(store=store, object_type=object_type)
    work()
    return store


def control(shopify, method, path, body=None):
    return shopify.call(method, f"shops/{SHOP}/{path}", body)


def settle(shopify, timeout=60):
    """Wait for Shopify to send every webhook, then run the jobs they queued, until nothing
    is left on either side."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        deliveries = control(shopify, "GET", "webhook_deliveries")["deliveries"]
        if all(d["status"] in ("delivered", "dropped") for d in deliveries):
            work()
            again = control(shopify, "GET", "webhook_deliveries")["deliveries"]
            if len(again) == len(deliveries) and all(
                d["status"] in ("delivered", "dropped") for d in again
            ):
                return deliveries
        time.sleep(0.05)
    raise AssertionError("webhooks were still on their way")


def crm_state():
    """What a merchant sees, as values: two ways of getting there compare equal."""
    return {
        "contacts": sorted(
            Contact.objects.values_list("email", "first_name", "last_name", "orders_count"),
            key=str,
        ),
        "products": sorted(Product.objects.values_list("name", "status", "price"), key=str),
        "orders": sorted(
            Order.objects.values_list(
                "name",
                "financial_status",
                "fulfillment_status",
                "pipeline_stage__internal_name",
                "total",
                "contact__email",
            ),
            key=str,
        ),
        "lines": sorted(Order.objects.values_list("name", "line_items__sku"), key=str),
        "carts": sorted(
            Cart.objects.values_list("recovery_url", "status", "total", "recovered_order__name"),
            key=str,
        ),
    }


def make_changes(shopify):
    """A merchant's busy minute: edits, a new customer, an order paid and shipped, another
    cancelled, a product renamed and another deleted, a checkout completed."""
    customer = shop_data(shopify, "customers")[0]
    for name in ("One", "Two", "Three"):
        control(shopify, "PATCH", f"customers/{customer['legacyResourceId']}", {"firstName": name})
    control(shopify, "POST", "customers", {"email": "New.Shopper@example.com", "firstName": "New"})

    orders = shop_data(shopify, "orders")
    open_orders = [o for o in orders if not o["cancelledAt"] and not o["closedAt"]]
    unpaid = next(o for o in open_orders if o["displayFinancialStatus"] == "PENDING")
    control(shopify, "POST", f"orders/{number(unpaid['id'])}/pay")
    control(shopify, "POST", f"orders/{number(unpaid['id'])}/fulfill")
    other = next(o for o in open_orders if o["id"] != unpaid["id"])
    control(shopify, "POST", f"orders/{number(other['id'])}/cancel")

    checkout = next(
        c for c in shop_data(shopify, "checkouts") if not c["completedAt"] and c["customerId"]
    )
    completed = control(shopify, "POST", f"checkouts/{number(checkout['id'])}/complete")

    first, second = shop_data(shopify, "products")[:2]
    control(shopify, "PATCH", f"products/{number(first['id'])}", {"title": "Renamed tee"})
    control(shopify, "DELETE", f"products/{number(second['id'])}")
    return {
        "customer": customer,
        "paid": unpaid,
        "cancelled": other,
        "renamed": first,
        "deleted": second,
        "recovered": completed["order"],
    }


def assert_changes_arrived(changed, deletions=True):
    assert Contact.objects.with_email(changed["customer"]["email"]).get().first_name == "Three"
    assert Contact.objects.with_email("new.shopper@example.com").get().first_name == "New"
    paid = Order.objects.get(name=changed["paid"]["name"])
    assert (paid.financial_status, paid.fulfillment_status) == ("paid", "fulfilled")
    assert paid.pipeline_stage.internal_name == "shipped"
    cancelled = Order.objects.get(name=changed["cancelled"]["name"])
    assert cancelled.cancelled_at is not None
    assert cancelled.pipeline_stage.internal_name == "cancelled"
    assert Product.objects.filter(name="Renamed tee").count() == 1
    assert Product.objects.filter(name=changed["deleted"]["title"]).exists() != deletions
    recovered = Order.objects.get(name=changed["recovered"]["name"])
    assert recovered.cart.status == "recovered"


def resync_everything(store):
    for object_type in OBJECTS:
        services.resync(store=store, object_type=object_type)
    work()


def test_changes_arrive_by_webhook(shopify, synced):
    shopify.faults(SHOP, webhook_drop_rate=0)

    changed = make_changes(shopify)
    deliveries = settle(shopify)

    assert_changes_arrived(changed)
    received = set(WebhookDelivery.objects.values_list("topic", flat=True))
    assert {
        "customers/update",
        "customers/create",
        "orders/updated",
        "fulfillments/create",
        "products/update",
        "products/delete",
        "checkouts/update",
    } <= received
    assert WebhookDelivery.objects.count() == sum(d["status"] == "delivered" for d in deliveries)
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"processed"}
    # Nothing needed a run: every change came by webhook.
    assert not SyncRun.objects.exclude(kind__in=[RunKind.INITIAL]).exists()


def test_duplicated_reordered_and_delayed_webhooks_end_in_the_same_state(shopify, synced):
    shopify.faults(
        SHOP,
        webhook_drop_rate=0,
        webhook_duplicate_rate=0.5,
        webhook_reorder=True,
        webhook_delay_ms=300,
    )

    changed = make_changes(shopify)
    deliveries = settle(shopify)
    by_webhooks = crm_state()

    assert any(d["duplicate"] for d in deliveries)
    delivered = {d["webhook_id"] for d in deliveries if d["status"] == "delivered"}
    assert set(WebhookDelivery.objects.values_list("webhook_id", flat=True)) == delivered
    assert_changes_arrived(changed)
    resync_everything(synced)
    assert crm_state() == by_webhooks


def test_dropped_webhooks_are_repaired_by_reconciliation(shopify, synced):
    # Every webhook is lost (the fixture drops them).
    changed = make_changes(shopify)
    settle(shopify)
    assert Contact.objects.with_email(changed["customer"]["email"]).get().first_name != "Three"
    watermarks = dict(SyncSetting.objects.values_list("object_type", "watermark"))

    # The sweep finds every sync due (as five minutes later) and reconciles it.
    SyncSetting.objects.update(last_reconciled_at=timezone.now() - timezone.timedelta(hours=1))
    runs.reconcile_due()
    work()

    assert_changes_arrived(changed)
    reconciled = {run.object_type: run for run in SyncRun.objects.filter(kind=RunKind.RECONCILE)}
    assert set(reconciled) == {"contacts", "products", "orders", "carts"}
    assert all(run.status == RunStatus.SUCCEEDED for run in reconciled.values())
    assert reconciled["contacts"].created == 1 and reconciled["contacts"].updated == 1
    # The watermark moved up to the newest change it read (Shopify's times are to the second,
    # so a change in the same second as the initial sync leaves it where it was).
    resources = {"contacts": "customers", "products": "products", "orders": "orders"}
    resources["carts"] = "checkouts"
    for setting in SyncSetting.objects.exclude(object_type="companies"):
        nodes = shop_data(shopify, resources[setting.object_type])
        newest = max(moment(node["updatedAt"]) for node in nodes)
        assert setting.watermark == max(newest, watermarks[setting.object_type])
    # The deleted product is not something updated_at shows: Shopify's count, one fewer
    # than the CRM's, had the drift check find it in the same cycle.
    drift = SyncRun.objects.get(kind=RunKind.DRIFT, object_type="products")
    products = shop_data(shopify, "products")
    assert drift.summary == f"{len(products)} in Shopify: 0 missing or stale, 1 gone."
    assert drift.deleted == 1
    by_reconciliation = crm_state()

    runs.check_drift_everywhere()
    work()

    repaired = crm_state()
    assert repaired == by_reconciliation  # the nightly check finds nothing left to repair
    resync_everything(synced)
    assert crm_state() == repaired


def test_a_second_sweep_with_nothing_changed_reads_once_and_writes_nothing(shopify, synced):
    SyncSetting.objects.update(last_reconciled_at=timezone.now() - timezone.timedelta(hours=1))
    runs.reconcile_due()
    work()
    before = crm_state()

    assert not SyncRun.objects.filter(kind=RunKind.RECONCILE).exists()
    assert crm_state() == before
    assert SyncSetting.objects.filter(
        last_reconciled_at__gte=timezone.now() - timezone.timedelta(minutes=1)
    ).count() == len(OBJECTS)


def test_the_drift_check_reads_a_record_again_before_deleting_it(shopify, synced, monkeypatch):
    """An order created while the export ran is not in it: it is read again, not deleted."""
    order = shop_data(shopify, "orders")[0]
    stream = ShopifyClient.stream_jsonl

    def export_without_the_order(self, url, start_line=0):
        for line_number, line in stream(self, url, start_line=start_line):
            if line.get("id") != order["id"]:
                yield line_number, line

    monkeypatch.setattr(ShopifyClient, "stream_jsonl", export_without_the_order)
    orders = Order.objects.count()

    runs.check_drift_everywhere()
    work()

    drift = SyncRun.objects.get(kind=RunKind.DRIFT, object_type="orders")
    assert drift.summary.endswith("0 missing or stale, 1 gone.")
    assert (drift.status, drift.deleted, drift.unchanged) == (RunStatus.SUCCEEDED, 0, 1)
    assert Order.objects.count() == orders
    assert Order.objects.filter(name=order["name"]).exists()


def test_tag_changes_arrive_on_their_own_topics(shopify, synced):
    shopify.faults(SHOP, webhook_drop_rate=0.0)
    customers = shop_data(shopify, "customers")
    emails = [c["email"].lower() for c in customers if c["email"]]
    # A customer whose contact is its own (not one it shares by email with another customer).
    customer = next(
        c
        for c in customers
        if c["email"] and not c["tags"] and emails.count(c["email"].lower()) == 1
    )

    control(shopify, "PATCH", f"customers/{number(customer['id'])}", {"tags": ["vip", "b2b"]})
    settle(shopify)

    assert Contact.objects.with_email(customer["email"]).get().tags == ["b2b", "vip"]
    added = WebhookDelivery.objects.get(topic="customer.tags_added")
    assert added.state == "processed"

    control(shopify, "PATCH", f"customers/{number(customer['id'])}", {"tags": ["b2b"]})
    settle(shopify)

    assert Contact.objects.with_email(customer["email"]).get().tags == ["b2b"]
    assert WebhookDelivery.objects.get(topic="customer.tags_removed").state == "processed"


def test_a_name_with_nul_syncs_without_it_and_nothing_waits_behind_it(shopify, synced):
    """Finding 3: a customer named with a NUL (Shopify's JSON carries it as \\u0000) made the
    refresh and its failure bookkeeping fail, and every later change of the object waited."""
    shopify.faults(SHOP, webhook_drop_rate=0)
    customers = shop_data(shopify, "customers")
    emails = [c["email"].lower() for c in customers if c["email"]]
    # Customers alone with their email (two with one email are one contact, the first's).
    alone = [c for c in customers if c["email"] and emails.count(c["email"].lower()) == 1]
    first, second = alone[:2]
    control(shopify, "PATCH", f"customers/{first['legacyResourceId']}", {"firstName": "An\u0000na"})
    control(shopify, "PATCH", f"customers/{second['legacyResourceId']}", {"firstName": "Bo"})

    settle(shopify)

    names = {
        email: Contact.objects.with_email(email).values_list("first_name", flat=True).first()
        for email in (first["email"], second["email"])
    }
    assert names == {first["email"]: "Anna", second["email"]: "Bo"}
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"processed"}
