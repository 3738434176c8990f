"""A write through the API is a CRM change like any other: it reaches Shopify (the emulator)
in one worker cycle, a new contact is created there, a new product too."""

import pytest

from crm.models import Contact
from tests.sync.e2e.conftest import SHOP, shop_data, work
from tests.sync.e2e.test_push import customer, mapped_contact, mutations

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_contact_changed_through_the_api_reaches_shopify(
    shopify, synced, api, make_token, staff_user
):
    token = make_token(["contacts.write"], user=staff_user)
    contact, shopify_id = mapped_contact(synced)
    before = len(shopify.mutations(SHOP))

    response = api(
        "patch", f"/api/v1/contacts/{contact.pk}", token, {"first_name": "Via API", "tags": ["api"]}
    )
    assert response.status_code == 200, response.content
    work()

    shown = customer(shopify, shopify_id)
    assert (shown["firstName"], shown["tags"]) == ("Via API", ["api"])
    assert [m["mutation"] for m in shopify.mutations(SHOP)[before:]] == ["customerUpdate"]


def test_a_contact_created_through_the_api_is_created_in_shopify(
    shopify, synced, api, make_token, staff_user
):
    token = make_token(["contacts.write"], user=staff_user)
    response = api(
        "post", "/api/v1/contacts", token, {"email": "api.made@example.com", "first_name": "Api"}
    )
    assert response.status_code == 201, response.content
    work()

    created = [c for c in shop_data(shopify, "customers") if c["email"] == "api.made@example.com"]
    assert [(c["firstName"]) for c in created] == ["Api"]
    assert len(mutations(shopify, "customerCreate")) == 1
    assert Contact.objects.filter(email="api.made@example.com").count() == 1
