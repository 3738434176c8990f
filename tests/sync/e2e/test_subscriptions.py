"""Webhook subscriptions kept alive: Shopify deletes a subscription whose deliveries keep
failing (an app down for hours); the sync's check creates it again, the changes made
meanwhile arrive by reconciliation, and the health page says what happened."""

import time

import pytest

from crm.models import Contact
from integration.models import Store
from sync import health, services, subscriptions
from sync.adapters import scopes
from sync.models import SyncSetting
from tests.sync.e2e.conftest import SHOP, number, shop_data, work

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def store(shopify, settings, live_server):
    """Connected with webhooks to a live server, as in production; Shopify retries fast."""
    settings.APP_URL = live_server.url
    shopify.faults(SHOP, webhook_drop_rate=0.0, webhook_retry_scale=0.0001)
    token = shopify.token(SHOP, settings.SHOPIFY_API_KEY, scopes())
    store = services.connect_store_token(shop_domain=SHOP, access_token=token, user=None)
    services.turn_on(store=store, object_type="contacts")
    work()
    return store


def wait_until(condition, timeout=60):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition never held")
        time.sleep(0.05)


def rename(shopify, customer, first_name):
    shopify.call(
        "PATCH", f"shops/{SHOP}/customers/{number(customer['id'])}", {"firstName": first_name}
    )


def removed_topics(shopify):
    return {row["topic"] for row in shopify.subscriptions(SHOP)["removed"]}


def test_subscriptions_shopify_deleted_come_back_and_nothing_is_lost(shopify, store, settings):
    customer = next(c for c in shop_data(shopify, "customers") if c["email"])
    real_secret = settings.SHOPIFY_API_SECRET
    settings.SHOPIFY_API_SECRET = "not-the-secret"  # the app refuses every delivery (down)
    rename(shopify, customer, "During the outage")
    wait_until(lambda: "CUSTOMERS_UPDATE" in removed_topics(shopify))
    settings.SHOPIFY_API_SECRET = real_secret
    rename(shopify, customer, "After the outage")  # no subscription: no webhook

    lost = subscriptions.check(store.pk)
    work()

    assert "customers/update" in lost
    present = {row["topic"] for row in shopify.subscriptions(SHOP)["subscriptions"]}
    assert "CUSTOMERS_UPDATE" in present
    assert Contact.objects.with_email(customer["email"]).get().first_name == "After the outage"
    setting = SyncSetting.objects.get(object_type="contacts")
    assert "customers/update" in setting.webhooks_restored
    assert any(
        "had deleted the webhook subscriptions" in line for line in health.sync_access(setting)
    )
    assert Store.objects.get().webhook_topics["customers/update"] == ""

    # And webhooks flow again.
    rename(shopify, customer, "Live again")
    wait_until(lambda: shopify.deliveries(SHOP)[-1]["status"] == "delivered")
    work()
    assert Contact.objects.with_email(customer["email"]).get().first_name == "Live again"


def test_a_check_of_a_healthy_store_changes_nothing(shopify, store):
    before = shopify.subscriptions(SHOP)["subscriptions"]

    assert subscriptions.check(store.pk) == []

    assert shopify.subscriptions(SHOP)["subscriptions"] == before
    assert SyncSetting.objects.get(object_type="contacts").webhooks_restored == {}
