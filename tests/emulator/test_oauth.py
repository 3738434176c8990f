"""The OAuth install, driven over HTTP as the app will drive it. The callback's HMAC is checked
with an implementation of Shopify's rule written here, independently of the emulator's."""

import base64
import hashlib
import hmac
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests

from tests.emulator.conftest import APP_ID, APP_SECRET, SHOP

CALLBACK = "https://crm.example.com/shopify/callback"
SCOPES = "read_customers,write_customers,read_orders"


def shopify_callback_hmac(secret: str, query: dict) -> str:
    """Shopify's documented rule: drop `hmac`, sort the rest, join `k=v` with `&`, HMAC-SHA256
    hex with the app secret."""
    message = "&".join(f"{key}={value}" for key, value in sorted(query.items()) if key != "hmac")
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def test_the_hmac_rule_matches_shopifys_published_example():
    query = {
        "code": "0907a61c0c8d55e99db179b68161bc00",
        "shop": "some-shop.myshopify.com",
        "timestamp": "1337178173",
    }

    assert shopify_callback_hmac("hush", query) == (
        "4712bf92ffc2917d15a2f5a273e39f0116667419aa4b6ac0b3baaf26fa3c4d20"
    )


@pytest.fixture
def installable(emulator):
    emulator.add_app(APP_ID, APP_SECRET)
    emulator.add_shop(SHOP, name="Test Shop")
    return emulator


def authorize_url(emulator, **overrides):
    params = {
        "client_id": APP_ID,
        "scope": SCOPES,
        "redirect_uri": CALLBACK,
        "state": "nonce-123",
        "grant_options[]": "",
        **overrides,
    }
    return f"{emulator.url}/{SHOP}/admin/oauth/authorize?{urlencode(params)}"


def approve(emulator, **overrides):
    """Open the approval page, press Install, return the callback's query."""
    page = requests.get(authorize_url(emulator, **overrides), timeout=10)
    assert page.status_code == 200
    assert "Install app" in page.text and 'id="install"' in page.text
    form = dict(parse_qsl(urlsplit(authorize_url(emulator, **overrides)).query))
    response = requests.post(
        f"{emulator.url}/{SHOP}/admin/oauth/authorize",
        data=form,
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    return dict(parse_qsl(location.query))


def exchange(emulator, code, secret=APP_SECRET):
    return requests.post(
        f"{emulator.url}/{SHOP}/admin/oauth/access_token",
        json={"client_id": APP_ID, "client_secret": secret, "code": code},
        timeout=10,
    )


def test_install_round_trip_gives_a_working_token(installable):
    query = approve(installable)

    assert set(query) == {"code", "hmac", "host", "shop", "state", "timestamp"}
    assert query["shop"] == SHOP
    assert query["state"] == "nonce-123"
    assert base64.b64decode(query["host"]).decode() == "admin.shopify.com/store/test-shop"
    assert hmac.compare_digest(query["hmac"], shopify_callback_hmac(APP_SECRET, query))

    response = exchange(installable, query["code"])

    assert response.status_code == 200
    body = response.json()
    assert body["scope"] == SCOPES
    shop = installable.graphql(SHOP, body["access_token"], "{ shop { name myshopifyDomain } }")
    assert shop["data"]["shop"] == {"name": "Test Shop", "myshopifyDomain": SHOP}


def test_a_code_is_exchanged_only_once(installable):
    query = approve(installable)
    assert exchange(installable, query["code"]).status_code == 200

    again = exchange(installable, query["code"])

    assert again.status_code == 400
    assert again.json() == {
        "error": "invalid_request",
        "error_description": "The authorization code was not found or was already used",
    }


def test_an_unknown_code_is_refused(installable):
    response = exchange(installable, "0" * 32)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_a_wrong_secret_is_refused_and_the_code_survives(installable):
    query = approve(installable)

    wrong = exchange(installable, query["code"], secret="not-the-secret")

    assert wrong.status_code == 400
    assert wrong.json() == {
        "error": "invalid_client",
        "error_description": "Client credentials are invalid",
    }
    assert exchange(installable, query["code"]).status_code == 200


def test_the_token_request_may_be_a_form(installable):
    query = approve(installable)

    response = requests.post(
        f"{installable.url}/{SHOP}/admin/oauth/access_token",
        data={"client_id": APP_ID, "client_secret": APP_SECRET, "code": query["code"]},
        timeout=10,
    )

    assert response.status_code == 200
    assert response.json()["access_token"].startswith("shpat_")


def test_an_auto_approving_app_redirects_at_once(emulator):
    emulator.add_app(APP_ID, APP_SECRET, auto_approve=True)
    emulator.add_shop(SHOP)

    response = requests.get(authorize_url(emulator), allow_redirects=False, timeout=10)

    assert response.status_code == 302
    query = dict(parse_qsl(urlsplit(response.headers["Location"]).query))
    assert query["hmac"] == shopify_callback_hmac(APP_SECRET, query)


def test_an_unknown_client_id_gets_an_error_page(installable):
    response = requests.get(authorize_url(installable, client_id="other"), timeout=10)

    assert response.status_code == 400
    assert "invalid_request" in response.text


def test_a_redirect_uri_outside_the_apps_list_is_refused(emulator):
    emulator.add_app(APP_ID, APP_SECRET, redirect_urls=[CALLBACK])
    emulator.add_shop(SHOP)

    response = requests.get(
        authorize_url(emulator, redirect_uri="https://evil.example/cb"),
        allow_redirects=False,
        timeout=10,
    )

    assert response.status_code == 400
    assert "not whitelisted" in response.text


def test_an_unknown_shop_is_not_found(installable):
    response = requests.get(
        authorize_url(installable).replace(SHOP, "nope.myshopify.com"), timeout=10
    )

    assert response.status_code == 404


def test_a_bad_token_is_refused_with_shopifys_message(installable):
    response = requests.post(
        installable.graphql_url(SHOP),
        json={"query": "{ shop { name } }"},
        headers={"X-Shopify-Access-Token": "shpat_wrong"},
        timeout=10,
    )

    assert response.status_code == 401
    assert response.json() == {
        "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
    }
