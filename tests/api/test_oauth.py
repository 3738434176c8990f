"""The OAuth2 flows an app goes through, with the Django test client: authorization code with
PKCE for an app acting for a person (consent page, code, token, refresh, revoke, introspect),
and client credentials for a server-to-server app."""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
from oauth2_provider.models import AccessToken

from api.models import Application
from tests.api.conftest import REDIRECT_URI

SECRET = "a-client-secret-known-to-the-test"


def pkce_pair():
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def basic(client_id, secret=SECRET):
    credentials = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {credentials}"}


@pytest.fixture
def app_for_people(make_application):
    return make_application(
        client_secret=SECRET, allowed_scopes=["contacts.read", "orders.read", "reports.read"]
    )


def authorize(client, application, challenge, scope="contacts.read orders.read", **extra):
    params = {
        "response_type": "code",
        "client_id": application.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "state": "state-123",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }
    return params, client.get("/o/authorize/", params)


def consent(client, params, allow=True):
    data = {**params}
    if allow:
        data["allow"] = "Authorize"
    return client.post("/o/authorize/", data)


def redirected_query(response) -> dict:
    assert response.status_code == 302, response.content
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    return {key: values[0] for key, values in parse_qs(location.query).items()}


def test_authorization_code_with_pkce_from_consent_to_revocation(
    client, staff_user, app_for_people, api
):
    client.force_login(staff_user)
    verifier, challenge = pkce_pair()
    params, page = authorize(client, app_for_people, challenge)

    # The consent page names the app and what it asks for, in words.
    assert page.status_code == 200
    text = page.content.decode()
    assert "Allow Reporting app to use the CRM for you?" in text
    assert "Read contacts and companies" in text
    assert "Read orders and their line items" in text
    assert "Read the e-commerce reports" not in text  # allowed to the app, but not asked for

    query = redirected_query(consent(client, params))
    assert query["state"] == "state-123"
    code = query["code"]

    token_url = "/o/token/"
    exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    # The code alone is not enough: PKCE's verifier must match the challenge.
    wrong = client.post(
        token_url, {**exchange, "code_verifier": pkce_pair()[0]}, **basic(app_for_people.client_id)
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    assert not AccessToken.objects.exists()

    verifier_tokens = client.post(
        token_url, {**exchange, "code_verifier": verifier}, **basic(app_for_people.client_id)
    )
    assert verifier_tokens.status_code == 200, verifier_tokens.content
    tokens = verifier_tokens.json()
    assert tokens["token_type"] == "Bearer"
    assert tokens["scope"] == "contacts.read orders.read"
    assert tokens["expires_in"] == 3600
    issued = AccessToken.objects.get()
    assert issued.user == staff_user

    client.logout()
    assert api("get", "/api/v1/contacts", tokens["access_token"]).status_code == 200
    assert api("get", "/api/v1/orders", tokens["access_token"]).status_code == 200
    assert api("get", "/api/v1/reports", tokens["access_token"]).status_code == 403

    # Refresh: a new access token; the refresh token rotates and the old one is spent.
    refreshed = client.post(
        token_url,
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        **basic(app_for_people.client_id),
    )
    assert refreshed.status_code == 200, refreshed.content
    renewed = refreshed.json()
    assert renewed["access_token"] != tokens["access_token"]
    assert renewed["refresh_token"] != tokens["refresh_token"]
    assert api("get", "/api/v1/contacts", renewed["access_token"]).status_code == 200
    assert api("get", "/api/v1/contacts", tokens["access_token"]).status_code == 401
    again = client.post(
        token_url,
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        **basic(app_for_people.client_id),
    )
    assert again.status_code == 400

    # Introspection, with the app's own credentials.
    looked_up = client.post(
        "/o/introspect/", {"token": renewed["access_token"]}, **basic(app_for_people.client_id)
    ).json()
    assert looked_up["active"] is True
    assert looked_up["scope"] == "contacts.read orders.read"
    assert looked_up["username"] == "staff"
    assert looked_up["client_id"] == app_for_people.client_id

    # Revocation: the token stops working at once.
    revoked = client.post(
        "/o/revoke_token/", {"token": renewed["access_token"]}, **basic(app_for_people.client_id)
    )
    assert revoked.status_code == 200
    refused = api("get", "/api/v1/contacts", renewed["access_token"])
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"].startswith('Bearer realm="api"')
    assert refused.json()["error"]["code"] in ("unauthenticated", "invalid_token")
    inactive = client.post(
        "/o/introspect/", {"token": renewed["access_token"]}, **basic(app_for_people.client_id)
    ).json()
    assert inactive == {"active": False}


def test_a_person_who_denies_gives_nothing(client, staff_user, app_for_people):
    client.force_login(staff_user)
    params, _ = authorize(client, app_for_people, pkce_pair()[1])
    query = redirected_query(consent(client, params, allow=False))
    assert query["error"] == "access_denied"
    assert "code" not in query
    assert not AccessToken.objects.exists()


def test_pkce_is_required(client, staff_user, app_for_people):
    client.force_login(staff_user)
    params = {
        "response_type": "code",
        "client_id": app_for_people.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "contacts.read",
        "state": "s",
    }
    # No challenge: the app is sent back with an error, and no code is made.
    page = client.get("/o/authorize/", params)
    assert redirected_query(page)["error"] == "invalid_request"

    # A code made with a challenge is worth nothing without its verifier.
    params, _ = authorize(client, app_for_people, pkce_pair()[1])
    code = redirected_query(consent(client, params))["code"]
    exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    refused = client.post("/o/token/", exchange, **basic(app_for_people.client_id))
    assert refused.status_code == 400
    assert not AccessToken.objects.exists()


def test_an_app_never_gets_a_scope_it_was_not_allowed(client, staff_user, app_for_people):
    client.force_login(staff_user)
    _, page = authorize(client, app_for_people, pkce_pair()[1], scope="contacts.write")
    assert page.status_code == 302
    assert "error=invalid_scope" in page["Location"]


def test_signing_in_comes_first(client, app_for_people):
    _, page = authorize(client, app_for_people, pkce_pair()[1])
    assert page.status_code == 302
    assert page["Location"].startswith("/admin/login/?next=/o/authorize/")


def test_client_credentials_for_a_server_to_server_app(client, make_application, api, make_order):
    app = make_application(
        name="Warehouse",
        client_secret=SECRET,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        allowed_scopes=["orders.read", "orders.write", "stores.read"],
    )
    order = make_order(properties={})
    given = client.post(
        "/o/token/", {"grant_type": "client_credentials"}, **basic(app.client_id)
    ).json()
    # Asked for nothing in particular: everything the app was allowed, and no refresh token.
    assert set(given["scope"].split()) == {"orders.read", "orders.write", "stores.read"}
    assert "refresh_token" not in given
    assert AccessToken.objects.get().user is None

    listed = api("get", "/api/v1/orders", given["access_token"])
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [order.pk]
    # It acts for no one, so it is no superadmin: order changes are refused.
    refused = api("patch", f"/api/v1/orders/{order.pk}", given["access_token"], {"properties": {}})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"

    narrowed = client.post(
        "/o/token/",
        {"grant_type": "client_credentials", "scope": "stores.read"},
        **basic(app.client_id),
    ).json()
    assert narrowed["scope"] == "stores.read"
    assert api("get", "/api/v1/orders", narrowed["access_token"]).status_code == 403

    wrong_secret = client.post(
        "/o/token/", {"grant_type": "client_credentials"}, **basic(app.client_id, "nope")
    )
    assert wrong_secret.status_code == 401
    assert AccessToken.objects.count() == 2


def test_a_token_stops_working_when_its_person_leaves_staff(make_token, staff_user, api):
    token = make_token(user=staff_user)
    assert api("get", "/api/v1/contacts", token).status_code == 200
    staff_user.is_staff = False
    staff_user.save()
    refused = api("get", "/api/v1/contacts", token)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_token"
    assert 'error="invalid_token"' in refused["WWW-Authenticate"]


# Hardened as RFC 9700 asks (finding 11) -----------------------------------------------------


@pytest.mark.parametrize("method", ["plain", None])
def test_pkce_plain_is_refused_and_no_code_is_made(client, staff_user, app_for_people, method):
    client.force_login(staff_user)
    verifier, _ = pkce_pair()
    params = {
        "response_type": "code",
        "client_id": app_for_people.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "contacts.read",
        "state": "s",
        "code_challenge": verifier,  # plain: the challenge is the verifier
        **({"code_challenge_method": method} if method else {}),
    }

    page = client.get("/o/authorize/", params)

    assert redirected_query(page)["error"] == "invalid_request"
    assert "code" not in redirected_query(page)
    assert "code" not in redirected_query(consent(client, params))


def test_a_token_in_the_query_string_is_refused(make_token, staff_user, api):
    token = make_token(["contacts.read"], user=staff_user)

    in_url = api("get", f"/api/v1/contacts?access_token={token.token}")
    both = api("get", f"/api/v1/contacts?access_token={token.token}", token)

    assert (in_url.status_code, both.status_code) == (401, 401)
    assert "never in the URL" in in_url.json()["error"]["message"]
    assert api("get", "/api/v1/contacts", token).status_code == 200


def test_an_app_introspects_its_own_tokens_only(client, make_application, make_token, staff_user):
    mine = make_application(name="Mine", client_secret=SECRET)
    other = make_application(name="Other", client_secret=SECRET)
    own_token = make_token(["contacts.read"], user=staff_user, application=mine)
    their_token = make_token(["contacts.read"], user=staff_user, application=other)

    def introspect(token):
        return client.post("/o/introspect/", {"token": token.token}, **basic(mine.client_id))

    assert introspect(own_token).json()["active"] is True
    assert introspect(their_token).json() == {"active": False}
    anonymous = client.post("/o/introspect/", {"token": their_token.token})
    assert anonymous.status_code in (401, 403)
