"""Computing a custom report: count, sum or average of orders or carts (their total, or a
number custom property), grouped by time, stage, store, status or an enumeration property,
filtered like the index pages. Sums and averages of totals stay per currency.

These read the CRM's tables directly; the filters and groupings use indexed columns
(processed_at, source_store, pipeline_stage, status) so they stay fast."""

from __future__ import annotations

import datetime

from django.db.models import Avg, Count, DecimalField, F, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, TruncDay, TruncMonth, TruncWeek

from crm import properties as crm_properties
from crm.models import Cart, Order
from crm.views.filters import CartFilters, OrderFilters

PROPERTY = "properties."
TIME = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}
MEASURES = {"count": Count, "sum": Sum, "avg": Avg}


def group_choices(object_type: str) -> list[tuple[str, str]]:
    choices = [("day", "Day"), ("week", "Week"), ("month", "Month"), ("store", "Store")]
    choices += [("stage", "Pipeline stage")] if object_type == "orders" else []
    choices += [("status", "Status")]
    kind = "order" if object_type == "orders" else "cart"
    choices += [
        (f"{PROPERTY}{d.internal_name}", d.label)
        for d in crm_properties.definitions(kind)
        if d.type == "enumeration"
    ]
    return choices


def field_choices(object_type: str) -> list[tuple[str, str]]:
    kind = "order" if object_type == "orders" else "cart"
    return [("total", "Total")] + [
        (f"{PROPERTY}{d.internal_name}", d.label)
        for d in crm_properties.definitions(kind)
        if d.type == "number"
    ]


def compute(report, scope=None) -> list[tuple]:
    """Rows of (group, [currency,] value), in group order. On a dashboard, `scope`
    (reports.Scope) narrows the report to the dashboard's days and stores, on top of the
    report's own filters."""
    orders = report.object_type == "orders"
    model = Order if orders else Cart
    kind = "order" if orders else "cart"
    definitions = crm_properties.definitions(kind)
    if orders:
        filters = OrderFilters(report.filters or None, properties=definitions)
    else:
        filters = CartFilters(report.filters or None, model=Cart, properties=definitions)
    queryset = model.objects.all()
    if filters.is_bound:
        queryset = filters.apply(queryset)
    if scope is not None:
        queryset = _within(queryset, scope, orders)
    group = _group(report.group_by, orders)
    queryset = queryset.annotate(group=group)
    keys = ["group"]
    value = _measure(report)
    if report.measure != "count" and report.field == "total":
        keys.append("currency")  # amounts are never added across currencies
    rows = queryset.exclude(group=None).values(*keys).annotate(value=value).order_by(*keys)
    return [tuple(row[key] for key in keys) + (_round(row["value"]),) for row in rows]


def _date_field(orders: bool) -> str:
    return "processed_at" if orders else "checkout_started_at"


def _within(queryset, scope, orders: bool):
    """The records of the scope's days (UTC, as the dashboard's other reports count them) and
    stores."""
    start = datetime.datetime.combine(scope.start, datetime.time.min, tzinfo=datetime.UTC)
    end = datetime.datetime.combine(
        scope.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.UTC
    )
    field = _date_field(orders)
    queryset = queryset.filter(**{f"{field}__gte": start, f"{field}__lt": end})
    if scope.stores is not None:
        queryset = queryset.filter(source_store__in=scope.stores)
    return queryset


def _group(group_by: str, orders: bool):
    date_field = _date_field(orders)
    if group_by in TIME:
        return TIME[group_by](date_field, tzinfo=datetime.UTC)
    if group_by == "store":
        return F("source_store")
    if group_by == "stage" and orders:
        return F("pipeline_stage__label")
    if group_by == "status":
        return F("financial_status" if orders else "status")
    if group_by.startswith(PROPERTY):
        return KeyTextTransform(group_by.removeprefix(PROPERTY), "properties")
    raise ValueError(f"Cannot group by {group_by!r}")


def _measure(report):
    if report.measure == "count":
        return Count("id")
    if report.field == "total":
        target = "total"
    else:
        name = report.field.removeprefix(PROPERTY)
        target = Cast(
            KeyTextTransform(name, "properties"),
            output_field=DecimalField(max_digits=30, decimal_places=6),
        )
    return MEASURES[report.measure](target)


def _round(value):
    if value is None or isinstance(value, int):
        return value
    return value.quantize(type(value)("0.01")) if hasattr(value, "quantize") else value
