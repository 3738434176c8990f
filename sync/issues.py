"""Failing records: one `SyncIssue` per record that could not be synced, either way, with its
error, its payload and how many times it failed; resolved when the record syncs again. Kept
here only, so every failure is counted the same way and two workers failing the same record at
once make one issue, counted twice."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from integration import cleaning
from sync import mappings
from sync.models import IssueDirection, SyncIssue

MAX_ERROR_LENGTH = 2000


def describe(error: Exception) -> str:
    return cleaning.clean(f"{type(error).__name__}: {error}", MAX_ERROR_LENGTH)


def record_inbound(setting, shopify_id, crm_id, error: Exception, payload) -> None:
    """A Shopify record the CRM could not hold: an issue, and a failing mapping (unless the
    record had no usable id, when the issue is all there is to record)."""
    message = describe(error)
    _record(
        {
            "store": setting.store,
            "object_type": setting.object_type,
            "shopify_id": shopify_id,
            "direction": IssueDirection.INBOUND,
        },
        {"crm_id": crm_id, "error": message, "payload": payload},
    )
    if shopify_id is not None:
        mappings.mark_failing(setting.store, setting.object_type, shopify_id, crm_id, message)


def record_outbound(setting, crm_id: int, message: str, payload) -> None:
    """A CRM change Shopify refused (its userErrors, in its words)."""
    _record(
        {
            "store": setting.store,
            "object_type": setting.object_type,
            "crm_id": crm_id,
            "direction": IssueDirection.OUTBOUND,
        },
        {
            "shopify_id": None,
            "error": cleaning.clean(message, MAX_ERROR_LENGTH),
            "payload": payload,
        },
    )


def resolve_inbound(setting, shopify_ids) -> None:
    _open(setting).filter(
        shopify_id__any=list(shopify_ids), direction=IssueDirection.INBOUND
    ).update(resolved_at=timezone.now())


def resolve_outbound(setting, crm_id: int) -> None:
    _open(setting).filter(crm_id=crm_id, direction=IssueDirection.OUTBOUND).update(
        resolved_at=timezone.now()
    )


def _open(setting):
    return SyncIssue.objects.filter(
        store=setting.store, object_type=setting.object_type, resolved_at__isnull=True
    )


def _record(key: dict, values: dict) -> None:
    """Count one more failure of the record `key` names, or make its issue: an update first,
    an insert when there was none, and the update again when another worker's insert won (the
    unique constraints referee), never a look-up then a create. What failed may carry what
    PostgreSQL refuses (NUL): the record of the failure must not fail too."""
    values = {**values, "payload": cleaning.without_nul(values.get("payload"))}
    if _count_again(key, values):
        return
    try:
        with transaction.atomic():
            SyncIssue.objects.create(**key, **values)
    except IntegrityError:
        _count_again(key, values)


def _count_again(key: dict, values: dict) -> int:
    return SyncIssue.objects.filter(**key).update(
        **values, attempts=F("attempts") + 1, resolved_at=None, last_seen_at=timezone.now()
    )
