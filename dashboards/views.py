"""Dashboards: the list, "Create an e-commerce dashboard", the page with its charts, editing,
and each report's data as CSV."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from crm import csv_export
from crm.inputs import FIRST_DAY, LAST_DAY, is_whole_number
from crm.views.access import staff_required
from dashboards import csv_columns, custom, display, reports
from dashboards.models import (
    CustomReport,
    DailyOrderStats,
    Dashboard,
    DashboardAccess,
    DashboardReport,
)
from dashboards.reports import REGISTRY, Scope

RANGES = {"30d": ("Last 30 days", 30), "90d": ("Last 90 days", 90), "12m": ("Last 12 months", 365)}
HEADLINES = ("total_revenue", "orders", "average_order_value", "refunds")


def _visible(user):
    return Dashboard.visible_to(user)


def _stores() -> list[str]:
    """The stores with orders, as the aggregates know them: a DISTINCT over the orders
    themselves reads every order."""
    return list(
        DailyOrderStats.objects.order_by("store").values_list("store", flat=True).distinct()
    )


@staff_required
def index(request):
    return render(
        request,
        "dashboards/list.html",
        {"title": "Dashboards", "dashboards": _visible(request.user).select_related("owner")},
    )


class CreateForm(forms.Form):
    name = forms.CharField(max_length=255, initial="E-commerce")
    access = forms.ChoiceField(choices=DashboardAccess.choices, initial=DashboardAccess.VIEW)
    reports = forms.MultipleChoiceField(
        choices=[(key, report.title) for key, report in REGISTRY.items()],
        widget=forms.CheckboxSelectMultiple,
        initial=list(REGISTRY),
        error_messages={"required": "Keep at least one report."},
    )
    # The store the dashboard shows (empty: every store), one the reports know.
    store = forms.ChoiceField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].choices = [("", "Every store"), *((s, s) for s in _stores())]


@staff_required
def create(request):
    store = request.GET.get("store", "")
    form = CreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            dashboard = Dashboard.objects.create(
                name=form.cleaned_data["name"],
                access=form.cleaned_data["access"],
                owner=request.user,
                store=form.cleaned_data["store"],
            )
            chosen = [key for key in REGISTRY if key in form.cleaned_data["reports"]]
            DashboardReport.objects.bulk_create(
                DashboardReport(dashboard=dashboard, report_key=key, position=index)
                for index, key in enumerate(chosen)
            )
        messages.success(request, f"The dashboard {dashboard} is created.")
        return redirect("dashboards:page", dashboard.pk)
    return render(
        request,
        "dashboards/create.html",
        {
            "title": "Create an e-commerce dashboard",
            "form": form,
            "store": store,
            "reports": REGISTRY.values(),
        },
    )


def _plausible(start: datetime.date, end: datetime.date) -> bool:
    """A range of days there are orders in, and a previous period as long before it (the
    reports compare with it: year 1 has none)."""
    return start >= FIRST_DAY and end <= LAST_DAY


def _scope(request, dashboard) -> tuple[Scope, dict]:
    today = timezone.now().date()
    key = request.GET.get("range", "30d")
    start = end = None
    if key == "custom":
        try:
            start = datetime.date.fromisoformat(request.GET.get("start", "")[:10])
            end = datetime.date.fromisoformat(request.GET.get("end", "")[:10])
        except ValueError:
            start = end = None
        if start is None or end is None or start > end or not _plausible(start, end):
            key = "30d"
    if key != "custom":
        key = key if key in RANGES else "30d"
        end, start = today, today - datetime.timedelta(days=RANGES[key][1] - 1)
    store = request.GET.get("store", dashboard.store)[:255]
    stores = (store,) if store else None
    return Scope(start, end, stores), {"range": key, "start": start, "end": end, "store": store}


@staff_required
def page(request, dashboard_id):
    dashboard = get_object_or_404(Dashboard, pk=dashboard_id)
    if not dashboard.can_view(request.user):
        raise Http404("No such dashboard")
    scope, chosen = _scope(request, dashboard)
    with reports.shared():
        cards = _cards(dashboard, scope)
    return render(
        request,
        "dashboards/page.html",
        {
            "title": dashboard.name,
            "dashboard": dashboard,
            "cards": cards,
            "chosen": chosen,
            "ranges": [(key, label) for key, (label, _) in RANGES.items()],
            "stores": _stores(),
            "can_edit": dashboard.can_edit(request.user),
            "query": request.GET.urlencode(),
        },
    )


def _cards(dashboard, scope) -> list[dict]:
    previous = scope.previous()
    cards = []
    customs = {
        f"custom:{r.pk}": r
        for r in CustomReport.objects.filter(
            pk__in=[
                int(item.report_key.removeprefix("custom:"))
                for item in dashboard.reports.all()
                if item.report_key.startswith("custom:")
                and is_whole_number(item.report_key.removeprefix("custom:"))
            ]
        )
    }
    for item in dashboard.reports.all():
        if item.report_key in customs:
            built = customs[item.report_key]
            rows = custom.compute(built, scope)
            cards.append(
                {
                    "report": built,
                    "chart": _custom_chart(built, rows),
                    "lines": [display.Line(*display.custom_cells(built, r)) for r in rows],
                    "custom": True,
                }
            )
            continue
        report = REGISTRY.get(item.report_key)
        if report is None:
            continue
        value = report(scope)
        changes = _changes(value, report(previous)) if report.key in HEADLINES else {}
        chart = _chart(report, value)
        cards.append(
            {
                "report": report,
                "chart": chart,
                # Numbers are shown as lines; a chart's points are in the chart (and the CSV).
                "lines": [] if chart else display.lines(report.key, value, changes),
            }
        )
    return cards


def _changes(now, before) -> dict:
    """Per currency (or overall): the change from the previous period, in percent."""
    if isinstance(now, dict):
        return {key: _percent(value, (before or {}).get(key)) for key, value in now.items()}
    return {"": _percent(now, before)}


def _percent(now, before):
    if now is None or not before:
        return None
    return round((Decimal(now) - Decimal(before)) / Decimal(before) * 100, 1)


def _chart(report, value) -> dict | None:
    """What Chart.js needs for the report, or None when it is shown as numbers."""
    if report.chart == "line":
        if isinstance(value, dict):
            days = sorted({day for points in value.values() for day, _ in points})
            by_currency = {currency: dict(points) for currency, points in value.items()}
            datasets = [
                {"label": currency, "data": [float(by_day.get(day, 0)) for day in days]}
                for currency, by_day in by_currency.items()
            ]
        else:
            days = [day for day, _ in value]
            datasets = [{"label": report.title, "data": [v for _, v in value]}]
        return {"type": "line", "labels": [d.isoformat() for d in days], "datasets": datasets}
    if report.chart == "pie":
        return {
            "type": "pie",
            "labels": list(value),
            "datasets": [{"label": report.title, "data": list(value.values())}],
        }
    if report.chart == "bar":
        if isinstance(value, dict):  # top products: one chart per currency, first shown
            rows = [
                (f"{title} ({currency})", float(v))
                for currency, items in value.items()
                for title, v in items
            ]
        else:
            rows = [(" · ".join(str(p) for p in row[:-1]), float(row[-1])) for row in value]
        return {
            "type": "bar",
            "labels": [label for label, _ in rows],
            "datasets": [{"label": report.title, "data": [v for _, v in rows]}],
        }
    return None


@staff_required
def report_csv(request, dashboard_id, key):
    dashboard = get_object_or_404(Dashboard, pk=dashboard_id)
    if not dashboard.can_view(request.user):
        raise Http404("No such report")
    # A dashboard's CSV serves its own reports only, never another one's by its key.
    if not dashboard.reports.filter(report_key=key[:64]).exists():
        raise Http404("No such report")
    if key.startswith("custom:") and is_whole_number(key.removeprefix("custom:")):
        built = get_object_or_404(CustomReport, pk=int(key.removeprefix("custom:")))
        scope, _ = _scope(request, dashboard)
        header, rows = csv_columns.custom_columns(built), custom.compute(built, scope)
    elif key in REGISTRY:
        scope, _ = _scope(request, dashboard)
        value = REGISTRY[key](scope)
        reshaped = csv_columns.reshaped_rows(key, value)
        table = _rows(value) if reshaped is None else reshaped
        header, rows = csv_columns.COLUMNS[key], (display.plain_row(row) for row in table)
    else:
        raise Http404("No such report")
    return csv_export.csv_response(f"{key.replace(':', '-')}.csv", itertools.chain([header], rows))


def _rows(value):
    """A report's value as CSV rows, whatever its shape."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (list, dict)):
                for row in _rows(item):
                    yield [key, *row]
            else:
                yield [key, item]
    elif isinstance(value, list):
        for item in value:
            yield list(item) if isinstance(item, (list, tuple)) else [item]
    else:
        yield [value]


@staff_required
def edit(request, dashboard_id):
    dashboard = get_object_or_404(Dashboard, pk=dashboard_id)
    if not dashboard.can_view(request.user):
        raise Http404("No such dashboard")
    if not dashboard.can_edit(request.user):
        raise PermissionDenied("Only its owner (or everyone, if it says so) may change it.")
    if request.method == "POST":
        _apply_edit(dashboard, request.POST, request.user)
        messages.success(request, "The dashboard is saved.")
        return redirect("dashboards:page", dashboard.pk)
    present = {item.report_key: item.position for item in dashboard.reports.all()}
    rows = sorted(
        (
            {"report": report, "on": report.key in present, "position": present.get(report.key, 99)}
            for report in REGISTRY.values()
        ),
        key=lambda row: (not row["on"], row["position"]),
    )
    return render(
        request,
        "dashboards/edit.html",
        {
            "title": f"Edit {dashboard}",
            "dashboard": dashboard,
            "rows": rows,
            "accesses": DashboardAccess.choices,
            "is_owner": request.user == dashboard.owner,
        },
    )


@transaction.atomic
def _apply_edit(dashboard, post, user):
    dashboard.name = post.get("name", "").strip() or dashboard.name
    if user == dashboard.owner and post.get("access") in DashboardAccess.values:
        dashboard.access = post["access"]
    dashboard.save(update_fields=["name", "access"])
    chosen = []
    for key in REGISTRY:
        if post.get(f"on-{key}"):
            raw = post.get(f"position-{key}", "")
            chosen.append((int(raw) if is_whole_number(raw) else 99, key))
    dashboard.reports.all().delete()
    DashboardReport.objects.bulk_create(
        DashboardReport(dashboard=dashboard, report_key=key, position=index)
        for index, (_, key) in enumerate(sorted(chosen))
    )


@staff_required
def delete(request, dashboard_id):
    """GET asks for a confirmation; only the POST of that page deletes."""
    dashboard = get_object_or_404(Dashboard, pk=dashboard_id)
    if not dashboard.can_view(request.user):
        raise Http404("No such dashboard")
    if not dashboard.can_edit(request.user):
        raise PermissionDenied("Only its owner (or everyone, if it says so) may delete it.")
    if request.method == "POST":
        dashboard.delete()
        messages.success(request, f"The dashboard {dashboard} is deleted.")
        return redirect("dashboards:index")
    return render(
        request,
        "crm/confirm_delete.html",
        {
            "title": f"Delete the dashboard {dashboard.name}?",
            "what": f"the dashboard “{dashboard.name}”",
            "consequence": "Its reports' data stays: only this page and its choice of reports "
            "go. Custom reports on it are kept (Custom reports lists them).",
            "cancel_url": reverse("dashboards:page", args=[dashboard.pk]),
        },
    )


class CustomReportForm(forms.Form):
    name = forms.CharField(max_length=255)
    object_type = forms.ChoiceField(choices=[("orders", "Orders"), ("carts", "Carts")])
    measure = forms.ChoiceField(choices=[("count", "Count"), ("sum", "Sum"), ("avg", "Average")])
    field = forms.ChoiceField(label="Of")
    group_by = forms.ChoiceField(label="Grouped by")
    chart = forms.ChoiceField(
        choices=[("bar", "Bar chart"), ("line", "Line chart"), ("table", "Table")]
    )
    dashboard = forms.ChoiceField(required=False, label="Add it to")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        object_type = self.data.get("object_type", "orders") if self.is_bound else "orders"
        self.fields["field"].choices = custom.field_choices(object_type)
        self.fields["group_by"].choices = custom.group_choices(object_type)
        editable = [d for d in _visible(user) if d.can_edit(user)]
        self.fields["dashboard"].choices = [("", "—")] + [(str(d.pk), d.name) for d in editable]


FILTER_KEYS = (
    "q",
    "store",
    "stage",
    "financial_status",
    "fulfillment_status",
    "status",
    "currency",
    "since",
    "until",
)


@staff_required
def custom_create(request):
    form = CustomReportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        filters = {
            key: value
            for key, value in request.POST.items()
            if value and (key in FILTER_KEYS or key.startswith("p_"))
        }
        report = CustomReport.objects.create(
            name=data["name"],
            object_type=data["object_type"],
            measure=data["measure"],
            field=data["field"],
            group_by=data["group_by"],
            chart=data["chart"],
            filters=filters,
            owner=request.user,
        )
        if data["dashboard"]:
            dashboard = get_object_or_404(Dashboard, pk=int(data["dashboard"]))
            if not dashboard.can_edit(request.user):
                raise PermissionDenied("You may not change that dashboard.")
            DashboardReport.objects.get_or_create(
                dashboard=dashboard,
                report_key=report.key,
                defaults={"position": dashboard.reports.count()},
            )
            return redirect("dashboards:page", dashboard.pk)
        return redirect("dashboards:custom", report.pk)
    return render(
        request, "dashboards/custom_form.html", {"title": "New custom report", "form": form}
    )


def _custom_reports_for(user):
    """The custom reports `user` may see: their own, and those on a dashboard they may see
    (as CustomReport.can_view says, for the whole list in two queries)."""
    keys = DashboardReport.objects.filter(
        dashboard__in=Dashboard.visible_to(user), report_key__startswith="custom:"
    ).values_list("report_key", flat=True)
    ids = {int(key.removeprefix("custom:")) for key in keys if is_whole_number(key[7:])}
    return CustomReport.objects.filter(Q(owner=user) | Q(pk__in=ids)).select_related("owner")


@staff_required
def custom_index(request):
    return render(
        request,
        "dashboards/custom_list.html",
        {"title": "Custom reports", "reports": _custom_reports_for(request.user)},
    )


@staff_required
def custom_detail(request, report_id):
    report = get_object_or_404(CustomReport, pk=report_id)
    if not report.can_view(request.user):
        raise Http404("No such report")
    rows = custom.compute(report)
    return render(
        request,
        "dashboards/custom_detail.html",
        {
            "title": report.name,
            "report": report,
            "rows": [display.custom_cells(report, row) for row in rows],
            "chart": _custom_chart(report, rows),
        },
    )


def _custom_chart(report, rows):
    if report.chart == "table" or not rows:
        return None
    # The rows come in group order; each group's label as the table shows it.
    labels = list(dict.fromkeys(display.custom_group(report, row[0]) for row in rows))
    series: dict[str, dict] = {}
    for row in rows:
        name = row[1] if len(row) == 3 else report.name
        series.setdefault(name, {})[display.custom_group(report, row[0])] = float(row[-1] or 0)
    return {
        "type": report.chart,
        "labels": labels,
        "datasets": [
            {"label": name, "data": [points.get(label, 0) for label in labels]}
            for name, points in series.items()
        ],
    }
