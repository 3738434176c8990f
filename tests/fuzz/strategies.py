"""What an attacker, or a broken sender, can put in front of the product: Shopify's documented
webhook bodies with their values swapped for hostile ones, keys dropped or added, and header
values Shopify would never send."""

from __future__ import annotations

import copy

from hypothesis import strategies as st

SHOP = "alpha.myshopify.com"
OTHER_SHOP = "beta.myshopify.com"

# One body per kind of topic, shaped as Shopify's documented examples are.
BASES = {
    "orders/create": {
        "id": 820982911946154508,
        "admin_graphql_api_id": "gid://shopify/Order/820982911946154508",
        "email": "jon@example.com",
        "name": "#9999",
        "total_price": "403.00",
        "line_items": [{"id": 866550311766439020, "title": "IPod Nano - 8GB", "quantity": 1}],
        "customer": {"id": 115310627314723954, "email": "john@example.com"},
    },
    "orders/delete": {"id": 820982911946154508},
    "fulfillments/create": {"id": 123456, "order_id": 820982911946154508, "status": "success"},
    "customers/update": {
        "id": 706405506930370084,
        "admin_graphql_api_id": "gid://shopify/Customer/706405506930370084",
        "email": "bob@example.com",
        "first_name": "Bob",
    },
    "customer.tags_added": {
        "customerId": "gid://shopify/Customer/706405506930370084",
        "tags": ["vip"],
        "occurredAt": "2026-12-07T10:00:00Z",
    },
    "products/update": {
        "id": 788032119674292922,
        "admin_graphql_api_id": "gid://shopify/Product/788032119674292922",
        "title": "Example T-Shirt",
        "variants": [{"id": 642667041472713922, "sku": "example-shirt-s"}],
    },
    "companies/update": {
        "admin_graphql_api_id": "gid://shopify/Company/195500031",
        "name": "Example Company",
    },
    "company_locations/create": {
        "admin_graphql_api_id": "gid://shopify/CompanyLocation/441696079",
        "company": {"admin_graphql_api_id": "gid://shopify/Company/195500031"},
    },
    "checkouts/update": {
        "token": "d0c6a5d6fbd9e0ed2e0ad8b6f9d8e9c1",
        "abandoned_checkout_url": "https://checkout.example.com/recover/d0c6a5d6fbd9e0ed2e0ad8b6f9d8e9c1",
        "email": "bob@example.com",
    },
    "customers/redact": {
        "shop_id": 954889,
        "shop_domain": SHOP,
        "customer": {"id": 191167, "email": "john@example.com", "phone": "555-625-1199"},
        "orders_to_redact": [299938, 280263, 220458],
    },
    "customers/data_request": {
        "shop_id": 954889,
        "shop_domain": SHOP,
        "customer": {"id": 191167, "email": "john@example.com"},
        "orders_requested": [299938],
    },
    "shop/redact": {"shop_id": 954889, "shop_domain": SHOP},
    "app/uninstalled": {"id": 548380009, "name": "Super Toys", "myshopify_domain": SHOP},
    "app/scopes_update": {"previous": ["read_orders"], "current": ["read_orders"]},
    "bulk_operations/finish": {
        "admin_graphql_api_id": "gid://shopify/BulkOperation/147595010",
        "status": "completed",
    },
    "themes/publish": {"id": 1},
}

hostile_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "\x00",
            "a\x00b",
            '=HYPERLINK("http://evil")',
            "gid://shopify/Order/-1",
            f"gid://shopify/Customer/{2**70}",
            "gid://shopify/Customer/²",
            "9" * 40,
            "²",
            "x" * 3000,
            OTHER_SHOP,
            "0001-01-01T00:00:00+05:00",
        ]
    ),
)
hostile_value = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**80), max_value=2**80),
        st.floats(allow_nan=False, allow_infinity=False),
        hostile_text,
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


def _replace(body, path, new):
    if not path:
        return new
    parent = body
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = new
    return body


@st.composite
def mutated_body(draw, topic: str):
    """A documented body of `topic`, a few of its values replaced, dropped or added."""
    body = copy.deepcopy(BASES[topic])
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        paths = list(_paths(body))[1:]
        action = draw(st.sampled_from(["replace", "drop", "add"]))
        if action == "add" or not paths:
            if isinstance(body, dict):
                body[draw(st.text(max_size=12))] = draw(hostile_value)
            continue
        path = draw(st.sampled_from(paths))
        if action == "drop":
            parent = body
            for step in path[:-1]:
                parent = parent[step]
            del parent[path[-1]]
        else:
            body = _replace(body, path, draw(hostile_value))
    return body


header_value = st.one_of(
    st.none(),  # the header as Shopify sends it
    st.text(max_size=30),
    st.sampled_from(
        ["", "x" * 300, "é", "a\tb", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59Z"]
    ),
)
