"""Phones end to end: a local number typed in the CRM reaches Shopify (the emulator) in E.164,
read in the country of the contact's store; a phone that came from Shopify is never refused
nor changed by the CRM's check; the store keeps the country Shopify gives."""

import pytest
from django.contrib.auth import get_user_model
from django.forms.models import model_to_dict
from django.urls import reverse

from crm.models import Contact
from integration.models import Store
from sync import services
from sync.models import MappingState, RecordMapping
from tests.sync.e2e.conftest import SHOP, shop_data, work
from tests.sync.e2e.test_push import ADMIN_FIELDS, mapped_contact

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def synced(shopify, store):
    # The store's country is the one Shopify gave when it connected (the shop's address).
    assert store.country == "SE"
    services.turn_on(store=store, object_type="contacts")
    work()
    return Store.objects.get(pk=store.pk)


@pytest.fixture
def admin(client):
    client.force_login(get_user_model().objects.create_superuser("admin", "a@example.com", "pw"))
    return client


def save_in_admin(admin, contact, **changes):
    form = model_to_dict(contact, fields=ADMIN_FIELDS)
    form.update(tags=", ".join(contact.tags), company="", **changes)
    response = admin.post(reverse("admin:crm_contact_change", args=[contact.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]


def customer_in_shopify(shopify, shopify_id):
    customers = shop_data(shopify, "customers")
    return next(c for c in customers if c["legacyResourceId"] == str(shopify_id))


def test_a_local_number_typed_in_the_crm_reaches_shopify_in_e164(shopify, synced, admin):
    contact, shopify_id = mapped_contact(synced)

    save_in_admin(admin, contact, phone="070-123 45 67")
    work()

    contact.refresh_from_db()
    assert contact.phone == "+46701234567"
    assert customer_in_shopify(shopify, shopify_id)["phone"] == "+46701234567"
    mapping = RecordMapping.objects.get(store=synced, object_type="contacts", shopify_id=shopify_id)
    assert (mapping.state, mapping.push_pending) == (MappingState.SYNCED, False)


def test_a_phone_from_shopify_is_kept_as_shopify_sent_it(shopify, synced, admin):
    # A number libphonenumber does not know as valid (Shopify's rules and its data may differ):
    # the sync takes it as it is, and saving the contact in the CRM keeps it. The shop holds it
    # from before Shopify checked phones.
    shopify.faults(SHOP, phone_validation=False)
    customer = shopify.call(
        "POST",
        f"shops/{SHOP}/customers",
        {"email": "kept@example.com", "firstName": "Kept", "phone": "+4670111"},
    )
    shopify_id = int(customer["legacyResourceId"])
    services.resync_record(store=synced, object_type="contacts", shopify_id=shopify_id)
    work()
    contact = Contact.objects.with_email("kept@example.com").get()
    assert contact.phone == "+4670111"

    save_in_admin(admin, contact, first_name="Kept again")
    work()

    contact.refresh_from_db()
    assert (contact.first_name, contact.phone) == ("Kept again", "+4670111")
    shown = customer_in_shopify(shopify, shopify_id)
    assert (shown["firstName"], shown["phone"]) == ("Kept again", "+4670111")


def test_the_store_keeps_the_country_shopify_gives():
    store = Store(shop_domain=SHOP)
    shop = {"name": "Alpha", "shopAddress": {"countryCodeV2": "SE"}}

    store.mark_connected(user=None, scopes=[], shop=shop)
    assert store.country == "SE"

    # Shopify answering null (an address not set yet) does not forget what it said before.
    store.mark_connected(user=None, scopes=[], shop={"shopAddress": {"countryCodeV2": None}})
    assert store.country == "SE"

    # Nor does a value that is not a country code.
    for country in ("Sweden", "S\x00", 46, ""):
        store.mark_connected(user=None, scopes=[], shop={"shopAddress": {"countryCodeV2": country}})
        assert store.country == "SE"
