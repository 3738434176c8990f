"""Installs as Shopify runs them: the gated read_all_orders scope (changelog "Apps now need
Shopify approval to read orders older than 60 days"), Shopify-managed installation opening the
signed App URL ("Shopify managed installation"), granted scopes read back from
`currentAppInstallation`, and app/scopes_update when they change. The App URL's HMAC is
checked with the tests' own implementation of Shopify's rule (test_oauth.py)."""

import base64
import hmac
import re
import time
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests

from tests.emulator.conftest import (
    ALL_SCOPES,
    APP_ID,
    APP_SECRET,
    SHOP,
    ShopAccess,
    body_of,
    subscribe,
)
from tests.emulator.test_bulk import lines_of, run, wait
from tests.emulator.test_oauth import shopify_callback_hmac
from tests.emulator.webhook_schemas import validate

APP_URL = "https://crm.example.com/shopify"
ACCESS_SCOPES = "{ currentAppInstallation { accessScopes { handle } } }"


def authorize(emulator, scope):
    query = urlencode(
        {
            "client_id": APP_ID,
            "scope": scope,
            "redirect_uri": "https://crm.example.com/cb",
            "state": "s",
        }
    )
    return requests.get(
        f"{emulator.url}/{SHOP}/admin/oauth/authorize?{query}", allow_redirects=False, timeout=10
    )


# Gated scopes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("auto_approve", [False, True])
def test_asking_for_read_all_orders_unapproved_ends_on_shopifys_error_page(emulator, auto_approve):
    emulator.add_app(APP_ID, APP_SECRET, auto_approve=auto_approve)
    emulator.add_shop(SHOP)

    response = authorize(emulator, "read_orders,read_all_orders")

    assert response.status_code == 400
    assert "Location" not in response.headers
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<h1>Oauth error missing_shopify_permission: read_all_orders</h1>" in response.text


def test_approving_the_form_is_refused_as_well(emulator):
    emulator.add_app(APP_ID, APP_SECRET)
    emulator.add_shop(SHOP)
    form = {"client_id": APP_ID, "scope": "read_all_orders", "redirect_uri": "https://x.example/"}

    response = requests.post(
        f"{emulator.url}/{SHOP}/admin/oauth/authorize",
        data=form,
        allow_redirects=False,
        timeout=10,
    )

    assert response.status_code == 400
    assert "missing_shopify_permission: read_all_orders" in response.text


def test_an_app_approved_for_read_all_orders_gets_it(emulator):
    emulator.add_app(APP_ID, APP_SECRET, auto_approve=True, approved_scopes=["read_all_orders"])
    emulator.add_shop(SHOP)

    response = authorize(emulator, "read_orders,read_all_orders")

    assert response.status_code == 302
    code = dict(parse_qsl(urlsplit(response.headers["Location"]).query))["code"]
    token = requests.post(
        f"{emulator.url}/{SHOP}/admin/oauth/access_token",
        json={"client_id": APP_ID, "client_secret": APP_SECRET, "code": code},
        timeout=10,
    ).json()
    assert token["scope"] == "read_orders,read_all_orders"


def test_old_orders_are_invisible_everywhere_without_read_all_orders(shop, emulator):
    lines = [{"title": "Engraving", "quantity": 1, "price": "10.00"}]
    old = shop.control(
        "POST", "orders", {"processedAt": "2020-01-01T00:00:00Z", "lineItems": lines}
    )
    recent = shop.control("POST", "orders", {"lineItems": lines})
    token = emulator.token(SHOP, APP_ID, ["read_orders", "read_customers"])
    ids = [old["id"], recent["id"]]
    query = """query($old: ID!, $ids: [ID!]!) {
      order(id: $old) { id }
      node(id: $old) { id }
      nodes(ids: $ids) { id }
      orders(first: 10) { nodes { id } }
      ordersCount { count }
    }"""

    limited = shop.graphql(query, {"old": old["id"], "ids": ids}, token=token)["data"]
    full = shop.graphql(query, {"old": old["id"], "ids": ids})["data"]

    assert limited == {
        "order": None,
        "node": None,
        "nodes": [None, {"id": recent["id"]}],
        "orders": {"nodes": [{"id": recent["id"]}]},
        "ordersCount": {"count": 1},
    }
    assert full["order"] == {"id": old["id"]}
    assert full["ordersCount"] == {"count": 2}
    assert {node["id"] for node in full["orders"]["nodes"]} == set(ids)
    limited_shop = ShopAccess(emulator, SHOP, token)
    started = run(limited_shop, "{ orders { edges { node { id } } } }")["bulkOperation"]
    exported = lines_of(wait(limited_shop, started["id"])["url"])
    assert exported == [{"id": recent["id"]}]


# Granted scopes --------------------------------------------------------------------------------


def test_access_scopes_are_the_tokens_granted_scopes(shop, emulator):
    token = emulator.token(SHOP, APP_ID, ["write_products", "read_customers"])

    result = shop.graphql(ACCESS_SCOPES, token=token)

    assert result["data"]["currentAppInstallation"]["accessScopes"] == [
        {"handle": "write_products"},
        {"handle": "read_customers"},
    ]


def test_a_write_scope_implies_its_read_scope(shop, emulator):
    shop.control("POST", "products", {"title": "Mug"})
    token = emulator.token(SHOP, APP_ID, ["write_products"])

    result = shop.graphql("{ products(first: 5) { nodes { title } } }", token=token)

    assert result["data"]["products"]["nodes"] == [{"title": "Mug"}]


# Shopify-managed installation --------------------------------------------------------------------


@pytest.fixture
def managed(emulator):
    emulator.add_app(APP_ID, APP_SECRET, app_url=APP_URL)
    emulator.add_app("no-url-app", "other-secret")
    emulator.add_shop(SHOP)
    return emulator


def check_app_url(url: str):
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == APP_URL
    query = dict(parse_qsl(parts.query))
    assert set(query) == {"shop", "host", "timestamp", "hmac"}
    assert query["shop"] == SHOP
    assert base64.b64decode(query["host"]).decode() == "admin.shopify.com/store/test-shop"
    assert abs(int(query["timestamp"]) - time.time()) < 5
    assert hmac.compare_digest(query["hmac"], shopify_callback_hmac(APP_SECRET, query))


def test_the_install_url_is_the_signed_app_url(managed):
    check_app_url(managed.install_url(SHOP, APP_ID))


def test_an_app_without_an_app_url_has_no_install_url(managed):
    with pytest.raises(Exception, match="404"):
        managed.install_url(SHOP, "no-url-app")


def test_the_merchant_page_installs_apps_that_have_an_app_url(managed):
    page = requests.get(f"{managed.url}/{SHOP}/admin", timeout=10).text

    links = re.findall(r"<a[^>]*href='([^']+)'[^>]*>Install app</a>", page)
    assert len(links) == 1  # the app without an App URL is not offered

    response = requests.get(f"{managed.url}{links[0]}", allow_redirects=False, timeout=10)

    assert response.status_code == 302
    check_app_url(response.headers["Location"])


# app/scopes_update ---------------------------------------------------------------------------


def test_changed_installation_scopes_reach_the_app_and_its_live_tokens(shop, emulator, receiver):
    subscribe(shop, "APP_SCOPES_UPDATE", receiver.url)

    emulator.set_installation_scopes(SHOP, APP_ID, ["read_products", "read_customers"])
    delivery = receiver.wait_for(1)[0]

    assert delivery["headers"]["X-Shopify-Topic"] == "app/scopes_update"
    body = body_of(delivery)
    validate("app/scopes_update", body)
    assert body["previous"] == ALL_SCOPES
    assert body["current"] == ["read_products", "read_customers"]
    assert body["shop_id"].startswith("gid://shopify/Shop/")
    granted = shop.graphql(ACCESS_SCOPES)["data"]["currentAppInstallation"]["accessScopes"]
    assert [scope["handle"] for scope in granted] == ["read_products", "read_customers"]
    denied = shop.graphql("{ orders(first: 1) { nodes { id } } }")
    assert denied["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"


def test_a_new_authorization_with_other_scopes_sends_scopes_update(shop, emulator, receiver):
    subscribe(shop, "APP_SCOPES_UPDATE", receiver.url)

    emulator.token(SHOP, APP_ID, ["read_products"])
    emulator.token(SHOP, APP_ID, ["read_products"])  # the same scopes again: no update
    deliveries = receiver.wait_for(1)
    time.sleep(0.3)

    assert len(receiver.received) == 1
    body = body_of(deliveries[0])
    validate("app/scopes_update", body)
    assert (body["previous"], body["current"]) == (ALL_SCOPES, ["read_products"])


def test_scopes_update_goes_only_to_the_app_whose_scopes_changed(shop, emulator, receiver):
    emulator.add_app("other", "other-secret", distribution="custom")
    other = emulator.token(SHOP, "other", ["read_products"])
    shop.graphql(
        """mutation($uri: String!) { webhookSubscriptionCreate(topic: APP_SCOPES_UPDATE,
             webhookSubscription: {uri: $uri}) { userErrors { message } } }""",
        {"uri": receiver.url},
        token=other,
    )

    emulator.set_installation_scopes(SHOP, APP_ID, ["read_products"])
    time.sleep(0.5)

    assert receiver.received == []


def test_the_scopes_of_an_app_not_installed_cannot_be_set(emulator):
    emulator.add_app(APP_ID, APP_SECRET)
    emulator.add_shop(SHOP)

    with pytest.raises(Exception, match="404"):
        emulator.set_installation_scopes(SHOP, APP_ID, ["read_products"])
