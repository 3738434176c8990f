"""Connecting stores end to end: the Django test client plays the browser, the emulator plays
Shopify over HTTP."""

import time
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from django.conf import settings
from django.contrib.auth.models import Permission

from crm.models import Contact
from integration.models import Store, StoreStatus
from integration.webhooks import topic_enum
from sync.adapters import topics
from tests.integration.conftest import approve, install, signed_callback, state_of

pytestmark = pytest.mark.django_db

SUBSCRIPTIONS = "{ webhookSubscriptions(first: 100) { nodes { topic uri } } }"
SUBSCRIBED = sorted(topic_enum(topic) for topic in topics())


def subscriptions(emulator, shop, store):
    return emulator.graphql(shop, store.access_token, SUBSCRIPTIONS)["data"][
        "webhookSubscriptions"
    ]["nodes"]


def test_the_store_page_offers_install_app_first(admin_client):
    page = admin_client.get("/admin/integration/store/").content.decode()

    assert "Install app" in page
    assert "Connect another store" not in page


def test_a_full_install_connects_the_store(admin_client, admin_user, emulator, shop):
    started = admin_client.post("/admin/integration/store/connect/", {"shop": "Alpha"})

    assert started.url.startswith(f"{emulator.url}/alpha.myshopify.com/admin/oauth/authorize?")
    assert "redirect_uri=http%3A%2F%2Ftestserver%2Fshopify%2Fcallback%2F" in started.url
    assert f"scope={'%2C'.join(['read_customers', 'write_customers'])}" in started.url

    finished = admin_client.get(approve(started.url))

    assert finished.status_code == 302
    store = Store.objects.get()
    # On to the new store's page: setting up its syncs comes next.
    assert finished.url == f"/admin/integration/store/{store.pk}/change/"
    landing = admin_client.get(finished.url).content.decode()
    assert "Alpha Goods is connected. Set up what it syncs below." in landing
    assert 'id="store-syncs"' in landing
    assert (store.shop_domain, store.name, store.currency, store.timezone) == (
        "alpha.myshopify.com",
        "Alpha Goods",
        "SEK",
        "Europe/Stockholm",
    )
    assert store.status == StoreStatus.CONNECTED
    assert store.connected_by == admin_user
    assert store.access_token.startswith("shpat_")
    assert store.access_token not in store.encrypted_access_token
    assert "read_all_orders" in store.scope_list
    nodes = subscriptions(emulator, shop, store)
    assert sorted(node["topic"] for node in nodes) == sorted(
        topic_enum(topic) for topic in topics()
    )
    assert {node["uri"] for node in nodes} == {"http://testserver/shopify/webhooks"}
    listing = admin_client.get("/admin/integration/store/").content.decode()
    assert "Alpha Goods" in listing and "Connect another store" in listing


def test_a_second_store_connects_beside_the_first(admin_client, emulator, shop):
    emulator.add_shop("beta.myshopify.com", plan="plus", name="Beta", currency="EUR")

    install(admin_client, "alpha.myshopify.com")
    install(admin_client, "https://admin.shopify.com/store/beta")

    assert list(Store.objects.values_list("shop_domain", "currency")) == [
        ("alpha.myshopify.com", "SEK"),
        ("beta.myshopify.com", "EUR"),
    ]


def test_reconnecting_updates_the_store_and_never_duplicates(admin_client, emulator, shop):
    install(admin_client, "alpha")
    first_token = Store.objects.get().access_token

    install(admin_client, "alpha.myshopify.com")

    store = Store.objects.get()
    assert store.access_token != first_token
    nodes = subscriptions(emulator, shop, store)
    assert sorted(node["topic"] for node in nodes) == sorted(
        topic_enum(topic) for topic in topics()
    )


def test_a_tampered_callback_is_refused_and_nothing_is_stored(admin_client, emulator, shop):
    started = admin_client.post("/admin/integration/store/connect/", {"shop": "alpha"})
    callback = requests.get(started.url, allow_redirects=False, timeout=10).headers["Location"]
    tampered = callback.replace("hmac=", "hmac=0")

    response = admin_client.get(tampered.replace("http://testserver", ""), follow=True)

    assert "not signed correctly" in response.content.decode()
    assert Store.objects.count() == 0


def test_a_callback_without_its_state_is_refused(admin_client, client, admin_user, shop):
    other_browser = client
    other_browser.force_login(admin_user)

    response = other_browser.get(signed_callback(shop, state="someone-elses"), follow=True)

    assert "not started from this browser session" in response.content.decode()
    assert Store.objects.count() == 0


def test_a_callback_with_a_wrong_state_is_refused(admin_client, shop):
    admin_client.post("/admin/integration/store/connect/", {"shop": "alpha"})

    response = admin_client.get(signed_callback(shop, state="wrong"), follow=True)

    assert "not started from this browser session" in response.content.decode()
    assert Store.objects.count() == 0


def test_an_old_callback_is_refused(admin_client, shop):
    started = admin_client.post("/admin/integration/store/connect/", {"shop": "alpha"})
    old = signed_callback(shop, state_of(started), timestamp=time.time() - 3600)

    response = admin_client.get(old, follow=True)

    assert "too old" in response.content.decode()
    assert Store.objects.count() == 0


def test_a_callback_for_a_non_shopify_domain_is_refused(admin_client, shop):
    started = admin_client.post("/admin/integration/store/connect/", {"shop": "alpha"})

    response = admin_client.get(signed_callback("evil.com", state_of(started)), follow=True)

    assert "another store" in response.content.decode()
    assert Store.objects.count() == 0


@pytest.mark.parametrize(
    "typed",
    [
        "evil.com",
        "https://evil.com/alpha.myshopify.com",
        "alpha.myshopify.com.evil.com",
        "alpha.myshopify.com:8080",
        "user@alpha.myshopify.com",
        "",
        "admin.shopify.com/apps",
    ],
)
def test_the_form_refuses_anything_but_a_shopify_store(admin_client, typed):
    response = admin_client.post("/admin/integration/store/connect/", {"shop": typed})

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert "shopify_oauth" not in admin_client.session
    assert Store.objects.count() == 0


def test_a_reused_code_is_refused_and_changes_nothing(admin_client, emulator, shop):
    callback, _ = install(admin_client, "alpha")
    store = Store.objects.get()
    token = store.access_token
    code = dict(parse_qsl(callback.split("?", 1)[1]))["code"]
    started = admin_client.post("/admin/integration/store/connect/", {"shop": "alpha"})

    response = admin_client.get(signed_callback(shop, state_of(started), code=code), follow=True)

    assert "authorization code was not found or was already used" in response.content.decode()
    assert Store.objects.get().access_token == token


def test_users_without_the_permission_cannot_connect(client, django_user_model, emulator, shop):
    user = django_user_model.objects.create_user(
        username="clerk", password="pw-123456789", is_staff=True
    )
    client.force_login(user)

    form = client.get("/admin/integration/store/connect/")
    posted = client.post("/admin/integration/store/connect/", {"shop": "alpha"})
    callback = client.get(signed_callback(shop, state="x"))

    assert (form.status_code, posted.status_code, callback.status_code) == (403, 403, 403)
    assert Store.objects.count() == 0
    assert "shopify_oauth" not in client.session


def test_a_user_with_the_permission_may_connect(client, django_user_model, emulator, shop):
    user = django_user_model.objects.create_user(
        username="owner", password="pw-123456789", is_staff=True
    )
    user.user_permissions.add(
        Permission.objects.get(codename="connect_store"),
        Permission.objects.get(codename="view_store"),
    )
    client.force_login(user)

    install(client, "alpha")

    assert Store.objects.get().connected_by == user


def test_the_app_must_be_configured(admin_client, settings, shop):
    settings.SHOPIFY_API_SECRET = ""

    response = admin_client.post("/admin/integration/store/connect/", {"shop": "alpha"})

    assert response.status_code == 200
    assert "not configured" in response.content.decode()


def test_disconnect_unsubscribes_forgets_the_token_and_keeps_data(admin_client, emulator, shop):
    install(admin_client, "alpha")
    store = Store.objects.get()
    token = store.access_token
    Contact.objects.create(email="kept@example.com")

    confirm = admin_client.get(f"/admin/integration/store/{store.pk}/disconnect/")
    done = admin_client.post(f"/admin/integration/store/{store.pk}/disconnect/")

    assert "stay in the CRM" in confirm.content.decode()
    assert done.status_code == 302
    store.refresh_from_db()
    assert (store.status, store.encrypted_access_token) == (StoreStatus.DISCONNECTED, "")
    assert (
        emulator.graphql(shop, token, SUBSCRIPTIONS)["data"]["webhookSubscriptions"]["nodes"] == []
    )
    assert Contact.objects.filter(email="kept@example.com").exists()


def test_the_disconnect_action_in_the_list(admin_client, emulator, shop):
    install(admin_client, "alpha")
    store = Store.objects.get()

    admin_client.post(
        "/admin/integration/store/",
        {"action": "disconnect_selected", "_selected_action": [store.pk]},
    )

    store.refresh_from_db()
    assert store.status == StoreStatus.DISCONNECTED
    assert not store.has_access_token


def test_the_token_never_shows_in_the_admin(admin_client, emulator, shop):
    install(admin_client, "alpha")
    store = Store.objects.get()

    page = admin_client.get(f"/admin/integration/store/{store.pk}/change/").content.decode()

    assert store.access_token not in page
    assert store.encrypted_access_token not in page
    assert store.access_token not in repr(store) + str(store)
    assert settings.SHOPIFY_API_SECRET not in page


def test_the_app_asks_for_read_all_orders_only_once_shopify_approved_it(
    admin_client, emulator, shop, settings
):
    settings.SHOPIFY_APPROVED_SCOPES = []
    emulator.update_app(settings.SHOPIFY_API_KEY, approved_scopes=[])

    started = admin_client.post("/admin/integration/store/connect/", {"shop": "alpha"})
    asked = dict(parse_qsl(urlsplit(started.url).query))["scope"].split(",")
    admin_client.get(approve(started.url))

    assert "read_orders" in asked and "read_all_orders" not in asked
    store = Store.objects.get()
    assert not store.has_scope("read_all_orders") and store.has_scope("read_orders")


def test_asking_for_an_unapproved_scope_ends_on_shopifys_error_page(admin_client, emulator, shop):
    emulator.update_app(settings.SHOPIFY_API_KEY, approved_scopes=[])  # the settings say it was

    started = admin_client.post("/admin/integration/store/connect/", {"shop": "alpha"})
    answer = requests.get(started.url, allow_redirects=False, timeout=10)

    assert answer.status_code == 400
    assert "missing_shopify_permission: read_all_orders" in answer.text
    assert Store.objects.count() == 0
