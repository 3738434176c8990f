import hashlib
import hmac
import time
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests
from django.conf import settings

from sync.adapters import scopes
from tests.conftest import APPROVED_APP


@pytest.fixture
def emulator(shopify_emulator, settings):
    """The emulator, emptied, knowing this app (approving installs at once), with the app's
    settings pointing at it."""
    client = shopify_emulator.client
    client.reset()
    client.add_app(
        settings.SHOPIFY_API_KEY, settings.SHOPIFY_API_SECRET, auto_approve=True, **APPROVED_APP
    )
    settings.SHOPIFY_BASE_URL = f"{shopify_emulator.url}/{{shop}}"
    return client


@pytest.fixture
def shop(emulator):
    emulator.add_shop(
        "alpha.myshopify.com",
        plan="plus",
        name="Alpha Goods",
        currency="SEK",
        timezone="Europe/Stockholm",
    )
    return "alpha.myshopify.com"


@pytest.fixture
def token(emulator, shop):
    """A token for the app on `shop`, as a custom app install gives."""
    return emulator.token(shop, settings.SHOPIFY_API_KEY, scopes())


def approve(emulator_url_of_authorize: str) -> str:
    """Follow the authorize URL to the emulator, which approves at once; return the path and
    query the browser would be sent back to."""
    response = requests.get(emulator_url_of_authorize, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["Location"])
    return f"{location.path}?{location.query}"


def install(client, shop_input: str) -> tuple[str, object]:
    """The whole install as a browser does it: the form, Shopify, the callback. Returns the
    callback URL that was used and the callback's response."""
    started = client.post("/admin/integration/store/connect/", {"shop": shop_input})
    assert started.status_code == 302, started.content
    callback = approve(started.url)
    return callback, client.get(callback)


def signed_callback(shop: str, state: str, code: str = "0" * 32, timestamp=None) -> str:
    """A callback URL signed as Shopify signs it, for refusals the emulator would not make."""
    params = {
        "code": code,
        "host": "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvYWxwaGE=",
        "shop": shop,
        "state": state,
        "timestamp": str(int(timestamp if timestamp is not None else time.time())),
    }
    message = "&".join(f"{key}={params[key]}" for key in sorted(params))
    params["hmac"] = hmac.new(
        settings.SHOPIFY_API_SECRET.encode(), message.encode(), hashlib.sha256
    ).hexdigest()
    return f"/shopify/callback/?{urlencode(params)}"


def state_of(started_response) -> str:
    return dict(parse_qsl(urlsplit(started_response.url).query))["state"]
