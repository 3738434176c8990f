"""Customer tag topics and checkout bodies as Shopify sends them: tag changes come on
customer.tags_added / customer.tags_removed with only the tags that changed (customers/update
still comes too, without tags); checkouts/create and checkouts/update carry the token that is
in the recovery URL and, since API 2026-04, no `id`."""

import datetime
import time

import pytest

from tests.emulator.conftest import SHOP, ShopAccess, body_of, subscribe
from tests.emulator.webhook_schemas import validate

TAG_TOPICS = ("CUSTOMER_TAGS_ADDED", "CUSTOMER_TAGS_REMOVED")
SUBSCRIBE = """mutation($topic: WebhookSubscriptionTopic!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: {uri: "https://app.example/h"}) {
    webhookSubscription { id } userErrors { field message } } }"""


def by_topic(deliveries) -> list[tuple]:
    return [(d["headers"]["X-Shopify-Topic"], body_of(d)) for d in deliveries]


def tag_change(delivery_pair):
    topic, body = delivery_pair
    validate(topic, body)
    return topic, body["customerId"], body["tags"]


def settle(shop, count, timeout=10):
    """Wait until the emulator logged `count` deliveries, all answered."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = shop.control("GET", "webhook_deliveries")["deliveries"]
        if len(log) >= count and all(d["status"] == "delivered" for d in log):
            return log
        time.sleep(0.02)
    raise AssertionError("the deliveries did not settle")


def test_a_tag_change_sends_only_the_tags_added_and_removed(shop, receiver):
    for topic in TAG_TOPICS:
        subscribe(shop, topic, receiver.url)
    customer = shop.control("POST", "customers", {"email": "t@example.com", "tags": ["a", "b"]})

    updated = shop.graphql(
        """mutation($input: CustomerInput!) { customerUpdate(input: $input) {
             customer { tags updatedAt } userErrors { message } } }""",
        {"input": {"id": customer["id"], "tags": ["b", "c", "d"]}},
    )["data"]["customerUpdate"]
    deliveries = receiver.wait_for(3)

    assert updated["customer"]["tags"] == ["b", "c", "d"]
    changes = sorted(tag_change(pair) for pair in by_topic(deliveries))
    assert changes == [
        ("customer.tags_added", customer["id"], ["a", "b"]),  # created with tags
        ("customer.tags_added", customer["id"], ["c", "d"]),
        ("customer.tags_removed", customer["id"], ["a"]),
    ]
    when = datetime.datetime.fromisoformat(updated["customer"]["updatedAt"].replace("Z", "+00:00"))
    stamps = {body["occurredAt"] for _, body in by_topic(deliveries) if body["tags"] != ["a", "b"]}
    assert stamps == {when.strftime("%Y-%m-%dT%H:%M:%S.000Z")}


def test_customers_update_still_comes_without_tags(shop, receiver):
    subscribe(shop, "CUSTOMERS_UPDATE", receiver.url)
    subscribe(shop, "CUSTOMER_TAGS_ADDED", receiver.url)
    customer = shop.control("POST", "customers", {"email": "u@example.com"})

    shop.control("PATCH", f"customers/{customer['legacyResourceId']}", {"tags": ["vip"]})
    deliveries = by_topic(receiver.wait_for(2))

    assert sorted(topic for topic, _ in deliveries) == ["customer.tags_added", "customers/update"]
    update = next(body for topic, body in deliveries if topic == "customers/update")
    assert "tags" not in update
    validate("customers/update", update)


def test_no_tag_topic_without_a_tag_change(shop, receiver):
    for topic in (*TAG_TOPICS, "CUSTOMERS_UPDATE"):
        subscribe(shop, topic, receiver.url)
    customer = shop.control("POST", "customers", {"email": "n@example.com", "tags": ["same"]})
    number = customer["legacyResourceId"]
    settle(shop, 1)  # the creation's tags_added

    shop.control("PATCH", f"customers/{number}", {"firstName": "Renamed"})
    shop.control("PATCH", f"customers/{number}", {"tags": "same"})  # the same tags, as a string
    log = settle(shop, 3)

    assert [d["topic"] for d in log] == [
        "customer.tags_added",
        "customers/update",
        "customers/update",
    ]


def test_tags_add_and_tags_remove(shop, receiver):
    for topic in TAG_TOPICS:
        subscribe(shop, topic, receiver.url)
    customer = shop.control("POST", "customers", {"email": "m@example.com"})
    mutation = """mutation($id: ID!, $tags: [String!]!) {
      tagsAdd(id: $id, tags: $tags) { node { ... on Customer { tags } } userErrors { message } }
    }"""

    added = shop.graphql(mutation, {"id": customer["id"], "tags": ["x, y", "z"]})
    removed = shop.graphql(
        """mutation($id: ID!) { tagsRemove(id: $id, tags: ["y", "nope"]) {
             node { ... on Customer { tags } } userErrors { message } } }""",
        {"id": customer["id"]},
    )
    deliveries = receiver.wait_for(2)

    assert added["data"]["tagsAdd"] == {"node": {"tags": ["x", "y", "z"]}, "userErrors": []}
    assert removed["data"]["tagsRemove"] == {"node": {"tags": ["x", "z"]}, "userErrors": []}
    assert sorted(tag_change(pair) for pair in by_topic(deliveries)) == [
        ("customer.tags_added", customer["id"], ["x", "y", "z"]),
        ("customer.tags_removed", customer["id"], ["y"]),
    ]


def test_tags_add_on_other_records(shop):
    product = shop.control("POST", "products", {"title": "Lamp", "tags": ["old"]})
    unknown = "gid://shopify/Customer/1"

    tagged = shop.graphql(
        """mutation($id: ID!) { tagsAdd(id: $id, tags: ["new"]) {
             node { ... on Product { tags } } userErrors { field message } } }""",
        {"id": product["id"]},
    )["data"]["tagsAdd"]
    missing = shop.graphql(
        """mutation($id: ID!) { tagsAdd(id: $id, tags: ["new"]) {
             node { id } userErrors { field message } } }""",
        {"id": unknown},
    )["data"]["tagsAdd"]

    assert tagged == {"node": {"tags": ["new", "old"]}, "userErrors": []}
    assert missing == {
        "node": None,
        "userErrors": [{"field": ["id"], "message": "Customer does not exist"}],
    }


def test_the_merchant_page_tags_a_customer(shop, receiver):
    subscribe(shop, "CUSTOMER_TAGS_ADDED", receiver.url)
    customer = shop.control("POST", "customers", {"email": "p@example.com", "tags": ["one"]})
    receiver.wait_for(1)

    response = shop.client.session.post(
        f"{shop.client.url}/{shop.domain}/admin",
        data={"action": "tag_customer", "id": customer["id"], "tag": "two"},
        allow_redirects=False,
        timeout=10,
    )
    deliveries = receiver.wait_for(2)

    assert response.status_code == 303
    assert tag_change(by_topic(deliveries)[1]) == ("customer.tags_added", customer["id"], ["two"])
    stored = shop.control("GET", f"customers/{customer['legacyResourceId']}")
    assert stored["tags"] == ["one", "two"]


@pytest.mark.parametrize("topic", TAG_TOPICS)
def test_tag_topics_need_read_customers_and_protected_data(emulator, topic):
    emulator.add_shop(SHOP, plan="plus")
    emulator.add_app("public-app", "secret")
    emulator.add_app("approved-app", "secret", protected_data={"level": 1, "fields": []})
    public = ShopAccess(emulator, SHOP, emulator.token(SHOP, "public-app", ["read_customers"]))
    approved = ShopAccess(emulator, SHOP, emulator.token(SHOP, "approved-app", ["read_customers"]))
    no_scope = ShopAccess(emulator, SHOP, emulator.token(SHOP, "approved-app", ["read_products"]))

    refused = public.graphql(SUBSCRIBE, {"topic": topic})["data"]["webhookSubscriptionCreate"]
    scopeless = no_scope.graphql(SUBSCRIBE, {"topic": topic})["data"]["webhookSubscriptionCreate"]
    allowed = approved.graphql(SUBSCRIBE, {"topic": topic})["data"]["webhookSubscriptionCreate"]

    assert refused["webhookSubscription"] is None
    assert refused["userErrors"][0]["message"].startswith(
        "This app is not approved to subscribe to webhook topics containing protected"
    )
    assert scopeless["userErrors"] == [
        {
            "field": ["topic"],
            "message": f"Access denied: the {topic} topic needs the `read_customers` access scope",
        }
    ]
    assert allowed["userErrors"] == []


# Checkouts ----------------------------------------------------------------------------------


def checkout_in_shop(shop):
    product = shop.control("POST", "products", {"title": "Cup", "variants": [{"price": "4"}]})
    return shop.control(
        "POST",
        "checkouts",
        {"email": "c@example.com", "lineItems": [{"variantId": product["variants"][0]["id"]}]},
    )


def test_checkout_bodies_carry_the_token_of_the_recovery_url_and_no_id(shop, receiver):
    subscribe(shop, "CHECKOUTS_CREATE", receiver.url)
    subscribe(shop, "CHECKOUTS_UPDATE", receiver.url)
    subscribe(shop, "CHECKOUTS_DELETE", receiver.url)

    checkout = checkout_in_shop(shop)
    number = checkout["legacyResourceId"]
    shop.control("PATCH", f"checkouts/{number}", {"note": "later"})
    graphql = shop.graphql(
        "query($id: ID!) { abandonedCheckout: node(id: $id) { ... on AbandonedCheckout { "
        "name abandonedCheckoutUrl } } }",
        {"id": checkout["id"]},
    )["data"]["abandonedCheckout"]
    shop.control("DELETE", f"checkouts/{number}")
    created, updated, deleted = by_topic(receiver.wait_for(3))

    for topic, body in (created, updated):
        validate(topic, body)
        assert "id" not in body
        assert body["name"] == graphql["name"] == f"#{number}"
        assert body["abandoned_checkout_url"] == graphql["abandonedCheckoutUrl"]
        assert f"/checkouts/{body['token']}/recover?key=" in graphql["abandonedCheckoutUrl"]
    assert created[1]["token"] == updated[1]["token"]
    assert (deleted[0], deleted[1]["id"]) == ("checkouts/delete", int(number))


def test_the_checkout_webhook_id_knob(shop, receiver):
    shop.control("PUT", "faults", {"checkout_webhook_id": True})
    subscribe(shop, "CHECKOUTS_CREATE", receiver.url)

    checkout = checkout_in_shop(shop)
    [(topic, body)] = by_topic(receiver.wait_for(1))

    assert body["id"] == int(checkout["legacyResourceId"])
    assert body["token"] in body["abandoned_checkout_url"]


def test_a_guest_checkout_gives_its_email_in_its_webhooks_only(shop, receiver):
    """Shopify's AbandonedCheckout (Admin GraphQL 2026-10) has no `email` field, only
    `customer`, which a guest has not; the checkouts/create and checkouts/update bodies carry
    the email the shopper typed (Shopify's documented 2026-07 examples: "email":
    "example@email.com")."""
    subscribe(shop, "CHECKOUTS_CREATE", receiver.url)
    subscribe(shop, "CHECKOUTS_UPDATE", receiver.url)
    product = shop.control("POST", "products", {"title": "Cup", "variants": [{"price": "4"}]})
    checkout = shop.control(
        "POST",
        "checkouts",
        {"email": "guest@example.com", "lineItems": [{"variantId": product["variants"][0]["id"]}]},
    )
    shop.control("PATCH", f"checkouts/{checkout['legacyResourceId']}", {"email": "new@example.com"})
    created, updated = by_topic(receiver.wait_for(2))

    for topic, body in (created, updated):
        validate(topic, body)
        assert body["customer"] is None
    assert created[1]["email"] == "guest@example.com"
    assert updated[1]["email"] == "new@example.com"
    read = shop.graphql(
        "query($id: ID!) { node(id: $id) { ... on AbandonedCheckout { customer { id } } } }",
        {"id": checkout["id"]},
    )
    assert read["data"]["node"] == {"customer": None}
    asked = shop.graphql(
        "query($id: ID!) { node(id: $id) { ... on AbandonedCheckout { email } } }",
        {"id": checkout["id"]},
    )
    assert "data" not in asked or asked["data"] is None
    assert "email" in asked["errors"][0]["message"]
