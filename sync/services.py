"""Turning syncs on and off, resyncing, and scheduling the work: what the admin, the
management commands and the jobs call."""

from __future__ import annotations

import contextlib
import functools
import logging

import django_rq
import redis
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from rq import Retry

from integration import services as integration_services
from sync import jobs, push
from sync.models import (
    DeliveryState,
    Direction,
    MappingState,
    ObjectType,
    RecordMapping,
    RunKind,
    RunStatus,
    SyncRun,
    SyncSetting,
    SyncState,
    WebhookDelivery,
)

log = logging.getLogger(__name__)

TWO_WAY_OBJECTS = {ObjectType.CONTACTS, ObjectType.COMPANIES, ObjectType.PRODUCTS}
# Filters a new sync starts with (the Limit step can change them).
DEFAULT_FILTERS = {
    ObjectType.CONTACTS: {"require_email": True},
    ObjectType.COMPANIES: {"require_name_or_domain": True},
}
BULK_JOB_TIMEOUT = 6 * 3600
RECONCILE_JOB_TIMEOUT = 3600
# A queued job's coalescing key outlives any normal queue wait; if the job is lost, the next
# webhook or sweep after this long queues a new one.
PENDING_KEY_TTL = 600
# A killed refresh job holds its sync this long at most (duplicate reads past it are harmless).
REFRESH_LOCK_SECONDS = 120
# Unprocessed deliveries queued again per sweep (a minute's worth in a big backlog).
SWEEP_DELIVERIES = 1000


@transaction.atomic
def turn_on(*, store, object_type: str) -> SyncRun | None:
    """Turn a sync on: its initial sync starts (through a bulk operation). Turning on a sync
    that was on before creates nothing twice: records are known by their Shopify id."""
    setting, created = SyncSetting.objects.select_for_update().get_or_create(
        store=store,
        object_type=object_type,
        defaults={
            "direction": Direction.TWO_WAY if object_type in TWO_WAY_OBJECTS else Direction.TO_CRM,
            "filters": DEFAULT_FILTERS.get(object_type, {}),
        },
    )
    if setting.enabled and setting.state in (SyncState.ON, SyncState.INITIAL_SYNC):
        return None
    setting.enabled = True
    setting.state = SyncState.INITIAL_SYNC
    setting.error = ""
    setting.save(update_fields=["enabled", "state", "error", "updated_at"])
    return start_bulk_run(setting, RunKind.INITIAL)


@transaction.atomic
def turn_off(*, store, object_type: str) -> None:
    """Stop a sync. Its data and mappings stay, so turning it on again duplicates nothing."""
    SyncSetting.objects.filter(store=store, object_type=object_type).update(
        enabled=False, state=SyncState.OFF, updated_at=timezone.now()
    )
    _cancel_runs(store, object_type)


def disconnect_store(*, store) -> None:
    """Disconnect a store: its syncs stop, its webhooks go, its token is forgotten, its data
    stays."""
    stop_store_syncs(store)
    integration_services.disconnect_store(store=store)


def stop_store_syncs(store) -> None:
    """A disconnected or uninstalled store: every sync stops, the data stays."""
    SyncSetting.objects.filter(store=store).update(
        enabled=False, state=SyncState.OFF, updated_at=timezone.now()
    )
    _cancel_runs(store, None)


def _cancel_runs(store, object_type):
    runs = SyncRun.objects.filter(store=store, status__in=[RunStatus.PENDING, RunStatus.RUNNING])
    if object_type:
        runs = runs.filter(object_type=object_type)
    runs.update(status=RunStatus.CANCELLED, finished_at=timezone.now())


@transaction.atomic
def resync(*, store, object_type: str) -> SyncRun:
    """Read the whole object again and apply every record, unchanged ones and ones deleted in
    the CRM included. Creates nothing twice."""
    setting = SyncSetting.objects.select_for_update().get(store=store, object_type=object_type)
    if not setting.enabled:
        raise ValueError(f"The {object_type} sync of {store} is off; turn it on first.")
    return start_bulk_run(setting, RunKind.RESYNC)


def resync_record(*, store, object_type: str, shopify_id: int):
    """Read one record again and apply it, even if unchanged or deleted in the CRM."""
    setting = SyncSetting.objects.get(store=store, object_type=object_type)
    if not setting.enabled:
        raise ValueError(f"The {object_type} sync of {store} is off; turn it on first.")
    RecordMapping.objects.filter(
        store=store, object_type=object_type, shopify_id=shopify_id, state=MappingState.DELETED
    ).update(state=MappingState.SYNCED, reason="")
    _queue("webhooks").enqueue(
        jobs.refresh_records, setting.pk, [shopify_id], True, job_timeout=600
    )


def start_bulk_run(setting: SyncSetting, kind: str) -> SyncRun:
    """A bulk run of the setting's object; another one already pending or running is reused."""
    existing = SyncRun.objects.filter(
        store=setting.store,
        object_type=setting.object_type,
        kind__in=[RunKind.INITIAL, RunKind.RESYNC],
        status__in=[RunStatus.PENDING, RunStatus.RUNNING],
    ).first()
    if existing:
        return existing
    run = SyncRun.objects.create(store=setting.store, object_type=setting.object_type, kind=kind)
    enqueue_bulk_run(run)
    return run


@transaction.atomic
def restage_orders(*, store) -> SyncRun:
    """Put the store's orders in the stages the order sync's mapping names now, in a
    background run with progress. A re-staging still going stops: this one supersedes it."""
    SyncRun.objects.filter(
        store=store,
        object_type=ObjectType.ORDERS,
        kind=RunKind.RESTAGE,
        status__in=[RunStatus.PENDING, RunStatus.RUNNING],
    ).update(status=RunStatus.CANCELLED, finished_at=timezone.now(), error="Superseded")
    run = SyncRun.objects.create(store=store, object_type=ObjectType.ORDERS, kind=RunKind.RESTAGE)
    enqueue_bulk_run(run)
    return run


def enqueue_bulk_run(run: SyncRun, delay_seconds: int = 0):
    """Queue (again) the job of a bulk run. Extra jobs for one run are harmless: only one can
    claim it (runs.claim). No fixed job id, because rq marks the job of a worker that died as
    failed, and a new job under that id would be skipped."""
    queue = _queue("sync")
    if delay_seconds:
        queue.enqueue_in(
            timezone.timedelta(seconds=delay_seconds),
            jobs.run_bulk,
            run.pk,
            job_timeout=BULK_JOB_TIMEOUT,
        )
    else:
        queue.enqueue(jobs.run_bulk, run.pk, job_timeout=BULK_JOB_TIMEOUT)


def wake_bulk_runs(store, operation_id: str | None):
    """Shopify says a bulk operation finished: the run waiting on it goes on at once, and so
    do runs waiting for Shopify to have room for another bulk query."""
    for run in SyncRun.objects.filter(store=store, status=RunStatus.PENDING):
        if run.checkpoint.get("bulk_operation_id") in (operation_id, None):
            enqueue_bulk_run(run)


def enqueue_refresh(store, object_type: str, shopify_id: int):
    """Re-read one record soon. The records named meanwhile join one job per sync, which
    reads them together (one query per chunk): a burst of webhooks costs a few jobs, not a
    job per record, and a record named twice is read once, as it is when the job runs."""
    setting = SyncSetting.objects.filter(store=store, object_type=object_type).first()
    if setting is not None:
        refresh_soon(setting, shopify_id)


def refresh_soon(setting: SyncSetting, shopify_id: int):
    # Counted, so a job that read the record before this trigger leaves it for the next job.
    redis_client().hincrby(_refresh_key(setting.pk), str(shopify_id), 1)
    _enqueue_refresh_job(setting.pk)


def _enqueue_refresh_job(setting_id: int):
    _enqueue_coalesced(
        "webhooks",
        f"sync:refresh-pending:{setting_id}",
        jobs.refresh_pending,
        setting_id,
        job_timeout=600,
    )


def _refresh_key(setting_id: int) -> str:
    return f"sync:refresh-ids:{setting_id}"


def records_to_refresh(setting_id: int, limit: int) -> dict[int, bytes]:
    """Up to `limit` of the records waiting to be re-read, with their trigger counts."""
    waiting = redis_client().hgetall(_refresh_key(setting_id))
    return {int(shopify_id): count for shopify_id, count in list(waiting.items())[:limit]}


# Forget a record only if no trigger came since it was taken (its count is unchanged).
_FORGET_UNCHANGED = """
for i = 1, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then
    redis.call('HDEL', KEYS[1], ARGV[i])
  end
end
"""


def refreshed(setting_id: int, taken: dict[int, bytes]):
    """These records were re-read: forget them, unless named again meanwhile. A job killed
    before this leaves them waiting for the next job (or the sweep's)."""
    if not taken:
        return
    arguments = [value for shopify_id, count in taken.items() for value in (str(shopify_id), count)]
    redis_client().eval(_FORGET_UNCHANGED, 1, _refresh_key(setting_id), *arguments)


@contextlib.contextmanager
def refreshing(setting_id: int):
    """Whether this job is the one re-reading the sync's records (a lock that expires, in case
    its worker is killed: the sweep's job takes over then)."""
    key = f"sync:refreshing:{setting_id}"
    mine = bool(redis_client().set(key, 1, nx=True, ex=REFRESH_LOCK_SECONDS))
    try:
        yield mine
    finally:
        if mine:
            redis_client().delete(key)


def requeue_refresh(setting_id: int):
    _enqueue_refresh_job(setting_id)


def forget_refreshes(setting_id: int):
    redis_client().delete(_refresh_key(setting_id))


def crm_record_changed(object_type: str, crm_id: int):
    """A contact, company or product changed in the CRM (admin, staff pages, API, commands):
    push it to every store whose sync of that object pushes. Coalesced per record and store;
    inbound changes meanwhile wait for the push, which merges both sides."""
    settings_ = [
        setting
        for setting in SyncSetting.objects.enabled()
        .filter(object_type=object_type)
        .select_related("store")
        if push.pushes(setting)
    ]
    if not settings_:
        return
    RecordMapping.objects.filter(
        store__in=[setting.store for setting in settings_], object_type=object_type, crm_id=crm_id
    ).update(push_pending=True)
    for setting in settings_:
        enqueue_push(setting, crm_id)


def enqueue_push(setting, crm_id: int):
    _enqueue_coalesced(
        "default",
        f"sync:push-pending:{setting.pk}:{crm_id}",
        jobs.push_record,
        setting.pk,
        crm_id,
        job_timeout=600,
        # Shopify down or throttling: try again a little later (the sweep catches the rest).
        retry=Retry(max=3, interval=[10, 60, 300]),
    )


def enqueue_deliveries(store_id: int):
    """Process a store's stored webhook deliveries soon: one job takes every delivery waiting
    (a burst of webhooks shares a job instead of queueing one each)."""
    _enqueue_coalesced(
        "webhooks",
        f"sync:deliveries-pending:{store_id}",
        jobs.run_webhook_deliveries,
        store_id,
        job_timeout=600,
    )


def sweep():
    """Every minute (cron): reconcile each enabled sync whose interval is due, and restart bulk
    runs whose worker died (no heartbeat) or that waited for Shopify."""
    now = timezone.now()
    for setting in SyncSetting.objects.enabled().filter(state=SyncState.ON):
        due = setting.last_reconciled_at is None or (
            (now - setting.last_reconciled_at).total_seconds() >= setting.reconcile_interval
        )
        if due:
            _enqueue_coalesced(
                "sync",
                f"sync:reconcile-pending:{setting.pk}",
                jobs.reconcile,
                setting.pk,
                job_timeout=RECONCILE_JOB_TIMEOUT,
            )
    stale = now - timezone.timedelta(minutes=3)
    for run in SyncRun.objects.filter(
        kind__in=[RunKind.INITIAL, RunKind.RESYNC, RunKind.RESTAGE],
        status__in=[RunStatus.PENDING, RunStatus.RUNNING],
    ):
        if run.status == RunStatus.PENDING or (run.heartbeat_at or run.created_at) < stale:
            enqueue_bulk_run(run)
    # A delivery stored but not processed: Redis was down when it arrived, or its job was lost.
    waiting = WebhookDelivery.objects.filter(
        state=DeliveryState.RECEIVED, received_at__lt=now - timezone.timedelta(minutes=2)
    )
    for store_id in waiting.order_by().values_list("store_id", flat=True).distinct():
        enqueue_deliveries(store_id)
    # A CRM change whose push never finished (Shopify down past the retries, a lost job).
    _sweep_pushes(now)
    # Records waiting to be re-read whose job was killed (coalesced: no second job if queued).
    for setting_id in SyncSetting.objects.enabled().values_list("pk", flat=True):
        if redis_client().hlen(_refresh_key(setting_id)):
            _enqueue_refresh_job(setting_id)
    # A reconciliation or drift check whose worker died would say "running" for ever; past
    # its job's time limit it surely is not. (The next sweep or night does its work again.)
    for kind, limit in (
        (RunKind.RECONCILE, RECONCILE_JOB_TIMEOUT),
        (RunKind.DRIFT, BULK_JOB_TIMEOUT),
    ):
        SyncRun.objects.filter(
            kind=kind,
            status=RunStatus.RUNNING,
            started_at__lt=now - timezone.timedelta(seconds=limit),
        ).update(
            status=RunStatus.FAILED,
            finished_at=now,
            error="The worker stopped before the run finished.",
        )


def nightly_drift_check():
    """Every night (cron): compare every enabled sync with Shopify, ids and counts."""
    for setting in SyncSetting.objects.enabled().filter(state=SyncState.ON):
        enqueue_drift_check(setting.pk)


def enqueue_drift_check(setting_id: int, delay_seconds: int = 0):
    _enqueue_coalesced(
        "sync",
        f"sync:drift-pending:{setting_id}",
        jobs.check_drift,
        setting_id,
        job_timeout=BULK_JOB_TIMEOUT,
        delay_seconds=delay_seconds,
    )


def _sweep_pushes(now):
    waiting = (
        RecordMapping.objects.filter(push_pending=True)
        .filter(Q(synced_at__lt=now - timezone.timedelta(minutes=2)) | Q(synced_at=None))
        .exclude(crm_id=None)
        .values_list("store_id", "object_type", "crm_id")
        .order_by("pk")[:SWEEP_DELIVERIES]
    )
    settings_ = {
        (setting.store_id, setting.object_type): setting
        for setting in SyncSetting.objects.enabled().select_related("store")
    }
    for store_id, object_type, crm_id in waiting:
        setting = settings_.get((store_id, object_type))
        if setting is not None:
            enqueue_push(setting, crm_id)


def _enqueue_coalesced(
    queue_name: str,
    pending_key: str,
    function,
    *args,
    job_timeout: int,
    delay_seconds: int = 0,
    retry: Retry | None = None,
):
    """Queue function(*args, pending_key) unless a job under that key is queued and not yet
    started (the job deletes the key when it starts). Not a fixed job id: rq may still hold a
    dead worker's job under it. After commit, so a caller that rolls back leaves no key that
    would hold back the next one; the key expires in case a job is lost all the same."""

    def enqueue():
        if not redis_client().set(pending_key, 1, nx=True, ex=PENDING_KEY_TTL + delay_seconds):
            return
        queue = _queue(queue_name)
        if delay_seconds:
            queue.enqueue_in(
                timezone.timedelta(seconds=delay_seconds),
                function,
                *args,
                pending_key,
                job_timeout=job_timeout,
                retry=retry,
            )
        else:
            queue.enqueue(function, *args, pending_key, job_timeout=job_timeout, retry=retry)

    transaction.on_commit(enqueue)


def _queue(name: str):
    return django_rq.get_queue(name, connection=redis_client())


def redis_client():
    """This process's client (one connection pool) for the sync's keys."""
    return _client(settings.REDIS_URL)


@functools.lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    # One client, and so one connection pool, per process: a client made per call opens a
    # new TCP connection for every webhook the intake queues.
    return redis.Redis.from_url(url)
