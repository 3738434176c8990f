"""The cron entries: what each queues, once, and the runs whose worker died."""

import django_rq
import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from rq import cron

from config import queues
from crm import triggers
from dashboards import refresh
from sync import deliveries, push, runs, subscriptions
from sync.models import (
    DeliveryState,
    RecordMapping,
    RunKind,
    RunStatus,
    SyncRun,
    WebhookDelivery,
)
from tests import conftest

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _redis(redis_connection):
    return redis_connection


def queued(queue="sync"):
    return conftest.queued(queue)


def minutes_ago(minutes):
    return timezone.now() - timezone.timedelta(minutes=minutes)


def test_the_periodic_work_is_named_cron_entries_one_job_each(redis_connection):
    scheduler = cron.CronScheduler(connection=redis_connection)
    scheduler.load_config_from_file("sync.cron")
    entries = {job.name: job for job in scheduler.get_jobs()}

    assert {name: job.func for name, job in entries.items()} == {
        "reconcile due syncs": runs.reconcile_due,
        "restart stalled bulk runs": runs.restart_stalled,
        "fail abandoned runs": runs.fail_abandoned,
        "requeue waiting webhook deliveries": deliveries.requeue_waiting,
        "requeue waiting pushes": push.requeue_waiting,
        "drift check": runs.check_drift_everywhere,
        "check webhook subscriptions": subscriptions.check_everywhere,
        "follow-up triggers": triggers.scan,
        "rebuild report aggregates": refresh.rebuild_everything,
        "clear expired sessions": call_command,
    }
    every_minute = {name for name, job in entries.items() if job.interval == 60}
    assert every_minute == {
        "reconcile due syncs",
        "restart stalled bulk runs",
        "fail abandoned runs",
        "requeue waiting webhook deliveries",
        "requeue waiting pushes",
        "follow-up triggers",
    }
    assert entries["check webhook subscriptions"].interval == 600
    assert entries["drift check"].cron == "23 2 * * *"
    assert entries["clear expired sessions"].args == ("clearsessions",)
    assert {job.queue_name for job in entries.values()} == {"default"}


def test_due_syncs_are_reconciled_once(make_setting, django_capture_on_commit_callbacks):
    due = make_setting("contacts", last_reconciled_at=minutes_ago(6))
    never = make_setting("orders", last_reconciled_at=None)
    make_setting("products", last_reconciled_at=minutes_ago(2))
    make_setting("carts", on=False)

    with django_capture_on_commit_callbacks(execute=True):
        runs.reconcile_due()
        runs.reconcile_due()

    assert sorted(queued()) == [("reconcile", due.pk), ("reconcile", never.pk)]


def test_a_reconciliation_that_started_lets_the_next_sweep_queue_another(
    make_setting, redis_connection, django_capture_on_commit_callbacks
):
    # No watermark yet (its initial sync has not finished): the job starts and has nothing
    # to read.
    setting = make_setting("contacts", last_reconciled_at=None, watermark=None)
    with django_capture_on_commit_callbacks(execute=True):
        runs.reconcile_due()
    job = django_rq.get_queue("sync").jobs[0]
    assert redis_connection.exists(queues.once_key("reconcile", setting.pk))

    queues.perform(*job.args)

    assert not redis_connection.exists(queues.once_key("reconcile", setting.pk))
    with django_capture_on_commit_callbacks(execute=True):
        runs.reconcile_due()
    assert len(queued()) == 2


def test_nothing_is_queued_when_the_caller_rolls_back(
    make_setting, redis_connection, django_capture_on_commit_callbacks
):
    setting = make_setting("contacts", last_reconciled_at=None)

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        runs.reconcile_due()
        raise RuntimeError("the caller fails")

    assert queued() == []
    # No key left behind that would hold back the next sweep's job.
    assert not redis_connection.exists(queues.once_key("reconcile", setting.pk))


def test_pending_runs_and_runs_without_a_heartbeat_are_queued_again(
    make_setting, make_run, django_capture_on_commit_callbacks
):
    make_setting("contacts", last_reconciled_at=timezone.now())
    pending = make_run("contacts", status=RunStatus.PENDING)
    silent = make_run("orders", status=RunStatus.RUNNING, heartbeat_at=minutes_ago(4))
    make_run("products", status=RunStatus.RUNNING, heartbeat_at=minutes_ago(1))
    make_run("carts", status=RunStatus.SUCCEEDED)

    with django_capture_on_commit_callbacks(execute=True):
        runs.restart_stalled()

    assert sorted(queued()) == [("run_bulk", pending.pk), ("run_bulk", silent.pk)]


def test_reconciliations_and_drift_checks_whose_worker_died_are_closed(make_run):
    dead = make_run("contacts", kind=RunKind.RECONCILE, status=RunStatus.RUNNING)
    SyncRun.objects.filter(pk=dead.pk).update(started_at=minutes_ago(61))
    alive = make_run("orders", kind=RunKind.RECONCILE, status=RunStatus.RUNNING)
    SyncRun.objects.filter(pk=alive.pk).update(started_at=minutes_ago(30))
    checking = make_run("orders", kind=RunKind.DRIFT, status=RunStatus.RUNNING)
    SyncRun.objects.filter(pk=checking.pk).update(started_at=minutes_ago(61))

    runs.fail_abandoned()

    dead.refresh_from_db()
    assert (dead.status, dead.error) == (
        RunStatus.FAILED,
        "The worker stopped before the run finished.",
    )
    assert dead.finished_at is not None
    assert SyncRun.objects.get(pk=alive.pk).status == RunStatus.RUNNING
    assert SyncRun.objects.get(pk=checking.pk).status == RunStatus.RUNNING


def test_the_nightly_drift_check_queues_each_sync_that_is_on_once(
    make_setting, django_capture_on_commit_callbacks
):
    contacts = make_setting("contacts")
    make_setting("orders", on=False)

    with django_capture_on_commit_callbacks(execute=True):
        runs.check_drift_everywhere()
        runs.check_drift_everywhere()

    assert queued() == [("check_drift", contacts.pk)]


def test_deliveries_left_unprocessed_are_queued_once(store, django_capture_on_commit_callbacks):
    def delivery(webhook_id, minutes, state=DeliveryState.RECEIVED):
        made = WebhookDelivery.objects.create(
            webhook_id=webhook_id, store=store, topic="customers/update", body="{}", state=state
        )
        WebhookDelivery.objects.filter(pk=made.pk).update(received_at=minutes_ago(minutes))
        return made

    delivery("lost", 3)
    delivery("arriving", 1)
    delivery("done", 3, DeliveryState.PROCESSED)

    with django_capture_on_commit_callbacks(execute=True):
        deliveries.requeue_waiting()
        deliveries.requeue_waiting()

    assert queued("webhooks") == [("process_deliveries", store.pk)]


def test_a_crm_change_whose_push_never_finished_is_pushed_again(
    make_setting, store, django_capture_on_commit_callbacks
):
    setting = make_setting("contacts", direction="two_way")
    RecordMapping.objects.bulk_create(
        [
            # Pending for minutes: its job was lost, or Shopify was down past the retries.
            RecordMapping(
                store=store,
                object_type="contacts",
                shopify_id=1,
                crm_id=11,
                push_pending=True,
                synced_at=minutes_ago(10),
            ),
            # Pending since a moment ago: its push is queued or running.
            RecordMapping(
                store=store,
                object_type="contacts",
                shopify_id=2,
                crm_id=12,
                push_pending=True,
                synced_at=minutes_ago(0),
            ),
            RecordMapping(
                store=store,
                object_type="contacts",
                shopify_id=3,
                crm_id=13,
                push_pending=False,
                synced_at=minutes_ago(10),
            ),
        ]
    )

    with django_capture_on_commit_callbacks(execute=True):
        push.requeue_waiting()
        push.requeue_waiting()

    assert queued("default") == [("push_record", setting.pk, 11)]
    job = django_rq.get_queue("default").jobs[0]
    assert (job.retries_left, job.retry_intervals) == (3, [10, 60, 300])
