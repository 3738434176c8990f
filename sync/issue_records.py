"""The CRM record a failing record is about, as a person names it ("Contact Anna Berg"), and
the page where it is fixed (its form in the admin), for the Failing records pages. A page of
failures reads their records with one query per object type."""

from __future__ import annotations

from collections import defaultdict

from django.urls import NoReverseMatch, reverse

from sync.adapters import ADAPTERS

# Objects whose failures are about rows of another pair (a product's variants).
CHILD_KINDS = {"variants": "Product variant"}


def kind_of(object_type: str) -> str:
    """ "Contact", "Company", "Product variant"… for an object type."""
    adapter = ADAPTERS.get(object_type)
    if adapter is not None:
        return str(adapter.model._meta.verbose_name).capitalize()
    return CHILD_KINDS.get(object_type, object_type.capitalize())


def attach(issues) -> list:
    """Give each issue `record` (the CRM record, or None when it has none or it is gone),
    `record_title` and `record_url` (None when there is no record to open)."""
    issues = list(issues)
    wanted = defaultdict(set)
    for issue in issues:
        if issue.crm_id is not None and issue.object_type in ADAPTERS:
            wanted[issue.object_type].add(issue.crm_id)
    found = {
        (object_type, record.pk): record
        for object_type, crm_ids in wanted.items()
        for record in ADAPTERS[object_type].model.objects.filter(pk__in=crm_ids)
    }
    for issue in issues:
        issue.record = found.get((issue.object_type, issue.crm_id))
        issue.record_title = title(issue.object_type, issue.record, issue.shopify_id, issue.crm_id)
        issue.record_url = admin_url(issue.record)
    return issues


def title(object_type: str, record, shopify_id, crm_id) -> str:
    kind = kind_of(object_type)
    if record is not None:
        name = str(record)
        # A record without a name calls itself "Contact 12" already.
        return name if name.startswith(f"{kind} ") else f"{kind} {name}"
    if shopify_id is not None:
        return f"{kind} {shopify_id} in Shopify (not in the CRM)"
    if crm_id is not None:
        return f"{kind} {crm_id} (deleted from the CRM)"
    return kind


def admin_url(record) -> str | None:
    """The record's form in the admin, where a value Shopify refused is corrected."""
    if record is None:
        return None
    meta = record._meta
    try:
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[record.pk])
    except NoReverseMatch:
        return None
