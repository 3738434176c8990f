"""A store's token as Shopify issues it in 2026: an expiring offline token renewed by its
refresh token (and Shopify rotating both), a renewal Shopify refuses (the store waits to be
connected again and loses nothing), and an app made for one store that gets its tokens by the
client-credentials grant."""

import time

import pytest
import requests
from django.utils import timezone

from crm.models import Contact, Product
from integration import tokens
from integration.models import Credentials, Store, StoreStatus
from integration.services import oauth_grant
from sync import runs, services
from sync.adapters import scopes
from sync.models import DeliveryState, RunStatus, SyncRun, SyncSetting, WebhookDelivery
from tests.integration.conftest import approve
from tests.sync.e2e.conftest import SHOP, number, shop_data, work

pytestmark = pytest.mark.django_db(transaction=True)

OWN_APP = ("own-store-app", "own-store-app-secret")


def connect_oauth(shopify, settings):
    """What an OAuth install ends with: an expiring offline token and its refresh token."""
    answer = shopify.token_grant(SHOP, settings.SHOPIFY_API_KEY, scopes(), expiring=True)
    return services.connect_store(shop_domain=SHOP, grant=oauth_grant(answer), user=None)


def refused(shopify, token) -> bool:
    """Whether the Admin API turns the token away (expired, rotated or revoked)."""
    response = requests.post(
        shopify.graphql_url(SHOP),
        json={"query": "{ shop { name } }"},
        headers={"X-Shopify-Access-Token": token},
        timeout=10,
    )
    return response.status_code == 401


def wait_until(condition, timeout=30):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition never held")
        time.sleep(0.05)


def rename_first_product(shopify, title):
    product = shop_data(shopify, "products")[0]
    shopify.call("PATCH", f"shops/{SHOP}/products/{number(product['id'])}", {"title": title})
    return number(product["id"])


def test_an_expired_token_is_renewed_and_the_syncs_go_on(shopify, settings):
    shopify.update_shop(SHOP, token_lifetime=2)  # every token on the shop lives two seconds
    store = connect_oauth(shopify, settings)
    first_token, first_refresh = store.access_token, store.refresh_token
    assert store.credentials == Credentials.OAUTH
    assert first_refresh.startswith("shprt_")
    assert store.token_renew_at < store.access_token_expires_at

    wait_until(lambda: refused(shopify, first_token))
    services.turn_on(store=store, object_type="products")
    work()

    store.refresh_from_db()
    assert store.status == StoreStatus.CONNECTED
    assert (store.access_token, store.refresh_token) != (first_token, first_refresh)
    assert SyncRun.objects.get(object_type="products").status == RunStatus.SUCCEEDED
    assert Product.objects.count() == len(shop_data(shopify, "products"))

    # Expired again: a change read by id gets through on a renewed token too.
    second_token = store.access_token
    wait_until(lambda: refused(shopify, second_token))
    shopify_id = rename_first_product(shopify, "Renewed and read")
    services.resync_record(store=store, object_type="products", shopify_id=shopify_id)
    work()

    assert Product.objects.filter(name="Renewed and read").count() == 1
    store.refresh_from_db()
    assert store.access_token not in (first_token, second_token)
    assert store.status == StoreStatus.CONNECTED


def test_a_token_due_for_renewal_is_renewed_before_it_is_used(shopify, settings):
    store = connect_oauth(shopify, settings)
    services.turn_on(store=store, object_type="products")
    work()
    old_token, old_refresh = store.access_token, store.refresh_token
    # Its renewal time came (five minutes before the hour is up).
    Store.objects.filter(pk=store.pk).update(token_renew_at=timezone.now())

    rename_first_product(shopify, "Read after renewal")
    runs.reconcile(SyncSetting.objects.get(object_type="products").pk)

    store.refresh_from_db()
    assert store.refresh_token not in ("", old_refresh)
    assert store.token_renew_at > timezone.now()
    assert refused(shopify, old_token)  # Shopify keeps one expiring token per app and shop
    assert not refused(shopify, store.access_token)
    assert Product.objects.filter(name="Read after renewal").count() == 1


def test_a_worker_that_finds_the_token_renewed_by_another_uses_it(shopify, settings):
    store = connect_oauth(shopify, settings)
    stale_copy = Store.objects.get(pk=store.pk)
    tokens.renew(store, refused_token=store.access_token)  # one worker renews
    renewed = Store.objects.get(pk=store.pk)

    # Another worker, holding the old token, was answered 401 with it meanwhile.
    token = tokens.renew(stale_copy, refused_token=stale_copy.access_token)

    assert token == renewed.access_token
    assert Store.objects.get(pk=store.pk).refresh_token == renewed.refresh_token  # not spent
    assert not refused(shopify, token)


def test_a_refused_renewal_waits_for_a_reconnection_and_loses_nothing(
    shopify, settings, live_server, admin_client
):
    settings.APP_URL = live_server.url
    shopify.update_app(settings.SHOPIFY_API_KEY, auto_approve=True)
    store = connect_oauth(shopify, settings)
    services.turn_on(store=store, object_type="contacts")
    work()
    customer = next(c for c in shop_data(shopify, "customers") if c["email"])
    shopify_id = number(customer["id"])
    # The app was installed again elsewhere (another copy of the CRM, an old deploy): Shopify
    # keeps one expiring token per app and shop, so the store's pair is dead.
    shopify.token_grant(SHOP, settings.SHOPIFY_API_KEY, scopes(), expiring=True)
    Store.objects.filter(pk=store.pk).update(token_renew_at=timezone.now())

    shopify.faults(SHOP, webhook_drop_rate=0.0)
    shopify.call("PATCH", f"shops/{SHOP}/customers/{shopify_id}", {"firstName": "Missed"})
    wait_until(lambda: WebhookDelivery.objects.filter(topic="customers/update").exists())
    work()

    store.refresh_from_db()
    assert store.status == StoreStatus.RECONNECT
    assert "invalid_grant" in store.status_detail
    assert Contact.objects.with_email(customer["email"]).get().first_name != "Missed"
    waiting = WebhookDelivery.objects.get(topic="customers/update")
    assert waiting.state == DeliveryState.RECEIVED
    page = admin_client.get(f"/admin/integration/store/{store.pk}/change/").content.decode()
    assert "Reconnect" in page and "invalid_grant" in page

    started = admin_client.post(f"/admin/integration/store/{store.pk}/reconnect/")
    finished = admin_client.get(approve(started.url))
    assert finished.status_code == 302
    work()

    store.refresh_from_db()
    assert (store.status, store.status_detail) == (StoreStatus.CONNECTED, "")
    assert Store.objects.count() == 1
    assert Contact.objects.with_email(customer["email"]).get().first_name == "Missed"
    waiting.refresh_from_db()
    assert waiting.state == DeliveryState.PROCESSED


def test_an_app_made_for_one_store_gets_its_tokens_by_client_credentials(
    shopify, settings, admin_client
):
    client_id, secret = OWN_APP
    shopify.add_app(client_id, secret, own_shop=SHOP, scopes=scopes(), distribution="custom")
    shopify.update_shop(SHOP, token_lifetime=2)

    answer = admin_client.post(
        "/admin/integration/store/connect/credentials/",
        {"shop": "alpha", "client_id": client_id, "client_secret": secret},
    )

    store = Store.objects.get()
    assert answer.status_code == 302 and answer.url.endswith(f"/store/{store.pk}/change/")
    assert (store.credentials, store.client_id, store.client_secret) == (
        Credentials.CLIENT_CREDENTIALS,
        client_id,
        secret,
    )
    assert store.refresh_token == ""
    assert secret not in store.encrypted_client_secret
    first_token = store.access_token
    wait_until(lambda: refused(shopify, first_token))
    services.turn_on(store=store, object_type="products")
    work()

    store.refresh_from_db()
    assert store.access_token != first_token
    assert Product.objects.count() == len(shop_data(shopify, "products"))


def test_client_credentials_for_another_store_are_refused_and_nothing_is_stored(
    shopify, settings, admin_client
):
    client_id, secret = OWN_APP
    shopify.add_shop("beta.myshopify.com", plan="plus", name="Beta")
    shopify.add_app(client_id, secret, own_shop="beta.myshopify.com", scopes=scopes())

    page = admin_client.post(
        "/admin/integration/store/connect/credentials/",
        {"shop": "alpha", "client_id": client_id, "client_secret": secret},
    ).content.decode()

    assert (
        "Shopify gave no token for these credentials (shop_not_permitted): client credentials "
        "work only on the store the app was made for."
    ) in page
    assert Store.objects.count() == 0


def test_a_wrong_client_secret_is_refused_and_nothing_is_stored(shopify, admin_client):
    client_id, secret = OWN_APP
    shopify.add_app(client_id, secret, own_shop=SHOP, scopes=scopes())

    page = admin_client.post(
        "/admin/integration/store/connect/credentials/",
        {"shop": "alpha", "client_id": client_id, "client_secret": "not-the-secret"},
    ).content.decode()

    assert "Shopify gave no token for these credentials (invalid_client)" in page
    assert "not-the-secret" not in page
    assert Store.objects.count() == 0
