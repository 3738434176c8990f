"""Deletion records and counts. A deleted product leaves a `destroy` event that apps list with
`events(query: "action:destroy AND subject_type:PRODUCT …")` (and the deprecated
`deletionEvents`). Counts stop at `limit` (10000 unless given, `null` for none) and say
AT_LEAST there, take `query:`, and follow the rules of the lists they count."""

import datetime

import pytest

from tests.emulator.conftest import SHOP, ShopAccess

DESTROYED = """query($query: String, $after: String) {
  events(first: 1, after: $after, query: $query) {
    nodes { id action createdAt message
      ... on BasicEvent { subjectId subjectType subject { __typename } appTitle attributeToApp
        attributeToUser } }
    pageInfo { hasNextPage endCursor }
  }
}"""
DELETE = """mutation($id: ID!) { productDelete(input: {id: $id}) {
  deletedProductId userErrors { message } } }"""


def destroyed_products(shop, query, token=None) -> list[dict]:
    """Every page of `events(query:)`, one node a page."""
    nodes, after = [], None
    while True:
        page = shop.graphql(DESTROYED, {"query": query, "after": after}, token=token)
        page = page["data"]["events"]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


@pytest.fixture
def deleted(shop):
    """Two products deleted, one by the app and one by the merchant; one kept."""
    lamp = shop.control("POST", "products", {"title": "Lamp"})
    chair = shop.control("POST", "products", {"title": "Chair"})
    shop.control("POST", "products", {"title": "Kept"})
    assert shop.graphql(DELETE, {"id": lamp["id"]})["data"]["productDelete"]["userErrors"] == []
    shop.control("DELETE", f"products/{chair['legacyResourceId']}")
    return lamp, chair


def test_deleted_products_are_listed_with_their_ids_and_times(shop, deleted):
    lamp, chair = deleted
    started = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=1)
    since = started.strftime("%Y-%m-%dT%H:%M:%SZ")

    events = destroyed_products(
        shop, f"action:'destroy' AND subject_type:'PRODUCT' AND created_at:>='{since}'"
    )

    assert [(e["subjectId"], e["subjectType"], e["action"]) for e in events] == [
        (lamp["id"], "PRODUCT", "destroy"),
        (chair["id"], "PRODUCT", "destroy"),
    ]
    assert all(e["subject"] is None for e in events)  # the product no longer exists
    assert all(e["createdAt"] >= since for e in events)
    assert [(e["appTitle"], e["attributeToApp"], e["attributeToUser"]) for e in events] == [
        ("test-app", True, False),
        (None, False, True),
    ]
    assert [e["message"] for e in events] == ["Lamp was deleted.", "Chair was deleted."]


def test_the_search_narrows_events(shop, deleted):
    _, chair = deleted
    first = destroyed_products(shop, "action:destroy")[0]

    assert destroyed_products(shop, "created_at:>'2099-01-01'") == []
    assert destroyed_products(shop, "action:create") == []
    assert destroyed_products(shop, "subject_type:ORDER") == []
    later = destroyed_products(shop, f"id:>{first['id'].rsplit('/', 1)[1]}")
    assert [e["subjectId"] for e in later] == [chair["id"]]
    count = shop.graphql('{ eventsCount(query: "action:destroy") { count precision } }')
    assert count["data"]["eventsCount"] == {"count": 2, "precision": "EXACT"}


def test_an_event_by_id_and_newest_first(shop, deleted):
    _, chair = deleted
    newest = shop.graphql(
        "{ events(first: 1, reverse: true) { nodes { id ... on BasicEvent { subjectId } } } }"
    )["data"]["events"]["nodes"][0]

    found = shop.graphql(
        "query($id: ID!) { event(id: $id) { id ... on BasicEvent { subjectId } } }",
        {"id": newest["id"]},
    )["data"]["event"]

    assert newest["subjectId"] == chair["id"]
    assert found == newest


def test_the_deprecated_deletion_events(shop, deleted):
    lamp, chair = deleted

    result = shop.graphql(
        """{ deletionEvents(first: 10, subjectTypes: [PRODUCT],
               query: "occurred_at:>'2020-01-01'") {
             nodes { subjectId subjectType occurredAt } } }"""
    )["data"]["deletionEvents"]["nodes"]

    assert [(e["subjectId"], e["subjectType"]) for e in result] == [
        (lamp["id"], "PRODUCT"),
        (chair["id"], "PRODUCT"),
    ]
    assert all(e["occurredAt"].endswith("Z") for e in result)


def test_product_events_need_read_products(shop, emulator, deleted):
    customers_only = emulator.token(shop.domain, "test-app", ["read_customers"])

    assert destroyed_products(shop, "action:destroy", token=customers_only) == []
    count = shop.graphql("{ eventsCount { count } }", token=customers_only)
    assert count["data"]["eventsCount"] == {"count": 0}


# Counts ---------------------------------------------------------------------------------------


def test_counts_stop_at_10000_unless_told_otherwise(shop):
    shop.control("POST", "seed", {"customers": 10001, "seed": 3})

    default = shop.graphql("{ customersCount { count precision } }")["data"]["customersCount"]
    unlimited = shop.graphql("{ customersCount(limit: null) { count precision } }")
    capped = shop.graphql("{ customersCount(limit: 25) { count precision } }")

    assert default == {"count": 10000, "precision": "AT_LEAST"}
    assert unlimited["data"]["customersCount"] == {"count": 10001, "precision": "EXACT"}
    assert capped["data"]["customersCount"] == {"count": 25, "precision": "AT_LEAST"}


def test_counts_take_the_search_syntax(shop):
    shop.control("POST", "seed", {"customers": 40, "products": 15, "orders": 120, "seed": 8})
    orders = shop.control("GET", "orders")["orders"]
    products = shop.control("GET", "products")["products"]
    paid = sum(order["displayFinancialStatus"] == "PAID" for order in orders)
    active = sum(product["status"] == "ACTIVE" for product in products)

    result = shop.graphql(
        """{ paid: ordersCount(query: "financial_status:paid", limit: null) { count }
             active: productsCount(query: "status:active") { count }
             none: customersCount(query: "created_at:>'2099-01-01'") { count precision } }"""
    )["data"]

    assert 0 < paid < len(orders)
    assert result == {
        "paid": {"count": paid},
        "active": {"count": active},
        "none": {"count": 0, "precision": "EXACT"},
    }


def test_orders_count_without_read_all_orders_counts_the_last_60_days(shop, emulator):
    shop.control("POST", "seed", {"customers": 20, "products": 5, "orders": 90, "seed": 6})
    recent_only = emulator.token(shop.domain, "test-app", ["read_orders"])
    since = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=60)
    within = [
        order
        for order in shop.control("GET", "orders")["orders"]
        if order["processedAt"] >= since.strftime("%Y-%m-%dT%H:%M:%SZ")
    ]

    counted = shop.graphql("{ ordersCount(limit: null) { count } }", token=recent_only)

    assert 0 < len(within) < 90
    assert counted["data"]["ordersCount"] == {"count": len(within)}


@pytest.mark.parametrize(
    ("field", "type_name"),
    [
        ("customersCount", "Customer"),
        ("ordersCount", "Order"),
        ("abandonedCheckoutsCount", "AbandonedCheckout"),
    ],
)
def test_counts_of_customer_data_are_refused_without_protected_data(emulator, field, type_name):
    emulator.add_shop(SHOP, plan="plus")
    emulator.add_app("public-app", "secret")
    emulator.add_app("level-one", "secret", protected_data={"level": 1, "fields": []})
    scopes = ["read_customers", "read_orders", "read_checkouts", "read_products"]
    public = ShopAccess(emulator, SHOP, emulator.token(SHOP, "public-app", scopes))
    approved = ShopAccess(emulator, SHOP, emulator.token(SHOP, "level-one", scopes))
    query = f"{{ {field} {{ count }} productsCount {{ count }} }}"

    refused = public.graphql(query)
    allowed = approved.graphql(query)

    assert refused["data"] == {field: None, "productsCount": {"count": 0}}
    [error] = refused["errors"]
    assert (error["path"], error["extensions"]["code"]) == ([field], "ACCESS_DENIED")
    assert error["message"].startswith(f"This app is not approved to access the {type_name} object")
    assert allowed == {**allowed, "data": {field: {"count": 0}, "productsCount": {"count": 0}}}
    assert "errors" not in allowed


def test_companies_count_needs_plus(shop):
    shop.client.update_shop(SHOP, plan="basic")

    result = shop.graphql("{ companiesCount { count } }")

    assert result["data"] == {"companiesCount": None}
    assert result["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"


def test_deletion_events_survive_a_restart(tmp_path):
    from shopify_emulator import actions
    from shopify_emulator.state import Emulator

    first = Emulator(state_file=str(tmp_path / "state.json"))
    shop, _ = first.add_shop("keep.myshopify.com")
    product = actions.create_product(first, shop, {"title": "Gone"})
    actions.delete_product(first, shop, int(product["legacyResourceId"]), "an-app")
    first.save()

    again = Emulator(state_file=str(tmp_path / "state.json")).shops["keep.myshopify.com"]

    assert [(e["action"], e["subjectId"], e["appTitle"]) for e in again.events] == [
        ("destroy", product["id"], "an-app")
    ]
