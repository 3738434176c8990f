"""Shopify's own Python package, `shopifyapp`, against the emulator: it verifies the ID token
the emulator mints as App Bridge would, exchanges it for an expiring offline token, refreshes
it (rotation), is refused a spent refresh token once its replacement was used, and gets a
client-credentials token for an app's own store. Its functions call
`https://{shop}.myshopify.com/admin/oauth/access_token`; an httpx transport routes that to the
emulator, passed as their documented `http_client` argument."""

import httpx
import pytest

shopify_app = pytest.importorskip("shopify_app")

SHOP = "pkg-shop.myshopify.com"
APP = {"client_id": "pkg-app", "client_secret": "pkg-app-secret-long-enough-for-hs256"}
SCOPES = ["read_customers", "read_products"]


class ToEmulator(httpx.BaseTransport):
    """https://{name}.myshopify.com/… → http://127.0.0.1:PORT/{name}.myshopify.com/…"""

    def __init__(self, emulator_url: str):
        self.base = httpx.URL(emulator_url)
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        assert url.scheme == "https" and url.host.endswith(".myshopify.com"), url
        request.url = self.base.copy_with(path=f"/{url.host}{url.path}", query=url.query)
        request.headers["Host"] = self.base.netloc.decode()
        return self.inner.handle_request(request)

    def close(self):
        self.inner.close()


@pytest.fixture
def http_client(emulator):
    with httpx.Client(transport=ToEmulator(emulator.url), timeout=10) as client:
        yield client


@pytest.fixture
def public_app(emulator):
    # Under a minute: shopifyapp refreshes only tokens that expire within 60 seconds.
    emulator.add_app(**APP, scopes=SCOPES, token_lifetime=30)
    emulator.add_shop(SHOP, name="Package Shop")
    return emulator


def works(emulator, token) -> bool:
    result = emulator.graphql(SHOP, token, "{ shop { name } }")
    return result["data"]["shop"]["name"] == "Package Shop"


def test_token_exchange_refresh_and_a_spent_refresh_token(public_app, http_client):
    id_token = public_app.session_token(SHOP, APP["client_id"])
    verified = shopify_app.verify_app_home_req(
        {
            "method": "GET",
            "headers": {"Authorization": f"Bearer {id_token}"},
            "url": f"https://crm.example.com/app?shop={SHOP}",
            "body": "",
        },
        dict(APP),
        "/auth/patch-id-token",
    )
    assert verified.ok, verified.log
    assert verified.shop == "pkg-shop"

    exchanged = shopify_app.token_exchange(
        "offline", dict(APP), id_token=verified.id_token, expiring=True, http_client=http_client
    )

    assert exchanged.ok, exchanged.log
    first = exchanged.access_token
    assert first.shop == "pkg-shop"
    assert first.scope == ",".join(SCOPES)
    assert first.expires and first.refresh_token and first.refresh_token_expires
    assert works(public_app, first.token)

    refreshed = shopify_app.refresh_access_token(first, dict(APP), http_client=http_client)

    assert refreshed.ok, refreshed.log
    second = refreshed.access_token
    assert second.token != first.token
    assert second.refresh_token != first.refresh_token
    assert works(public_app, second.token)
    # Its answer lost, the app may retry the spent refresh token: the same pair comes back.
    retried = shopify_app.refresh_access_token(first, dict(APP), http_client=http_client)
    assert retried.ok, retried.log
    assert (retried.access_token.token, retried.access_token.refresh_token) == (
        second.token,
        second.refresh_token,
    )

    third = shopify_app.refresh_access_token(second, dict(APP), http_client=http_client)
    assert third.ok, third.log  # the replacement is used: the first refresh token is retired
    spent = shopify_app.refresh_access_token(first, dict(APP), http_client=http_client)

    assert not spent.ok
    assert spent.log.code == "invalid_grant"
    assert works(public_app, third.access_token.token)


def test_client_credentials_on_the_apps_own_store(emulator, http_client):
    config = {"client_id": "own-app", "client_secret": "own-app-secret-long-enough-for-hs256"}
    emulator.add_app("own-app", config["client_secret"], own_shop=SHOP, scopes=SCOPES)
    emulator.add_shop(SHOP, name="Package Shop")
    emulator.add_shop("elsewhere.myshopify.com")

    result = shopify_app.exchange_using_client_credentials(
        "pkg-shop", config, http_client=http_client
    )
    elsewhere = shopify_app.exchange_using_client_credentials(
        "elsewhere", config, http_client=http_client
    )

    assert result.ok, result.log
    assert result.access_token.scope == ",".join(SCOPES)
    assert result.access_token.expires
    assert works(emulator, result.access_token.token)
    assert not elsewhere.ok
