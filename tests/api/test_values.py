"""Values another app sends are checked as the admin checks them (crm.values): one a store
would refuse is a 400 naming the field, in the API's error shape, and nothing is saved."""

import pytest

from crm.models import Contact, Product


@pytest.fixture
def token(make_token, staff_user):
    return make_token(
        ["contacts.read", "contacts.write", "products.read", "products.write"], user=staff_user
    )


def rows(model):
    return list(model.objects.order_by("pk").values())


def refusal(field, message):
    return {
        "error": {
            "code": "invalid",
            "message": message,
            "field": field,
            "details": [{"field": field, "message": message, "code": "invalid"}],
        }
    }


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {"email": "eva@localhost"},
            "email",
            "“localhost” is not a domain Shopify takes: an email address needs one such as "
            "example.com.",
        ),
        (
            {"tags": ["gift, wrapped"]},
            "tags",
            "“gift, wrapped” holds a comma, which Shopify reads as two tags: make it two tags.",
        ),
    ],
)
def test_a_contact_value_a_store_would_refuse_is_a_400_and_nothing_is_saved(
    api, token, body, field, message
):
    contact = Contact.objects.create(email="eva@example.com", first_name="Eva")
    before = rows(Contact)

    for method, path in (("patch", f"/api/v1/contacts/{contact.pk}"), ("post", "/api/v1/contacts")):
        response = api(method, path, token, {"first_name": "Changed", **body})
        assert response.status_code == 400, response.content
        assert response.json() == refusal(field, message)
    assert rows(Contact) == before


def test_a_negative_product_price_is_a_400_and_nothing_is_saved(api, token):
    product = Product.objects.create(name="Linen shirt", currency="SEK")
    before = rows(Product)

    response = api("patch", f"/api/v1/products/{product.pk}", token, {"price": "-5.00"})

    assert response.status_code == 400, response.content
    assert response.json() == refusal("price", "A price cannot be negative.")
    assert rows(Product) == before
    saved = api("patch", f"/api/v1/products/{product.pk}", token, {"price": "0.00"})
    assert saved.status_code == 200, saved.content
