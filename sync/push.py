"""CRM → Shopify for contacts, companies and products.

A CRM change queues a push of that record (services.enqueue_push, coalesced per record). The
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

from integration.client import ShopifyClient, ShopifyUserError
from sync import fieldmaps
from sync.adapters import ADAPTERS
from sync.adapters.base import digest
from sync.models import (
    ConflictRule,
    Direction,
    IssueDirection,
    MappingState,
    RecordMapping,
    SyncIssue,
    SyncSetting,
    SyncState,
)

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
        ours, theirs = crm.get(mapping.crm_field, ""), shopify.get(mapping.shopify_field, "")
        last = base.get(mapping.shopify_field)
        can_pull = fieldmaps.inbound(mapping.direction)
        can_push = fieldmaps.outbound(mapping.direction) and _writable(mapping)
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
        result.values[mapping.shopify_field] = value if can_push else theirs
    return result


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
    spec = fieldmaps.SHOPIFY_FIELDS[mapping.setting.object_type].get(mapping.shopify_field)
    return bool(spec and spec.input_key)


def pushes(setting: SyncSetting) -> bool:
    return (
        setting.enabled
        and setting.state != SyncState.OFF
        and setting.direction in (Direction.TWO_WAY, Direction.TO_SHOPIFY)
        and setting.object_type in fieldmaps.DEFAULTS
        and setting.store.has_access_token
    )


def push_record(setting_id: int, crm_id: int) -> str:
    """Push one CRM record to one store. Returns what happened, for logs and tests."""
    setting = SyncSetting.objects.select_related("store").filter(pk=setting_id).first()
    if setting is None or not pushes(setting):
        _done(setting, crm_id)
        return "not pushed: the sync does not push"
    adapter = ADAPTERS[setting.object_type]
    record = adapter.model.objects.filter(pk=crm_id).first()
    if record is None:
        return "not pushed: deleted in the CRM (Shopify keeps its record)"
    maps = fieldmaps.active(setting)
    crm_values = {m.crm_field: fieldmaps.normal(getattr(record, m.crm_field)) for m in maps}
    mapping = (
        RecordMapping.objects.filter(
            store=setting.store, object_type=setting.object_type, crm_id=crm_id
        )
        .exclude(state=MappingState.DELETED)
        .order_by("-is_primary", "id")
        .first()
    )
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
        return f"not created in Shopify: {reason}"
    values = {
        _input_key(m): crm_values[m.crm_field]
        for m in maps
        if fieldmaps.outbound(m.direction)
        and _writable(m)
        and not fieldmaps.blank(crm_values[m.crm_field])
    }
    node = adapter.push(client, None, values)
    parsed = adapter.parse(node)
    shopify = fieldmaps.shopify_values(setting.object_type, parsed.fields)
    result = merge(maps, crm_values, shopify, {}, crm_wins_conflicts=True)
    with transaction.atomic():
        _write_crm(adapter, record, result.to_crm)
        RecordMapping.objects.update_or_create(
            store=setting.store,
            object_type=setting.object_type,
            shopify_id=parsed.shopify_id,
            defaults=_synced(parsed, result, values, crm_id=record.pk),
        )
        _resolve(setting, record.pk)
    return f"created in Shopify as {parsed.shopify_id}"


def _update(setting, adapter, client, maps, record, crm_values, mapping) -> str:
    node = adapter.read_nodes(client, [mapping.shopify_id])[mapping.shopify_id]
    if node is None:
        _done(setting, record.pk)
        return "not pushed: gone from Shopify"
    parsed = adapter.parse(node)
    shopify = fieldmaps.shopify_values(setting.object_type, parsed.fields)
    crm_newer = bool(parsed.updated_at and record.updated_at > parsed.updated_at)
    rule = setting.conflict_rule
    crm_wins = rule == ConflictRule.CRM_WINS or (rule == ConflictRule.MOST_RECENT and crm_newer)
    result = merge(maps, crm_values, shopify, mapping.synced_values, crm_wins_conflicts=crm_wins)
    sent = {}
    if result.to_shopify:
        sent = {_input_key_for(setting, key): value for key, value in result.to_shopify.items()}
        node = adapter.push(client, mapping.shopify_id, sent)
        parsed = adapter.parse(node)
    children = adapter.push_children(client, setting.store, record, node)
    if children is not None:
        node, parsed = children, adapter.parse(children)
    with transaction.atomic():
        _write_crm(adapter, record, result.to_crm)
        RecordMapping.objects.filter(pk=mapping.pk).update(
            **_synced(parsed, result, sent, crm_id=record.pk, previous=mapping)
        )
        _resolve(setting, record.pk)
    if not result.to_shopify and not result.to_crm and children is None:
        return "in sync already"
    return f"sent {sorted(result.to_shopify)}, took {sorted(result.to_crm)}"


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


def _input_key(mapping) -> str:
    return fieldmaps.SHOPIFY_FIELDS[mapping.setting.object_type][mapping.shopify_field].input_key


def _input_key_for(setting, shopify_field: str) -> str:
    return fieldmaps.SHOPIFY_FIELDS[setting.object_type][shopify_field].input_key


def _done(setting, crm_id):
    if setting is not None:
        RecordMapping.objects.filter(
            store=setting.store, object_type=setting.object_type, crm_id=crm_id
        ).update(push_pending=False)


def _failed(setting, crm_id, shopify_id, message, values):
    """Shopify refused the change: a failing record with Shopify's words, visible in the
    admin; the next change (or a resync) tries again."""
    log.info("push of %s %s refused: %s", setting, crm_id, message)
    issue = SyncIssue.objects.filter(
        store=setting.store,
        object_type=setting.object_type,
        crm_id=crm_id,
        direction=IssueDirection.OUTBOUND,
    ).first()
    if issue is None:
        SyncIssue.objects.create(
            store=setting.store,
            object_type=setting.object_type,
            crm_id=crm_id,
            shopify_id=None,
            direction=IssueDirection.OUTBOUND,
            error=message[:2000],
            payload=values,
        )
    else:
        issue.error, issue.payload, issue.resolved_at = message[:2000], values, None
        issue.attempts += 1
        issue.save(update_fields=["error", "payload", "resolved_at", "attempts", "last_seen_at"])
    RecordMapping.objects.filter(
        store=setting.store, object_type=setting.object_type, crm_id=crm_id
    ).update(push_pending=False, state=MappingState.FAILING, reason=message[:2000])


def _resolve(setting, crm_id):
    SyncIssue.objects.filter(
        store=setting.store,
        object_type=setting.object_type,
        crm_id=crm_id,
        direction=IssueDirection.OUTBOUND,
        resolved_at__isnull=True,
    ).update(resolved_at=timezone.now())
