"""Phones: a customer's phone must be a valid number with its country code, stored in E.164,
and unique in the shop — in customerCreate and customerUpdate, and in the admin (the control
API) alike. Refusals change nothing."""

import phonenumbers
import pytest

from shopify_emulator import seed as seeding
from shopify_emulator.client import ControlError
from shopify_emulator.state import Shop

CREATE = """mutation($input: CustomerInput!) {
  customerCreate(input: $input) { customer { id phone } userErrors { field message } }
}"""
UPDATE = """mutation($input: CustomerInput!) {
  customerUpdate(input: $input) { customer { id phone } userErrors { field message } }
}"""
INVALID = [{"field": ["phone"], "message": "Phone is invalid"}]
TAKEN = [{"field": ["phone"], "message": "Phone has already been taken"}]


def customers(shop):
    return shop.control("GET", "customers")["customers"]


def test_a_valid_phone_is_stored_in_e164(shop):
    created = shop.graphql(CREATE, {"input": {"firstName": "Ann", "phone": "+46 70 123 45 67"}})

    assert created["data"]["customerCreate"]["userErrors"] == []
    assert created["data"]["customerCreate"]["customer"]["phone"] == "+46701234567"
    phone = shop.graphql(
        "query($id: ID!) { customer(id: $id) { defaultPhoneNumber { phoneNumber } } }",
        {"id": created["data"]["customerCreate"]["customer"]["id"]},
    )["data"]["customer"]["defaultPhoneNumber"]
    assert phone == {"phoneNumber": "+46701234567"}


@pytest.mark.parametrize(
    "phone",
    [
        "+46700000",  # too short for a Swedish number
        "0701234567",  # no country code: the shop has no country to dial from
        "+1 555 0100",  # too short
        "+12001234567",  # no such area code (200)
        "not a phone",
        "+",
    ],
)
def test_an_invalid_phone_is_refused_and_nothing_is_made(shop, phone):
    result = shop.graphql(CREATE, {"input": {"firstName": "Ann", "phone": phone}})

    assert result["data"]["customerCreate"] == {"customer": None, "userErrors": INVALID}
    assert customers(shop) == []


def test_a_phone_another_customer_has_is_taken(shop):
    shop.control("POST", "customers", {"firstName": "First", "phone": "+46701234567"})

    # The same number written otherwise is the same number.
    result = shop.graphql(CREATE, {"input": {"firstName": "Second", "phone": "+46 70-123 45 67"}})

    assert result["data"]["customerCreate"] == {"customer": None, "userErrors": TAKEN}
    assert [c["firstName"] for c in customers(shop)] == ["First"]


def test_email_and_phone_errors_come_together(shop):
    shop.control("POST", "customers", {"email": "taken@example.com", "phone": "+46701234567"})

    result = shop.graphql(
        CREATE, {"input": {"email": "taken@example.com", "phone": "+46701234567"}}
    )

    assert result["data"]["customerCreate"]["userErrors"] == [
        {"field": ["email"], "message": "Email has already been taken"},
        *TAKEN,
    ]
    assert len(customers(shop)) == 1


def test_customer_update_checks_the_phone_too(shop):
    shop.control("POST", "customers", {"firstName": "First", "phone": "+46701234567"})
    second = shop.control("POST", "customers", {"firstName": "Second", "phone": "+46701234568"})

    taken = shop.graphql(UPDATE, {"input": {"id": second["id"], "phone": "+46701234567"}})
    invalid = shop.graphql(UPDATE, {"input": {"id": second["id"], "phone": "+4670"}})
    own = shop.graphql(UPDATE, {"input": {"id": second["id"], "phone": "+46 70 123 45 68"}})
    cleared = shop.graphql(UPDATE, {"input": {"id": second["id"], "phone": ""}})

    assert taken["data"]["customerUpdate"] == {"customer": None, "userErrors": TAKEN}
    assert invalid["data"]["customerUpdate"] == {"customer": None, "userErrors": INVALID}
    assert own["data"]["customerUpdate"] == {
        "customer": {"id": second["id"], "phone": "+46701234568"},
        "userErrors": [],
    }
    assert cleared["data"]["customerUpdate"]["customer"]["phone"] is None


def test_a_refused_update_changes_nothing(shop):
    customer = shop.control("POST", "customers", {"firstName": "Ann", "phone": "+46701234567"})

    shop.graphql(UPDATE, {"input": {"id": customer["id"], "firstName": "Bo", "phone": "+4670"}})

    [after] = customers(shop)
    assert (after["firstName"], after["phone"], after["updatedAt"]) == (
        "Ann",
        "+46701234567",
        customer["updatedAt"],
    )


def test_the_admin_is_as_strict(shop):
    """The merchant in Shopify's admin meets the same customer validation."""
    shop.control("POST", "customers", {"firstName": "First", "phone": "+46701234567"})
    second = shop.control("POST", "customers", {"firstName": "Second"})

    with pytest.raises(ControlError) as invalid:
        shop.control("POST", "customers", {"firstName": "Bad", "phone": "+4670111"})
    with pytest.raises(ControlError) as taken:
        shop.control("PATCH", f"customers/{second['legacyResourceId']}", {"phone": "+46701234567"})

    assert invalid.value.status == taken.value.status == 422
    assert invalid.value.body == {
        "error": "Phone is invalid",
        "userErrors": [{**INVALID[0], "code": "INVALID"}],
    }
    assert taken.value.body["userErrors"] == [{**TAKEN[0], "code": "TAKEN"}]
    assert [c["phone"] for c in customers(shop)] == ["+46701234567", None]


def test_a_company_contact_made_with_a_taken_phone_is_refused(shop):
    shop.control("POST", "customers", {"firstName": "First", "phone": "+46701234567"})

    result = shop.graphql(
        """mutation { companyCreate(input: {company: {name: "Acme"},
             companyContact: {firstName: "Bo", phone: "+46701234567"}}) {
           company { id } userErrors { field message } } }"""
    )["data"]["companyCreate"]

    assert result["company"] is None
    assert result["userErrors"] == [
        {"field": ["input", "companyContact", "phone"], "message": "Phone has already been taken"}
    ]
    assert shop.control("GET", "companies")["companies"] == []


def test_seeded_phones_are_valid_unique_and_e164():
    shop = Shop("seeded.myshopify.com", "Seeded", "USD", "UTC", 60000001)
    seeding.seed(shop, customers=3000, companies=40, seed=11)

    phones = [c["phone"] for c in shop.data["customers"].values() if c["phone"]]

    assert len(phones) > 800
    assert len(set(phones)) == len(phones)
    for phone in phones:
        parsed = phonenumbers.parse(phone, None)
        assert phonenumbers.is_valid_number(parsed), phone
        assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == phone


def test_phone_validation_can_be_turned_off_for_legacy_numbers(shop):
    shop.control("PUT", "faults", {"phone_validation": False})

    kept = shop.control("POST", "customers", {"firstName": "Old", "phone": "+4670111"})
    with pytest.raises(ControlError) as taken:
        shop.control("POST", "customers", {"firstName": "Again", "phone": "+4670111"})

    assert kept["phone"] == "+4670111"
    assert taken.value.body["userErrors"] == [{**TAKEN[0], "code": "TAKEN"}]
