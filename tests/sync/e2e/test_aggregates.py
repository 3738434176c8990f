"""The report aggregates follow the sync: after an initial sync and later changes they are
what a full rebuild gives."""

import pytest

from dashboards import refresh
from dashboards.models import DailyCartStats, DailyOrderStats, StageStats
from sync import services
from tests.sync.e2e.conftest import SHOP, number, shop_data, work

pytestmark = pytest.mark.django_db(transaction=True)


def snapshot():
    return (
        sorted(
            DailyOrderStats.objects.values_list(
                "day", "currency", "orders", "revenue", "refunds", "new_customers", "cancelled"
            )
        ),
        sorted(
            DailyCartStats.objects.values_list("day", "abandoned", "recovered", "recovered_value")
        ),
        sorted(StageStats.objects.values_list("stage", "orders")),
    )


def test_the_aggregates_after_syncs_equal_a_full_rebuild(shopify, store, deliver):
    for object_type in ("contacts", "products", "orders", "carts"):
        services.turn_on(store=store, object_type=object_type)
    work()
    after_sync = snapshot()
    assert sum(row[2] for row in after_sync[0]) > 0

    order = next(o for o in shop_data(shopify, "orders") if not o["cancelledAt"])
    shopify.call("POST", f"shops/{SHOP}/orders/{number(order['id'])}/cancel")
    deliver("orders/updated", {"id": number(order["id"])})
    work()
    after_change = snapshot()
    assert after_change != after_sync

    refresh.rebuild_everything()
    assert snapshot() == after_change
