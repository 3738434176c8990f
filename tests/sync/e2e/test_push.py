"""CRM → Shopify: a change made in the CRM reaches Shopify in one worker cycle, creates what
Shopify lacks when the filters allow it, never comes back as an echo, and conflicts end as the
sync's rule says. Shopify is the emulator; webhooks reach a live server, as in production."""

import time
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.forms.models import model_to_dict
from django.urls import reverse

from crm.models import Company, Contact, Product, ProductVariant
from sync import services
from sync.adapters import scopes
from sync.models import (
    ConflictRule,
    IssueDirection,
    MappingState,
    RecordMapping,
    SyncIssue,
    SyncSetting,
    WebhookDelivery,
)
from tests.sync.e2e.conftest import SHOP, shop_data, work

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def store(shopify, settings, live_server):
    settings.APP_URL = live_server.url
    shopify.faults(SHOP, webhook_drop_rate=0)
    token = shopify.token(SHOP, settings.SHOPIFY_API_KEY, scopes())
    return services.connect_store_token(shop_domain=SHOP, access_token=token, user=None)


@pytest.fixture
def synced(shopify, store):
    for object_type in ("contacts", "products"):
        services.turn_on(store=store, object_type=object_type)
    work()
    settle(shopify)
    return store


def settle(shopify, timeout=30):
    """Run the queued jobs and wait for Shopify's webhooks (and the jobs they queue) until
    both sides are quiet."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        work()
        deliveries = shopify.deliveries(SHOP)
        if all(d["status"] in ("delivered", "dropped") for d in deliveries):
            work()
            if len(shopify.deliveries(SHOP)) == len(deliveries):
                return deliveries
        time.sleep(0.05)
    raise AssertionError("webhooks were still on their way")


ADMIN_FIELDS = [
    "email",
    "first_name",
    "last_name",
    "phone",
    "address1",
    "address2",
    "city",
    "province",
    "postal_code",
    "country_code",
    "email_marketing_consent",
    "sms_marketing_consent",
    "note",
]


def customer(shopify, shopify_id):
    customers = shop_data(shopify, "customers")
    return next(c for c in customers if c["legacyResourceId"] == str(shopify_id))


def mapped_contact(store):
    mapping = (
        RecordMapping.objects.filter(
            store=store, object_type="contacts", state=MappingState.SYNCED, is_primary=True
        )
        .exclude(crm_id=None)
        .order_by("shopify_id")
        .first()
    )
    return Contact.objects.get(pk=mapping.crm_id), mapping.shopify_id


def mutations(shopify, name):
    return [m for m in shopify.mutations(SHOP) if m["mutation"] == name]


def change_in_shopify(shopify, shopify_id, **fields):
    shopify.call("PATCH", f"shops/{SHOP}/customers/{shopify_id}", fields)


def test_an_edit_in_the_admin_reaches_shopify_and_causes_no_echo(shopify, synced, client):
    contact, shopify_id = mapped_contact(synced)
    admin = get_user_model().objects.create_superuser("admin", "admin@example.com", "pw")
    client.force_login(admin)
    form = model_to_dict(contact, fields=ADMIN_FIELDS)
    form.update(first_name="Edited", tags="vip", company="")
    before = len(shopify.mutations(SHOP))

    response = client.post(reverse("admin:crm_contact_change", args=[contact.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    work()

    shown = customer(shopify, shopify_id)
    assert (shown["firstName"], shown["tags"]) == ("Edited", ["vip"])
    assert [m["mutation"] for m in shopify.mutations(SHOP)[before:]] == ["customerUpdate"]
    # Shopify tells the app about the change it made: read again, it changes nothing.
    contact.refresh_from_db()
    changed_at = contact.updated_at
    deliveries = settle(shopify)
    echo = [d for d in deliveries if d["topic"] == "customers/update"]
    assert echo and all(d["status"] == "delivered" for d in echo)
    assert WebhookDelivery.objects.filter(topic="customers/update").exists()
    contact.refresh_from_db()
    assert (contact.first_name, contact.updated_at) == ("Edited", changed_at)
    assert [m["mutation"] for m in shopify.mutations(SHOP)[before:]] == ["customerUpdate"]
    mapping = RecordMapping.objects.get(store=synced, object_type="contacts", shopify_id=shopify_id)
    assert (mapping.push_pending, mapping.synced_values["firstName"]) == (False, "Edited")


def test_a_new_contact_with_an_email_is_created_in_shopify(shopify, synced):
    contact = Contact.objects.create(email="Fresh@Example.com", first_name="Fresh", phone="")
    work()

    mapping = RecordMapping.objects.get(store=synced, object_type="contacts", crm_id=contact.pk)
    created = customer(shopify, mapping.shopify_id)
    assert (created["email"], created["firstName"]) == ("Fresh@Example.com", "Fresh")
    assert len(mutations(shopify, "customerCreate")) == 1
    # Its customers/create webhook finds the mapping: no second contact, nothing pushed back.
    settle(shopify)
    assert Contact.objects.filter(email__iexact="fresh@example.com").count() == 1
    assert len(mutations(shopify, "customerCreate")) == 1
    assert len(mutations(shopify, "customerUpdate")) == 0


def test_a_contact_without_email_is_not_created_while_the_filter_is_on(shopify, synced):
    customers_before = len(shop_data(shopify, "customers"))
    contact = Contact.objects.create(first_name="Nameless")
    work()

    assert len(shop_data(shopify, "customers")) == customers_before
    assert mutations(shopify, "customerCreate") == []
    assert not RecordMapping.objects.filter(object_type="contacts", crm_id=contact.pk).exists()

    # With the filter off, it goes.
    SyncSetting.objects.filter(store=synced, object_type="contacts").update(
        filters={"require_email": False}
    )
    contact.save()
    work()
    mapping = RecordMapping.objects.get(object_type="contacts", crm_id=contact.pk)
    assert customer(shopify, mapping.shopify_id)["firstName"] == "Nameless"


def both_change_first_name(shopify, contact, shopify_id, *, crm_first):
    """The same field changed on both sides before any sync ran between them, a second
    apart (Shopify's update times are whole seconds)."""
    shopify.faults(SHOP, webhook_drop_rate=1.0)
    if crm_first:
        contact.first_name = "FromCrm"
        contact.save()
        time.sleep(1.1)
        change_in_shopify(shopify, shopify_id, firstName="FromShopify")
    else:
        change_in_shopify(shopify, shopify_id, firstName="FromShopify")
        time.sleep(1.1)
        contact.first_name = "FromCrm"
        contact.save()
    work()
    contact.refresh_from_db()
    return contact.first_name, customer(shopify, shopify_id)["firstName"]


@pytest.mark.parametrize(
    ("rule", "crm_first", "expected"),
    [
        (ConflictRule.MOST_RECENT, False, "FromCrm"),
        (ConflictRule.MOST_RECENT, True, "FromShopify"),
        (ConflictRule.CRM_WINS, True, "FromCrm"),
        (ConflictRule.SHOPIFY_WINS, False, "FromShopify"),
    ],
)
def test_a_conflict_ends_as_the_rule_says(shopify, synced, rule, crm_first, expected):
    SyncSetting.objects.filter(store=synced, object_type="contacts").update(conflict_rule=rule)
    contact, shopify_id = mapped_contact(synced)

    result = both_change_first_name(shopify, contact, shopify_id, crm_first=crm_first)

    assert result == (expected, expected)


def test_fields_changed_on_one_side_each_are_both_kept(shopify, synced):
    SyncSetting.objects.filter(store=synced, object_type="contacts").update(
        conflict_rule=ConflictRule.CRM_WINS
    )
    contact, shopify_id = mapped_contact(synced)
    shopify.faults(SHOP, webhook_drop_rate=1.0)
    change_in_shopify(shopify, shopify_id, lastName="Shopifyson")
    contact.first_name = "Crmfirst"
    contact.save()
    work()

    contact.refresh_from_db()
    shown = customer(shopify, shopify_id)
    assert (contact.first_name, contact.last_name) == ("Crmfirst", "Shopifyson")
    assert (shown["firstName"], shown["lastName"]) == ("Crmfirst", "Shopifyson")


def test_a_blank_on_the_winning_side_never_erases(shopify, synced):
    SyncSetting.objects.filter(store=synced, object_type="contacts").update(
        conflict_rule=ConflictRule.CRM_WINS
    )
    contact, shopify_id = mapped_contact(synced)
    shopify.faults(SHOP, webhook_drop_rate=1.0)
    change_in_shopify(shopify, shopify_id, note="Written in Shopify")
    contact.note = ""
    contact.first_name = "Changed"
    contact.save()
    work()

    contact.refresh_from_db()
    assert contact.note == "Written in Shopify"
    assert customer(shopify, shopify_id)["note"] == "Written in Shopify"


def test_shopify_refusing_a_change_makes_a_visible_failing_record(shopify, synced, client):
    contact, shopify_id = mapped_contact(synced)
    shown_before = customer(shopify, shopify_id)
    contact.phone = "call me maybe"
    contact.save()
    work()

    issue = SyncIssue.objects.get(direction=IssueDirection.OUTBOUND, crm_id=contact.pk)
    assert issue.error == "phone: Phone is invalid"
    assert customer(shopify, shopify_id)["phone"] == shown_before["phone"]
    mapping = RecordMapping.objects.get(store=synced, object_type="contacts", shopify_id=shopify_id)
    assert (mapping.state, mapping.reason) == (MappingState.FAILING, "phone: Phone is invalid")
    admin = get_user_model().objects.create_superuser("admin", "admin@example.com", "pw")
    client.force_login(admin)
    page = client.get(reverse("admin:sync_syncissue_changelist")).content.decode()
    assert "Phone is invalid" in page and "CRM → Shopify" in page
    # "Resync selected records" pushes it again: Shopify says no again.
    client.post(
        reverse("admin:sync_syncissue_changelist"),
        {"action": "resync_selected", "_selected_action": [issue.pk]},
    )
    work()
    issue.refresh_from_db()
    assert (issue.attempts, issue.resolved_at) == (2, None)

    # Fixed in the CRM: the next push goes through and the issue is resolved.
    contact.phone = "+46 70 123 45 67"
    contact.save()
    work()
    issue.refresh_from_db()
    assert issue.resolved_at is not None
    # Shopify keeps a valid number in E.164.
    assert customer(shopify, shopify_id)["phone"] == "+46701234567"


def test_a_product_edited_in_the_crm_reaches_shopify(shopify, synced):
    mapping = RecordMapping.objects.filter(
        store=synced, object_type="products", state=MappingState.SYNCED
    ).first()
    product = Product.objects.get(pk=mapping.crm_id)
    product.name, product.status = "Renamed in CRM", "draft"
    product.save()
    work()

    products = shop_data(shopify, "products")
    shown = next(p for p in products if p["legacyResourceId"] == str(mapping.shopify_id))
    assert (shown["title"], shown["status"]) == ("Renamed in CRM", "DRAFT")
    assert len(mutations(shopify, "productUpdate")) == 1


def test_a_variant_price_changed_in_the_crm_reaches_shopify(shopify, synced):
    mapping = RecordMapping.objects.filter(store=synced, object_type="variants").first()
    variant = ProductVariant.objects.get(pk=mapping.crm_id)
    before = len(shopify.mutations(SHOP))
    variant.price, variant.sku = Decimal("123.45"), "NEW-SKU"
    variant.save()
    work()

    product_id = RecordMapping.objects.get(
        store=synced, object_type="products", crm_id=variant.product_id
    ).shopify_id
    shown = shopify.call("GET", f"shops/{SHOP}/products/{product_id}")
    changed = next(v for v in shown["variants"] if v["id"].endswith(f"/{mapping.shopify_id}"))
    assert (changed["price"], changed["sku"]) == ("123.45", "NEW-SKU")
    assert [m["mutation"] for m in shopify.mutations(SHOP)[before:]] == [
        "productVariantsBulkUpdate"
    ]
    # The products/update webhook that follows changes nothing in the CRM.
    settle(shopify)
    variant.refresh_from_db()
    assert (variant.price, variant.sku) == (Decimal("123.450"), "NEW-SKU")
    assert len(shopify.mutations(SHOP)) == before + 1


def test_companies_are_pushed_and_created(shopify, synced):
    services.turn_on(store=synced, object_type="companies")
    settle(shopify)
    mapping = RecordMapping.objects.filter(
        store=synced, object_type="companies", state=MappingState.SYNCED
    ).first()
    company = Company.objects.get(pk=mapping.crm_id)
    before = len(shopify.mutations(SHOP))
    company.name = "Renamed AB"
    company.save()
    created = Company.objects.create(name="Brand New AB", domain="brandnew.example")
    work()

    companies = {c["id"].rsplit("/", 1)[1]: c for c in shop_data(shopify, "companies")}
    assert companies[str(mapping.shopify_id)]["name"] == "Renamed AB"
    new = RecordMapping.objects.get(store=synced, object_type="companies", crm_id=created.pk)
    assert companies[str(new.shopify_id)]["name"] == "Brand New AB"
    settle(shopify)
    assert Company.objects.filter(name="Brand New AB").count() == 1
    assert sorted(m["mutation"] for m in shopify.mutations(SHOP)[before:]) == [
        "companyCreate",
        "companyUpdate",
    ]
