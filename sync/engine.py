"""Applying Shopify records to the CRM, the same way for every object pair.

A batch runs in one transaction. Each record is looked up by its Shopify id first (the
identity); only a record never seen from this store goes through the object's matching rule.
A record whose update time is older than what was applied, or that says exactly what was last
applied, changes nothing. A record that fails is recorded as a SyncIssue and never stops the
others. Running the same batch twice changes nothing the second time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields

from django.db import transaction
from django.utils import timezone

from integration.client import ShopifyClient
from sync import fieldmaps, push, writes
from sync.adapters import ADAPTERS
from sync.adapters.base import Parsed
from sync.models import MappingState, RecordMapping, SyncIssue

log = logging.getLogger(__name__)

# Records read and applied together by a refresh.
REFRESH_CHUNK = 250


@dataclass
class Counts:
    seen: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    excluded: int = 0
    failed: int = 0
    deleted: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def apply_batch(setting, records: list[Parsed], *, force: bool = False) -> Counts:
    """Apply parsed records of `setting`'s store and object. `force` (a resync) applies even
    unchanged records and brings back records deleted in the CRM."""
    store, adapter = setting.store, ADAPTERS[setting.object_type]
    records = list({record.shopify_id: record for record in records}.values())
    counts = Counts(seen=len(records))
    if not records:
        return counts
    mappings = {
        mapping.shopify_id: mapping
        for mapping in RecordMapping.objects.filter(
            store=store,
            object_type=setting.object_type,
            shopify_id__any=[record.shopify_id for record in records],
        )
    }
    alive = set(
        adapter.model.objects.filter(
            pk__any=[m.crm_id for m in mappings.values() if m.crm_id]
        ).values_list("pk", flat=True)
    )
    to_save, excluded, tombstones = [], [], []
    field_maps = fieldmaps.active(setting) if setting.object_type in fieldmaps.DEFAULTS else None
    pushing = push.pushes(setting)
    for record in records:
        mapping = mappings.get(record.shopify_id)
        crm_id = mapping.crm_id if mapping else None
        if crm_id is not None and crm_id not in alive:
            if not force:
                # Deleted in the CRM: a tombstone. Shopify's updates do not bring it back
                # until someone resyncs it.
                tombstones.append(record.shopify_id)
                counts.unchanged += 1
                continue
            crm_id = None
        if mapping and mapping.state == MappingState.DELETED and not force:
            counts.unchanged += 1
            continue
        reason = adapter.exclusion_reason(record, setting.filters)
        if reason:
            excluded.append((record, crm_id, reason))
            continue
        if not force and mapping and crm_id is not None and mapping.state == MappingState.SYNCED:
            older = (
                record.updated_at
                and mapping.shopify_updated_at
                and record.updated_at < mapping.shopify_updated_at
            )
            if older or mapping.pulled_hash == record.digest:
                counts.unchanged += 1
                continue
        if not force and mapping and mapping.push_pending and crm_id is not None and pushing:
            # The CRM changed it too: the queued push merges both sides by the conflict rule.
            counts.unchanged += 1
            continue
        to_save.append((record, crm_id))
    if field_maps is not None:
        inbound = _inbound(setting, field_maps)
        for record, _ in to_save:
            _map_fields(setting, record, inbound)

    with transaction.atomic():
        if tombstones:
            RecordMapping.objects.filter(
                store=store, object_type=setting.object_type, shopify_id__in=tombstones
            ).exclude(state=MappingState.DELETED).update(
                state=MappingState.DELETED, reason="Deleted in the CRM"
            )
        if excluded:
            _save_mappings(
                setting,
                [(record, crm_id) for record, crm_id, _ in excluded],
                state=MappingState.EXCLUDED,
                reasons={record.shopify_id: reason for record, _, reason in excluded},
            )
            counts.excluded += len(excluded)
        if to_save:
            counts += _save(setting, adapter, to_save)
    return counts


def _inbound(setting, field_maps) -> list[tuple[str, str, object]]:
    """(CRM field, Shopify field, conversion) of each mapping that brings values to the CRM."""
    model = ADAPTERS[setting.object_type].model
    return [
        (m.crm_field, m.shopify_field, fieldmaps.crm_converter(model, m.crm_field))
        for m in field_maps
        if fieldmaps.inbound(m.direction)
    ]


def _map_fields(setting, record: Parsed, inbound) -> None:
    """Keep of a two-way record's fields only what its field mappings bring to the CRM (and
    what it is matched by), from the Shopify fields they name."""
    object_type = setting.object_type
    record.shopify_values = values = fieldmaps.shopify_values(object_type, record.fields)
    kept = {name: record.fields[name] for name in fieldmaps.REQUIRED[object_type]}
    for crm_field, shopify_field, convert in inbound:
        kept[crm_field] = convert(values.get(shopify_field, ""))
    record.fields = kept


def _save(setting, adapter, to_save: list[tuple[Parsed, int | None]]) -> Counts:
    store = setting.store
    new = [record for record, crm_id in to_save if crm_id is None]
    joined = adapter.match_existing(store, new) if new else {}
    to_save = [(record, crm_id or joined.get(record.shopify_id)) for record, crm_id in to_save]
    # A CRM record another Shopify record of this store is primary for (two customers with one
    # email): this one links to it but does not write over it, or the last one read would win.
    secondary = _secondary(setting, to_save)
    if secondary:
        _save_mappings(setting, [(r, c) for r, c in to_save if r.shopify_id in secondary])
        to_save = [(r, c) for r, c in to_save if r.shopify_id not in secondary]
        if not to_save:
            return Counts(unchanged=len(secondary))
    try:
        with transaction.atomic():
            saved = adapter.save(store, to_save)
            _save_mappings(setting, [(record, saved[record.shopify_id]) for record, _ in to_save])
    except Exception as error:  # one bad record must not stop the batch
        log.info("batch of %s failed (%s); applying record by record", setting, error)
        return _save_one_by_one(setting, adapter, to_save)
    adapter.after_save(store, list(saved.values()))
    _resolve_issues(setting, [record.shopify_id for record, _ in to_save])
    # Records that joined one new CRM record (two customers, one email) created it once.
    created = len({saved[record.shopify_id] for record, crm_id in to_save if crm_id is None})
    return Counts(created=created, updated=len(to_save) - created, unchanged=len(secondary))


def _secondary(setting, to_save) -> set[int]:
    """Shopify ids among `to_save` whose CRM record has another primary mapping."""
    crm_ids = {crm_id for _, crm_id in to_save if crm_id is not None}
    if not crm_ids:
        return set()
    primaries = dict(
        RecordMapping.objects.filter(
            store=setting.store,
            object_type=setting.object_type,
            crm_id__any=crm_ids,
            is_primary=True,
        ).values_list("crm_id", "shopify_id")
    )
    return {
        record.shopify_id
        for record, crm_id in to_save
        if crm_id in primaries and primaries[crm_id] != record.shopify_id
    }


def _save_one_by_one(setting, adapter, to_save) -> Counts:
    counts = Counts()
    for record, crm_id in to_save:
        try:
            with transaction.atomic():
                if crm_id is None:
                    crm_id_now = adapter.match_existing(setting.store, [record]).get(
                        record.shopify_id
                    )
                else:
                    crm_id_now = crm_id
                saved = adapter.save(setting.store, [(record, crm_id_now)])
                _save_mappings(setting, [(record, saved[record.shopify_id])])
            adapter.after_save(setting.store, list(saved.values()))
        except Exception as error:  # recorded; the others go on
            record_failure(setting, record.shopify_id, crm_id, error, record_payload(record))
            counts.failed += 1
            continue
        _resolve_issues(setting, [record.shopify_id])
        if crm_id_now is None:
            counts.created += 1
        else:
            counts.updated += 1
    return counts


def _save_mappings(setting, pairs, state=MappingState.SYNCED, reasons=None):
    """Upsert the mappings of records just applied (or excluded)."""
    store, now = setting.store, timezone.now()
    crm_ids = [crm_id for _, crm_id in pairs if crm_id is not None]
    # Where another Shopify record is already this CRM record's primary mapping, this one is
    # secondary (two customers with one email, one contact).
    primaries = dict(
        RecordMapping.objects.filter(
            store=store, object_type=setting.object_type, crm_id__any=crm_ids, is_primary=True
        ).values_list("crm_id", "shopify_id")
    )
    rows = writes.Rows(RecordMapping)
    for record, crm_id in pairs:
        is_primary = crm_id is None or primaries.setdefault(crm_id, record.shopify_id) == (
            record.shopify_id
        )
        rows.append(
            {
                "store_id": store.pk,
                "object_type": setting.object_type,
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
        rows,
        unique_fields=["store", "object_type", "shopify_id"],
        update_fields=[
            "crm_id",
            "is_primary",
            "external_key",
            "state",
            "reason",
            "shopify_updated_at",
            "pulled_hash",
            "synced_values",
            "synced_at",
        ],
    )


def record_payload(record: Parsed) -> dict:
    return {
        "shopify_id": record.shopify_id,
        "fields": {key: str(value) for key, value in record.fields.items()},
    }


def record_failure(setting, shopify_id, crm_id, error, payload):
    """A record that could not be applied: a SyncIssue (one per record, its attempts counted)
    and a failing mapping, so health pages show it and a resync can retry it."""
    message = f"{type(error).__name__}: {error}"[:2000]
    issue, created = SyncIssue.objects.get_or_create(
        store=setting.store,
        object_type=setting.object_type,
        shopify_id=shopify_id,
        defaults={"crm_id": crm_id, "error": message, "payload": payload},
    )
    if not created:
        issue.error, issue.payload, issue.resolved_at = message, payload, None
        issue.attempts += 1
        issue.save(update_fields=["error", "payload", "resolved_at", "attempts", "last_seen_at"])
    if shopify_id is None:
        return  # a node without a usable id: the issue is all there is to record
    RecordMapping.objects.update_or_create(
        store=setting.store,
        object_type=setting.object_type,
        shopify_id=shopify_id,
        defaults={"state": MappingState.FAILING, "reason": message, "pulled_hash": ""},
        create_defaults={
            "crm_id": crm_id,
            "state": MappingState.FAILING,
            "reason": message,
        },
    )


def _resolve_issues(setting, shopify_ids):
    SyncIssue.objects.filter(
        store=setting.store,
        object_type=setting.object_type,
        shopify_id__any=shopify_ids,
        resolved_at__isnull=True,
    ).update(resolved_at=timezone.now())


def apply_deletions(setting, shopify_ids: list[int]) -> Counts:
    """Records gone from Shopify: the object's deletion rule on the CRM side, and their
    mappings marked deleted."""
    mappings = RecordMapping.objects.filter(
        store=setting.store, object_type=setting.object_type, shopify_id__in=shopify_ids
    ).exclude(state=MappingState.DELETED)
    gone = list(mappings.values_list("crm_id", flat=True))
    with transaction.atomic():
        ADAPTERS[setting.object_type].delete(setting.store, [crm_id for crm_id in gone if crm_id])
        deleted = mappings.update(
            state=MappingState.DELETED, reason="Deleted in Shopify", synced_at=timezone.now()
        )
    return Counts(seen=len(shopify_ids), deleted=deleted)


def parse_nodes(setting, nodes) -> list[Parsed]:
    """Parse GraphQL nodes; one that cannot be parsed becomes a SyncIssue."""
    adapter = ADAPTERS[setting.object_type]
    parsed = []
    for node in nodes:
        try:
            parsed.append(adapter.parse(node))
        except Exception as error:  # odd data from Shopify: recorded
            shopify_id = _number_or_none(node.get("id"))
            record_failure(setting, shopify_id, None, error, {"node": node})
    return parsed


def _number_or_none(gid):
    try:
        return int(str(gid).rsplit("/", 1)[1])
    except (IndexError, ValueError):
        return None


def refresh(setting, shopify_ids: list[int], *, force: bool = False, client=None) -> Counts:
    """Read these records from Shopify now and apply them; those Shopify no longer has are
    deleted by the object's rule. In chunks, so a long list (a drift check's) neither holds
    everything in memory nor one long transaction."""
    adapter = ADAPTERS[setting.object_type]
    client = client or ShopifyClient.for_store(setting.store)
    ids = sorted(set(shopify_ids))
    counts = Counts()
    for start in range(0, len(ids), REFRESH_CHUNK):
        nodes = adapter.read_nodes(client, ids[start : start + REFRESH_CHUNK])
        present = [node for node in nodes.values() if node is not None]
        gone = [shopify_id for shopify_id, node in nodes.items() if node is None]
        counts += apply_batch(setting, parse_nodes(setting, present), force=force)
        if gone:
            counts += apply_deletions(setting, gone)
    return counts
