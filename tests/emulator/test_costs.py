"""Real query costs: fields can cost more than the default model (the `field_costs` knob), in
the requested and the actual cost; above 1000 requested points a query is refused with
Shopify's MAX_COST_EXCEEDED body, before it runs and without charging the bucket."""

import pytest

from shopify_emulator.client import ControlError

ORDERS = "{ orders(first: 5) { nodes { id lineItems(first: 10) { nodes { sku } } } } }"
MAX_COST_MESSAGE = (
    "Query cost is {cost}, which exceeds the single query max cost limit (1000).\n\n"
    "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n"
    "cost of a query is calculated.\n\n"
    "To query larger amounts of data with fewer limits, bulk operations should be used "
    "instead.\nSee https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for "
    "usage details.\n"
)


def one_order_with_two_lines(shop):
    product = shop.control(
        "POST",
        "products",
        {"title": "Cup", "variants": [{"price": "4", "sku": "CUP"}, {"price": "5", "sku": "MUG"}]},
    )
    variants = [variant["id"] for variant in product["variants"]]
    shop.control("POST", "orders", {"lineItems": [{"variantId": v} for v in variants]})


def test_field_costs_raise_the_requested_and_actual_cost(shop):
    one_order_with_two_lines(shop)
    plain = shop.graphql(ORDERS)["extensions"]["cost"]
    shop.control("PUT", "faults", {"field_costs": {"Order.lineItems": 40, "LineItem": 5}})

    dear = shop.graphql(ORDERS)["extensions"]["cost"]

    # Default model: 2 + 5 × (1 + 2 + 10 × 1) requested; 2 + (1 + 2 + 2 × 1) came back.
    assert (plain["requestedQueryCost"], plain["actualQueryCost"]) == (67, 7)
    # Each order's lineItems costs 40 more, each line item 5 more.
    assert dear["requestedQueryCost"] == 2 + 5 * (1 + 40 + 2 + 10 * (1 + 5))
    assert dear["actualQueryCost"] == 2 + (1 + 40 + 2 + 2 * (1 + 5))


def test_a_type_cost_counts_every_object_of_the_type(shop):
    shop.control("PUT", "faults", {"field_costs": {"Shop": 7}})

    cost = shop.graphql("{ shop { name } }")["extensions"]["cost"]

    assert (cost["requestedQueryCost"], cost["actualQueryCost"]) == (8, 8)


def test_dearer_fields_can_push_a_query_over_the_limit(shop):
    one_order_with_two_lines(shop)
    shop.control("PUT", "faults", {"field_costs": {"LineItem": 20}})
    before = shop.graphql("{ shop { name } }")["extensions"]["cost"]["throttleStatus"]

    refused = shop.graphql(ORDERS)

    cost = 2 + 5 * (1 + 2 + 10 * (1 + 20))
    assert refused == {
        "errors": [
            {
                "message": MAX_COST_MESSAGE.format(cost=cost),
                "extensions": {
                    "code": "MAX_COST_EXCEEDED",
                    "cost": cost,
                    "maxCost": 1000,
                    "documentation": "https://shopify.dev/api/usage/limits#rate-limits",
                },
            }
        ]
    }
    # Refused before it ran: nothing was taken from the bucket.
    after = shop.graphql("{ shop { name } }")["extensions"]["cost"]["throttleStatus"]
    assert after["currentlyAvailable"] >= before["currentlyAvailable"] - 1


def test_the_limit_is_1000_requested_points(shop):
    shop.control("PUT", "faults", {"field_costs": {"Shop": 998}})  # shop: 1 + 998 = 999

    under = shop.graphql("{ shop { name } }")
    shop.control("PUT", "faults", {"field_costs": {"Shop": 999}})
    at = shop.graphql("{ shop { name } }")
    shop.control("PUT", "faults", {"field_costs": {"Shop": 1000}})
    over = shop.graphql("{ shop { name } }")

    assert under["data"] == at["data"] == {"shop": {"name": "Test Shop"}}
    assert at["extensions"]["cost"]["requestedQueryCost"] == 1000
    assert "data" not in over
    assert over["errors"][0]["extensions"]["cost"] == 1001


def test_field_costs_are_checked_against_the_schema(shop):
    for bad in ({"Order.colour": 4}, {"Nothing": 1}, {"Order": -1}, {"Order": "3"}, ["Order"]):
        with pytest.raises(ControlError) as refused:
            shop.control("PUT", "faults", {"field_costs": bad})
        assert refused.value.status == 400

    assert shop.control("GET", "faults")["field_costs"] == {}
    assert shop.control("PUT", "faults", {"field_costs": None})["field_costs"] == {}


def test_the_cost_debug_header_breaks_the_cost_down_by_field(shop):
    shop.control("PUT", "faults", {"field_costs": {"Order.lineItems": 40}})
    response = shop.client.session.post(
        shop.client.graphql_url(shop.domain),
        json={"query": "{ shop { name } " + ORDERS[1:]},
        headers={"X-Shopify-Access-Token": shop.token, "Shopify-GraphQL-Cost-Debug": "1"},
        timeout=10,
    ).json()

    cost = response["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 1 + 2 + 5 * (1 + 40 + 2 + 10)
    assert cost["fields"] == [
        {"path": ["shop"], "definedCost": 1, "requestedTotalCost": 1, "requestedChildrenCost": 0},
        {
            "path": ["orders"],
            "definedCost": 2,
            "requestedTotalCost": 2 + 5 * 53,
            "requestedChildrenCost": 5 * 53,
        },
        {
            "path": ["orders", "nodes", "lineItems"],
            "definedCost": 42,
            "requestedTotalCost": 52,
            "requestedChildrenCost": 10,
        },
    ]
    assert "fields" not in shop.graphql(ORDERS)["extensions"]["cost"]
