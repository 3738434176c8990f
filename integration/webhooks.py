"""Shopify webhooks on the app's side of the wire: checking a delivery's signature, and keeping
a store's subscriptions to the topics it is given (the sync says which)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging

from django.conf import settings

from integration.client import ShopifyClient

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
    "ORDERS_UPDATED", "customer.tags_added" → "CUSTOMER_TAGS_ADDED" (WebhookSubscriptionTopic)."""
    return topic.upper().replace("/", "_").replace(".", "_")


def webhook_address() -> str:
    return f"{settings.APP_URL}/shopify/webhooks"


def signature_is_valid(body: bytes, signature: str | None, secret: str | None = None) -> bool:
    """Shopify signs the raw body: base64 of HMAC-SHA256 with the secret of the app the
    webhook is for (the app's, or an app made for one store's own). Compared in constant
    time."""
    secret = secret or settings.SHOPIFY_API_SECRET
    if not signature or not secret:
        return False
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected, signature.strip())


def sync_subscriptions(
    client: ShopifyClient, topics, created: list | None = None
) -> dict[str, str]:
    """Make the store's subscriptions to this app's address exactly `topics` (as deliveries name
    them, "orders/updated"): create what is missing, delete what is no longer wanted, keep the
    rest. Running it twice changes nothing. Each topic on its own: one Shopify refuses (its
    userError: protected customer data not approved, a plan without B2B, a missing scope) is
    answered with its reason and stops none of the others. Returns topic → "" (subscribed) or
    Shopify's reason; the topics subscribed anew are added to `created`."""
    wanted = {topic_enum(topic): topic for topic in topics}
    address = webhook_address()
    existing = [
        node
        for node in client.paginate(SUBSCRIPTIONS_QUERY, {}, ("webhookSubscriptions",))
        if node["uri"] == address
    ]
    present = {node["topic"] for node in existing}
    for node in existing:
        if node["topic"] not in wanted:
            client.execute(UNSUBSCRIBE_MUTATION, {"id": node["id"]})
    outcome = {}
    for enum, topic in wanted.items():
        if enum in present:
            outcome[topic] = ""
            continue
        payload = client.execute(SUBSCRIBE_MUTATION, {"topic": enum, "uri": address})
        errors = payload["webhookSubscriptionCreate"]["userErrors"]
        if errors and all(_already_there(error) for error in errors):
            # Another process (a job checking the subscriptions) made it meanwhile: it is
            # there, which is all this wanted.
            outcome[topic] = ""
            continue
        outcome[topic] = "; ".join(str(error.get("message"))[:500] for error in errors)
        if not errors and created is not None:
            created.append(topic)
    refused = {topic: reason for topic, reason in outcome.items() if reason}
    log.info(
        "webhooks of %s: %s subscribed, refused: %s",
        client.shop_domain,
        len(outcome) - len(refused),
        refused,
    )
    return outcome


def _already_there(error: dict) -> bool:
    """Shopify's userError for a topic already subscribed at this address."""
    return "has already been taken" in str(error.get("message", ""))


def remove_subscriptions(client: ShopifyClient) -> list[str]:
    """Delete every subscription to this app's address; returns the topics removed."""
    address = webhook_address()
    removed = []
    for node in list(client.paginate(SUBSCRIPTIONS_QUERY, {}, ("webhookSubscriptions",))):
        if node["uri"] == address:
            client.execute(UNSUBSCRIBE_MUTATION, {"id": node["id"]})
            removed.append(node["topic"])
    return removed
