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
)

TOP = 10


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


def _per_currency(scope: Scope, model, **sums) -> dict[str, dict]:
    rows = (
        scope.filter(model.objects.all())
        .values("currency")
        .annotate(**{name: Sum(field) for name, field in sums.items()})
        .order_by("currency")
    )
    return {row.pop("currency"): row for row in rows}


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
    return {c: row["v"] for c, row in _per_currency(scope, DailyOrderStats, v="revenue").items()}


@report(
    "orders",
    "Orders",
    "How many orders were placed.",
    "number",
    "count of orders, cancelled orders aside",
)
def orders(scope):
    total = scope.filter(DailyOrderStats.objects.all()).aggregate(n=Sum("orders"))["n"]
    return total or 0


@report(
    "average_order_value",
    "Average order value",
    "What an order comes to on average.",
    "number",
    "Σ order totals ÷ number of orders, cancelled orders aside, per currency",
)
def average_order_value(scope):
    rows = _per_currency(scope, DailyOrderStats, revenue="revenue", n="orders")
    return {c: _ratio(row["revenue"], row["n"]) for c, row in rows.items()}


def _series(scope, model, field):
    rows = (
        scope.filter(model.objects.all())
        .values("day", "currency")
        .annotate(v=Sum(field))
        .order_by("day", "currency")
    )
    series = defaultdict(list)
    for row in rows:
        series[row["currency"]].append((row["day"], row["v"]))
    return dict(series)


@report(
    "revenue_over_time",
    "Revenue over time",
    "Revenue per day.",
    "line",
    "per day: Σ order totals, cancelled orders aside, per currency",
)
def revenue_over_time(scope):
    return _series(scope, DailyOrderStats, "revenue")


@report(
    "orders_over_time",
    "Orders over time",
    "Orders per day.",
    "line",
    "per day: count of orders, cancelled orders aside",
)
def orders_over_time(scope):
    rows = (
        scope.filter(DailyOrderStats.objects.all())
        .values("day")
        .annotate(v=Sum("orders"))
        .order_by("day")
    )
    return [(row["day"], row["v"]) for row in rows]


@report(
    "new_vs_returning",
    "New vs returning customers",
    "Whose orders they were.",
    "pie",
    "new: orders that were their contact's first in the store; returning: other orders with a "
    "contact; guests: orders without one",
)
def new_vs_returning(scope):
    totals = scope.filter(DailyOrderStats.objects.all()).aggregate(
        n=Sum("orders"), customer=Sum("customer_orders"), new=Sum("new_customers")
    )
    n, customer, new = (totals[k] or 0 for k in ("n", "customer", "new"))
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
    rows = _per_currency(scope, DailyOrderStats, revenue="customer_revenue", new="new_customers")
    return {c: _ratio(row["revenue"], row["new"]) for c, row in rows.items()}


# While a page is drawn (`shared()`), the two product reports share one read of the sales.
_shared: contextvars.ContextVar[dict | None] = contextvars.ContextVar("shared", default=None)


@contextlib.contextmanager
def shared():
    token = _shared.set({})
    try:
        yield
    finally:
        _shared.reset(token)


def _top_products(scope, field):
    memo = _shared.get()
    if memo is not None and scope in memo:
        totals = memo[scope]
    else:
        totals = _leading_products(scope)
        if memo is not None:
            memo[scope] = totals
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
    """The sales of the scope's products: whole months from the monthly table, the days at
    the edges from the daily one."""
    first_month = scope.start if scope.start.day == 1 else _next_month(scope.start)
    after_months = _next_month(scope.end) if _is_last_day(scope.end) else scope.end.replace(day=1)
    parts = []
    if first_month < after_months:
        monthly = MonthlyProductStats.objects.filter(month__gte=first_month, month__lt=after_months)
        if scope.stores is not None:
            monthly = monthly.filter(store__in=scope.stores)
        parts.append(monthly)
        edges = [(scope.start, first_month), (after_months, scope.end + datetime.timedelta(days=1))]
    else:
        edges = [(scope.start, scope.end + datetime.timedelta(days=1))]
    for start, end in edges:
        if start < end:
            daily = DailyProductStats.objects.filter(day__gte=start, day__lt=end)
            if scope.stores is not None:
                daily = daily.filter(store__in=scope.stores)
            parts.append(daily)
    return parts


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _is_last_day(day: datetime.date) -> bool:
    return (day + datetime.timedelta(days=1)).day == 1


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


@report(
    "abandoned_carts",
    "Abandoned carts",
    "Checkouts started in the period and not completed.",
    "number",
    "count and Σ totals of carts still abandoned, per currency",
)
def abandoned_carts(scope):
    rows = _per_currency(scope, DailyCartStats, n="abandoned", value="abandoned_value")
    return {c: {"count": row["n"], "value": row["value"]} for c, row in rows.items()}


@report(
    "cart_recovery",
    "Cart recovery",
    "How many started checkouts became orders, and what they brought.",
    "number",
    "recovered carts ÷ (recovered + abandoned carts); recovered revenue: Σ totals of the orders "
    "they became, per currency",
)
def cart_recovery(scope):
    rows = _per_currency(
        scope, DailyCartStats, n="abandoned", recovered="recovered", value="recovered_value"
    )
    recovered = sum(row["recovered"] for row in rows.values())
    carts = recovered + sum(row["n"] for row in rows.values())
    return {
        "rate": _ratio(recovered, carts),
        "revenue": {c: row["value"] for c, row in rows.items()},
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
    rows = (
        scope.filter(DailyOrderStats.objects.all())
        .values("store", "currency")
        .annotate(v=Sum("revenue"))
        .order_by("store", "currency")
    )
    return [(row["store"], row["currency"], row["v"]) for row in rows]


@report(
    "refunds",
    "Refunds",
    "What was refunded on the orders placed in the period.",
    "number",
    "Σ refunded amounts, per currency",
)
def refunds(scope):
    return {c: row["v"] for c, row in _per_currency(scope, DailyOrderStats, v="refunds").items()}
