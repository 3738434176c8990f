"""Each scope allows exactly its endpoints: with a token holding only one scope, an endpoint
answers when that scope is its own and refuses (403, WWW-Authenticate naming the scope it
needs, nothing changed) otherwise. The OpenAPI document names the same scope for each."""

import pytest

from crm.models import Cart, Company, Contact, Order, Product
from integration.models import Store
from tests.api.conftest import ALL_SCOPES

# (method, path, body, the scope it needs); {contact} etc. are filled in with real ids.
ENDPOINTS = [
    ("get", "/api/v1/contacts", None, "contacts.read"),
    ("get", "/api/v1/contacts/{contact}", None, "contacts.read"),
    ("post", "/api/v1/contacts", {"email": "new@example.com"}, "contacts.write"),
    ("patch", "/api/v1/contacts/{contact}", {"note": "Called"}, "contacts.write"),
    ("get", "/api/v1/companies", None, "contacts.read"),
    ("get", "/api/v1/companies/{company}", None, "contacts.read"),
    ("post", "/api/v1/companies", {"name": "Nordic AB"}, "contacts.write"),
    ("patch", "/api/v1/companies/{company}", {"phone": "+46 8 123 456 78"}, "contacts.write"),
    ("get", "/api/v1/products", None, "products.read"),
    ("get", "/api/v1/products/{product}", None, "products.read"),
    ("post", "/api/v1/products", {"name": "Red mug"}, "products.write"),
    ("patch", "/api/v1/products/{product}", {"vendor": "Kiln"}, "products.write"),
    ("get", "/api/v1/orders", None, "orders.read"),
    ("get", "/api/v1/orders/{order}", None, "orders.read"),
    ("patch", "/api/v1/orders/{order}", {"properties": {}}, "orders.write"),
    ("delete", "/api/v1/orders/{order}", None, "orders.write"),
    ("get", "/api/v1/carts", None, "carts.read"),
    ("get", "/api/v1/carts/{cart}", None, "carts.read"),
    ("patch", "/api/v1/carts/{cart}", {"properties": {}}, "carts.write"),
    ("delete", "/api/v1/carts/{cart}", None, "carts.write"),
    ("get", "/api/v1/stores", None, "stores.read"),
    ("get", "/api/v1/stores/{store}", None, "stores.read"),
    ("get", "/api/v1/reports", None, "reports.read"),
    ("get", "/api/v1/reports/total_revenue", None, "reports.read"),
]


@pytest.fixture
def records(make_contact, make_product, make_order, make_cart):
    store = Store(shop_domain="demo.myshopify.com", name="Demo", currency="EUR")
    store.set_access_token("shpat_test")
    store.save()
    return {
        "contact": make_contact().pk,
        "company": Company.objects.create(name="Acme").pk,
        "product": make_product().pk,
        "order": make_order().pk,
        "cart": make_cart().pk,
        "store": store.shop_domain,
    }


def snapshot():
    return [
        list(model.objects.order_by("pk").values())
        for model in (Contact, Company, Product, Order, Cart)
    ]


@pytest.mark.parametrize(
    ("method", "path", "body", "needed"), ENDPOINTS, ids=[f"{m} {p}" for m, p, *_ in ENDPOINTS]
)
def test_each_scope_allows_exactly_its_endpoints(
    method, path, body, needed, records, make_application, make_token, superuser, api
):
    url = path.format(**records)
    for scope in ALL_SCOPES:
        application = make_application(name=f"App with {scope}")
        token = make_token([scope], user=superuser, application=application)
        before = snapshot()
        response = api(method, url, token, body)
        if scope == needed:
            assert response.status_code in (200, 201, 204), (scope, response.content)
            continue
        assert response.status_code == 403, (scope, response.content)
        assert response.json()["error"] == {
            "code": "insufficient_scope",
            "message": f"This needs the {needed} scope, which the token lacks.",
            "field": None,
        }
        assert response["WWW-Authenticate"] == (
            f'Bearer realm="api", error="insufficient_scope", scope="{needed}"'
        )
        assert snapshot() == before


def test_every_endpoint_of_the_api_is_in_the_matrix_with_the_scope_it_documents():
    from drf_spectacular.generators import SchemaGenerator

    documented = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    operations = {
        (method, path): operation["security"]
        for path, methods in documented.items()
        for method, operation in methods.items()
        if method in ("get", "post", "put", "patch", "delete")
    }
    as_documented = {
        "{contact}": "{id}",
        "{company}": "{id}",
        "{product}": "{id}",
        "{order}": "{id}",
        "{cart}": "{id}",
        "{store}": "{shop}",
        "total_revenue": "{key}",
    }
    tested = {}
    for method, path, _, needed in ENDPOINTS:
        for ours, theirs in as_documented.items():
            path = path.replace(ours, theirs)
        tested[(method, path)] = [{"oauth2": [needed]}]
    assert operations == tested


def test_no_token_is_401_with_a_bearer_challenge(api, db):
    response = api("get", "/api/v1/orders")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["error"]["code"] == "unauthenticated"


def test_an_unknown_token_is_401_invalid_token(api, db):
    response = api("get", "/api/v1/orders", "not-a-token")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_a_scope_taken_from_the_app_stops_working_for_its_tokens(make_token, staff_user, api):
    token = make_token(["orders.read", "carts.read"], user=staff_user)
    assert api("get", "/api/v1/orders", token).status_code == 200
    token.application.allowed_scopes = ["carts.read"]
    token.application.save()
    assert api("get", "/api/v1/orders", token).status_code == 403
    assert api("get", "/api/v1/carts", token).status_code == 200
