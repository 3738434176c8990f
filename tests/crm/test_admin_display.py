"""The CRM's admin shows money and JSON for a person: amounts in their currency's format, tags
as a comma list, custom properties as label: value (or one field each), enumeration options
one per line, payloads as labels and values."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from crm import segments
from crm.models import (
    Contact,
    FollowUpRule,
    OrderLineItem,
    ProductVariant,
    PropertyDefinition,
    Segment,
    TriggerDelivery,
)
from tests.pages import readable_page

pytestmark = pytest.mark.django_db

RAW = ('{"', '["', "{'", "['", "Decimal(", ".840", "0000000")
CONTACT_FIELDS = {
    "email": "ann@example.com",
    "first_name": "Ann",
    "last_name": "Andersson",
    "phone": "",
    "company": "",
    "address1": "",
    "address2": "",
    "city": "",
    "province": "",
    "postal_code": "",
    "country_code": "",
    "note": "",
}


def page(client, url):
    return readable_page(client, url, RAW)


def squeezed(html):
    """The page without the white space between its tags."""
    return re.sub(r">\s+<", "><", html)


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_user("staff", password="pw", is_staff=True)
    client.force_login(user)
    return client


def test_a_contacts_totals_are_shown_as_money_per_currency(admin_client, make_contact):
    contact = make_contact(orders_count=1234, total_spent={"USD": "616.700", "JPY": "1500"})

    text = squeezed(page(admin_client, reverse("admin:crm_contact_change", args=[contact.pk])))

    assert '<label>Orders:</label><div class="readonly">1,234</div>' in text
    assert '<label>Total spent:</label><div class="readonly">¥1,500, $616.70</div>' in text


def test_a_contacts_tags_are_shown_and_typed_as_a_comma_list(admin_client, make_contact):
    contact = make_contact(tags=["gift-buyer", "vip"])
    url = reverse("admin:crm_contact_change", args=[contact.pk])

    text = page(admin_client, url)
    assert 'name="tags" value="gift-buyer, vip"' in text

    response = admin_client.post(url, {**CONTACT_FIELDS, "tags": " vip, newsletter ,, vip "})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.tags == ["vip", "newsletter"]

    admin_client.post(url, {**CONTACT_FIELDS, "tags": ""})
    contact.refresh_from_db()
    assert contact.tags == []


def test_a_product_shows_its_tags_and_its_variants_options_readably(admin_client, make_product):
    product = make_product(tags=["summer"], price=Decimal("12.500"), currency="USD")
    ProductVariant.objects.create(
        product=product,
        title="Large red",
        price=Decimal("15"),
        options=[{"name": "Size", "value": "L"}, {"name": "Colour", "value": "Red"}],
    )

    change = page(admin_client, reverse("admin:crm_product_change", args=[product.pk]))
    listing = page(admin_client, reverse("admin:crm_product_changelist"))

    assert 'name="tags" value="summer"' in change
    assert 'name="price" value="12.50"' in change
    assert 'name="variants-0-price" value="15.00"' in change
    assert "Size: L · Colour: Red" in change
    assert '<td class="field-price_column">$12.50</td>' in listing


def test_an_orders_amounts_show_in_its_currencies(admin_client, make_order):
    order = make_order(
        currency="USD",
        presentment_currency="SEK",
        total=Decimal("91.840"),
        presentment_total=Decimal("1000.500"),
        refunded=Decimal("5"),
    )
    OrderLineItem.objects.create(
        order=order, title="Mug", quantity=2, unit_price=Decimal("45.920"), total=Decimal("91.840")
    )

    text = squeezed(page(admin_client, reverse("admin:crm_order_change", args=[order.pk])))

    assert '<label>Total:</label><div class="readonly">$91.84</div>' in text
    assert '<label>Presentment total:</label><div class="readonly">SEK\xa01,000.50</div>' in text
    assert '<label>Refunded:</label><div class="readonly">$5.00</div>' in text
    assert '<td class="field-price"><p>$45.92</p></td>' in text
    assert '<td class="field-line_total"><p>$91.84</p></td>' in text


def test_staff_who_may_not_change_them_see_the_properties_as_labels_and_values(
    staff_client, make_order
):
    PropertyDefinition.objects.create(
        object_type="order", internal_name="channel", label="Sales channel", type="text"
    )
    PropertyDefinition.objects.create(
        object_type="order", internal_name="weight", label="Weight", type="number"
    )
    PropertyDefinition.objects.create(
        object_type="order", internal_name="gift", label="Gift", type="boolean"
    )
    order = make_order(properties={"channel": "phone", "weight": "1234.5", "gift": True})

    text = page(staff_client, reverse("admin:crm_order_change", args=[order.pk]))

    assert (
        '<dl class="readable"><dt>Gift</dt><dd>Yes</dd><dt>Sales channel</dt><dd>phone</dd>'
        "<dt>Weight</dt><dd>1,234.5</dd></dl>"
    ) in text
    assert "Properties:" not in text


def test_a_superadmin_changes_each_property_in_its_own_field(admin_client, make_order):
    PropertyDefinition.objects.create(
        object_type="order",
        internal_name="tier",
        label="Tier",
        type="enumeration",
        options=["Gold", "Silver"],
    )
    order = make_order(properties={"tier": "Gold"})
    url = reverse("admin:crm_order_change", args=[order.pk])
    inlines = {
        f"{name}-{key}": 0
        for name in ("line_items", "stage_changes")
        for key in ("TOTAL_FORMS", "INITIAL_FORMS")
    }

    text = page(admin_client, url)
    assert '<option value="Gold" selected>Gold</option>' in text

    refused = admin_client.post(url, {**inlines, "tier": "Bronze"})
    order.refresh_from_db()
    assert refused.status_code == 200 and order.properties == {"tier": "Gold"}

    assert admin_client.post(url, {**inlines, "tier": "Silver"}).status_code == 302
    order.refresh_from_db()
    assert order.properties == {"tier": "Silver"}


def definition_form(**fields):
    return {
        "object_type": "order",
        "internal_name": "tier",
        "label": "Tier",
        "type": "enumeration",
        "description": "",
        **fields,
    }


def test_enumeration_options_are_typed_one_per_line(admin_client):
    add = reverse("admin:crm_propertydefinition_add")

    form = page(admin_client, add)
    assert "one per line" in form

    response = admin_client.post(add, definition_form(options="Gold\r\n Silver \r\n\r\nGold\r\n"))

    assert response.status_code == 302
    definition = PropertyDefinition.objects.get()
    assert definition.options == ["Gold", "Silver"]
    change = page(
        admin_client, reverse("admin:crm_propertydefinition_change", args=[definition.pk])
    )
    assert ">\nGold\nSilver</textarea>" in change
    listing = page(admin_client, reverse("admin:crm_propertydefinition_changelist"))
    assert '<td class="field-object_type">Order</td>' in listing
    assert '<td class="field-options_shown">Gold, Silver</td>' in listing


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"options": ""}, "An enumeration needs at least one option."),
        ({"type": "text", "options": "Gold"}, "Only enumeration properties have options."),
    ],
)
def test_wrong_options_are_refused_and_nothing_is_saved(admin_client, fields, error):
    response = admin_client.post(
        reverse("admin:crm_propertydefinition_add"), definition_form(**fields)
    )

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not PropertyDefinition.objects.exists()


def test_a_trigger_deliverys_payload_is_shown_readably(admin_client):
    rule = FollowUpRule.objects.create(
        name="Won", event="cart_abandoned", hours=2, url="https://example.com/hook", secret="s"
    )
    delivery = TriggerDelivery.objects.create(
        rule=rule, key="cart:1", payload={"event": "cart_abandoned", "cart": {"id": 1}}
    )

    text = page(admin_client, reverse("admin:crm_triggerdelivery_change", args=[delivery.pk]))

    assert "<summary>What the webhook sends</summary>" in text
    assert "<dt>Event</dt><dd>cart_abandoned</dd>" in text
    assert '<dt>Cart</dt><dd><dl class="readable"><dt>Id</dt><dd>1</dd></dl></dd>' in text


def test_the_contact_list_and_page_show_counts_and_totals_formatted(admin_client, make_contact):
    contact = make_contact(orders_count=1234, total_spent={"USD": "616.700", "JPY": "1500"})
    Contact.objects.filter(pk=contact.pk).update(orders_count=1234)

    text = page(admin_client, reverse("crm:contact", args=[contact.pk]))

    assert "<dt>Orders</dt><dd>1,234</dd>" in text
    assert "<dt>Total spent</dt><dd>¥1,500, $616.70</dd>" in text


def test_a_segments_conditions_show_money_and_counts_formatted(make_contact):
    segment = Segment.objects.create(
        name="Big spenders",
        object_type="contact",
        conditions={"orders_total_over": {"currency": "USD", "amount": "1500"}, "min_orders": 1200},
    )

    assert segments.describe(segment) == [
        "At least 1,200 orders",
        "Orders total more than $1,500.00",
    ]


@pytest.fixture
def viewer_client(client, django_user_model):
    """Staff who may look at products and custom properties, not change them."""
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            codename__in=["view_product", "view_productvariant", "view_propertydefinition"]
        )
    )
    client.force_login(user)
    return client


def test_those_who_may_only_look_see_a_products_tags_and_prices_readably(
    viewer_client, make_product
):
    product = make_product(tags=["summer", "linen"], price=Decimal("30.990"), currency="USD")
    ProductVariant.objects.create(product=product, title="M", price=Decimal("15"))

    text = squeezed(page(viewer_client, reverse("admin:crm_product_change", args=[product.pk])))

    assert '<div class="readonly">summer, linen</div>' in text
    assert '<div class="readonly">$30.99</div>' in text
    assert '<div class="readonly">$15.00</div>' in text  # the variant's
    assert "30.990" not in text and 'name="price"' not in text


def test_those_who_may_only_look_see_enumeration_options_as_a_list(viewer_client):
    definition = PropertyDefinition.objects.create(
        object_type="order",
        internal_name="channel",
        label="Sales channel",
        type="enumeration",
        options=["Web", "Phone"],
    )

    url = reverse("admin:crm_propertydefinition_change", args=[definition.pk])
    text = squeezed(page(viewer_client, url))

    assert '<div class="readonly">Web, Phone</div>' in text


def test_the_country_filter_names_every_choice(admin_client, make_contact):
    make_contact(email="a@example.com", country_code="SE")
    make_contact(email="b@example.com", country_code="")

    listing = page(admin_client, reverse("admin:crm_contact_changelist"))
    without = admin_client.get(reverse("admin:crm_contact_changelist"), {"country": "none"})

    assert '<a href="?country=SE">SE</a>' in listing
    assert '<a href="?country=none">No country</a>' in listing
    assert 'href="?country_code="' not in listing
    assert [c.email for c in without.context["cl"].result_list] == ["b@example.com"]


def test_the_order_list_shows_the_store_by_its_handle_and_both_statuses_in_one_column(
    admin_client, make_order
):
    make_order(financial_status="paid", fulfillment_status="fulfilled")

    listing = page(admin_client, reverse("admin:crm_order_changelist"))

    assert '<td class="field-status_column">Paid · Fulfilled</td>' in listing
    assert '<td class="field-store_column">demo</td>' in listing


def test_list_moments_are_shown_compactly_in_the_sites_time_zone(admin_client, make_contact):
    contact = make_contact(email="a@example.com")
    Contact.objects.filter(pk=contact.pk).update(
        updated_at=datetime.datetime(2026, 12, 7, 18, 55, 30, tzinfo=datetime.UTC)
    )

    listing = page(admin_client, reverse("admin:crm_contact_changelist"))

    assert '<td class="field-updated_column">2026-12-07 18:55</td>' in listing
