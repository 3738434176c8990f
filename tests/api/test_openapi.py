"""The OpenAPI description at /api/v1/openapi.json is a valid OpenAPI 3.1 document, and the
API's real responses (records, lists, reports, stores, deletes and refusals) match what it
says, with no field it does not document."""

import copy
import re
from decimal import Decimal

import pytest
from drf_spectacular.validation import validate_schema
from jsonschema import Draft202012Validator

from crm.models import CartLineItem, Company, OrderLineItem, ProductVariant
from integration.models import Store


@pytest.fixture
def document(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def strict(schema):
    """Objects with documented properties may have no others (undocumented fields fail)."""
    if isinstance(schema, dict):
        if "properties" in schema and "additionalProperties" not in schema:
            schema["additionalProperties"] = False
        for value in schema.values():
            strict(value)
    elif isinstance(schema, list):
        for value in schema:
            strict(value)
    return schema


def check(document, method, url, response):
    for template, operations in document["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, url.split("?")[0]) and method in operations:
            break
    else:
        raise AssertionError(f"{method} {url} is not documented")
    answer = operations[method]["responses"].get(str(response.status_code))
    assert answer, f"{method} {template} does not document {response.status_code}"
    if response.status_code == 204:
        assert "content" not in answer, f"{method} {template} documents a body for 204"
        assert response.content == b"", (method, url, response.content)
        return
    schema = answer["content"]["application/json"]["schema"]
    components = strict(copy.deepcopy(document["components"]))
    validator = Draft202012Validator({**schema, "components": components})
    problems = [
        f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(response.json())
    ]
    assert not problems, (method, url, problems)


def test_the_description_is_valid_openapi(document):
    assert document["openapi"] == "3.1.0"
    validate_schema(document)
    flows = document["components"]["securitySchemes"]["oauth2"]["flows"]
    assert flows["authorizationCode"]["authorizationUrl"] == "/o/authorize/"
    assert flows["clientCredentials"]["tokenUrl"] == "/o/token/"
    assert document["paths"]["/api/v1/orders"]["get"]["security"] == [{"oauth2": ["orders.read"]}]


def test_real_responses_match_the_description(
    document,
    api,
    make_token,
    superuser,
    staff_user,
    make_contact,
    make_product,
    make_order,
    make_cart,
):
    token = make_token(user=superuser)
    company = Company.objects.create(name="Acme", domain="acme.example")
    contact = make_contact(company=company, tags=["vip"], total_spent={"EUR": "12.50"})
    product = make_product()
    ProductVariant.objects.create(
        product=product,
        title="Large",
        price=Decimal("14"),
        options=[{"name": "Size", "value": "L"}],
    )
    order = make_order(contact=contact, properties={"gift": True})
    OrderLineItem.objects.create(order=order, product=product, title="Blue mug", quantity=2)
    cart = make_cart(contact=contact)
    CartLineItem.objects.create(cart=cart, title="Blue mug")
    store = Store(shop_domain="demo.myshopify.com", name="Demo", currency="EUR")
    store.set_access_token("shpat_test")
    store.save()

    calls = [
        ("get", "/api/v1/contacts", None),
        ("get", f"/api/v1/contacts/{contact.pk}", None),
        ("post", "/api/v1/contacts", {"email": "new@example.com", "tags": ["a"]}),
        ("patch", f"/api/v1/contacts/{contact.pk}", {"note": "Called"}),
        ("get", "/api/v1/companies", None),
        ("get", f"/api/v1/companies/{company.pk}", None),
        ("post", "/api/v1/companies", {"name": "Nordic AB"}),
        ("get", "/api/v1/products", None),
        ("get", f"/api/v1/products/{product.pk}", None),
        ("patch", f"/api/v1/products/{product.pk}", {"vendor": "Kiln"}),
        ("get", "/api/v1/orders", None),
        ("get", f"/api/v1/orders/{order.pk}", None),
        ("patch", f"/api/v1/orders/{order.pk}", {"properties": {}}),
        ("get", "/api/v1/carts", None),
        ("get", f"/api/v1/carts/{cart.pk}", None),
        ("get", "/api/v1/stores", None),
        ("get", "/api/v1/stores/demo.myshopify.com", None),
        ("get", "/api/v1/reports", None),
        ("get", "/api/v1/reports/revenue_over_time?from=2026-10-01&to=2026-11-30", None),
        ("get", "/api/v1/reports/top_products_revenue", None),
        # Refusals have their documented shape too.
        ("get", "/api/v1/orders?colour=red", None),
        ("get", "/api/v1/orders/999999", None),
        ("post", "/api/v1/contacts", {"favourite_colour": "red"}),
        ("delete", "/api/v1/carts/999999", None),
        # Last, as they take the order and the cart away.
        ("delete", f"/api/v1/orders/{order.pk}", None),
        ("delete", f"/api/v1/carts/{cart.pk}", None),
    ]
    for method, url, body in calls:
        path, _, query = url.partition("?")
        params = dict(part.split("=") for part in query.split("&")) if query else None
        response = api(method, path, token, body if body is not None else params)
        assert response.status_code < 500, (url, response.content)
        check(document, method, url, response)
    check(document, "get", "/api/v1/orders", api("get", "/api/v1/orders"))
    # A delete refused for want of a superadmin.
    url = f"/api/v1/orders/{make_order(name='#1002').pk}"
    refused = api("delete", url, make_token(user=staff_user))
    assert refused.status_code == 403
    check(document, "delete", url, refused)
