import pytest
from django.db.models import ProtectedError

from crm.models import ImmutableFieldError, Pipeline, PipelineStage
from crm.services import add_pipeline_stage, unique_internal_name

pytestmark = pytest.mark.django_db


def test_default_order_pipeline_has_the_four_stages_in_order():
    pipeline = Pipeline.objects.get(is_default=True)

    assert (pipeline.label, pipeline.internal_name) == ("Orders", "orders")
    assert list(pipeline.stages.values_list("label", "internal_name", "state")) == [
        ("Open", "open", "open"),
        ("Processed", "processed", "open"),
        ("Shipped", "shipped", "closed"),
        ("Cancelled", "cancelled", "closed"),
    ]


def test_renaming_a_stage_keeps_its_internal_name():
    stage = PipelineStage.objects.get(internal_name="shipped")

    stage.label = "Sent"
    stage.save()

    stage.refresh_from_db()
    assert (stage.label, stage.internal_name) == ("Sent", "shipped")


def test_a_stage_internal_name_cannot_change_through_save():
    stage = PipelineStage.objects.get(internal_name="open")
    stage.internal_name = "new"

    with pytest.raises(ImmutableFieldError, match="never changes"):
        stage.save()

    assert PipelineStage.objects.filter(internal_name="open").count() == 1
    assert not PipelineStage.objects.filter(internal_name="new").exists()


def test_a_stage_internal_name_cannot_change_after_it_was_created_in_this_process():
    stage = add_pipeline_stage(pipeline=Pipeline.objects.get(), label="Delivered")
    stage.internal_name = "other"

    with pytest.raises(ImmutableFieldError):
        stage.save()

    assert PipelineStage.objects.get(pk=stage.pk).internal_name == "delivered"


def test_a_stage_internal_name_cannot_change_through_bulk_writes():
    stages = PipelineStage.objects.filter(internal_name="open")

    with pytest.raises(ImmutableFieldError):
        stages.update(internal_name="new")
    stage = stages.get()
    stage.internal_name = "new"
    with pytest.raises(ImmutableFieldError):
        PipelineStage.objects.bulk_update([stage], ["internal_name"])

    assert PipelineStage.objects.filter(internal_name="open").count() == 1


def test_bulk_updates_of_other_fields_are_allowed():
    PipelineStage.objects.filter(internal_name="open").update(label="New")

    assert PipelineStage.objects.get(internal_name="open").label == "New"


def test_a_deferred_internal_name_is_not_mistaken_for_a_change():
    stage = PipelineStage.objects.only("label").get(internal_name="open")
    stage.label = "Opened"
    stage.save()

    assert PipelineStage.objects.get(pk=stage.pk).internal_name == "open"


def test_added_stages_get_a_unique_internal_name_from_their_label_and_go_last():
    pipeline = Pipeline.objects.get()

    first = add_pipeline_stage(pipeline=pipeline, label="Ready to ship", state="open")
    second = add_pipeline_stage(pipeline=pipeline, label="Ready to ship", state="closed")

    assert (first.internal_name, first.display_order) == ("ready_to_ship", 4)
    assert (second.internal_name, second.display_order, second.state) == (
        "ready_to_ship_2",
        5,
        "closed",
    )


@pytest.mark.parametrize(
    ("label", "taken", "expected"),
    [
        ("Open", set(), "open"),
        ("Open", {"open"}, "open_2"),
        ("Open", {"open", "open_2"}, "open_3"),
        ("2nd try", set(), "stage_2nd_try"),
        ("Ångström ✓", set(), "angstrom"),
        ("!!!", set(), "stage"),
    ],
)
def test_unique_internal_name(label, taken, expected):
    assert unique_internal_name(label, taken) == expected


def test_a_stage_holding_orders_cannot_be_deleted(make_order):
    order = make_order()

    with pytest.raises(ProtectedError):
        order.pipeline_stage.delete()

    assert PipelineStage.objects.filter(pk=order.pipeline_stage_id).exists()


def test_only_one_pipeline_can_be_the_default():
    from django.core.exceptions import ValidationError

    second = Pipeline(label="Wholesale", internal_name="wholesale", is_default=True)

    with pytest.raises(ValidationError, match="Only one pipeline can be the default"):
        second.validate_constraints()
