"""Setting a sync up, as the set-up screens do it: Configure (direction, conflict rule, field
mappings) → Limit (filters) → Review → Save and sync; and turning a sync off or deleting it.

Between the steps the choices are a draft (a plain dict the views keep in the session); only
`save` writes them. Deleting a sync keeps the CRM's records and the record mappings, so setting
it up again creates nothing twice.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, Q

from crm.models import Order, OrderStatus, Pipeline, PipelineStage
from integration.client import ShopifyClient
from integration.errors import ShopifyError
from sync import fieldmaps, mappings, outbound, services, stages
from sync.adapters import ADAPTERS
from sync.models import ConflictRule, Direction, FieldMapping, MappingState, SyncSetting

ORDER_STATUS_LABELS = dict(OrderStatus.choices)


def start_draft(store, object_type: str) -> dict:
    """The choices to start from: the sync's own, or a new sync's defaults."""
    adapter = ADAPTERS[object_type]
    setting = SyncSetting.objects.filter(store=store, object_type=object_type).first()
    if setting is None:
        setting = SyncSetting(
            store=store,
            object_type=object_type,
            direction=adapter.default_direction(),
            filters=outbound.new_sync_filters(store, adapter),
        )
        maps = [
            {
                "crm_field": crm_field,
                "shopify_field": shopify_field,
                "direction": adapter.map_direction(shopify_field),
                "enabled": True,
                "is_default": True,
            }
            for crm_field, shopify_field in adapter.default_maps
        ]
    else:
        adapter.ensure_default_maps(setting)
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
    draft = {
        "object_type": object_type,
        "direction": setting.direction,
        "conflict_rule": setting.conflict_rule,
        "filters": dict(setting.filters),
        "maps": maps,
        "existing": setting.pk is not None,
    }
    if adapter.staged:
        pipeline = stages.pipeline_of(setting if setting.pk else None)
        mapping = stages.mapping_for(setting if setting.pk else None)
        draft["pipeline"] = pipeline.pk if pipeline else None
        draft["stage_statuses"] = {str(stage): status for status, stage in mapping.items()}
    return draft


def pipeline_stages(draft: dict) -> list:
    """The stages of the pipeline the draft names, in order (as they are now)."""
    pipeline = Pipeline.objects.filter(pk=draft.get("pipeline")).first()
    return list(pipeline.stages.all()) if pipeline else []


def stage_problems(draft: dict) -> list[str]:
    """A status may go to one stage only."""
    labels = {str(stage.pk): stage.label for stage in pipeline_stages(draft)}
    taken: dict[str, str] = {}
    problems = []
    for stage_id, status in draft.get("stage_statuses", {}).items():
        if not status or stage_id not in labels:
            continue
        if status not in stages.STATUSES:
            problems.append(f"{status!r} is not a Shopify order status.")
        elif status in taken:
            problems.append(
                f"{ORDER_STATUS_LABELS[status]} is chosen for both {taken[status]} and "
                f"{labels[stage_id]}: a status goes to one stage."
            )
        else:
            taken[status] = labels[stage_id]
    return problems


def stage_mapping_of(draft: dict) -> dict:
    """The draft's choices as the setting keeps them: every status, its stage id or None."""
    live = {str(stage.pk) for stage in pipeline_stages(draft)}
    chosen = {
        status: int(stage_id)
        for stage_id, status in draft.get("stage_statuses", {}).items()
        if status and stage_id in live
    }
    return {status: chosen.get(status) for status in stages.STATUSES}


def restage_preview(store, draft: dict) -> list[tuple[str, int]]:
    """(stage label, how many of the store's orders will move into it) under the draft's
    pipeline and mapping, counted per kind of order rather than per order."""
    pipeline = Pipeline.objects.filter(pk=draft.get("pipeline")).first()
    mapping = stages.mapping_from(pipeline, stage_mapping_of(draft))
    labels = dict(PipelineStage.objects.values_list("id", "label"))
    rows = (
        Order.objects.filter(source_store=store.shop_domain)
        .values(
            "financial_status",
            "fulfillment_status",
            "delivered",
            "pipeline_stage_id",
            cancelled=ExpressionWrapper(Q(cancelled_at__isnull=False), BooleanField()),
        )
        .annotate(count=Count("id"))
    )
    moving: dict[int | None, int] = {}
    for row in rows:
        target = stages.stage_of_row(
            mapping, {**row, "cancelled_at": True if row["cancelled"] else None}
        )
        if target != row["pipeline_stage_id"]:
            moving[target] = moving.get(target, 0) + row["count"]
    return sorted(
        ((labels.get(stage, "No stage"), count) for stage, count in moving.items()),
        key=lambda item: item[0],
    )


def map_problems(object_type: str, maps: list[dict]) -> list[str]:
    """What is wrong with a set of field mappings, one sentence each (empty: nothing)."""
    adapter = ADAPTERS[object_type]
    problems = []
    kept = []
    for item in maps:
        if item["is_default"] and item["crm_field"] in adapter.matched_by and not item["enabled"]:
            label = adapter.crm_fields[item["crm_field"]].label
            problems.append(f"{label} cannot be turned off: records are matched by it.")
        if not item["enabled"]:
            continue
        found = fieldmaps.problem(
            adapter, item["crm_field"], item["shopify_field"], item["direction"], kept
        )
        if found:
            problems.append(found)
        kept.append((item["crm_field"], item["shopify_field"], item["direction"]))
    return problems


def filter_problems(object_type: str, filters: dict) -> list[str]:
    problems = (f.problem(filters.get(f.key)) for f in ADAPTERS[object_type].limit_filters)
    return [problem for problem in problems if problem]


def describe_filters(object_type: str, filters: dict) -> list[str]:
    """The filters as the Review page says them."""
    adapter = ADAPTERS[object_type]
    described = (f.describe(filters.get(f.key, f.default)) for f in adapter.filters)
    return [line for line in described if line] or ["Everything"]


def describe_outbound(object_type: str, filters: dict) -> list[str]:
    """What the Limit step's choices about records created in the CRM say, for Review."""
    adapter = ADAPTERS[object_type]
    chosen = (f for f in adapter.limit_filters if f.outbound)
    return [f.describe(filters.get(f.key, f.default)) for f in chosen]


def count_in_shopify(store, object_type: str, filters: dict) -> int | None:
    """How many records Shopify has that the date filter lets through (one cheap count
    query); None when Shopify cannot say now."""
    adapter = ADAPTERS[object_type]
    field = adapter.count_field
    if adapter.count_takes_query:
        since = filters.get("created_since")
        document = (
            f"query Count($query: String) {{ {field}(limit: null, query: $query) "
            "{ count precision } }"
        )
        variables = {"query": f"created_at:>={since}" if since else ""}
    else:
        document, variables = f"query Count {{ {field}(limit: null) {{ count precision }} }}", {}
    try:
        data = ShopifyClient.for_store(store).execute(document, variables)
    except ShopifyError:
        return None
    return int(data[field]["count"])


def review(store, draft: dict) -> dict:
    object_type = draft["object_type"]
    in_shopify = count_in_shopify(store, object_type, draft["filters"])
    mapped = mappings.of_store(store, object_type)
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
    problems = (
        map_problems(object_type, draft["maps"])
        + filter_problems(object_type, draft["filters"])
        + stage_problems(draft)
    )
    if problems:
        raise ValueError(" ".join(problems))
    adapter = ADAPTERS[object_type]
    allowed = {value for value, _ in adapter.directions()}
    direction = draft["direction"] if draft["direction"] in allowed else Direction.TO_CRM
    setting, _ = SyncSetting.objects.select_for_update().get_or_create(
        store=store, object_type=object_type
    )
    filters_changed = setting.filters != draft["filters"]
    setting.direction = direction
    setting.conflict_rule = draft["conflict_rule"] or ConflictRule.MOST_RECENT
    setting.filters = draft["filters"]
    fields = ["direction", "conflict_rule", "filters", "updated_at"]
    if adapter.staged:
        setting.pipeline_id = draft.get("pipeline")
        setting.stage_mapping = stage_mapping_of(draft)
        fields += ["pipeline", "stage_mapping"]
    setting.save(update_fields=fields)
    maps_changed = False
    if adapter.shopify_fields:
        before = _flows(adapter, setting)
        _save_maps(adapter, setting, draft["maps"])
        maps_changed = _flows(adapter, setting) != before
    if adapter.staged:
        # The orders already in the CRM move to their stages now, with progress.
        services.restage_orders(store=store)
        # Only a change of filters or field mappings needs Shopify's records read again: a
        # new mapping fills the records the CRM has already (the README's promise).
        if setting.enabled and not filters_changed and not maps_changed:
            return None
    if setting.enabled:
        return services.resync(store=store, object_type=object_type)
    return services.turn_on(store=store, object_type=object_type)


def _flows(adapter, setting) -> set[tuple[str, str, str]]:
    """The sync's mappings that carry values, and which way each flows."""
    return {(m.crm_field, m.shopify_field, m.direction) for m in adapter.active_maps(setting)}


def _save_maps(adapter, setting, maps: list[dict]):
    adapter.ensure_default_maps(setting)
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


def object_choices(store) -> list[tuple[str, str, bool, str]]:
    """(object, label, set up already, why it cannot sync with this store) for the "Set up
    your sync" step."""
    existing = set(SyncSetting.objects.filter(store=store).values_list("object_type", flat=True))
    return [
        (a.object_type, a.label, a.object_type in existing, a.unavailable(store))
        for a in ADAPTERS.values()
    ]
