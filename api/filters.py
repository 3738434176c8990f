"""The list filters (`updated_since`, `store`, `stage`, `email`, …). A filter an endpoint does
not have is refused: a misspelt one would otherwise return everything."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from rest_framework import serializers

from crm.inputs import is_whole_number

PAGING = {"cursor", "limit"}


def parse_moment(name: str, raw: str) -> datetime.datetime:
    """An ISO 8601 date or date-time; without a zone it is UTC."""
    try:
        moment = parse_datetime(raw)
        if moment is None and (day := parse_date(raw)) is not None:
            moment = datetime.datetime.combine(day, datetime.time())
    except ValueError:
        moment = None
    if moment is None:
        raise serializers.ValidationError(
            {name: [f"{raw!r} is not an ISO 8601 date or date-time."]}, code="invalid"
        )
    if timezone.is_naive(moment):
        return moment.replace(tzinfo=datetime.UTC)
    # In UTC here: PostgreSQL refuses offsets past ±15:59 that ISO 8601 allows (a 500 once).
    try:
        return moment.astimezone(datetime.UTC)
    except OverflowError:  # year 1 moved before the first moment there is, or 9999 past it
        edge = datetime.datetime.min if moment.year == 1 else datetime.datetime.max
        return edge.replace(tzinfo=datetime.UTC)


def parse_id(name: str, raw: str) -> int:
    if not is_whole_number(raw):
        raise serializers.ValidationError({name: [f"{raw!r} is not an id."]}, code="invalid")
    return int(raw)


# name → (description, how it narrows a queryset)
FILTERS = {
    "updated_since": (
        "Only records changed at or after this moment (ISO 8601; UTC when it has no zone).",
        lambda qs, raw: qs.filter(updated_at__gte=parse_moment("updated_since", raw)),
    ),
    "store": (
        "Only the orders or carts of this shop domain.",
        lambda qs, raw: qs.filter(source_store=raw.strip().lower()),
    ),
    "stage": (
        "Only orders in this pipeline stage (its id).",
        lambda qs, raw: qs.filter(pipeline_stage_id=parse_id("stage", raw)),
    ),
    "email": (
        "Only records with this email address (any case).",
        lambda qs, raw: qs.filter(email__iexact=raw.strip()),
    ),
}


# The type each filter is documented with (the rest are text).
TYPES = {
    "updated_since": {"type": "string", "format": "date-time"},
    "stage": {"type": "integer", "minimum": 1, "maximum": 10**18 - 1},
    "store": {"type": "string", "maxLength": 255},
    "email": {"type": "string", "maxLength": 254},
}


def apply(queryset, params, allowed: tuple[str, ...]):
    unknown = sorted(set(params) - set(allowed) - PAGING)
    if unknown:
        raise serializers.ValidationError(
            {
                name: [f"Not a filter here; the filters are: {', '.join(allowed)}."]
                for name in unknown
            },
            code="unknown_filter",
        )
    for name in allowed:
        if name in params:
            queryset = FILTERS[name][1](queryset, params[name])
    return queryset
