"""Checkout webhooks as Shopify documents them name the checkout by its token, not its id:
the cart is found by the token the sync knows; a token it does not know yet (a new
checkout) has the carts reconciled at once."""

import base64
import copy
import hashlib
import hmac
import json
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from crm.models import Cart
from sync import services
from sync.models import DeliveryState, RecordMapping, RunKind, SyncRun, WebhookDelivery
from tests.sync.e2e.conftest import SHOP, number, shop_data, work

pytestmark = pytest.mark.django_db(transaction=True)

DOCUMENTED = json.loads((Path(__file__).parent / "data" / "checkouts_update.json").read_text())


@pytest.fixture
def carts_synced(shopify, store):
    services.turn_on(store=store, object_type="carts")
    work()
    return store


def deliver(client, topic: str, body: dict):
    """POST a body to the intake as Shopify sends it: signed, with its headers."""
    raw = json.dumps(body).encode()
    signature = base64.b64encode(
        hmac.new(settings.SHOPIFY_API_SECRET.encode(), raw, hashlib.sha256).digest()
    ).decode()
    return client.post(
        "/shopify/webhooks",
        data=raw,
        content_type="application/json",
        headers={
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": signature,
            "X-Shopify-Shop-Domain": SHOP,
            "X-Shopify-Webhook-Id": str(uuid.uuid4()),
            "X-Shopify-Event-Id": str(uuid.uuid4()),
            "X-Shopify-API-Version": "2026-10",
            "X-Shopify-Triggered-At": "2026-12-07T10:00:00.000Z",
        },
    )


def documented_body(token: str, name: str) -> dict:
    """Shopify's documented checkouts/update example, about one of our shop's checkouts."""
    body = copy.deepcopy(DOCUMENTED)
    assert "id" not in body
    body["token"] = token
    body["name"] = name
    body["abandoned_checkout_url"] = f"https://checkout.local/1/checkouts/{token}/recover?key=k"
    return body


def test_the_documented_checkout_body_without_an_id_updates_its_cart(shopify, carts_synced, client):
    checkout = next(c for c in shop_data(shopify, "checkouts") if not c["completedAt"])
    cart_id = RecordMapping.objects.get(
        object_type="carts", shopify_id=number(checkout["id"])
    ).crm_id
    completed = shopify.call("POST", f"shops/{SHOP}/checkouts/{number(checkout['id'])}/complete")
    assert completed  # changed in Shopify; its own webhook is dropped (the fixture)

    answer = deliver(client, "checkouts/update", documented_body(checkout["token"], "#1"))
    work()

    assert answer.status_code == 200
    assert WebhookDelivery.objects.get().state == DeliveryState.PROCESSED
    cart = Cart.objects.get(pk=cart_id)
    assert cart.status == "recovered"


def test_a_token_the_sync_does_not_know_has_the_carts_reconciled(shopify, carts_synced, client):
    product = shop_data(shopify, "products")[0]
    created = shopify.call(
        "POST",
        f"shops/{SHOP}/checkouts",
        {"email": "new.cart@example.com", "lineItems": [{"productId": product["id"]}]},
    )
    token = created["token"]

    deliver(client, "checkouts/create", documented_body(token, "#2"))
    work()

    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.PROCESSED
    assert "reconciled" in delivery.error
    assert SyncRun.objects.filter(kind=RunKind.RECONCILE, object_type="carts").exists()
    assert RecordMapping.objects.filter(object_type="carts", shopify_id=number(created["id"]))
