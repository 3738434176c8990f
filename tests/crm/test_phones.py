"""Phones typed in the CRM are checked when they are saved and kept in E.164, as Shopify needs:
a number that cannot be a phone number is refused with the reason and nothing is saved; a
local one is read in the country of the record's store; a stored number nobody changes is
left alone, so a record with an old bad number still opens and saves."""

import pytest
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.urls import reverse

from crm import phones
from crm.models import Company, Contact
from integration.models import Store, StoreStatus
from sync.models import RecordMapping

pytestmark = pytest.mark.django_db

CONTACT_FIELDS = ["email", "first_name", "last_name", "phone", "address1", "address2", "city"]
CONTACT_FIELDS += ["province", "postal_code", "country_code", "email_marketing_consent"]
CONTACT_FIELDS += ["sms_marketing_consent", "note"]
COMPANY_FIELDS = ["name", "domain", "phone", "address1", "address2", "city", "province"]
COMPANY_FIELDS += ["postal_code", "country_code"]


def make_store(domain, country, status=StoreStatus.CONNECTED):
    return Store.objects.create(shop_domain=domain, country=country, status=status)


@pytest.fixture
def swedish_store():
    return make_store("nordic.myshopify.com", "SE")


def contact_form(contact, **changes):
    form = model_to_dict(contact, fields=CONTACT_FIELDS)
    return {**form, "tags": ", ".join(contact.tags), "company": "", **changes}


def company_form(company, **changes):
    return {**model_to_dict(company, fields=COMPANY_FIELDS), **changes}


def rows(model):
    return list(model.objects.order_by("pk").values())


# The check itself ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "region", "saved"),
    [
        ("070-123 45 67", "SE", "+46701234567"),  # local, read in the store's country
        ("08-123 456 78", "SE", "+46812345678"),
        ("0046 70 123 45 67", "SE", "+46701234567"),  # Sweden's international prefix
        ("+1 415 555 2671", "SE", "+14155552671"),  # international: its own country
        ("+44 20 7946 0958", "", "+442079460958"),
        ("(415) 555-2671", "US", "+14155552671"),
    ],
)
def test_a_valid_number_is_saved_in_e164(typed, region, saved):
    assert phones.e164(typed, region) == saved


@pytest.mark.parametrize(
    ("typed", "region", "reason"),
    [
        (
            "555-1234",
            "SE",
            "Not a valid phone number in Sweden. For a number in another country, start with + "
            "and its country code.",
        ),
        (
            "555-1234",
            "US",
            "Add the area code: without it this is only a local number in United States. For a "
            "number in another country, start with + and its country code.",
        ),
        ("+46 8 123", "", "Too short for a phone number in Sweden (+46)."),
        ("+46 70 123 45 67 89 01", "", "Too long for a phone number in Sweden (+46)."),
        ("+1 200 555 1234", "SE", "Not a valid phone number with the country code +1."),
        ("+999 123 4567", "SE", "The country code is not one in use: check the digits after +."),
        (
            "12",
            "SE",
            "Too short for a phone number in Sweden. For a number in another country, start "
            "with + and its country code.",
        ),
        ("+46", "SE", "Too short for a phone number."),
        (
            "call me",
            "SE",
            "This is not a phone number: type its digits, starting with + and the country code.",
        ),
        (
            "070-123 45 67",
            "",
            "Start the number with + and its country code (e.g. +46 for Sweden): no country is "
            "set for numbers without one.",
        ),
        (
            "070-123 45 67 ext. 12",
            "SE",
            "Leave out the extension: Shopify keeps phone numbers without one.",
        ),
    ],
)
def test_a_number_that_cannot_be_a_phone_number_is_refused_with_the_reason(typed, region, reason):
    with pytest.raises(ValidationError) as refused:
        phones.e164(typed, region)

    assert refused.value.messages == [reason]
    assert refused.value.code == "invalid"


def test_blank_is_allowed():
    assert phones.checked("", None) == ""
    assert phones.checked("   ", Contact(phone="+46701234567")) == ""


def test_a_stored_number_left_as_it_is_is_never_checked_nor_changed(make_contact):
    legacy = make_contact(phone="555-1234")

    assert phones.checked("555-1234", legacy) == "555-1234"
    assert phones.checked(" 555-1234 ", legacy) == "555-1234"
    with pytest.raises(ValidationError):
        phones.checked("555-1235", legacy)


def test_a_new_record_typing_the_same_bad_number_is_refused():
    with pytest.raises(ValidationError):
        phones.checked("555-1234", Contact(phone="555-1234"))


# Which country a local number is read in -----------------------------------------------------


def test_a_synced_record_reads_local_numbers_in_its_stores_country(make_contact):
    american = make_store("states.myshopify.com", "US")
    swedish = make_store("nordic.myshopify.com", "SE")
    contact = make_contact()
    company = Company.objects.create(name="Acme")
    RecordMapping.objects.create(
        store=swedish, object_type="contacts", shopify_id=1, crm_id=contact.pk
    )
    RecordMapping.objects.create(
        store=american, object_type="contacts", shopify_id=2, crm_id=contact.pk
    )
    RecordMapping.objects.create(
        store=american, object_type="companies", shopify_id=1, crm_id=company.pk
    )

    # The store it came from (its first mapping), not the others it was pushed to.
    assert phones.region_for(contact) == "SE"
    assert phones.region_for(company) == "US"
    assert phones.checked("070-123 45 67", contact) == "+46701234567"


def test_a_store_that_never_said_its_country_is_passed_over(make_contact, settings):
    settings.CRM_DEFAULT_PHONE_REGION = "DE"
    silent = make_store("silent.myshopify.com", "")
    contact = make_contact()
    RecordMapping.objects.create(
        store=silent, object_type="contacts", shopify_id=1, crm_id=contact.pk
    )

    assert phones.region_for(contact) == "DE"


def test_a_new_record_takes_the_one_country_of_the_connected_stores(settings):
    settings.CRM_DEFAULT_PHONE_REGION = "DE"
    make_store("nordic.myshopify.com", "SE")
    make_store("nordic-outlet.myshopify.com", "SE")
    make_store("states.myshopify.com", "US", status=StoreStatus.DISCONNECTED)

    assert phones.region_for(None) == "SE"
    assert phones.region_for(Contact()) == "SE"


def test_stores_in_several_countries_leave_it_to_the_default_region(settings):
    make_store("nordic.myshopify.com", "SE")
    make_store("states.myshopify.com", "US")

    settings.CRM_DEFAULT_PHONE_REGION = "GB"
    assert phones.region_for(Contact()) == "GB"
    settings.CRM_DEFAULT_PHONE_REGION = ""
    assert phones.region_for(Contact()) == ""


def test_a_default_region_that_is_no_country_fails_the_system_check(settings):
    settings.CRM_DEFAULT_PHONE_REGION = "XX"

    errors = phones.check_default_region()

    assert [(e.id, e.msg) for e in errors] == [
        ("crm.E001", "CRM_DEFAULT_PHONE_REGION='XX' is not a country with phone numbers.")
    ]
    settings.CRM_DEFAULT_PHONE_REGION = "SE"
    assert phones.check_default_region() == []


# The admin's forms ---------------------------------------------------------------------------


def test_a_bad_phone_is_refused_in_the_admin_and_nothing_is_saved(
    admin_client, make_contact, swedish_store
):
    contact = make_contact(phone="+46701234567")
    before = rows(Contact)

    response = admin_client.post(
        reverse("admin:crm_contact_change", args=[contact.pk]),
        contact_form(contact, first_name="Changed", phone="555-1234"),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "phone": [
            "Not a valid phone number in Sweden. For a number in another country, start with + "
            "and its country code."
        ]
    }
    assert rows(Contact) == before


def test_a_local_number_typed_in_the_admin_is_saved_in_e164(admin_client, swedish_store):
    contact = Contact(email="eva@example.com", first_name="Eva")

    response = admin_client.post(
        reverse("admin:crm_contact_add"), contact_form(contact, phone="070-123 45 67")
    )

    assert response.status_code == 302
    assert Contact.objects.get(email="eva@example.com").phone == "+46701234567"


def test_an_international_number_is_kept_and_blank_is_allowed(admin_client, make_contact):
    contact = make_contact(phone="")
    url = reverse("admin:crm_contact_change", args=[contact.pk])

    admin_client.post(url, contact_form(contact, phone="+1 (415) 555-2671"))
    contact.refresh_from_db()
    assert contact.phone == "+14155552671"

    admin_client.post(url, contact_form(contact, phone=""))
    contact.refresh_from_db()
    assert contact.phone == ""


def test_a_contact_with_a_bad_old_phone_opens_saves_and_says_what_is_wrong(
    admin_client, make_contact, swedish_store
):
    legacy = make_contact(phone="555-1234")
    url = reverse("admin:crm_contact_change", args=[legacy.pk])

    page = admin_client.get(url)
    assert page.status_code == 200
    assert page.context["adminform"].form.fields["phone"].help_text == (
        "Saved in international form (E.164, e.g. +46701234567), as Shopify needs. A number "
        "without + and a country code is taken to be in Sweden. Shopify will refuse the number "
        "saved now: not a valid phone number in Sweden. It stays as it is until someone changes "
        "it."
    )

    saved = admin_client.post(url, contact_form(legacy, first_name="Anna"))
    assert saved.status_code == 302
    legacy.refresh_from_db()
    assert (legacy.first_name, legacy.phone) == ("Anna", "555-1234")

    refused = admin_client.post(url, contact_form(legacy, phone="555-12"))
    assert refused.context["adminform"].form.errors == {
        "phone": [
            "Too short for a phone number in Sweden. For a number in another country, start "
            "with + and its country code."
        ]
    }
    legacy.refresh_from_db()
    assert legacy.phone == "555-1234"


def test_a_company_phone_is_checked_too(admin_client, swedish_store):
    company = Company.objects.create(name="Acme", phone="")
    url = reverse("admin:crm_company_change", args=[company.pk])
    before = rows(Company)

    refused = admin_client.post(url, company_form(company, phone="+46 8 123"))
    assert refused.context["adminform"].form.errors == {
        "phone": ["Too short for a phone number in Sweden (+46)."]
    }
    assert rows(Company) == before

    admin_client.post(url, company_form(company, phone="08-123 456 78"))
    company.refresh_from_db()
    assert company.phone == "+46812345678"


def test_the_phone_field_says_how_an_old_valid_number_must_be_written(
    admin_client, make_contact, swedish_store
):
    legacy = make_contact(phone="070-123 45 67")

    page = admin_client.get(reverse("admin:crm_contact_change", args=[legacy.pk]))

    help_text = page.context["adminform"].form.fields["phone"].help_text
    assert help_text.endswith(
        "Shopify will refuse the number saved now as it is written: type it again to save it "
        "as +46701234567."
    )


def test_without_a_country_the_phone_field_asks_for_the_country_code(admin_client, settings):
    settings.CRM_DEFAULT_PHONE_REGION = ""

    page = admin_client.get(reverse("admin:crm_contact_add"))

    assert page.context["adminform"].form.fields["phone"].help_text == (
        "Saved in international form (E.164, e.g. +46701234567), as Shopify needs. Start it "
        "with + and the country code: no country is set for numbers without one."
    )
