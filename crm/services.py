"""What the CRM does with its records, reached from the admin, staff pages, jobs and the API."""

from django.db import connection, transaction
from django.db.models import Case, Count, Q, Value, When
from django.utils import timezone
from django.utils.text import slugify

from crm.models import Order, OrderStageChange, Pipeline, PipelineStage, PipelineState


def unique_internal_name(label: str, taken: set[str]) -> str:
    """An internal name derived from `label` that is not in `taken`: "Ready to ship" →
    "ready_to_ship", then "ready_to_ship_2"… Names that would not start with a letter get a
    "stage_" prefix."""
    base = slugify(label).replace("-", "_") or "stage"
    if not base[0].isalpha():
        base = f"stage_{base}"
    name, counter = base, 2
    while name in taken:
        name, counter = f"{base}_{counter}", counter + 1
    return name


@transaction.atomic
def add_pipeline_stage(
    *, pipeline: Pipeline, label: str, state: str = PipelineState.OPEN
) -> PipelineStage:
    """Add a stage at the end of `pipeline`, with an internal name that will never change."""
    # Lock the pipeline so two concurrent additions cannot pick the same name or position.
    Pipeline.objects.select_for_update().filter(pk=pipeline.pk).first()
    stages = list(pipeline.stages.all())
    return PipelineStage.objects.create(
        pipeline=pipeline,
        label=label,
        state=state,
        internal_name=unique_internal_name(label, {stage.internal_name for stage in stages}),
        display_order=max((stage.display_order for stage in stages), default=-1) + 1,
    )


class StageEditRefused(ValueError):
    """A pipeline edit that cannot be made; `problems` say why, one sentence each."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


@transaction.atomic
def edit_stages(pipeline: Pipeline, *, stages: list[dict], new: list[dict]) -> None:
    """Apply the stage editor's Save at once, or nothing.

    `stages`: one dict per existing stage — id, label, state, position, delete, move_to (the
    stage its orders go to when it is deleted). `new`: stages to add — label, state. Internal
    names never change; a stage that holds orders is deleted only once they have somewhere to
    go, and each moved order's history says so."""
    existing = {stage.pk: stage for stage in pipeline.stages.select_for_update()}
    given = {item["id"]: item for item in stages if item["id"] in existing}
    problems = []
    for stage_id, stage in existing.items():
        item = given.get(stage_id)
        if item is None:
            continue
        if not item["label"].strip() and not item["delete"]:
            problems.append(f"The stage {stage.internal_name} needs a name.")
        if item["state"] not in PipelineState.values:
            problems.append(f"{item['state']!r} is not a stage status.")
    deleting = {stage_id for stage_id, item in given.items() if item["delete"]}
    holding = dict(
        Order.objects.filter(pipeline_stage_id__in=deleting)
        .values_list("pipeline_stage_id")
        .annotate(count=Count("id"))
    )
    for stage_id in sorted(deleting):
        count = holding.get(stage_id, 0)
        target = given[stage_id].get("move_to")
        if count and not target:
            problems.append(
                f"{existing[stage_id].label} holds {count} order{'s' if count != 1 else ''}: "
                "choose a stage to move them to before deleting it."
            )
        elif count and (target not in existing or target in deleting):
            problems.append(
                f"The orders of {existing[stage_id].label} must move to a stage that stays."
            )
    for item in new:
        if not item["label"].strip():
            problems.append("A new stage needs a name.")
        if item["state"] not in PipelineState.values:
            problems.append(f"{item['state']!r} is not a stage status.")
    if len(existing) - len(deleting) + len(new) == 0:
        problems.append("A pipeline needs at least one stage.")
    if problems:
        raise StageEditRefused(problems)

    now = timezone.now()
    for stage_id in deleting:
        target = given[stage_id].get("move_to")
        if holding.get(stage_id):
            _move_orders(existing[stage_id], existing[target], now)
        existing[stage_id].delete()
    kept = sorted(
        (item for stage_id, item in given.items() if stage_id not in deleting),
        key=lambda item: (item["position"], item["id"]),
    )
    for position, item in enumerate(kept):
        stage = existing[item["id"]]
        stage.label, stage.state = item["label"].strip(), item["state"]
        stage.display_order = position
        stage.save(update_fields=["label", "state", "display_order"])
    for item in new:
        add_pipeline_stage(pipeline=pipeline, label=item["label"].strip(), state=item["state"])


def _move_orders(stage: PipelineStage, target: PipelineStage, when) -> None:
    orders = list(Order.objects.filter(pipeline_stage=stage).values_list("id", "order_status"))
    Order.objects.filter(pipeline_stage=stage).update(pipeline_stage=target)
    OrderStageChange.objects.bulk_create(
        [
            OrderStageChange(
                order_id=order_id,
                from_stage=None,  # the stage is about to go; its label stays
                to_stage=target,
                from_label=stage.label,
                to_label=target.label,
                order_status=status,
                changed_at=when,
            )
            for order_id, status in orders
        ]
    )


def refresh_first_orders(store: str, contact_ids) -> list[int]:
    """Mark each of these contacts' first order in `store` (cancelled ones aside) and unmark
    the rest; returns the orders whose mark changed (their days' reports change)."""
    contact_ids = [pk for pk in set(contact_ids) if pk is not None]
    if not contact_ids:
        return []
    orders = Order.objects.filter(source_store=store, contact_id__in=contact_ids)
    firsts = (
        set(
            orders.filter(cancelled_at__isnull=True)
            .order_by("contact_id", "processed_at", "id")
            .distinct("contact_id")
            .values_list("id", flat=True)
        )
        if connection.vendor == "postgresql"
        else _firsts(orders)
    )
    wrong = list(
        orders.filter(
            Q(first_order=True) & ~Q(pk__in=firsts) | Q(first_order=False, pk__in=firsts)
        ).values_list("id", flat=True)
    )
    if wrong:
        Order.objects.filter(pk__in=wrong).update(
            first_order=Case(When(pk__in=firsts, then=Value(True)), default=Value(False))
        )
    return wrong


def _firsts(orders) -> set[int]:
    """The same without DISTINCT ON (SQLite)."""
    firsts = {}
    for contact_id, pk in (
        orders.filter(cancelled_at__isnull=True)
        .order_by("contact_id", "processed_at", "id")
        .values_list("contact_id", "id")
    ):
        firsts.setdefault(contact_id, pk)
    return set(firsts.values())
