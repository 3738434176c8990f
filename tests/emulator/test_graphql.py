"""The GraphQL Admin API over HTTP: the real schema's strictness, pagination, search filters,
access scopes, mutations and their userErrors."""

import gzip
import json
import time

import pytest
from graphql import build_client_schema, get_introspection_query, print_schema

from shopify_emulator.schema import SCHEMA_FILE

CUSTOMERS_PAGE = """
query($first: Int!, $after: String, $query: String, $sortKey: CustomerSortKeys, $reverse: Boolean) {
  customers(first: $first, after: $after, query: $query, sortKey: $sortKey, reverse: $reverse) {
    edges { cursor node { id legacyResourceId email updatedAt } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}"""


def all_pages(shop, **variables):
    nodes, after, pages = [], None, 0
    while True:
        result = shop.graphql(CUSTOMERS_PAGE, {"first": 250, "after": after, **variables})
        assert "errors" not in result, result
        connection = result["data"]["customers"]
        nodes += [edge["node"] for edge in connection["edges"]]
        pages += 1
        if not connection["pageInfo"]["hasNextPage"]:
            return nodes, pages
        after = connection["pageInfo"]["endCursor"]


def test_the_served_schema_is_shopifys_schema(shop):
    served = shop.graphql(
        get_introspection_query(
            descriptions=True,
            specified_by_url=True,
            directive_is_repeatable=True,
            input_value_deprecation=True,
            one_of=True,
        )
    )

    with gzip.open(SCHEMA_FILE) as file:
        published = json.load(file)
    published = published.get("data", published)
    assert print_schema(build_client_schema(served["data"])) == print_schema(
        build_client_schema(published)
    )
    assert {t["name"] for t in served["data"]["__schema"]["types"]} == {
        t["name"] for t in published["__schema"]["types"]
    }


def test_pagination_over_a_thousand_customers_returns_each_exactly_once(shop):
    shop.control("POST", "seed", {"customers": 1000, "seed": 7})
    expected = {c["id"] for c in shop.control("GET", "customers")["customers"]}

    nodes, pages = all_pages(shop)

    ids = [node["id"] for node in nodes]
    assert len(ids) == 1000 == len(set(ids))
    assert set(ids) == expected
    assert pages == 4
    assert ids == sorted(ids, key=lambda gid: int(gid.rsplit("/", 1)[1]))


def test_pagination_by_updated_at_in_reverse_is_complete_and_ordered(shop):
    shop.control("POST", "seed", {"customers": 600, "seed": 3})

    nodes, _ = all_pages(shop, sortKey="UPDATED_AT", reverse=True)

    assert len({node["id"] for node in nodes}) == 600
    keys = [(node["updatedAt"], int(node["legacyResourceId"])) for node in nodes]
    assert keys == sorted(keys, reverse=True)


def test_ids_are_exact_64_bit_integers(shop):
    created = shop.control("POST", "customers", {"email": "big@example.com"})

    number = int(created["legacyResourceId"])

    assert number > 2**53
    assert created["id"] == f"gid://shopify/Customer/{number}"


def test_updated_at_filters_select_exactly_the_changed_records(shop):
    first = shop.control("POST", "customers", {"email": "a@example.com"})
    second = shop.control("POST", "customers", {"email": "b@example.com"})
    time.sleep(1.1)  # Shopify's timestamps have one-second precision
    changed = shop.control("PATCH", f"customers/{second['legacyResourceId']}", {"note": "vip"})
    third = shop.control("POST", "customers", {"email": "c@example.com"})
    since = changed["updatedAt"]

    newer, _ = all_pages(shop, query=f"updated_at:>='{since}'")
    strictly_newer, _ = all_pages(shop, query=f"updated_at:>'{first['updatedAt']}'")
    older, _ = all_pages(shop, query=f"updated_at:<'{since}'")

    assert {n["email"] for n in newer} == {"b@example.com", "c@example.com"}
    assert {n["email"] for n in strictly_newer} == {"b@example.com", "c@example.com"}
    assert {n["email"] for n in older} == {"a@example.com"}
    assert third["updatedAt"] >= since


def test_email_and_id_filters(shop):
    ann = shop.control("POST", "customers", {"email": "Ann@Example.com"})
    bob = shop.control("POST", "customers", {"email": "bob@example.com"})

    by_email, _ = all_pages(shop, query="email:ann@example.com")
    after_ann, _ = all_pages(shop, query=f"id:>{ann['legacyResourceId']}")

    assert [n["id"] for n in by_email] == [ann["id"]]
    assert [n["id"] for n in after_ann] == [bob["id"]]


def test_an_unknown_search_field_is_ignored_with_a_warning(shop):
    shop.control("POST", "customers", {"email": "a@example.com"})

    result = shop.graphql(CUSTOMERS_PAGE, {"first": 10, "query": "colour:blue"})

    assert len(result["data"]["customers"]["edges"]) == 1
    warnings = result["extensions"]["search"][0]["warnings"]
    assert warnings == [{"message": "Invalid search field for this query: colour"}]


def test_first_is_required_and_at_most_250(shop):
    missing = shop.graphql("{ customers { edges { node { id } } } }")
    too_many = shop.graphql("{ customers(first: 251) { edges { node { id } } } }")

    assert missing["errors"][0]["message"] == "you must provide one of first or last"
    assert "less than or equal to 250" in too_many["errors"][0]["message"]


@pytest.mark.parametrize(
    ("query", "message", "code"),
    [
        (
            "{ shop { colour } }",
            "Field 'colour' doesn't exist on type 'Shop'",
            "undefinedField",
        ),
        (
            "{ customer { id } }",
            "Field 'customer' is missing required arguments: id",
            "missingRequiredArguments",
        ),
        (
            "{ shop(colour: 1) { name } }",
            "Field 'shop' doesn't accept argument 'colour'",
            "argumentNotAccepted",
        ),
        (
            "{ shop }",
            "Field must have selections (field 'shop' returns Shop! but has no selections. "
            "Did you mean 'shop { ... }'?)",
            "selectionMismatch",
        ),
    ],
)
def test_invalid_queries_are_refused_with_shopifys_messages(shop, query, message, code):
    result = shop.graphql(query)

    assert "data" not in result
    assert result["errors"][0]["message"] == message
    assert result["errors"][0]["extensions"]["code"] == code


def test_a_syntax_error_is_a_parse_error(shop):
    result = shop.graphql("{ shop { name }")

    assert result["errors"][0]["message"] == "Unexpected end of document"


def test_a_field_without_data_is_null_or_empty_never_made_up(shop):
    created = shop.control("POST", "customers", {"firstName": "Nomail"})

    result = shop.graphql(
        """query($id: ID!) { customer(id: $id) {
             email defaultEmailAddress { emailAddress } multipassIdentifier
             taxExemptions tags lastOrder { id }
        } }""",
        {"id": created["id"]},
    )

    assert result["data"]["customer"] == {
        "email": None,
        "defaultEmailAddress": None,
        "multipassIdentifier": None,
        "taxExemptions": [],
        "tags": [],
        "lastOrder": None,
    }


def test_a_missing_scope_is_access_denied(shop, emulator):
    token = emulator.token(shop.domain, "test-app", ["read_products"])

    result = shop.graphql("{ customers(first: 1) { edges { node { id } } } }", token=token)

    error = result["errors"][0]
    assert error["message"] == (
        "Access denied for customers field. Required access: `read_customers` access scope."
    )
    assert error["extensions"]["code"] == "ACCESS_DENIED"
    assert result["data"] is None


def test_orders_older_than_60_days_need_read_all_orders(shop, emulator):
    shop.control("POST", "seed", {"customers": 20, "products": 5, "orders": 60, "seed": 1})
    recent_only = emulator.token(shop.domain, "test-app", ["read_orders"])
    query = "{ ordersCount(limit: null) { count } }"

    everything = shop.graphql(query)["data"]["ordersCount"]["count"]
    recent = shop.graphql(query, token=recent_only)["data"]["ordersCount"]["count"]

    assert everything == len(shop.control("GET", "orders")["orders"])
    assert 0 < recent < everything


def test_counts_are_capped_by_limit(shop):
    shop.control("POST", "seed", {"customers": 30, "seed": 2})

    capped = shop.graphql("{ customersCount(limit: 10) { count precision } }")
    exact = shop.graphql("{ customersCount { count precision } }")

    assert capped["data"]["customersCount"] == {"count": 10, "precision": "AT_LEAST"}
    assert exact["data"]["customersCount"] == {"count": 30, "precision": "EXACT"}


CUSTOMER_CREATE = """mutation($input: CustomerInput!) {
  customerCreate(input: $input) {
    customer { id email firstName tags emailMarketingConsent { marketingState } }
    userErrors { field message }
  }
}"""


def test_customer_create_and_update(shop):
    created = shop.graphql(
        CUSTOMER_CREATE,
        {"input": {"email": "new@example.com", "firstName": "New", "tags": ["b", "a"]}},
    )["data"]["customerCreate"]

    assert created["userErrors"] == []
    customer = created["customer"]
    assert (customer["email"], customer["firstName"], customer["tags"]) == (
        "new@example.com",
        "New",
        ["a", "b"],
    )

    updated = shop.graphql(
        """mutation($input: CustomerInput!) { customerUpdate(input: $input) {
             customer { firstName email } userErrors { field message } } }""",
        {"input": {"id": customer["id"], "firstName": "Renamed"}},
    )["data"]["customerUpdate"]

    assert updated == {
        "customer": {"firstName": "Renamed", "email": "new@example.com"},
        "userErrors": [],
    }


@pytest.mark.parametrize(
    ("input_", "field", "message"),
    [
        ({"email": "not-an-email"}, ["email"], "Email is invalid"),
        ({"email": "TAKEN@example.com"}, ["email"], "Email has already been taken"),
        ({"note": "only a note"}, None, "A name, phone number, or email address must be present"),
    ],
)
def test_customer_create_user_errors_change_nothing(shop, input_, field, message):
    shop.control("POST", "customers", {"email": "taken@example.com"})

    result = shop.graphql(CUSTOMER_CREATE, {"input": input_})["data"]["customerCreate"]

    assert result == {"customer": None, "userErrors": [{"field": field, "message": message}]}
    assert len(shop.control("GET", "customers")["customers"]) == 1


def test_products_with_variants_through_mutations(shop):
    created = shop.graphql(
        """mutation { productCreate(product: {title: "Mug", vendor: "Acme",
             productOptions: [{name: "Size", values: [{name: "S"}, {name: "L"}]}]}) {
           product { id title handle variants(first: 5) { nodes { id title price } } }
           userErrors { field message } } }"""
    )["data"]["productCreate"]
    product = created["product"]
    assert created["userErrors"] == []
    assert (product["title"], product["handle"]) == ("Mug", "mug")

    added = shop.graphql(
        """mutation($id: ID!) { productVariantsBulkCreate(productId: $id, variants: [
             {price: "12.50", inventoryItem: {sku: "MUG-L"},
              optionValues: [{optionName: "Size", name: "L"}]}]) {
           productVariants { id title sku price } userErrors { field message } } }""",
        {"id": product["id"]},
    )["data"]["productVariantsBulkCreate"]

    assert added["userErrors"] == []
    assert [(v["title"], v["sku"], v["price"]) for v in added["productVariants"]] == [
        ("L", "MUG-L", "12.50")
    ]

    variant_id = added["productVariants"][0]["id"]
    updated = shop.graphql(
        """mutation($id: ID!, $variant: ID!) { productVariantsBulkUpdate(productId: $id,
             variants: [{id: $variant, price: "15.00"}]) {
           product { variants(first: 10) { nodes { id price } } } userErrors { message } } }""",
        {"id": product["id"], "variant": variant_id},
    )["data"]["productVariantsBulkUpdate"]

    prices = {v["id"]: v["price"] for v in updated["product"]["variants"]["nodes"]}
    assert prices[variant_id] == "15.00"


def test_node_and_nodes_resolve_any_record(shop):
    customer = shop.control("POST", "customers", {"email": "n@example.com"})
    product = shop.control(
        "POST", "products", {"title": "Lamp", "variants": [{"price": "9.00", "sku": "L-1"}]}
    )
    variant_id = product["variants"][0]["id"]

    result = shop.graphql(
        """query($ids: [ID!]!) { nodes(ids: $ids) {
             __typename ... on Customer { email } ... on ProductVariant { sku product { title } }
        } }""",
        {"ids": [customer["id"], variant_id, "gid://shopify/Customer/1"]},
    )

    assert result["data"]["nodes"] == [
        {"__typename": "Customer", "email": "n@example.com"},
        {"__typename": "ProductVariant", "sku": "L-1", "product": {"title": "Lamp"}},
        None,
    ]


def test_orders_carry_lines_customer_money_and_statuses(shop):
    customer = shop.control("POST", "customers", {"email": "buyer@example.com"})
    product = shop.control(
        "POST", "products", {"title": "Cup", "variants": [{"price": "10.00", "sku": "CUP"}]}
    )
    order = shop.control(
        "POST",
        "orders",
        {
            "customerId": customer["id"],
            "lineItems": [{"variantId": product["variants"][0]["id"], "quantity": 3}],
            "shipping": "5.00",
            "presentmentCurrencyCode": "EUR",
        },
    )
    shop.control("POST", f"orders/{order['legacyResourceId']}/fulfill")
    shop.control("POST", f"orders/{order['legacyResourceId']}/refund", {"amount": "10.00"})

    result = shop.graphql(
        """query($id: ID!) { order(id: $id) {
             name email displayFinancialStatus displayFulfillmentStatus
             customer { email numberOfOrders }
             totalPriceSet { shopMoney { amount currencyCode } presentmentMoney { currencyCode } }
             totalRefundedSet { shopMoney { amount } }
             lineItems(first: 10) { nodes { quantity sku variant { id } product { title }
               originalUnitPriceSet { shopMoney { amount } } } }
             fulfillments { displayStatus totalQuantity }
             refunds { totalRefundedSet { shopMoney { amount } } }
        } }""",
        {"id": order["id"]},
    )["data"]["order"]

    assert result["name"] == "#1001"
    assert result["email"] == "buyer@example.com"
    assert result["displayFinancialStatus"] == "PARTIALLY_REFUNDED"
    assert result["displayFulfillmentStatus"] == "FULFILLED"
    assert result["customer"] == {"email": "buyer@example.com", "numberOfOrders": "1"}
    # 3 × 10.00 + 5.00 shipping, 25 % tax on both = 43.75
    assert result["totalPriceSet"]["shopMoney"] == {"amount": "43.75", "currencyCode": "USD"}
    assert result["totalPriceSet"]["presentmentMoney"]["currencyCode"] == "EUR"
    assert result["totalRefundedSet"]["shopMoney"]["amount"] == "10.00"
    assert result["lineItems"]["nodes"] == [
        {
            "quantity": 3,
            "sku": "CUP",
            "variant": {"id": product["variants"][0]["id"]},
            "product": {"title": "Cup"},
            "originalUnitPriceSet": {"shopMoney": {"amount": "10.00"}},
        }
    ]
    assert result["fulfillments"] == [{"displayStatus": "FULFILLED", "totalQuantity": 3}]
    assert result["refunds"] == [{"totalRefundedSet": {"shopMoney": {"amount": "10.00"}}}]


def test_backward_pagination_with_last_and_before_walks_the_same_list(shop):
    shop.control("POST", "seed", {"customers": 300, "seed": 4})
    forward, _ = all_pages(shop)
    query = """query($before: String) { customers(last: 120, before: $before) {
        edges { node { id } } pageInfo { hasPreviousPage hasNextPage startCursor } } }"""

    backward, before, pages = [], None, []
    while True:
        page = shop.graphql(query, {"before": before})["data"]["customers"]
        backward = [edge["node"]["id"] for edge in page["edges"]] + backward
        pages.append(page["pageInfo"])
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]

    assert backward == [node["id"] for node in forward]
    assert [p["hasNextPage"] for p in pages] == [False, True, True]


def test_customer_orders_need_read_orders(shop, emulator):
    shop.control("POST", "seed", {"customers": 5, "products": 3, "orders": 20, "seed": 2})
    customers_only = emulator.token(shop.domain, "test-app", ["read_customers"])

    result = shop.graphql(
        "{ customers(first: 5) { nodes { email orders(first: 5) { nodes { id } } } } }",
        token=customers_only,
    )

    assert result["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"
    assert result["errors"][0]["path"][-1] == "orders"


def test_variables_may_come_json_encoded_but_must_be_an_object(shop):
    query = "query($first: Int!) { customers(first: $first) { nodes { id } } }"

    encoded = shop.client.session.post(
        shop.client.graphql_url(shop.domain),
        json={"query": query, "variables": '{"first": 1}'},
        headers={"X-Shopify-Access-Token": shop.token},
    )
    wrong = shop.client.session.post(
        shop.client.graphql_url(shop.domain),
        json={"query": query, "variables": [1]},
        headers={"X-Shopify-Access-Token": shop.token},
    )

    assert encoded.status_code == 200 and "errors" not in encoded.json()
    assert wrong.status_code == 400
    assert wrong.json() == {"errors": {"variables": "Variables must be a JSON object"}}


def test_variant_updates_and_a_repeated_option_combination(shop):
    product = shop.control(
        "POST",
        "products",
        {
            "title": "Tee",
            "variants": [{"price": "10", "selectedOptions": [{"name": "Size", "value": "S"}]}],
        },
    )
    variant_id = product["variants"][0]["id"]

    updated = shop.graphql(
        """mutation($id: ID!, $variant: ID!) { productVariantsBulkUpdate(productId: $id,
             variants: [{id: $variant, compareAtPrice: "14.00", price: "12.00"}]) {
           productVariants { price compareAtPrice } userErrors { message } } }""",
        {"id": product["id"], "variant": variant_id},
    )["data"]["productVariantsBulkUpdate"]
    repeated = shop.graphql(
        """mutation($id: ID!) { productVariantsBulkCreate(productId: $id, variants: [
             {price: "9", optionValues: [{optionName: "Size", name: "S"}]}]) {
           productVariants { id } userErrors { code message } } }""",
        {"id": product["id"]},
    )["data"]["productVariantsBulkCreate"]

    assert updated == {
        "productVariants": [{"price": "12.00", "compareAtPrice": "14.00"}],
        "userErrors": [],
    }
    assert repeated == {
        "productVariants": None,
        "userErrors": [
            {"code": "VARIANT_ALREADY_EXISTS", "message": "The variant 'S' already exists."}
        ],
    }
    assert len(shop.control("GET", f"products/{product['legacyResourceId']}")["variants"]) == 1
