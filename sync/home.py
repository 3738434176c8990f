"""The Shopify side of the staff home (/crm/, crm.home): each store with the health of its
syncs, linked to its admin page, and the admin pages that run the syncs. A link is shown only
to those the admin would let in."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse

from integration.models import Store, StoreStatus
from sync.models import MappingState, RecordMapping, SyncState


def _store_note(store) -> tuple[str, bool]:
    """("Connected · Contacts on, Orders initial sync · 3 failing", whether to look)."""
    parts = [store.get_status_display()]
    syncs = [
        f"{s.get_object_type_display()} {s.get_state_display().lower()}"
        for s in store.sync_settings.all()
        if s.state != SyncState.OFF
    ]
    parts.append(", ".join(syncs) if syncs else "no syncs yet")
    if store.failing:
        parts.append(f"{store.failing:,} failing")
    alert = (
        store.status != StoreStatus.CONNECTED
        or bool(store.failing)
        or any(s.state == SyncState.ERROR for s in store.sync_settings.all())
    )
    return " · ".join(parts), alert


def _failing_count():
    # A correlated COUNT over the (store, object_type, state) index, as sync.health counts.
    failing = (
        RecordMapping.objects.filter(store=OuterRef("pk"), state=MappingState.FAILING)
        .order_by()
        .values("store")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(failing), 0)


def sections(request) -> list[dict]:
    user = request.user
    if not user.has_perm("integration.view_store"):
        return []
    stores = (
        Store.objects.order_by("shop_domain")
        .prefetch_related("sync_settings")
        .annotate(failing=_failing_count())
    )
    links = []
    for store in stores:
        note, alert = _store_note(store)
        links.append(
            {
                "label": store.name or store.shop_domain,
                "url": reverse("admin:integration_store_change", args=[store.pk]),
                "note": note,
                "alert": alert,
            }
        )
    pages = [
        ("Connect a store", "admin:integration_connect", "integration.add_store"),
        ("All stores", "admin:integration_store_changelist", "integration.view_store"),
        ("Syncs", "admin:sync_syncsetting_changelist", "sync.view_syncsetting"),
        ("Sync runs", "admin:sync_syncrun_changelist", "sync.view_syncrun"),
        ("Failing records", "admin:sync_syncissue_changelist", "sync.view_syncissue"),
        (
            "Webhook deliveries",
            "admin:sync_webhookdelivery_changelist",
            "sync.view_webhookdelivery",
        ),
    ]
    return [
        {"title": "Shopify stores and their syncs", "links": links, "order": 20},
        {
            "title": "Running the syncs (admin)",
            "links": [
                {"label": label, "url": reverse(name)}
                for label, name, permission in pages
                if user.has_perm(permission)
            ],
            "order": 30,
        },
    ]
