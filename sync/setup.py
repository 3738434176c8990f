"""Setting a sync up, as the set-up screens do it: Configure (direction, conflict rule, field
mappings) → Limit (filters) → Review → Save and sync; and turning a sync off or deleting it.

Between the steps the choices are a draft (a plain dict the views keep in the session); only
`save` writes them. Deleting a sync keeps the CRM's records and the record mappings, so setting
it up again creates nothing twice.
"""

from __future__ import annotations

import datetime

from django.db import transaction

from crm.models import FinancialStatus
from integration.client import ShopifyClient, ShopifyError
from sync import fieldmaps, services
from sync.models import (
    ConflictRule,
    Direction,
    FieldMapping,
    MappingState,
    ObjectType,
    RecordMapping,
    SyncSetting,
)

TWO_WAY = set(fieldmaps.DEFAULTS)
FINANCIAL_STATUSES = FinancialStatus.choices
CART_STATUSES = [("abandoned", "Abandoned"), ("recovered", "Recovered")]
COUNT_QUERIES = {
    "contacts": "customersCount",
    "companies": "companiesCount",
    "products": "productsCount",
    "orders": "ordersCount",
    "carts": "abandonedCheckoutsCount",
}


def directions(object_type: str) -> list[tuple[str, str]]:
    if object_type in TWO_WAY:
        return list(Direction.choices)
    return [(Direction.TO_CRM, Direction.TO_CRM.label)]


def start_draft(store, object_type: str) -> dict:
    """The choices to start from: the sync's own, or a new sync's defaults."""
    setting = SyncSetting.objects.filter(store=store, object_type=object_type).first()
    if setting is None:
        setting = SyncSetting(
            store=store,
            object_type=object_type,
            direction=Direction.TWO_WAY if object_type in TWO_WAY else Direction.TO_CRM,
            filters=dict(services.DEFAULT_FILTERS.get(object_type, {})),
        )
        maps = [
            {
                "crm_field": crm_field,
                "shopify_field": shopify_field,
                "direction": fieldmaps.default_direction(object_type, shopify_field),
                "enabled": True,
                "is_default": True,
            }
            for crm_field, shopify_field in fieldmaps.DEFAULTS.get(object_type, [])
        ]
    else:
        fieldmaps.ensure_defaults(setting)
        maps = [
            {
                "crm_field": m.crm_field,
                "shopify_field": m.shopify_field,
                "direction": m.direction,
                "enabled": m.enabled,
                "is_default": m.is_default,
            }
            for m in setting.field_maps.all()
        ]
    return {
        "object_type": object_type,
        "direction": setting.direction,
        "conflict_rule": setting.conflict_rule,
        "filters": dict(setting.filters),
        "maps": maps,
        "existing": setting.pk is not None,
    }


def map_problems(object_type: str, maps: list[dict]) -> list[str]:
    """What is wrong with a set of field mappings, one sentence each (empty: nothing)."""
    problems = []
    required = fieldmaps.REQUIRED.get(object_type, set())
    kept = []
    for item in maps:
        if item["is_default"] and item["crm_field"] in required and not item["enabled"]:
            label = fieldmaps.CRM_FIELDS[object_type][item["crm_field"]].label
            problems.append(f"{label} cannot be turned off: records are matched by it.")
        if not item["enabled"]:
            continue
        found = fieldmaps.problem(
            object_type, item["crm_field"], item["shopify_field"], item["direction"], kept
        )
        if found:
            problems.append(found)
        kept.append((item["crm_field"], item["shopify_field"], item["direction"]))
    return problems


def filter_problems(object_type: str, filters: dict) -> list[str]:
    since = filters.get("created_since")
    if since:
        try:
            day = datetime.date.fromisoformat(since)
        except ValueError:
            return [f"{since!r} is not a date (YYYY-MM-DD)."]
        if day > datetime.date.today():
            return [f"Created since {since} is in the future: nothing would sync."]
    return []


def count_in_shopify(store, object_type: str, filters: dict) -> int | None:
    """How many records Shopify has that the date filter lets through (one cheap count
    query); None when Shopify cannot say now."""
    field = COUNT_QUERIES[object_type]
    query = ""
    if filters.get("created_since") and object_type in ("orders", "carts"):
        query = f"created_at:>={filters['created_since']}"
    arguments = "(query: $query)" if object_type != "companies" else ""
    variables = "($query: String)" if object_type != "companies" else ""
    document = f"query Count{variables} {{ {field}{arguments} {{ count precision }} }}"
    try:
        data = ShopifyClient.for_store(store).execute(
            document, {"query": query} if object_type != "companies" else {}
        )
    except ShopifyError:
        return None
    return int(data[field]["count"])


def review(store, draft: dict) -> dict:
    object_type = draft["object_type"]
    in_shopify = count_in_shopify(store, object_type, draft["filters"])
    mapped = RecordMapping.objects.filter(store=store, object_type=object_type)
    return {
        "in_shopify": in_shopify,
        "already_synced": mapped.filter(state=MappingState.SYNCED).count(),
        "excluded": mapped.filter(state=MappingState.EXCLUDED).count(),
        "nothing_matches": in_shopify == 0,
    }


@transaction.atomic
def save(store, draft: dict):
    """Write the draft and start syncing: the initial sync of a new (or off) sync, a resync
    of one that was on, so its new filters and mappings apply to every record."""
    object_type = draft["object_type"]
    problems = map_problems(object_type, draft["maps"]) + filter_problems(
        object_type, draft["filters"]
    )
    if problems:
        raise ValueError(" ".join(problems))
    allowed = {value for value, _ in directions(object_type)}
    direction = draft["direction"] if draft["direction"] in allowed else Direction.TO_CRM
    setting, _ = SyncSetting.objects.select_for_update().get_or_create(
        store=store, object_type=object_type
    )
    setting.direction = direction
    setting.conflict_rule = draft["conflict_rule"] or ConflictRule.MOST_RECENT
    setting.filters = draft["filters"]
    setting.save(update_fields=["direction", "conflict_rule", "filters", "updated_at"])
    if object_type in TWO_WAY:
        _save_maps(setting, draft["maps"])
    if setting.enabled:
        return services.resync(store=store, object_type=object_type)
    return services.turn_on(store=store, object_type=object_type)


def _save_maps(setting, maps: list[dict]):
    fieldmaps.ensure_defaults(setting)
    setting.field_maps.filter(is_default=False).delete()
    for item in maps:
        if item["is_default"]:
            setting.field_maps.filter(
                crm_field=item["crm_field"], shopify_field=item["shopify_field"], is_default=True
            ).update(enabled=item["enabled"], direction=item["direction"])
        else:
            FieldMapping.objects.create(
                setting=setting,
                crm_field=item["crm_field"],
                shopify_field=item["shopify_field"],
                direction=item["direction"],
                enabled=item["enabled"],
            )


def delete(store, object_type: str):
    """Stop the sync and forget its settings; the records and their mappings stay."""
    services.turn_off(store=store, object_type=object_type)
    SyncSetting.objects.filter(store=store, object_type=object_type).delete()


def object_choices(store) -> list[tuple[str, str, bool]]:
    """(object, label, set up already) for the "Set up your sync" step."""
    existing = set(SyncSetting.objects.filter(store=store).values_list("object_type", flat=True))
    return [(value, label, value in existing) for value, label in ObjectType.choices]
