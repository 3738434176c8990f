"""What Shopify lets the app see decides what syncs, and nothing the CRM holds is lost for what
it may not see: orders older than 60 days without read_all_orders, protected customer data
without Shopify's approval, B2B outside Shopify Plus, and scopes a merchant takes back."""

import datetime
import time

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from crm.models import Company, Contact, Order, Product
from integration.models import Store
from sync import health, runs, services
from sync.adapters import scopes, topics
from sync.models import MappingState, RecordMapping, RunKind, SyncRun, SyncSetting, WebhookDelivery
from tests.sync.e2e.conftest import SHOP, moment, number, shop_data, work

pytestmark = pytest.mark.django_db(transaction=True)

EVERY_FIELD = {"level": 2, "fields": ["name", "email", "phone", "address"]}


def connect(shopify, granted):
    token = shopify.token(SHOP, django_settings.SHOPIFY_API_KEY, granted)
    return services.connect_store_token(shop_domain=SHOP, access_token=token, user=None)


def sync(store, *objects):
    for object_type in objects:
        services.turn_on(store=store, object_type=object_type)
    work()


def setting(object_type):
    return SyncSetting.objects.select_related("store").get(object_type=object_type)


def recent(orders):
    since = timezone.now() - datetime.timedelta(days=60)
    return [order for order in orders if moment(order["processedAt"]) >= since]


# Orders older than 60 days


def test_without_read_all_orders_the_last_60_days_of_orders_sync(shopify, settings):
    settings.SHOPIFY_APPROVED_SCOPES = []  # Shopify never approved the app for it
    shopify.update_app(settings.SHOPIFY_API_KEY, approved_scopes=[])
    assert "read_all_orders" not in scopes()
    store = connect(shopify, scopes())

    sync(store, "orders")

    everything = shop_data(shopify, "orders")
    assert 0 < len(recent(everything)) < len(everything)
    assert sorted(Order.objects.values_list("name", flat=True)) == sorted(
        order["name"] for order in recent(everything)
    )
    assert any(
        "Only the last 60 days sync" in line for line in health.sync_access(setting("orders"))
    )


def test_orders_out_of_sight_stay_in_the_crm_through_the_drift_check(shopify, settings):
    store = connect(shopify, scopes())
    sync(store, "orders")
    everything = shop_data(shopify, "orders")
    assert Order.objects.count() == len(everything)
    # The merchant's app loses read_all_orders (a new app version without it).
    shopify.set_installation_scopes(
        SHOP, settings.SHOPIFY_API_KEY, [s for s in scopes() if s != "read_all_orders"]
    )
    services.refresh_granted_scopes(store)
    store.refresh_from_db()
    assert not store.has_scope("read_all_orders")

    runs.check_drift(setting("orders").pk)

    old = len(everything) - len(recent(everything))
    assert Order.objects.count() == len(everything)
    assert RecordMapping.objects.filter(
        object_type="orders", state=MappingState.SYNCED
    ).count() == (len(everything))
    drift = SyncRun.objects.get(kind=RunKind.DRIFT)
    assert (drift.deleted, drift.failed) == (0, 0)
    assert f"{old} out of the app's sight (kept)" in drift.summary


# Protected customer data


def test_without_protected_data_contacts_keep_what_shopify_withholds(shopify, settings):
    store = connect(shopify, scopes())
    sync(store, "contacts", "products")
    before = sorted(Contact.objects.values_list("email", "first_name", "last_name"))
    assert before and all(email for email, _, _ in before)
    # Shopify approves customer data, but not names, emails, phones or addresses (level 1).
    shopify.update_app(settings.SHOPIFY_API_KEY, protected_data={"level": 1, "fields": []})
    added = shopify.call(
        "POST", f"shops/{SHOP}/customers", {"email": "new.one@example.com", "firstName": "New"}
    )

    services.resync(store=store, object_type="contacts")
    services.resync(store=store, object_type="products")
    work()

    assert sorted(Contact.objects.values_list("email", "first_name", "last_name")) == before
    contacts = setting("contacts")
    assert set(contacts.withheld) == {
        "firstName",
        "lastName",
        "defaultEmailAddress",
        "defaultPhoneNumber",
        "defaultAddress",
    }
    excluded = RecordMapping.objects.get(shopify_id=number(added["id"]))
    assert excluded.state == MappingState.EXCLUDED
    assert "withholds its email address" in excluded.reason
    assert not Contact.objects.with_email("new.one@example.com").exists()
    assert Product.objects.count() == len(shop_data(shopify, "products"))
    assert setting("products").withheld == []
    lines = health.sync_access(contacts)
    assert any("Shopify withholds address, email, name, phone" in line for line in lines)
    missing = health.store_access(Store.objects.get())["missing"]
    assert any(line.startswith("Protected customer data") for line in missing)

    # Approved again: what Shopify withheld syncs once more.
    shopify.update_app(settings.SHOPIFY_API_KEY, protected_data=EVERY_FIELD)
    services.resync(store=store, object_type="contacts")
    work()

    assert setting("contacts").withheld == []
    assert Contact.objects.with_email("new.one@example.com").get().first_name == "New"


def test_without_any_protected_data_customers_cannot_sync_and_products_do(shopify, settings):
    shopify.update_app(settings.SHOPIFY_API_KEY, protected_data={"level": 0, "fields": []})
    store = connect(shopify, scopes())

    sync(store, "contacts", "products")

    run = SyncRun.objects.get(object_type="contacts")
    assert run.status == "failed"
    assert "not approved to access the Customer object" in run.error
    assert Contact.objects.count() == 0
    assert Product.objects.count() == len(shop_data(shopify, "products"))
    refused = Store.objects.get().refused_topics
    assert "customers/update" in refused and "products/update" not in refused
    assert (
        "not approved to subscribe to webhook topics containing protected customer data"
        in (refused["customers/update"])
    )


# Plans


def test_a_store_outside_shopify_plus_syncs_everything_but_companies(shopify, settings):
    shopify.update_shop(SHOP, plan="basic")
    store = connect(shopify, scopes())

    assert (store.plan, store.shopify_plus) == ("Basic", False)
    with pytest.raises(ValueError, match="need Shopify Plus; the store is on Basic"):
        services.turn_on(store=store, object_type="companies")
    sync(store, "contacts", "products", "orders", "carts")

    assert not SyncSetting.objects.filter(object_type="companies").exists()
    assert Company.objects.count() == 0
    assert Contact.objects.exists() and Product.objects.exists() and Order.objects.exists()
    subscribed = set(store.webhook_topics)
    # B2B topics (companies, their contacts and locations) are Plus-only.
    assert subscribed == {t for t in topics() if not t.startswith(("companies/", "company_"))}
    assert not store.refused_topics


# Scopes the merchant changes


def test_scopes_taken_back_stop_the_pushes_and_reach_the_store_by_webhook(
    shopify, settings, live_server
):
    settings.APP_URL = live_server.url
    store = connect(shopify, scopes())
    sync(store, "products")
    shopify.faults(SHOP, webhook_drop_rate=0.0)

    shopify.set_installation_scopes(
        SHOP, settings.SHOPIFY_API_KEY, [s for s in scopes() if s != "write_products"]
    )
    deadline = time.monotonic() + 30
    while not WebhookDelivery.objects.filter(topic="app/scopes_update").exists():
        assert time.monotonic() < deadline, "app/scopes_update never arrived"
        time.sleep(0.05)
    work()

    store.refresh_from_db()
    assert store.has_scope("read_products") and not store.has_scope("write_products")
    products = setting("products")
    assert not products.pushes
    before = len(shopify.mutations(SHOP))
    product = Product.objects.first()
    product.name = "Changed in the CRM"
    product.save()
    work()
    assert len(shopify.mutations(SHOP)) == before
    # The sync still reads: a change made in Shopify arrives.
    shopify_product = shop_data(shopify, "products")[0]
    shopify.call(
        "PATCH", f"shops/{SHOP}/products/{number(shopify_product['id'])}", {"title": "From Shopify"}
    )
    deadline = time.monotonic() + 30
    while not Product.objects.filter(name="From Shopify").exists():
        assert time.monotonic() < deadline, "the change never arrived"
        work()
        time.sleep(0.05)
