"""Every built-in report on a small shop worked out by hand: two stores in two currencies, a
refund, a cancelled order, a guest, a line without a product, carts abandoned and recovered."""

import datetime
from decimal import Decimal

import pytest

from crm.models import Cart, Order
from crm.services import refresh_first_orders
from dashboards import aggregates
from dashboards.models import (
    DailyCartStats,
    DailyOrderStats,
    DailyProductStats,
    MonthlyProductStats,
    StageStats,
    WeeklyProductStats,
)
from dashboards.reports import REGISTRY, Scope
from tests.dashboards.conftest import D1, D2, D3, A, B

pytestmark = pytest.mark.django_db


def run(key, start=D1, end=D3, stores=None):
    return REGISTRY[key](Scope(start, end, stores))


EXPECTED = {
    "total_revenue": {"EUR": Decimal("180"), "SEK": Decimal("1000")},
    "orders": 4,
    "average_order_value": {"EUR": Decimal("60.00"), "SEK": Decimal("1000.00")},
    "revenue_over_time": {
        "EUR": [(D1, Decimal("100")), (D2, Decimal("50")), (D3, Decimal("30"))],
        "SEK": [(D1, Decimal("1000"))],
    },
    "orders_over_time": [(D1, 2), (D2, 1), (D3, 1)],
    # Bo's first order in store A was cancelled: in store B his order is new.
    "new_vs_returning": {"new": 2, "returning": 1, "guests": 1},
    "repeat_purchase_rate": Decimal("0.33"),
    "customer_lifetime_value": {"EUR": Decimal("150.00"), "SEK": Decimal("1000.00")},
    "top_products_revenue": {
        "EUR": [("Mug", Decimal("110")), ("Tee", Decimal("40")), ("Gift card", Decimal("30"))],
        "SEK": [("Tee", Decimal("1000"))],
    },
    "top_products_quantity": {
        "EUR": [("Mug", 3), ("Gift card", 1), ("Tee", 1)],
        "SEK": [("Tee", 3)],
    },
    "abandoned_carts": {
        "EUR": {"count": 1, "value": Decimal("45")},
        "SEK": {"count": 1, "value": Decimal("500")},
    },
    "cart_recovery": {
        "rate": Decimal("0.33"),
        "revenue": {"EUR": Decimal("50"), "SEK": Decimal("0")},
    },
    "orders_by_stage": [
        ("Orders: Open", 1),
        ("Orders: Processed", 2),
        ("Orders: Shipped", 1),
        ("Orders: Cancelled", 1),
    ],
    "revenue_by_store": [(A, "EUR", Decimal("180")), (B, "SEK", Decimal("1000"))],
    "refunds": {"EUR": Decimal("20"), "SEK": Decimal("0")},
}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_every_built_in_report(shop, key):
    assert run(key) == EXPECTED[key]


def test_every_report_is_tested_and_documented():
    assert set(REGISTRY) == set(EXPECTED)
    for report in REGISTRY.values():
        assert report.title and report.description and report.formula
        assert report.chart in {"number", "line", "bar", "pie", "table"}


def test_a_narrower_period_and_one_store(shop):
    assert run("total_revenue", D2, D3, (A,)) == {"EUR": Decimal("80")}
    # Ann's order of D2 is a returning customer's: her first was before the period.
    assert run("new_vs_returning", D2, D3, (A,)) == {"new": 0, "returning": 1, "guests": 1}
    assert run("orders", D2, D2, (B,)) == 0


def test_the_previous_period_is_as_long(shop):
    scope = Scope(D2, D3)
    assert scope.previous() == Scope(datetime.date(2026, 10, 24), D1)
    assert REGISTRY["total_revenue"](scope.previous()) == {
        "EUR": Decimal("100"),
        "SEK": Decimal("1000"),
    }


def rows():
    return {
        "orders": sorted(
            DailyOrderStats.objects.values_list(
                "store",
                "day",
                "currency",
                "orders",
                "cancelled",
                "revenue",
                "refunds",
                "customer_orders",
                "customer_revenue",
                "new_customers",
            )
        ),
        "products": sorted(
            DailyProductStats.objects.values_list(
                "store", "day", "currency", "product_id", "title", "quantity", "revenue"
            )
        ),
        "carts": sorted(
            DailyCartStats.objects.values_list(
                "store",
                "day",
                "currency",
                "abandoned",
                "abandoned_value",
                "recovered",
                "recovered_value",
            )
        ),
        "stages": sorted(StageStats.objects.values_list("store", "stage", "orders")),
        "months": sorted(
            MonthlyProductStats.objects.values_list(
                "store", "month", "title", "quantity", "revenue"
            )
        ),
        "weeks": sorted(
            WeeklyProductStats.objects.values_list(
                "store", "week", "currency", "product_id", "title", "quantity", "revenue"
            )
        ),
    }


def test_rebuilding_days_as_a_sync_touches_them_equals_a_full_rebuild(shop):
    full = rows()
    for model in (
        DailyOrderStats,
        DailyProductStats,
        DailyCartStats,
        StageStats,
        MonthlyProductStats,
        WeeklyProductStats,
    ):
        model.objects.all().delete()

    def sync_batch(store, names):
        """What the sync does after writing a batch of orders."""
        batch = Order.objects.filter(name__in=names)
        ids = list(batch.values_list("pk", flat=True))
        moved = refresh_first_orders(store, batch.values_list("contact_id", flat=True))
        aggregates.rebuild_days(store, aggregates.days_touched(store, order_ids=ids + moved))

    # Ann's D1 order reaches the CRM last (batches come in any order)...
    Order.objects.filter(name="A1").update(source_store="not-yet.myshopify.com")
    Order.objects.filter(source_store=A).update(first_order=False)
    sync_batch(A, ["A2", "A3", "A4"])
    sync_batch(B, ["B1"])
    d2 = DailyOrderStats.objects.get(store=A, day=D2)
    assert d2.new_customers == 1  # for now, A2 looks like Ann's first order
    # ...and when it does, the day of her other order is counted again.
    Order.objects.filter(name="A1").update(source_store=A, first_order=False)
    sync_batch(A, ["A1"])
    for store in (A, B):
        carts = list(Cart.objects.filter(source_store=store).values_list("pk", flat=True))
        aggregates.rebuild_days(store, aggregates.days_touched(store, cart_ids=carts))
        aggregates.rebuild_stages(store)

    assert rows() == full
    assert DailyOrderStats.objects.get(store=A, day=D2).new_customers == 0


EUR_AND_SEK = {
    "EUR": [("Mug", Decimal("110")), ("Tee", Decimal("40")), ("Gift card", Decimal("30"))],
    "SEK": [("Tee", Decimal("1000"))],
}
FIRST_TWO_DAYS = {
    "EUR": [("Mug", Decimal("110")), ("Tee", Decimal("40"))],
    "SEK": [("Tee", Decimal("1000"))],
}


# D1 is a Sunday (the week of Monday 26 October), D2 the Monday after, D3 the Tuesday after.
@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # Whole months only.
        (datetime.date(2026, 10, 1), datetime.date(2026, 11, 30), EUR_AND_SEK),
        # Edge days and months.
        (datetime.date(2026, 10, 15), datetime.date(2026, 12, 31), EUR_AND_SEK),
        # Days only.
        (D1, D2, FIRST_TWO_DAYS),
        # Whole weeks only, one of them across two months.
        (datetime.date(2026, 10, 26), datetime.date(2026, 11, 8), FIRST_TWO_DAYS),
        # Mid-week to mid-week, no whole month: days, the week of D2, days.
        (datetime.date(2026, 10, 28), datetime.date(2026, 11, 12), EUR_AND_SEK),
        # Starting on D2's Monday: its week, then days up to D3.
        (D2, D3, {"EUR": [("Mug", Decimal("50")), ("Gift card", Decimal("30"))]}),
        # Mid-month to mid-month: October whole, then D1, the week of D2, and days to D3.
        (datetime.date(2026, 9, 16), datetime.date(2026, 11, 12), EUR_AND_SEK),
    ],
)
def test_top_products_read_months_weeks_and_days_alike(shop, start, end, expected):
    assert run("top_products_revenue", start, end) == expected


def test_the_two_product_reports_share_one_read_while_a_page_is_drawn(shop):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dashboards import reports

    scope = Scope(datetime.date(2026, 10, 15), datetime.date(2026, 12, 31))
    with CaptureQueriesContext(connection) as alone:
        run("top_products_revenue", scope.start, scope.end)
        run("top_products_quantity", scope.start, scope.end)
    with reports.shared(), CaptureQueriesContext(connection) as together:
        by_revenue = run("top_products_revenue", scope.start, scope.end)
        run("top_products_quantity", scope.start, scope.end)

    assert len(together) * 2 == len(alone)
    assert by_revenue == EXPECTED["top_products_revenue"]


def test_top_products_break_a_tie_at_the_tenth_place_by_title():
    """Seven products sold more, then five sold alike: the tenth place goes by title (the
    database keeps every tied product, so it must not pick among them itself)."""
    ahead = [("Apple", 9), ("Bread", 8), ("Cheese", 7), ("Dates", 6), ("Eggs", 5), ("Figs", 4)]
    ahead.append(("Grapes", 3))
    tied = [("Zucchini", 2), ("Yam", 2), ("Kale", 2), ("Leek", 2), ("Mint", 2)]
    DailyProductStats.objects.bulk_create(
        DailyProductStats(
            store=A,
            day=D1,
            currency="EUR",
            product_id=number,
            title=title,
            quantity=quantity,
            revenue=Decimal("5"),
        )
        for number, (title, quantity) in enumerate(ahead + tied, start=1)
    )

    by_quantity = run("top_products_quantity", D1, D2)["EUR"]
    by_revenue = run("top_products_revenue", D1, D2)["EUR"]

    assert by_quantity == [*ahead, ("Kale", 2), ("Leek", 2), ("Mint", 2)]
    titles = ["Apple", "Bread", "Cheese", "Dates", "Eggs", "Figs", "Grapes", "Kale", "Leek"]
    assert by_revenue == [(title, Decimal("5")) for title in [*titles, "Mint"]]


def test_reports_of_the_same_rows_share_one_read_while_a_page_is_drawn(shop):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dashboards import reports

    with reports.shared(), CaptureQueriesContext(connection) as together:
        values = {key: run(key) for key in REGISTRY}

    # Order sums, day sums, product sales, cart sums, stages.
    assert len(together) == 5
    assert values == EXPECTED
