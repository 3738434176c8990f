"""Each fault knob does what it says."""

import time

import pytest
import requests

from tests.emulator.conftest import body_of, subscribe

SHOP_QUERY = "{ shop { name } }"


def post(shop):
    return shop.client.session.post(
        shop.client.graphql_url(shop.domain),
        json={"query": SHOP_QUERY},
        headers={"X-Shopify-Access-Token": shop.token},
        timeout=10,
    )


def test_latency_delays_every_answer(shop):
    shop.control("PUT", "faults", {"latency_ms": 300})

    started = time.monotonic()
    response = post(shop)

    assert response.status_code == 200
    assert time.monotonic() - started >= 0.3


def test_error_rate_answers_with_server_errors(shop):
    shop.control("PUT", "faults", {"error_rate": 1.0})

    statuses = {post(shop).status_code for _ in range(10)}

    assert statuses <= {500, 502, 503} and statuses


def test_throttle_429_rate_answers_429_with_retry_after(shop):
    shop.control("PUT", "faults", {"throttle_429_rate": 1.0})

    response = post(shop)

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1.0"


def test_some_requests_fail_at_a_partial_rate(shop):
    shop.control("PUT", "faults", {"error_rate": 0.5})

    statuses = [post(shop).status_code for _ in range(60)]

    assert 200 in statuses and any(status >= 500 for status in statuses)


def test_bucket_size_and_restore_rate_show_in_the_throttle_status(shop):
    shop.control("PUT", "faults", {"bucket_size": 500, "restore_rate": 25})

    status = post(shop).json()["extensions"]["cost"]["throttleStatus"]

    assert (status["maximumAvailable"], status["restoreRate"]) == (500.0, 25.0)


def test_dropped_webhooks_never_arrive(shop, receiver):
    shop.control("PUT", "faults", {"webhook_drop_rate": 1.0})
    subscribe(shop, "CUSTOMERS_CREATE", receiver.url)

    shop.control("POST", "customers", {"email": "lost@example.com"})
    time.sleep(0.5)

    assert receiver.received == []
    assert [d["status"] for d in shop.control("GET", "webhook_deliveries")["deliveries"]] == [
        "dropped"
    ]


def test_duplicated_webhooks_arrive_twice_with_one_webhook_id(shop, receiver):
    shop.control("PUT", "faults", {"webhook_duplicate_rate": 1.0})
    subscribe(shop, "CUSTOMERS_CREATE", receiver.url)

    shop.control("POST", "customers", {"email": "twice@example.com"})
    deliveries = receiver.wait_for(2)

    assert len(deliveries) == 2
    assert (
        deliveries[0]["headers"]["X-Shopify-Webhook-Id"]
        == (deliveries[1]["headers"]["X-Shopify-Webhook-Id"])
    )
    assert body_of(deliveries[0]) == body_of(deliveries[1])


def test_delayed_webhooks_arrive_after_the_delay(shop, receiver):
    shop.control("PUT", "faults", {"webhook_delay_ms": 700})
    subscribe(shop, "CUSTOMERS_CREATE", receiver.url)

    started = time.monotonic()
    shop.control("POST", "customers", {"email": "late@example.com"})
    receiver.wait_for(1)

    assert time.monotonic() - started >= 0.7


def test_reordered_webhooks_arrive_out_of_order(shop, receiver):
    shop.control("PUT", "faults", {"webhook_reorder": True, "webhook_delay_ms": 300})
    subscribe(shop, "CUSTOMERS_CREATE", receiver.url)

    emails = [f"n{index:02d}@example.com" for index in range(25)]
    for email in emails:
        shop.control("POST", "customers", {"email": email})
    arrived = [body_of(d)["email"] for d in receiver.wait_for(25, timeout=20)]

    assert sorted(arrived) == emails
    assert arrived != emails


def test_unknown_fault_knobs_are_refused(shop):
    with pytest.raises(Exception) as error:
        shop.control("PUT", "faults", {"meteor_rate": 1})

    assert error.value.status == 400
    assert "meteor_rate" in error.value.body["error"]
    assert shop.control("GET", "faults")["error_rate"] == 0.0


def test_faults_belong_to_one_shop(shop, emulator):
    shop.control("PUT", "faults", {"error_rate": 1.0})
    emulator.add_shop("calm.myshopify.com")
    token = emulator.token("calm.myshopify.com", "test-app", [])

    response = requests.post(
        emulator.graphql_url("calm.myshopify.com"),
        json={"query": SHOP_QUERY},
        headers={"X-Shopify-Access-Token": token},
        timeout=10,
    )

    assert response.status_code == 200


def test_platform_rule_knobs_default_to_shopifys_rules(shop):
    faults = shop.control("GET", "faults")

    assert {
        name: faults[name]
        for name in (
            "webhook_removal_threshold",
            "bulk_shuffle_seed",
            "bulk_group_delay_ms",
            "field_costs",
            "checkout_webhook_id",
        )
    } == {
        "webhook_removal_threshold": 8,
        "bulk_shuffle_seed": None,
        "bulk_group_delay_ms": 5,
        "field_costs": {},
        "checkout_webhook_id": False,
    }


def test_bad_knob_values_are_refused_and_change_nothing(shop):
    for bad in ({"bulk_shuffle_seed": "soon"}, {"field_costs": ["Order"]}):
        with pytest.raises(Exception) as error:
            shop.control("PUT", "faults", {"error_rate": 0.5, **bad})
        assert error.value.status == 400

    assert shop.control("GET", "faults")["error_rate"] == 0.0
