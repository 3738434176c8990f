"""The operator commands: sync_on, sync_off, resync and sync_status."""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from sync.models import MappingState, RunKind, RunStatus, SyncRun, SyncSetting, SyncState
from tests.conftest import queued

pytestmark = pytest.mark.django_db

ALL = ["contacts", "companies", "products", "orders", "carts"]
STARTED = datetime.datetime(2026, 11, 20, 12, 0, 5, tzinfo=datetime.UTC)
FINISHED = datetime.datetime(2026, 11, 20, 12, 4, 0, tzinfo=datetime.UTC)


@pytest.fixture
def run(django_capture_on_commit_callbacks, redis_connection):
    """Call a command; the jobs it queues reach Redis (sent when its transaction commits)."""

    def call(*args):
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command(*args, stdout=out)
        return out.getvalue()

    return call


def sync_jobs():
    """The queued sync jobs as (job, run id)."""
    return queued("sync")


# sync_on


def test_sync_on_turns_every_object_on_and_starts_their_initial_syncs(run, store):
    output = run("sync_on", "alpha")

    runs = {run.object_type: run for run in SyncRun.objects.all()}
    assert output.splitlines() == [
        f"{name}: initial sync started (run {runs[name].pk})." for name in ALL
    ]
    settings = SyncSetting.objects.order_by("pk").values_list("object_type", "enabled", "state")
    assert list(settings) == [(name, True, SyncState.INITIAL_SYNC) for name in ALL]
    assert all(r.kind == RunKind.INITIAL and r.status == RunStatus.PENDING for r in runs.values())
    assert sync_jobs() == [("run_bulk", runs[name].pk) for name in ALL]


def test_sync_on_some_objects_of_a_store_given_by_its_admin_url(run, store):
    output = run("sync_on", "https://admin.shopify.com/store/alpha", "--objects", "orders,contacts")

    assert [line.split(":")[0] for line in output.splitlines()] == ["orders", "contacts"]
    assert set(SyncSetting.objects.values_list("object_type", flat=True)) == {"orders", "contacts"}
    assert len(sync_jobs()) == 2


def test_sync_on_a_sync_that_is_on_starts_nothing(run, store, make_setting):
    make_setting("contacts")

    output = run("sync_on", "alpha.myshopify.com", "--objects", "contacts")

    assert output == "contacts: already on.\n"
    assert not SyncRun.objects.exists()
    assert sync_jobs() == []


# sync_off


def test_sync_off_stops_the_syncs_and_their_runs(run, store, make_setting, make_run):
    make_setting("contacts")
    make_setting("orders")
    running = make_run("contacts", status=RunStatus.RUNNING)

    output = run("sync_off", "alpha", "--objects", "contacts,carts")

    assert output.splitlines() == ["contacts: turned off.", "carts: already off."]
    assert dict(SyncSetting.objects.values_list("object_type", "state")) == {
        "contacts": SyncState.OFF,
        "orders": SyncState.ON,
    }
    running.refresh_from_db()
    assert running.status == RunStatus.CANCELLED


def test_sync_off_works_for_a_disconnected_store(run, store, make_setting):
    make_setting("contacts")
    store.mark_disconnected()
    store.save()

    output = run("sync_off", "alpha")

    assert output.splitlines()[0] == "contacts: turned off."
    assert not SyncSetting.objects.get().enabled


# resync


def test_resync_without_objects_resyncs_every_sync_that_is_on(run, store, make_setting):
    make_setting("contacts")
    make_setting("orders")
    make_setting("carts", on=False)

    output = run("resync", "alpha")

    runs = {run.object_type: run for run in SyncRun.objects.all()}
    assert set(runs) == {"contacts", "orders"}
    assert all(r.kind == RunKind.RESYNC for r in runs.values())
    assert output.splitlines() == [
        f"contacts: resync started (run {runs['contacts'].pk}).",
        f"orders: resync started (run {runs['orders'].pk}).",
    ]
    assert sync_jobs() == [
        ("run_bulk", runs["contacts"].pk),
        ("run_bulk", runs["orders"].pk),
    ]


def test_resync_of_an_object_that_is_off_is_refused_and_starts_nothing(run, store, make_setting):
    make_setting("contacts")
    make_setting("carts", on=False)

    with pytest.raises(CommandError) as error:
        run("resync", "alpha", "--objects", "contacts,carts,orders")

    assert str(error.value) == (
        "The carts, orders sync of alpha.myshopify.com is off; turn it on first "
        "(manage.py sync_on alpha.myshopify.com --objects carts,orders)."
    )
    assert not SyncRun.objects.exists()
    assert sync_jobs() == []


def test_resync_when_no_sync_is_on_is_refused(run, store):
    with pytest.raises(CommandError, match="No sync of alpha.myshopify.com is on"):
        run("resync", "alpha")


# Errors every command shares


@pytest.mark.parametrize("command", ["sync_on", "sync_off", "resync", "sync_status"])
def test_a_shop_that_is_not_a_shopify_address_is_refused(run, store, command):
    with pytest.raises(CommandError, match="not a Shopify store address"):
        run(command, "evil.example.com")


@pytest.mark.parametrize("command", ["sync_on", "sync_off", "resync", "sync_status"])
def test_an_unknown_shop_is_refused(run, store, command):
    with pytest.raises(CommandError) as error:
        run(command, "beta")

    assert str(error.value) == (
        "No store beta.myshopify.com is known here; `manage.py list_stores` lists the stores, "
        "`manage.py connect_store_token` connects one."
    )


@pytest.mark.parametrize("command", ["sync_on", "sync_off", "resync"])
def test_an_unknown_object_is_refused_before_anything_changes(run, store, make_setting, command):
    make_setting("contacts")

    with pytest.raises(CommandError) as error:
        run(command, "alpha", "--objects", "contacts,widgets")

    assert str(error.value) == (
        "Unknown object 'widgets'; choose from contacts, companies, products, orders, carts."
    )
    assert SyncSetting.objects.get().state == SyncState.ON
    assert not SyncRun.objects.exists()


@pytest.mark.parametrize("command", ["sync_on", "resync"])
def test_a_store_that_is_not_connected_is_refused(run, store, make_setting, command):
    make_setting("contacts")
    store.mark_disconnected("uninstalled")
    store.save()

    with pytest.raises(CommandError) as error:
        run(command, "alpha")

    assert str(error.value) == (
        "alpha.myshopify.com is not connected (it is uninstalled); connect it again first."
    )
    assert not SyncRun.objects.exists()
    assert sync_jobs() == []


# sync_status


@pytest.fixture
def some_health(store, make_setting, make_mappings, make_run):
    make_setting("contacts")
    make_setting("orders", state=SyncState.INITIAL_SYNC, watermark=None)
    make_setting("carts", on=False, state=SyncState.ERROR, error="Access denied")
    make_mappings("contacts", MappingState.SYNCED, 4)
    make_mappings("contacts", MappingState.EXCLUDED, 2, reason="No email")
    make_mappings("contacts", MappingState.FAILING, 1)
    make_mappings("contacts", MappingState.DELETED, 3)
    make_mappings("orders", MappingState.SYNCED, 2)
    make_run("contacts", created_at=STARTED - datetime.timedelta(days=1))
    make_run(
        "contacts",
        kind=RunKind.RESYNC,
        seen=7,
        total=7,
        started_at=STARTED,
        finished_at=FINISHED,
        created_at=STARTED,
    )
    make_run("orders", status=RunStatus.RUNNING, seen=2, started_at=STARTED)


def test_sync_status_json_is_the_documented_document(run, some_health):
    document = json.loads(run("sync_status", "alpha.myshopify.com", "--json"))

    never = {"state": "off", "in_sync": 0, "excluded": 0, "failing": 0, "last_run": None}
    assert document == {
        "shop": "alpha.myshopify.com",
        "objects": {
            "contacts": {
                "state": "on",
                "in_sync": 4,
                "excluded": 2,
                "failing": 1,
                "last_run": {
                    "kind": "resync",
                    "status": "succeeded",
                    "done": 7,
                    "total": 7,
                    "started_at": "2026-11-20T12:00:05+00:00",
                    "finished_at": "2026-11-20T12:04:00+00:00",
                },
                "watermark": "2026-11-20T12:00:00+00:00",
            },
            "companies": {**never, "watermark": None},
            "products": {**never, "watermark": None},
            "orders": {
                "state": "initial_sync",
                "in_sync": 2,
                "excluded": 0,
                "failing": 0,
                "last_run": {
                    "kind": "initial",
                    "status": "running",
                    "done": 2,
                    "total": None,
                    "started_at": "2026-11-20T12:00:05+00:00",
                    "finished_at": None,
                },
                "watermark": None,
            },
            "carts": {**never, "state": "error", "watermark": None},
        },
    }
    assert list(document["objects"]) == ALL


def test_sync_status_in_words(run, some_health):
    lines = run("sync_status", "alpha").splitlines()

    assert lines[0] == "alpha.myshopify.com"
    assert " ".join(lines[1].split()) == (
        "contacts on in sync 4, excluded 2, failing 1; last run: resync succeeded, "
        "7/7 (100%); watermark: 2026-11-20T12:00:00+00:00"
    )
    assert "last run: initial running, 2/?;" in lines[4]
    assert lines[2].split()[:2] == ["companies", "off"]


def test_sync_status_works_for_a_disconnected_store(run, store):
    store.mark_disconnected()
    store.save()

    document = json.loads(run("sync_status", "alpha", "--json"))

    assert {status["state"] for status in document["objects"].values()} == {"off"}
