"""Signed webhook bodies mutated from Shopify's documented examples, under hostile headers,
through the intake and the store's delivery job. Properties: never a 5xx; a refused request
stores nothing but a delivery marked refused; the job never raises; every delivery ends done,
refused, failed with its reason, or waiting for a retry that was counted."""

import json
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm.models import Order
from integration import services as integration
from integration.client import ShopifyClient
from integration.limiter import CostLimiter
from integration.models import StoreStatus
from sync import deliveries
from sync.models import DeliveryState, WebhookDelivery
from tests.fuzz.strategies import BASES, OTHER_SHOP, SHOP, header_value, mutated_body
from tests.sync.conftest import sign

pytestmark = pytest.mark.django_db

DONE = {DeliveryState.PROCESSED, DeliveryState.IGNORED, DeliveryState.FAILED}


@pytest.fixture
def stores(store, make_store, make_setting, monkeypatch):
    """Two connected stores with their syncs on; Shopify's reads recorded, its answer to "is
    the app installed?" yes (a replay must not erase anything)."""
    other = make_store(OTHER_SHOP)
    for object_type in ("contacts", "orders", "products", "carts"):
        make_setting(object_type)
    reads = []

    def refresh(setting, shopify_ids, **kwargs):
        reads.append((setting.object_type, sorted(shopify_ids)))
        if any(shopify_id % 7 == 0 for shopify_id in shopify_ids):
            raise ConnectionError("Shopify had a bad moment")

    monkeypatch.setattr(deliveries.engine, "refresh", refresh)
    monkeypatch.setattr(integration, "app_still_installed", lambda store: True)
    # Shopify is not there (a topic that asks it fails, and is retried later): the client's
    # own waits, between its attempts and for the store's cost budget, are skipped, or each
    # such case would take seconds.
    monkeypatch.setattr(ShopifyClient, "_sleep", lambda self, *args: None)
    monkeypatch.setattr(CostLimiter, "acquire", lambda self, cost: None)
    return store, other


@given(
    topic=st.sampled_from(sorted(BASES)),
    data=st.data(),
    header_topic=st.one_of(st.none(), st.sampled_from(sorted(BASES))),
    to_other_shop=st.booleans(),
    triggered_at=header_value,
    event_id=header_value,
    signed=st.booleans(),
)
def test_mutated_signed_deliveries_never_break_anything(
    client, stores, topic, data, header_topic, to_other_shop, triggered_at, event_id, signed
):
    store, other = stores
    body = json.dumps(data.draw(mutated_body(topic))).encode()
    webhook_id = str(uuid.uuid4())
    headers = {
        "X-Shopify-Topic": header_topic or topic,
        "X-Shopify-Hmac-Sha256": sign(body) if signed else "forged",
        "X-Shopify-Shop-Domain": OTHER_SHOP if to_other_shop else SHOP,
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-API-Version": "2026-10",
    }
    if triggered_at is not None:
        headers["X-Shopify-Triggered-At"] = triggered_at
    if event_id is not None:
        headers["X-Shopify-Event-Id"] = event_id
    orders_before = Order.objects.count()

    response = client.post(
        "/shopify/webhooks", data=body, content_type="application/json", headers=headers
    )

    assert response.status_code in (200, 400, 401), response.content
    stored = WebhookDelivery.objects.filter(webhook_id=webhook_id).first()
    if response.status_code != 200:
        assert stored is None or stored.state == DeliveryState.REFUSED
    for shop in (store, other):
        deliveries.process_store(shop.pk)  # never raises
    # This case's delivery (the earlier ones were checked with their own case).
    for delivery in WebhookDelivery.objects.filter(webhook_id=webhook_id):
        assert delivery.state in DONE | {DeliveryState.REFUSED} or (
            delivery.state == DeliveryState.RECEIVED
            and delivery.attempts >= 1
            and delivery.retry_at is not None
        ), (delivery.topic, delivery.state, delivery.error)
        if delivery.state == DeliveryState.FAILED:
            assert delivery.error
    # Shopify says the app is installed: nothing may be erased or disconnected.
    assert Order.objects.count() == orders_before
    for shop in (store, other):
        shop.refresh_from_db()
        assert shop.status == StoreStatus.CONNECTED
