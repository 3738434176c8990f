"""Reading and changing records through the API: what a record looks like, the filters,
pagination that returns every record exactly once while records change, an app limited to
some stores, and refused bodies that change nothing."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.models import (
    Company,
    Contact,
    Order,
    OrderLineItem,
    PipelineStage,
    Product,
    ProductVariant,
    PropertyDefinition,
)


@pytest.fixture
def token(make_token, staff_user):
    return make_token(user=staff_user)


@pytest.fixture
def superadmin_token(make_token, superuser):
    return make_token(user=superuser)


def page_through(api, path, token, **params):
    """Every page of a list, following `next` until it ends."""
    seen, url = [], path
    query = {key: str(value) for key, value in params.items()}
    while url:
        response = api("get", url, token, query)
        assert response.status_code == 200, response.content
        body = response.json()
        seen += body["results"]
        url, query = body["next"], None
    return seen


def test_an_order_with_its_lines_stage_and_properties(api, token, make_order, make_product):
    mug = make_product()
    stage = PipelineStage.objects.get(internal_name="open")
    order = make_order(
        email="ann@example.com",
        total=Decimal("37.50"),
        properties={"gift_wrap": True},
    )
    OrderLineItem.objects.create(
        order=order,
        product=mug,
        title="Blue mug",
        quantity=3,
        unit_price=Decimal("12.50"),
        total=Decimal("37.50"),
    )
    body = api("get", f"/api/v1/orders/{order.pk}", token).json()
    assert body["id"] == order.pk
    assert body["store"] == "demo.myshopify.com"
    assert body["name"] == "#1001"
    assert body["total"] == "37.500"
    assert body["currency"] == "EUR"
    assert body["pipeline_stage"] == {
        "id": stage.pk,
        "label": stage.label,
        "internal_name": "open",
        "pipeline": stage.pipeline_id,
    }
    assert body["properties"] == {"gift_wrap": True}
    assert body["processed_at"] == "2026-11-01T12:00:00Z"
    assert [(line["title"], line["quantity"], line["product"]) for line in body["line_items"]] == [
        ("Blue mug", 3, mug.pk)
    ]


def test_a_product_with_its_variants(api, token, make_product):
    product = make_product()
    ProductVariant.objects.create(product=product, title="Large", sku="MUG-L", price=Decimal("14"))
    body = api("get", f"/api/v1/products/{product.pk}", token).json()
    assert body["name"] == "Blue mug"
    assert [(v["title"], v["sku"], v["price"]) for v in body["variants"]] == [
        ("Large", "MUG-L", "14.000")
    ]


def test_filters(api, token, make_order):
    stages = {stage.internal_name: stage for stage in PipelineStage.objects.all()}
    first = make_order(name="#1", email="Ann@Example.com")
    second = make_order(name="#2", source_store="other.myshopify.com", email="bo@example.com")
    third = make_order(name="#3", pipeline_stage=stages["shipped"])
    Order.objects.filter(pk=first.pk).update(updated_at=timezone.now() - datetime.timedelta(days=2))

    def names(**params):
        return [row["name"] for row in page_through(api, "/api/v1/orders", token, **params)]

    assert names() == ["#1", "#2", "#3"]
    assert names(store="other.myshopify.com") == ["#2"]
    assert names(stage=stages["shipped"].pk) == ["#3"]
    assert names(email="ann@example.com") == ["#1"]
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    assert names(updated_since=since) == ["#2", "#3"]
    assert third.pk > second.pk > first.pk


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"updated_since": "yesterday"}, "updated_since", "'yesterday' is not an ISO 8601 date"),
        ({"stage": "won"}, "stage", "'won' is not an id."),
        ({"colour": "red"}, "colour", "Not a filter here; the filters are: updated_since, store"),
        ({"limit": "0"}, "limit", "A whole number from 1 to 200."),
        ({"cursor": "garbage"}, "cursor", "This cursor is not one the API gave"),
    ],
)
def test_bad_filters_are_refused_by_name(api, token, make_order, params, field, message):
    make_order()
    response = api("get", "/api/v1/orders", token, params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["field"] == field
    assert error["message"].startswith(message)


def test_pagination_returns_every_record_exactly_once_while_records_change(api, token):
    Contact.objects.bulk_create(Contact(email=f"c{n}@example.com") for n in range(25))
    ids = list(Contact.objects.order_by("pk").values_list("pk", flat=True))
    seen, url, query = [], "/api/v1/contacts", {"limit": "10"}
    changes = iter(
        [
            # While the client pages: an early record changes (it would jump to the end of an
            # updated_at order), one not yet seen changes, one is deleted, one is created.
            lambda: (
                Contact.objects.filter(pk=ids[0]).update(
                    first_name="Changed", updated_at=timezone.now()
                ),
                Contact.objects.filter(pk=ids[20]).update(first_name="Later"),
            ),
            lambda: (
                Contact.objects.filter(pk=ids[22]).delete(),
                Contact.objects.create(email="new@example.com"),
            ),
        ]
    )
    while url:
        body = api("get", url, token, query).json()
        seen += [row["id"] for row in body["results"]]
        url, query = body["next"], None
        change = next(changes, None)
        if change:
            change()
    created = Contact.objects.get(email="new@example.com").pk
    assert sorted(seen) == seen
    assert len(seen) == len(set(seen))
    assert seen == [pk for pk in ids if pk != ids[22]] + [created]


def test_an_app_limited_to_a_store_sees_only_its_orders_and_carts(
    api, make_token, staff_user, make_order, make_cart
):
    token = make_token(user=staff_user, stores=["demo.myshopify.com"])
    mine, theirs = make_order(), make_order(source_store="other.myshopify.com")
    other_cart = make_cart(source_store="other.myshopify.com")
    listed = page_through(api, "/api/v1/orders", token)
    assert [row["id"] for row in listed] == [mine.pk]
    for path in (f"/api/v1/orders/{theirs.pk}", f"/api/v1/carts/{other_cart.pk}"):
        response = api("get", path, token)
        assert response.status_code == 404
        assert response.json() == {
            "error": {"code": "not_found", "message": "Not found.", "field": None}
        }
    assert (
        api("get", "/api/v1/reports/orders", token, {"store": "other.myshopify.com"}).status_code
        == 404
    )


def test_creating_and_changing_a_contact(api, make_token, staff_user):
    token = make_token(user=staff_user)
    company = Company.objects.create(name="Acme")
    created = api(
        "post",
        "/api/v1/contacts",
        token,
        {"email": "eva@example.com", "first_name": "Eva", "company": company.pk, "tags": ["vip"]},
    )
    assert created.status_code == 201, created.content
    contact = Contact.objects.get(email="eva@example.com")
    assert (contact.first_name, contact.company, contact.tags) == ("Eva", company, ["vip"])
    assert created.json()["id"] == contact.pk

    changed = api("patch", f"/api/v1/contacts/{contact.pk}", token, {"last_name": "Ek"})
    assert changed.status_code == 200
    contact.refresh_from_db()
    assert (contact.first_name, contact.last_name) == ("Eva", "Ek")


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ('{"email": ', 400, "malformed_json", None),
        ("[1, 2]", 400, "invalid", None),
        (
            {"email": "x@example.com", "favourite_colour": "red"},
            400,
            "unknown_field",
            "favourite_colour",
        ),
        ({"orders_count": 5}, 400, "read_only", "orders_count"),
        ({"email": "not an email"}, 400, "invalid", "email"),
        ({"email_marketing_consent": "perhaps"}, 400, "invalid", "email_marketing_consent"),
        ({"tags": "vip"}, 400, "not_a_list", "tags"),
        ({"company": 999999}, 400, "does_not_exist", "company"),
        ({"email": "ANN@example.com"}, 400, "unique", "email"),
    ],
)
def test_refused_bodies_change_nothing(api, token, make_contact, body, status, code, field):
    make_contact(email="ann@example.com")
    contact = make_contact(email="bo@example.com")
    before = list(Contact.objects.values())
    for method, path in (
        ("patch", f"/api/v1/contacts/{contact.pk}"),
        ("post", "/api/v1/contacts"),
    ):
        response = api(method, path, token, body)
        assert response.status_code == status, (method, response.content)
        error = response.json()["error"]
        assert (error["code"], error["field"]) == (code, field), (method, error)
        assert error["message"]
        assert list(Contact.objects.values()) == before


def test_a_body_that_is_not_json_is_refused(api, token, make_contact):
    contact = make_contact()
    response = api(
        "patch",
        f"/api/v1/contacts/{contact.pk}",
        token,
        "note=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_order_properties_change_with_a_superadmins_token_only(
    api, token, superadmin_token, make_order
):
    PropertyDefinition.objects.create(
        object_type="order",
        internal_name="priority",
        label="Priority",
        type="enumeration",
        options=["low", "high"],
    )
    PropertyDefinition.objects.create(
        object_type="order", internal_name="gift_note", label="Gift note", type="text"
    )
    order = make_order(properties={"gift_note": "Happy birthday"})
    path = f"/api/v1/orders/{order.pk}"

    refused = api("patch", path, token, {"properties": {"priority": "high"}})
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == (
        "Only a token given by a superadmin may change orders and carts."
    )
    order.refresh_from_db()
    assert order.properties == {"gift_note": "Happy birthday"}

    bad = api("patch", path, superadmin_token, {"properties": {"priority": "urgent"}})
    assert bad.status_code == 400
    assert bad.json()["error"]["field"] == "properties"
    unknown = api("patch", path, superadmin_token, {"properties": {"colour": "red"}})
    assert unknown.json()["error"]["message"] == "'colour' is not a property of orders."
    stage = api("patch", path, superadmin_token, {"pipeline_stage": 1})
    assert (stage.status_code, stage.json()["error"]["code"]) == (400, "read_only")
    order.refresh_from_db()
    assert order.properties == {"gift_note": "Happy birthday"}

    # A change names only what it sets; null clears one.
    changed = api("patch", path, superadmin_token, {"properties": {"priority": "high"}})
    assert changed.status_code == 200
    assert changed.json()["properties"] == {"gift_note": "Happy birthday", "priority": "high"}
    cleared = api("patch", path, superadmin_token, {"properties": {"gift_note": None}})
    assert cleared.json()["properties"] == {"priority": "high"}
    order.refresh_from_db()
    assert order.properties == {"priority": "high"}


def test_a_product_created_through_the_api(api, token):
    created = api(
        "post",
        "/api/v1/products",
        token,
        {"name": "Red mug", "price": "9.90", "currency": "EUR", "status": "draft"},
    )
    assert created.status_code == 201, created.content
    product = Product.objects.get(name="Red mug")
    assert (product.price, product.status) == (Decimal("9.90"), "draft")
    bad = api("post", "/api/v1/products", token, {"name": "X", "status": "sold out"})
    assert bad.json()["error"]["field"] == "status"
    assert not Product.objects.filter(name="X").exists()


def test_an_unknown_endpoint_is_a_json_404(api, token):
    response = api("get", "/api/v1/invoices", token)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
