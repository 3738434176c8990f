"""The set-up screens, inside the admin: "Set up your sync" → Configure → Limit → Review →
Save and sync, and a sync's Turn off / Edit sync settings / Delete sync. The choices travel
between the steps as a draft in the session; sync.setup does the work."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from crm.inputs import is_whole_number
from crm.models import OrderStatus, Pipeline
from integration.models import Store, StoreStatus
from sync import fieldmaps, services, setup
from sync.adapters import ADAPTERS
from sync.models import ConflictRule, MapDirection, SyncSetting

STEPS = [("configure", "Configure"), ("limit", "Limit"), ("review", "Review")]


def can_manage(user) -> bool:
    return user.is_active and (user.is_superuser or user.has_perm("sync.manage_syncs"))


def _store(request, store_id) -> Store:
    if not can_manage(request.user):
        raise PermissionDenied("Only administrators who may manage syncs can set them up.")
    return get_object_or_404(Store, pk=store_id)


def _object_type(object_type: str) -> str:
    if object_type not in ADAPTERS:
        raise Http404("No such object")
    return object_type


def _key(store, object_type) -> str:
    return f"sync-setup:{store.pk}:{object_type}"


def _draft(request, store, object_type, *, fresh=False) -> dict:
    key = _key(store, object_type)
    if fresh or key not in request.session:
        request.session[key] = setup.start_draft(store, object_type)
    return request.session[key]


def _keep(request, store, draft):
    request.session[_key(store, draft["object_type"])] = draft
    request.session.modified = True


def _context(request, store, title, **extra):
    return {
        **admin.site.each_context(request),
        "title": title,
        "store": store,
        "opts": Store._meta,
        "steps": STEPS,
        **extra,
    }


def choose(request, store_id):
    """Set up your sync: which object."""
    store = _store(request, store_id)
    if request.method == "POST":
        object_type = _object_type(request.POST.get("object_type", ""))
        cannot = ADAPTERS[object_type].unavailable(store)
        if cannot:
            messages.error(request, cannot)
            return redirect("admin:integration_store_change", store.pk)
        _draft(request, store, object_type, fresh=True)
        return redirect("admin:sync_setup_configure", store.pk, object_type)
    return render(
        request,
        "admin/sync/setup/choose.html",
        _context(request, store, "Set up your sync", objects=setup.object_choices(store)),
    )


def configure(request, store_id, object_type):
    store = _store(request, store_id)
    object_type = _object_type(object_type)
    adapter = ADAPTERS[object_type]
    fresh = request.method == "GET" and request.GET.get("edit") == "1"
    draft = _draft(request, store, object_type, fresh=fresh)
    problems = []
    if request.method == "POST":
        draft = _read_configure(request.POST, draft)
        problems = setup.map_problems(object_type, draft["maps"])
        adding = "add" in request.POST
        if adding:
            draft, add_problem = _add_mapping(request.POST, draft)
            problems = [add_problem] if add_problem else problems
        _keep(request, store, draft)
        if not problems and not adding:
            return redirect("admin:sync_setup_limit", store.pk, object_type)
    return render(
        request,
        "admin/sync/setup/configure.html",
        _context(
            request,
            store,
            f"Configure the {object_type} sync",
            draft=draft,
            step="configure",
            object_label=adapter.label,
            problems=problems,
            directions=adapter.directions(),
            conflict_rules=ConflictRule.choices,
            map_rows=_map_rows(adapter, draft["maps"]),
            map_directions=MapDirection.choices
            if adapter.two_way
            else [(MapDirection.TO_CRM, MapDirection.TO_CRM.label)],
            crm_fields=sorted(adapter.mappable_crm_fields().items()),
            shopify_fields=sorted(adapter.shopify_fields.items()),
            two_way=adapter.two_way,
            mappable=bool(adapter.shopify_fields),
        ),
    )


def _read_configure(post, draft) -> dict:
    draft = {**draft}
    allowed = {value for value, _ in ADAPTERS[draft["object_type"]].directions()}
    if post.get("direction") in allowed:
        draft["direction"] = post["direction"]
    if post.get("conflict_rule") in ConflictRule.values:
        draft["conflict_rule"] = post["conflict_rule"]
    directions = set(MapDirection.values)
    maps = []
    for index, item in enumerate(draft["maps"]):
        if not item["is_default"] and post.get(f"map-{index}-delete"):
            continue
        direction = post.get(f"map-{index}-direction", item["direction"])
        maps.append(
            {
                **item,
                "enabled": bool(post.get(f"map-{index}-enabled")),
                "direction": direction if direction in directions else item["direction"],
            }
        )
    draft["maps"] = maps
    return draft


def _add_mapping(post, draft) -> tuple[dict, str]:
    crm_field, shopify_field = post.get("new-crm_field", ""), post.get("new-shopify_field", "")
    direction = post.get("new-direction", MapDirection.BOTH)
    if direction not in MapDirection.values:
        return draft, "Choose which way the field flows."
    if not crm_field or not shopify_field:
        return draft, "Choose a CRM field and a Shopify field to map."
    others = [
        (m["crm_field"], m["shopify_field"], m["direction"]) for m in draft["maps"] if m["enabled"]
    ]
    adapter = ADAPTERS[draft["object_type"]]
    problem = fieldmaps.problem(adapter, crm_field, shopify_field, direction, others)
    if problem:
        return draft, problem
    new = {
        "crm_field": crm_field,
        "shopify_field": shopify_field,
        "direction": direction,
        "enabled": True,
        "is_default": False,
    }
    return {**draft, "maps": [*draft["maps"], new]}, ""


def _map_rows(adapter, maps):
    crm = adapter.mappable_crm_fields()
    shop = adapter.shopify_fields
    rows = []
    for index, item in enumerate(maps):
        spec = shop.get(item["shopify_field"])
        crm_spec = crm.get(item["crm_field"])
        # A list (or number, yes/no…) becoming text flows one way only: shown, not offered.
        only = fieldmaps.one_way(crm_spec.kind, spec.kind) if crm_spec and spec else None
        rows.append(
            {
                "index": index,
                **item,
                "crm_label": crm[item["crm_field"]].label if item["crm_field"] in crm else "?",
                "shopify_label": spec.label if spec else "?",
                "writable": bool(spec and spec.input_key),
                "one_way": only,
                "one_way_kind": (spec.kind if only == MapDirection.TO_CRM else crm_spec.kind)
                if only
                else "",
                "required": item["is_default"] and item["crm_field"] in adapter.matched_by,
            }
        )
    return rows


def limit(request, store_id, object_type):
    store = _store(request, store_id)
    object_type = _object_type(object_type)
    adapter = ADAPTERS[object_type]
    draft = _draft(request, store, object_type)
    problems = []
    if request.method == "POST":
        draft = {**draft, "filters": _read_filters(request.POST, adapter)}
        if adapter.staged:
            draft = _read_stages(request.POST, draft)
        problems = setup.filter_problems(object_type, draft["filters"])
        problems += setup.stage_problems(draft)
        _keep(request, store, draft)
        if "refresh" in request.POST:
            problems = []  # "Refresh pipelines" only shows the stages as they are now
        elif not problems:
            return redirect("admin:sync_setup_review", store.pk, object_type)
    return render(
        request,
        "admin/sync/setup/limit.html",
        _context(
            request,
            store,
            f"Limit the {object_type} sync",
            draft=draft,
            step="limit",
            object_label=adapter.label,
            problems=problems,
            filters=[
                {"filter": f, "value": draft["filters"].get(f.key, f.default)}
                for f in adapter.filters
            ],
            outbound_filters=[
                {"filter": f, "value": draft["filters"].get(f.key, f.default)}
                for f in adapter.limit_filters
                if f.outbound
            ],
            everything=adapter.unfiltered,
            staged=adapter.staged,
            out_of_sight=_out_of_sight(adapter, store),
            pipelines=Pipeline.objects.all(),
            stage_rows=[
                {"stage": stage, "status": draft.get("stage_statuses", {}).get(str(stage.pk), "")}
                for stage in setup.pipeline_stages(draft)
            ],
            order_statuses=OrderStatus.choices,
        ),
    )


def _read_stages(post, draft) -> dict:
    pipeline = post.get("pipeline", "")
    draft = {**draft}
    chosen = int(pipeline) if is_whole_number(pipeline) else None
    if chosen != draft.get("pipeline") and Pipeline.objects.filter(pk=chosen).exists():
        draft["stage_statuses"] = {}  # another pipeline: its stages start unmapped
        draft["pipeline"] = chosen
        return draft
    draft["stage_statuses"] = {
        str(stage.pk): post.get(f"stage-{stage.pk}", "") for stage in setup.pipeline_stages(draft)
    }
    return draft


def _read_filters(post, adapter) -> dict:
    read = {f.key: f.read(post) for f in adapter.limit_filters}
    return {key: value for key, value in read.items() if value is not None}


def review(request, store_id, object_type):
    store = _store(request, store_id)
    object_type = _object_type(object_type)
    draft = _draft(request, store, object_type)
    if request.method == "POST":
        if store.status != StoreStatus.CONNECTED:
            messages.error(request, f"{store} is not connected: connect it before syncing.")
            return redirect("admin:integration_store_change", store.pk)
        try:
            setup.save(store, draft)
        except ValueError as error:
            messages.error(request, str(error))
            return redirect("admin:sync_setup_configure", store.pk, object_type)
        request.session.pop(_key(store, object_type), None)
        messages.success(request, f"The {object_type} sync of {store} is saved; it is syncing now.")
        return redirect("admin:integration_store_change", store.pk)
    adapter = ADAPTERS[object_type]
    crm, shop = adapter.mappable_crm_fields(), adapter.shopify_fields
    mapped = [
        f"{crm[m['crm_field']].label} {MapDirection(m['direction']).arrow} "
        f"{shop[m['shopify_field']].label}"
        for m in draft["maps"]
        if m["enabled"] and m["crm_field"] in crm and m["shopify_field"] in shop
    ]
    return render(
        request,
        "admin/sync/setup/review.html",
        _context(
            request,
            store,
            f"Review the {object_type} sync",
            draft=draft,
            step="review",
            object_label=adapter.label,
            summary=setup.review(store, draft),
            mapped=mapped,
            filters=setup.describe_filters(object_type, draft["filters"]),
            outbound=setup.describe_outbound(object_type, draft["filters"]),
            protected=sorted({kind for kind, _ in adapter.protected_fields.values()}),
            out_of_sight=_out_of_sight(adapter, store),
            matching_rule=adapter.matching_rule,
            direction_label=dict(adapter.directions()).get(draft["direction"]),
            restage=setup.restage_preview(store, draft) if adapter.staged else None,
            stage_lines=_describe_stages(draft) if adapter.staged else [],
            conflict_label=ConflictRule(draft["conflict_rule"]).label,
        ),
    )


def _out_of_sight(adapter, store) -> str:
    """What the store's grants hide from the pair, for the Limit and Review steps."""
    if adapter.out_of_sight and not adapter.sees_all(store):
        return f"Only the last 60 days sync: Shopify hides {adapter.out_of_sight}."
    return ""


def _describe_stages(draft) -> list[str]:
    statuses = dict(OrderStatus.choices)
    return [
        f"{stage.label} ← {statuses.get(status, 'Skip') if status else 'Skip'}"
        for stage, status in (
            (stage, draft.get("stage_statuses", {}).get(str(stage.pk), ""))
            for stage in setup.pipeline_stages(draft)
        )
    ]


@require_POST
def turn_off(request, store_id, object_type):
    store = _store(request, store_id)
    object_type = _object_type(object_type)
    services.turn_off(store=store, object_type=object_type)
    messages.success(request, f"The {object_type} sync of {store} is off; its data stays.")
    return redirect("admin:integration_store_change", store.pk)


def delete(request, store_id, object_type):
    store = _store(request, store_id)
    object_type = _object_type(object_type)
    setting = get_object_or_404(SyncSetting, store=store, object_type=object_type)
    if request.method == "POST":
        setup.delete(store, object_type)
        messages.success(
            request,
            f"The {object_type} sync of {store} is deleted. The records it brought stay in "
            "the CRM; setting it up again duplicates nothing.",
        )
        return redirect("admin:integration_store_change", store.pk)
    return render(
        request,
        "admin/sync/setup/delete.html",
        _context(request, store, f"Delete the {object_type} sync?", setting=setting),
    )


def store_syncs(store) -> list[dict]:
    """The rows of the store page's sync table: every object, set up or not, and why one
    cannot sync with this store (its plan, the scopes it granted)."""
    settings = {setting.object_type: setting for setting in store.sync_settings.all()}
    return [
        {
            "object_type": key,
            "label": adapter.label,
            "setting": settings.get(key),
            "unavailable": adapter.unavailable(store),
            # Its topics Shopify refused: it syncs by reconciliation instead.
            "refused_topics": [
                topic for topic in adapter.store_topics(store) if store.refused_topics.get(topic)
            ],
        }
        for key, adapter in ADAPTERS.items()
    ]
