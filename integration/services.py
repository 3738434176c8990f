"""Connecting and disconnecting Shopify stores: the OAuth authorization-code grant, a custom
app's token, and what follows either (shop details, webhook subscriptions). Which scopes to ask
for and which topics to subscribe to are the caller's to say (the sync derives them from its
object pairs).
https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/authorization-code-grant
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import logging
import re
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone as django_timezone

from integration import tokens, webhooks
from integration.client import CONNECT_TIMEOUT, READ_TIMEOUT, ShopifyClient
from integration.errors import ReconnectNeeded, ShopifyAuthError, ShopifyError
from integration.models import SHOP_DOMAIN, Credentials, Store, shop_url

log = logging.getLogger(__name__)

# A callback older than this is refused: its code would be stale anyway, and an old URL replayed
# from a browser history or a log must not connect anything.
CALLBACK_MAX_AGE_SECONDS = 300
CALLBACK_MAX_SKEW_SECONDS = 60
SESSION_STATE_KEY = "shopify_oauth"

# The shop as the product needs it, its plan (B2B needs Plus), its country (phone numbers
# typed without a country code are read as its; `billingAddress` is deprecated for
# `shopAddress`) and the scopes the token was granted: what the merchant approved is the
# truth, not what the app asked for.
SHOP_QUERY = """
query ShopDetails {
  shop {
    name currencyCode ianaTimezone myshopifyDomain
    plan { displayName shopifyPlus }
    shopAddress { countryCodeV2 }
  }
  currentAppInstallation { accessScopes { handle } }
}
"""

GRANTED_SCOPES_QUERY = """
query GrantedScopes {
  currentAppInstallation { accessScopes { handle } }
}
"""


@dataclass
class Grant:
    """What Shopify gave for a store: a token, and what renews it."""

    access_token: str
    credentials: str = Credentials.TOKEN
    expires_at: datetime.datetime | None = None
    renew_at: datetime.datetime | None = None
    refresh_token: str = ""
    refresh_expires_at: datetime.datetime | None = None
    # An app made for this store (client credentials) renews with its own id and secret.
    client_id: str = ""
    client_secret: str = ""


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
    """Shopify's HMAC of a callback or a launch of the App URL: hex HMAC-SHA256 of the sorted
    query without `hmac`."""
    message = "&".join(f"{key}={params[key]}" for key in sorted(params) if key != "hmac")
    return hmac.new(
        settings.SHOPIFY_API_SECRET.encode(), message.encode(), hashlib.sha256
    ).hexdigest()


def verify_launch(params: dict) -> str:
    """Check a request Shopify sent to the App URL (an install or reinstall that started at
    Shopify: the App Store, an install link, the Shopify admin) — its signature, shop and
    time — and return its shop domain.
    https://shopify.dev/docs/apps/build/authentication-authorization/app-installation/manage-installation"""
    signature = params.get("hmac", "")
    if not signature or not hmac.compare_digest(callback_signature(params), signature):
        raise ConnectError("This link from Shopify is not signed correctly.")
    shop = params.get("shop", "")
    if not SHOP_DOMAIN.match(shop):
        raise ConnectError("This link from Shopify names no store.")
    _check_timestamp(params, "This link from Shopify")
    return shop


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
    _check_timestamp(params, "The reply from Shopify")
    if not params.get("code"):
        raise ConnectError("The reply from Shopify has no authorization code.")
    return shop


def _check_timestamp(params: dict, what: str) -> None:
    try:
        timestamp = int(params.get("timestamp", ""))
    except ValueError:
        raise ConnectError(f"{what} has no valid timestamp.") from None
    age = time.time() - timestamp
    if age > CALLBACK_MAX_AGE_SECONDS or age < -CALLBACK_MAX_SKEW_SECONDS:
        raise ConnectError(f"{what} is too old. Please try again.")


def exchange_code(shop_domain: str, code: str) -> Grant:
    """Trade the callback's one-time code for an expiring offline token and its refresh
    token (public apps must use expiring tokens; Shopify refuses non-expiring ones from
    2027-01-01).
    https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/offline-access-tokens"""
    try:
        response = requests.post(
            f"{shop_url(shop_domain)}/admin/oauth/access_token",
            json={
                "client_id": settings.SHOPIFY_API_KEY,
                "client_secret": settings.SHOPIFY_API_SECRET,
                "code": code,
                "expiring": 1,
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
    try:
        return oauth_grant(response.json())
    except (ValueError, TypeError):
        raise ConnectError("Shopify's answer holds no usable access token.") from None


def oauth_grant(answer) -> Grant:
    """A Grant from the token endpoint's answer: an access token, and for an expiring one its
    lifetime and refresh token. ValueError when the answer is not shaped so."""
    if not isinstance(answer, dict) or not _is_token(answer.get("access_token")):
        raise ValueError("no access token")
    now = django_timezone.now()
    expires_at = _after(now, answer.get("expires_in"))
    refresh_token = answer.get("refresh_token") or ""
    if refresh_token and not _is_token(refresh_token):
        raise ValueError("a malformed refresh token")
    return Grant(
        access_token=answer["access_token"],
        credentials=Credentials.OAUTH,
        expires_at=expires_at,
        renew_at=tokens.renew_at(expires_at, expires_at - now if expires_at else None),
        refresh_token=refresh_token,
        refresh_expires_at=_after(now, answer.get("refresh_token_expires_in")),
    )


def _is_token(value) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 255 and value.isprintable()


TEN_YEARS = 10 * 366 * 86400


def _after(now, seconds):
    """`now` plus a lifetime Shopify gave in seconds (at most ten years; none: None)."""
    if seconds in (None, "", 0):
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, int) or not 0 < seconds < TEN_YEARS:
        raise ValueError("a lifetime that is not a number of seconds")
    return now + datetime.timedelta(seconds=seconds)


def client_credentials_grant(shop_domain: str, client_id: str, client_secret: str) -> Grant:
    """A token for an app made in the Dev Dashboard for this store, by the client-credentials
    grant (its tokens expire; the same grant gives the next one).
    https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/client-credentials-grant"""
    try:
        token = tokens.client_credentials_token(shop_domain, client_id, client_secret)
    except tokens.ShopifyBusy as busy:
        raise ConnectError(f"{busy} Please try again in a moment.") from None
    except ReconnectNeeded as refused:
        why = tokens.REFUSALS.get(refused.reason, "Shopify did not say why")
        raise ConnectError(
            f"Shopify gave no token for these credentials ({refused.reason or 'refused'}): {why}."
        ) from None
    return Grant(
        access_token=token["token"],
        credentials=Credentials.CLIENT_CREDENTIALS,
        expires_at=token["expires_at"],
        renew_at=token["renew_at"],
        client_id=client_id,
        client_secret=client_secret,
    )


def connect_store(*, shop_domain: str, grant: Grant, user) -> Store:
    """What follows a token however it was obtained: check it with a `shop` query, which
    also says the shop's plan and the scopes it was granted, and save the store (an existing
    one is updated, never duplicated) with what renews its token."""
    client = ShopifyClient(shop_domain, grant.access_token)
    try:
        data = client.execute(SHOP_QUERY)
    except ShopifyError as error:
        raise ConnectError(f"The token does not work for {shop_domain}: {error}") from None
    with transaction.atomic():
        store, _ = Store.objects.select_for_update().get_or_create(shop_domain=shop_domain)
        store.set_tokens(
            grant.access_token,
            expires_at=grant.expires_at,
            renew_at=grant.renew_at,
            refresh_token=grant.refresh_token,
            refresh_expires_at=grant.refresh_expires_at,
        )
        store.credentials = grant.credentials
        if grant.credentials == Credentials.CLIENT_CREDENTIALS:
            store.set_client_credentials(grant.client_id, grant.client_secret)
        else:
            store.client_id, store.encrypted_client_secret = "", ""
        store.mark_connected(user=user, scopes=_handles(data), shop=data["shop"])
        store.save()
    return store


def _handles(data: dict) -> list[str]:
    scopes = ((data.get("currentAppInstallation") or {}).get("accessScopes")) or []
    return sorted({scope["handle"] for scope in scopes if isinstance(scope.get("handle"), str)})


def read_granted_scopes(store: Store) -> list[str]:
    """Ask Shopify which scopes the store granted now (after `app/scopes_update`), and keep
    them."""
    scopes = _handles(ShopifyClient.for_store(store).execute(GRANTED_SCOPES_QUERY))
    Store.objects.filter(pk=store.pk).update(scopes=",".join(scopes))
    store.scopes = ",".join(scopes)
    return scopes


INSTALLED_QUERY = "query AppInstalled { currentAppInstallation { id } }"


def app_still_installed(store: Store) -> bool:
    """Whether Shopify still answers the store's token, so the app is still installed there:
    what a webhook saying otherwise (its headers are not signed) is checked against before
    anything is erased. Once the app is removed its tokens stop working (401, and a renewal
    is refused). A store without a token cannot be asked: False. Raises ShopifyError when
    Shopify cannot say now (ask again later)."""
    if not store.encrypted_access_token:
        return False
    try:
        ShopifyClient.for_store(store).execute(INSTALLED_QUERY)
    except ShopifyAuthError:  # ReconnectNeeded too
        return False
    return True


def subscribe(store: Store, topics, created: list | None = None) -> dict[str, str]:
    """Subscribe the store to the webhook `topics`, each on its own: a topic Shopify refuses
    (protected customer data not approved, a plan without B2B) is recorded with Shopify's
    reason and blocks nothing. Returns and keeps topic → "" or the reason; the topics
    subscribed anew are added to `created`."""
    try:
        outcome = webhooks.sync_subscriptions(ShopifyClient.for_store(store), topics, created)
    except ShopifyError as error:
        # Without webhooks the store still syncs on reconciliation: say so, try again later.
        outcome = {topic: f"Not subscribed: {error}" for topic in topics}
    Store.objects.filter(pk=store.pk).update(webhook_topics=outcome)
    store.webhook_topics = outcome
    return outcome


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
