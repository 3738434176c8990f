"""Bulk operations: start, poll, JSONL with __parentId lines, and Shopify's refusals."""

import json
import time

import requests

from tests.emulator.conftest import body_of, subscribe

RUN = """mutation($query: String!, $group: Boolean!) {
  bulkOperationRunQuery(query: $query, groupObjects: $group) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}"""
POLL = """query($id: ID!) { bulkOperation(id: $id) {
  id status errorCode objectCount rootObjectCount fileSize url completedAt } }"""
ORDERS_WITH_LINES = """{
  orders(query: "financial_status:paid") {
    edges { node { id name totalPriceSet { shopMoney { amount } }
      lineItems { edges { node { id sku quantity } } } } }
  }
}"""


def run(shop, query, group=False):
    return shop.graphql(RUN, {"query": query, "group": group})["data"]["bulkOperationRunQuery"]


def wait(shop, operation_id, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        operation = shop.graphql(POLL, {"id": operation_id})["data"]["bulkOperation"]
        if operation["status"] not in {"CREATED", "RUNNING", "CANCELING"}:
            return operation
        time.sleep(0.1)
    raise AssertionError("the bulk operation did not finish")


def lines_of(url):
    response = requests.get(url, timeout=30)
    response.raise_for_status()
    return [json.loads(line) for line in response.text.splitlines()]


def test_customers_jsonl_parses_back_to_exactly_the_shops_customers(shop):
    shop.control("POST", "seed", {"customers": 700, "seed": 5})
    started = run(shop, "{ customers { edges { node { id email firstName tags } } } }")
    assert started["userErrors"] == []
    assert started["bulkOperation"]["status"] == "CREATED"

    finished = wait(shop, started["bulkOperation"]["id"])

    assert finished["status"] == "COMPLETED"
    lines = lines_of(finished["url"])
    expected = {
        c["id"]: (c["email"], c["firstName"], c["tags"])
        for c in shop.control("GET", "customers")["customers"]
    }
    assert {line["id"]: (line["email"], line["firstName"], line["tags"]) for line in lines} == (
        expected
    )
    assert finished["objectCount"] == finished["rootObjectCount"] == "700"
    assert int(finished["fileSize"]) == len(requests.get(finished["url"], timeout=30).content)


def test_nested_connections_become_lines_with_their_parent_id(shop):
    shop.control("POST", "seed", {"customers": 50, "products": 20, "orders": 150, "seed": 9})
    paid = {
        o["id"]: o
        for o in shop.control("GET", "orders")["orders"]
        if o["displayFinancialStatus"] == "PAID"
    }

    finished = wait(shop, run(shop, ORDERS_WITH_LINES, group=True)["bulkOperation"]["id"])
    lines = lines_of(finished["url"])

    orders = [line for line in lines if "__parentId" not in line]
    children = [line for line in lines if "__parentId" in line]
    assert {order["id"] for order in orders} == set(paid)
    for order in orders:
        assert (
            order["totalPriceSet"]["shopMoney"]["amount"]
            == (paid[order["id"]]["totalPriceSet"]["shopMoney"]["amount"])
        )
        assert "lineItems" not in order
    by_parent = {}
    for child in children:
        by_parent.setdefault(child["__parentId"], []).append(child["id"])
    assert by_parent == {
        order_id: [line["id"] for line in order["lineItems"]]
        for order_id, order in paid.items()
        if order["lineItems"]
    }
    # Grouped, each child line follows its parent.
    seen = set()
    for line in lines:
        if "__parentId" in line:
            assert line["__parentId"] in seen
        else:
            seen.add(line["id"])
    assert finished["objectCount"] == str(len(lines))
    assert finished["rootObjectCount"] == str(len(orders))


def test_five_bulk_queries_run_at_once_and_a_sixth_is_refused(shop):
    shop.control("PUT", "faults", {"bulk_delay_ms": 1000})
    started = [run(shop, "{ customers { edges { node { id email } } } }") for _ in range(5)]

    sixth = run(shop, "{ products { edges { node { id } } } }")

    assert all(result["bulkOperation"]["status"] == "CREATED" for result in started)
    assert sixth["bulkOperation"] is None
    assert sixth["userErrors"][0]["code"] == "LIMIT_REACHED"
    for result in started:
        assert wait(shop, result["bulkOperation"]["id"])["status"] == "COMPLETED"
    again = run(shop, "{ products { edges { node { id } } } }")
    assert wait(shop, again["bulkOperation"]["id"])["status"] == "COMPLETED"


def test_an_invalid_bulk_query_is_refused(shop):
    result = run(shop, "{ customers { edges { node { colour } } } }")

    assert result["bulkOperation"] is None
    assert result["userErrors"][0]["message"].startswith("Invalid bulk query:")


def test_a_nested_connection_needs_its_parent_id(shop):
    result = run(shop, "{ orders { edges { node { name lineItems { edges { node { id } } } } } } }")

    assert "must select the 'id' field" in result["userErrors"][0]["message"]


def test_cancelling_a_running_operation(shop):
    shop.control("POST", "seed", {"customers": 5000, "seed": 1})
    started = run(
        shop,
        "{ customers { edges { node { id email addressesV2 { edges { node { id city } } } } } } }",
    )

    cancelled = shop.graphql(
        """mutation($id: ID!) { bulkOperationCancel(id: $id) {
             bulkOperation { status } userErrors { message } } }""",
        {"id": started["bulkOperation"]["id"]},
    )["data"]["bulkOperationCancel"]

    assert cancelled["userErrors"] == []
    assert cancelled["bulkOperation"]["status"] == "CANCELING"
    assert wait(shop, started["bulkOperation"]["id"])["status"] == "CANCELED"


def test_a_finished_operation_sends_bulk_operations_finish(shop, receiver):
    subscribe(shop, "BULK_OPERATIONS_FINISH", receiver.url)
    shop.control("POST", "seed", {"customers": 5, "seed": 1})

    operation_id = run(shop, "{ customers { edges { node { id } } } }")["bulkOperation"]["id"]
    wait(shop, operation_id)
    delivery = receiver.wait_for(1)[0]

    assert delivery["headers"]["X-Shopify-Topic"] == "bulk_operations/finish"
    body = body_of(delivery)
    assert body["admin_graphql_api_id"] == operation_id
    assert body["status"] == "completed"


def test_a_bulk_query_without_the_scope_fails_with_access_denied(shop, emulator):
    token = emulator.token(shop.domain, "test-app", ["read_products"])
    started = shop.graphql(
        RUN, {"query": "{ customers { edges { node { id } } } }", "group": False}, token=token
    )["data"]["bulkOperationRunQuery"]

    finished = shop.graphql(POLL, {"id": started["bulkOperation"]["id"]}, token=token)
    deadline = time.monotonic() + 10
    while finished["data"]["bulkOperation"]["status"] in {"CREATED", "RUNNING"}:
        assert time.monotonic() < deadline
        time.sleep(0.1)
        finished = shop.graphql(POLL, {"id": started["bulkOperation"]["id"]}, token=token)

    operation = finished["data"]["bulkOperation"]
    assert (operation["status"], operation["errorCode"], operation["url"]) == (
        "FAILED",
        "ACCESS_DENIED",
        None,
    )


def test_fragments_in_a_bulk_query_are_followed(shop):
    shop.control(
        "POST",
        "products",
        {
            "title": "Mug",
            "variants": [{"price": "5", "sku": "MUG-S"}, {"price": "6", "sku": "MUG-L"}],
        },
    )
    query = """{ products { edges { node { id ...Names
        variants { edges { node { ... on ProductVariant { id sku } } } } } } } }
      fragment Names on Product { title handle }"""

    finished = wait(shop, run(shop, query)["bulkOperation"]["id"])
    lines = lines_of(finished["url"])

    [product] = [line for line in lines if "__parentId" not in line]
    assert (product["title"], product["handle"]) == ("Mug", "mug")
    variants = sorted((line["sku"], line["__parentId"]) for line in lines if "__parentId" in line)
    assert variants == [("MUG-L", product["id"]), ("MUG-S", product["id"])]


def test_operations_and_their_files_survive_a_restart(tmp_path):
    from shopify_emulator.client import EmulatorProcess

    state = tmp_path / "state.json"
    first = EmulatorProcess(None, "--state", str(state))
    try:
        first.client.add_app("app", "secret", distribution="custom")
        first.client.add_shop("keep.myshopify.com")
        token = first.client.token("keep.myshopify.com", "app", ["read_customers"])
        first.client.call("POST", "shops/keep.myshopify.com/customers", {"email": "k@x.se"})
        started = first.client.graphql(
            "keep.myshopify.com",
            token,
            RUN,
            {"query": "{ customers { edges { node { id } } } }", "group": False},
        )["data"]["bulkOperationRunQuery"]["bulkOperation"]
        operation = {"status": "CREATED"}
        while operation["status"] in {"CREATED", "RUNNING"}:
            operation = first.client.graphql(
                "keep.myshopify.com", token, POLL, {"id": started["id"]}
            )["data"]["bulkOperation"]
    finally:
        first.stop()

    second = EmulatorProcess(None, "--state", str(state))
    try:
        again = second.client.graphql("keep.myshopify.com", token, POLL, {"id": started["id"]})
        url = again["data"]["bulkOperation"]["url"].replace(first.url, second.url)
        lines = [json.loads(line) for line in requests.get(url, timeout=10).text.splitlines()]
    finally:
        second.stop()

    assert again["data"]["bulkOperation"]["status"] == "COMPLETED"
    assert len(lines) == 1
