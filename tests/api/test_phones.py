"""Phones another app sends are checked as the admin checks them (crm.phones): a number that
cannot be a phone number is a 400 in the API's error shape naming the field, and nothing is
saved; a valid one is saved in E.164, a local one read in the country of the record's store."""

import pytest

from crm.models import Company, Contact
from integration.models import Store

REFUSED_SE = (
    "Not a valid phone number in Sweden. For a number in another country, start with + and its "
    "country code."
)


@pytest.fixture
def token(make_token, staff_user):
    return make_token(["contacts.read", "contacts.write"], user=staff_user)


@pytest.fixture
def swedish_store(db):
    return Store.objects.create(shop_domain="nordic.myshopify.com", country="SE")


def rows(model):
    return list(model.objects.order_by("pk").values())


def test_a_bad_phone_is_a_400_naming_the_field_and_nothing_is_saved(
    api, token, make_contact, swedish_store
):
    contact = make_contact(phone="+46701234567")
    before = rows(Contact)

    for method, path in (
        ("patch", f"/api/v1/contacts/{contact.pk}"),
        ("post", "/api/v1/contacts"),
    ):
        body = {"email": "eva@example.com", "phone": "555-1234"}
        response = api(method, path, token, body)

        assert response.status_code == 400, response.content
        assert response.json() == {
            "error": {
                "code": "invalid",
                "message": REFUSED_SE,
                "field": "phone",
                "details": [{"field": "phone", "message": REFUSED_SE, "code": "invalid"}],
            }
        }
        assert rows(Contact) == before


def test_a_local_number_is_saved_in_e164_with_the_stores_country(api, token, swedish_store):
    response = api(
        "post", "/api/v1/contacts", token, {"email": "eva@example.com", "phone": "070-123 45 67"}
    )

    assert response.status_code == 201, response.content
    assert response.json()["phone"] == "+46701234567"
    assert Contact.objects.get(email="eva@example.com").phone == "+46701234567"


def test_an_international_number_is_kept_and_blank_is_allowed(api, token, make_contact):
    contact = make_contact(phone="+46701234567")
    path = f"/api/v1/contacts/{contact.pk}"

    international = api("patch", path, token, {"phone": "+1 415-555-2671"})
    assert (international.status_code, international.json()["phone"]) == (200, "+14155552671")

    blank = api("patch", path, token, {"phone": ""})
    assert (blank.status_code, blank.json()["phone"]) == (200, "")
    contact.refresh_from_db()
    assert contact.phone == ""


def test_a_company_phone_is_checked_too(api, token, swedish_store):
    company = Company.objects.create(name="Acme")
    before = rows(Company)
    path = f"/api/v1/companies/{company.pk}"

    refused = api("patch", path, token, {"phone": "+46 8 123"})
    assert refused.status_code == 400
    assert refused.json()["error"] == {
        "code": "invalid",
        "message": "Too short for a phone number in Sweden (+46).",
        "field": "phone",
        "details": [
            {
                "field": "phone",
                "message": "Too short for a phone number in Sweden (+46).",
                "code": "invalid",
            }
        ],
    }
    assert rows(Company) == before

    saved = api("patch", path, token, {"phone": "08-123 456 78"})
    assert (saved.status_code, saved.json()["phone"]) == (200, "+46812345678")


def test_a_contact_with_a_bad_old_phone_can_still_be_changed(
    api, token, make_contact, swedish_store
):
    legacy = make_contact(phone="555-1234")
    path = f"/api/v1/contacts/{legacy.pk}"

    note = api("patch", path, token, {"note": "Called"})
    # An app that sends the record back as it read it changes nothing of the phone either.
    same = api("patch", path, token, {"phone": "555-1234", "last_name": "Berg"})

    assert (note.status_code, same.status_code) == (200, 200)
    legacy.refresh_from_db()
    assert (legacy.note, legacy.last_name, legacy.phone) == ("Called", "Berg", "555-1234")
