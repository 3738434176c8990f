"""Shopify webhooks on the app's side of the wire: checking a delivery's signature, and keeping
a store's subscriptions to the topics it is given (the sync says which)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging

from django.conf import settings

from integration.client import ShopifyClient, ShopifyUserError

log = logging.getLogger(__name__)

# Compliance topics (customers/data_request, customers/redact, shop/redact) cannot be subscribed
# to through the API: Shopify sends them to the compliance URL of the app's configuration, which
# is this same address (see the README).

SUBSCRIPTIONS_QUERY = """
query WebhookSubscriptions($after: String) {
  webhookSubscriptions(first: 100, after: $after) {
    nodes { id topic uri }
    pageInfo { hasNextPage endCursor }
  }
}
"""

SUBSCRIBE_MUTATION = """
mutation Subscribe($topic: WebhookSubscriptionTopic!, $uri: String!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: {uri: $uri, format: JSON}) {
    webhookSubscription { id topic uri }
    userErrors { field message }
  }
}
"""

UNSUBSCRIBE_MUTATION = """
mutation Unsubscribe($id: ID!) {
  webhookSubscriptionDelete(id: $id) {
    deletedWebhookSubscriptionId
    userErrors { field message }
  }
}
"""


def topic_enum(topic: str) -> str:
    """A delivery's topic as the subscription API names it: "orders/updated" →
    "ORDERS_UPDATED" (WebhookSubscriptionTopic)."""
    return topic.upper().replace("/", "_")


def webhook_address() -> str:
    return f"{settings.APP_URL}/shopify/webhooks"


def signature_is_valid(body: bytes, signature: str | None) -> bool:
    """Shopify signs the raw body: base64 of HMAC-SHA256 with the app's secret. Compared in
    constant time."""
    if not signature or not settings.SHOPIFY_API_SECRET:
        return False
    expected = base64.b64encode(
        hmac.new(settings.SHOPIFY_API_SECRET.encode(), body, hashlib.sha256).digest()
    ).decode()
    return hmac.compare_digest(expected, signature.strip())


def sync_subscriptions(client: ShopifyClient, topics) -> dict:
    """Make the store's subscriptions to this app's address exactly `topics` (as deliveries name
    them, "orders/updated"): create what is missing, delete what is no longer wanted, keep the
    rest. Running it twice changes nothing. Returns {"created": [...], "deleted": [...],
    "kept": [...]}, by WebhookSubscriptionTopic."""
    topics = [topic_enum(topic) for topic in topics]
    address = webhook_address()
    existing = [
        node
        for node in client.paginate(SUBSCRIPTIONS_QUERY, {}, ("webhookSubscriptions",))
        if node["uri"] == address
    ]
    present = {node["topic"] for node in existing}
    result = {"created": [], "deleted": [], "kept": sorted(present & set(topics))}
    for node in existing:
        if node["topic"] not in topics:
            client.execute(UNSUBSCRIBE_MUTATION, {"id": node["id"]})
            result["deleted"].append(node["topic"])
    for topic in topics:
        if topic in present:
            continue
        payload = client.execute(SUBSCRIBE_MUTATION, {"topic": topic, "uri": address})
        errors = payload["webhookSubscriptionCreate"]["userErrors"]
        if errors:
            raise ShopifyUserError(f"{topic}: {errors[0]['message']}", errors=errors)
        result["created"].append(topic)
    log.info("webhooks of %s: %s", client.shop_domain, result)
    return result


def remove_subscriptions(client: ShopifyClient) -> list[str]:
    """Delete every subscription to this app's address; returns the topics removed."""
    address = webhook_address()
    removed = []
    for node in list(client.paginate(SUBSCRIPTIONS_QUERY, {}, ("webhookSubscriptions",))):
        if node["uri"] == address:
            client.execute(UNSUBSCRIBE_MUTATION, {"id": node["id"]})
            removed.append(node["topic"])
    return removed
