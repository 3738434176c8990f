"""A person lets an app use the CRM for them: the app sends them to the consent page, they
read what it asks for and allow it, and the app's callback gets a code it can exchange (with
its PKCE verifier) for a token that reads the API."""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client

from api.models import Application
from tests.browser.test_connect_store import log_in

pytestmark = pytest.mark.django_db(transaction=True)

CALLBACK = "https://reporting.example.com/callback"
SECRET = "reporting-app-client-secret"


def test_allow_an_app_on_the_consent_page(live_server, page, superuser, redis_connection, tmp_path):
    app = Application.objects.create(
        name="Reporting tool",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=CALLBACK,
        client_secret=SECRET,
        allowed_scopes=["orders.read", "reports.read"],
    )
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    log_in(page, live_server)
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": CALLBACK,
        "scope": "orders.read reports.read",
        "state": "opaque-state",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    page.goto(f"{live_server.url}/o/authorize/?{urlencode(query)}")
    page.get_by_role("heading", name="Allow Reporting tool to use the CRM for you?").wait_for()
    assert page.locator("ul.scopes li").all_inner_texts() == [
        "Read orders and their line items",
        "Read the e-commerce reports",
    ]
    page.screenshot(path=tmp_path / "consent.png", full_page=True)
    # The app's server is not there: what matters is where the browser is sent.
    with page.expect_request(lambda request: request.url.startswith(CALLBACK)) as sent:
        page.get_by_role("button", name="Allow").click()

    answer = {k: v[0] for k, v in parse_qs(urlsplit(sent.value.url).query).items()}
    assert answer["state"] == "opaque-state"
    app_server = Client()
    credentials = base64.b64encode(f"{app.client_id}:{SECRET}".encode()).decode()
    tokens = app_server.post(
        "/o/token/",
        {
            "grant_type": "authorization_code",
            "code": answer["code"],
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
        },
        HTTP_AUTHORIZATION=f"Basic {credentials}",
    ).json()
    listed = app_server.get(
        "/api/v1/reports", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}"
    )
    assert listed.status_code == 200
    assert "total_revenue" in [report["key"] for report in listed.json()["results"]]
