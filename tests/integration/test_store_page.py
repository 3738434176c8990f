"""A store's page in the admin is its page, not a form: titled by its domain, and saying what
is wrong only when something is."""

import pytest
from django.urls import reverse

from integration.models import Store, StoreStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def store():
    made = Store(shop_domain="alpha.myshopify.com", name="Alpha Goods")
    made.set_access_token("shpat_test")
    made.save()
    return made


def test_the_page_is_titled_by_the_stores_domain(admin_client, store):
    page = admin_client.get(reverse("admin:integration_store_change", args=[store.pk]))
    text = page.content.decode()

    assert "<h1>Shopify store alpha.myshopify.com</h1>" in text
    assert "<h2>Alpha Goods</h2>" in text
    assert "Change Shopify store" not in text
    assert 'name="_save"' not in text


def test_a_connected_store_says_nothing_of_errors(admin_client, store):
    text = admin_client.get(reverse("admin:integration_store_change", args=[store.pk])).content
    assert b"What is wrong" not in text
    assert b"in error" not in text


@pytest.mark.parametrize("status", [StoreStatus.ERROR, StoreStatus.RECONNECT])
def test_a_store_in_trouble_says_what_is_wrong(admin_client, store, status):
    Store.objects.filter(pk=store.pk).update(
        status=status, status_detail="Shopify refused the token: invalid_grant"
    )
    text = admin_client.get(reverse("admin:integration_store_change", args=[store.pk])).content
    assert b"What is wrong" in text
    assert b"Shopify refused the token: invalid_grant" in text
