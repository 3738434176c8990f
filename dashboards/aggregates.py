"""Building the report aggregates from the CRM's orders and carts.

`rebuild_days(store, days)` recomputes whole days of one store, so running it twice, or for
days that changed meanwhile, always ends with the rows a full rebuild would give. Days are UTC
dates. An order is a "new customer" order when it is its contact's first (not cancelled) order
in the store: the mark is kept on the order (`Order.first_order`), and whoever changes orders
names the ones whose mark moved, so their days are rebuilt too.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce, TruncDate, TruncMonth

from crm.fields import ZERO
from crm.models import Cart, CartStatus, Order, OrderLineItem
from dashboards.models import (
    DailyCartStats,
    DailyOrderStats,
    DailyProductStats,
    MonthlyProductStats,
    StageStats,
)

UTC = datetime.UTC
DAYS_PER_STEP = 31


def days_touched(store: str, order_ids=(), cart_ids=()) -> set[datetime.date]:
    """The days whose rows may change when these orders and carts changed."""
    days: set[datetime.date] = set()
    if order_ids:
        # An order's "new customer" mark is kept on it (crm.services.refresh_first_orders),
        # and the sync names the orders whose mark moved: only their days change.
        days |= _days(Order.objects.filter(pk__in=list(order_ids)))
    if cart_ids:
        days |= set(
            Cart.objects.filter(pk__in=list(cart_ids))
            .annotate(day=TruncDate("checkout_started_at", tzinfo=UTC))
            .values_list("day", flat=True)
            .distinct()
        )
    return days


def _days(orders) -> set[datetime.date]:
    return set(
        orders.annotate(day=TruncDate("processed_at", tzinfo=UTC))
        .values_list("day", flat=True)
        .distinct()
    )


def rebuild_days(store: str, days) -> None:
    """In steps of nearby days: each step reads one short span of the indexed dates."""
    step: list[datetime.date] = []
    days = sorted(set(days))
    for day in days:
        if step and (len(step) == DAYS_PER_STEP or (day - step[0]).days >= DAYS_PER_STEP):
            _rebuild_step(store, step)
            step = []
        step.append(day)
    if step:
        _rebuild_step(store, step)
    if days:
        # Once for all the steps: a month's rollup reads every day of it.
        with transaction.atomic():
            _roll_up_months(store, {day.replace(day=1) for day in days})


def _rebuild_step(store, days):
    with transaction.atomic():
        _rebuild(store, days)


def rebuild_store(store: str) -> None:
    """Every day of one store: what the nightly rebuild does."""
    days = _days(Order.objects.filter(source_store=store))
    days |= set(
        Cart.objects.filter(source_store=store)
        .annotate(day=TruncDate("checkout_started_at", tzinfo=UTC))
        .values_list("day", flat=True)
        .distinct()
    )
    with transaction.atomic():
        for model in (DailyOrderStats, DailyProductStats, DailyCartStats):
            model.objects.filter(store=store).exclude(day__in=days).delete()
        months = {day.replace(day=1) for day in days}
        MonthlyProductStats.objects.filter(store=store).exclude(month__in=months).delete()
    rebuild_days(store, days)
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
    DailyOrderStats.objects.bulk_create(_order_rows(store, days))
    DailyProductStats.objects.bulk_create(_product_rows(store, days))
    DailyCartStats.objects.bulk_create(_cart_rows(store, days))


def _roll_up_months(store: str, months: set[datetime.date]) -> None:
    MonthlyProductStats.objects.filter(store=store, month__in=months).delete()
    rows = (
        DailyProductStats.objects.filter(store=store)
        .annotate(month=TruncMonth("day"))
        .filter(month__in=months)
        .values("month", "currency", "product_id", "title")
        .annotate(n=Sum("quantity"), amount=Sum("revenue"))
        .order_by()
    )
    MonthlyProductStats.objects.bulk_create(
        MonthlyProductStats(
            store=store,
            month=row["month"],
            currency=row["currency"],
            product_id=row["product_id"],
            title=row["title"],
            quantity=row["n"],
            revenue=row["amount"],
        )
        for row in rows
    )


def _within(field: str, days: list[datetime.date]) -> Q:
    """The days' time span, so the indexed column bounds the scan (the day filter then
    keeps only the days asked for)."""
    start = datetime.datetime.combine(min(days), datetime.time.min, tzinfo=UTC)
    end = datetime.datetime.combine(max(days), datetime.time.min, tzinfo=UTC)
    return Q(**{f"{field}__gte": start, f"{field}__lt": end + datetime.timedelta(days=1)})


def _order_rows(store, days):
    live = Q(cancelled_at__isnull=True)
    customer = live & Q(contact__isnull=False)
    rows = (
        Order.objects.filter(_within("processed_at", days), source_store=store)
        .annotate(day=TruncDate("processed_at", tzinfo=UTC))
        .filter(day__in=days)
        .values("day", "currency")
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
    return [
        DailyOrderStats(
            store=store,
            day=row["day"],
            currency=row["currency"],
            orders=row["n"],
            cancelled=row["n_cancelled"],
            revenue=row["sum_revenue"],
            refunds=row["sum_refunds"],
            customer_orders=row["n_customer"],
            customer_revenue=row["sum_customer"],
            new_customers=row["n_new"],
        )
        for row in rows
    ]


def _product_rows(store, days):
    rows = (
        OrderLineItem.objects.filter(
            _within("order__processed_at", days),
            order__source_store=store,
            order__cancelled_at__isnull=True,
        )
        .annotate(
            day=TruncDate("order__processed_at", tzinfo=UTC),
            product_key=Coalesce("product_id", 0),
            label=Coalesce("product__name", "title"),
        )
        .filter(day__in=days)
        .values("day", "order__currency", "product_key", "label")
        .annotate(n=Sum("quantity"), amount=Sum("total", default=ZERO))
        .order_by()
    )
    return [
        DailyProductStats(
            store=store,
            day=row["day"],
            currency=row["order__currency"],
            product_id=row["product_key"],
            title=row["label"][:255],
            quantity=row["n"] or 0,
            revenue=row["amount"],
        )
        for row in rows
    ]


def _cart_rows(store, days):
    abandoned = Q(status=CartStatus.ABANDONED)
    recovered = Q(status=CartStatus.RECOVERED)
    rows = (
        Cart.objects.filter(_within("checkout_started_at", days), source_store=store)
        .annotate(day=TruncDate("checkout_started_at", tzinfo=UTC))
        .filter(day__in=days)
        .values("day", "currency")
        .annotate(
            n_abandoned=Count("id", filter=abandoned),
            sum_abandoned=Sum("total", filter=abandoned, default=ZERO),
            n_recovered=Count("id", filter=recovered),
            sum_recovered=Sum(F("recovered_order__total"), filter=recovered, default=ZERO),
        )
        .order_by()
    )
    return [
        DailyCartStats(
            store=store,
            day=row["day"],
            currency=row["currency"],
            abandoned=row["n_abandoned"],
            abandoned_value=row["sum_abandoned"],
            recovered=row["n_recovered"],
            recovered_value=row["sum_recovered"],
        )
        for row in rows
    ]
