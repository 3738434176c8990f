"""Orders follow their Shopify status into the stages the order sync maps it to: a new stage
mapped to "delivered" takes exactly the delivered orders, later deliveries land there, and a
status set to Skip falls back along the chain."""

import pytest
from django.db.models import Count
from django.urls import reverse

from crm.models import Order, OrderStageChange, Pipeline, PipelineStage
from crm.services import add_pipeline_stage
from sync import services
from sync.models import RunKind, RunStatus, SyncRun
from sync.stages import candidates
from tests.sync.e2e.conftest import SHOP, number, shop_data, work

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def synced(shopify, store):
    services.turn_on(store=store, object_type="orders")
    work()
    return store


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def delivered_names(shopify):
    """Orders Shopify shows delivered, refunded ones included: no stage takes "refunded", so
    they go where they would be otherwise. Cancelled ones stay in Cancelled."""
    return {
        order["name"]
        for order in shop_data(shopify, "orders")
        if not order["cancelledAt"]
        and order["displayFulfillmentStatus"] == "FULFILLED"
        and order["fulfillments"]
        and all(f["displayStatus"] == "DELIVERED" for f in order["fulfillments"])
    }


def stage_choices(**by_internal_name):
    """The Limit step's stage dropdowns: {"stage-<id>": status}."""
    pipeline = Pipeline.objects.get(is_default=True)
    return {
        "pipeline": pipeline.pk,
        **{
            f"stage-{stage.pk}": by_internal_name.get(stage.internal_name, "")
            for stage in pipeline.stages.all()
        },
    }


def set_up_orders(client, store, choices):
    url = reverse("admin:sync_setup_configure", args=[store.pk, "orders"])
    client.get(url + "?edit=1")
    client.post(url, {"direction": "to_crm"})
    limit = reverse("admin:sync_setup_limit", args=[store.pk, "orders"])
    response = client.post(limit, choices)
    assert response.status_code == 302, response.content.decode()[-3000:]
    review = client.get(reverse("admin:sync_setup_review", args=[store.pk, "orders"]))
    client.post(reverse("admin:sync_setup_review", args=[store.pk, "orders"]))
    return review.content.decode()


DEFAULT = {"open": "open", "processed": "paid", "shipped": "fulfilled", "cancelled": "cancelled"}


def test_a_delivered_stage_takes_exactly_the_delivered_orders(
    admin_client, shopify, synced, deliver
):
    delivered = delivered_names(shopify)
    assert delivered
    stage = add_pipeline_stage(
        pipeline=Pipeline.objects.get(is_default=True), label="Delivered", state="closed"
    )

    review = set_up_orders(
        admin_client, synced, stage_choices(**DEFAULT, **{stage.internal_name: "delivered"})
    )
    assert f"{len(delivered)} to Delivered" in review
    work()

    assert set(Order.objects.filter(pipeline_stage=stage).values_list("name", flat=True)) == (
        delivered
    )
    run = SyncRun.objects.get(kind=RunKind.RESTAGE)
    assert (run.status, run.seen, run.updated) == (
        RunStatus.SUCCEEDED,
        Order.objects.count(),
        len(delivered),
    )
    moves = OrderStageChange.objects.filter(to_stage=stage)
    assert moves.count() == len(delivered)
    assert set(moves.values_list("from_label", flat=True)) == {"Shipped"}
    assert set(moves.values_list("order_status", flat=True)) <= {"delivered", "refunded"}

    # A delivery made later in Shopify lands there too (as its webhook would bring it).
    shipped = Order.objects.filter(pipeline_stage__internal_name="shipped").first()
    shopify_id = next(o for o in shop_data(shopify, "orders") if o["name"] == shipped.name)["id"]
    shopify.call("POST", f"shops/{SHOP}/orders/{number(shopify_id)}/deliver")
    deliver("orders/updated", {"id": number(shopify_id)})
    work()

    shipped.refresh_from_db()
    assert shipped.pipeline_stage == stage
    assert shipped.stage_changes.first().to_label == "Delivered"


def test_skip_unmaps_a_status_and_its_orders_fall_back(admin_client, shopify, synced):
    shipped = set(
        Order.objects.filter(pipeline_stage__internal_name="shipped").values_list("id", flat=True)
    )
    assert shipped

    set_up_orders(admin_client, synced, stage_choices(**{**DEFAULT, "shipped": ""}))
    work()

    # Fulfilled and delivered orders fall back along partially fulfilled → paid: Processed.
    processed = PipelineStage.objects.get(internal_name="processed")
    assert set(Order.objects.filter(pk__in=shipped).values_list("pipeline_stage", flat=True)) == {
        processed.pk
    }
    assert not Order.objects.filter(pipeline_stage__internal_name="shipped").exists()


def test_a_status_chosen_for_two_stages_is_refused(admin_client, synced):
    url = reverse("admin:sync_setup_configure", args=[synced.pk, "orders"])
    admin_client.get(url)
    limit = reverse("admin:sync_setup_limit", args=[synced.pk, "orders"])

    response = admin_client.post(limit, stage_choices(**{**DEFAULT, "shipped": "paid"}))

    assert response.status_code == 200
    assert "Paid is chosen for both Processed and Shipped: a status goes to one stage." in (
        response.content.decode()
    )


def test_a_store_can_send_its_orders_to_another_pipeline(admin_client, synced):
    wholesale = Pipeline.objects.create(label="Wholesale", internal_name="wholesale")
    placed = add_pipeline_stage(pipeline=wholesale, label="Placed")
    done = add_pipeline_stage(pipeline=wholesale, label="Done", state="closed")
    url = reverse("admin:sync_setup_configure", args=[synced.pk, "orders"])
    admin_client.get(url + "?edit=1")
    limit = reverse("admin:sync_setup_limit", args=[synced.pk, "orders"])

    # Choosing the pipeline shows its stages, unmapped; then each gets its status.
    page = admin_client.post(limit, {"pipeline": wholesale.pk, "refresh": "1"})
    assert "Shopify order status of Placed" in page.content.decode()
    admin_client.post(
        limit, {"pipeline": wholesale.pk, f"stage-{placed.pk}": "open", f"stage-{done.pk}": "paid"}
    )
    admin_client.post(reverse("admin:sync_setup_review", args=[synced.pk, "orders"]))
    work()

    # Open is last in every fallback chain: an order is Done when its chain passes "paid".
    for order in Order.objects.all():
        chain = candidates(
            financial_status=order.financial_status,
            fulfillment_status=order.fulfillment_status,
            delivered=[order.delivered],
            cancelled=order.cancelled_at is not None,
        )
        assert order.pipeline_stage_id == (done.pk if "paid" in chain else placed.pk), order
    counts = dict(Order.objects.values_list("pipeline_stage").annotate(n=Count("id")))
    assert counts[done.pk] > 0 and counts[placed.pk] > 0
