"""An object pair is one adapter class, and the rest of the product derives from the registry:
the topics a store subscribes to, the scopes the app asks for, the models' choices, the set-up
screens, the push signal's senders, the health pages. A throwaway sixth pair shows it."""

import pytest
from django.db.models.signals import post_save
from graphql import GraphQLList, GraphQLNonNull

from crm.models import Company, Contact, Product, ProductVariant
from integration.webhooks import topic_enum
from shopify_emulator.schema import load_schema
from sync import adapters, health, registry, setup, setup_views
from sync.adapters import ADAPTERS
from sync.adapters.base import Adapter
from sync.models import SyncRun, SyncSetting

TOPICS = {
    "customers/create",
    "customers/update",
    "customers/delete",
    "customers_email_marketing_consent/update",
    "customers_marketing_consent/update",
    "customer.tags_added",
    "customer.tags_removed",
    "companies/create",
    "companies/update",
    "companies/delete",
    "company_contacts/create",
    "company_contacts/update",
    "company_contacts/delete",
    "company_locations/create",
    "company_locations/update",
    "company_locations/delete",
    "products/create",
    "products/update",
    "products/delete",
    "orders/create",
    "orders/updated",
    "orders/delete",
    "fulfillments/create",
    "fulfillments/update",
    "refunds/create",
    "checkouts/create",
    "checkouts/update",
    "checkouts/delete",
    "bulk_operations/finish",
    "app/uninstalled",
    "app/scopes_update",
}


def test_the_five_pairs_in_the_order_the_screens_list_them():
    assert [(a.object_type, a.label, a.model.__name__, a.two_way) for a in ADAPTERS.values()] == [
        ("contacts", "Contacts", "Contact", True),
        ("companies", "Companies", "Company", True),
        ("products", "Products", "Product", True),
        ("orders", "Orders", "Order", False),
        ("carts", "Carts", "Cart", False),
    ]


def test_a_store_subscribes_to_every_topic_of_its_pairs_and_the_apps_own():
    topics = adapters.topics()

    assert len(topics) == len(set(topics))
    assert set(topics) == TOPICS


def test_every_topic_is_one_shopify_has():
    enum = load_schema().type_map["WebhookSubscriptionTopic"]

    assert {topic_enum(topic) for topic in adapters.topics()} <= set(enum.values)


def test_the_app_asks_for_the_scopes_of_its_pairs():
    assert adapters.scopes() == [
        "read_customers",
        "write_customers",
        "read_companies",
        "write_companies",
        "read_products",
        "write_products",
        "read_orders",
        "read_all_orders",
        "read_fulfillments",
        "read_checkouts",
    ]


def test_the_models_choices_are_the_pairs():
    expected = [(a.object_type, a.label) for a in ADAPTERS.values()]

    for model in (SyncSetting, SyncRun):
        assert list(model._meta.get_field("object_type").choices) == expected


@pytest.mark.parametrize("adapter", ADAPTERS.values(), ids=list(ADAPTERS))
def test_protected_fields_are_fields_of_the_shopify_type(adapter):
    schema = load_schema()
    for path in adapter.protected_fields:
        graphql_type = schema.type_map[adapter.gid_type]
        for name in path.split("."):
            field = graphql_type.fields[name]  # a KeyError names the wrong field
            graphql_type = _named(field.type)
            if hasattr(graphql_type, "fields") and "nodes" in graphql_type.fields:
                graphql_type = _named(graphql_type.fields["nodes"].type)


def _named(graphql_type):
    while isinstance(graphql_type, (GraphQLNonNull, GraphQLList)):
        graphql_type = graphql_type.of_type
    return graphql_type


def test_every_save_of_a_two_way_pairs_records_is_a_push_sender():
    for model in (Contact, Company, Product, ProductVariant):
        assert post_save.has_listeners(model)
    assert ADAPTERS["products"].changed_by == {Product: "pk", ProductVariant: "product_id"}


def test_a_webhook_body_names_the_record_wherever_its_topic_says():
    contacts, companies = ADAPTERS["contacts"], ADAPTERS["companies"]
    body = {
        "customer_admin_graphql_api_id": "gid://shopify/Customer/5",
        "company": {"admin_graphql_api_id": "gid://shopify/Company/9"},
    }

    assert contacts.record_ids("company_contacts/update", body) == [5]
    assert companies.record_ids("company_contacts/update", body) == [9]
    assert contacts.record_ids("customers_marketing_consent/update", {"customer_id": 8}) == [8]
    assert contacts.record_ids("customers/update", {"id": "x"}) == []
    assert contacts.record_ids("orders/updated", {"id": 8}) == []
    assert ADAPTERS["orders"].record_ids("refunds/create", {"order_id": 3, "id": 4}) == [3]


class Gift(Adapter):
    """A sixth pair, made up for this test: gift cards as CRM products."""

    object_type = "gift_cards"
    label = "Gift cards"
    model = Product
    gid_type = "GiftCard"
    admin_path = "gift_cards"
    read_scopes = ("read_gift_cards",)
    topics = {"gift_cards/create": ("id",), "gift_cards/update": ("id",)}
    unfiltered = "Every gift card syncs."


@pytest.fixture
def sixth_pair(monkeypatch):
    monkeypatch.setitem(registry.ADAPTERS, "gift_cards", Gift())
    return ADAPTERS["gift_cards"]


@pytest.mark.django_db
def test_a_sixth_pair_is_its_adapter_and_its_line_in_the_registry(sixth_pair, make_store):
    store = make_store("alpha.myshopify.com", scopes="read_gift_cards")

    assert "gift_cards/update" in adapters.topics()
    assert "read_gift_cards" in adapters.scopes()
    assert ("gift_cards", "Gift cards") in SyncSetting._meta.get_field("object_type").choices
    assert ("gift_cards", "Gift cards", False, "") in setup.object_choices(store)
    assert {
        "object_type": "gift_cards",
        "label": "Gift cards",
        "setting": None,
        "unavailable": "",
        "refused_topics": [],
    } in setup_views.store_syncs(store)
    assert health.store_health(store)["objects"]["gift_cards"]["state"] == "off"
    assert adapters.for_topic("gift_cards/create") == [sixth_pair]
