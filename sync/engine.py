"""Applying Shopify records to the CRM, the same way for every object pair.

A batch runs in one transaction. Each record is looked up by its Shopify id first (the
identity); only a record never seen from this store goes through the pair's matching rule.
What happens to each record is one decision (`decide`), made from the record and its mapping
alone. A record that fails is recorded as a failing record and never stops the others. Running
the same batch twice changes nothing the second time.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, fields

from django.db import connection, transaction

from integration import ids
from integration.client import ShopifyClient
from sync import issues, mappings, writes
from sync.adapters import ADAPTERS
from sync.adapters.base import WITHHELD, Parsed
from sync.models import MapDirection, MappingState, SyncSetting

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


class Verdict(enum.Enum):
    """What applying a record does."""

    SAVE = "save"  # create or update its CRM record
    OLDER = "older"  # older than what was applied: skipped
    UNCHANGED = "unchanged"  # says exactly what was applied: skipped
    TOMBSTONE = "tombstone"  # its CRM record was deleted in the CRM: the mapping says so
    DELETED = "deleted"  # a tombstone already: Shopify's updates do not bring it back
    EXCLUDED = "excluded"  # the sync's filters keep it out
    PUSH_PENDING = "push_pending"  # the CRM changed it too: the queued push merges both


def decide(
    record: Parsed,
    mapping,
    *,
    crm_record_exists: bool,
    exclusion: str | None,
    force: bool,
    pushing: bool,
) -> tuple[Verdict, int | None]:
    """What to do with `record` given its mapping (None: never seen from this store) and the
    CRM id to save it to. `crm_record_exists`: the mapping's CRM record is still there;
    `exclusion`: why the filters keep it out, if they do; `force` (a resync): apply even what
    is unchanged, and bring back what was deleted in the CRM; `pushing`: the sync sends CRM
    changes to Shopify."""
    crm_id = mapping.crm_id if mapping else None
    if crm_id is not None and not crm_record_exists:
        if not force:
            return Verdict.TOMBSTONE, None
        crm_id = None  # a resync makes it again
    if mapping and mapping.state == MappingState.DELETED and not force:
        return Verdict.DELETED, None
    if exclusion:
        return Verdict.EXCLUDED, crm_id
    if not force and mapping and crm_id is not None:
        if mapping.state == MappingState.SYNCED:
            applied = mapping.shopify_updated_at
            if record.updated_at and applied and record.updated_at < applied:
                return Verdict.OLDER, None
            if mapping.pulled_hash == record.digest:
                return Verdict.UNCHANGED, None
        if mapping.push_pending and pushing:
            return Verdict.PUSH_PENDING, None
    return Verdict.SAVE, crm_id


# Skipped records count as unchanged in a run's counts.
SKIPPED = {
    Verdict.OLDER,
    Verdict.UNCHANGED,
    Verdict.TOMBSTONE,
    Verdict.DELETED,
    Verdict.PUSH_PENDING,
}


def apply_batch(setting, records: list[Parsed], *, force: bool = False, defer=False) -> Counts:
    """Apply parsed records of `setting`'s store and object. `force` (a resync) applies even
    unchanged records and brings back records deleted in the CRM. `defer`: a bulk run brings
    derived data up to date at its end."""
    store, adapter = setting.store, ADAPTERS[setting.object_type]
    records = list({record.shopify_id: record for record in records}.values())
    counts = Counts(seen=len(records))
    if not records:
        return counts
    adapter.complete(store, records)
    known = mappings.by_shopify_id(store, setting.object_type, [r.shopify_id for r in records])
    alive = set(
        adapter.model.objects.filter(
            pk__any=[m.crm_id for m in known.values() if m.crm_id]
        ).values_list("pk", flat=True)
    )
    pushing = setting.pushes
    to_save, excluded, tombstones = [], [], []
    for record in records:
        mapping = known.get(record.shopify_id)
        exclusion = adapter.exclusion_reason(record, setting.filters)
        verdict, crm_id = decide(
            record,
            mapping,
            crm_record_exists=mapping is not None and mapping.crm_id in alive,
            exclusion=exclusion,
            force=force,
            pushing=pushing,
        )
        if verdict == Verdict.SAVE:
            to_save.append((record, crm_id))
        elif verdict == Verdict.EXCLUDED:
            excluded.append((record, crm_id, exclusion))
        else:
            counts.unchanged += 1
            if verdict == Verdict.TOMBSTONE:
                tombstones.append(record.shopify_id)
    if adapter.two_way and to_save:
        inbound = _inbound(adapter, adapter.active_maps(setting))
        for record, _ in to_save:
            _map_fields(adapter, record, inbound)

    with transaction.atomic():
        # What Shopify said, applied: lost in a crash of PostgreSQL with whatever marks it
        # done (a run's checkpoint, a delivery's state), and read again.
        writes.commit_without_waiting_for_disk()
        if to_save:
            _wait_for_matching_records(adapter, [r for r, crm_id in to_save if crm_id is None])
        if tombstones:
            mappings.mark_deleted(store, setting.object_type, tombstones, "Deleted in the CRM")
        if excluded:
            mappings.save_applied(
                store,
                setting.object_type,
                [(record, crm_id) for record, crm_id, _ in excluded],
                state=MappingState.EXCLUDED,
                reasons={record.shopify_id: reason for record, _, reason in excluded},
            )
            counts.excluded += len(excluded)
        if to_save:
            counts += _save(setting, adapter, to_save, defer=defer)
    return counts


def _inbound(adapter, field_maps) -> list[tuple[str, str, object]]:
    """(CRM field, Shopify field, conversion) of each mapping that brings values to the CRM."""
    return [
        (m.crm_field, m.shopify_field, adapter.converter(m.crm_field))
        for m in field_maps
        if MapDirection(m.direction).inbound
    ]


def _map_fields(adapter, record: Parsed, inbound) -> None:
    """Keep of a two-way record's fields only what its field mappings bring to the CRM (and
    what it is matched by), from the Shopify fields they name. What Shopify withheld is left
    out: the CRM keeps its value, and it is not taken as the last synced one."""
    withheld = record.withheld
    values = adapter.shopify_values(record.fields)
    for crm_field, shopify_field in adapter.default_maps:
        if crm_field in withheld:
            values.pop(shopify_field, None)
    record.shopify_values = values
    kept = {name: record.fields[name] for name in adapter.matched_by}
    for crm_field, shopify_field, convert in inbound:
        if crm_field not in withheld and shopify_field in values:
            kept[crm_field] = convert(values[shopify_field])
    record.fields = kept


def _wait_for_matching_records(adapter, new: list[Parsed]) -> None:
    """Records the CRM has never seen join the CRM record that matches them, or create it.
    Whoever else is matching or creating a record of the same key (another store's sync, a
    webhook while a bulk run writes) is waited for, until this transaction ends: the one
    that comes second finds what the first created. Keys are locked in order, so two
    batches never wait for each other in a circle."""
    keys = sorted({f"{adapter.object_type}:{key}" for r in new if (key := adapter.match_key(r))})
    if keys:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(key, 0)) "
                "FROM (SELECT key FROM unnest(%s::text[]) AS key ORDER BY key) AS keys",
                [keys],
            )


def _save(setting, adapter, to_save: list[tuple[Parsed, int | None]], *, defer) -> Counts:
    """Records the CRM has never seen join the CRM record that matches them; records of the
    batch that match each other are one CRM record: the first creates it, the others join it
    (as they would arriving later, one by one)."""
    store = setting.store
    new = [record for record, crm_id in to_save if crm_id is None]
    joined = adapter.match_existing(store, new) if new else {}
    to_save = [(record, crm_id or joined.get(record.shopify_id)) for record, crm_id in to_save]
    later = _matching_an_earlier_one(adapter, [r for r, crm_id in to_save if crm_id is None])
    if not later:
        return _save_joined(setting, adapter, to_save, defer=defer)
    counts = _save_joined(
        setting, adapter, [(r, c) for r, c in to_save if r.shopify_id not in later], defer=defer
    )
    rest = [record for record, _ in to_save if record.shopify_id in later]
    joined = adapter.match_existing(store, rest)
    counts += _save_joined(
        setting, adapter, [(r, joined.get(r.shopify_id)) for r in rest], defer=defer
    )
    return counts


def _matching_an_earlier_one(adapter, new: list[Parsed]) -> set[int]:
    """Shopify ids of new records whose key an earlier record of the list has."""
    seen, later = set(), set()
    for record in new:
        key = adapter.match_key(record)
        if key is None:
            continue
        if key in seen:
            later.add(record.shopify_id)
        seen.add(key)
    return later


def _save_joined(setting, adapter, to_save, *, defer) -> Counts:
    if not to_save:
        return Counts()
    store, object_type = setting.store, setting.object_type
    # A CRM record another Shopify record of this store is primary for (two customers with one
    # email): this one links to it but does not write over it, or the last one read would win.
    secondary = _secondary(setting, to_save)
    if secondary:
        mappings.save_applied(
            store, object_type, [(r, c) for r, c in to_save if r.shopify_id in secondary]
        )
        to_save = [(r, c) for r, c in to_save if r.shopify_id not in secondary]
        if not to_save:
            return Counts(unchanged=len(secondary))
    try:
        with transaction.atomic():
            saved = adapter.save(store, to_save, defer=defer)
            mappings.save_applied(
                store, object_type, [(record, saved[record.shopify_id]) for record, _ in to_save]
            )
    except Exception as error:  # one bad record must not stop the batch
        log.info("batch of %s failed (%s); applying record by record", setting, error)
        return _save_one_by_one(setting, adapter, to_save, defer=defer)
    issues.resolve_inbound(setting, [record.shopify_id for record, _ in to_save])
    # Records that joined one new CRM record (two customers, one email) created it once.
    created = len({saved[record.shopify_id] for record, crm_id in to_save if crm_id is None})
    return Counts(created=created, updated=len(to_save) - created, unchanged=len(secondary))


def _secondary(setting, to_save) -> set[int]:
    """Shopify ids among `to_save` whose CRM record has another primary mapping."""
    crm_ids = {crm_id for _, crm_id in to_save if crm_id is not None}
    if not crm_ids:
        return set()
    primaries = mappings.primaries(setting.store, setting.object_type, crm_ids)
    return {
        record.shopify_id
        for record, crm_id in to_save
        if crm_id in primaries and primaries[crm_id] != record.shopify_id
    }


def _save_one_by_one(setting, adapter, to_save, *, defer) -> Counts:
    store, object_type = setting.store, setting.object_type
    counts = Counts()
    for record, crm_id in to_save:
        try:
            with transaction.atomic():
                if crm_id is None:
                    crm_id_now = adapter.match_existing(store, [record]).get(record.shopify_id)
                else:
                    crm_id_now = crm_id
                saved = adapter.save(store, [(record, crm_id_now)], defer=defer)
                mappings.save_applied(store, object_type, [(record, saved[record.shopify_id])])
        except Exception as error:  # recorded; the others go on
            issues.record_inbound(setting, record.shopify_id, crm_id, error, payload_of(record))
            counts.failed += 1
            continue
        issues.resolve_inbound(setting, [record.shopify_id])
        if crm_id_now is None:
            counts.created += 1
        else:
            counts.updated += 1
    return counts


def payload_of(record: Parsed) -> dict:
    return {
        "shopify_id": record.shopify_id,
        "fields": {key: str(value) for key, value in record.fields.items()},
    }


def apply_deletions(setting, shopify_ids: list[int]) -> Counts:
    """Records gone from Shopify: the pair's deletion rule on the CRM side, and their
    mappings marked deleted."""
    store, object_type = setting.store, setting.object_type
    gone = list(
        mappings.of_store(store, object_type)
        .filter(shopify_id__in=shopify_ids)
        .exclude(state=MappingState.DELETED)
        .values_list("crm_id", flat=True)
    )
    with transaction.atomic():
        ADAPTERS[object_type].delete(store, [crm_id for crm_id in gone if crm_id])
        deleted = mappings.mark_deleted(store, object_type, shopify_ids, "Deleted in Shopify")
    return Counts(seen=len(shopify_ids), deleted=deleted)


def parse_nodes(setting, nodes) -> list[Parsed]:
    """Parse GraphQL nodes; one that cannot be parsed becomes a failing record. Each knows
    which of its fields Shopify withheld (marked by the read, or known from earlier reads of
    the sync: bulk lines carry no mark)."""
    adapter = ADAPTERS[setting.object_type]
    parsed = []
    for node in nodes:
        try:
            record = adapter.parse(node)
        except Exception as error:  # odd data from Shopify: recorded
            shopify_id = ids.number_or_none(node.get("id"))
            issues.record_inbound(setting, shopify_id, None, error, {"node": node})
            continue
        if adapter.protected_fields:
            record.withheld = adapter.withheld_fields(node, setting.withheld)
        parsed.append(record)
    return parsed


def note_withheld(setting, nodes) -> None:
    """Keep which protected fields Shopify withholds from the sync's reads by id (the health
    page says so, and bulk exports, which mark nothing, are read the same way)."""
    if not nodes or not ADAPTERS[setting.object_type].protected_fields:
        return
    paths = sorted({path for node in nodes for path in node.get(WITHHELD, ())})
    if paths != setting.withheld:
        SyncSetting.objects.filter(pk=setting.pk).update(withheld=paths)
        setting.withheld = paths


def probe_withheld(setting, client) -> None:
    """Bulk exports answer the fields Shopify withholds with null and say nothing (only reads
    by id mark them): before one, one record read by id tells which protected customer fields
    Shopify withholds from the app now, so the export's nulls are not taken for blanks."""
    adapter = ADAPTERS[setting.object_type]
    if not adapter.protected_fields:
        return
    first = client.execute(f"{{ {adapter.root_field}(first: 1) {{ nodes {{ id }} }} }}")
    found = [ids.number_or_none(node.get("id")) for node in first[adapter.root_field]["nodes"]]
    if not found or found[0] is None:
        return  # nothing to read: what is withheld shows on the first record read
    nodes = adapter.read_nodes(client, found[:1])
    present = [node for node in nodes.values() if node is not None]
    if present:
        note_withheld(setting, present)


def refresh(setting, shopify_ids, *, force: bool = False, client=None) -> Counts:
    """Read these records from Shopify now and apply them; those Shopify no longer has are
    deleted by the pair's rule. In chunks, so a long list (a drift check's) neither holds
    everything in memory nor one long transaction."""
    adapter = ADAPTERS[setting.object_type]
    client = client or ShopifyClient.for_store(setting.store)
    wanted = sorted(set(shopify_ids))
    counts = Counts()
    for start in range(0, len(wanted), REFRESH_CHUNK):
        unreadable = {}
        nodes = adapter.read_nodes(client, wanted[start : start + REFRESH_CHUNK], unreadable)
        for shopify_id, refusal in unreadable.items():  # too costly for Shopify even alone
            issues.record_inbound(setting, shopify_id, None, refusal, {"shopify_id": shopify_id})
        counts.failed += len(unreadable)
        present = [node for node in nodes.values() if node is not None]
        note_withheld(setting, present)
        missing = [shopify_id for shopify_id, node in nodes.items() if node is None]
        # Not found is not deleted when the record is out of the app's sight.
        hidden = adapter.invisible(setting.store, missing)
        gone = [shopify_id for shopify_id in missing if shopify_id not in hidden]
        counts += apply_batch(setting, parse_nodes(setting, present), force=force)
        counts += Counts(seen=len(hidden), unchanged=len(hidden))
        if gone:
            counts += apply_deletions(setting, gone)
    return counts


def refresh_records(setting_id: int, shopify_ids: list[int], force: bool = False) -> None:
    """The job of a resync of some records: read and apply them now, even if unchanged."""
    setting = SyncSetting.objects.select_related("store").filter(pk=setting_id).first()
    if setting is None or not setting.enabled or not setting.store.can_sync:
        return
    refresh(setting, shopify_ids, force=force)
