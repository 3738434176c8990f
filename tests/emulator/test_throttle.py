"""Calculated query cost and the leaky bucket, as Shopify reports them."""

import time

TEN_CUSTOMERS = "{ customers(first: 10) { nodes { id email } } }"


def test_every_response_reports_its_cost(shop):
    shop.control("POST", "seed", {"customers": 3, "seed": 1})

    cost = shop.graphql(TEN_CUSTOMERS)["extensions"]["cost"]

    # A connection costs 2 plus first × (1 per node); only 3 nodes came back.
    assert cost["requestedQueryCost"] == 12
    assert cost["actualQueryCost"] == 5
    # The test shop is on Shopify Plus (test_plans.py checks every plan's bucket).
    assert cost["throttleStatus"]["maximumAvailable"] == 20000.0
    assert cost["throttleStatus"]["restoreRate"] == 1000.0
    assert cost["throttleStatus"]["currentlyAvailable"] >= 19990


def test_nested_connections_multiply(shop):
    query = "{ orders(first: 5) { nodes { id lineItems(first: 10) { nodes { sku } } } } }"

    cost = shop.graphql(query)["extensions"]["cost"]

    assert cost["requestedQueryCost"] == 2 + 5 * (1 + 2 + 10 * 1)


def test_a_query_over_the_single_query_limit_is_refused(shop):
    query = "{ orders(first: 250) { nodes { lineItems(first: 250) { nodes { sku } } } } }"

    result = shop.graphql(query)

    assert "data" not in result
    assert result["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert result["errors"][0]["message"].startswith(
        "Query cost is 63252, which exceeds the single query max cost limit (1000)."
    )


def test_a_short_bucket_throttles_then_recovers_at_the_restore_rate(shop):
    shop.control("POST", "seed", {"customers": 20, "seed": 1})
    shop.control("PUT", "faults", {"bucket_size": 30, "restore_rate": 20})
    big = "{ customers(first: 20) { nodes { id } } }"  # requested and actual cost 22

    first = shop.graphql(big)
    second = shop.graphql(big)

    assert "errors" not in first
    assert first["extensions"]["cost"]["throttleStatus"]["maximumAvailable"] == 30.0
    assert second["errors"] == [
        {
            "message": "Throttled",
            "extensions": {
                "code": "THROTTLED",
                "documentation": "https://shopify.dev/api/usage/rate-limits",
            },
        }
    ]
    assert second["extensions"]["cost"]["actualQueryCost"] is None
    assert second["extensions"]["cost"]["requestedQueryCost"] == 22
    available = second["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"]
    assert available < 22

    time.sleep((22 - available) / 20 + 0.2)
    third = shop.graphql(big)

    assert "errors" not in third


def test_the_unused_part_of_the_requested_cost_is_refunded(shop):
    shop.control("PUT", "faults", {"bucket_size": 100, "restore_rate": 1})
    query = "{ customers(first: 50) { nodes { id } } }"  # requested 52, actual 2 on an empty shop

    costs = [shop.graphql(query)["extensions"]["cost"] for _ in range(3)]

    assert [cost["actualQueryCost"] for cost in costs] == [2, 2, 2]
    assert costs[-1]["throttleStatus"]["currentlyAvailable"] >= 93


def test_fragments_are_costed_on_their_own_type(shop):
    query = """query($id: ID!) { node(id: $id) {
        ... on Product { variants(first: 250) { nodes { id } } }
        ... on Customer { id }
    } }"""

    cost = shop.graphql(query, {"id": "gid://shopify/Product/1"})["extensions"]["cost"]

    # node 1 + the dearer branch: a connection of 250 variants (2 + 250).
    assert cost["requestedQueryCost"] == 253


def test_nodes_is_sized_by_the_ids_asked_for(shop):
    ids = [f"gid://shopify/Customer/{n}" for n in range(1, 8)]

    cost = shop.graphql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids})[
        "extensions"
    ]["cost"]

    assert cost["requestedQueryCost"] == 7
