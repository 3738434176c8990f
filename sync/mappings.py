"""Looking up which CRM record a Shopify record is."""

from sync import writes
from sync.models import MappingState, RecordMapping


def crm_ids(store, object_type: str, shopify_ids) -> dict[int, int]:
    """shopify id → crm id, for those of `shopify_ids` that have a CRM record."""
    wanted = {shopify_id for shopify_id in shopify_ids if shopify_id is not None}
    if not wanted:
        return {}
    return dict(
        RecordMapping.objects.filter(
            store=store, object_type=object_type, shopify_id__any=wanted, crm_id__isnull=False
        )
        .exclude(state=MappingState.DELETED)
        .values_list("shopify_id", "crm_id")
    )


def crm_ids_by_key(store, object_type: str, keys) -> dict[str, int]:
    """external key (a checkout token) → crm id."""
    wanted = {key for key in keys if key}
    if not wanted:
        return {}
    return dict(
        RecordMapping.objects.filter(
            store=store, object_type=object_type, external_key__any=wanted, crm_id__isnull=False
        )
        .exclude(state=MappingState.DELETED)
        .values_list("external_key", "crm_id")
    )


def save_mappings(store, object_type: str, pairs, **values):
    """Upsert mappings shopify id → crm id (in sync, unless `values` say otherwise)."""
    from django.utils import timezone

    now = timezone.now()
    rows = [
        RecordMapping(
            store=store,
            object_type=object_type,
            shopify_id=shopify_id,
            crm_id=crm_id,
            state=values.get("state", MappingState.SYNCED),
            reason=values.get("reason", ""),
            synced_at=now,
        )
        for shopify_id, crm_id in pairs
    ]
    writes.upsert(
        rows,
        unique_fields=["store", "object_type", "shopify_id"],
        update_fields=["crm_id", "state", "reason", "synced_at"],
    )
