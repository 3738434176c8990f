"""Shopify's search syntax (`query:`) on plain records: no emulator, no database."""

import pytest

from shopify_emulator import records
from shopify_emulator.search import Query

BASE = 9100000000000000  # record numbers as large as the emulator's


def customer(number, first, email, tags, created_at):
    return records.customer(
        BASE + number,
        {"firstName": first, "lastName": "Lee", "email": email, "tags": tags},
        created_at,
        None,
    )


def product(number, title, vendor, status, tags=(), sku=None):
    variant = records.product_variant(BASE + 100 + number, BASE + number, {"sku": sku}, 1, "")
    return records.product(
        BASE + number,
        {"title": title, "vendor": vendor, "status": status, "tags": list(tags)},
        [variant],
        "2026-01-01T00:00:00Z",
        [1, 2, 3],
    )


def order(number, customer_number, processed_at, email=None, cancelled=False):
    """An order as a plain dict, with only the keys the search fields read."""
    return {
        "id": records.gid("Order", BASE + 1000 + number),
        "name": f"#{1000 + number}",
        "email": email,
        "processedAt": processed_at,
        "createdAt": processed_at,
        "updatedAt": processed_at,
        "displayFinancialStatus": "PAID",
        "displayFulfillmentStatus": "UNFULFILLED",
        "cancelledAt": processed_at if cancelled else None,
        "closedAt": None,
        "tags": [],
        "_customerId": None if customer_number is None else BASE + customer_number,
    }


CUSTOMERS = {
    "ann": customer(1, "Ann", "ann@example.com", ["vip"], "2026-01-01T09:00:00Z"),
    "bob": customer(2, "Bob", "bob@example.com", ["vip", "wholesale"], "2025-12-31T23:59:59Z"),
    "cara": customer(3, "Cara", "cara@shop.test", [], "2026-01-02T00:00:00Z"),
}
PRODUCTS = {
    "blue mug": product(1, "Blue mug", "Acme", "DRAFT", ["sale"], "MUG-BLUE"),
    "red shirt": product(2, "Red shirt", "Acme", "ACTIVE", sku="SHIRT-RED"),
    "blue shirt": product(3, "Blue shirt", "Acme", "ARCHIVED", sku="SHIRT-BLUE"),
    "green shirt": product(4, "Green shirt", "Other", "ARCHIVED", ["sale"]),
}
ORDERS = {
    "#1001": order(1, 1, "2026-03-01T12:00:00Z"),
    "#1002": order(2, 2, "2026-03-02T12:00:00Z", cancelled=True),
    "#1003": order(3, None, "2026-03-03T12:00:00Z", email="guest@example.com"),
}
RECORDS = {"customers": CUSTOMERS, "products": PRODUCTS, "orders": ORDERS}


class Shop:
    """What the field getters use of a shop: looking up the customer of an order."""

    def get(self, resource, number):
        return next((r for r in RECORDS[resource].values() if r["id"].endswith(f"/{number}")), None)


def search(resource, text):
    query = Query(resource, text)
    names = {name for name, record in RECORDS[resource].items() if query.matches(Shop(), record)}
    return names, query.warnings


ALL_CUSTOMERS, ALL_PRODUCTS = set(CUSTOMERS), set(PRODUCTS)


@pytest.mark.parametrize(
    ("resource", "text", "expected"),
    [
        # Precedence: NOT binds tightest, then AND (explicit or implicit), then OR.
        (
            "products",
            "vendor:Acme AND (status:draft OR status:archived)",
            {"blue mug", "blue shirt"},
        ),
        (
            "products",
            "vendor:Acme AND status:draft OR status:archived",
            {"blue mug", "blue shirt", "green shirt"},
        ),
        ("products", "status:archived OR status:draft vendor:Other", {"blue shirt", "green shirt"}),
        ("products", "(status:archived OR status:draft) vendor:Other", {"green shirt"}),
        ("products", "NOT vendor:Acme OR status:draft", {"green shirt", "blue mug"}),
        ("products", "NOT (vendor:Acme OR status:draft)", {"green shirt"}),
        ("products", "-(shirt OR mug)", set()),
        ("products", "((vendor:Other))", {"green shirt"}),
        ("products", "(blue OR red) (shirt OR mug) -status:archived", {"blue mug", "red shirt"}),
        # Keywords are case-sensitive: a lowercase `or` is a word.
        ("products", "blue or red", set()),
        # Negation of terms and of free words.
        ("products", "-status:archived", {"blue mug", "red shirt"}),
        ("products", "NOT status:archived", {"blue mug", "red shirt"}),
        ("products", "-shirt", {"blue mug"}),
        ("products", "NOT shirt", {"blue mug"}),
        ("products", "NOT NOT shirt", {"red shirt", "blue shirt", "green shirt"}),
        ("products", "shirt -blue", {"red shirt", "green shirt"}),
        # Implicit and explicit AND.
        ("products", "blue shirt", {"blue shirt"}),
        ("products", "blue AND shirt", {"blue shirt"}),
        ("customers", "tag:vip email:bob@example.com", {"bob"}),
        # Quoted values are one value, in either quote.
        ("products", "title:'Blue mug'", {"blue mug"}),
        ("products", 'title:"blue SHIRT"', {"blue shirt"}),
        ("products", '"blue shirt"', {"blue shirt"}),
        ("products", "title:Blue", set()),  # a title term is the whole title
        # Prefix `*`, on a field and on a list field.
        ("products", "title:blue*", {"blue mug", "blue shirt"}),
        ("products", "sku:shirt-*", {"red shirt", "blue shirt"}),
        ("products", "sku:*", {"blue mug", "red shirt", "blue shirt"}),  # has a SKU
        ("customers", "email:ANN@EXAMPLE.COM", {"ann"}),
        # Text comparisons compare as (case-insensitive) text, not as equality.
        ("products", "title:>green", {"green shirt", "red shirt"}),
        ("products", "title:>=Green shirt", {"green shirt", "red shirt"}),
        ("products", "title:<'Blue shirt'", {"blue mug"}),
        ("products", "title:<='Blue shirt'", {"blue mug", "blue shirt"}),
        ("customers", "email:<c", {"ann", "bob"}),
        # Numbers compare as numbers (a longer number is larger, unlike text), GIDs included.
        ("customers", f"id:{BASE + 2}", {"bob"}),
        ("customers", f"id:>{BASE + 1}", {"bob", "cara"}),
        ("customers", f"id:>=gid://shopify/Customer/{BASE + 2}", {"bob", "cara"}),
        ("customers", f"id:<{BASE + 2}", {"ann"}),
        ("customers", f"id:<={BASE + 2}", {"ann", "bob"}),
        ("customers", "id:>9", ALL_CUSTOMERS),
        ("orders", f"customer_id:{BASE + 1}", {"#1001"}),
        ("orders", f"-customer_id:{BASE + 1}", {"#1002", "#1003"}),
        # Times: instants, or a bare date meaning that whole day.
        ("customers", "created_at:2026-01-01", {"ann"}),
        ("customers", "created_at:>2026-01-01", {"cara"}),
        ("customers", "created_at:>=2026-01-01", {"ann", "cara"}),
        ("customers", "created_at:<2026-01-01", {"bob"}),
        ("customers", "created_at:<=2026-01-01", {"ann", "bob"}),
        ("customers", "created_at:'2026-01-01T09:00:00Z'", {"ann"}),
        ("customers", "updated_at:>'2026-01-01T09:00:00Z'", {"cara"}),
        ("customers", "updated_at:>='2026-01-01T09:00:00Z'", {"ann", "cara"}),
        ("customers", "updated_at:<'2026-01-01T10:00:00+01:00'", {"bob"}),
        ("orders", "processed_at:>=2026-03-02 processed_at:<2026-03-03", {"#1002"}),
        # The tag list field matches any of the tags.
        ("customers", "tag:vip", {"ann", "bob"}),
        ("customers", "tag:wholesale OR -tag:vip", {"bob", "cara"}),
        ("products", "tag:sale -vendor:Acme", {"green shirt"}),
        # Computed fields: an order's status and its customer's email.
        ("orders", "status:open", {"#1001", "#1003"}),
        ("orders", "email:ann@example.com OR email:guest@example.com", {"#1001", "#1003"}),
        # An empty query matches everything.
        ("customers", "", ALL_CUSTOMERS),
        ("customers", None, ALL_CUSTOMERS),
        ("customers", "   ", ALL_CUSTOMERS),
    ],
)
def test_search_matches(resource, text, expected):
    assert search(resource, text) == (expected, [])


@pytest.mark.parametrize(
    ("resource", "text", "expected", "warnings"),
    [
        # Unknown fields are ignored, with a warning; the rest of the query still applies.
        (
            "customers",
            "colour:blue",
            ALL_CUSTOMERS,
            ["Invalid search field for this query: colour"],
        ),
        (
            "customers",
            "colour:blue OR tag:wholesale",
            {"bob"},
            ["Invalid search field for this query: colour"],
        ),
        (
            "products",
            "-colour:blue shirt",
            {"red shirt", "blue shirt", "green shirt"},
            ["Invalid search field for this query: colour"],
        ),
        # Values that cannot be read as the field's type.
        ("customers", "id:>abc tag:vip", {"ann", "bob"}, ["Invalid search value for id: abc"]),
        (
            "customers",
            "created_at:>yesterday",
            ALL_CUSTOMERS,
            ["Invalid search value for created_at: yesterday"],
        ),
        # Malformed syntax: what cannot be parsed is ignored.
        ("customers", "email:", ALL_CUSTOMERS, ["Missing search value for email"]),
        (
            "products",
            "title: shirt",
            {"red shirt", "blue shirt", "green shirt"},
            ["Missing search value for title"],
        ),
        ("products", "title:'' vendor:Other", {"green shirt"}, ["Missing search value for title"]),
        ("products", "mug OR", {"blue mug"}, ["Missing search term next to OR"]),
        ("products", "OR mug", {"blue mug"}, ["Missing search term next to OR"]),
        (
            "products",
            "mug OR OR red",
            {"blue mug", "red shirt"},
            ["Missing search term next to OR"],
        ),
        ("products", "blue AND", {"blue mug", "blue shirt"}, ["Missing search term next to AND"]),
        ("products", "AND blue", {"blue mug", "blue shirt"}, ["Missing search term next to AND"]),
        ("products", "mug NOT", {"blue mug"}, ["Missing search term after NOT"]),
        ("products", "mug -", {"blue mug"}, ["Missing search term after -"]),
        ("products", "NOT", ALL_PRODUCTS, ["Missing search term after NOT"]),
        (
            "products",
            "vendor:Acme AND (status:draft OR status:archived",
            {"blue mug", "blue shirt"},
            ["Unbalanced parenthesis in search query"],
        ),
        (
            "products",
            "vendor:Acme) status:draft",
            {"blue mug"},
            ["Unbalanced parenthesis in search query"],
        ),
        (
            "products",
            ")(",
            ALL_PRODUCTS,
            [
                "Unbalanced parenthesis in search query",
                "Empty parentheses in search query",
                "Unbalanced parenthesis in search query",
            ],
        ),
        ("products", "() mug", {"blue mug"}, ["Empty parentheses in search query"]),
        (
            "products",
            "title:'Blue mug",
            {"blue mug"},
            ["Unterminated quote in search query: 'Blue mug"],
        ),
        (
            "products",
            '"',
            ALL_PRODUCTS,
            ['Unterminated quote in search query: "', 'Empty search term: "'],
        ),
        ("products", "*", ALL_PRODUCTS, ["Empty search term: *"]),
        ("products", "(" * 2000, ALL_PRODUCTS, ["Search query is nested too deeply"]),
    ],
)
def test_malformed_queries_are_parsed_leniently_with_a_warning(resource, text, expected, warnings):
    assert search(resource, text) == (expected, warnings)


@pytest.mark.parametrize(
    ("text", "is_empty"),
    [
        (None, True),
        ("", True),
        ("colour:blue", True),
        ("() OR", True),
        ("NOT colour:blue", True),
        ("tag:vip", False),
        ("colour:blue tag:vip", False),
    ],
)
def test_is_empty_when_nothing_is_left_to_test(text, is_empty):
    assert Query("customers", text).is_empty is is_empty


def test_deep_but_reasonable_nesting_parses():
    query = Query("products", "(" * 100 + "vendor:Other" + ")" * 100)

    assert query.warnings == []
    assert {name for name, p in PRODUCTS.items() if query.matches(Shop(), p)} == {"green shirt"}
