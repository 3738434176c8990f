"""Which stores a CRM change goes to: a record's changes go to the stores it is mapped to and
no other; a record created in the CRM goes to the stores whose sync takes new CRM records (the
Limit step's option: on for an object's first store, off for a store connected after it)."""

import importlib

import django_rq
import pytest
from django.apps import apps
from django.urls import reverse

from crm.models import Company, Contact, Product
from sync import outbound, services, setup
from sync.adapters import scopes
from sync.filters import NEW_CRM_RECORDS
from sync.models import MappingState, RecordMapping, SyncSetting, SyncState
from tests import conftest

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _redis(redis_connection):
    return redis_connection


@pytest.fixture
def europe(make_store):
    return make_store("demo-europe.myshopify.com", scopes=",".join(scopes()), shopify_plus=True)


@pytest.fixture
def us(make_store):
    return make_store("demo-us.myshopify.com", scopes=",".join(scopes()), shopify_plus=True)


def two_way(store, object_type="contacts", *, sends_new):
    return SyncSetting.objects.create(
        store=store,
        object_type=object_type,
        enabled=True,
        state=SyncState.ON,
        direction="two_way",
        filters={NEW_CRM_RECORDS: sends_new},
    )


def pushes_queued():
    """(sync id, CRM id) of every push waiting in the queue."""
    return sorted(
        (args[1], args[2]) for args in conftest.queued("default") if args[0] == "push_record"
    )


def map_to(store, record, shopify_id, object_type="contacts"):
    return RecordMapping.objects.create(
        store=store,
        object_type=object_type,
        shopify_id=shopify_id,
        crm_id=record.pk,
        state=MappingState.SYNCED,
    )


def test_editing_a_contact_of_one_store_pushes_it_to_that_store_only(
    europe, us, django_capture_on_commit_callbacks
):
    europe_sync = two_way(europe, sends_new=True)
    two_way(us, sends_new=True)  # takes new CRM contacts: still not this one, Europe's
    contact = Contact.objects.create(email="anna@example.se", first_name="Anna")
    django_rq.get_queue("default").empty()
    mapping = map_to(europe, contact, 501)

    contact.first_name = "Anna-Lena"
    with django_capture_on_commit_callbacks(execute=True):
        contact.save()

    assert pushes_queued() == [(europe_sync.pk, contact.pk)]
    mapping.refresh_from_db()
    assert mapping.push_pending is True
    assert not RecordMapping.objects.filter(store=us).exists()


def test_a_contact_created_in_the_crm_goes_only_to_stores_that_take_new_records(
    europe, us, django_capture_on_commit_callbacks
):
    europe_sync = two_way(europe, sends_new=True)
    us_sync = two_way(us, sends_new=False)

    with django_capture_on_commit_callbacks(execute=True):
        contact = Contact.objects.create(email="new@example.com", first_name="New")
    assert pushes_queued() == [(europe_sync.pk, contact.pk)]

    # The US store's sync turned to take them: the next new contact goes to both.
    django_rq.get_queue("default").empty()
    us_sync.filters = {NEW_CRM_RECORDS: True}
    us_sync.save()
    with django_capture_on_commit_callbacks(execute=True):
        second = Contact.objects.create(email="second@example.com", first_name="Second")
    assert pushes_queued() == sorted([(europe_sync.pk, second.pk), (us_sync.pk, second.pk)])


def test_a_record_matched_in_two_stores_is_pushed_to_both(
    europe, us, django_capture_on_commit_callbacks
):
    europe_sync = two_way(europe, sends_new=False)
    us_sync = two_way(us, sends_new=False)
    contact = Contact.objects.create(email="both@example.com", first_name="Both")
    map_to(europe, contact, 601)
    map_to(us, contact, 602)
    django_rq.get_queue("default").empty()

    contact.note = "Seen in both shops"
    with django_capture_on_commit_callbacks(execute=True):
        contact.save()

    assert pushes_queued() == sorted([(europe_sync.pk, contact.pk), (us_sync.pk, contact.pk)])
    assert set(RecordMapping.objects.values_list("push_pending", flat=True)) == {True}


@pytest.mark.parametrize("object_type", ["companies", "products"])
def test_companies_and_products_follow_the_same_rule(
    europe, us, object_type, django_capture_on_commit_callbacks
):
    europe_sync = two_way(europe, object_type, sends_new=False)
    us_sync = two_way(us, object_type, sends_new=True)
    model = {"companies": Company, "products": Product}[object_type]

    with django_capture_on_commit_callbacks(execute=True):
        record = model.objects.create(name="Made in the CRM")
    assert pushes_queued() == [(us_sync.pk, record.pk)]

    django_rq.get_queue("default").empty()
    RecordMapping.objects.create(
        store=europe, object_type=object_type, shopify_id=701, crm_id=record.pk
    )
    record.name = "Renamed"
    with django_capture_on_commit_callbacks(execute=True):
        record.save()
    # Mapped to Europe only (say it came from there): the US store does not get it.
    assert pushes_queued() == [(europe_sync.pk, record.pk)]


def test_a_record_deleted_in_its_store_stays_that_stores_record(
    europe, us, django_capture_on_commit_callbacks
):
    europe_sync = two_way(europe, sends_new=True)
    two_way(us, sends_new=True)
    contact = Contact.objects.create(email="gone@example.com", first_name="Gone")
    django_rq.get_queue("default").empty()
    mapping = map_to(europe, contact, 801)
    RecordMapping.objects.filter(pk=mapping.pk).update(state=MappingState.DELETED)

    contact.first_name = "Back"
    with django_capture_on_commit_callbacks(execute=True):
        contact.save()

    assert pushes_queued() == [(europe_sync.pk, contact.pk)]


def test_the_first_store_takes_new_crm_records_and_a_second_one_does_not(
    europe, us, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.turn_on(store=europe, object_type="contacts")
    first = SyncSetting.objects.get(store=europe, object_type="contacts")
    assert first.filters == {"require_email": True, NEW_CRM_RECORDS: True}
    assert outbound.sends_new_records(first) is True

    # The second store's set-up starts with the option off, and so does turning it on.
    draft = setup.start_draft(us, "contacts")
    assert draft["filters"] == {"require_email": True, NEW_CRM_RECORDS: False}
    with django_capture_on_commit_callbacks(execute=True):
        services.turn_on(store=us, object_type="contacts")
    second = SyncSetting.objects.get(store=us, object_type="contacts")
    assert outbound.sends_new_records(second) is False
    # Orders are never pushed: no such option.
    assert NEW_CRM_RECORDS not in setup.start_draft(us, "orders")["filters"]


def test_the_limit_step_offers_the_option_and_keeps_the_choice(admin_client, europe, us):
    two_way(europe, sends_new=True)
    limit = reverse("admin:sync_setup_limit", args=[us.pk, "contacts"])

    page = admin_client.get(limit).content.decode()
    assert "Records created in the CRM" in page
    assert "Send contacts created in the CRM to this store" in page
    assert f'name="{NEW_CRM_RECORDS}" >' in page  # a second store: unchecked

    response = admin_client.post(limit, {"require_email": "on", NEW_CRM_RECORDS: "on"})
    assert response.status_code == 302
    draft = admin_client.session[f"sync-setup:{us.pk}:contacts"]
    assert draft["filters"] == {"require_email": True, NEW_CRM_RECORDS: True}
    assert setup.describe_outbound("contacts", draft["filters"]) == [
        "Contacts created in the CRM are created in this store"
    ]
    # Unchecked: off, said so on Review; the filters of what syncs are unchanged by it.
    admin_client.post(limit, {"require_email": "on"})
    draft = admin_client.session[f"sync-setup:{us.pk}:contacts"]
    assert draft["filters"] == {"require_email": True, NEW_CRM_RECORDS: False}
    assert setup.describe_outbound("contacts", draft["filters"]) == [
        "Contacts created in the CRM are not sent to this store"
    ]
    assert setup.describe_filters("contacts", draft["filters"]) == [
        "Only contacts with an email address"
    ]
    # Products have no filter of what syncs: the Limit step still says everything syncs.
    products = admin_client.get(reverse("admin:sync_setup_limit", args=[us.pk, "products"]))
    assert "Every product syncs, with its variants." in products.content.decode()
    assert "Send products created in the CRM to this store" in products.content.decode()


def test_syncs_saved_before_the_option_keep_new_records_going_to_the_first_store_only(
    europe, us, make_store
):
    """Migration 0010: each object's first store keeps taking new CRM records; the stores
    connected after it stop; a choice already made stays."""
    migration = importlib.import_module("sync.migrations.0011_new_crm_records_option")
    third = make_store("demo-asia.myshopify.com")
    first = SyncSetting.objects.create(store=europe, object_type="contacts", filters={})
    later = SyncSetting.objects.create(
        store=us, object_type="contacts", filters={"require_email": False}
    )
    chosen = SyncSetting.objects.create(
        store=third, object_type="contacts", filters={NEW_CRM_RECORDS: True}
    )
    products = SyncSetting.objects.create(store=us, object_type="products", filters={})
    orders = SyncSetting.objects.create(store=europe, object_type="orders", filters={})

    migration.give_the_option(apps, None)

    filters = {s.pk: s.filters for s in SyncSetting.objects.all()}
    assert filters == {
        first.pk: {NEW_CRM_RECORDS: True},
        later.pk: {"require_email": False, NEW_CRM_RECORDS: False},
        chosen.pk: {NEW_CRM_RECORDS: True},
        products.pk: {NEW_CRM_RECORDS: True},  # the first store to sync products
        orders.pk: {},  # never pushed
    }
