"""What the admin, the management commands, the API and the other sync modules call to change
what syncs: connecting a store for the syncs, turning syncs on and off, resyncing, and queueing
the work that follows a change."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from config import queues
from integration import services as integration
from integration.models import Credentials
from sync import adapters, issues, mappings, outbound
from sync.adapters import ADAPTERS
from sync.models import RunKind, RunStatus, SyncRun, SyncSetting, SyncState

log = logging.getLogger(__name__)

BULK_KINDS = (RunKind.INITIAL, RunKind.RESYNC)
ACTIVE = (RunStatus.PENDING, RunStatus.RUNNING)


def connect_store(*, shop_domain: str, grant: integration.Grant, user):
    """Connect (or connect again) a store with what Shopify gave for it, subscribed to the
    topics its syncs listen to on its plan. A store connected again picks up where its syncs
    stopped: the deliveries that waited are processed, and reconciliation reads what changed
    since the watermark."""
    store = integration.connect_store(shop_domain=shop_domain, grant=grant, user=user)
    integration.subscribe(store, adapters.topics(store))
    queues.enqueue("process_deliveries", store.pk, once=True)
    return store


def connect_store_token(*, shop_domain: str, access_token: str, user=None):
    """Connect a store with a custom app's Admin API token (it does not expire)."""
    grant = integration.Grant(access_token=access_token, credentials=Credentials.TOKEN)
    return connect_store(shop_domain=shop_domain, grant=grant, user=user)


def refresh_granted_scopes(store) -> list[str]:
    """The store changed what it granted (`app/scopes_update`): read it, and subscribe to the
    topics it now allows."""
    scopes = integration.read_granted_scopes(store)
    integration.subscribe(store, adapters.topics(store))
    return scopes


def disconnect_store(*, store) -> None:
    """Disconnect a store: its syncs stop, its webhooks go, its token is forgotten, its data
    stays."""
    stop_store_syncs(store)
    integration.disconnect_store(store=store)


def stop_store_syncs(store) -> None:
    """A disconnected or uninstalled store: every sync stops, the data stays."""
    SyncSetting.objects.filter(store=store).update(
        enabled=False, state=SyncState.OFF, updated_at=timezone.now()
    )
    _cancel_runs(store, None)


@transaction.atomic
def turn_on(*, store, object_type: str) -> SyncRun | None:
    """Turn a sync on: its initial sync starts (through a bulk operation). Turning on a sync
    that was on before creates nothing twice: records are known by their Shopify id."""
    adapter = ADAPTERS[object_type]
    cannot = adapter.unavailable(store)
    if cannot:
        raise ValueError(f"The {object_type} sync of {store} cannot be turned on: {cannot}")
    setting, _ = SyncSetting.objects.select_for_update().get_or_create(
        store=store,
        object_type=object_type,
        defaults={
            "direction": adapter.default_direction(),
            "filters": outbound.new_sync_filters(store, adapter),
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


def _cancel_runs(store, object_type):
    runs = SyncRun.objects.filter(store=store, status__in=ACTIVE)
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


def check_drift(setting: SyncSetting) -> None:
    """Compare every id and update time of the sync with Shopify now (the nightly check, on
    demand): what is missing or stale is read again, what Shopify deleted is deleted."""
    queues.enqueue("check_drift", setting.pk, once=True)


def resync_record(*, store, object_type: str, shopify_id: int):
    """Read one record again and apply it, even if unchanged or deleted in the CRM."""
    setting = SyncSetting.objects.get(store=store, object_type=object_type)
    if not setting.enabled:
        raise ValueError(f"The {object_type} sync of {store} is off; turn it on first.")
    mappings.undelete(store, object_type, shopify_id)
    queues.enqueue("refresh_records", setting.pk, [shopify_id], True)


def start_bulk_run(setting: SyncSetting, kind: str) -> SyncRun:
    """A bulk run of the setting's object; another one already pending or running is reused."""
    existing = SyncRun.objects.filter(
        store=setting.store, object_type=setting.object_type, kind__in=BULK_KINDS, status__in=ACTIVE
    ).first()
    if existing:
        return existing
    run = SyncRun.objects.create(store=setting.store, object_type=setting.object_type, kind=kind)
    queue_bulk_run(run)
    return run


@transaction.atomic
def restage_orders(*, store) -> SyncRun:
    """Put the store's orders in the stages the order sync's mapping names now, in a
    background run with progress. A re-staging still going stops: this one supersedes it."""
    SyncRun.objects.filter(
        store=store, object_type="orders", kind=RunKind.RESTAGE, status__in=ACTIVE
    ).update(status=RunStatus.CANCELLED, finished_at=timezone.now(), error="Superseded")
    run = SyncRun.objects.create(store=store, object_type="orders", kind=RunKind.RESTAGE)
    queue_bulk_run(run)
    return run


def queue_bulk_run(run: SyncRun, delay: int = 0) -> None:
    """Queue (again) the job of a bulk run. Extra jobs for one run are harmless: only one can
    claim it (runs.claim)."""
    queues.enqueue("run_bulk", run.pk, delay=delay)


def wake_bulk_runs(store, operation_id: str | None) -> None:
    """Shopify says a bulk operation finished: the run waiting on it goes on at once, and so
    do runs waiting for Shopify to have room for another bulk query."""
    for run in SyncRun.objects.filter(store=store, status=RunStatus.PENDING):
        if run.checkpoint.get("bulk_operation_id") in (operation_id, None):
            queue_bulk_run(run)


def crm_record_changed(object_type: str, crm_id: int) -> None:
    """A contact, company or product changed in the CRM (admin, staff pages, API, commands):
    push it to the stores it belongs to (sync.outbound: those it is mapped to, or, for a
    record created in the CRM, those whose sync takes new CRM records), of those whose sync of
    the object pushes. Coalesced per record and store; inbound changes meanwhile wait for the
    push, which merges both sides."""
    pushing = [
        setting
        for setting in SyncSetting.objects.enabled()
        .filter(object_type=object_type)
        .select_related("store")
        if setting.pushes
    ]
    targets = outbound.targets(pushing, object_type, crm_id) if pushing else []
    for setting in pushing:
        if setting not in targets:
            # A push that failed in a store the record does not go to (one made before the
            # record became another store's) is never tried again: nothing is failing there.
            issues.resolve_outbound(setting, crm_id)
    if not targets:
        return
    mappings.mark_push_pending([setting.store for setting in targets], object_type, crm_id)
    for setting in targets:
        queue_push(setting, crm_id)


def queue_push(setting, crm_id: int) -> None:
    queues.enqueue("push_record", setting.pk, crm_id, once=True)
