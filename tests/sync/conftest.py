import base64
import hashlib
import hmac
import json
import uuid

import pytest
from django.conf import settings

from integration.models import Store


@pytest.fixture
def store(db):
    store = Store(shop_domain="alpha.myshopify.com", name="Alpha", currency="SEK")
    store.set_access_token("shpat_test")
    store.save()
    return store


def sign(body: bytes, secret: str | None = None) -> str:
    secret = secret or settings.SHOPIFY_API_SECRET
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@pytest.fixture
def deliver(client):
    """POST a webhook to the intake as Shopify would (override any header with a keyword)."""

    def post(
        topic,
        payload,
        *,
        shop="alpha.myshopify.com",
        webhook_id=None,
        prefix="X-",
        signature=None,
        raw=None,
    ):
        body = raw if raw is not None else json.dumps(payload).encode()
        headers = {
            f"{prefix}Shopify-Topic": topic,
            f"{prefix}Shopify-Hmac-Sha256": signature if signature is not None else sign(body),
            f"{prefix}Shopify-Shop-Domain": shop,
            f"{prefix}Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
            f"{prefix}Shopify-Event-Id": str(uuid.uuid4()),
            f"{prefix}Shopify-API-Version": "2026-10",
            f"{prefix}Shopify-Triggered-At": "2026-11-26T10:00:00.000Z",
        }
        return client.post(
            "/shopify/webhooks", data=body, content_type="application/json", headers=headers
        )

    return post
