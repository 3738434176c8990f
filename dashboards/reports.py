"""The built-in e-commerce reports: each with a key, a title, what it shows, its chart, and the
formula it computes — from the aggregate tables only. Amounts are per currency, never summed
across currencies; counts may be."""

from __future__ import annotations

import contextlib
import contextvars
import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Sum

from dashboards.models import (
    DailyCartStats,
    DailyOrderStats,
    DailyProductStats,
    MonthlyProductStats,
    StageStats,
    WeeklyProductStats,
)

TOP = 10
ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Scope:
    """Which data a report reads: the days from `start` to `end` (inclusive, UTC) and the
    stores (None: all)."""

    start: datetime.date
    end: datetime.date
    stores: tuple[str, ...] | None = None

    def filter(self, queryset, dated: bool = True):
        if dated:
            queryset = queryset.filter(day__gte=self.start, day__lte=self.end)
        if self.stores is not None:
            queryset = queryset.filter(store__in=self.stores)
        return queryset

    def previous(self) -> Scope:
        """The period just before, as long as this one (for comparisons)."""
        length = self.end - self.start + datetime.timedelta(days=1)
        return Scope(self.start - length, self.start - datetime.timedelta(days=1), self.stores)


@dataclass(frozen=True)
class Report:
    key: str
    title: str
    description: str
    chart: str  # "number", "line", "bar", "pie" or "table"
    formula: str
    compute: object
    # Templates read a report's fields; they must not call it.
    do_not_call_in_templates = True

    def __call__(self, scope: Scope):
        return self.compute(scope)


REGISTRY: dict[str, Report] = {}


def report(key, title, description, chart, formula):
    def register(function):
        REGISTRY[key] = Report(key, title, description, chart, formula, function)
        return function

    return register


# While a page is drawn (`shared()`), the reports that read the same rows share one read.
_shared: contextvars.ContextVar[dict | None] = contextvars.ContextVar("shared", default=None)


@contextlib.contextmanager
def shared():
    token = _shared.set({})
    try:
        yield
    finally:
        _shared.reset(token)


def _once(read, scope):
    """`read(scope)`, done once for all the reports of a page while it is drawn."""
    memo = _shared.get()
    if memo is None:
        return read(scope)
    if (read, scope) not in memo:
        memo[read, scope] = read(scope)
    return memo[read, scope]


ORDER_SUMS = (
    "orders",
    "revenue",
    "refunds",
    "customer_orders",
    "customer_revenue",
    "new_customers",
)


def _order_sums(scope) -> list[dict]:
    """Per store and currency (in that order), the sums of the daily order rows: every
    order report takes its numbers from them."""
    rows = (
        scope.filter(DailyOrderStats.objects.all())
        .values("store", "currency")
        .annotate(**{f"sum_{name}": Sum(name) for name in ORDER_SUMS})
        .order_by("store", "currency")
    )
    return [
        {"store": row["store"], "currency": row["currency"]}
        | {name: row[f"sum_{name}"] for name in ORDER_SUMS}
        for row in rows
    ]


def _orders_per_currency(scope) -> dict[str, dict]:
    totals: dict[str, dict] = {}
    for row in _once(_order_sums, scope):
        current = totals.setdefault(row["currency"], dict.fromkeys(ORDER_SUMS, 0))
        for name in ORDER_SUMS:
            current[name] += row[name]
    return dict(sorted(totals.items()))


def _orders_in_all(scope) -> dict:
    rows = _once(_order_sums, scope)
    return {name: sum(row[name] for row in rows) for name in ORDER_SUMS}


def _ratio(numerator, denominator):
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.01"))


@report(
    "total_revenue",
    "Total revenue",
    "What the orders placed in the period came to.",
    "number",
    "Σ order totals, cancelled orders aside, per currency",
)
def total_revenue(scope):
    return {c: row["revenue"] for c, row in _orders_per_currency(scope).items()}


@report(
    "orders",
    "Orders",
    "How many orders were placed.",
    "number",
    "count of orders, cancelled orders aside",
)
def orders(scope):
    return _orders_in_all(scope)["orders"]


@report(
    "average_order_value",
    "Average order value",
    "What an order comes to on average.",
    "number",
    "Σ order totals ÷ number of orders, cancelled orders aside, per currency",
)
def average_order_value(scope):
    rows = _orders_per_currency(scope)
    return {c: _ratio(row["revenue"], row["orders"]) for c, row in rows.items()}


def _day_sums(scope) -> list[dict]:
    """Per day and currency (in that order), revenue and orders."""
    return list(
        scope.filter(DailyOrderStats.objects.all())
        .values("day", "currency")
        .annotate(sum_revenue=Sum("revenue"), sum_orders=Sum("orders"))
        .order_by("day", "currency")
    )


@report(
    "revenue_over_time",
    "Revenue over time",
    "Revenue per day.",
    "line",
    "per day: Σ order totals, cancelled orders aside, per currency",
)
def revenue_over_time(scope):
    series = defaultdict(list)
    for row in _once(_day_sums, scope):
        series[row["currency"]].append((row["day"], row["sum_revenue"]))
    return dict(series)


@report(
    "orders_over_time",
    "Orders over time",
    "Orders per day.",
    "line",
    "per day: count of orders, cancelled orders aside",
)
def orders_over_time(scope):
    per_day: dict[datetime.date, int] = {}
    for row in _once(_day_sums, scope):
        per_day[row["day"]] = per_day.get(row["day"], 0) + row["sum_orders"]
    return list(per_day.items())


@report(
    "new_vs_returning",
    "New vs returning customers",
    "Whose orders they were.",
    "pie",
    "new: orders that were their contact's first in the store; returning: other orders with a "
    "contact; guests: orders without one",
)
def new_vs_returning(scope):
    totals = _orders_in_all(scope)
    n, customer, new = (totals[k] for k in ("orders", "customer_orders", "new_customers"))
    return {"new": new, "returning": customer - new, "guests": n - customer}


@report(
    "repeat_purchase_rate",
    "Repeat purchase rate",
    "How many orders came from customers who had ordered before.",
    "number",
    "returning-customer orders ÷ orders with a contact",
)
def repeat_purchase_rate(scope):
    mix = new_vs_returning(scope)
    return _ratio(mix["returning"], mix["new"] + mix["returning"])


@report(
    "customer_lifetime_value",
    "Customer lifetime value",
    "Revenue per customer won in the period.",
    "number",
    "Σ totals of orders with a contact ÷ new customers, per currency",
)
def customer_lifetime_value(scope):
    rows = _orders_per_currency(scope)
    return {c: _ratio(row["customer_revenue"], row["new_customers"]) for c, row in rows.items()}


def _top_products(scope, field):
    totals = _once(_leading_products, scope)
    index = 0 if field == "quantity" else 1
    top = defaultdict(list)
    for (currency, _, title), values in sorted(
        totals.items(), key=lambda item: (item[0][0], -item[1][index], item[0][2])
    ):
        if len(top[currency]) < TOP:
            top[currency].append((title, values[index]))
    return dict(top)


# The database adds up the sales per product and keeps, per currency, the products that can
# be among the first TOP by quantity or by revenue: RANK() gives tied products the same rank,
# so a tie at the tenth place keeps every product in it (the caller breaks ties by title).
LEADING_PRODUCTS = """
SELECT currency, product_id, title, quantity, revenue FROM (
    SELECT currency, product_id, title, SUM(quantity) AS quantity, SUM(revenue) AS revenue,
        RANK() OVER (PARTITION BY currency ORDER BY SUM(quantity) DESC) AS by_quantity,
        RANK() OVER (PARTITION BY currency ORDER BY SUM(revenue) DESC) AS by_revenue
    FROM ({sales}) AS sales
    GROUP BY currency, product_id, title
) AS totals
WHERE by_quantity <= %s OR by_revenue <= %s
"""


def _leading_products(scope) -> dict[tuple, list]:
    """(currency, product, title) → [quantity, revenue] of the products that can be among
    the first TOP by quantity or by revenue, in one query."""
    parts = [
        part.values("currency", "product_id", "title", "quantity", "revenue")
        for part in _product_sales(scope)
    ]
    sales, params = parts[0].union(*parts[1:], all=True).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(LEADING_PRODUCTS.format(sales=sales), (*params, TOP, TOP))
        rows = cursor.fetchall()
    # str(): SQLite sums decimals as floats.
    return {
        (currency, product, title): [quantity, Decimal(str(revenue))]
        for currency, product, title, quantity, revenue in rows
    }


def _product_sales(scope) -> list:
    """The sales of the scope's products from the fewest rows: whole months from the monthly
    table, whole weeks at the edges from the weekly one, and the days left from the daily."""
    months, edges = _whole(scope.start, scope.end + ONE_DAY, _month_of, _next_month)
    parts = []
    if months:
        parts.append(MonthlyProductStats.objects.filter(month__gte=months[0], month__lt=months[1]))
    for start, after in edges:
        weeks, days = _whole(start, after, _monday_of, _next_week)
        if weeks:
            parts.append(WeeklyProductStats.objects.filter(week__gte=weeks[0], week__lt=weeks[1]))
        parts += [DailyProductStats.objects.filter(day__gte=a, day__lt=b) for a, b in days]
    if scope.stores is not None:
        parts = [part.filter(store__in=scope.stores) for part in parts]
    return parts


def _whole(start, after, period_of, following):
    """The periods (months or weeks) wholly within the days from `start` to before `after`,
    as (first period's start, the start after the last) or None; and the spans of days left
    at either side."""
    first = start if period_of(start) == start else following(period_of(start))
    last = period_of(after)
    if first >= last:
        return None, [(start, after)]
    return (first, last), [(a, b) for a, b in ((start, first), (last, after)) if a < b]


def _month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def _next_week(monday: datetime.date) -> datetime.date:
    return monday + datetime.timedelta(days=7)


@report(
    "top_products_revenue",
    "Top products by revenue",
    "The ten products that brought the most.",
    "bar",
    "per product: Σ line totals of orders not cancelled, per currency",
)
def top_products_revenue(scope):
    return _top_products(scope, "revenue")


@report(
    "top_products_quantity",
    "Top products by quantity",
    "The ten products sold the most.",
    "bar",
    "per product: Σ quantities on orders not cancelled",
)
def top_products_quantity(scope):
    return _top_products(scope, "quantity")


CART_SUMS = ("abandoned", "abandoned_value", "recovered", "recovered_value")


def _cart_sums(scope) -> dict[str, dict]:
    """Per currency (in order), the sums of the daily cart rows."""
    rows = (
        scope.filter(DailyCartStats.objects.all())
        .values("currency")
        .annotate(**{f"sum_{name}": Sum(name) for name in CART_SUMS})
        .order_by("currency")
    )
    return {row["currency"]: {name: row[f"sum_{name}"] for name in CART_SUMS} for row in rows}


@report(
    "abandoned_carts",
    "Abandoned carts",
    "Checkouts started in the period and not completed.",
    "number",
    "count and Σ totals of carts still abandoned, per currency",
)
def abandoned_carts(scope):
    return {
        c: {"count": row["abandoned"], "value": row["abandoned_value"]}
        for c, row in _once(_cart_sums, scope).items()
    }


@report(
    "cart_recovery",
    "Cart recovery",
    "How many started checkouts became orders, and what they brought.",
    "number",
    "recovered carts ÷ (recovered + abandoned carts); recovered revenue: Σ totals of the orders "
    "they became, per currency",
)
def cart_recovery(scope):
    rows = _once(_cart_sums, scope)
    recovered = sum(row["recovered"] for row in rows.values())
    carts = recovered + sum(row["abandoned"] for row in rows.values())
    return {
        "rate": _ratio(recovered, carts),
        "revenue": {c: row["recovered_value"] for c, row in rows.items()},
    }


@report(
    "orders_by_stage",
    "Orders by pipeline stage",
    "Where the orders are now.",
    "bar",
    "per stage: count of orders in it now (whatever the period)",
)
def orders_by_stage(scope):
    rows = (
        scope.filter(StageStats.objects.all(), dated=False)
        .values("pipeline", "stage", "position")
        .annotate(n=Sum("orders"))
        .order_by("pipeline", "position", "stage")
    )
    return [(f"{row['pipeline']}: {row['stage']}", row["n"]) for row in rows]


@report(
    "revenue_by_store",
    "Revenue by store",
    "What each store brought.",
    "bar",
    "per store: Σ order totals, cancelled orders aside, per currency",
)
def revenue_by_store(scope):
    return [(row["store"], row["currency"], row["revenue"]) for row in _once(_order_sums, scope)]


@report(
    "refunds",
    "Refunds",
    "What was refunded on the orders placed in the period.",
    "number",
    "Σ refunded amounts, per currency",
)
def refunds(scope):
    return {c: row["refunds"] for c, row in _orders_per_currency(scope).items()}
