"""How each sync is doing: its state, how many of its records are in sync, excluded or failing,
and its last run. One computation, shared by the admin's "Syncs" pages and `manage.py
sync_status`."""

from __future__ import annotations

import datetime

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from integration.models import Store
from sync.adapters import ADAPTERS
from sync.models import (
    DeliveryState,
    MappingState,
    RecordMapping,
    SyncRun,
    SyncState,
    WebhookDelivery,
)

# How far back the store's page looks for deliveries that went wrong.
DELIVERIES_SHOWN_FOR = datetime.timedelta(days=7)

# The counts a sync shows, by the annotation (and JSON key) that holds each.
COUNTED_STATES = {
    "in_sync": MappingState.SYNCED,
    "excluded": MappingState.EXCLUDED,
    "failing": MappingState.FAILING,
}


def _mapping_count(state: str):
    # A correlated COUNT over the (store, object_type, state) index: every row of a list gets
    # its counts inside the one query that lists the rows, never a query per row.
    mappings = (
        RecordMapping.objects.filter(
            store=OuterRef("store"), object_type=OuterRef("object_type"), state=state
        )
        .order_by()
        .values("store")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(mappings), 0)


def with_health(settings):
    """Annotate a SyncSetting queryset with `in_sync`, `excluded`, `failing` and
    `last_run_id`; `attach_last_runs` then loads the runs themselves."""
    last_run = (
        SyncRun.objects.filter(store=OuterRef("store"), object_type=OuterRef("object_type"))
        .order_by("-created_at", "-id")
        .values("id")[:1]
    )
    counts = {name: _mapping_count(state) for name, state in COUNTED_STATES.items()}
    return settings.annotate(**counts, last_run_id=Subquery(last_run))


def attach_last_runs(settings):
    """Give each setting (annotated by `with_health`) its `last_run`, in one query for all."""
    settings = list(settings)
    ids = [setting.last_run_id for setting in settings if setting.last_run_id]
    runs = SyncRun.objects.in_bulk(ids) if ids else {}
    for setting in settings:
        setting.last_run = runs.get(setting.last_run_id)
    return settings


def excluded_reasons(setting, limit: int = 10) -> list[dict]:
    """The commonest reasons the sync's records are excluded: [{"reason", "count"}]."""
    return list(
        RecordMapping.objects.filter(
            store=setting.store_id, object_type=setting.object_type, state=MappingState.EXCLUDED
        )
        .order_by()
        .values("reason")
        .annotate(count=Count("pk"))
        .order_by("-count", "reason")[:limit]
    )


def store_health(store) -> dict:
    """The health of every sync of a store, as `sync_status --json` prints it (a stable
    interface): every object, a sync never turned on being "off" with zeros."""
    settings = attach_last_runs(with_health(store.sync_settings.all()))
    by_object = {setting.object_type: setting for setting in settings}
    return {
        "shop": store.shop_domain,
        "objects": {
            object_type: _object_health(by_object.get(object_type)) for object_type in ADAPTERS
        },
    }


def stores() -> list[dict]:
    """Every store the CRM knows, with its syncs' health (for crm.sources; no tokens)."""
    return [
        {
            "shop": store.shop_domain,
            "name": store.name,
            "currency": store.currency,
            "timezone": store.timezone,
            "status": store.status,
            "connected_at": _iso(store.connected_at),
            "syncs": store_health(store)["objects"],
        }
        for store in Store.objects.order_by("shop_domain")
    ]


def _object_health(setting) -> dict:
    if setting is None:
        return {
            "state": SyncState.OFF.value,
            **dict.fromkeys(COUNTED_STATES, 0),
            "last_run": None,
            "watermark": None,
        }
    return {
        "state": setting.state,
        **{name: getattr(setting, name) for name in COUNTED_STATES},
        "last_run": run_summary(setting.last_run),
        "watermark": _iso(setting.watermark),
    }


def run_summary(run: SyncRun | None) -> dict | None:
    if run is None:
        return None
    return {
        "kind": run.kind,
        "status": run.status,
        "done": run.done,
        "total": run.total,
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
    }


def _iso(moment):
    return moment.isoformat() if moment else None


def run_progress(run: SyncRun) -> dict:
    """What the run page polls while the run runs (see static/sync/run_progress.js)."""
    return {
        "status": run.status,
        "seen": run.seen,
        "total": run.total,
        "progress": run.progress,
        "created": run.created,
        "updated": run.updated,
        "unchanged": run.unchanged,
        "excluded": run.excluded,
        "failed": run.failed,
        "deleted": run.deleted,
        "error": run.error,
    }


def store_access(store) -> dict:
    """What Shopify lets the app do with a store, in words, for its page: what is missing and
    what each sync does without it."""
    protected = [
        reason for reason in store.refused_topics.values() if "protected customer data" in reason
    ]
    withheld = {}
    for setting in store.sync_settings.all():
        adapter = ADAPTERS.get(setting.object_type)
        if adapter and setting.withheld:
            kinds = {adapter.protected_fields.get(path, ("",))[0] for path in setting.withheld}
            withheld[adapter.label] = sorted(kind for kind in kinds if kind)
    missing = []
    orders = ADAPTERS.get("orders")
    if orders and store.can_sync and not orders.sees_all(store):
        missing.append(
            "Orders older than 60 days: Shopify has not approved the app for read_all_orders, "
            "so only the last 60 days of orders sync (older ones in the CRM stay as they are)."
        )
    if protected or withheld:
        what = "; ".join(f"{label}: {', '.join(kinds)}" for label, kinds in withheld.items())
        missing.append(
            "Protected customer data: Shopify has not approved the app for it"
            + (f" (withheld — {what})" if what else "")
            + ". The CRM keeps its own values of what Shopify withholds."
        )
    by_reason: dict[str, list[str]] = {}
    for topic, reason in sorted(store.refused_topics.items()):
        by_reason.setdefault(reason, []).append(topic)
    # Shopify gives one reason for many topics: each reason once, with its topics.
    return {"missing": missing, "refused_topics": sorted(by_reason.items())}


def sync_access(setting) -> list[str]:
    """What the sync cannot do with its store, and what it does instead, one sentence each
    (the sync's page)."""
    store, adapter = setting.store, ADAPTERS[setting.object_type]
    lines = []
    cannot = adapter.unavailable(store)
    if cannot:
        lines.append(f"Paused: {cannot}")
    if store.status != "connected":
        lines.append(f"The store is {store.get_status_display().lower()}: {store.status_detail}")
    refused = [t for t in adapter.store_topics(store) if store.refused_topics.get(t)]
    if refused:
        lines.append(
            f"No webhooks for {', '.join(refused)} (Shopify: {store.refused_topics[refused[0]]}): "
            f"reconciliation every {setting.reconcile_every} keeps it in sync."
        )
    if setting.webhooks_restored:
        topics = ", ".join(sorted(setting.webhooks_restored))
        when = max(setting.webhooks_restored.values())[:16].replace("T", " ")
        lines.append(
            f"Shopify had deleted the webhook subscriptions {topics} (after deliveries failed "
            f"for hours); they were created again at {when} UTC. Meanwhile reconciliation "
            f"every {setting.reconcile_every} kept the sync current."
        )
    if setting.withheld:
        kinds = sorted({adapter.protected_fields.get(p, ("",))[0] for p in setting.withheld})
        lines.append(
            f"Shopify withholds {', '.join(k for k in kinds if k)} (protected customer data the "
            "app is not approved for): the CRM keeps its own values."
        )
    if adapter.out_of_sight and store.can_sync and not adapter.sees_all(store):
        lines.append(f"Only the last 60 days sync: Shopify hides {adapter.out_of_sight}.")
    return lines


def delivery_problems(store) -> list[dict]:
    """The store's webhook deliveries of the last days that went wrong, grouped: failed (after
    every retry, or at once: a body that names nothing), refused (not what their headers
    said), and those waiting for a retry. [{"state", "label", "count", "last_error"}]."""
    since = timezone.now() - DELIVERIES_SHOWN_FOR
    recent = WebhookDelivery.objects.filter(store=store, received_at__gte=since)
    groups = [
        (DeliveryState.FAILED, "failed", recent.filter(state=DeliveryState.FAILED)),
        (DeliveryState.REFUSED, "refused", recent.filter(state=DeliveryState.REFUSED)),
        (
            DeliveryState.RECEIVED,
            "waiting for a retry",
            recent.filter(state=DeliveryState.RECEIVED, attempts__gt=0),
        ),
    ]
    problems = []
    for state, label, deliveries in groups:
        count = deliveries.count()
        if count:
            last = deliveries.order_by("-received_at", "-pk").values_list("error", flat=True)[0]
            problems.append(
                {"state": state.value, "label": label, "count": count, "last_error": last}
            )
    return problems
