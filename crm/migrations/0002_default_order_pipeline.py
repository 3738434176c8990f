"""Creates the default order pipeline, "Orders", with the stages synced orders start in."""

from django.db import migrations

DEFAULT_STAGES = [
    # (label, internal name, state): Shipped and Cancelled end an order's journey.
    ("Open", "open", "open"),
    ("Processed", "processed", "open"),
    ("Shipped", "shipped", "closed"),
    ("Cancelled", "cancelled", "closed"),
]


def create_default_pipeline(apps, schema_editor):
    Pipeline = apps.get_model("crm", "Pipeline")
    PipelineStage = apps.get_model("crm", "PipelineStage")
    pipeline, created = Pipeline.objects.get_or_create(
        internal_name="orders", defaults={"label": "Orders", "is_default": True}
    )
    if not created:
        return
    PipelineStage.objects.bulk_create(
        PipelineStage(
            pipeline=pipeline, label=label, internal_name=name, state=state, display_order=index
        )
        for index, (label, name, state) in enumerate(DEFAULT_STAGES)
    )


class Migration(migrations.Migration):
    dependencies = [("crm", "0001_initial")]

    operations = [migrations.RunPython(create_default_pipeline, migrations.RunPython.noop)]
