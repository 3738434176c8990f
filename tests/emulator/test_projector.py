"""The bulk fast path gives exactly what graphql-core gives for the same query."""

import datetime

import pytest
from graphql import execute, parse

from shopify_emulator import seed
from shopify_emulator.projector import Projector
from shopify_emulator.resolvers import Context, default_resolver
from shopify_emulator.schema import load_schema
from shopify_emulator.selections import fragments_of
from shopify_emulator.state import Emulator, Grant

RESOURCES = {
    "customers": "customers",
    "orders": "orders",
    "products": "products",
    "companies": "companies",
    "abandonedCheckouts": "checkouts",
}
QUERIES = [
    """query { customers { edges { node { id ...Person email: displayName __typename
         defaultAddress { city countryCodeV2 } tags numberOfOrders
         amountSpent { amount currencyCode } } } } }
       fragment Person on Customer { firstName lastName defaultEmailAddress { emailAddress } }""",
    """query { orders { edges { node { id name ... on Order { processedAt }
         totalPriceSet { shopMoney { amount currencyCode } presentmentMoney { amount } }
         customer { id } fulfillments { displayStatus deliveredAt } refunds { id }
         lineItems { edges { node { id sku quantity variant { id sku } product { title } } } }
       } } } }""",
    """query { products { nodes { id title status tags totalInventory
         variants { nodes { id title price selectedOptions { name value } } }
         options { name values } } } }""",
    """query { companies { edges { node { id name mainContact { id }
         contacts { edges { node { id isMainContact customer { id email } } } }
         locations { edges { node { id name billingAddress { city countryCode } } } } } } } }""",
    """query { abandonedCheckouts { edges { node { id abandonedCheckoutUrl completedAt
         totalPriceSet { shopMoney { amount } } customer { id }
         lineItems { edges { node { id title quantity variant { id } } } } } } } }""",
]


@pytest.fixture(scope="module")
def shop():
    emulator = Emulator()
    emulator.add_app("app", "secret", distribution="custom")  # protected customer data open
    shop, _ = emulator.add_shop("same.myshopify.com", currency="SEK", plan="plus")
    seed.seed(
        shop,
        customers=80,
        companies=6,
        products=20,
        orders=120,
        checkouts=30,
        now=datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC),
    )
    grant = Grant(
        "token",
        "app",
        [
            "read_customers",
            "read_orders",
            "read_all_orders",
            "read_products",
            "read_companies",
            "read_checkouts",
        ],
    )
    return emulator, shop, grant


@pytest.mark.parametrize("query", QUERIES)
def test_the_projector_answers_like_graphql_core(shop, query):
    emulator, shop, grant = shop
    document = parse(query)
    root = document.definitions[0].selection_set.selections[0]
    records = list(shop.data[RESOURCES[root.name.value]].values())

    context = Context(emulator, shop, grant, bulk=True, bulk_window=records)
    expected = execute(
        load_schema(), document, context_value=context, field_resolver=default_resolver
    )
    fast = Projector(load_schema(), fragments_of(document), context).root(root)

    assert expected.errors is None
    assert fast == expected.data
    assert len(records) > 5
