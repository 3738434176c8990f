"""The sync's index of every record — which CRM record each Shopify record is, and how it
stands — read and written here only. The Shopify id is the identity: every write is an upsert
on (store, object type, Shopify id), so nothing is ever created twice."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from sync import writes
from sync.models import MappingState, RecordMapping

# What an applied record's mapping takes from it.
APPLIED_FIELDS = [
    "crm_id",
    "is_primary",
    "external_key",
    "state",
    "reason",
    "shopify_updated_at",
    "pulled_hash",
    "synced_values",
    "synced_at",
]


def of_store(store, object_type: str):
    return RecordMapping.objects.filter(store=store, object_type=object_type)


def by_shopify_id(store, object_type: str, shopify_ids) -> dict[int, RecordMapping]:
    return {
        mapping.shopify_id: mapping
        for mapping in of_store(store, object_type).filter(shopify_id__any=list(shopify_ids))
    }


def crm_ids(store, object_type: str, shopify_ids, *, primary_only=False) -> dict[int, int]:
    """shopify id → crm id, for those of `shopify_ids` that have a CRM record (`primary_only`:
    and are the record's primary Shopify record, the one whose values it holds)."""
    wanted = {shopify_id for shopify_id in shopify_ids if shopify_id is not None}
    if not wanted:
        return {}
    found = of_store(store, object_type).filter(shopify_id__any=wanted, crm_id__isnull=False)
    if primary_only:
        found = found.filter(is_primary=True)
    return dict(found.exclude(state=MappingState.DELETED).values_list("shopify_id", "crm_id"))


def crm_ids_by_key(store, object_type: str, keys) -> dict[str, int]:
    """external key (a checkout's token) → crm id."""
    wanted = {key for key in keys if key}
    if not wanted:
        return {}
    return dict(
        of_store(store, object_type)
        .filter(external_key__any=wanted, crm_id__isnull=False)
        .exclude(state=MappingState.DELETED)
        .values_list("external_key", "crm_id")
    )


def keys_of(store, object_type: str, crm_ids) -> list[str]:
    """The external keys (checkouts' tokens) of the records mapped to these CRM records."""
    wanted = list(crm_ids)
    if not wanted:
        return []
    return list(
        of_store(store, object_type)
        .filter(crm_id__any=wanted)
        .exclude(external_key="")
        .values_list("external_key", flat=True)
    )


def shopify_ids_by_key(store, object_type: str, keys) -> dict[str, int]:
    """external key (a checkout's token) → shopify id, for the records the sync knows."""
    wanted = {key for key in keys if key}
    if not wanted:
        return {}
    return dict(
        of_store(store, object_type)
        .filter(external_key__any=wanted)
        .exclude(state=MappingState.DELETED)
        .values_list("external_key", "shopify_id")
    )


def mapped_crm_ids(store, object_type: str, crm_ids) -> set[int]:
    """Those of `crm_ids` some record of this store is mapped to."""
    return set(
        of_store(store, object_type)
        .filter(crm_id__any=list(crm_ids))
        .values_list("crm_id", flat=True)
    )


def mapped_elsewhere(store, object_type: str, crm_ids) -> set[int]:
    """Those of `crm_ids` another store still maps a live record to."""
    return set(
        RecordMapping.objects.filter(object_type=object_type, crm_id__in=list(crm_ids))
        .exclude(store=store)
        .exclude(state=MappingState.DELETED)
        .values_list("crm_id", flat=True)
    )


def primaries(store, object_type: str, crm_ids) -> dict[int, int]:
    """crm id → the Shopify id of its primary mapping. Two Shopify customers with one email
    join one contact: the first is its primary mapping (where pushes go)."""
    return dict(
        of_store(store, object_type)
        .filter(crm_id__any=list(crm_ids), is_primary=True)
        .values_list("crm_id", "shopify_id")
    )


def save_applied(store, object_type: str, pairs, *, state=MappingState.SYNCED, reasons=None):
    """Upsert the mappings of records just applied (or excluded): `pairs` are (Parsed record,
    crm id). Where another Shopify record is already the CRM record's primary mapping, this
    one is secondary."""
    now = timezone.now()
    primary_of = primaries(
        store, object_type, [crm_id for _, crm_id in pairs if crm_id is not None]
    )
    rows = writes.Rows(RecordMapping)
    for record, crm_id in pairs:
        is_primary = crm_id is None or (
            primary_of.setdefault(crm_id, record.shopify_id) == record.shopify_id
        )
        rows.append(
            {
                "store_id": store.pk,
                "object_type": object_type,
                "shopify_id": record.shopify_id,
                "crm_id": crm_id,
                "is_primary": is_primary,
                "external_key": record.external_key,
                "state": state,
                "reason": (reasons or {}).get(record.shopify_id, ""),
                "shopify_updated_at": record.updated_at,
                "pulled_hash": record.digest if state == MappingState.SYNCED else "",
                "synced_values": record.shopify_values,
                "synced_at": now,
            }
        )
    writes.upsert(
        rows, unique_fields=["store", "object_type", "shopify_id"], update_fields=APPLIED_FIELDS
    )


def save_pairs(store, object_type: str, pairs) -> None:
    """Upsert plain shopify id → crm id mappings, in sync (a product's variants)."""
    now = timezone.now()
    rows = writes.Rows(
        RecordMapping,
        [
            {
                "store_id": store.pk,
                "object_type": object_type,
                "shopify_id": shopify_id,
                "crm_id": crm_id,
                "state": MappingState.SYNCED,
                "reason": "",
                "synced_at": now,
            }
            for shopify_id, crm_id in pairs
        ],
    )
    writes.upsert(
        rows,
        unique_fields=["store", "object_type", "shopify_id"],
        update_fields=["crm_id", "state", "reason", "synced_at"],
    )


def mark_deleted(store, object_type: str, shopify_ids, reason: str) -> int:
    """Mappings whose record is gone on one side (a tombstone: it does not come back until
    someone resyncs it). Returns how many changed."""
    return (
        of_store(store, object_type)
        .filter(shopify_id__any=list(shopify_ids))
        .exclude(state=MappingState.DELETED)
        .update(state=MappingState.DELETED, reason=reason, synced_at=timezone.now())
    )


def undelete(store, object_type: str, shopify_id: int) -> None:
    """A tombstone someone resyncs: it is read and applied again."""
    of_store(store, object_type).filter(shopify_id=shopify_id, state=MappingState.DELETED).update(
        state=MappingState.SYNCED, reason=""
    )


def mark_failing(store, object_type: str, shopify_id: int, crm_id, reason: str) -> None:
    """A record that could not be applied: failing, so health pages show it and the next
    change or a resync tries it again (its fingerprint is forgotten)."""
    RecordMapping.objects.update_or_create(
        store=store,
        object_type=object_type,
        shopify_id=shopify_id,
        defaults={"state": MappingState.FAILING, "reason": reason, "pulled_hash": ""},
        create_defaults={"crm_id": crm_id, "state": MappingState.FAILING, "reason": reason},
    )


# Pushes (CRM → Shopify) --------------------------------------------------------------------


def push_target(store, object_type: str, crm_id: int) -> RecordMapping | None:
    """The mapping a CRM record's push goes to: its primary one."""
    return (
        of_store(store, object_type)
        .filter(crm_id=crm_id)
        .exclude(state=MappingState.DELETED)
        .order_by("-is_primary", "id")
        .first()
    )


def mark_push_pending(stores, object_type: str, crm_id: int) -> None:
    """A CRM change waits to be pushed: inbound changes meanwhile leave the record to it."""
    RecordMapping.objects.filter(
        store__in=list(stores), object_type=object_type, crm_id=crm_id
    ).update(push_pending=True)


def push_settled(store, object_type: str, crm_id: int, **changes) -> None:
    """The record's push is over (done, refused or moot)."""
    of_store(store, object_type).filter(crm_id=crm_id).update(push_pending=False, **changes)


def save_pushed(store, object_type: str, shopify_id: int, values: dict) -> None:
    """What a push left: the record as Shopify now holds it (`values`: the mapping's fields)."""
    RecordMapping.objects.update_or_create(
        store=store, object_type=object_type, shopify_id=shopify_id, defaults=values
    )


def waiting_pushes(older_than, limit: int):
    """(store id, object type, crm id) of pushes that never finished (Shopify down past the
    retries, a lost job), oldest first."""
    return (
        RecordMapping.objects.filter(push_pending=True)
        .filter(Q(synced_at__lt=older_than) | Q(synced_at=None))
        .exclude(crm_id=None)
        .values_list("store_id", "object_type", "crm_id")
        .order_by("pk")[:limit]
    )
