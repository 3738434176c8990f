"""Job entry points: take ids, load rows, call one service, return quietly if the row is gone.
A job may run twice or be killed at any moment; what they call makes that harmless."""

import logging

from sync import deliveries, engine, push, runs, services
from sync.models import DeliveryState, SyncSetting, WebhookDelivery

log = logging.getLogger(__name__)


DELIVERY_BATCH = 200
DELIVERY_BATCHES_PER_JOB = 10


def run_webhook_deliveries(store_id: int, pending_key: str | None = None):
    """Every delivery of the store waiting to be processed, oldest first. One that fails is
    left as it is (the sweep tries it again) and the others go on."""
    _started(pending_key)
    after = 0
    for _ in range(DELIVERY_BATCHES_PER_JOB):
        batch = list(
            WebhookDelivery.objects.select_related("store")
            .filter(store_id=store_id, state=DeliveryState.RECEIVED, pk__gt=after)
            .order_by("pk")[:DELIVERY_BATCH]
        )
        if not batch:
            return
        syncs = deliveries.store_syncs(store_id)
        for delivery in batch:
            try:
                deliveries.process_delivery(delivery, syncs)
            except Exception:
                log.exception("webhook delivery %s failed; the sweep will try again", delivery.pk)
        after = batch[-1].pk


def push_record(setting_id: int, crm_id: int, pending_key: str | None = None):
    _started(pending_key)
    outcome = push.push_record(setting_id, crm_id)
    log.info("push of record %s (sync %s): %s", crm_id, setting_id, outcome)


def _started(pending_key: str | None):
    """From now on a new trigger queues a new job: this one may already have read what the
    trigger is about (services._enqueue_coalesced)."""
    if pending_key:
        services.redis_client().delete(pending_key)


def refresh_records(setting_id: int, shopify_ids: list[int], force: bool = False, pending_key=None):
    _started(pending_key)
    setting = SyncSetting.objects.select_related("store").filter(pk=setting_id).first()
    if setting is None or not setting.enabled or not setting.store.has_access_token:
        return
    engine.refresh(setting, shopify_ids, force=force)


REFRESH_BATCH = 250
REFRESH_BATCHES_PER_JOB = 20


def refresh_pending(setting_id: int, pending_key: str | None = None):
    """Re-read the records webhooks named (services.enqueue_refresh), a batch at a time, until
    none wait (or enough batches ran: it queues its successor). One such job per sync at a
    time: a second one would read the same records beside it and keep a worker from the
    deliveries. The one running looks again after it lets go, so no record is left behind."""
    _started(pending_key)
    setting = SyncSetting.objects.select_related("store").filter(pk=setting_id).first()
    if setting is None or not setting.enabled or not setting.store.has_access_token:
        services.forget_refreshes(setting_id)  # turning it on again reads everything anyway
        return
    batches = 0
    while services.records_to_refresh(setting_id, 1):
        with services.refreshing(setting_id) as mine:
            if not mine:
                return  # another job is at it, and looks again when it is done
            while batches < REFRESH_BATCHES_PER_JOB:
                taken = services.records_to_refresh(setting_id, REFRESH_BATCH)
                if not taken:
                    break
                engine.refresh(setting, list(taken))
                services.refreshed(setting_id, taken)
                batches += 1
        if batches >= REFRESH_BATCHES_PER_JOB:
            services.requeue_refresh(setting_id)
            return


def run_bulk(run_id: int):
    try:
        runs.run_bulk(run_id)
    except runs.RunDeferred as deferred:
        log.info("sync run %s waits for Shopify: %s", run_id, deferred)
        run = runs.SyncRun.objects.get(pk=run_id)
        services.enqueue_bulk_run(run, delay_seconds=30)


def reconcile(setting_id: int, pending_key: str | None = None):
    _started(pending_key)
    runs.reconcile(setting_id)


def check_drift(setting_id: int, pending_key: str | None = None):
    _started(pending_key)
    try:
        runs.check_drift(setting_id)
    except runs.RunDeferred as deferred:
        log.info("drift check of sync %s waits for Shopify: %s", setting_id, deferred)
        services.enqueue_drift_check(setting_id, delay_seconds=60)


def sweep():
    services.sweep()


def nightly_drift_check():
    services.nightly_drift_check()
