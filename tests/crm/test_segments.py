"""Segments count exactly the contacts and companies a person counting by hand would."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from crm import segments
from crm.models import Company, Contact, OrderLineItem, PropertyDefinition, Segment

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(make_contact, make_order, make_cart, make_product):
    PropertyDefinition.objects.create(
        object_type="order",
        internal_name="channel",
        label="Channel",
        type="enumeration",
        options=["web", "phone"],
    )
    acme = Company.objects.create(name="Acme")
    beta = Company.objects.create(name="Beta")
    ann = make_contact(email="ann@example.com", company=acme, orders_count=1)
    bo = make_contact(email="bo@example.com", first_name="Bo", company=acme, orders_count=2)
    cy = make_contact(email="cy@example.com", first_name="Cy")
    dee = make_contact(email="dee@example.com", first_name="Dee", company=beta, orders_count=1)
    mug, tee = make_product(name="Mug", sku="MUG"), make_product(name="Tee", sku="TEE")

    def order(name, contact, product, total, currency="EUR", **extra):
        placed = make_order(
            name=name,
            contact=contact,
            company=contact.company,
            total=Decimal(total),
            currency=currency,
            **extra,
        )
        OrderLineItem.objects.create(order=placed, product=product, title=product.name)
        return placed

    order("#1", ann, mug, "100", properties={"channel": "web"})
    order("#2", bo, tee, "300", cancelled_at=timezone.now())
    order("#3", bo, tee, "50", properties={"channel": "phone"})
    order("#4", dee, mug, "1000", currency="SEK")
    now = timezone.now()
    make_cart(contact=ann, checkout_started_at=now - datetime.timedelta(days=2))
    make_cart(contact=bo, checkout_started_at=now - datetime.timedelta(days=10))
    make_cart(contact=cy, checkout_started_at=now - datetime.timedelta(days=1), status="recovered")
    return {"ann": ann, "bo": bo, "cy": cy, "dee": dee, "mug": mug, "acme": acme, "beta": beta}


def emails(conditions):
    return sorted(segments.apply("contact", conditions).values_list("email", flat=True))


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        ({"abandoned_cart_days": 7}, ["ann@example.com"]),
        ({"abandoned_cart_days": 30}, ["ann@example.com", "bo@example.com"]),
        ({"order_property": {"name": "channel", "value": "web"}}, ["ann@example.com"]),
        ({"min_orders": 2}, ["bo@example.com"]),
        # Bo's cancelled order of 300 does not count.
        ({"orders_total_over": {"currency": "EUR", "amount": "120"}}, []),
        (
            {"orders_total_over": {"currency": "EUR", "amount": "40"}},
            ["ann@example.com", "bo@example.com"],
        ),
        ({"orders_total_over": {"currency": "SEK", "amount": "40"}}, ["dee@example.com"]),
    ],
)
def test_contact_segments(shop, conditions, expected):
    assert emails(conditions) == expected


def test_contacts_who_ordered_a_product_and_abandoned_a_cart_lately(shop):
    assert emails({"ordered_product": shop["mug"].pk}) == ["ann@example.com", "dee@example.com"]
    assert emails({"ordered_product": shop["mug"].pk, "abandoned_cart_days": 7}) == [
        "ann@example.com"
    ]


def test_company_segments(shop):
    def names(conditions):
        return sorted(segments.apply("company", conditions).values_list("name", flat=True))

    assert names({"orders_total_over": {"currency": "EUR", "amount": "120"}}) == ["Acme"]
    assert names({"orders_total_over": {"currency": "EUR", "amount": "150"}}) == []
    assert names({"orders_total_over": {"currency": "SEK", "amount": "500"}}) == ["Beta"]
    assert names({"ordered_product": shop["mug"].pk}) == ["Acme", "Beta"]


def test_bad_conditions_are_refused_with_the_reason(shop):
    with pytest.raises(ValidationError) as refused:
        segments.clean(
            "contact",
            {"order_property": {"name": "channel", "value": "fax"}, "min_orders": "many"},
        )
    assert refused.value.messages == [
        "Channel must be one of: web, phone; not 'fax'.",
        "Min orders: 'many' is not valid.",
    ]
    with pytest.raises(ValidationError, match="not a condition for companies"):
        segments.clean("company", {"abandoned_cart_days": 3})
    with pytest.raises(ValidationError, match="Choose at least one condition"):
        segments.clean("contact", {})


def test_segments_are_listed_with_counts_and_exported(client, superuser, shop):
    client.force_login(superuser)
    response = client.post(
        reverse("crm:segment_new"),
        {"name": "Mug buyers", "object_type": "contact", "ordered_product": "mug"},
    )
    segment = Segment.objects.get()
    assert response["Location"] == reverse("crm:segment", args=[segment.pk])
    assert segment.conditions == {"ordered_product": shop["mug"].pk}

    listing = client.get(reverse("crm:segments"))
    assert [(s.name, count) for s, count, _ in listing.context["rows"]] == [("Mug buyers", 2)]
    export = client.get(reverse("crm:segment", args=[segment.pk]), {"format": "csv"})
    lines = b"".join(export.streaming_content).decode().splitlines()
    assert lines == [
        "email,first_name,last_name,company,orders_count",
        "ann@example.com,Ann,Andersson,Acme,1",
        "dee@example.com,Dee,Andersson,Beta,1",
    ]


def test_the_form_says_what_is_wrong_and_saves_nothing(client, superuser, shop):
    client.force_login(superuser)
    response = client.post(
        reverse("crm:segment_new"),
        {"name": "Nobody", "object_type": "contact", "ordered_product": "Teapot"},
    )
    assert "No product has the SKU or name &#x27;Teapot&#x27;." in response.content.decode()
    assert not Segment.objects.exists()


def form(**fields):
    return {
        "name": "Big spenders",
        "object_type": "contact",
        "orders_total_over": "",
        "orders_total_currency": "EUR",
        **fields,
    }


@pytest.mark.parametrize("typed", ["dollars", "DOL", "€", "XXX"])
def test_a_currency_that_is_no_iso_code_is_refused_and_nothing_is_saved(
    client, staff_user, shop, typed
):
    client.force_login(staff_user)
    response = client.post(
        reverse("crm:segment_new"), form(orders_total_over="50", orders_total_currency=typed)
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "is not a currency code; use the three letters of ISO 4217, e.g. EUR, USD, SEK." in page
    assert not Segment.objects.exists()


def test_a_currency_typed_in_lower_case_is_the_iso_code(client, staff_user, shop):
    client.force_login(staff_user)
    client.post(
        reverse("crm:segment_new"), form(orders_total_over="60", orders_total_currency=" usd ")
    )
    assert Segment.objects.get().conditions == {
        "orders_total_over": {"currency": "USD", "amount": "60"}
    }


def test_segments_refuse_a_currency_from_anywhere(shop):
    with pytest.raises(ValidationError, match="'dollars' is not a currency code"):
        segments.clean("contact", {"orders_total_over": {"amount": "5", "currency": "dollars"}})
    with pytest.raises(ValidationError, match="say in which currency"):
        segments.clean("contact", {"orders_total_over": {"amount": "5", "currency": ""}})


def test_a_segment_is_edited_in_its_form(client, staff_user, shop):
    segment = Segment.objects.create(
        name="Mug buyers",
        object_type="contact",
        conditions={
            "ordered_product": shop["mug"].pk,
            "order_property": {"name": "channel", "value": "web"},
            "orders_total_over": {"currency": "EUR", "amount": "20"},
        },
    )
    client.force_login(staff_user)
    url = reverse("crm:segment_edit", args=[segment.pk])

    shown = client.get(url).context["form"]
    assert {name: shown[name].value() for name in shown.initial} == {
        "name": "Mug buyers",
        "object_type": "contact",
        "ordered_product": "MUG",
        "order_property": "channel",
        "order_property_value": "web",
        "orders_total_over": "20",
        "orders_total_currency": "EUR",
    }

    response = client.post(
        url, form(name="Big spenders", orders_total_over="100", orders_total_currency="sek")
    )

    assert response["Location"] == reverse("crm:segment", args=[segment.pk])
    segment.refresh_from_db()
    assert (segment.name, segment.conditions) == (
        "Big spenders",
        {"orders_total_over": {"currency": "SEK", "amount": "100"}},
    )
    assert [s.email for s in segments.members(segment)] == ["dee@example.com"]


def test_an_edit_with_a_bad_currency_changes_nothing(client, staff_user, shop):
    conditions = {"orders_total_over": {"currency": "EUR", "amount": "20"}}
    segment = Segment.objects.create(name="Spenders", object_type="contact", conditions=conditions)
    client.force_login(staff_user)

    response = client.post(
        reverse("crm:segment_edit", args=[segment.pk]),
        form(name="Renamed", orders_total_over="5", orders_total_currency="dollars"),
    )

    assert response.status_code == 200
    assert "&#x27;dollars&#x27; is not a currency code" in response.content.decode()
    segment.refresh_from_db()
    assert (segment.name, segment.conditions) == ("Spenders", conditions)


def test_deleting_a_segment_asks_first_and_keeps_its_members(client, staff_user, shop):
    segment = Segment.objects.create(
        name="Mug buyers", object_type="contact", conditions={"ordered_product": shop["mug"].pk}
    )
    client.force_login(staff_user)
    url = reverse("crm:segment_delete", args=[segment.pk])

    asked = client.get(url)
    assert asked.status_code == 200
    assert "You are about to delete the segment “Mug buyers”." in asked.content.decode()
    assert Segment.objects.filter(pk=segment.pk).exists()  # asking deletes nothing

    done = client.post(url)

    assert done["Location"] == reverse("crm:segments")
    assert not Segment.objects.exists()
    assert Contact.objects.count() == 4  # its members stay
    assert client.post(url).status_code == 404


def test_the_segment_list_links_to_edit_and_delete(client, staff_user, shop):
    segment = Segment.objects.create(
        name="Mug buyers", object_type="contact", conditions={"ordered_product": shop["mug"].pk}
    )
    client.force_login(staff_user)
    page = client.get(reverse("crm:segments")).content.decode()
    assert f'href="{reverse("crm:segment_edit", args=[segment.pk])}">Edit</a>' in page
    assert f'href="{reverse("crm:segment_delete", args=[segment.pk])}">Delete</a>' in page
