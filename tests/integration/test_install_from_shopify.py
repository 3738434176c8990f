"""Installs that start at Shopify (the App Store, an install link, the Shopify admin): Shopify
opens the App URL with a signed `shop`, and the app goes on into the authorization, through
the CRM's login when nobody is logged in. The Django test client plays the browser, the
emulator plays Shopify."""

from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission

from integration.models import Credentials, Store, StoreStatus
from integration.services import callback_signature
from tests.integration.conftest import approve

pytestmark = pytest.mark.django_db

APP_URL = "http://testserver/shopify/app/"


@pytest.fixture
def app_url(emulator):
    emulator.update_app(settings.SHOPIFY_API_KEY, app_url=APP_URL)


def launch_path(emulator, shop) -> str:
    """What the merchant's "Install app" opens: the App URL, signed by Shopify."""
    url = urlsplit(emulator.install_url(shop, settings.SHOPIFY_API_KEY))
    assert f"{url.scheme}://{url.netloc}{url.path}" == APP_URL
    return f"{url.path}?{url.query}"


def test_an_install_from_shopify_by_a_logged_in_admin_connects_the_store(
    admin_client, admin_user, emulator, shop, app_url
):
    started = admin_client.get(launch_path(emulator, shop))

    assert started.status_code == 302
    assert started.url.startswith(f"{emulator.url}/{shop}/admin/oauth/authorize?")
    finished = admin_client.get(approve(started.url))

    store = Store.objects.get()
    assert finished.url == f"/admin/integration/store/{store.pk}/change/"
    assert (store.shop_domain, store.credentials, store.connected_by) == (
        shop,
        Credentials.OAUTH,
        admin_user,
    )
    assert store.refresh_token.startswith("shprt_")
    assert (store.plan, store.shopify_plus) == ("Shopify Plus", True)


def test_an_install_from_shopify_goes_through_the_login_and_keeps_its_shop(
    client, admin_user, emulator, shop, app_url
):
    started = client.get(launch_path(emulator, shop))

    assert started.status_code == 302
    login = urlsplit(started.url)
    assert login.path == "/admin/login/"
    assert dict(parse_qsl(login.query)) == {"next": "/shopify/app/resume/"}
    assert Store.objects.count() == 0

    logged_in = client.post(
        started.url, {"username": admin_user.username, "password": "password"}, follow=False
    )
    assert logged_in.url == "/shopify/app/resume/"
    authorize = client.get(logged_in.url)
    assert authorize.url.startswith(f"{emulator.url}/{shop}/admin/oauth/authorize?")
    client.get(approve(authorize.url))

    assert list(Store.objects.values_list("shop_domain", "connected_by")) == [(shop, admin_user.pk)]


def test_opening_the_app_of_a_connected_store_shows_its_page(admin_client, emulator, shop, app_url):
    admin_client.get(approve(admin_client.get(launch_path(emulator, shop)).url))
    store = Store.objects.get()
    token = store.access_token

    opened = admin_client.get(launch_path(emulator, shop))

    assert opened.url == f"/admin/integration/store/{store.pk}/change/"
    assert Store.objects.get().access_token == token  # nothing asked of Shopify again


def test_a_tampered_app_url_is_refused_and_nothing_is_kept(client, emulator, shop, app_url):
    path = launch_path(emulator, shop)
    query = dict(parse_qsl(urlsplit(path).query))
    forged = {**query, "shop": "beta.myshopify.com"}

    answer = client.get(f"/shopify/app/?{urlencode(forged)}")

    assert answer.status_code == 400
    assert b"not signed correctly" in answer.content
    assert client.get("/shopify/app/resume/").status_code == 400  # nothing waits
    assert Store.objects.count() == 0


def test_an_app_url_without_a_signature_is_refused(client, shop):
    answer = client.get("/shopify/app/?shop=alpha.myshopify.com&timestamp=1")

    assert answer.status_code == 400
    assert b"not signed correctly" in answer.content


def test_an_old_app_url_is_refused(client, emulator, shop, app_url):
    query = dict(parse_qsl(urlsplit(launch_path(emulator, shop)).query))
    query["timestamp"] = str(int(query["timestamp"]) - 3600)
    query["hmac"] = callback_signature(query)

    answer = client.get(f"/shopify/app/?{urlencode(query)}")

    assert answer.status_code == 400
    assert b"too old" in answer.content


def test_staff_who_may_not_connect_are_refused_after_the_login(
    client, django_user_model, emulator, shop, app_url
):
    user = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    client.force_login(user)

    answer = client.get(launch_path(emulator, shop))

    assert answer.status_code == 403
    assert Store.objects.count() == 0

    user.user_permissions.add(Permission.objects.get(codename="connect_store"))
    client.force_login(django_user_model.objects.get(pk=user.pk))
    allowed = client.get(launch_path(emulator, shop))
    assert allowed.url.startswith(f"{emulator.url}/{shop}/admin/oauth/authorize?")


def test_a_reinstall_from_shopify_reconnects_the_known_store(admin_client, emulator, shop, app_url):
    admin_client.get(approve(admin_client.get(launch_path(emulator, shop)).url))
    store = Store.objects.get()
    store.mark_disconnected(StoreStatus.UNINSTALLED)  # the merchant removed the app
    store.save()

    started = admin_client.get(launch_path(emulator, shop))
    admin_client.get(approve(started.url))

    assert list(Store.objects.values_list("pk", "status")) == [(store.pk, StoreStatus.CONNECTED)]
    assert Store.objects.get().access_token
