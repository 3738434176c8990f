"""The GraphQL client: retries, errors that say whether retrying helps, the shared limiter,
pagination and bulk helpers."""

import time

import pytest
import requests
import responses

from integration.client import (
    ShopifyAuthError,
    ShopifyClient,
    ShopifyQueryError,
    ShopifyRequestError,
    ShopifyUnavailable,
    shop_url,
)
from integration.limiter import CostLimiter

SHOP = "alpha.myshopify.com"
TOKEN = "shpat_secret_value"
QUERY = "{ shop { name } }"
OK = {
    "data": {"shop": {"name": "Alpha"}},
    "extensions": {
        "cost": {
            "requestedQueryCost": 1,
            "actualQueryCost": 1,
            "throttleStatus": {
                "maximumAvailable": 2000.0,
                "currentlyAvailable": 1999,
                "restoreRate": 100.0,
            },
        }
    },
}


@pytest.fixture
def no_sleep(monkeypatch):
    slept = []
    monkeypatch.setattr(time, "sleep", slept.append)
    return slept


@pytest.fixture
def client(settings, redis_connection):
    settings.SHOPIFY_BASE_URL = "https://{shop}"
    return ShopifyClient(SHOP, TOKEN)


ENDPOINT = f"https://{SHOP}/admin/api/2026-10/graphql.json"


@responses.activate
def test_a_query_sends_the_token_header_and_returns_data(client):
    responses.post(ENDPOINT, json=OK)

    assert client.execute(QUERY) == {"shop": {"name": "Alpha"}}
    assert responses.calls[0].request.headers["X-Shopify-Access-Token"] == TOKEN


@responses.activate
@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_server_errors_and_429_are_retried(client, no_sleep, status):
    responses.post(ENDPOINT, status=status, headers={"Retry-After": "2.0"})
    responses.post(ENDPOINT, json=OK)

    assert client.execute(QUERY) == {"shop": {"name": "Alpha"}}
    assert len(responses.calls) == 2
    assert no_sleep == [2.0]


@responses.activate
def test_a_persistent_outage_raises_a_retryable_error(client, no_sleep):
    responses.post(ENDPOINT, status=503)

    with pytest.raises(ShopifyUnavailable) as error:
        client.execute(QUERY)

    assert error.value.retryable is True
    assert len(responses.calls) == 6
    # Exponential backoff with jitter: each wait at most twice the one before.
    assert all(0 < wait <= 30 for wait in no_sleep)


@responses.activate
def test_connection_errors_are_retried(client, no_sleep):
    responses.post(ENDPOINT, body=requests.ConnectionError("reset"))
    responses.post(ENDPOINT, json=OK)

    assert client.execute(QUERY) == {"shop": {"name": "Alpha"}}


@responses.activate
@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, ShopifyRequestError),
        (404, ShopifyRequestError),
        (401, ShopifyAuthError),
        (403, ShopifyAuthError),
    ],
)
def test_other_client_errors_are_not_retried(client, status, error_class):
    responses.post(ENDPOINT, status=status, body=f"refused {TOKEN}")

    with pytest.raises(error_class) as error:
        client.execute(QUERY)

    assert error.value.retryable is False
    assert len(responses.calls) == 1
    assert TOKEN not in str(error.value)


@responses.activate
def test_throttled_answers_are_retried_after_the_bucket_refills(client, no_sleep):
    throttled = {
        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
        "extensions": {
            "cost": {
                "requestedQueryCost": 101,
                "actualQueryCost": None,
                "throttleStatus": {
                    "maximumAvailable": 1000.0,
                    "currentlyAvailable": 1,
                    "restoreRate": 50.0,
                },
            }
        },
    }
    responses.post(ENDPOINT, json=throttled)
    responses.post(ENDPOINT, json=OK)

    assert client.execute(QUERY) == {"shop": {"name": "Alpha"}}
    assert no_sleep[-1] == pytest.approx(2.0)  # (101 - 1) / 50


@responses.activate
def test_graphql_errors_are_query_errors(client):
    responses.post(ENDPOINT, json={"errors": [{"message": "Field 'x' doesn't exist"}]})

    with pytest.raises(ShopifyQueryError) as error:
        client.execute(QUERY)

    assert error.value.retryable is False
    assert error.value.errors == [{"message": "Field 'x' doesn't exist"}]


def test_the_client_never_talks_to_a_host_somebody_typed(settings):
    settings.SHOPIFY_BASE_URL = "https://{shop}"

    for domain in ("evil.com", "alpha.myshopify.com.evil.com", "alpha.myshopify.com/../x"):
        with pytest.raises(ValueError):
            shop_url(domain)
    assert shop_url("alpha.myshopify.com") == "https://alpha.myshopify.com"


def test_the_client_shows_no_token(client):
    assert TOKEN not in repr(client)


def test_workers_share_one_bucket_per_store(redis_connection):
    clock, waits = [1000.0], []

    def sleep(seconds):
        waits.append(seconds)
        clock[0] += seconds

    first, second = (
        CostLimiter("limited.myshopify.com", clock=lambda: clock[0], sleep=sleep) for _ in range(2)
    )
    first.observe({"maximumAvailable": 100, "currentlyAvailable": 100, "restoreRate": 50})

    first.acquire(80)
    second.acquire(60)  # 20 left, 60 wanted: (60 - 20) / 50 = 0.8 s

    assert waits == [pytest.approx(0.8)]
    other_store = CostLimiter("other.myshopify.com", clock=lambda: clock[0], sleep=sleep)
    other_store.acquire(90)
    assert len(waits) == 1
