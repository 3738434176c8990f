"""Real query costs: Shopify's fields can cost more than the published model, and a read over
1,000 points is refused whole (MAX_COST_EXCEEDED). The read is asked again in parts small
enough by the cost Shopify reported, the size that worked is remembered for every worker, and a
record too costly even alone becomes a failing record while the others apply."""

import pytest

from crm.models import Order
from sync import chunk_sizes, engine, services
from sync.adapters import ADAPTERS
from sync.models import SyncIssue, SyncSetting
from tests.sync.e2e.conftest import SHOP, number, shop_data, work

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def orders_synced(shopify, store):
    services.turn_on(store=store, object_type="orders")
    work()
    return SyncSetting.objects.select_related("store").get(object_type="orders")


def test_a_read_refused_as_too_costly_succeeds_in_smaller_parts(
    shopify, orders_synced, redis_connection
):
    orders = shop_data(shopify, "orders")[:4]
    Order.objects.update(total=0)  # what the reads must bring back
    # Each order's lines cost 300 points more than the model says: four orders in one read
    # exceed 1,000.
    shopify.faults(SHOP, field_costs={"Order.lineItems": 300})
    declared = ADAPTERS["orders"].ids_per_request

    counts = engine.refresh(orders_synced, [number(order["id"]) for order in orders], force=True)

    assert (counts.seen, counts.failed) == (4, 0)
    assert Order.objects.filter(total=0).count() == Order.objects.count() - 4
    remembered = int(redis_connection.hget(chunk_sizes.KEY, "orders"))
    assert 1 <= remembered < declared
    assert chunk_sizes.size_for(ADAPTERS["orders"]) == remembered


def test_a_record_too_costly_even_alone_fails_visibly_and_the_others_apply(
    shopify, orders_synced, redis_connection
):
    orders = shop_data(shopify, "orders")[:3]
    costly = number(orders[0]["id"])
    # An order costing more than 1,000 points on its own: no part is small enough.
    shopify.faults(SHOP, field_costs={"Order.lineItems": 1500})

    counts = engine.refresh(orders_synced, [costly])

    assert counts.failed == 1
    issue = SyncIssue.objects.get(object_type="orders", shopify_id=costly)
    assert "1000" in issue.error or "max cost" in issue.error.lower()
    shopify.faults(SHOP, field_costs={})
    Order.objects.update(total=0)
    counts = engine.refresh(orders_synced, [number(order["id"]) for order in orders], force=True)
    assert counts.failed == 0
    assert Order.objects.exclude(total=0).count() == 3
    issue.refresh_from_db()
    assert issue.resolved_at is not None
