"""Building the report aggregates from the CRM's orders and carts.

`rebuild_days(store, days)` recomputes whole days of one store, so running it twice, or for
days that changed meanwhile, always ends with the rows a full rebuild would give. Days are UTC
dates. An order is a "new customer" order when it is its contact's first (not cancelled) order
in the store: the mark is kept on the order (`Order.first_order`), and whoever changes orders
names the ones whose mark moved, so their days are rebuilt too.
"""

from __future__ import annotations

import datetime

from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Left, TruncDate, TruncMonth, TruncWeek

from crm.fields import ZERO
from crm.models import Cart, CartStatus, Order, OrderLineItem
from dashboards.models import (
    DailyCartStats,
    DailyOrderStats,
    DailyProductStats,
    MonthlyProductStats,
    StageStats,
    WeeklyProductStats,
)

UTC = datetime.UTC
DAYS_PER_STEP = 31
# Over a year of days the database joins all the order lines at once rather than looking up
# each order's: a full rebuild takes about a third less time than in steps of a month.
DAYS_PER_FULL_STEP = 366
ONE_DAY = datetime.timedelta(days=1)


def days_touched(store: str, order_ids=(), cart_ids=()) -> set[datetime.date]:
    """The days whose rows may change when these orders and carts changed."""
    days: set[datetime.date] = set()
    if order_ids:
        # An order's "new customer" mark is kept on it (crm.services.refresh_first_orders),
        # and the sync names the orders whose mark moved: only their days change.
        days |= _days(Order.objects.filter(pk__in=_ids(order_ids)))
    if cart_ids:
        days |= _cart_days(Cart.objects.filter(pk__in=_ids(cart_ids)))
    return days


def _ids(ids):
    """For `pk__in`: the ids go as one array, since preparing and sending ten thousand
    placeholders costs more than looking the rows up."""
    return RawSQL("SELECT unnest(%s::bigint[])", (list(ids),))


# Without order_by(), the models' default ordering would join DISTINCT and make it return
# one row per order (or cart) instead of one per day.
def _days(orders) -> set[datetime.date]:
    return set(
        orders.annotate(day=TruncDate("processed_at", tzinfo=UTC))
        .values_list("day", flat=True)
        .order_by()
        .distinct()
    )


def _cart_days(carts) -> set[datetime.date]:
    return set(
        carts.annotate(day=TruncDate("checkout_started_at", tzinfo=UTC))
        .values_list("day", flat=True)
        .order_by()
        .distinct()
    )


def rebuild_days(store: str, days, days_per_step: int = DAYS_PER_STEP) -> None:
    """In steps of nearby days, a transaction each: a step reads only its days' spans of the
    indexed dates."""
    step: list[datetime.date] = []
    days = sorted(set(days))
    for day in days:
        if step and (len(step) == days_per_step or (day - step[0]).days >= days_per_step):
            _rebuild_step(store, step)
            step = []
        step.append(day)
    if step:
        _rebuild_step(store, step)
    if days:
        # Once for all the steps: a week's or a month's rollup reads every day of it.
        with transaction.atomic():
            _lock(store)
            _roll_up_weeks(store, {_monday(day) for day in days})
            _roll_up_months(store, {day.replace(day=1) for day in days})


def _rebuild_step(store, days):
    with transaction.atomic():
        _lock(store)
        _look_lines_up_by_order()
        _rebuild(store, days)


def _lock(store: str) -> None:
    """One writer of a store's aggregates at a time, until its transaction ends. A refresh job
    and the nightly rebuild (or two refreshes, the second queued while the first ran) each
    delete then insert the same rows: side by side, the second insert would find the first's
    rows and fail on the unique keys."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"aggregates:{store}"])


def _look_lines_up_by_order() -> None:
    """For this transaction, cost a random page read as PostgreSQL's advice for data in
    memory or on SSD does, rather than as a disk seek (the default). Otherwise a step of a
    few days scans every order line in the CRM to join the few it needs, instead of looking
    up each order's lines by index: twice as slow at 1M orders, and the scan grows with the
    history while the lookups do not. Over many days, scanning remains the plan it picks."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL random_page_cost = 1.1")


def rebuild_store(store: str) -> None:
    """Every day of one store: what the nightly rebuild does."""
    days = _days(Order.objects.filter(source_store=store))
    days |= _cart_days(Cart.objects.filter(source_store=store))
    with transaction.atomic():
        _lock(store)
        for model in (DailyOrderStats, DailyProductStats, DailyCartStats):
            model.objects.filter(store=store).exclude(day__in=days).delete()
        weeks = {_monday(day) for day in days}
        WeeklyProductStats.objects.filter(store=store).exclude(week__in=weeks).delete()
        months = {day.replace(day=1) for day in days}
        MonthlyProductStats.objects.filter(store=store).exclude(month__in=months).delete()
    rebuild_days(store, days, days_per_step=DAYS_PER_FULL_STEP)
    rebuild_stages(store)


def rebuild_stages(store: str) -> None:
    """The store's orders per stage, as they are now."""
    rows = (
        Order.objects.filter(source_store=store, pipeline_stage__isnull=False)
        .values(
            "pipeline_stage",
            "pipeline_stage__label",
            "pipeline_stage__display_order",
            "pipeline_stage__pipeline__label",
        )
        .annotate(n=Count("id"))
        .order_by()
    )
    with transaction.atomic():
        _lock(store)
        StageStats.objects.filter(store=store).delete()
        StageStats.objects.bulk_create(
            StageStats(
                store=store,
                stage_id=row["pipeline_stage"],
                pipeline=row["pipeline_stage__pipeline__label"],
                stage=row["pipeline_stage__label"],
                position=row["pipeline_stage__display_order"],
                orders=row["n"],
            )
            for row in rows
        )


def stores() -> list[str]:
    found = set(Order.objects.order_by().values_list("source_store", flat=True).distinct())
    found |= set(Cart.objects.order_by().values_list("source_store", flat=True).distinct())
    found |= set(DailyOrderStats.objects.values_list("store", flat=True).distinct())
    return sorted(found)


def _rebuild(store: str, days: list[datetime.date]) -> None:
    for model in (DailyOrderStats, DailyProductStats, DailyCartStats):
        model.objects.filter(store=store, day__in=days).delete()
    _insert(DailyOrderStats, *_order_rows(store, days))
    _insert(DailyProductStats, *_product_rows(store, days))
    _insert(DailyCartStats, *_cart_rows(store, days))


def _insert(model, rows, fields: dict[str, str]) -> None:
    """INSERT … SELECT: the rows go from the query into the table without passing through
    Python (a month of one store's product sales is tens of thousands of rows). `fields`
    names, for each of the model's fields, what of `rows` it takes."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    sql, params = rows.values_list(*fields.values()).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({columns}) {sql}", params)


def _roll_up_weeks(store: str, weeks: set[datetime.date]) -> None:
    _roll_up(store, WeeklyProductStats, "week", TruncWeek, weeks, _next_week)


def _roll_up_months(store: str, months: set[datetime.date]) -> None:
    _roll_up(store, MonthlyProductStats, "month", TruncMonth, months, _next_month)


def _roll_up(store, model, period: str, truncate, starts, following) -> None:
    """The daily product rows added up per `period` (the model's date field) for the periods
    that begin on `starts`."""
    model.objects.filter(store=store, **{f"{period}__in": starts}).delete()
    # The periods as spans of days (consecutive periods make one), which the index on day
    # reads (a filter on the truncated date would read every day of the store, and mislead
    # the planner's estimates).
    spans = Q()
    for first, after in _runs(starts, following):
        spans |= Q(day__gte=first, day__lt=after)
    rows = (
        DailyProductStats.objects.filter(spans, store=store)
        .annotate(**{period: truncate("day")})
        .values("store", period, "currency", "product_id", "title")
        .annotate(n=Sum("quantity"), amount=Sum("revenue"))
        .order_by()
    )
    fields = {name: name for name in ("store", period, "currency", "product_id", "title")}
    _insert(model, rows, {**fields, "quantity": "n", "revenue": "amount"})


def _monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def _next_week(monday: datetime.date) -> datetime.date:
    return monday + datetime.timedelta(days=7)


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _on_days(field: str, days) -> Q:
    """A timestamp on one of the days, as spans of the timestamp (consecutive days make one):
    its index reads them, and the planner estimates them well, which it cannot do with a
    filter on the truncated date."""
    matched = Q()
    for first, after in _runs(days):
        matched |= Q(**{f"{field}__gte": _midnight(first), f"{field}__lt": _midnight(after)})
    return matched


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=UTC)


def _runs(starts, following=lambda day: day + ONE_DAY) -> list[tuple]:
    """Days (or weeks, or months, with `following`) as runs of consecutive ones: (the first's
    start, the start of the one after the last)."""
    runs: list[tuple] = []
    for start in sorted(set(starts)):
        if runs and runs[-1][1] == start:
            runs[-1] = (runs[-1][0], following(start))
        else:
            runs.append((start, following(start)))
    return runs


def _order_rows(store, days):
    live = Q(cancelled_at__isnull=True)
    customer = live & Q(contact__isnull=False)
    rows = (
        Order.objects.filter(_on_days("processed_at", days), source_store=store)
        .annotate(day=TruncDate("processed_at", tzinfo=UTC))
        .values("source_store", "day", "currency")
        .annotate(
            n=Count("id", filter=live),
            n_cancelled=Count("id", filter=~live),
            sum_revenue=Sum("total", filter=live, default=ZERO),
            sum_refunds=Sum("refunded", default=ZERO),
            n_customer=Count("id", filter=customer),
            sum_customer=Sum("total", filter=customer, default=ZERO),
            n_new=Count("id", filter=customer & Q(first_order=True)),
        )
        .order_by()
    )
    return rows, {
        "store": "source_store",
        "day": "day",
        "currency": "currency",
        "orders": "n",
        "cancelled": "n_cancelled",
        "revenue": "sum_revenue",
        "refunds": "sum_refunds",
        "customer_orders": "n_customer",
        "customer_revenue": "sum_customer",
        "new_customers": "n_new",
    }


def _product_rows(store, days):
    rows = (
        OrderLineItem.objects.filter(
            _on_days("order__processed_at", days),
            order__source_store=store,
            order__cancelled_at__isnull=True,
        )
        .annotate(
            day=TruncDate("order__processed_at", tzinfo=UTC),
            product_key=Coalesce("product_id", 0),
            label=Left(Coalesce("product__name", "title"), 255),
        )
        .values("order__source_store", "day", "order__currency", "product_key", "label")
        .annotate(n=Sum("quantity", default=0), amount=Sum("total", default=ZERO))
        .order_by()
    )
    return rows, {
        "store": "order__source_store",
        "day": "day",
        "currency": "order__currency",
        "product_id": "product_key",
        "title": "label",
        "quantity": "n",
        "revenue": "amount",
    }


def _cart_rows(store, days):
    abandoned = Q(status=CartStatus.ABANDONED)
    recovered = Q(status=CartStatus.RECOVERED)
    rows = (
        Cart.objects.filter(_on_days("checkout_started_at", days), source_store=store)
        .annotate(day=TruncDate("checkout_started_at", tzinfo=UTC))
        .values("source_store", "day", "currency")
        .annotate(
            n_abandoned=Count("id", filter=abandoned),
            sum_abandoned=Sum("total", filter=abandoned, default=ZERO),
            n_recovered=Count("id", filter=recovered),
            sum_recovered=Sum(F("recovered_order__total"), filter=recovered, default=ZERO),
        )
        .order_by()
    )
    return rows, {
        "store": "source_store",
        "day": "day",
        "currency": "currency",
        "abandoned": "n_abandoned",
        "abandoned_value": "sum_abandoned",
        "recovered": "n_recovered",
        "recovered_value": "sum_recovered",
    }
