"""OAuth authorization-code grant, as Shopify runs it for an app install.

`GET /{shop}/admin/oauth/authorize` shows the shop owner an approval page (or approves at once
for an app registered with `auto_approve`, or a server started with `--auto-approve`); approving
redirects to the app's `redirect_uri` with `code, hmac, host, shop, state, timestamp`, signed as
Shopify signs it: HMAC-SHA256, hex, over the sorted query without `hmac`, keyed with the app's
secret. `POST /{shop}/admin/oauth/access_token` trades a code, once, for a token (an expiring
one with a refresh token when the request says `expiring=1`), and also serves the other grants:
`refresh_token`, `client_credentials` and token exchange (tokens.py).
https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/authorization-code-grant

Scopes that need Shopify's approval (`read_all_orders`) end an authorize request on Shopify's
error page `Oauth error missing_shopify_permission: read_all_orders` unless the app was
approved for them (changelog "Apps now need Shopify approval to read orders older than 60
days"); the browser never returns to the app.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import secrets
import time
from urllib.parse import urlencode, urlsplit

from shopify_emulator import tokens

CODE_LIFETIME_SECONDS = 600


def signature(secret: str, params: dict) -> str:
    message = "&".join(f"{key}={params[key]}" for key in sorted(params) if key != "hmac")
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def _error_page(status: int, title: str, detail: str):
    page = (
        "<!doctype html><title>Shopify</title><main style='font-family:sans-serif;margin:3em'>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(detail)}</p></main>"
    )
    return status, {"Content-Type": "text/html; charset=utf-8"}, page.encode()


def _check_request(emulator, shop_domain: str, query: dict):
    """The app, shop and redirect URI of an authorize request, or an error page."""
    shop = emulator.shops.get(shop_domain)
    if shop is None:
        return None, _error_page(404, "There’s no page at this address", shop_domain)
    app = emulator.apps.get(query.get("client_id", ""))
    if app is None:
        return None, _error_page(
            400, "Oauth error invalid_request", "The client_id is not recognized."
        )
    redirect_uri = query.get("redirect_uri", "")
    parts = urlsplit(redirect_uri)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None, _error_page(
            400, "Oauth error invalid_request", "The redirect_uri is missing or not a URL."
        )
    if app.redirect_urls and redirect_uri not in app.redirect_urls:
        return None, _error_page(
            400,
            "Oauth error invalid_request",
            "The redirect_uri is not whitelisted",
        )
    for scope in _scopes(query):
        if scope in tokens.GATED_SCOPES and scope not in app.approved_scopes:
            # Shopify's page for a gated scope the app was not approved for; it never
            # redirects back to the app.
            return None, _error_page(
                400,
                f"Oauth error missing_shopify_permission: {scope}",
                f"The app {app.client_id} needs Shopify's approval to request {scope}.",
            )
    return (shop, app, redirect_uri), None


def _scopes(query: dict) -> list[str]:
    return [scope.strip() for scope in query.get("scope", "").split(",") if scope.strip()]


def authorize(emulator, shop_domain: str, query: dict):
    """The approval page, or the redirect back to the app when approval is automatic."""
    checked, error = _check_request(emulator, shop_domain, query)
    if error:
        return error
    shop, app, redirect_uri = checked
    if app.auto_approve or emulator.auto_approve:
        return approve(emulator, shop_domain, query)
    scopes = _scopes(query)
    hidden = "".join(
        f"<input type='hidden' name='{html.escape(key)}' value='{html.escape(value)}'>"
        for key, value in query.items()
    )
    items = "".join(f"<li><code>{html.escape(scope)}</code></li>" for scope in scopes)
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Install app – {html.escape(shop.name)}</title>
<style>
 body{{font-family:-apple-system,'Segoe UI',sans-serif;background:#f1f1f1;margin:0}}
 .card{{background:#fff;max-width:34em;margin:4em auto;padding:2em;border-radius:12px;
        box-shadow:0 1px 3px rgba(0,0,0,.2)}}
 button{{background:#303030;color:#fff;border:0;border-radius:8px;padding:.7em 1.4em;
         font-size:1em;cursor:pointer}}
 .shop{{color:#616161}}
</style></head>
<body><div class="card">
<p class="shop">{html.escape(shop.name)} · {html.escape(shop.domain)}</p>
<h1>Install app</h1>
<p>The app <strong>{html.escape(app.client_id)}</strong> asks to:</p>
<ul>{items}</ul>
<form method="post" action="/{html.escape(shop.domain)}/admin/oauth/authorize">{hidden}
<button type="submit" id="install">Install</button></form>
</div></body></html>"""
    return 200, {"Content-Type": "text/html; charset=utf-8"}, page.encode()


def approve(emulator, shop_domain: str, query: dict):
    """The owner approved: issue a one-time code and send the browser back to the app."""
    checked, error = _check_request(emulator, shop_domain, query)
    if error:
        return error
    shop, app, redirect_uri = checked
    code = secrets.token_hex(16)
    scopes = _scopes(query)
    with emulator.lock:
        emulator.codes[code] = {
            "shop": shop.domain,
            "client_id": app.client_id,
            "scopes": scopes,
            "expires": time.time() + CODE_LIFETIME_SECONDS,
        }
    store = shop.domain.removesuffix(".myshopify.com")
    params = {
        "code": code,
        "host": base64.b64encode(f"admin.shopify.com/store/{store}".encode()).decode(),
        "shop": shop.domain,
        "state": query.get("state", ""),
        "timestamp": str(int(time.time())),
    }
    params["hmac"] = signature(app.client_secret, params)
    separator = "&" if urlsplit(redirect_uri).query else "?"
    return 302, {"Location": f"{redirect_uri}{separator}{urlencode(params)}"}, b""


def access_token(emulator, shop_domain: str, params: dict):
    """The token endpoint: the grant named by `grant_type` (a code when there is none), its
    answer, or Shopify's OAuth error."""
    shop = emulator.shops.get(shop_domain)
    if shop is None:
        return 404, {}, {"errors": "Not Found"}
    app = emulator.apps.get(str(params.get("client_id", "")))
    if app is None or not secrets.compare_digest(
        app.client_secret.encode(), str(params.get("client_secret", "")).encode()
    ):
        return tokens.TokenError(*tokens.INVALID_CLIENT).answer
    grant_type = params.get("grant_type") or "authorization_code"
    try:
        if grant_type == "authorization_code":
            answer = _trade_code(emulator, shop, app, params)
        elif grant_type == "refresh_token":
            answer = tokens.refresh(emulator, shop, app, str(params.get("refresh_token", "")))
        elif grant_type == "client_credentials":
            answer = tokens.client_credentials(emulator, shop, app)
        elif grant_type == tokens.TOKEN_EXCHANGE_GRANT:
            answer = tokens.token_exchange(emulator, shop, app, params)
        else:
            raise tokens.TokenError(
                "unsupported_grant_type", f"The grant type {grant_type} is not supported"
            )
    except tokens.TokenError as error:
        return error.answer
    return 200, {}, answer


def _trade_code(emulator, shop, app, params: dict) -> dict:
    """A code, once, for {"access_token", "scope"}; with `expiring=1` also "expires_in",
    "refresh_token" and "refresh_token_expires_in" (offline access tokens)."""
    with emulator.lock:
        grant = emulator.codes.pop(str(params.get("code", "")), None)
    if (
        grant is None
        or grant["shop"] != shop.domain
        or grant["client_id"] != app.client_id
        or grant["expires"] < time.time()
    ):
        raise tokens.TokenError(
            "invalid_request", "The authorization code was not found or was already used"
        )
    return tokens.issue(
        emulator, shop, app, grant["scopes"], expiring=tokens.is_true(params.get("expiring"))
    )
