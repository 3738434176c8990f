"""Webhooks as Shopify sends them: topics, headers, a signature checked independently, bodies
valid against the documented schemas, retries."""

import base64
import hashlib
import hmac
import time

from tests.emulator.conftest import APP_SECRET, body_of, subscribe
from tests.emulator.webhook_schemas import validate


def shopify_webhook_hmac(secret: str, body: bytes) -> str:
    """Shopify's documented rule: base64 of HMAC-SHA256 over the raw body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def delivery_log(shop, until, timeout=5):
    """(status, attempts) of each delivery, once `until(log)` holds (the emulator records the
    outcome just after the receiver answered)."""
    deadline = time.monotonic() + timeout
    while True:
        log = shop.control("GET", "webhook_deliveries")["deliveries"]
        if until(log) or time.monotonic() > deadline:
            return [(entry["status"], entry["attempts"]) for entry in log]
        time.sleep(0.05)


def test_a_change_is_delivered_signed_with_shopifys_headers(shop, receiver):
    subscribe(shop, "CUSTOMERS_CREATE", receiver.url)

    created = shop.control("POST", "customers", {"email": "hook@example.com", "firstName": "Hook"})
    delivery = receiver.wait_for(1)[0]

    headers = delivery["headers"]
    assert headers["X-Shopify-Topic"] == "customers/create"
    assert headers["X-Shopify-Shop-Domain"] == shop.domain
    assert headers["X-Shopify-API-Version"] == "2026-10"
    assert headers["X-Shopify-Webhook-Id"] and headers["X-Shopify-Event-Id"]
    assert headers["X-Shopify-Triggered-At"].endswith("Z")
    assert hmac.compare_digest(
        headers["X-Shopify-Hmac-Sha256"], shopify_webhook_hmac(APP_SECRET, delivery["body"])
    )
    body = body_of(delivery)
    validate("customers/create", body)
    assert body["id"] == int(created["legacyResourceId"])
    assert body["admin_graphql_api_id"] == created["id"]
    assert body["email"] == "hook@example.com"


def test_every_order_topic_is_emitted_with_a_valid_body(shop, receiver):
    topics = [
        "ORDERS_CREATE",
        "ORDERS_PAID",
        "ORDERS_UPDATED",
        "ORDERS_FULFILLED",
        "ORDERS_CANCELLED",
        "ORDERS_DELETE",
        "REFUNDS_CREATE",
        "FULFILLMENTS_CREATE",
        "FULFILLMENTS_UPDATE",
    ]
    for topic in topics:
        subscribe(shop, topic, receiver.url)
    product = shop.control("POST", "products", {"title": "Cup", "variants": [{"price": "4"}]})
    order = shop.control(
        "POST", "orders", {"lineItems": [{"variantId": product["variants"][0]["id"]}]}
    )
    number = int(order["legacyResourceId"])
    shop.control("POST", f"orders/{number}/fulfill")
    shop.control("POST", f"orders/{number}/deliver")
    shop.control("POST", f"orders/{number}/cancel", {"refund": True})
    shop.control("DELETE", f"orders/{number}")

    deliveries = receiver.wait_for(11)

    seen = {}
    for delivery in deliveries:
        topic = delivery["headers"]["X-Shopify-Topic"]
        body = body_of(delivery)
        validate(topic, body)
        seen[topic] = seen.get(topic, 0) + 1
        assert (body["order_id"] if "order_id" in body else body["id"]) == number, topic
    assert seen == {
        "orders/create": 1,
        "orders/paid": 1,
        "fulfillments/create": 1,
        "orders/fulfilled": 1,
        "fulfillments/update": 1,
        "refunds/create": 1,
        "orders/cancelled": 1,
        "orders/updated": 3,
        "orders/delete": 1,
    }


def test_a_failing_endpoint_gets_retries_with_the_same_webhook_id(shop, receiver):
    shop.control("PUT", "faults", {"webhook_retry_scale": 0.001})
    receiver.statuses.extend([500, 503])
    subscribe(shop, "PRODUCTS_CREATE", receiver.url)

    shop.control("POST", "products", {"title": "Retry me"})
    deliveries = receiver.wait_for(3)

    assert [d["status"] for d in deliveries] == [500, 503, 200]
    assert len({d["headers"]["X-Shopify-Webhook-Id"] for d in deliveries}) == 1
    assert delivery_log(shop, until=lambda log: log[0]["status"] != "retrying") == [
        ("delivered", 3)
    ]


def test_only_subscribed_topics_of_the_shop_are_sent(shop, receiver):
    subscribe(shop, "PRODUCTS_UPDATE", receiver.url)

    product = shop.control("POST", "products", {"title": "Quiet"})
    shop.control("PATCH", f"products/{product['legacyResourceId']}", {"title": "Loud"})
    deliveries = receiver.wait_for(1)

    assert [d["headers"]["X-Shopify-Topic"] for d in deliveries] == ["products/update"]
    assert body_of(deliveries[0])["title"] == "Loud"


def test_subscriptions_are_listed_per_app_and_can_be_deleted(shop, emulator, receiver):
    mine = subscribe(shop, "CUSTOMERS_UPDATE", receiver.url)
    emulator.add_app("other-app", "other-secret", distribution="custom")
    other_token = emulator.token(shop.domain, "other-app", ["read_customers"])
    subscribe_as_other = shop.graphql(
        """mutation { webhookSubscriptionCreate(topic: CUSTOMERS_UPDATE,
             webhookSubscription: {uri: "https://other.example/hooks"}) {
               userErrors { message } } }""",
        token=other_token,
    )
    assert subscribe_as_other["data"]["webhookSubscriptionCreate"]["userErrors"] == []
    listing = "{ webhookSubscriptions(first: 10) { nodes { id topic uri } } }"

    assert shop.graphql(listing)["data"]["webhookSubscriptions"]["nodes"] == [mine]

    deleted = shop.graphql(
        """mutation($id: ID!) { webhookSubscriptionDelete(id: $id) {
             deletedWebhookSubscriptionId userErrors { message } } }""",
        {"id": mine["id"]},
    )["data"]["webhookSubscriptionDelete"]

    assert deleted == {"deletedWebhookSubscriptionId": mine["id"], "userErrors": []}
    assert shop.graphql(listing)["data"]["webhookSubscriptions"]["nodes"] == []


def test_a_duplicate_subscription_is_refused(shop, receiver):
    subscribe(shop, "ORDERS_CREATE", receiver.url)

    again = shop.graphql(
        """mutation($uri: String!) { webhookSubscriptionCreate(topic: ORDERS_CREATE,
             webhookSubscription: {uri: $uri}) {
               webhookSubscription { id } userErrors { message } } }""",
        {"uri": receiver.url},
    )["data"]["webhookSubscriptionCreate"]

    assert again == {
        "webhookSubscription": None,
        "userErrors": [{"message": "Address for this topic has already been taken"}],
    }


def test_uninstalling_revokes_the_token_then_sends_app_uninstalled(shop, emulator, receiver):
    subscribe(shop, "APP_UNINSTALLED", receiver.url)

    shop.control("POST", "uninstall", {"client_id": "test-app"})
    delivery = receiver.wait_for(1)[0]

    assert delivery["headers"]["X-Shopify-Topic"] == "app/uninstalled"
    validate("app/uninstalled", body_of(delivery))
    response = shop.client.session.post(
        shop.client.graphql_url(shop.domain),
        json={"query": "{ shop { name } }"},
        headers={"X-Shopify-Access-Token": shop.token},
    )
    assert response.status_code == 401


def test_compliance_webhooks_go_to_the_apps_compliance_url(emulator, receiver):
    emulator.add_app("gdpr-app", "gdpr-secret", compliance_url=receiver.url)
    emulator.add_shop("gdpr.myshopify.com")
    emulator.token("gdpr.myshopify.com", "gdpr-app", ["read_customers"])
    customer = emulator.call("POST", "shops/gdpr.myshopify.com/customers", {"email": "x@y.se"})

    emulator.call(
        "POST", f"shops/gdpr.myshopify.com/customers/{customer['legacyResourceId']}/redact"
    )
    emulator.call("POST", "shops/gdpr.myshopify.com/redact")
    deliveries = receiver.wait_for(2)

    topics = sorted(d["headers"]["X-Shopify-Topic"] for d in deliveries)
    assert topics == ["customers/redact", "shop/redact"]
    for delivery in deliveries:
        assert delivery["headers"]["X-Shopify-Hmac-Sha256"] == shopify_webhook_hmac(
            "gdpr-secret", delivery["body"]
        )
        validate(delivery["headers"]["X-Shopify-Topic"], body_of(delivery))


def test_include_fields_limits_the_body(shop, receiver):
    shop.graphql(
        """mutation($uri: String!) { webhookSubscriptionCreate(topic: CUSTOMERS_CREATE,
             webhookSubscription: {uri: $uri, includeFields: ["id", "email"]}) {
             userErrors { message } } }""",
        {"uri": receiver.url},
    )

    shop.control("POST", "customers", {"email": "few@example.com", "firstName": "Few"})

    assert set(body_of(receiver.wait_for(1)[0])) == {"id", "email"}


def test_shop_redact_reaches_an_app_after_its_uninstall(emulator, receiver):
    emulator.add_app("gone-app", "gone-secret", compliance_url=receiver.url)
    emulator.add_shop("left.myshopify.com")
    emulator.token("left.myshopify.com", "gone-app", ["read_customers"])

    emulator.call("POST", "shops/left.myshopify.com/uninstall", {"client_id": "gone-app"})
    emulator.call("POST", "shops/left.myshopify.com/redact")

    assert [d["headers"]["X-Shopify-Topic"] for d in receiver.wait_for(1)] == ["shop/redact"]


def test_subscribing_needs_the_topics_read_scope(shop, emulator):
    token = emulator.token(shop.domain, "test-app", ["read_products"])

    result = shop.graphql(
        """mutation { webhookSubscriptionCreate(topic: ORDERS_CREATE,
             webhookSubscription: {uri: "https://crm.example/hooks"}) {
             webhookSubscription { id } userErrors { field message } } }""",
        token=token,
    )["data"]["webhookSubscriptionCreate"]

    assert result["webhookSubscription"] is None
    assert result["userErrors"] == [
        {
            "field": ["topic"],
            "message": (
                "Access denied: the ORDERS_CREATE topic needs the `read_orders` access scope"
            ),
        }
    ]
