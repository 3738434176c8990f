"""Failing subscriptions are deleted: after 8 consecutive failed deliveries (a retry counts),
Shopify deletes a subscription made through the API; a success starts the count again;
compliance topics, which come from the app's configuration, are never deleted."""

import time

from tests.emulator.conftest import APP_ID, subscribe

LISTING = "{ webhookSubscriptions(first: 10) { nodes { id topic } } }"


def wait_until(condition, timeout=30):
    """Poll `condition()` until it is true, within a generous bound."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.02)


def health(shop):
    return shop.control("GET", "webhook_subscriptions")


def deliveries(shop):
    return shop.control("GET", "webhook_deliveries")["deliveries"]


def settled(shop):
    """The delivery log once no delivery is waiting or retrying, else None."""
    log = deliveries(shop)
    return log if log and all(d["status"] in {"delivered", "failed"} for d in log) else None


def fast_retries(shop, **knobs):
    # Shopify's 8 tries over 4 hours, in well under a second.
    shop.control("PUT", "faults", {"webhook_retry_scale": 0.00001, **knobs})


def test_eight_failed_deliveries_delete_the_subscription(shop, receiver):
    fast_retries(shop)
    receiver.statuses.extend([500] * 20)
    subscription = subscribe(shop, "CUSTOMERS_CREATE", receiver.url)

    shop.control("POST", "customers", {"email": "first@example.com"})
    removed = wait_until(lambda: health(shop)["removed"])

    assert [
        (entry["id"], entry["topic"], entry["uri"], entry["client_id"], entry["reason"])
        for entry in removed
    ] == [
        (
            subscription["id"],
            "CUSTOMERS_CREATE",
            receiver.url,
            APP_ID,
            "8 consecutive failed deliveries",
        )
    ]
    assert removed[0]["consecutive_failures"] == 8
    assert health(shop)["subscriptions"] == []
    assert shop.graphql(LISTING)["data"]["webhookSubscriptions"]["nodes"] == []
    log = wait_until(lambda: settled(shop))
    assert [(d["status"], d["attempts"], d["subscription_id"]) for d in log] == [
        ("failed", 8, subscription["id"])
    ]
    assert len(receiver.received) == 8

    # Gone: later changes are not sent to it.
    shop.control("POST", "customers", {"email": "second@example.com"})
    assert len(deliveries(shop)) == 1
    assert len(receiver.received) == 8


def test_a_success_starts_the_count_again(shop, receiver):
    fast_retries(shop)
    receiver.statuses.extend([500] * 7)  # seven failures, then the eighth try succeeds
    subscribe(shop, "CUSTOMERS_CREATE", receiver.url)

    shop.control("POST", "customers", {"email": "first@example.com"})
    log = wait_until(lambda: settled(shop))

    assert [(d["status"], d["attempts"]) for d in log] == [("delivered", 8)]
    assert [entry["consecutive_failures"] for entry in health(shop)["subscriptions"]] == [0]
    # Seven more failures do not reach eight: the success reset the count.
    receiver.statuses.extend([500] * 7)
    shop.control("POST", "customers", {"email": "second@example.com"})
    log = wait_until(lambda: len(deliveries(shop)) == 2 and settled(shop))
    assert [(d["status"], d["attempts"]) for d in log] == [("delivered", 8), ("delivered", 8)]
    assert len(receiver.received) == 16
    assert health(shop)["removed"] == []
    assert [entry["consecutive_failures"] for entry in health(shop)["subscriptions"]] == [0]


def test_failures_of_different_webhooks_add_up(shop, receiver):
    # Retries come after 10 s at Shopify's pace, so only first tries happen in the test.
    shop.control("PUT", "faults", {"webhook_removal_threshold": 3})
    receiver.statuses.extend([500] * 10)
    subscription = subscribe(shop, "CUSTOMERS_CREATE", receiver.url)

    for index in range(3):
        shop.control("POST", "customers", {"email": f"shopper{index}@example.com"})
    removed = wait_until(lambda: health(shop)["removed"])

    assert [(entry["id"], entry["consecutive_failures"]) for entry in removed] == [
        (subscription["id"], 3)
    ]
    assert len(receiver.received) == 3


def test_a_threshold_of_zero_never_deletes(shop, receiver):
    fast_retries(shop, webhook_removal_threshold=0)
    receiver.statuses.extend([500] * 8)
    subscribe(shop, "CUSTOMERS_CREATE", receiver.url)

    shop.control("POST", "customers", {"email": "first@example.com"})
    log = wait_until(lambda: settled(shop))

    assert [(d["status"], d["attempts"]) for d in log] == [("failed", 8)]
    assert health(shop)["removed"] == []
    assert [entry["consecutive_failures"] for entry in health(shop)["subscriptions"]] == [8]


def test_compliance_topics_are_never_deleted(shop, emulator, receiver):
    fast_retries(shop)
    receiver.statuses.extend([500] * 30)
    emulator.update_app(APP_ID, compliance_url=receiver.url)
    subscription = subscribe(shop, "PRODUCTS_CREATE", "https://elsewhere.example/hooks")
    customer = shop.control("POST", "customers", {"email": "gone@example.com"})

    for _ in range(2):  # 16 failed compliance deliveries in all
        shop.control("POST", f"customers/{customer['legacyResourceId']}/redact")
    log = wait_until(lambda: len(deliveries(shop)) == 2 and settled(shop))

    assert [(d["topic"], d["status"], d["attempts"], d["subscription_id"]) for d in log] == [
        ("customers/redact", "failed", 8, None)
    ] * 2
    assert len(receiver.received) == 16
    assert health(shop)["removed"] == []
    assert [entry["id"] for entry in health(shop)["subscriptions"]] == [subscription["id"]]
