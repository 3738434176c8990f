"""CRM → Shopify for contacts, companies and products.

A CRM change queues a push of that record (services.crm_record_changed, coalesced per record
and store). The
push reads the Shopify record, merges both sides field by field against the values they held
after the last sync (`RecordMapping.synced_values`), writes what the CRM lacks, sends Shopify
only the fields that differ and go that way, and keeps the fingerprint of the record Shopify
answers with, so the webhook our own change causes is recognised and changes nothing.

Merging a mapped field: a side that still holds the last synced value did not change it, so
the other side's value wins; when both changed it, the sync's conflict rule decides ("most
recently updated wins" compares the two records' update times). A blank on the winning side
never erases a value on the other.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from config import queues
from integration.client import ShopifyClient
from integration.errors import ShopifyUserError
from sync import fieldmaps, issues, mappings, outbound
from sync.adapters import ADAPTERS
from sync.adapters.base import digest
from sync.models import ConflictRule, MapDirection, MappingState, SyncSetting

# A push still pending after this long never finished (Shopify down past the retries, a lost
# job): the sweep queues it again, this many at a time.
STALE_AFTER = timezone.timedelta(minutes=2)
SWEEP_LIMIT = 1000

log = logging.getLogger(__name__)


@dataclass
class Merge:
    values: dict = field(default_factory=dict)  # by Shopify field: what both sides hold after
    to_crm: dict = field(default_factory=dict)  # by CRM field
    to_shopify: dict = field(default_factory=dict)  # by Shopify field


def merge(maps, crm: dict, shopify: dict, base: dict, *, crm_wins_conflicts: bool) -> Merge:
    """Both sides' values of each mapped field (`crm` by CRM field, `shopify` and `base` by
    Shopify field) → what each side must be given."""
    result = Merge()
    for mapping in maps:
        # A mapping between kinds (a list to text) compares and sends values as the receiving
        # side's kind: text, as a person writes it, never a Python list.
        crm_kind, shopify_kind = _kinds(mapping)
        raw_theirs = shopify.get(mapping.shopify_field, "")
        ours = fieldmaps.outbound_value(crm_kind, shopify_kind, crm.get(mapping.crm_field, ""))
        theirs = fieldmaps.inbound_value(crm_kind, shopify_kind, raw_theirs)
        last = base.get(mapping.shopify_field)
        direction = MapDirection(mapping.direction)
        can_pull = direction.inbound
        can_push = direction.outbound and _writable(mapping)
        if ours == theirs:
            value = ours
        elif _crm_side_wins(can_pull, can_push, ours, theirs, last, crm_wins_conflicts):
            value = _winner(ours, theirs)
        else:
            value = _winner(theirs, ours)
        if value != ours and can_pull:
            result.to_crm[mapping.crm_field] = value
        if value != theirs and can_push:
            result.to_shopify[mapping.shopify_field] = value
        result.values[mapping.shopify_field] = value if can_push else raw_theirs
    return result


def _kinds(mapping) -> tuple[str, str]:
    adapter = ADAPTERS[mapping.setting.object_type]
    return (
        adapter.crm_fields[mapping.crm_field].kind,
        adapter.shopify_fields[mapping.shopify_field].kind,
    )


def _crm_side_wins(can_pull, can_push, ours, theirs, last, crm_wins_conflicts) -> bool:
    if not can_pull:
        return True  # the field only flows to Shopify
    if not can_push:
        return False  # the field only flows to the CRM
    if last == ours:
        return False  # only Shopify changed it
    if last == theirs:
        return True  # only the CRM changed it
    return crm_wins_conflicts  # both changed it


def _winner(winner, other):
    return other if fieldmaps.blank(winner) else winner


def _writable(mapping) -> bool:
    return bool(ADAPTERS[mapping.setting.object_type].input_key(mapping.shopify_field))


def push_record(setting_id: int, crm_id: int) -> str:
    """The job: push one CRM record to one store. Returns what happened, for logs and
    tests."""
    outcome = _push(setting_id, crm_id)
    log.info("push of record %s (sync %s): %s", crm_id, setting_id, outcome)
    return outcome


def _push(setting_id: int, crm_id: int) -> str:
    setting = SyncSetting.objects.select_related("store").filter(pk=setting_id).first()
    if setting is None or not setting.pushes:
        _done(setting, crm_id)
        return "not pushed: the sync does not push"
    adapter = ADAPTERS[setting.object_type]
    record = adapter.model.objects.filter(pk=crm_id).first()
    if record is None:
        _moot(setting, crm_id)
        return "not pushed: deleted in the CRM (Shopify keeps its record)"
    maps = adapter.active_maps(setting)
    crm_values = {m.crm_field: fieldmaps.normal(getattr(record, m.crm_field)) for m in maps}
    mapping = mappings.push_target(setting.store, setting.object_type, crm_id)
    if mapping is None and not outbound.may_create(setting, crm_id):
        _moot(setting, crm_id)
        return "not pushed: another store's record, and this store takes no new CRM records"
    client = ShopifyClient.for_store(setting.store)
    try:
        if mapping is None:
            return _create(setting, adapter, client, maps, record, crm_values)
        return _update(setting, adapter, client, maps, record, crm_values, mapping)
    except ShopifyUserError as error:
        _failed(setting, crm_id, mapping.shopify_id if mapping else None, str(error), crm_values)
        return f"refused by Shopify: {error}"


def _create(setting, adapter, client, maps, record, crm_values) -> str:
    reason = adapter.outbound_exclusion(crm_values, setting.filters)
    if reason:
        _moot(setting, record.pk)
        return f"not created in Shopify: {reason}"
    values = {
        adapter.input_key(m.shopify_field): fieldmaps.outbound_value(
            *_kinds(m), crm_values[m.crm_field]
        )
        for m in maps
        if MapDirection(m.direction).outbound
        and _writable(m)
        and not fieldmaps.blank(crm_values[m.crm_field])
    }
    node = adapter.push(client, None, values)
    parsed = adapter.parse(node)
    shopify = adapter.shopify_values(parsed.fields)
    maps = _readable(adapter, setting, node, maps)
    result = merge(maps, crm_values, shopify, {}, crm_wins_conflicts=True)
    with transaction.atomic():
        _write_crm(adapter, record, result.to_crm)
        mappings.save_pushed(
            setting.store,
            setting.object_type,
            parsed.shopify_id,
            _synced(parsed, result, values, crm_id=record.pk),
        )
        issues.resolve_outbound(setting, record.pk)
    return f"created in Shopify as {parsed.shopify_id}"


def _update(setting, adapter, client, maps, record, crm_values, mapping) -> str:
    node = adapter.read_nodes(client, [mapping.shopify_id])[mapping.shopify_id]
    if node is None:
        _moot(setting, record.pk)
        return "not pushed: gone from Shopify"
    parsed = adapter.parse(node)
    shopify = adapter.shopify_values(parsed.fields)
    crm_newer = bool(parsed.updated_at and record.updated_at > parsed.updated_at)
    rule = setting.conflict_rule
    crm_wins = rule == ConflictRule.CRM_WINS or (rule == ConflictRule.MOST_RECENT and crm_newer)
    maps = _readable(adapter, setting, node, maps)
    result = merge(maps, crm_values, shopify, mapping.synced_values, crm_wins_conflicts=crm_wins)
    sent = {}
    if result.to_shopify:
        sent = {adapter.input_key(key): value for key, value in result.to_shopify.items()}
        node = adapter.push(client, mapping.shopify_id, sent)
        parsed = adapter.parse(node)
    children = adapter.push_children(client, setting.store, record, node)
    if children is not None:
        node, parsed = children, adapter.parse(children)
    with transaction.atomic():
        _write_crm(adapter, record, result.to_crm)
        mappings.save_pushed(
            setting.store,
            setting.object_type,
            mapping.shopify_id,
            _synced(parsed, result, sent, crm_id=record.pk, previous=mapping),
        )
        issues.resolve_outbound(setting, record.pk)
    if not result.to_shopify and not result.to_crm and children is None:
        return "in sync already"
    return f"sent {sorted(result.to_shopify)}, took {sorted(result.to_crm)}"


def _readable(adapter, setting, node: dict, maps) -> list:
    """The mappings of fields Shopify shows the app: one it withholds (protected customer data)
    is neither taken nor sent, since its value there is unknown, not empty."""
    withheld = adapter.withheld_fields(node, setting.withheld)
    return [m for m in maps if m.crm_field not in withheld]


def _synced(parsed, result: Merge, sent: dict, *, crm_id: int, previous=None) -> dict:
    return {
        "crm_id": crm_id,
        "state": MappingState.SYNCED,
        "reason": "",
        # The record as Shopify now holds it: the webhook our change causes reads the same,
        # so the inbound sync sees no change (echo suppression).
        "pulled_hash": parsed.digest,
        "shopify_updated_at": parsed.updated_at,
        "pushed_hash": digest(sent) if sent else (previous.pushed_hash if previous else ""),
        "synced_values": result.values,
        "push_pending": False,
        "synced_at": timezone.now(),
    }


def _write_crm(adapter, record, values: dict):
    """Values the CRM lacked, written without a save signal (that would push them back)."""
    if not values:
        return
    converted = {
        name: record._meta.get_field(name).to_python(value) for name, value in values.items()
    }
    adapter.model.objects.filter(pk=record.pk).update(**converted, updated_at=timezone.now())


def _done(setting, crm_id):
    if setting is not None:
        mappings.push_settled(setting.store, setting.object_type, crm_id)


def _moot(setting, crm_id):
    """Nothing is to be sent after all (the record is gone on a side, or the filters or the
    store's choices keep it out): an earlier refusal is no longer failing."""
    _done(setting, crm_id)
    issues.resolve_outbound(setting, crm_id)


def _failed(setting, crm_id, shopify_id, message, values):
    """Shopify refused the change: a failing record with Shopify's words, visible in the
    admin; the next change (or a resync) tries again."""
    log.info("push of %s %s refused: %s", setting, crm_id, message)
    issues.record_outbound(setting, crm_id, message, values)
    mappings.push_settled(
        setting.store,
        setting.object_type,
        crm_id,
        state=MappingState.FAILING,
        reason=message[: issues.MAX_ERROR_LENGTH],
    )


def requeue_waiting() -> None:
    """Cron, every minute: a CRM change whose push never finished is queued again."""
    waiting = mappings.waiting_pushes(timezone.now() - STALE_AFTER, SWEEP_LIMIT)
    syncs = {
        (setting.store_id, setting.object_type): setting
        for setting in SyncSetting.objects.enabled()
    }
    for store_id, object_type, crm_id in waiting:
        setting = syncs.get((store_id, object_type))
        if setting is not None:
            queues.enqueue("push_record", setting.pk, crm_id, once=True)
