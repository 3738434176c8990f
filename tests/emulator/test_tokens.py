"""Access tokens as Shopify documents them: expiring offline tokens and their rotating refresh
tokens ("About offline access tokens"; changelogs "Offline access tokens now support expiry
and refresh" and "More resilient refreshes for expiring offline access tokens"), the 2027 rule
for non-expiring tokens, the client-credentials grant, and token exchange of an App Bridge ID
token. The ID tokens forged here are signed by an HS256 implementation of the tests' own."""

import base64
import hashlib
import hmac
import json
import time
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests

from tests.emulator.conftest import APP_ID, APP_SECRET, SHOP

UNAUTHORIZED = {
    "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
}
SCOPES = "read_customers,read_orders"
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token"
OFFLINE = "urn:shopify:params:oauth:token-type:offline-access-token"
ONLINE = "urn:shopify:params:oauth:token-type:online-access-token"


@pytest.fixture
def app(emulator):
    emulator.add_app(APP_ID, APP_SECRET, auto_approve=True, scopes=SCOPES.split(","))
    emulator.add_shop(SHOP, name="Test Shop")
    return emulator


def post_token(emulator, *, as_form=False, shop=SHOP, **params):
    body = {"client_id": APP_ID, "client_secret": APP_SECRET, **params}
    url = f"{emulator.url}/{shop}/admin/oauth/access_token"
    if as_form:
        return requests.post(url, data=body, timeout=10)
    return requests.post(url, json=body, timeout=10)


def code_for(emulator, scope=SCOPES) -> str:
    query = urlencode(
        {
            "client_id": APP_ID,
            "scope": scope,
            "redirect_uri": "https://crm.example.com/cb",
            "state": "s",
        }
    )
    response = requests.get(
        f"{emulator.url}/{SHOP}/admin/oauth/authorize?{query}", allow_redirects=False, timeout=10
    )
    assert response.status_code == 302
    return dict(parse_qsl(urlsplit(response.headers["Location"]).query))["code"]


def works(emulator, token) -> bool:
    response = requests.post(
        emulator.graphql_url(SHOP),
        json={"query": "{ shop { name } }"},
        headers={"X-Shopify-Access-Token": token},
        timeout=10,
    )
    if response.status_code == 401:
        assert response.json() == UNAUTHORIZED
        return False
    assert response.status_code == 200
    return response.json()["data"]["shop"]["name"] == "Test Shop"


def expiring_pair(emulator, **extra):
    response = post_token(emulator, code=code_for(emulator), expiring="1", **extra)
    assert response.status_code == 200, response.text
    return response.json()


# Expiring offline tokens -----------------------------------------------------------------------


def test_a_code_exchanged_with_expiring_gives_an_hour_long_token_and_a_90_day_refresh_token(app):
    body = expiring_pair(app)

    assert set(body) == {
        "access_token",
        "scope",
        "expires_in",
        "refresh_token",
        "refresh_token_expires_in",
    }
    assert body["scope"] == SCOPES
    assert body["expires_in"] == 3600
    assert body["refresh_token_expires_in"] == 90 * 24 * 3600
    assert works(app, body["access_token"])


@pytest.mark.parametrize("expiring", ["1", 1, True, "true"])
def test_expiring_may_be_sent_as_json_in_any_spelling(app, expiring):
    response = post_token(app, code=code_for(app), expiring=expiring)

    assert response.json()["expires_in"] == 3600


def test_expiring_may_be_sent_as_a_form(app):
    response = post_token(app, as_form=True, code=code_for(app), expiring="1")

    assert response.json()["refresh_token"]


def test_without_expiring_the_token_does_not_expire(app):
    response = post_token(app, code=code_for(app))

    assert set(response.json()) == {"access_token", "scope"}


def test_an_expired_access_token_is_answered_as_an_invalid_one(app):
    app.update_app(APP_ID, token_lifetime=1)
    body = expiring_pair(app)
    assert body["expires_in"] == 1
    assert works(app, body["access_token"])

    time.sleep(1.3)

    assert not works(app, body["access_token"])


def test_a_shops_token_lifetime_overrides_the_apps(app):
    app.update_shop(SHOP, token_lifetime=2)

    body = expiring_pair(app)

    assert body["expires_in"] == 2
    assert body["refresh_token_expires_in"] == 90 * 24 * 3600
    assert app.update_shop(SHOP, token_lifetime=None)["token_lifetime"] is None
    assert expiring_pair(app)["expires_in"] == 3600


def refresh(emulator, refresh_token, **extra):
    return post_token(emulator, grant_type="refresh_token", refresh_token=refresh_token, **extra)


def test_a_refresh_rotates_both_tokens_and_retires_the_old_access_token(app):
    first = expiring_pair(app)

    response = refresh(app, first["refresh_token"])

    assert response.status_code == 200
    second = response.json()
    assert set(second) == set(first)
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert second["expires_in"] == 3600
    assert second["scope"] == SCOPES
    assert works(app, second["access_token"])
    # Only one expiring offline token is active per app and shop.
    assert not works(app, first["access_token"])


def test_a_spent_refresh_token_answers_the_same_pair_until_its_replacement_is_used(app):
    first = expiring_pair(app)
    second = refresh(app, first["refresh_token"]).json()

    retried = refresh(app, first["refresh_token"])  # the answer was lost; the app retries

    assert retried.status_code == 200
    assert retried.json()["access_token"] == second["access_token"]
    assert retried.json()["refresh_token"] == second["refresh_token"]
    assert works(app, second["access_token"])

    third = refresh(app, second["refresh_token"])  # the replacement is used
    assert third.status_code == 200
    refused = refresh(app, first["refresh_token"])

    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"
    assert works(app, third.json()["access_token"])


def test_a_spent_refresh_token_is_refused_after_its_recovery_period(app):
    app.update_app(APP_ID, refresh_recovery_period=1)
    first = expiring_pair(app)
    refresh(app, first["refresh_token"])

    time.sleep(1.3)
    refused = refresh(app, first["refresh_token"])

    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"


def test_an_expired_refresh_token_is_refused(app):
    app.update_app(APP_ID, refresh_token_lifetime=1)
    first = expiring_pair(app)
    assert first["refresh_token_expires_in"] == 1

    time.sleep(1.3)
    refused = refresh(app, first["refresh_token"])

    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"


def test_a_new_authorization_replaces_the_pair(app):
    first = expiring_pair(app)
    second = expiring_pair(app)

    assert not works(app, first["access_token"])
    assert refresh(app, first["refresh_token"]).json()["error"] == "invalid_grant"
    assert refresh(app, second["refresh_token"]).status_code == 200


def test_an_unknown_refresh_token_or_a_wrong_secret_is_refused(app):
    pair = expiring_pair(app)

    assert refresh(app, "shprt_nope").json()["error"] == "invalid_grant"
    wrong = refresh(app, pair["refresh_token"], client_secret="wrong")
    assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_client")
    assert refresh(app, pair["refresh_token"]).status_code == 200


def test_the_control_api_token_is_non_expiring_unless_asked(app):
    plain = app.token_grant(SHOP, APP_ID, ["read_customers"])
    expiring = app.token_grant(SHOP, APP_ID, ["read_customers"], expiring=True)

    assert set(plain) == {"access_token", "scope"}
    assert expiring["expires_in"] == 3600 and expiring["refresh_token"]
    assert refresh(app, expiring["refresh_token"]).status_code == 200
    assert works(app, plain["access_token"])


# The 2027 rule ---------------------------------------------------------------------------------


def test_refuse_non_expiring_refuses_non_expiring_tokens_of_a_public_app(app):
    plain = post_token(app, code=code_for(app)).json()["access_token"]
    expiring = expiring_pair(app)["access_token"]
    assert works(app, plain)

    app.update_app(APP_ID, refuse_non_expiring=True)

    assert not works(app, plain)
    assert works(app, expiring)
    app.update_app(APP_ID, refuse_non_expiring=False)
    assert works(app, plain)


def test_custom_apps_are_exempt_from_the_2027_rule(emulator):
    emulator.add_app("custom", "custom-secret", distribution="custom", refuse_non_expiring=True)
    emulator.add_shop(SHOP, name="Test Shop")

    token = emulator.token(SHOP, "custom", ["read_customers"])

    assert works(emulator, token)


# Client credentials ----------------------------------------------------------------------------


@pytest.fixture
def own_app(emulator):
    emulator.add_app("own", "own-secret", own_shop=SHOP, scopes=["read_products", "write_products"])
    emulator.add_shop(SHOP, name="Test Shop")
    emulator.add_shop("other.myshopify.com")
    return emulator


def client_credentials(emulator, shop=SHOP, **extra):
    return requests.post(
        f"{emulator.url}/{shop}/admin/oauth/access_token",
        data={
            "grant_type": "client_credentials",
            "client_id": "own",
            "client_secret": "own-secret",
            **extra,
        },
        timeout=10,
    )


def test_client_credentials_give_a_24_hour_token_with_the_configured_scopes(own_app):
    response = client_credentials(own_app)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "scope", "expires_in"}
    assert body["expires_in"] == 86399
    assert body["scope"] == "read_products,write_products"
    assert works(own_app, body["access_token"])
    granted = own_app.graphql(
        SHOP, body["access_token"], "{ currentAppInstallation { accessScopes { handle } } }"
    )["data"]["currentAppInstallation"]["accessScopes"]
    assert [scope["handle"] for scope in granted] == ["read_products", "write_products"]


def test_client_credentials_work_only_on_the_apps_own_store(own_app):
    response = client_credentials(own_app, shop="other.myshopify.com")

    assert response.status_code == 400
    assert response.json() == {
        "error": "shop_not_permitted",
        "error_description": "Client credentials cannot be performed on this shop.",
    }


def test_client_credentials_need_the_right_secret(own_app):
    response = client_credentials(own_app, client_secret="wrong")

    assert (response.status_code, response.json()["error"]) == (400, "invalid_client")


def test_a_client_credentials_token_expires_and_the_app_asks_again(own_app):
    own_app.update_app("own", client_credentials_lifetime=1)
    first = client_credentials(own_app).json()
    assert first["expires_in"] == 1

    time.sleep(1.3)

    assert not works(own_app, first["access_token"])
    second = client_credentials(own_app).json()
    assert works(own_app, second["access_token"])


# Token exchange --------------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(claims: dict, secret: str, alg: str = "HS256") -> str:
    """An HS256 JWT, written from RFC 7519 independently of the emulator's."""
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims).encode())
    signed = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url(signed)}"


def claims_of(token: str) -> dict:
    header, payload, signature = token.split(".")
    expected = hmac.new(APP_SECRET.encode(), f"{header}.{payload}".encode(), hashlib.sha256)
    assert hmac.compare_digest(b64url(expected.digest()), signature)
    assert json.loads(base64.urlsafe_b64decode(header + "==")) == {"alg": "HS256", "typ": "JWT"}
    return json.loads(base64.urlsafe_b64decode(payload + "=="))


def exchange(emulator, id_token, requested=OFFLINE, **extra):
    return post_token(
        emulator,
        grant_type=EXCHANGE,
        subject_token=id_token,
        subject_token_type=ID_TOKEN,
        requested_token_type=requested,
        **extra,
    )


def test_the_minted_id_token_carries_shopifys_claims(app):
    before = int(time.time())

    claims = claims_of(app.session_token(SHOP, APP_ID))

    assert set(claims) == {"iss", "dest", "aud", "sub", "exp", "nbf", "iat", "jti", "sid"}
    assert claims["iss"] == f"https://{SHOP}/admin"
    assert claims["dest"] == f"https://{SHOP}"
    assert claims["aud"] == APP_ID
    assert before <= claims["iat"] == claims["nbf"] <= int(time.time())
    assert claims["exp"] - claims["iat"] == 60  # "The lifetime of a session token is one minute"


def test_token_exchange_installs_the_app_and_answers_an_expiring_offline_token(app):
    response = exchange(app, app.session_token(SHOP, APP_ID), expiring=1)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["expires_in"] == 3600 and body["refresh_token"]
    assert body["scope"] == SCOPES  # the app's configured scopes
    assert works(app, body["access_token"])
    installed = app.call("GET", f"shops/{SHOP}/installations")["installations"]
    assert [(row["client_id"], row["scopes"]) for row in installed] == [(APP_ID, SCOPES.split(","))]


def test_token_exchange_without_expiring_answers_a_non_expiring_token(app):
    body = exchange(app, app.session_token(SHOP, APP_ID), expiring=0).json()

    assert set(body) == {"access_token", "scope"}


def test_token_exchange_for_an_online_token_names_the_user(app):
    body = exchange(app, app.session_token(SHOP, APP_ID, user_id="42"), requested=ONLINE).json()

    assert body["expires_in"] == 86399
    assert body["associated_user"]["id"] == 42
    assert body["associated_user_scope"] == SCOPES
    assert works(app, body["access_token"])


@pytest.mark.parametrize(
    "change",
    [
        {"secret": "not-the-app-secret"},
        {"claims": {"aud": "another-app"}},
        {"claims": {"dest": "https://other.myshopify.com"}},
        {"claims": {"exp": 1}},
        {"claims": {"nbf": 4102444800}},
        {"alg": "none"},
    ],
    ids=["forged", "other-audience", "other-shop", "expired", "not-yet-valid", "unsigned"],
)
def test_a_bad_id_token_is_refused(app, change):
    now = int(time.time())
    claims = {
        "iss": f"https://{SHOP}/admin",
        "dest": f"https://{SHOP}",
        "aud": APP_ID,
        "sub": "1",
        "exp": now + 60,
        "nbf": now,
        "iat": now,
        "jti": "j",
        "sid": "s",
        **change.get("claims", {}),
    }
    token = forge(claims, change.get("secret", APP_SECRET), change.get("alg", "HS256"))

    response = exchange(app, token, expiring=1)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_subject_token"
    assert app.call("GET", f"shops/{SHOP}/installations")["installations"] == []


def test_an_id_token_signed_with_the_app_secret_needs_only_the_checked_claims(app):
    now = int(time.time())
    claims = {"dest": f"https://{SHOP}", "aud": APP_ID, "sub": "7", "exp": now + 30}

    response = exchange(app, forge(claims, APP_SECRET), expiring=1)

    assert response.status_code == 200  # Shopify checks the signature, not who signed it


def test_a_minted_id_token_expires_after_its_lifetime(app):
    token = app.session_token(SHOP, APP_ID, lifetime=1)

    time.sleep(1.3)

    assert exchange(app, token).json()["error"] == "invalid_subject_token"


def test_an_unknown_grant_type_is_refused(app):
    response = post_token(app, grant_type="password")

    assert (response.status_code, response.json()["error"]) == (400, "unsupported_grant_type")
