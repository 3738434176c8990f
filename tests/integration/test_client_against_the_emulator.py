"""The client against the emulator over HTTP: pacing by throttleStatus, pagination, bulk."""

import threading

import pytest
import requests

from integration.client import ShopifyClient, ShopifyUserError

PAGE = """query Customers($after: String) {
  customers(first: 20, after: $after) {
    nodes { id email }
    pageInfo { hasNextPage endCursor }
  }
}"""


class CountingSession(requests.Session):
    """Counts the THROTTLED answers Shopify gave."""

    def __init__(self):
        super().__init__()
        self.throttled = 0
        self.lock = threading.Lock()

    def post(self, *args, **kwargs):
        response = super().post(*args, **kwargs)
        if "THROTTLED" in response.text:
            with self.lock:
                self.throttled += 1
        return response


def test_a_tight_budget_paces_requests_and_none_fails(emulator, shop, token, redis_connection):
    emulator.seed(shop, customers=20, seed=1)
    emulator.faults(shop, bucket_size=60, restore_rate=40)
    sessions = [CountingSession(), CountingSession()]
    clients = [ShopifyClient(shop, token, session=session) for session in sessions]
    query = "{ customers(first: 20) { nodes { id } } }"  # 22 points each
    results, failures = [], []

    def work(client):
        for _ in range(6):
            try:
                results.append(len(client.execute(query)["customers"]["nodes"]))
            except Exception as error:
                failures.append(error)

    threads = [threading.Thread(target=work, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert results == [20] * 12
    # Two workers share the store's bucket through Redis: once Shopify's first answers told
    # them its size, they wait for it instead of being throttled.
    assert sum(session.throttled for session in sessions) <= 2


def test_paginate_returns_every_node_once(emulator, shop, token, redis_connection):
    emulator.seed(shop, customers=75, seed=1)
    client = ShopifyClient(shop, token)

    nodes = list(client.paginate(PAGE, {}, ("customers",)))

    assert len(nodes) == 75 == len({node["id"] for node in nodes})


def test_bulk_helpers_start_poll_and_stream(emulator, shop, token, redis_connection):
    emulator.seed(shop, customers=30, seed=1)
    client = ShopifyClient(shop, token)

    operation = client.start_bulk_query("{ customers { edges { node { id email } } } }")
    status = client.bulk_operation(operation["id"])
    while status["status"] in {"CREATED", "RUNNING"}:
        status = client.bulk_operation(operation["id"])
    lines = list(client.stream_jsonl(status["url"]))
    resumed = list(client.stream_jsonl(status["url"], start_line=25))

    assert status["status"] == "COMPLETED"
    assert [number for number, _ in lines] == list(range(30))
    assert [number for number, _ in resumed] == [25, 26, 27, 28, 29]
    assert resumed[0][1] == lines[25][1]


def test_a_refused_bulk_query_raises_user_errors(emulator, shop, token, redis_connection):
    client = ShopifyClient(shop, token)

    with pytest.raises(ShopifyUserError) as error:
        client.start_bulk_query("{ customers { edges { node { colour } } } }")

    assert "Invalid bulk query" in str(error.value)
