"""The sync's admin pages: health, runs, failing records, the record index, and the actions."""

import datetime

import django_rq
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sync.models import (
    DeliveryState,
    MappingState,
    RecordMapping,
    RunKind,
    RunStatus,
    SyncRun,
    SyncSetting,
    SyncState,
    WebhookDelivery,
)
from tests.conftest import queued

pytestmark = pytest.mark.django_db

SYNCS = reverse("admin:sync_syncsetting_changelist")
ISSUES = reverse("admin:sync_syncissue_changelist")
MAPPINGS = reverse("admin:sync_recordmapping_changelist")
RUNS = reverse("admin:sync_syncrun_changelist")
EARLIER = datetime.datetime(2026, 11, 19, 8, 0, tzinfo=datetime.UTC)
LATER = datetime.datetime(2026, 11, 21, 9, 30, tzinfo=datetime.UTC)


def act(client, url, action, rows):
    return client.post(
        url, {"action": action, "_selected_action": [row.pk for row in rows], "index": 0}
    )


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# Syncs


def test_the_syncs_list_shows_each_syncs_exact_counts_and_last_run(
    admin_client, store, make_store, make_setting, make_mappings, make_run
):
    contacts = make_setting("contacts")
    make_setting("orders", on=False)
    make_mappings("contacts", MappingState.SYNCED, 3)
    make_mappings("contacts", MappingState.EXCLUDED, 2, reason="No email")
    make_mappings("contacts", MappingState.FAILING, 1)
    make_mappings("contacts", MappingState.DELETED, 4)  # counted nowhere
    make_mappings("orders", MappingState.SYNCED, 5)
    other = make_store("beta.myshopify.com")
    make_setting("contacts", store=other)
    make_mappings("contacts", MappingState.SYNCED, 7, store=other)
    make_run("contacts", created_at=EARLIER)
    latest = make_run("contacts", kind=RunKind.RESYNC, status=RunStatus.RUNNING, seen=40, total=160)

    response = admin_client.get(SYNCS)

    rows = {
        (setting.store.shop_domain, setting.object_type): setting
        for setting in response.context["cl"].result_list
    }
    counts = {key: (s.in_sync, s.excluded, s.failing) for key, s in rows.items()}
    assert counts == {
        ("alpha.myshopify.com", "contacts"): (3, 2, 1),
        ("alpha.myshopify.com", "orders"): (5, 0, 0),
        ("beta.myshopify.com", "contacts"): (7, 0, 0),
    }
    assert rows["alpha.myshopify.com", "contacts"].last_run == latest
    assert rows["alpha.myshopify.com", "orders"].last_run is None
    page = response.content.decode()
    assert '<progress value="40" max="160"></progress>' in page
    assert "40 / 160 (25%)" in page
    excluded_link = (
        f"?store__id__exact={contacts.store_id}&amp;object_type=contacts&amp;state__exact=excluded"
    )
    assert excluded_link in page


def test_the_syncs_list_makes_as_many_queries_for_many_rows_as_for_few(
    admin_client, make_store, make_setting, make_mappings, make_run
):
    def add_stores(names):
        for name in names:
            shop = make_store(f"{name}.myshopify.com")
            for object_type in ("contacts", "companies", "products", "orders", "carts"):
                make_setting(object_type, store=shop)
                make_mappings(object_type, MappingState.SYNCED, 2, store=shop)
                make_mappings(object_type, MappingState.FAILING, 1, store=shop)
                make_run(object_type, store=shop, status=RunStatus.RUNNING, seen=1, total=3)

    add_stores(["one"])
    few = count_queries(admin_client, SYNCS)
    add_stores(["two", "three", "four", "five"])
    many = count_queries(admin_client, SYNCS)

    assert SyncSetting.objects.count() == 25
    assert many == few


def test_a_syncs_page_shows_its_health_top_excluded_reasons_and_ten_recent_runs(
    admin_client, make_setting, make_mappings, make_run
):
    setting = make_setting("contacts")
    for number in range(12):  # reason 11 has 12 records, reason 0 has 1
        make_mappings("contacts", MappingState.EXCLUDED, number + 1, reason=f"reason {number}")
    make_mappings("contacts", MappingState.SYNCED, 4)
    runs = [
        make_run("contacts", created_at=EARLIER + datetime.timedelta(hours=hour))
        for hour in range(12)
    ]
    make_run("orders", created_at=LATER)  # another object's run

    response = admin_client.get(reverse("admin:sync_syncsetting_change", args=[setting.pk]))

    assert response.status_code == 200
    assert response.context["excluded_reasons"] == [
        {"reason": f"reason {number}", "count": number + 1} for number in range(11, 1, -1)
    ]
    assert response.context["recent_runs"] == runs[::-1][:10]
    assert response.context["original"].in_sync == 4
    page = response.content.decode()
    assert "reason 11" in page and "reason 1<" not in page
    assert page.count("<progress") == 11  # the last run field, and the ten runs


# Actions on syncs


def test_turn_on_starts_the_initial_sync(
    client, sync_operator, make_setting, redis_connection, django_capture_on_commit_callbacks
):
    setting = make_setting("contacts", on=False)
    client.force_login(sync_operator)

    with django_capture_on_commit_callbacks(execute=True):
        response = act(client, SYNCS, "turn_on_selected", [setting])

    assert response.status_code == 302
    setting.refresh_from_db()
    assert (setting.enabled, setting.state) == (True, SyncState.INITIAL_SYNC)
    run = SyncRun.objects.get()
    assert (run.kind, run.status) == (RunKind.INITIAL, RunStatus.PENDING)
    assert queued("sync") == [("run_bulk", run.pk)]


def test_turn_on_refuses_a_store_that_is_not_connected(
    admin_client, store, make_setting, redis_connection, django_capture_on_commit_callbacks
):
    setting = make_setting("contacts", on=False)
    store.mark_disconnected()
    store.save()

    with django_capture_on_commit_callbacks(execute=True):
        response = act(admin_client, SYNCS, "turn_on_selected", [setting])

    setting.refresh_from_db()
    assert not setting.enabled
    assert not SyncRun.objects.exists()
    assert django_rq.get_queue("sync").job_ids == []
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Not turned on, the store is not connected: Alpha: Contacts."]


def test_turn_off_stops_the_sync_and_its_runs(
    client, sync_operator, make_setting, make_run, redis_connection
):
    setting = make_setting("contacts")
    run = make_run("contacts", status=RunStatus.RUNNING)
    client.force_login(sync_operator)

    act(client, SYNCS, "turn_off_selected", [setting])

    setting.refresh_from_db()
    run.refresh_from_db()
    assert (setting.enabled, setting.state) == (False, SyncState.OFF)
    assert run.status == RunStatus.CANCELLED


def test_resync_all_starts_a_resync_of_the_syncs_that_are_on(
    client, sync_operator, make_setting, redis_connection, django_capture_on_commit_callbacks
):
    on = make_setting("contacts")
    off = make_setting("orders", on=False)
    client.force_login(sync_operator)

    with django_capture_on_commit_callbacks(execute=True):
        response = act(client, SYNCS, "resync_selected", [on, off])

    run = SyncRun.objects.get()
    assert (run.object_type, run.kind) == ("contacts", RunKind.RESYNC)
    assert queued("sync") == [("run_bulk", run.pk)]
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == [
        "Resync started: Alpha: Contacts.",
        "Not resynced, the sync is off: Alpha: Orders.",
    ]


@pytest.mark.parametrize("action", ["turn_on_selected", "turn_off_selected", "resync_selected"])
def test_sync_actions_are_refused_without_the_permission_and_change_nothing(
    client, sync_viewer, make_setting, redis_connection, django_capture_on_commit_callbacks, action
):
    off = make_setting("contacts", on=False)
    on = make_setting("orders")
    client.force_login(sync_viewer)
    offered = client.get(SYNCS).context["action_form"]

    with django_capture_on_commit_callbacks(execute=True):
        act(client, SYNCS, action, [off, on])

    assert offered is None  # no action is offered
    assert list(SyncSetting.objects.values_list("object_type", "enabled", "state")) == [
        ("contacts", False, SyncState.OFF),
        ("orders", True, SyncState.ON),
    ]
    assert not SyncRun.objects.exists()
    assert django_rq.get_queue("sync").job_ids == []


def test_the_sync_pages_are_read_only(admin_client, make_setting):
    setting = make_setting("contacts")

    response = admin_client.post(
        reverse("admin:sync_syncsetting_change", args=[setting.pk]), {"enabled": ""}
    )

    assert response.status_code == 403
    setting.refresh_from_db()
    assert setting.enabled


# Runs


def test_run_progress_json_is_exact(admin_client, make_run):
    run = make_run(
        "orders",
        status=RunStatus.RUNNING,
        seen=250,
        total=1000,
        created=200,
        updated=30,
        unchanged=10,
        excluded=6,
        failed=3,
        deleted=1,
        error="",
    )

    response = admin_client.get(reverse("admin:sync_syncrun_progress", args=[run.pk]))

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    assert response.json() == {
        "status": "running",
        "seen": 250,
        "total": 1000,
        "progress": 0.25,
        "created": 200,
        "updated": 30,
        "unchanged": 10,
        "excluded": 6,
        "failed": 3,
        "deleted": 1,
        "error": "",
    }


def test_run_progress_json_of_a_run_whose_total_is_not_known(admin_client, make_run):
    run = make_run("orders", status=RunStatus.FAILED, seen=3, error="ShopifyError: gone")

    data = admin_client.get(reverse("admin:sync_syncrun_progress", args=[run.pk])).json()

    assert (data["status"], data["total"], data["progress"], data["error"]) == (
        "failed",
        None,
        None,
        "ShopifyError: gone",
    )


def test_run_progress_json_needs_the_view_permission(client, staff_user, make_run):
    run = make_run("orders")
    client.force_login(staff_user)

    response = client.get(reverse("admin:sync_syncrun_progress", args=[run.pk]))

    assert response.status_code == 403


def test_a_running_runs_page_polls_its_progress(admin_client, make_run):
    run = make_run("orders", status=RunStatus.RUNNING, seen=5, total=20)

    page = admin_client.get(reverse("admin:sync_syncrun_change", args=[run.pk])).content.decode()

    assert "sync/run_progress.js" in page
    assert f'data-url="/admin/sync/syncrun/{run.pk}/progress.json"' in page
    assert 'data-status="running"' in page
    assert '<progress value="5" max="20"></progress>' in page


def test_the_runs_list_makes_as_many_queries_for_many_rows_as_for_few(admin_client, make_run):
    make_run("contacts")
    few = count_queries(admin_client, RUNS)
    for number in range(20):
        make_run("orders", status=RunStatus.RUNNING, seen=number, total=20)
    many = count_queries(admin_client, RUNS)

    assert many == few


# Failing records


def test_resync_selected_failing_records_queues_a_forced_refresh_of_each(
    client, sync_operator, make_setting, make_issue, redis_connection,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    setting = make_setting("contacts")
    issues = [make_issue(11), make_issue(12)]
    client.force_login(sync_operator)

    with django_capture_on_commit_callbacks(execute=True):
        response = act(client, ISSUES, "resync_selected", issues)

    assert sorted(queued("webhooks")) == [
        ("refresh_records", setting.pk, [11], True),
        ("refresh_records", setting.pk, [12], True),
    ]
    assert [str(m) for m in response.wsgi_request._messages] == ["Resyncing 2 record(s)."]


def test_resync_selected_says_why_a_record_is_not_resynced(
    admin_client, make_setting, make_issue, redis_connection, django_capture_on_commit_callbacks
):
    make_setting("contacts", on=False)
    issues = [make_issue(11), make_issue(12, object_type="orders")]

    with django_capture_on_commit_callbacks(execute=True):
        response = act(admin_client, ISSUES, "resync_selected", issues)

    assert django_rq.get_queue("webhooks").jobs == []
    assert sorted(str(m) for m in response.wsgi_request._messages) == [
        "1 record(s) not resynced: The contacts sync of Alpha is off; turn it on first.",
        "1 record(s) not resynced: no orders sync exists for Alpha",
    ]


def test_resync_selected_records_is_refused_without_the_permission(
    client, sync_viewer, make_setting, make_issue, redis_connection,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    make_setting("contacts")
    issue = make_issue(11)
    client.force_login(sync_viewer)

    with django_capture_on_commit_callbacks(execute=True):
        act(client, ISSUES, "resync_selected", [issue])

    assert django_rq.get_queue("webhooks").jobs == []


CSV_HEADER = (
    "store,object,shopify_id,crm_id,error,attempts,first_seen_at,last_seen_at,resolved_at\r\n"
)


@pytest.fixture
def issues(make_issue):
    return [
        make_issue(
            11,
            crm_id=501,
            error='KeyError: "email", in line 1',
            attempts=3,
            first_seen_at=EARLIER,
            last_seen_at=LATER,
        ),
        make_issue(
            12,
            object_type="orders",
            error="=HYPERLINK(evil)",
            resolved_at=LATER,
            last_seen_at=EARLIER,
        ),
    ]


def test_export_selected_failing_records_as_csv(client, sync_viewer, issues):
    client.force_login(sync_viewer)

    response = act(client, ISSUES, "export_csv", issues)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="failing-records.csv"'
    assert b"".join(response.streaming_content).decode() == (
        CSV_HEADER + 'alpha.myshopify.com,contacts,11,501,"KeyError: ""email"", in line 1",3,'
        "2026-11-19T08:00:00+00:00,2026-11-21T09:30:00+00:00,\r\n"
        "alpha.myshopify.com,orders,12,,'=HYPERLINK(evil),1,"
        "2026-11-20T12:00:00+00:00,2026-11-19T08:00:00+00:00,2026-11-21T09:30:00+00:00\r\n"
    )


def test_export_link_exports_the_whole_filtered_list(admin_client, issues):
    page = admin_client.get(ISSUES, {"resolved": "no"}).content.decode()
    assert 'href="/admin/sync/syncissue/export.csv?resolved=no"' in page

    response = admin_client.get(reverse("admin:sync_syncissue_export"), {"resolved": "no"})

    assert response.status_code == 200
    assert b"".join(response.streaming_content).decode() == (
        CSV_HEADER + 'alpha.myshopify.com,contacts,11,501,"KeyError: ""email"", in line 1",3,'
        "2026-11-19T08:00:00+00:00,2026-11-21T09:30:00+00:00,\r\n"
    )


def test_the_failing_records_list_filters_by_store_object_and_resolution(admin_client, issues):
    def listed(params):
        response = admin_client.get(ISSUES, params)
        return [issue.shopify_id for issue in response.context["cl"].result_list]

    assert listed({}) == [11, 12]  # most recently seen first
    assert listed({"object_type": "orders"}) == [12]
    assert listed({"resolved": "yes"}) == [12]
    assert listed({"store__id__exact": issues[0].store_id, "q": "11"}) == [11]


# Sync records


def test_the_sync_records_list_searches_ids_and_filters(admin_client, make_mappings):
    make_mappings("contacts", MappingState.SYNCED, 2)  # ids 1001, 1002
    make_mappings("orders", MappingState.EXCLUDED, 1, reason="Test order")  # 1003

    def listed(params):
        response = admin_client.get(MAPPINGS, params)
        assert response.status_code == 200
        return sorted(mapping.shopify_id for mapping in response.context["cl"].result_list)

    assert listed({}) == [1001, 1002, 1003]
    assert listed({"q": "1002"}) == [1002]
    assert listed({"q": "not-an-id"}) == []
    assert listed({"state__exact": "excluded"}) == [1003]
    assert listed({"object_type": "contacts"}) == [1001, 1002]


def test_resync_selected_sync_records_brings_a_deleted_record_back(
    client, sync_operator, make_setting, make_mappings, redis_connection,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    setting = make_setting("contacts")
    [mapping] = make_mappings("contacts", MappingState.DELETED)
    client.force_login(sync_operator)

    with django_capture_on_commit_callbacks(execute=True):
        act(client, MAPPINGS, "resync_selected", [mapping])

    mapping.refresh_from_db()
    assert mapping.state == MappingState.SYNCED
    assert queued("webhooks") == [("refresh_records", setting.pk, [mapping.shopify_id], True)]


def test_resync_selected_sync_records_is_refused_without_the_permission(
    client, sync_viewer, make_setting, make_mappings, redis_connection,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    make_setting("contacts")
    [mapping] = make_mappings("contacts", MappingState.DELETED)
    client.force_login(sync_viewer)

    with django_capture_on_commit_callbacks(execute=True):
        act(client, MAPPINGS, "resync_selected", [mapping])

    assert RecordMapping.objects.get().state == MappingState.DELETED
    assert django_rq.get_queue("webhooks").jobs == []


def test_the_sync_records_list_makes_as_many_queries_for_many_rows_as_for_few(
    admin_client, make_mappings
):
    make_mappings("contacts", MappingState.SYNCED, 2)
    few = count_queries(admin_client, MAPPINGS)
    make_mappings("orders", MappingState.FAILING, 30, reason="Boom")
    many = count_queries(admin_client, MAPPINGS)

    assert many == few


@pytest.mark.parametrize("model", ["syncsetting", "syncrun", "syncissue", "recordmapping"])
def test_the_sync_pages_have_no_add_button(admin_client, model):
    assert admin_client.get(reverse(f"admin:sync_{model}_add")).status_code == 403


def test_the_stores_page_shows_the_deliveries_that_went_wrong(admin_client, store):
    def delivery(number, state, **fields):
        return WebhookDelivery.objects.create(
            webhook_id=f"wh-{number}",
            store=store,
            topic="orders/create",
            body="{}",
            state=state,
            **fields,
        )

    delivery(1, DeliveryState.PROCESSED)
    delivery(2, DeliveryState.FAILED, attempts=5, error="Gave up after 5 attempts: RuntimeError: x")
    delivery(3, DeliveryState.REFUSED, error="The body names another shop than alpha")
    delivery(4, DeliveryState.REFUSED, error="The body is not a Order")
    delivery(5, DeliveryState.RECEIVED, attempts=2, error="Attempt 2: ShopifyUnavailable: 503")
    delivery(6, DeliveryState.RECEIVED)
    old = delivery(7, DeliveryState.FAILED, error="long ago")
    WebhookDelivery.objects.filter(pk=old.pk).update(
        received_at=timezone.now() - datetime.timedelta(days=8)
    )

    response = admin_client.get(reverse("admin:integration_store_change", args=[store.pk]))

    assert response.status_code == 200
    assert response.context["delivery_problems"] == [
        {
            "state": "failed",
            "label": "failed",
            "count": 1,
            "last_error": "Gave up after 5 attempts: RuntimeError: x",
        },
        {
            "state": "refused",
            "label": "refused",
            "count": 2,
            "last_error": "The body is not a Order",
        },
        {
            "state": "received",
            "label": "waiting for a retry",
            "count": 1,
            "last_error": "Attempt 2: ShopifyUnavailable: 503",
        },
    ]
    assert "2 refused</a> — the last: The body is not a Order" in response.content.decode()
    listed = admin_client.get(
        reverse("admin:sync_webhookdelivery_changelist")
        + f"?store__id__exact={store.pk}&state__exact=refused"
    )
    assert listed.status_code == 200
    assert listed.context["cl"].result_count == 2


def test_a_run_is_named_by_its_store_and_its_counts_read_as_words(store, make_run):
    run = make_run("contacts", kind="resync", seen=1203, created=1100, updated=80, unchanged=23)
    assert str(run) == "Resync of contacts for Alpha"
    assert run.counts_summary() == "1,203 records: 1,100 created, 80 updated, 23 unchanged."
    empty = make_run("orders", seen=1)
    assert str(empty) == "Initial sync of orders for Alpha"
    assert empty.counts_summary() == "1 record."
