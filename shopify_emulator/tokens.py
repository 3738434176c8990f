"""Access tokens as Shopify issues them in late 2026: expiring offline tokens with rotating
refresh tokens, the client-credentials grant, token exchange of an ID (session) token, the
checks the Admin API makes on a token, app installations and their scopes, and the signed App
URL of Shopify-managed installation.

- Expiring offline tokens (`expiring=1`): the access token lives 60 minutes, and comes with a
  refresh token that lives 90 days and is replaced at every refresh. Only one expiring offline
  token is active per app and shop: acquiring one revokes the earlier ones.
  https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/offline-access-tokens
  and changelog "Offline access tokens now support expiry and refresh" (2025-12-10).
- A spent refresh token may be retried, and answers the same pair again, until the app uses
  its replacement, for at most 30 days after its first use and never past its own 90 days;
  using the replacement retires it. Changelog "More resilient refreshes for expiring offline
  access tokens" (2026-08-28). That the retry answers the *same* pair, with the access token's
  expiry extended when needed and the refresh token's not, is how Shopify documents the same
  recovery for migrations (changelog "More resilient token exchanges when migrating tokens
  without a user session"); the refresh changelog does not say, so the emulator does the same.
- An expired or revoked access token is answered by the Admin API as any unknown token: 401
  `{"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}`.
- From 2027-01-01 public apps calling the Admin API with non-expiring offline tokens "receive
  authentication errors": Shopify invalidates those tokens (changelog "Expiring offline access
  tokens required for all public apps as of January 1, 2027"; "Migrate to expiring offline
  access tokens"). The per-app switch `refuse_non_expiring` turns that on; custom apps and
  apps made by merchants are exempt.
- Client credentials (`grant_type=client_credentials`) work only for an app made for the
  merchant's own store, on that store; the token lasts 24 hours (`expires_in: 86399`), carries
  the app's configured scopes, and has no refresh token.
  https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/client-credentials-grant
- Token exchange (`urn:ietf:params:oauth:grant-type:token-exchange`) trades an ID token that
  App Bridge gave the embedded app (HS256 JWT signed with the app's secret, one minute long)
  for an access token, installing the app when needed (Shopify-managed installation).
  https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/token-exchange
  and https://shopify.dev/docs/apps/build/authentication-authorization/session-tokens
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
import uuid
from urllib.parse import urlencode, urlsplit

from shopify_emulator import actions, records
from shopify_emulator.state import Grant

ONLINE_TOKEN_LIFETIME = 86399
SESSION_TOKEN_LIFETIME = 60
# The token-exchange grant's URNs (RFC 8693, and Shopify's own token types): names, not secrets.
TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"  # noqa: S105
OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token"  # noqa: S105
ONLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:online-access-token"  # noqa: S105
# Scopes that need Shopify's approval before an app may ask for them (changelog "Apps now need
# Shopify approval to read orders older than 60 days", 2018-07-09).
GATED_SCOPES = ("read_all_orders",)


class TokenError(Exception):
    """An OAuth error answer of the token endpoint: 400 {"error", "error_description"}."""

    def __init__(self, error: str, description: str, status: int = 400):
        super().__init__(description)
        self.answer = (status, {}, {"error": error, "error_description": description})


INVALID_CLIENT = ("invalid_client", "Client credentials are invalid")
INVALID_GRANT = ("invalid_grant", "The refresh token is invalid, expired or revoked")


def is_true(value) -> bool:
    """`expiring` arrives as "1", 1, true or "true" (form or JSON)."""
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true"}
    return value is True or value == 1


# Lifetimes ---------------------------------------------------------------------------------


def access_lifetime(shop, app, kind: str = "offline") -> float:
    """Seconds a new access token lives: the shop's override, else the app's setting."""
    if shop.token_lifetime is not None:
        return float(shop.token_lifetime)
    if kind == "client_credentials":
        return float(app.client_credentials_lifetime)
    if kind == "online":
        return float(ONLINE_TOKEN_LIFETIME)
    return float(app.token_lifetime)


def _seconds_left(moment: float) -> int:
    return max(int(round(moment - time.time())), 0)


# Installations -------------------------------------------------------------------------------


def install(emulator, shop, client_id: str, scopes: list[str]):
    """Record that `client_id` is installed on `shop` with `scopes`. When an installed app's
    scopes change, it gets app/scopes_update ("Occurs whenever the access scopes of any
    installation are modified", WebhookSubscriptionTopic.APP_SCOPES_UPDATE)."""
    scopes = list(dict.fromkeys(scopes))
    with shop.lock:
        installation = shop.installations.get(client_id)
        if installation is None:
            shop.installations[client_id] = {"id": shop.allocate(), "scopes": scopes}
            previous = None
        else:
            previous = installation["scopes"]
            shop.installations[client_id] = {**installation, "scopes": scopes}
        shop.installed_apps.add(client_id)
        shop.touch()
    if previous is not None and set(previous) != set(scopes):
        update = {
            "id": shop.installations[client_id]["id"],
            "previous": previous,
            "current": scopes,
            "updated_at": records.now(),
        }
        actions.emit(emulator, shop, "app/scopes_update", update, client_id=client_id)


def set_installation_scopes(emulator, shop, client_id: str, scopes: list[str]) -> dict:
    """The merchant (or a new app version) changes an installed app's scopes: its live tokens
    and refresh tokens on the shop carry the new ones from now on."""
    if client_id not in shop.installations:
        raise actions.NotFound(f"{client_id} is not installed on {shop.domain}")
    with shop.lock:
        for grant in list(shop.grants.values()):
            if grant.client_id == client_id:
                grant.scopes = list(scopes)
        for row in shop.refresh_tokens.values():
            if row["client_id"] == client_id:
                row["scopes"] = list(scopes)
    install(emulator, shop, client_id, scopes)
    return shop.installations[client_id]


# Issuing -------------------------------------------------------------------------------------


def issue(
    emulator,
    shop,
    app,
    scopes: list[str],
    *,
    expiring: bool = False,
    kind: str = "offline",
    keep_refresh: str | None = None,
) -> dict:
    """A new access token (and, for an expiring offline one, a refresh token) installed on the
    shop; the token endpoint's answer."""
    scopes = list(dict.fromkeys(scopes))
    install(emulator, shop, app.client_id, scopes)
    now = time.time()
    if kind == "offline" and not expiring:
        grant = emulator.grant(shop, app.client_id, scopes)
        return {"access_token": grant.token, "scope": ",".join(scopes)}
    lifetime = access_lifetime(shop, app, kind)
    with shop.lock:
        if kind == "offline":
            _revoke_expiring(shop, app.client_id, keep_refresh)
        _drop_expired(shop, now)
        grant = emulator.grant(shop, app.client_id, scopes, kind=kind, expires_at=now + lifetime)
    answer = {
        "access_token": grant.token,
        "scope": ",".join(scopes),
        "expires_in": int(lifetime),
    }
    if kind != "offline":
        return answer
    refresh = {
        "token": f"shprt_{secrets.token_hex(20)}",
        "client_id": app.client_id,
        "scopes": scopes,
        "issued_at": now,
        "expires_at": now + float(app.refresh_token_lifetime),
        "access_token": grant.token,
        "predecessor": keep_refresh,
        "replacement": None,
        "first_used_at": None,
    }
    with shop.lock:
        shop.refresh_tokens[refresh["token"]] = refresh
        shop.touch()
    return {
        **answer,
        "refresh_token": refresh["token"],
        "refresh_token_expires_in": int(app.refresh_token_lifetime),
    }


def _revoke_expiring(shop, client_id: str, keep_refresh: str | None):
    """One expiring offline token per app and shop: "Only one expiring offline token can be
    active per app/shop combination: acquiring a new expiring token will revoke all previous
    expiring tokens for that shop" (offline access tokens). The refresh tokens of the pairs it
    replaces go with them, except the one being used, which stays retryable until its
    replacement is used."""
    for token, grant in list(shop.grants.items()):
        if grant.client_id == client_id and grant.kind == "offline" and grant.expires_at:
            del shop.grants[token]
    for token, row in list(shop.refresh_tokens.items()):
        if row["client_id"] == client_id and token != keep_refresh:
            del shop.refresh_tokens[token]


def _drop_expired(shop, now: float):
    for token, grant in list(shop.grants.items()):
        if grant.expires_at is not None and grant.expires_at <= now:
            del shop.grants[token]
    for token, row in list(shop.refresh_tokens.items()):
        if row["expires_at"] <= now:
            del shop.refresh_tokens[token]


def refresh(emulator, shop, app, refresh_token: str) -> dict:
    """grant_type=refresh_token: a new pair, or the same pair again while the refresh token is
    in its recovery period; invalid_grant otherwise."""
    now = time.time()
    with shop.lock:  # two refreshes of one token must not both rotate it
        row = shop.refresh_tokens.get(refresh_token)
        if row is None or row["client_id"] != app.client_id or row["expires_at"] <= now:
            raise TokenError(*INVALID_GRANT)
        if row["replacement"] is not None:
            return _retry(emulator, shop, app, row, now)
        row["first_used_at"] = now
        if row["predecessor"]:
            # "When an app uses the replacement refresh token, the preceding refresh token is
            # retired."
            shop.refresh_tokens.pop(row["predecessor"], None)
        installation = shop.installations.get(app.client_id)
        scopes = installation["scopes"] if installation else row["scopes"]
        answer = issue(emulator, shop, app, scopes, expiring=True, keep_refresh=refresh_token)
        row["replacement"] = answer["refresh_token"]
        shop.touch()
        return answer


def _retry(emulator, shop, app, row: dict, now: float) -> dict:
    """The spent refresh token again, before its replacement was used: the same pair."""
    replacement = shop.refresh_tokens.get(row["replacement"])
    recovery_ends = min(
        row["first_used_at"] + float(app.refresh_recovery_period), row["expires_at"]
    )
    if replacement is None or replacement["first_used_at"] is not None or now >= recovery_ends:
        raise TokenError(*INVALID_GRANT)
    lifetime = access_lifetime(shop, app)
    grant = shop.grants.get(replacement["access_token"])
    if grant is None:  # it expired and was cleared away: the same token comes back to life
        grant = Grant(
            replacement["access_token"], app.client_id, list(replacement["scopes"]), "offline", now
        )
        shop.grants[grant.token] = grant
    if grant.expires_at is None or grant.expires_at - now < lifetime / 2:
        grant.expires_at = now + lifetime  # extended when needed; the refresh token's is not
    shop.touch()
    return {
        "access_token": grant.token,
        "scope": ",".join(grant.scopes),
        "expires_in": _seconds_left(grant.expires_at),
        "refresh_token": replacement["token"],
        "refresh_token_expires_in": _seconds_left(replacement["expires_at"]),
    }


def client_credentials(emulator, shop, app) -> dict:
    """grant_type=client_credentials: only for the app's own store. Shopify's refusal elsewhere
    is `shop_not_permitted` ("Client credentials cannot be performed on this shop")."""
    if app.own_shop != shop.domain:
        raise TokenError(
            "shop_not_permitted", "Client credentials cannot be performed on this shop."
        )
    return issue(emulator, shop, app, list(app.scopes), kind="client_credentials")


def token_exchange(emulator, shop, app, params: dict) -> dict:
    """Trade an ID token for an access token; install the app with its configured scopes."""
    if params.get("subject_token_type") != ID_TOKEN_TYPE:
        raise TokenError("invalid_request", "subject_token_type must be an ID token")
    requested = params.get("requested_token_type") or OFFLINE_TOKEN_TYPE
    if requested not in {OFFLINE_TOKEN_TYPE, ONLINE_TOKEN_TYPE}:
        raise TokenError("invalid_request", "requested_token_type is not supported")
    claims = decode_session_token(app, shop, str(params.get("subject_token") or ""))
    scopes = _exchange_scopes(shop, app)
    if requested == ONLINE_TOKEN_TYPE:
        answer = issue(emulator, shop, app, scopes, kind="online")
        user = str(claims.get("sub") or "")
        return {
            **answer,
            "associated_user_scope": answer["scope"],
            "associated_user": {
                "id": int(user) if user.isdigit() else user,
                "first_name": "Shop",
                "last_name": "Owner",
                "email": f"owner@{shop.domain}",
                "account_owner": True,
                "locale": "en",
                "collaborator": False,
                "email_verified": True,
            },
        }
    return issue(emulator, shop, app, scopes, expiring=is_true(params.get("expiring")))


def _exchange_scopes(shop, app) -> list[str]:
    """What a managed installation grants: the app's configured scopes (without gated ones
    Shopify has not approved); an app with none configured keeps what it was granted."""
    if app.scopes:
        return [s for s in app.scopes if s not in GATED_SCOPES or s in app.approved_scopes]
    installation = shop.installations.get(app.client_id)
    return list(installation["scopes"]) if installation else []


# Checking a token on the Admin API ------------------------------------------------------------


def admit(emulator, shop, token: str | None):
    """The grant behind an Admin API request's token, or None when Shopify would answer 401:
    unknown, revoked, expired, or non-expiring under the 2027 rule."""
    grant = emulator.find_grant(shop, token)
    if grant is None:
        return None
    if grant.expires_at is not None and grant.expires_at <= time.time():
        return None
    app = emulator.apps.get(grant.client_id)
    if (
        app is not None
        and app.refuse_non_expiring
        and not app.exempt_from_expiry_rule
        and grant.kind == "offline"
        and grant.expires_at is None
    ):
        return None
    return grant


# ID (session) tokens ---------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_jwt(claims: dict, secret: str) -> str:
    """HS256, as App Bridge signs ID tokens with the app's client secret."""
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256)
    return f"{header}.{payload}.{_b64url(signature.digest())}"


def session_token(shop, app, user_id: str = "1", lifetime: float = SESSION_TOKEN_LIFETIME) -> str:
    """What App Bridge gives the app embedded in `shop`'s admin: an ID token with the claims
    Shopify documents (iss, dest, aud, sub, exp, nbf, iat, jti, sid), one minute long."""
    now = int(time.time())
    claims = {
        "iss": f"https://{shop.domain}/admin",
        "dest": f"https://{shop.domain}",
        "aud": app.client_id,
        "sub": str(user_id),
        "exp": now + int(lifetime),
        "nbf": now,
        "iat": now,
        "jti": str(uuid.uuid4()),
        "sid": secrets.token_hex(16),
    }
    return encode_jwt(claims, app.client_secret)


def decode_session_token(app, shop, token: str) -> dict:
    """The claims of a valid ID token for `app` on `shop`; invalid_subject_token otherwise
    ("If your session token is expired or otherwise invalid, then the token exchange request
    fails with an HTTP status code of 400 Bad Request")."""
    refused = TokenError("invalid_subject_token", "The subject token is invalid or has expired")
    parts = token.split(".")
    if len(parts) != 3:
        raise refused
    try:
        header = json.loads(_b64url_decode(parts[0]))
        claims = json.loads(_b64url_decode(parts[1]))
        signature = _b64url_decode(parts[2])
    except (ValueError, binascii.Error):
        raise refused from None
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        raise refused
    expected = hmac.new(
        app.client_secret.encode(), f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256
    ).digest()
    if not hmac.compare_digest(signature, expected) or not isinstance(claims, dict):
        raise refused
    now = time.time()
    if (
        claims.get("aud") != app.client_id
        or claims.get("dest") != f"https://{shop.domain}"
        or not isinstance(claims.get("exp"), (int, float))
        or claims["exp"] <= now
        or (isinstance(claims.get("nbf"), (int, float)) and claims["nbf"] > now)
    ):
        raise refused
    return claims


# Shopify-managed installation ------------------------------------------------------------------


def install_url(app, shop, signature) -> str:
    """The App URL as Shopify opens it to start an install or to open the app: `shop`, `host`
    (base64 of admin.shopify.com/store/{name}), `timestamp` and `hmac`, signed like the OAuth
    callback. https://shopify.dev/docs/apps/build/authentication-authorization/app-installation
    ("Shopify managed installation") and the authorization code grant's step 1."""
    if not app.app_url:
        raise actions.NotFound(f"The app {app.client_id} has no app_url")
    store = shop.domain.removesuffix(".myshopify.com")
    params = {
        "host": base64.b64encode(f"admin.shopify.com/store/{store}".encode()).decode(),
        "shop": shop.domain,
        "timestamp": str(int(time.time())),
    }
    params["hmac"] = signature(app.client_secret, params)
    separator = "&" if urlsplit(app.app_url).query else "?"
    return f"{app.app_url}{separator}{urlencode(params)}"
