"""Runs over a whole object: the initial sync (and resyncs) through a bulk operation, the
reconciliation of recent changes, the nightly drift check, re-staging the orders; and the cron
entries that start them and restart those whose worker died.

A bulk run saves its checkpoint — the bulk operation and the JSONL line to resume from — in
the same transaction as each batch it applies, so a worker killed at any moment resumes where
the last committed batch ended: nothing is applied twice, nothing skipped.
"""

from __future__ import annotations

import datetime
import itertools
import logging
import time

import redis
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from config import queues
from crm import services as crm
from crm.models import Order
from integration import ids
from integration.client import ShopifyClient
from integration.documents import operation
from integration.errors import ReconnectNeeded, ShopifyError, ShopifyUserError
from integration.models import StoreStatus
from sync import engine, mappings, planner_statistics, stages, staging, writes
from sync.adapters import ADAPTERS
from sync.models import MappingState, RunKind, RunStatus, SyncRun, SyncSetting, SyncState

log = logging.getLogger(__name__)

# Reconciliation reads back this far before its watermark: Shopify's update times have
# one-second precision and commits are not instantaneous.
OVERLAP = datetime.timedelta(minutes=2)
# A running run whose worker has not reported for this long is taken to be dead.
STALE_AFTER = datetime.timedelta(minutes=3)
# Runs that will go on (their staged export is kept).
ALIVE = (RunStatus.PENDING, RunStatus.RUNNING)
POLL_SECONDS = (0.5, 1, 2, 3, 5)
# How often a run asks whether its bulk operation finished: every second at most, so the file
# waits at most a second for the run (the question costs one point of Shopify's rate limit).
EXPORT_POLL_SECONDS = (0.25, 0.5, 1)
# A bulk operation still running after this many questions (about 14 hours at one a second)
# is given up on: the job fails and the sweep starts the run again.
MAX_POLLS = 50_000
# Questions in a row that may fail (each after its own retries) while a run waits for its export.
POLL_FAILURES = 3
# How long a run waits inside its job for another bulk operation to finish before it hands
# the worker back and retries later.
BUSY_WAIT_SECONDS = 120
# What bulkOperationRunQuery answers while the app's bulk queries on the shop are at their limit
# (OPERATION_IN_PROGRESS is what versions before 2026-01 said).
BUSY_CODES = {"LIMIT_REACHED", "OPERATION_IN_PROGRESS"}
# Between two batches, a bulk run gives way while webhook jobs wait: it looks this often, this
# many times at most (a second per batch), so a store's initial sync never holds PostgreSQL (nor
# the CPU of a machine it shares) from the other stores' changes, and still goes on under a
# steady stream of them.
GIVE_WAY_POLL_SECONDS = 0.05
GIVE_WAY_MAX_POLLS = 20
# A run that waits for Shopify to have room goes on this much later; a drift check likewise.
DEFERRED_RUN_DELAY = 30
DEFERRED_DRIFT_DELAY = 60


class RunTakenOver(Exception):
    """Another worker holds the run now: this one must stop without writing."""


class RunDeferred(Exception):
    """The run cannot go on now (Shopify is busy with other bulk queries); try again later."""


def claim(run_id: int) -> SyncRun | None:
    """Take a run for this worker: a pending one, or a running one whose worker died. Two
    workers can never both hold it."""
    now = timezone.now()
    claimed = SyncRun.objects.filter(pk=run_id, status=RunStatus.PENDING).update(
        status=RunStatus.RUNNING, started_at=now, heartbeat_at=now
    ) or SyncRun.objects.filter(
        pk=run_id, status=RunStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER
    ).update(heartbeat_at=now)
    return SyncRun.objects.select_related("store").get(pk=run_id) if claimed else None


def heartbeat(run: SyncRun):
    SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())


def run_bulk(run_id: int):
    """The job of a bulk run: an initial sync or a resync (the whole object through one bulk
    operation), or a re-staging of the orders. Waits for Shopify in a later job when Shopify
    runs as many bulk queries as it allows."""
    try:
        _run(run_id)
    except RunDeferred as deferred:
        log.info("sync run %s waits for Shopify: %s", run_id, deferred)
        queues.enqueue("run_bulk", run_id, delay=DEFERRED_RUN_DELAY)


def _run(run_id: int):
    run = claim(run_id)
    if run is None:
        return
    setting = SyncSetting.objects.select_related("store").get(
        store=run.store, object_type=run.object_type
    )
    if not setting.enabled:
        _finish(run, RunStatus.CANCELLED, "The sync was turned off")
        return
    if not run.store.can_sync:
        # Reconnect needed: the run waits, and goes on once the store is connected again.
        SyncRun.objects.filter(pk=run.pk).update(status=RunStatus.PENDING)
        return
    cannot = ADAPTERS[run.object_type].unavailable(run.store)
    if cannot:
        _fail(run, setting, cannot)
        return
    try:
        if run.kind == RunKind.RESTAGE:
            _restage(run, setting)
        else:
            _run_bulk(run, setting)
    except RunTakenOver as error:
        log.warning("%s", error)
        return
    except RunDeferred:
        SyncRun.objects.filter(pk=run.pk).update(status=RunStatus.PENDING)
        raise
    except ReconnectNeeded:
        # The store must be connected again: the run waits, and goes on from its checkpoint
        # once it is.
        SyncRun.objects.filter(pk=run.pk).update(status=RunStatus.PENDING)
    except ShopifyError as error:
        if error.retryable:
            # Shopify still down or throttling after the client's own retries: the run waits
            # and goes on from its checkpoint in a later job, as a deferred one does.
            SyncRun.objects.filter(pk=run.pk).update(status=RunStatus.PENDING)
            raise RunDeferred(str(error)) from error
        _fail(run, setting, str(error))
    except redis.RedisError as error:
        # Redis is down (a run's end queues the reports' refresh): the run waits, and
        # restart_stalled sends it on from its checkpoint once Redis is back.
        log.warning("%s waits for Redis: %s", run, error)
        SyncRun.objects.filter(pk=run.pk).update(status=RunStatus.PENDING)
    except Exception as error:
        _fail(run, setting, f"{type(error).__name__}: {error}")
        raise


def _run_bulk(run: SyncRun, setting: SyncSetting):
    adapter = ADAPTERS[run.object_type]
    client = ShopifyClient.for_store(run.store)
    checkpoint = dict(run.checkpoint)
    if not checkpoint.get("bulk_operation_id"):
        engine.probe_withheld(setting, client)
        started = _start_bulk(client, run, operation(adapter.document, adapter.bulk_operation))
        checkpoint = {"bulk_operation_id": started["id"], "line": -1}
        SyncRun.objects.filter(pk=run.pk).update(checkpoint=checkpoint)
        run.checkpoint = checkpoint
    bulk = _wait_for(client, run, checkpoint["bulk_operation_id"])
    if bulk["status"] != "COMPLETED":
        # Failed, cancelled or expired on Shopify's side: start over with a new one.
        SyncRun.objects.filter(pk=run.pk).update(checkpoint={})
        raise ShopifyError(f"the bulk operation ended {bulk['status']} ({bulk['errorCode']})")
    if "exported_at" not in checkpoint:
        # When Shopify had the file ready: what follows is the CRM's own time.
        checkpoint = {**checkpoint, "exported_at": bulk["completedAt"]}
        SyncRun.objects.filter(pk=run.pk).update(checkpoint=checkpoint)
        run.checkpoint = checkpoint
    SyncRun.objects.filter(pk=run.pk).update(total=int(bulk["rootObjectCount"]))
    if bulk["url"]:  # no url: the object has no records at all
        _apply_file(run, setting, client, bulk["url"], checkpoint)
    # The derived data the batches left to the end (defer=True), for the whole store, read
    # with the statistics of the tables as the run left them.
    planner_statistics.analyze_stale_tables()
    adapter.after_bulk(run.store)
    finished_at = timezone.now()
    with transaction.atomic():
        _finish(run, RunStatus.SUCCEEDED)
        watermark = ids.moment(bulk.get("createdAt")) or run.started_at or finished_at
        SyncSetting.objects.filter(pk=setting.pk).update(
            state=SyncState.ON, error="", watermark=watermark, last_reconciled_at=finished_at
        )
    staging.drop(staging.table_name(run.pk))


RESTAGE_BATCH = 2000


def _restage(run: SyncRun, setting: SyncSetting):
    """Put every order of the store in the stage its status maps to now (after the mapping
    or the pipeline changed), in batches that each commit with their checkpoint."""
    mapping = stages.mapping_for(setting)
    orders = Order.objects.filter(source_store=run.store.shop_domain)
    SyncRun.objects.filter(pk=run.pk).update(total=orders.count())
    last = run.checkpoint.get("last_id", 0)
    fields = ("id", "financial_status", "fulfillment_status", "delivered", "cancelled_at")
    while True:
        batch = list(
            orders.filter(pk__gt=last)
            .order_by("pk")
            .values(*fields, "pipeline_stage_id")[:RESTAGE_BATCH]
        )
        if not batch:
            break
        moves = []
        for row in batch:
            stage = stages.stage_of_row(mapping, row)
            if stage != row["pipeline_stage_id"]:
                status = stages.shopify_order_status(
                    financial_status=row["financial_status"],
                    fulfillment_status=row["fulfillment_status"],
                    delivered=[row["delivered"]],
                    cancelled=row["cancelled_at"] is not None,
                )
                moves.append((row["id"], row["pipeline_stage_id"], stage, status))
        last = batch[-1]["id"]
        with transaction.atomic():
            by_stage = {}
            for order_id, _, stage, _ in moves:
                by_stage.setdefault(stage, []).append(order_id)
            for stage, order_ids in by_stage.items():
                Order.objects.filter(pk__any=order_ids).update(pipeline_stage_id=stage)
            crm.record_stage_changes(moves, timezone.now())
            moved = SyncRun.objects.filter(
                pk=run.pk, status=RunStatus.RUNNING, checkpoint=run.checkpoint
            ).update(
                seen=F("seen") + len(batch),
                updated=F("updated") + len(moves),
                unchanged=F("unchanged") + len(batch) - len(moves),
                heartbeat_at=timezone.now(),
                checkpoint={"last_id": last},
            )
            if not moved:
                raise RunTakenOver(f"{run} moved on without this worker")
        run.checkpoint = {"last_id": last}
    crm.orders_restaged(run.store.shop_domain)
    _finish(run, RunStatus.SUCCEEDED)


def _start_bulk(client, run, query) -> dict:
    """Start a bulk query. Shopify runs five at a time per app and store: while they all run
    (other objects' syncs, drift checks) wait a while, then give the worker back."""
    waited = 0.0
    for attempt in itertools.count():
        try:
            return client.start_bulk_query(query)
        except ShopifyUserError as error:
            if not any(e.get("code") in BUSY_CODES for e in error.errors):
                raise
            if waited >= BUSY_WAIT_SECONDS:
                raise RunDeferred(str(error)) from None
        pause = POLL_SECONDS[min(attempt, len(POLL_SECONDS) - 1)]
        heartbeat(run)
        time.sleep(pause)
        waited += pause


def _wait_for(client, run, operation_id) -> dict:
    failures = 0
    for attempt in range(MAX_POLLS):
        try:
            bulk = client.bulk_operation(operation_id)
        except ShopifyError as error:
            # Asking again is harmless: a question that failed through all its retries (a
            # storm of errors) is asked again later, a few times, before the job gives up.
            failures += 1
            if not error.retryable or failures > POLL_FAILURES:
                raise
            heartbeat(run)
            time.sleep(POLL_SECONDS[-1])
            continue
        failures = 0
        if bulk is None:
            raise ShopifyError(f"the bulk operation {operation_id} is gone")
        if bulk["status"] not in ("CREATED", "RUNNING", "CANCELING"):
            return bulk
        heartbeat(run)
        time.sleep(EXPORT_POLL_SECONDS[min(attempt, len(EXPORT_POLL_SECONDS) - 1)])
    raise ShopifyError("the bulk operation did not finish")


def _apply_file(run, setting, client, url, checkpoint):
    """Stage the export in PostgreSQL (once: a resumed run finds it loaded), then apply its
    records batch by batch from the checkpoint on."""
    staged = staging.StagedExport(run.pk, ADAPTERS[run.object_type])
    if not staged.is_loaded(checkpoint.get("staged_lines")):
        loaded, refused = staged.load(client.stream_lines(url))
        # A run that was applying when its table was lost (a database crash) goes on after
        # the records it applied. (A checkpoint from before staging counted lines read.)
        after = checkpoint.get("line", 0) - (0 if "staged_lines" in checkpoint else 1)
        checkpoint = {**checkpoint, "staged_lines": loaded, "line": after}
        changes = {"checkpoint": checkpoint}
        if refused:
            changes["summary"] = f"{refused} lines of Shopify's export were not records: left out."
        SyncRun.objects.filter(pk=run.pk).update(**changes)
        run.checkpoint = checkpoint
    batches = staged.batches(checkpoint["line"], settings.SYNC_BATCH_SIZE)
    # Only where another worker takes them: a worker that runs webhook jobs too would wait for
    # jobs that wait for it.
    give_way = queues.others_take("webhooks")
    for number, batch in enumerate(batches, 1):
        _apply(run, setting, [node for _, node in batch], batch[-1][0])
        if number % planner_statistics.BATCHES_PER_LOOK == 0:
            planner_statistics.analyze_stale_tables()
            give_way = queues.others_take("webhooks")
        if give_way:
            _give_way_to_webhooks()


def _give_way_to_webhooks() -> int:
    """Wait while jobs wait on the `webhooks` queue, GIVE_WAY_MAX_POLLS looks at most: a
    webhook's change shows in seconds, and a batch of a bulk run can come a moment later. No
    transaction is open here. Returns the looks that found jobs waiting."""
    for polls in range(GIVE_WAY_MAX_POLLS):
        if not queues.waiting("webhooks"):
            return polls
        time.sleep(GIVE_WAY_POLL_SECONDS)
    return GIVE_WAY_MAX_POLLS


def _apply(run: SyncRun, setting: SyncSetting, nodes: list[dict], last_line: int):
    """One batch and its checkpoint (the line of its last record), in one transaction. The
    checkpoint moves only from where this worker found it: if another worker took the run over
    meanwhile (this one was thought dead), this batch is rolled back and this worker stops."""
    with transaction.atomic():
        writes.commit_without_waiting_for_disk()
        counts = engine.apply_batch(
            setting, engine.parse_nodes(setting, nodes), force=_forced(run), defer=True
        )
        moved = SyncRun.objects.filter(
            pk=run.pk, status=RunStatus.RUNNING, checkpoint=run.checkpoint
        ).update(
            **{name: F(name) + value for name, value in counts.as_dict().items()},
            heartbeat_at=timezone.now(),
            checkpoint={**run.checkpoint, "line": last_line},
        )
        if not moved:
            raise RunTakenOver(f"{run} moved on without this worker")
    run.refresh_from_db(fields=["checkpoint"])


def _forced(run: SyncRun) -> bool:
    return run.kind == RunKind.RESYNC


def _add_counts(run: SyncRun, counts: engine.Counts, **changes):
    SyncRun.objects.filter(pk=run.pk).update(
        **{name: F(name) + value for name, value in counts.as_dict().items()},
        heartbeat_at=timezone.now(),
        **changes,
    )


def _cannot_sync(setting: SyncSetting) -> bool:
    """A store that must be connected again, or whose grants or plan no longer allow the
    pair: nothing is read (the health pages say why), and it goes on when that changes."""
    store = setting.store
    return not store.can_sync or bool(ADAPTERS[setting.object_type].unavailable(store))


def _finish(run: SyncRun, status: str, error: str = ""):
    """End the run. A run that wrote no summary of its own (a drift check writes what it
    found) gets its counts in words, so the list of runs says what each did."""
    SyncRun.objects.filter(pk=run.pk).update(status=status, finished_at=timezone.now(), error=error)
    ended = SyncRun.objects.filter(pk=run.pk, summary="").first()
    if ended is not None:
        SyncRun.objects.filter(pk=run.pk, summary="").update(summary=ended.counts_summary())


def _fail(run: SyncRun, setting: SyncSetting, error: str):
    log.warning("%s failed: %s", run, error)
    _finish(run, RunStatus.FAILED, error)
    SyncSetting.objects.filter(pk=setting.pk).update(state=SyncState.ERROR, error=error)


def reconcile(setting_id: int):
    """The job: read what changed in Shopify since the watermark (minus an overlap) and apply
    what the CRM does not already have. An unchanged store costs one query and writes nothing
    but the time of the sweep."""
    setting = SyncSetting.objects.select_related("store").filter(pk=setting_id).first()
    if setting is None or not setting.enabled or setting.state != SyncState.ON:
        return None
    if setting.watermark is None or _cannot_sync(setting):
        return None
    adapter = ADAPTERS[setting.object_type]
    client = ShopifyClient.for_store(setting.store)
    since = setting.watermark - OVERLAP
    query = f"updated_at:>='{since.astimezone(datetime.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}'"
    seen = {
        ids.number(node["id"]): ids.moment(node["updatedAt"])
        for node in client.paginate(
            adapter.document, {"query": query}, (adapter.root_field,), adapter.changes_operation
        )
    }
    applied = mappings.by_shopify_id(setting.store, setting.object_type, seen)
    stale = [
        shopify_id
        for shopify_id, updated_at in seen.items()
        if shopify_id not in applied
        or applied[shopify_id].state == MappingState.FAILING
        or (applied[shopify_id].shopify_updated_at or updated_at) < updated_at
    ]
    run = None
    if stale:
        run = SyncRun.objects.create(
            store=setting.store,
            object_type=setting.object_type,
            kind=RunKind.RECONCILE,
            status=RunStatus.RUNNING,
            started_at=timezone.now(),
            total=len(stale),
        )
        counts = engine.refresh(setting, stale, client=client)
        _add_counts(run, counts)
        _finish(run, RunStatus.SUCCEEDED)
    # The watermark moves only once everything up to it is committed.
    newest = max(seen.values(), default=None)
    changes = {"last_reconciled_at": timezone.now()}
    if newest and newest > setting.watermark:
        changes["watermark"] = newest
    changes.update(_look_for_deletes(setting, adapter, client))
    SyncSetting.objects.filter(pk=setting.pk).update(**changes)
    return run


def _look_for_deletes(setting, adapter, client) -> dict:
    """A record deleted in Shopify is never "updated since": when its webhook is lost, only
    the count tells. Shopify's count (one cheap query) against the CRM's records of the sync
    in sight: when Shopify has fewer, the drift check finds which and applies the deletion
    rule now, not at night. A gap the drift check already looked at is not looked at again.
    Returns the setting's fields to change."""
    field = adapter.count_field
    data = client.execute(f"query CountAll {{ {field}(limit: null) {{ count precision }} }}")
    if data[field]["precision"] != "EXACT":
        return {}
    mapped = mappings.of_store(setting.store, setting.object_type).exclude(
        state=MappingState.DELETED
    )
    gap = adapter.count_in_sight(setting.store, mapped) - int(data[field]["count"])
    if gap <= 0:
        return {"count_gap_checked": None} if setting.count_gap_checked is not None else {}
    if gap == setting.count_gap_checked:
        return {}
    log.info("%s: Shopify counts %s fewer records than the CRM: drift check", setting, gap)
    queues.enqueue("check_drift", setting.pk, once=True)
    return {"count_gap_checked": gap}


def check_drift(setting_id: int):
    """The job: compare every id and update time in Shopify with the CRM's mappings (a bulk
    query of ids only) and repair the differences. Waits for Shopify in a later job when Shopify
    runs as many bulk queries as it allows."""
    try:
        return _check_drift(setting_id)
    except RunDeferred as deferred:
        log.info("drift check of sync %s waits for Shopify: %s", setting_id, deferred)
        queues.enqueue("check_drift", setting_id, once=True, delay=DEFERRED_DRIFT_DELAY)
        return None


def _check_drift(setting_id: int):
    """Missing or stale records are read again, records Shopify no longer has get the
    deletion rule. Records what it found."""
    setting = SyncSetting.objects.select_related("store").filter(pk=setting_id).first()
    if setting is None or not setting.enabled or setting.state != SyncState.ON:
        return None
    if _cannot_sync(setting):
        return None
    adapter = ADAPTERS[setting.object_type]
    client = ShopifyClient.for_store(setting.store)
    run = SyncRun.objects.create(
        store=setting.store,
        object_type=setting.object_type,
        kind=RunKind.DRIFT,
        status=RunStatus.RUNNING,
        started_at=timezone.now(),
    )
    try:
        started = _start_bulk(client, run, operation(adapter.document, adapter.ids_list_operation))
        bulk = _wait_for(client, run, started["id"])
        shopify = {}
        if bulk["status"] == "COMPLETED" and bulk["url"]:
            for _, line in client.stream_jsonl(bulk["url"]):
                shopify[ids.number(line["id"])] = ids.moment(line.get("updatedAt"))
        elif bulk["status"] != "COMPLETED":
            raise ShopifyError(f"the bulk operation ended {bulk['status']}")
    except RunDeferred:
        # Another bulk operation kept Shopify busy: this check did nothing and runs later.
        run.delete()
        raise
    except (ShopifyError, ShopifyUserError) as error:
        _finish(run, RunStatus.FAILED, str(error))
        return run
    mapped = {
        mapping.shopify_id: mapping
        for mapping in mappings.of_store(setting.store, setting.object_type).exclude(
            state=MappingState.DELETED
        )
    }
    missing = [
        shopify_id
        for shopify_id, updated_at in shopify.items()
        if shopify_id not in mapped
        or (
            mapped[shopify_id].shopify_updated_at
            and updated_at
            and mapped[shopify_id].shopify_updated_at < updated_at
        )
    ]
    # Not in the export: gone, or created while the export ran. Reading each again tells
    # which, and applies the deletion rule only to those Shopify no longer has.
    gone = [shopify_id for shopify_id in mapped if shopify_id not in shopify]
    # Out of the app's sight (orders older than 60 days without read_all_orders): kept.
    hidden = adapter.invisible(setting.store, gone)
    gone = [shopify_id for shopify_id in gone if shopify_id not in hidden]
    counts = engine.refresh(setting, missing + gone, client=client)
    summary = f"{len(shopify)} in Shopify: {len(missing)} missing or stale, {len(gone)} gone."
    if hidden:
        summary += f" {len(hidden)} out of the app's sight (kept): {adapter.out_of_sight}."
    _add_counts(run, counts, total=len(shopify), summary=summary)
    _finish(run, RunStatus.SUCCEEDED)
    return run


# Cron entries (sync.cron) ---------------------------------------------------------------------


def reconcile_due() -> None:
    """Every minute: reconcile each sync that is on whose interval has passed."""
    now = timezone.now()
    for setting in SyncSetting.objects.enabled().filter(state=SyncState.ON):
        last = setting.last_reconciled_at
        if last is None or (now - last).total_seconds() >= setting.reconcile_interval:
            queues.enqueue("reconcile", setting.pk, once=True)


def restart_stalled() -> None:
    """Every minute: bulk runs waiting for Shopify, or whose worker died (no heartbeat), go
    on. A second job for a run is harmless: only one can claim it."""
    stale = timezone.now() - STALE_AFTER
    for run in SyncRun.objects.filter(
        kind__in=[RunKind.INITIAL, RunKind.RESYNC, RunKind.RESTAGE],
        status__in=[RunStatus.PENDING, RunStatus.RUNNING],
        store__status=StoreStatus.CONNECTED,  # a store to reconnect: its runs wait
    ):
        if run.status == RunStatus.PENDING or (run.heartbeat_at or run.created_at) < stale:
            queues.enqueue("run_bulk", run.pk)


def fail_abandoned() -> None:
    """Every minute: a reconciliation or drift check whose worker died would say "running"
    for ever; past its job's time limit it surely is not. (The next sweep or night does its
    work again.) And the staged exports of runs that ended (failed, cancelled, or deleted)
    are dropped."""
    staged = staging.staged_run_ids()
    if staged:
        active = set(
            SyncRun.objects.filter(pk__in=staged, status__in=ALIVE).values_list("pk", flat=True)
        )
        for run_id in set(staged) - active:
            staging.drop(staging.table_name(run_id))
    now = timezone.now()
    for kind, job in ((RunKind.RECONCILE, "reconcile"), (RunKind.DRIFT, "check_drift")):
        limit = timezone.timedelta(seconds=queues.JOBS[job].timeout)
        SyncRun.objects.filter(
            kind=kind, status=RunStatus.RUNNING, started_at__lt=now - limit
        ).update(
            status=RunStatus.FAILED,
            finished_at=now,
            error="The worker stopped before the run finished.",
        )


def check_drift_everywhere() -> None:
    """Every night: compare every sync that is on with Shopify, ids and counts."""
    for setting_id in (
        SyncSetting.objects.enabled().filter(state=SyncState.ON).values_list("pk", flat=True)
    ):
        queues.enqueue("check_drift", setting_id, once=True)
