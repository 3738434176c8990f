"""Protected customer data, from Shopify's "Work with protected customer data": public apps get
none without approval (level 0), level 1 is customer data without the name, address, phone
and email fields, level 2 adds those of the four the app was approved for. Refusals are
ACCESS_DENIED errors with the field's path beside the data that is allowed; subscriptions to
topics carrying customer data are refused with a userError; custom apps always have access."""

import pytest

from tests.emulator.conftest import SHOP, ShopAccess
from tests.emulator.test_bulk import lines_of, run, wait

DOCS = "https://shopify.dev/docs/apps/launch/protected-customer-data"
SCOPES = [
    "read_customers",
    "write_customers",
    "read_orders",
    "read_checkouts",
    "read_products",
    "read_companies",
]
ADDRESS = {
    "firstName": "Astrid",
    "lastName": "Lind",
    "address1": "Drottninggatan 1",
    "city": "Stockholm",
    "zip": "111 51",
    "countryCode": "SE",
    "phone": "+46812345600",
}


def object_refused(type_name):
    return (
        f"This app is not approved to access the {type_name} object. See {DOCS} for more details."
    )


def field_refused(field_name):
    return f"This app is not approved to use the {field_name} field. See {DOCS} for more details."


@pytest.fixture
def store(emulator):
    """A Plus shop with a customer who ordered, and a product."""
    emulator.add_shop(SHOP, plan="plus")
    control = ShopAccess(emulator, SHOP, "")
    customer = control.control(
        "POST",
        "customers",
        {
            "email": "astrid@example.com",
            "firstName": "Astrid",
            "lastName": "Lind",
            "phone": "+46701234567",
            "note": "Prefers e-mail",
            "tags": ["vip"],
            "addresses": [ADDRESS],
        },
    )
    product = control.control("POST", "products", {"title": "Wool Sweater"})
    order = control.control(
        "POST",
        "orders",
        {
            "customerId": customer["id"],
            "shippingAddress": ADDRESS,
            "lineItems": [{"variantId": product["variants"][0]["id"], "quantity": 1}],
        },
    )
    return {"customer": customer, "product": product, "order": order}


def app_access(emulator, client_id="public-app", **options) -> ShopAccess:
    emulator.add_app(client_id, f"{client_id}-secret", **options)
    return ShopAccess(emulator, SHOP, emulator.token(SHOP, client_id, SCOPES))


def denials(result) -> list[tuple]:
    return sorted(
        (tuple(error["path"]), error["message"], error["extensions"]["code"])
        for error in result.get("errors", [])
    )


CUSTOMER = """query($id: ID!) { customer(id: $id) {
  id note tags firstName lastName displayName email phone
  defaultEmailAddress { emailAddress } defaultAddress { city }
} }"""


# Level 0: no customer data ---------------------------------------------------------------------


def test_a_public_app_without_approval_gets_no_customer_objects(emulator, store):
    access = app_access(emulator)

    result = access.graphql(
        """query($c: ID!, $o: ID!) { shop { name } customer(id: $c) { id } order(id: $o) { id }
             products(first: 5) { nodes { title } } }""",
        {"c": store["customer"]["id"], "o": store["order"]["id"]},
    )

    assert result["data"] == {
        "shop": {"name": "Test-Shop"},
        "customer": None,
        "order": None,
        "products": {"nodes": [{"title": "Wool Sweater"}]},
    }
    assert denials(result) == [
        (("customer",), object_refused("Customer"), "ACCESS_DENIED"),
        (("order",), object_refused("Order"), "ACCESS_DENIED"),
    ]
    assert result["errors"][0]["extensions"]["documentation"] == DOCS


def test_nodes_answers_the_allowed_ones_beside_the_refused(emulator, store):
    access = app_access(emulator)
    ids = [store["customer"]["id"], store["product"]["id"]]

    result = access.graphql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids})

    assert result["data"]["nodes"] == [None, {"id": store["product"]["id"]}]
    assert denials(result) == [(("nodes", 0), object_refused("Customer"), "ACCESS_DENIED")]


def test_a_list_of_customers_is_refused_at_level_0(emulator, store):
    access = app_access(emulator)

    result = access.graphql("{ customers(first: 5) { nodes { id } } }")

    assert result["data"] is None  # `customers` cannot be null, so the refusal nulls `data`
    assert denials(result) == [(("customers",), object_refused("Customer"), "ACCESS_DENIED")]


def test_customer_mutations_are_refused_at_level_0(emulator, store):
    access = app_access(emulator)

    result = access.graphql(
        """mutation { customerCreate(input: {email: "new@example.com"}) {
             customer { id } userErrors { message } } }"""
    )

    assert result["data"] == {"customerCreate": None}
    assert result["errors"][0]["message"] == object_refused("Customer")
    assert len(access.control("GET", "customers")["customers"]) == 1


# Level 1 and 2: the fields ------------------------------------------------------------------------


def test_level_1_answers_customer_data_without_the_protected_fields(emulator, store):
    access = app_access(emulator, protected_data={"level": 1, "fields": []})

    result = access.graphql(CUSTOMER, {"id": store["customer"]["id"]})

    assert result["data"]["customer"] == {
        "id": store["customer"]["id"],
        "note": "Prefers e-mail",
        "tags": ["vip"],
        "firstName": None,
        "lastName": None,
        "displayName": "",  # non-null in the schema: its emptiest value
        "email": None,
        "phone": None,
        "defaultEmailAddress": None,
        "defaultAddress": None,
    }
    refused = [
        "firstName",
        "lastName",
        "displayName",
        "email",
        "phone",
        "defaultEmailAddress",
        "defaultAddress",
    ]
    assert denials(result) == sorted(
        (("customer", name), field_refused(name), "ACCESS_DENIED") for name in refused
    )


def test_level_1_refuses_the_protected_fields_of_each_order_in_a_list(emulator, store):
    access = app_access(emulator, protected_data={"level": 1, "fields": []})

    result = access.graphql(
        """{ orders(first: 5) { nodes { name email shippingAddress { city }
             customer { id email } } } }"""
    )

    assert result["data"]["orders"]["nodes"] == [
        {
            "name": store["order"]["name"],
            "email": None,
            "shippingAddress": None,
            "customer": {"id": store["customer"]["id"], "email": None},
        }
    ]
    assert denials(result) == [
        (("orders", "nodes", 0, "customer", "email"), field_refused("email"), "ACCESS_DENIED"),
        (("orders", "nodes", 0, "email"), field_refused("email"), "ACCESS_DENIED"),
        (
            ("orders", "nodes", 0, "shippingAddress"),
            field_refused("shippingAddress"),
            "ACCESS_DENIED",
        ),
    ]


def test_level_2_opens_only_the_fields_approved(emulator, store):
    access = app_access(emulator, protected_data={"level": 2, "fields": ["email", "address"]})

    result = access.graphql(CUSTOMER, {"id": store["customer"]["id"]})

    customer = result["data"]["customer"]
    assert customer["email"] == "astrid@example.com"
    assert customer["defaultEmailAddress"] == {"emailAddress": "astrid@example.com"}
    assert customer["defaultAddress"] == {"city": "Stockholm"}
    assert (customer["firstName"], customer["phone"]) == (None, None)
    assert {error["path"][-1] for error in result["errors"]} == {
        "firstName",
        "lastName",
        "displayName",
        "phone",
    }


@pytest.mark.parametrize(
    "options",
    [
        {"distribution": "custom"},
        {"own_shop": SHOP},
        {"protected_data": {"level": 2, "fields": ["name", "email", "phone", "address"]}},
    ],
    ids=["custom-distribution", "own-store-app", "fully-approved"],
)
def test_custom_apps_and_approved_apps_see_everything(emulator, store, options):
    access = app_access(emulator, **options)

    result = access.graphql(CUSTOMER, {"id": store["customer"]["id"]})

    assert "errors" not in result
    assert result["data"]["customer"]["displayName"] == "Astrid Lind"
    assert result["data"]["customer"]["phone"] == "+46701234567"


def test_approval_can_change_while_the_app_runs(emulator, store):
    access = app_access(emulator)
    query = "query($id: ID!) { customer(id: $id) { email } }"

    before = access.graphql(query, {"id": store["customer"]["id"]})
    emulator.update_app("public-app", protected_data={"level": 2, "fields": ["email"]})
    after = access.graphql(query, {"id": store["customer"]["id"]})

    assert before["data"] == {"customer": None}
    assert after["data"] == {"customer": {"email": "astrid@example.com"}}
    assert "errors" not in after


# Bulk operations -----------------------------------------------------------------------------


def test_bulk_exports_leave_protected_fields_null(emulator, store):
    access = app_access(emulator, protected_data={"level": 1, "fields": []})

    started = run(access, "{ customers { edges { node { id email firstName tags } } } }")
    finished = wait(access, started["bulkOperation"]["id"])

    assert finished["status"] == "COMPLETED"
    assert lines_of(finished["url"]) == [
        {"id": store["customer"]["id"], "email": None, "firstName": None, "tags": ["vip"]}
    ]


def test_a_bulk_export_of_refused_objects_fails(emulator, store):
    access = app_access(emulator)

    started = run(access, "{ orders { edges { node { id } } } }")
    finished = wait(access, started["bulkOperation"]["id"])
    products = run(access, "{ products { edges { node { title } } } }")["bulkOperation"]

    assert (finished["status"], finished["errorCode"]) == ("FAILED", "ACCESS_DENIED")
    assert wait(access, products["id"])["status"] == "COMPLETED"


# Webhook subscriptions ----------------------------------------------------------------------------

SUBSCRIBE = """mutation($topic: WebhookSubscriptionTopic!) {
  webhookSubscriptionCreate(topic: $topic,
    webhookSubscription: {uri: "https://crm.example.com/hooks"}) {
    webhookSubscription { id } userErrors { field message }
  }
}"""


@pytest.mark.parametrize(
    "topic",
    [
        "CUSTOMERS_CREATE",
        "CUSTOMERS_UPDATE",
        "ORDERS_CREATE",
        "ORDERS_PAID",
        "CHECKOUTS_CREATE",
        "REFUNDS_CREATE",
        "FULFILLMENTS_CREATE",
        "COMPANY_CONTACTS_CREATE",
        "COMPANY_LOCATIONS_CREATE",
    ],
)
def test_topics_with_customer_data_need_approval(emulator, store, topic):
    access = app_access(emulator)

    payload = access.graphql(SUBSCRIBE, {"topic": topic})["data"]["webhookSubscriptionCreate"]

    assert payload["webhookSubscription"] is None
    assert payload["userErrors"] == [
        {
            "field": ["webhookSubscription"],
            "message": "This app is not approved to subscribe to webhook topics containing "
            f"protected customer data. See {DOCS} for more details.",
        }
    ]
    listing = access.graphql("{ webhookSubscriptions(first: 5) { nodes { id } } }")
    assert listing["data"]["webhookSubscriptions"]["nodes"] == []


@pytest.mark.parametrize(
    ("options", "topic"),
    [
        ({}, "PRODUCTS_UPDATE"),
        ({}, "COMPANIES_CREATE"),
        ({"protected_data": {"level": 1, "fields": []}}, "ORDERS_CREATE"),
        ({"distribution": "custom"}, "CUSTOMERS_UPDATE"),
    ],
    ids=["products", "companies", "level-1", "custom-app"],
)
def test_other_topics_and_approved_apps_subscribe(emulator, store, options, topic):
    access = app_access(emulator, **options)

    payload = access.graphql(SUBSCRIBE, {"topic": topic})["data"]["webhookSubscriptionCreate"]

    assert payload["userErrors"] == []
    assert payload["webhookSubscription"]["id"]
