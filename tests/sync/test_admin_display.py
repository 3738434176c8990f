"""The sync's admin pages show their JSON for a person: a sync's options as sentences, payloads
and checkpoints as label: value, object types by their names — never `{"…": …}`."""

import json

import pytest
from django.urls import reverse

from sync.admin import progress_bar
from sync.models import MappingState, WebhookDelivery
from sync.registry import object_label
from tests.pages import readable_page

pytestmark = pytest.mark.django_db

RAW = ('{"', '["', "{'", "['", "true}", "Decimal(")


def page(client, url):
    return readable_page(client, url, RAW)


def test_a_syncs_options_are_shown_as_the_review_step_says_them(admin_client, make_setting):
    contacts = make_setting("contacts", filters={"require_email": True})
    orders = make_setting(
        "orders", filters={"created_since": "2026-01-01", "financial_statuses": ["paid"]}
    )

    contacts_page = page(admin_client, reverse("admin:sync_syncsetting_change", args=[contacts.pk]))
    orders_page = page(admin_client, reverse("admin:sync_syncsetting_change", args=[orders.pk]))

    assert "<p>Only contacts with an email address</p>" in contacts_page
    assert "<p>Created since 2026-01-01</p><p>Payment statuses: Paid</p>" in orders_page


def test_failing_records_and_sync_records_name_their_object(
    admin_client, make_issue, make_mappings
):
    make_issue(5, object_type="contacts", payload={"email": None, "tags": ["vip", "gift"]})
    make_mappings("variants", MappingState.SYNCED)
    make_mappings("orders", MappingState.SYNCED)

    issues = page(admin_client, reverse("admin:sync_syncissue_changelist"))
    mappings = page(admin_client, reverse("admin:sync_recordmapping_changelist"))

    assert ">Contact 5 in Shopify" in issues  # the record's name says its kind
    assert '<td class="field-object_column">Product variants</td>' in mappings
    assert '<td class="field-object_column">Orders</td>' in mappings
    assert ">contacts<" not in issues and ">variants<" not in mappings


def test_a_failing_records_payload_is_shown_as_labels_and_values(admin_client, make_issue):
    issue = make_issue(
        5,
        payload={
            "email": "ann@example.com",
            "accepts_marketing": True,
            "note": None,
            "tags": ["vip", "gift-buyer"],
            "addresses": [{"city": "Malmö", "zip": "211 20"}],
        },
    )

    text = page(admin_client, reverse("admin:sync_syncissue_change", args=[issue.pk]))

    # In the order PostgreSQL's jsonb keeps the keys (shortest first).
    assert (
        '<details class="readable"><summary>The record as it failed</summary>'
        '<dl class="readable"><dt>Note</dt><dd>—</dd><dt>Tags</dt><dd>vip, gift-buyer</dd>'
        "<dt>Email</dt><dd>ann@example.com</dd>"
        '<dt>Addresses</dt><dd><ol class="readable"><li><dl class="readable">'
        "<dt>Zip</dt><dd>211 20</dd><dt>City</dt><dd>Malmö</dd></dl></li></ol></dd>"
        "<dt>Accepts marketing</dt><dd>yes</dd></dl></details>"
    ) in text


def test_a_webhook_body_is_shown_readably_and_kept_as_signed(admin_client, store):
    body = json.dumps({"id": 7, "email": "<b>x</b>@example.com", "tags": "vip"})
    delivery = WebhookDelivery.objects.create(
        webhook_id="w-1", store=store, topic="customers/update", body=body
    )

    text = page(admin_client, reverse("admin:sync_webhookdelivery_change", args=[delivery.pk]))

    assert "<dt>Email</dt><dd>&lt;b&gt;x&lt;/b&gt;@example.com</dd>" in text  # escaped
    delivery.refresh_from_db()
    assert delivery.body == body


def test_a_runs_checkpoint_is_shown_readably(admin_client, make_run):
    run = make_run(checkpoint={"bulk_operation_id": "gid://shopify/BulkOperation/1", "line": 40})

    text = page(admin_client, reverse("admin:sync_syncrun_change", args=[run.pk]))

    assert (
        "<dt>Line</dt><dd>40</dd><dt>Bulk operation id</dt><dd>gid://shopify/BulkOperation/1</dd>"
    ) in text


def test_object_labels_come_from_the_registry():
    assert object_label("contacts") == "Contacts"
    assert object_label("variants") == "Product variants"
    assert object_label("unheard_of") == "unheard_of"


def test_run_counts_are_grouped_in_the_lists(admin_client, make_run):
    run = make_run(status="running", seen=12345, total=20000, created=1500, updated=2)

    assert progress_bar(run) == (
        '<span class="sync-progress"><progress value="12345" max="20000"></progress> '
        '<span class="sync-progress-text">12,345 / 20,000 (62%)</span></span>'
    )
    text = page(admin_client, reverse("admin:sync_syncrun_changelist"))
    assert '<td class="field-outcome_column">1,500 created, 2 updated</td>' in text


def test_a_refused_resync_names_the_object_in_words(admin_client, make_mappings):
    (variant,) = make_mappings("variants", MappingState.SYNCED)

    response = admin_client.post(
        reverse("admin:sync_recordmapping_changelist"),
        {"action": "resync_selected", "_selected_action": [variant.pk], "index": 0},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == [
        "1 record(s) not resynced: product variants are resynced with the record they belong to"
    ]


def test_a_two_way_syncs_page_says_where_records_created_in_the_crm_go(admin_client, make_setting):
    contacts = make_setting(
        "contacts",
        direction="two_way",
        filters={"require_email": True, "send_new_crm_records": False},
    )

    text = page(admin_client, reverse("admin:sync_syncsetting_change", args=[contacts.pk]))

    assert (
        "<p>Only contacts with an email address</p>"
        "<p>Contacts created in the CRM are not sent to this store</p>"
    ) in text
