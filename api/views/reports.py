"""The e-commerce reports, computed from the dashboards' aggregates as on the dashboard
page: /reports lists them, /reports/<key>?from&to&store gives one."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from api.schema import UnpagedSchema
from api.views.records import Scoped
from crm.inputs import FIRST_DAY, LAST_DAY
from dashboards.reports import REGISTRY, Scope, shared

DEFAULT_DAYS = 30
LONGEST = datetime.timedelta(days=3 * 366)

_description = {
    "key": serializers.CharField(),
    "title": serializers.CharField(),
    "description": serializers.CharField(),
    "chart": serializers.CharField(help_text="number, line, bar, pie or table"),
    "formula": serializers.CharField(),
}
REPORT = inline_serializer("Report", dict(_description))  # (type() adds to the dict it gets)
DESCRIBED = tuple(_description)
RESULT = inline_serializer(
    "ReportResult",
    {
        **_description,
        "from": serializers.DateField(),
        "to": serializers.DateField(),
        "stores": serializers.ListField(child=serializers.CharField(), allow_null=True),
        "data": serializers.JSONField(
            help_text="Per currency where amounts are involved (never summed across "
            "currencies); amounts are strings, dates ISO 8601."
        ),
    },
)


def _describe(report) -> dict:
    return {name: getattr(report, name) for name in DESCRIBED}


MONEY_PLACES = Decimal("0.001")


def _jsonable(value):
    if isinstance(value, Decimal):
        # As stored (three places hold every currency), whatever digits the database's
        # arithmetic added.
        if value.as_tuple().exponent < MONEY_PLACES.as_tuple().exponent:
            value = value.quantize(MONEY_PLACES)
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def _day(name: str, raw: str | None, default: datetime.date) -> datetime.date:
    if raw is None:
        return default
    try:
        day = datetime.date.fromisoformat(raw[:10])
    except ValueError:
        raise serializers.ValidationError(
            {name: [f"{raw[:40]!r} is not a date (YYYY-MM-DD)."]}
        ) from None
    # Days orders can have (year 1 had no day before it: its previous period answered 500).
    if not FIRST_DAY <= day <= LAST_DAY:
        raise serializers.ValidationError({name: [f"Reports cover {FIRST_DAY} to {LAST_DAY}."]})
    return day


class ReportViewSet(Scoped, viewsets.ViewSet):
    schema = UnpagedSchema()
    read_scope = "reports.read"
    lookup_field = "key"

    @extend_schema(
        operation_id="reports_list",
        summary="List the reports",
        responses=inline_serializer("ReportList", {"results": REPORT.__class__(many=True)}),
    )
    def list(self, request):
        return Response({"results": [_describe(report) for report in REGISTRY.values()]})

    @extend_schema(
        summary="One report over a period",
        parameters=[
            OpenApiParameter("key", str, OpenApiParameter.PATH, enum=sorted(REGISTRY)),
            OpenApiParameter(
                "from", datetime.date, description="First day (UTC); default 30 days ago"
            ),
            OpenApiParameter("to", datetime.date, description="Last day (UTC); default today"),
            OpenApiParameter("store", str, description="One shop domain; default every store"),
        ],
        responses=RESULT,
    )
    def retrieve(self, request, key=None):
        report = REGISTRY.get(key)
        if report is None:
            raise NotFound("No such report.")
        scope = self._scope(request.query_params)
        with shared():
            data = report(scope)
        return Response(
            {
                **_describe(report),
                "from": scope.start.isoformat(),
                "to": scope.end.isoformat(),
                "stores": list(scope.stores) if scope.stores is not None else None,
                "data": _jsonable(data),
            }
        )

    def _scope(self, params) -> Scope:
        unknown = sorted(set(params) - {"from", "to", "store"})
        if unknown:
            raise serializers.ValidationError(
                {name: ["Not a parameter here; they are: from, to, store."] for name in unknown}
            )
        today = timezone.now().date()
        end = _day("to", params.get("to"), today)
        start = _day("from", params.get("from"), end - datetime.timedelta(days=DEFAULT_DAYS - 1))
        if start > end:
            raise serializers.ValidationError({"from": ["'from' is after 'to'."]})
        if end - start > LONGEST:
            raise serializers.ValidationError({"from": ["A period is at most three years."]})
        allowed = self.request.auth.application.stores
        store = params.get("store")
        if store:
            if allowed and store not in allowed:
                raise NotFound("No such store.")
            return Scope(start, end, (store,))
        return Scope(start, end, tuple(allowed) if allowed else None)
