"""Values that sync to the stores are checked when saved, as the stores check them
(crm.values, beside crm.phones): a value Shopify would refuse is a clear field error in the
admin's forms and nothing is saved (nor pushed); a value left as it was stored still saves."""

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.urls import reverse

from crm import values
from crm.models import Contact, Product, ProductVariant

pytestmark = pytest.mark.django_db

CONTACT_FIELDS = ["email", "first_name", "last_name", "phone", "address1", "address2", "city"]
CONTACT_FIELDS += ["province", "postal_code", "country_code", "email_marketing_consent"]
CONTACT_FIELDS += ["sms_marketing_consent", "note"]


def contact_form(contact, **changes):
    form = model_to_dict(contact, fields=CONTACT_FIELDS)
    return {**form, "tags": ", ".join(contact.tags), "company": "", **changes}


def product_form(product, variants=(), **changes):
    form = {
        "name": product.name,
        "description": "",
        "sku": product.sku,
        "price": "" if product.price is None else str(product.price),
        "currency": product.currency,
        "status": product.status,
        "vendor": "",
        "product_type": "",
        "tags": ", ".join(product.tags),
        "variants-TOTAL_FORMS": str(len(variants)),
        "variants-INITIAL_FORMS": str(len(variants)),
        "variants-MIN_NUM_FORMS": "0",
        "variants-MAX_NUM_FORMS": "1000",
    }
    for index, variant in enumerate(variants):
        form.update(
            {
                f"variants-{index}-id": str(variant.pk),
                f"variants-{index}-product": str(product.pk),
                f"variants-{index}-title": variant.title,
                f"variants-{index}-sku": variant.sku,
                f"variants-{index}-price": str(variant.price),
                f"variants-{index}-options": json.dumps(variant.options),
                f"variants-{index}-position": str(variant.position),
            }
        )
    return {**form, **changes}


def rows(model):
    return list(model.objects.order_by("pk").values())


# The checks themselves


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("not an email", "Enter a valid email address."),
        ("anna@localhost", "“localhost” is not a domain Shopify takes"),
        ("anna@[10.0.0.1]", "“[10.0.0.1]” is not a domain Shopify takes"),
    ],
)
def test_an_email_a_store_would_refuse_is_refused_with_the_reason(typed, reason):
    with pytest.raises(ValidationError) as refused:
        values.email(typed)
    assert refused.value.messages[0].startswith(reason)


def test_a_good_email_is_trimmed_and_a_stored_one_is_kept_as_it_is():
    assert values.email("  anna@example.se ") == "anna@example.se"
    assert values.email("") == ""
    assert values.email("old@localhost", "old@localhost") == "old@localhost"


@pytest.mark.parametrize(
    ("tags", "reason"),
    [
        ({"vip": True}, 'Tags are a list of texts, e.g. ["vip", "wholesale"].'),
        (["vip", 3], 'Tags are a list of texts, e.g. ["vip", "wholesale"].'),
        (["vip", "  "], "A tag cannot be empty."),
        (["gift, wrapped"], "“gift, wrapped” holds a comma, which Shopify reads as two tags"),
        (["x" * 256], "A tag has at most 255 characters"),
    ],
)
def test_tags_a_store_cannot_keep_are_refused(tags, reason):
    with pytest.raises(ValidationError) as refused:
        values.tags(tags)
    assert refused.value.messages[0].startswith(reason)


def test_tags_are_trimmed_once_each_and_stored_ones_are_kept():
    assert values.tags([" vip", "vip ", "wholesale"]) == ["vip", "wholesale"]
    assert values.tags(None) == []
    assert values.tags(["a,b"], ["a,b"]) == ["a,b"]


def test_a_negative_price_is_refused_zero_is_not():
    with pytest.raises(ValidationError) as refused:
        values.price(Decimal("-1.00"))
    assert refused.value.messages == ["A price cannot be negative."]
    assert values.price(Decimal("0")) == Decimal("0")
    assert values.price(None) is None


# The admin's forms


def test_a_bad_phone_email_or_tag_is_a_field_error_and_nothing_is_saved(admin_client, make_contact):
    contact = make_contact(phone="+46701234567")
    before = rows(Contact)

    response = admin_client.post(
        reverse("admin:crm_contact_change", args=[contact.pk]),
        contact_form(contact, phone="not a phone", email="ann@localhost", tags="vip, " + "x" * 256),
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors == {
        "phone": [
            "This is not a phone number: type its digits, starting with + and the country code."
        ],
        "email": [
            "“localhost” is not a domain Shopify takes: an email address needs one such as "
            "example.com."
        ],
        "tags": ["A tag has at most 255 characters; “" + "x" * 30 + "…” has 256."],
    }
    assert rows(Contact) == before


def test_an_old_value_left_as_it_was_still_saves(admin_client, make_contact):
    contact = make_contact(email="old@localhost", tags=["a,b"])

    response = admin_client.post(
        reverse("admin:crm_contact_change", args=[contact.pk]),
        contact_form(contact, first_name="Changed"),
    )

    assert response.status_code == 302
    contact.refresh_from_db()
    # The stored email is kept; a stored tag holding a comma, typed back as the form shows it,
    # becomes the two tags Shopify would read it as.
    assert (contact.first_name, contact.email, contact.tags) == (
        "Changed",
        "old@localhost",
        ["a", "b"],
    )


def test_a_negative_product_or_variant_price_is_refused_and_nothing_is_saved(admin_client):
    product = Product.objects.create(name="Linen shirt", price=Decimal("20.00"), currency="SEK")
    variant = ProductVariant.objects.create(product=product, title="M", price=Decimal("20.00"))
    url = reverse("admin:crm_product_change", args=[product.pk])
    before = (rows(Product), rows(ProductVariant))

    response = admin_client.post(url, product_form(product, [variant], price="-5"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"price": ["A price cannot be negative."]}

    response = admin_client.post(
        url, product_form(product, [variant], **{"variants-0-price": "-1"})
    )
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.errors == [{"price": ["A price cannot be negative."]}]
    assert (rows(Product), rows(ProductVariant)) == before

    response = admin_client.post(url, product_form(product, [variant], price="0"))
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.price == Decimal("0")
