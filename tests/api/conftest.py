import datetime
import json
import secrets

import pytest
from django.conf import settings
from django.utils import timezone
from oauth2_provider.models import AccessToken

from api.models import Application

# Fixtures shared with other suites: records, and a synced store in the emulator.
from tests.crm.conftest import make_cart, make_contact, make_order, make_product  # noqa: F401
from tests.sync.e2e.conftest import shopify  # noqa: F401
from tests.sync.e2e.test_push import store, synced  # noqa: F401

ALL_SCOPES = list(settings.OAUTH2_PROVIDER["SCOPES"])
REDIRECT_URI = "https://app.example.com/callback"


@pytest.fixture
def make_application(db):
    def make(name="Reporting app", **fields):
        values = {
            "client_type": Application.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
            "redirect_uris": REDIRECT_URI,
            "allowed_scopes": ALL_SCOPES,
        }
        return Application.objects.create(name=name, **{**values, **fields})

    return make


@pytest.fixture
def make_token(make_application):
    """An access token as /o/token/ would give it (the flows themselves: test_oauth.py)."""

    def make(scopes=ALL_SCOPES, user=None, application=None, **application_fields):
        return AccessToken.objects.create(
            user=user,
            application=application or make_application(**application_fields),
            token=secrets.token_urlsafe(30),
            expires=timezone.now() + datetime.timedelta(hours=1),
            scope=" ".join(scopes),
        )

    return make


@pytest.fixture
def api(client, redis_connection):
    """Call the API with a token: api("get", "/api/v1/orders", token, data or params)."""

    def call(method, path, token=None, data=None, **extra):
        if token is not None:
            value = token if isinstance(token, str) else token.token
            extra["HTTP_AUTHORIZATION"] = f"Bearer {value}"
        if method == "delete" and data is None:
            data = ""  # no body (the test client would send None as the text "None")
        if method in ("post", "patch", "put") and not isinstance(data, str | bytes):
            data = json.dumps(data)
        if method in ("post", "patch", "put"):
            extra.setdefault("content_type", "application/json")
        return getattr(client, method)(path, data, **extra)

    return call
