"""The set-up screens refuse what cannot work, with a sentence that says why, and change
nothing; and a custom field mapping carries values both ways."""

import datetime

import pytest
from django.urls import reverse
from django.utils.html import escape

from crm.models import Contact, Order, PropertyDefinition
from sync import services, setup
from sync.adapters import ADAPTERS
from sync.models import FieldMapping, RecordMapping, SyncSetting
from tests.sync.e2e.conftest import SHOP, work

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def configure_url(store, object_type="contacts"):
    return reverse("admin:sync_setup_configure", args=[store.pk, object_type])


def draft_maps(client, store, object_type="contacts"):
    return client.session[f"sync-setup:{store.pk}:{object_type}"]["maps"]


def configure_form(maps, **extra):
    """The Configure step's form as the page posts it, with every mapping as it is."""
    form = {"direction": "two_way", "conflict_rule": "most_recent"}
    for index, item in enumerate(maps):
        if item["enabled"]:
            form[f"map-{index}-enabled"] = "on"
        form[f"map-{index}-direction"] = item["direction"]
    form.update(extra)
    return form


@pytest.mark.parametrize(
    ("object_type", "crm_field", "shopify_field", "direction", "message"),
    [
        (
            "contacts",
            "tags",
            "firstName",
            "both",
            "Tags (CRM, list) and First name (Shopify, text): a list becomes text only one way, "
            "CRM → Shopify.",
        ),
        (
            "products",
            "price",
            "status",
            "both",
            "Price (CRM, number) and Status (Shopify, enumeration) are not compatible.",
        ),
        (
            "contacts",
            "first_name",
            "firstName",
            "both",
            "First name ⇄ First name is already mapped.",
        ),
        (
            "contacts",
            "note",
            "lastName",
            "to_crm",
            "The CRM's Note already gets its value from Shopify's Note.",
        ),
        (
            "contacts",
            "city",
            "defaultAddress.zip",
            "to_shopify",
            "The app cannot write Shopify's Postal code: it can only flow to the CRM.",
        ),
    ],
)
def test_a_mapping_that_cannot_work_is_refused(
    admin_client, store, object_type, crm_field, shopify_field, direction, message
):
    page = admin_client.get(configure_url(store, object_type))
    assert page.status_code == 200
    before = draft_maps(admin_client, store, object_type)

    response = admin_client.post(
        configure_url(store, object_type),
        configure_form(
            before,
            add="Add mapping",
            **{
                "new-crm_field": crm_field,
                "new-shopify_field": shopify_field,
                "new-direction": direction,
            },
        ),
    )

    assert response.status_code == 200
    assert escape(message) in response.content.decode()
    assert draft_maps(admin_client, store, object_type) == before
    assert not SyncSetting.objects.exists()
    assert not FieldMapping.objects.exists()


def test_the_field_records_are_matched_by_cannot_be_turned_off(admin_client, store):
    admin_client.get(configure_url(store))
    maps = draft_maps(admin_client, store)
    form = configure_form(maps)
    del form["map-0-enabled"]  # the email mapping, as a crafted request would send it

    response = admin_client.post(configure_url(store), form)

    assert response.status_code == 200
    assert "Email cannot be turned off: records are matched by it." in response.content.decode()
    with pytest.raises(ValueError, match="Email cannot be turned off"):
        setup.save(
            store, {**setup.start_draft(store, "contacts"), "maps": draft_maps(admin_client, store)}
        )
    assert not SyncSetting.objects.exists()


@pytest.mark.parametrize(
    ("since", "message"),
    [
        ("2999-01-01", "Created since 2999-01-01 is in the future: nothing would sync."),
        ("last week", "'last week' is not a date (YYYY-MM-DD)."),
    ],
)
def test_a_filter_that_would_sync_nothing_is_refused(admin_client, store, since, message):
    admin_client.get(configure_url(store, "orders"))
    limit = reverse("admin:sync_setup_limit", args=[store.pk, "orders"])

    response = admin_client.post(limit, {"created_since": since})

    assert response.status_code == 200
    assert escape(message) in response.content.decode()
    assert not SyncSetting.objects.exists()


def test_the_review_warns_when_nothing_in_shopify_matches(admin_client, store):
    admin_client.get(configure_url(store, "orders"))
    today = datetime.date.today().isoformat()  # the seeded orders are older
    admin_client.post(
        reverse("admin:sync_setup_limit", args=[store.pk, "orders"]), {"created_since": today}
    )

    page = admin_client.get(reverse("admin:sync_setup_review", args=[store.pk, "orders"]))

    text = page.content.decode()
    assert f"0 orders created since {today}" in text
    assert "Nothing in Shopify matches these filters yet" in text


def test_a_custom_mapping_carries_values_both_ways(shopify, store, deliver):
    draft = setup.start_draft(store, "contacts")
    for item in draft["maps"]:
        if item["crm_field"] in ("note", "city"):
            item["enabled"] = False
    draft["maps"].append(
        {
            "crm_field": "city",
            "shopify_field": "note",
            "direction": "both",
            "enabled": True,
            "is_default": False,
        }
    )
    setup.save(store, draft)
    work()
    mapping = (
        RecordMapping.objects.filter(store=store, object_type="contacts")
        .exclude(crm_id=None)
        .order_by("shopify_id")
        .first()
    )
    contact = Contact.objects.get(pk=mapping.crm_id)
    shopify_note = next(
        c["note"]
        for c in shopify.call("GET", f"shops/{SHOP}/customers")["customers"]
        if c["legacyResourceId"] == str(mapping.shopify_id)
    )
    assert contact.city == (shopify_note or "")

    contact.city = "Malmö"
    contact.save()
    work()
    customer = shopify.call("GET", f"shops/{SHOP}/customers/{mapping.shopify_id}")
    assert customer["note"] == "Malmö"

    shopify.call("PATCH", f"shops/{SHOP}/customers/{mapping.shopify_id}", {"note": "Lund"})
    deliver("customers/update", {"id": mapping.shopify_id})
    work()
    contact.refresh_from_db()
    assert (contact.city, contact.note) == ("Lund", contact.note)
    assert contact.note != "Lund"


def test_records_that_stop_matching_the_filters_move_to_excluded(shopify, store):
    services.turn_on(store=store, object_type="orders")
    work()
    orders = shopify.call("GET", f"shops/{SHOP}/orders")["orders"]
    unpaid = [o for o in orders if o["displayFinancialStatus"] != "PAID"]
    assert unpaid and len(unpaid) < len(orders)

    draft = setup.start_draft(store, "orders")
    draft["filters"] = {"financial_statuses": ["paid"]}
    setup.save(store, draft)
    work()

    excluded = RecordMapping.objects.filter(store=store, object_type="orders", state="excluded")
    assert excluded.count() == len(unpaid)
    pending = next(o for o in unpaid if o["displayFinancialStatus"] == "PENDING")
    assert excluded.get(shopify_id=int(pending["legacyResourceId"])).reason == (
        "Financial status pending is not synced"
    )
    assert RecordMapping.objects.filter(
        store=store, object_type="orders", state="synced"
    ).count() == len(orders) - len(unpaid)


def test_a_shopify_order_field_fills_a_custom_property(admin_client, shopify, store):
    PropertyDefinition.objects.create(
        object_type="order", internal_name="channel", label="Channel", type="text"
    )
    admin_client.get(configure_url(store, "orders"))
    page = admin_client.post(
        configure_url(store, "orders"),
        {
            "direction": "to_crm",
            "add": "Add mapping",
            "new-crm_field": "properties.channel",
            "new-shopify_field": "sourceName",
            "new-direction": "to_crm",
        },
    )
    assert "Sales channel" in page.content.decode()
    draft = admin_client.session[f"sync-setup:{store.pk}:orders"]
    setup.save(store, draft)
    work()

    orders = shopify.call("GET", f"shops/{SHOP}/orders")["orders"]
    channels = {o["name"]: o["sourceName"] for o in orders}
    assert {o.name: o.properties.get("channel") for o in Order.objects.all()} == channels

    # A Shopify field whose values the property's type cannot hold is refused.
    PropertyDefinition.objects.create(
        object_type="order", internal_name="weight", label="Weight", type="number"
    )
    refused = admin_client.post(
        configure_url(store, "orders"),
        {
            "direction": "to_crm",
            "add": "Add mapping",
            "new-crm_field": "properties.weight",
            "new-shopify_field": "note",
            "new-direction": "to_crm",
        },
    )
    message = (
        "Weight (CRM, number) and Note (Shopify, text): a number becomes text only one way, "
        "CRM → Shopify."
    )
    assert escape(message) in refused.content.decode()
    draft = admin_client.session[f"sync-setup:{store.pk}:orders"]
    assert [m["crm_field"] for m in draft["maps"]] == ["properties.channel"]


def test_limit_and_review_say_only_60_days_of_orders_sync_without_read_all_orders(
    admin_client, store
):
    store.scopes = ",".join(s for s in store.scope_list if s != "read_all_orders")
    store.save()
    admin_client.get(configure_url(store, "orders"))
    warning = (
        "Only the last 60 days sync: Shopify hides orders older than 60 days, which Shopify "
        "shows only to apps it approved for read_all_orders."
    )

    limit = admin_client.get(reverse("admin:sync_setup_limit", args=[store.pk, "orders"]))
    review = admin_client.get(reverse("admin:sync_setup_review", args=[store.pk, "orders"]))

    assert warning in limit.content.decode()
    assert warning in review.content.decode()


def test_the_limit_step_says_an_orders_statuses_are_its_payment_statuses(admin_client, store):
    admin_client.get(configure_url(store, "orders"))
    limit = reverse("admin:sync_setup_limit", args=[store.pk, "orders"])

    text = admin_client.get(limit).content.decode()
    assert "Payment statuses" in text
    assert "payment (financial) status in Shopify" in text

    admin_client.post(limit, {"financial_statuses": ["paid", "refunded"]})
    review = admin_client.get(reverse("admin:sync_setup_review", args=[store.pk, "orders"]))
    assert "Payment statuses: Paid, Refunded" in review.content.decode()


def test_limit_and_review_say_nothing_of_60_days_with_read_all_orders(admin_client, store):
    admin_client.get(configure_url(store, "orders"))

    limit = admin_client.get(reverse("admin:sync_setup_limit", args=[store.pk, "orders"]))

    assert store.has_scope("read_all_orders")
    assert "sync-out-of-sight" not in limit.content.decode()


# "both": saved so before a list → text mapping was held to one way.
@pytest.mark.parametrize("direction", ["to_crm", "both"])
def test_a_list_mapped_to_text_arrives_as_a_comma_separated_list_and_never_goes_back(
    admin_client, shopify, store, direction
):
    services.turn_on(store=store, object_type="contacts")
    setting = SyncSetting.objects.get(store=store, object_type="contacts")
    ADAPTERS["contacts"].ensure_default_maps(setting)
    setting.field_maps.filter(crm_field="note").update(enabled=False)
    FieldMapping.objects.create(
        setting=setting, crm_field="note", shopify_field="tags", direction=direction
    )
    work()
    customers = shop_customers(shopify)
    notes_before = {c["legacyResourceId"]: c["note"] for c in customers}
    mapped = RecordMapping.objects.filter(store=store, object_type="contacts").exclude(crm_id=None)
    crm_ids = [m.crm_id for m in mapped]
    # Contacts one customer each (two customers with one email share a contact).
    contacts = {
        m.shopify_id: Contact.objects.get(pk=m.crm_id)
        for m in mapped
        if crm_ids.count(m.crm_id) == 1
    }
    synced = [c for c in customers if int(c["legacyResourceId"]) in contacts]
    assert len(synced) > 10
    for customer in synced:
        contact = contacts[int(customer["legacyResourceId"])]
        assert contact.note == ", ".join(sorted(customer["tags"]))
    tagged = [c for c in synced if len(c["tags"]) > 1]
    assert tagged

    # A CRM change pushes the contact: the note stays text and Shopify's note is not touched.
    customer = tagged[0]
    contact = contacts[int(customer["legacyResourceId"])]
    contact.first_name = "Renamed"
    contact.save()
    work()
    contact.refresh_from_db()
    assert contact.note == ", ".join(sorted(customer["tags"]))
    assert "[" not in contact.note
    after = shopify.call("GET", f"shops/{SHOP}/customers/{customer['legacyResourceId']}")
    assert after["firstName"] == "Renamed"
    assert after["note"] == notes_before[customer["legacyResourceId"]]
    assert sorted(after["tags"]) == sorted(customer["tags"])

    # The Configure step shows the mapping one-way, with no choice of direction.
    page = admin_client.get(configure_url(store)).content.decode()
    index = next(
        i
        for i, m in enumerate(draft_maps(admin_client, store))
        if (m["crm_field"], m["shopify_field"]) == ("note", "tags")
    )
    assert f'type="hidden" name="map-{index}-direction" value="to_crm"' in page
    assert "Shopify → CRM only" in page
    assert (
        'A list becomes text one way only, as a comma-separated list ("gift-buyer, vip").' in page
    )


def shop_customers(shopify):
    return shopify.call("GET", f"shops/{SHOP}/customers")["customers"]


def test_a_new_order_mapping_fills_the_orders_the_crm_has_already(shopify, store):
    services.turn_on(store=store, object_type="orders")
    work()
    orders = shopify.call("GET", f"shops/{SHOP}/orders")["orders"]
    assert Order.objects.count() == len(orders)
    assert not Order.objects.exclude(properties={}).exists()
    PropertyDefinition.objects.create(
        object_type="order", internal_name="channel", label="Channel", type="text"
    )
    draft = setup.start_draft(store, "orders")
    draft["maps"].append(
        {
            "crm_field": "properties.channel",
            "shopify_field": "sourceName",
            "direction": "to_crm",
            "enabled": True,
            "is_default": False,
        }
    )

    run = setup.save(store, draft)
    work()

    assert run.kind == "resync"
    run.refresh_from_db()
    assert run.status == "succeeded"
    channels = {o["name"]: o["sourceName"] for o in orders}
    assert {o.name: o.properties.get("channel") for o in Order.objects.all()} == channels
    assert len(set(channels.values())) > 1

    # Saving again without a change of mappings or filters re-stages only.
    assert setup.save(store, setup.start_draft(store, "orders")) is None
