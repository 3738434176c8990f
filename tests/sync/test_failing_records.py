"""The Failing records pages name each failure by its record ("Contact Anna Berg: …") and link
to the record's form, where the value is fixed; and a failure is resolved by itself once there
is nothing failing any more (the push went through, or there is nothing left to send)."""

import django_rq
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.models import Contact, Product
from sync import push
from sync.filters import NEW_CRM_RECORDS
from sync.models import IssueDirection, MappingState, RecordMapping, SyncIssue, SyncSetting
from tests import conftest

pytestmark = pytest.mark.django_db

ISSUES = reverse("admin:sync_syncissue_changelist")


@pytest.fixture(autouse=True)
def _redis(redis_connection):
    return redis_connection


@pytest.fixture
def anna():
    return Contact.objects.create(email="anna@example.se", first_name="Anna", last_name="Berg")


def outbound_issue(store, crm_id, object_type="contacts", error="phone: Phone is invalid"):
    return SyncIssue.objects.create(
        store=store,
        object_type=object_type,
        crm_id=crm_id,
        direction=IssueDirection.OUTBOUND,
        error=error,
    )


def test_a_refused_push_is_named_by_its_record_and_links_to_its_form(admin_client, store, anna):
    issue = outbound_issue(store, anna.pk)
    contact_form = reverse("admin:crm_contact_change", args=[anna.pk])

    page = admin_client.get(ISSUES).content.decode()
    issue_page = reverse("admin:sync_syncissue_change", args=[issue.pk])
    assert (
        f'<a href="{contact_form}">Contact Anna Berg</a><div class="sync-issue-error">'
        f'CRM → Shopify · <a href="{issue_page}">phone: Phone is invalid</a></div>'
    ) in page
    assert "contacts None" not in page

    detail = admin_client.get(reverse("admin:sync_syncissue_change", args=[issue.pk]))
    text = detail.content.decode()
    assert "<h2>Contact Anna Berg: phone: Phone is invalid</h2>" in text
    assert f'<a href="{contact_form}">Contact Anna Berg</a>' in text
    assert "contacts None" not in text


def test_records_without_a_name_a_crm_record_or_a_form_are_still_named(
    admin_client, store, make_issue
):
    nameless = Contact.objects.create(phone="+46701234567")
    product = Product.objects.create(name="Linen shirt")
    outbound_issue(store, nameless.pk)
    outbound_issue(store, product.pk, "products", "title: Title can't be blank")
    make_issue(9001, error="ValueError: no email")  # a Shopify customer the CRM never held
    outbound_issue(store, 424242, error="email: Email is invalid")  # deleted from the CRM since

    page = admin_client.get(ISSUES).content.decode()

    # A contact with no name nor email calls itself "Contact 12": not "Contact Contact 12".
    assert f'<a href="/admin/crm/contact/{nameless.pk}/change/">Contact {nameless.pk}</a>' in page
    assert f'<a href="/admin/crm/product/{product.pk}/change/">Product Linen shirt</a>' in page
    assert '<td class="field-failure_column">Contact 9001 in Shopify (not in the CRM)<div' in page
    assert "Contact 424242 (deleted from the CRM)" in page


def test_the_list_names_a_page_of_records_in_a_query_per_object(admin_client, store):
    for number in range(3):
        contact = Contact.objects.create(email=f"c{number}@example.com", first_name=f"C{number}")
        outbound_issue(store, contact.pk)
    few = count_queries(admin_client)
    for number in range(3, 12):
        contact = Contact.objects.create(email=f"c{number}@example.com", first_name=f"C{number}")
        outbound_issue(store, contact.pk)
    assert count_queries(admin_client) == few


def count_queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(ISSUES).status_code == 200
    return len(queries)


# Resolved by itself


def setting_of(store, **filters):
    return SyncSetting.objects.create(
        store=store,
        object_type="contacts",
        enabled=True,
        state="on",
        direction="two_way",
        filters={"require_email": True, **filters},
    )


def test_a_record_that_no_longer_goes_to_the_store_is_no_longer_failing(store, anna):
    """A contact that would have been created in Shopify, fixed so the filters keep it out:
    nothing is sent, and nothing is failing."""
    setting = setting_of(store)
    issue = outbound_issue(store, anna.pk)
    Contact.objects.filter(pk=anna.pk).update(email="")

    assert push.push_record(setting.pk, anna.pk) == "not created in Shopify: No email address"

    issue.refresh_from_db()
    assert issue.resolved_at is not None


def test_a_record_deleted_in_the_crm_is_no_longer_failing(store, anna):
    setting = setting_of(store)
    issue = outbound_issue(store, anna.pk)
    Contact.objects.filter(pk=anna.pk).delete()

    assert push.push_record(setting.pk, anna.pk).startswith("not pushed: deleted in the CRM")
    issue.refresh_from_db()
    assert issue.resolved_at is not None


def test_another_stores_record_is_not_created_in_a_store_that_takes_no_new_records(
    store, make_store, anna
):
    """A failure left by a push to a store the record never belonged to (every store was
    pushed to before): a resync of it creates nothing there, and it is resolved."""
    other = make_store("beta.myshopify.com")
    RecordMapping.objects.create(store=other, object_type="contacts", shopify_id=77, crm_id=anna.pk)
    setting = setting_of(store, **{NEW_CRM_RECORDS: False})
    issue = outbound_issue(store, anna.pk)

    outcome = push.push_record(setting.pk, anna.pk)

    assert outcome == (
        "not pushed: another store's record, and this store takes no new CRM records"
    )
    assert not RecordMapping.objects.filter(store=store).exists()
    issue.refresh_from_db()
    assert issue.resolved_at is not None


def test_editing_a_record_resolves_failures_in_stores_it_no_longer_goes_to(
    store, make_store, anna, django_capture_on_commit_callbacks
):
    other = make_store("beta.myshopify.com", scopes=store.scopes, shopify_plus=True)
    home = setting_of(other, **{NEW_CRM_RECORDS: True})
    setting_of(store, **{NEW_CRM_RECORDS: True})
    RecordMapping.objects.create(
        store=other,
        object_type="contacts",
        shopify_id=78,
        crm_id=anna.pk,
        state=MappingState.FAILING,
    )
    stray = outbound_issue(store, anna.pk)  # alpha never had it: its push was a mistake
    at_home = outbound_issue(other, anna.pk)

    anna.phone = "+46701234567"
    with django_capture_on_commit_callbacks(execute=True):
        anna.save()

    stray.refresh_from_db()
    at_home.refresh_from_db()
    assert stray.resolved_at is not None
    # Its own store's failure waits for the push, which is queued.
    assert at_home.resolved_at is None
    pushes = [job for job in conftest.queued("default") if job[0] == "push_record"]
    assert pushes == [("push_record", home.pk, anna.pk)]
    assert django_rq.get_queue("default").count == 1
