"""A store's access token, kept working.

Shopify's offline tokens expire: an app installed with OAuth gets an expiring token (an hour)
with a refresh token (90 days, replaced at every refresh), and an app made for one store gets
tokens by the client-credentials grant, which expire too. A token is renewed ahead of its
expiry and when Shopify answers 401; one renewal per store at a time across every worker (the
store's row is locked while Shopify is asked, and whoever waited finds the new token), and the
new token is committed before anyone uses it: a refresh token is spent once used, so losing
the new pair would lose the store. A renewal Shopify refuses puts the store in "reconnect
needed".
https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/offline-access-tokens
https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/client-credentials-grant

The refresh and client-credentials grants go through Shopify's own package (`shopifyapp`), as
Shopify's libraries make them; it has no authorization-code exchange (integration.services has
ours) and addresses `https://{shop}`, so its requests are sent to SHOPIFY_BASE_URL here.
"""

from __future__ import annotations

import datetime
import json
import logging

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from shopify_app import exchange_using_client_credentials, refresh_access_token

from integration.errors import ReconnectNeeded
from integration.models import Credentials, Store, StoreStatus, shop_url

log = logging.getLogger(__name__)

# A token is renewed this long before it expires (half its life when it lives shorter).
RENEW_BEFORE = datetime.timedelta(minutes=5)
TIMEOUT = httpx.Timeout(30, connect=5)


class ShopifyBusy(Exception):
    """Shopify could not renew the token just now; a later try may."""


# Shopify's refusals of a grant, in words for the person connecting.
REFUSALS = {
    "invalid_client": "the client ID or secret is wrong, or the app is not installed there",
    "shop_not_permitted": "client credentials work only on the store the app was made for",
    "invalid_grant": "the refresh token was used up, revoked or has expired",
}


def renew_at(expires_at: datetime.datetime | None, lifetime: datetime.timedelta | None):
    """When to renew a token that expires at `expires_at` after living `lifetime`."""
    if expires_at is None or lifetime is None:
        return None
    return expires_at - min(RENEW_BEFORE, lifetime / 2)


def token_for(store: Store) -> str:
    """A working access token for the store, renewed first when it is due."""
    if store.token_renew_at and store.token_renew_at <= timezone.now():
        renew(store)
    return store.access_token


def renew(store: Store, *, refused_token: str | None = None) -> str:
    """Renew the store's token (one renewal at a time per store) and return the new one.
    `refused_token`: the token Shopify just answered 401 to; if another worker already
    replaced it, that newer token is used as it is."""
    with transaction.atomic():
        locked = Store.objects.select_for_update().get(pk=store.pk)
        if locked.status == StoreStatus.RECONNECT:
            raise ReconnectNeeded(locked.status_detail)
        replaced = refused_token is not None and locked.access_token != refused_token
        due = locked.token_renew_at is not None and locked.token_renew_at <= timezone.now()
        if replaced or (refused_token is None and not due):
            _copy_tokens(locked, store)
            return store.access_token
        try:
            _ask_shopify(locked)
        except ReconnectNeeded as refused:
            # Kept (committed) whatever the caller does next: the syncs pause on it.
            locked.mark_reconnect_needed(str(refused))
            locked.save(update_fields=["status", "status_detail", "updated_at"])
            failure = refused
        else:
            locked.save()
            failure = None
    _copy_tokens(locked, store)
    if failure is not None:
        log.warning("%s needs reconnecting: %s", store, failure)
        raise failure
    log.info("renewed the access token of %s", store)
    return store.access_token


def _ask_shopify(store: Store) -> None:
    if store.credentials == Credentials.CLIENT_CREDENTIALS:
        _client_credentials(store)
    elif store.encrypted_refresh_token:
        _refresh(store)
    else:  # a custom app's token, or a token that never expired: nothing renews it
        raise ReconnectNeeded(
            "Shopify refused the store's access token, and it cannot be renewed: connect the "
            "store again."
        )


def _refresh(store: Store) -> None:
    result = refresh_access_token(
        {
            "shop": _shop_name(store),
            "refresh_token": store.refresh_token,
            # Empty: renew now whatever the expiry says (it is due, or Shopify said 401).
            "expires": "",
            "refresh_token_expires": _iso(store.refresh_token_expires_at),
            "access_mode": "offline",
        },
        {"client_id": settings.SHOPIFY_API_KEY, "client_secret": settings.SHOPIFY_API_SECRET},
        http_client=_http_client(),
    )
    if not result.ok or result.access_token is None:
        _refused("renew the access token", result)
    token = result.access_token
    expires_at = _moment(token.expires)
    store.set_tokens(
        token.token,
        expires_at=expires_at,
        renew_at=renew_at(expires_at, _lifetime(expires_at)),
        refresh_token=token.refresh_token or "",
        refresh_expires_at=_moment(token.refresh_token_expires),
    )


def _client_credentials(store: Store) -> None:
    result = exchange_using_client_credentials(
        _shop_name(store),
        {"client_id": store.client_id, "client_secret": store.client_secret},
        http_client=_http_client(),
    )
    if not result.ok or result.access_token is None:
        _refused("give a token for the app's client credentials", result)
    expires_at = _moment(result.access_token.expires)
    store.set_tokens(
        result.access_token.token,
        expires_at=expires_at,
        renew_at=renew_at(expires_at, _lifetime(expires_at)),
    )


def client_credentials_token(shop_domain: str, client_id: str, client_secret: str) -> dict:
    """A first token for an app made for this store: {"token", "expires_at", "renew_at",
    "scopes"}; ReconnectNeeded with Shopify's reason when refused."""
    result = exchange_using_client_credentials(
        shop_domain.removesuffix(".myshopify.com"),
        {"client_id": client_id, "client_secret": client_secret},
        http_client=_http_client(),
    )
    if not result.ok or result.access_token is None:
        _refused("give a token for these client credentials", result)
    expires_at = _moment(result.access_token.expires)
    return {
        "token": result.access_token.token,
        "expires_at": expires_at,
        "renew_at": renew_at(expires_at, _lifetime(expires_at)),
        "scopes": [scope for scope in result.access_token.scope.split(",") if scope],
    }


def _refused(doing: str, result) -> None:
    """Raise what a failed grant means. `result.response` is the answer the package suggests
    an app give its own caller; what Shopify answered is in its last HTTP log."""
    answered = result.http_logs[-1].res if result.http_logs else None
    status = answered.status if answered is not None else 0
    reason = _shopify_error(answered) or result.log.code
    if status == 0 or status == 429 or status >= 500:
        # The network or Shopify had a bad moment: the store is fine, try again later.
        raise ShopifyBusy(f"Shopify could not {doing} now ({reason}).")
    refused = ReconnectNeeded(f"Shopify refused to {doing} ({reason}): connect the store again.")
    refused.reason = reason
    raise refused


def _shopify_error(answered) -> str:
    """The OAuth `error` of Shopify's answer ("invalid_grant"), when it has one."""
    try:
        error = json.loads(answered.body).get("error") if answered and answered.body else None
    except (ValueError, AttributeError):
        return ""
    return error if isinstance(error, str) and error.isidentifier() and len(error) < 64 else ""


def _copy_tokens(source: Store, target: Store) -> None:
    for field in (
        "encrypted_access_token",
        "access_token_expires_at",
        "token_renew_at",
        "encrypted_refresh_token",
        "refresh_token_expires_at",
        "status",
        "status_detail",
    ):
        setattr(target, field, getattr(source, field))


def _shop_name(store: Store) -> str:
    return store.shop_domain.removesuffix(".myshopify.com")


def _moment(text: str | None) -> datetime.datetime | None:
    if not text:
        return None
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _iso(moment: datetime.datetime | None) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def _lifetime(expires_at: datetime.datetime | None) -> datetime.timedelta | None:
    return expires_at - timezone.now() if expires_at else None


def _http_client() -> httpx.Client:
    return httpx.Client(transport=_ToShopBaseUrl(), timeout=TIMEOUT)


class _ToShopBaseUrl(httpx.HTTPTransport):
    """Sends what the package addresses to `https://{shop}.myshopify.com/…` to the shop's base
    URL (SHOPIFY_BASE_URL): the same place for real Shopify, the emulator in development."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if host.endswith(".myshopify.com"):
            target = httpx.URL(shop_url(host) + request.url.raw_path.decode("ascii"))
            headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
            request = httpx.Request(
                request.method, target, headers=headers, content=request.content
            )
        return super().handle_request(request)
