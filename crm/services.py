"""What the CRM does with its records, reached from the admin, staff pages, jobs and the API."""

from django.db import transaction
from django.utils.text import slugify

from crm.models import Pipeline, PipelineStage, PipelineState


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
