"""Connecting and disconnecting Shopify stores: the OAuth authorization-code grant, a custom
app's token, and what follows either (shop details, webhook subscriptions). Which scopes to ask
for and which topics to subscribe to are the caller's to say (the sync derives them from its
object pairs).
https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/authorization-code-grant
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import time
from urllib.parse import urlencode, urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from integration import webhooks
from integration.client import (
    CONNECT_TIMEOUT,
    READ_TIMEOUT,
    ShopifyClient,
    ShopifyError,
    shop_url,
)
from integration.models import SHOP_DOMAIN, Store, StoreStatus

log = logging.getLogger(__name__)

# A callback older than this is refused: its code would be stale anyway, and an old URL replayed
# from a browser history or a log must not connect anything.
CALLBACK_MAX_AGE_SECONDS = 300
CALLBACK_MAX_SKEW_SECONDS = 60
SESSION_STATE_KEY = "shopify_oauth"

SHOP_QUERY = """
query ShopDetails {
  shop { name currencyCode ianaTimezone myshopifyDomain }
}
"""


class ConnectError(Exception):
    """The connection could not be made; the message is for the person connecting."""


def normalize_shop_domain(text: str) -> str:
    """`name`, `name.myshopify.com`, `https://name.myshopify.com/admin…` or
    `admin.shopify.com/store/name` → `name.myshopify.com`. Anything else is refused: the app
    only ever talks to `*.myshopify.com`, never to a host somebody typed."""
    value = (text or "").strip().lower()
    if not value:
        raise ValidationError("Enter your store's Shopify URL, such as your-store.myshopify.com.")
    if "://" not in value:
        value = f"https://{value}"
    try:
        parts = urlsplit(value)
        host, port, user = parts.hostname or "", parts.port, parts.username
    except ValueError:  # e.g. a port that is not a number
        return _refuse_domain()
    if port or user:
        return _refuse_domain()
    if host == "admin.shopify.com":
        match = re.match(r"^/store/([a-z0-9][a-z0-9-]*)/?", parts.path)
        name = match.group(1) if match else ""
    elif host.endswith(".myshopify.com"):
        name = host.removesuffix(".myshopify.com")
    elif "." not in host:
        name = host
    else:
        name = ""
    domain = f"{name}.myshopify.com"
    if not name or not SHOP_DOMAIN.match(domain):
        return _refuse_domain()
    return domain


def _refuse_domain():
    raise ValidationError(
        "That is not a Shopify store address. Use the store's myshopify.com domain "
        "(your-store.myshopify.com) or its admin URL (admin.shopify.com/store/your-store)."
    )


def begin_authorization(session, shop_domain: str, *, scopes, redirect_uri: str) -> str:
    """Remember a fresh `state` for this browser session and return the shop's authorize URL,
    asking for `scopes` and for Shopify to come back to `redirect_uri`."""
    if not settings.SHOPIFY_API_KEY or not settings.SHOPIFY_API_SECRET:
        raise ConnectError("The Shopify app is not configured: set SHOPIFY_API_KEY and SECRET.")
    state = secrets.token_urlsafe(24)
    session[SESSION_STATE_KEY] = {"state": state, "shop": shop_domain}
    query = urlencode(
        {
            "client_id": settings.SHOPIFY_API_KEY,
            "scope": ",".join(scopes),
            "redirect_uri": redirect_uri,
            "state": state,
            # Empty: an offline token, which works while nobody is logged in (for the workers).
            "grant_options[]": "",
        }
    )
    return f"{shop_url(shop_domain)}/admin/oauth/authorize?{query}"


def callback_signature(params: dict) -> str:
    """Shopify's callback HMAC: hex HMAC-SHA256 of the sorted query without `hmac`."""
    message = "&".join(f"{key}={params[key]}" for key in sorted(params) if key != "hmac")
    return hmac.new(
        settings.SHOPIFY_API_SECRET.encode(), message.encode(), hashlib.sha256
    ).hexdigest()


def verify_callback(session, params: dict) -> str:
    """Check a callback before anything is sent anywhere; return its shop domain. The state
    is used up whatever the outcome, so a callback can be tried once."""
    expected = session.pop(SESSION_STATE_KEY, None)
    signature = params.get("hmac", "")
    if not signature or not hmac.compare_digest(callback_signature(params), signature):
        raise ConnectError("The reply from Shopify is not signed correctly. Please try again.")
    if not expected or not hmac.compare_digest(expected["state"], params.get("state", "")):
        raise ConnectError(
            "This connection was not started from this browser session (or was already "
            "used). Please start again from the Shopify page."
        )
    shop = params.get("shop", "")
    if not SHOP_DOMAIN.match(shop) or shop != expected["shop"]:
        raise ConnectError("The reply names another store than the one you asked to connect.")
    try:
        timestamp = int(params.get("timestamp", ""))
    except ValueError:
        raise ConnectError("The reply from Shopify has no valid timestamp.") from None
    age = time.time() - timestamp
    if age > CALLBACK_MAX_AGE_SECONDS or age < -CALLBACK_MAX_SKEW_SECONDS:
        raise ConnectError("The reply from Shopify is too old. Please try again.")
    if not params.get("code"):
        raise ConnectError("The reply from Shopify has no authorization code.")
    return shop


def exchange_code(shop_domain: str, code: str) -> tuple[str, list[str]]:
    """Trade the callback's one-time code for an offline access token."""
    try:
        response = requests.post(
            f"{shop_url(shop_domain)}/admin/oauth/access_token",
            json={
                "client_id": settings.SHOPIFY_API_KEY,
                "client_secret": settings.SHOPIFY_API_SECRET,
                "code": code,
            },
            timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
        )
    except requests.RequestException as error:
        raise ConnectError(f"Shopify could not be reached ({type(error).__name__}).") from None
    if response.status_code != 200:
        try:
            detail = response.json().get("error_description") or response.json().get("error")
        except ValueError:
            detail = f"HTTP {response.status_code}"
        raise ConnectError(f"Shopify refused the authorization: {detail}.")
    body = response.json()
    return body["access_token"], [scope for scope in body.get("scope", "").split(",") if scope]


def connect_store(*, shop_domain: str, access_token: str, scopes: list[str], topics, user) -> Store:
    """What follows a token however it was obtained: check it with a `shop` query, save the
    store (an existing one is updated, never duplicated), subscribe to the webhook `topics`."""
    client = ShopifyClient(shop_domain, access_token)
    try:
        shop = client.execute(SHOP_QUERY)["shop"]
    except ShopifyError as error:
        raise ConnectError(f"The token does not work for {shop_domain}: {error}") from None
    with transaction.atomic():
        store, _ = Store.objects.select_for_update().get_or_create(shop_domain=shop_domain)
        store.mark_connected(user=user, token=access_token, scopes=scopes, shop=shop)
        store.save()
    try:
        webhooks.sync_subscriptions(client, topics)
    except ShopifyError as error:
        # Connected, but without webhooks the store would only sync on the reconciliation
        # sweep: say so on the store, and let a reconnect or a retry fix it.
        Store.objects.filter(pk=store.pk).update(
            status=StoreStatus.ERROR, status_detail=f"Webhook subscriptions failed: {error}"
        )
        store.refresh_from_db()
        raise ConnectError(f"Connected, but the webhook subscriptions failed: {error}") from None
    return store


def disconnect_store(*, store: Store) -> list[str]:
    """Unsubscribe the store's webhooks while the token still works, then forget the token.
    The synced CRM data stays. Returns the topics unsubscribed."""
    removed = []
    if store.has_access_token:
        try:
            removed = webhooks.remove_subscriptions(ShopifyClient.for_store(store))
        except ShopifyError as error:
            log.warning("could not unsubscribe the webhooks of %s: %s", store, error)
    store.mark_disconnected()
    store.save()
    return removed
