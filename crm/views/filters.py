"""The filters of the order and cart indexes: search, store, stage, statuses, dates, currency
and custom properties. Each turns a GET parameter into a queryset filter; a value that makes no
sense is shown back with its error rather than ignored."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from crm.inputs import FIRST_DAY, LAST_DAY, is_whole_number
from crm.models import (
    CartStatus,
    FinancialStatus,
    FulfillmentStatus,
    Order,
    PipelineStage,
    PropertyDefinition,
)


class DayField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"})

    def validate(self, value):
        super().validate(value)
        if value and not FIRST_DAY <= value <= LAST_DAY:
            raise ValidationError(f"Enter a date from {FIRST_DAY} to {LAST_DAY}.")


def full_name(q: str, prefix: str = "", lookup: str = "iexact") -> Q:
    """A person typed as they are called: "Felix Koch", "Anna Maria Berg" (the first name
    may have more than one word, so each split is tried). Matches nothing for one word."""
    words = q.split()[:6]
    if len(words) < 2:
        return Q(pk__in=[])
    either = Q(pk__in=[])
    for cut in range(1, len(words)):
        either |= Q(
            **{
                f"{prefix}first_name__{lookup}": " ".join(words[:cut]),
                f"{prefix}last_name__{lookup}": " ".join(words[cut:]),
            }
        )
    return either


def _choices(values, blank="Any"):
    return [("", blank), *values]


class RecordFilters(forms.Form):
    """What orders and carts share."""

    q = forms.CharField(required=False, label="Search", max_length=200)
    store = forms.ChoiceField(required=False)
    currency = forms.ChoiceField(required=False)
    since = DayField(required=False)
    until = DayField(required=False)

    date_field = "processed_at"

    def __init__(self, data, *, model, properties: list[PropertyDefinition]):
        super().__init__(data)
        self.properties = properties
        stores = model.objects.order_by().values_list("source_store", flat=True).distinct()
        self.fields["store"].choices = _choices([(s, s) for s in sorted(stores)])
        currencies = model.objects.order_by().values_list("currency", flat=True).distinct()
        self.fields["currency"].choices = _choices([(c, c) for c in sorted(currencies)])
        for definition in properties:
            self.fields[f"p_{definition.internal_name}"] = _property_filter(definition)

    def search(self, q: str) -> Q:
        return (
            Q(email__iexact=q)
            | Q(contact__email__iexact=q)
            | Q(contact__first_name__iexact=q)
            | Q(contact__last_name__iexact=q)
            | full_name(q, "contact__")
        )

    def apply(self, queryset):
        if not self.is_valid():
            return queryset.none()
        data = self.cleaned_data
        if data["q"].strip():
            queryset = queryset.filter(self.search(data["q"].strip()))
        if data["store"]:
            queryset = queryset.filter(source_store=data["store"])
        if data["currency"]:
            queryset = queryset.filter(currency=data["currency"])
        if data["since"]:
            queryset = queryset.filter(**{f"{self.date_field}__gte": _start(data["since"])})
        if data["until"]:
            end = _start(data["until"] + datetime.timedelta(days=1))
            queryset = queryset.filter(**{f"{self.date_field}__lt": end})
        for definition in self.properties:
            value = data.get(f"p_{definition.internal_name}")
            if value in (None, ""):
                continue
            stored = definition.to_stored_value(
                value if not hasattr(value, "isoformat") else value.isoformat()
            )
            queryset = queryset.filter(**{f"properties__{definition.internal_name}": stored})
        return queryset


class OrderFilters(RecordFilters):
    stage = forms.ChoiceField(required=False)
    financial_status = forms.ChoiceField(
        required=False, choices=_choices(FinancialStatus.choices), label="Payment"
    )
    fulfillment_status = forms.ChoiceField(
        required=False, choices=_choices(FulfillmentStatus.choices), label="Fulfilment"
    )

    def __init__(self, data, *, properties):
        super().__init__(data, model=Order, properties=properties)
        stages = PipelineStage.objects.select_related("pipeline")
        self.fields["stage"].choices = _choices([(str(s.pk), str(s)) for s in stages])

    def search(self, q: str) -> Q:
        name = q if q.startswith("#") else f"#{q}" if is_whole_number(q) else q
        return Q(name=name) | super().search(q)

    def apply(self, queryset):
        queryset = super().apply(queryset)
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data["stage"]:
            queryset = queryset.filter(pipeline_stage_id=int(data["stage"]))
        for name in ("financial_status", "fulfillment_status"):
            if data[name]:
                queryset = queryset.filter(**{name: data[name]})
        return queryset


class CartFilters(RecordFilters):
    status = forms.ChoiceField(required=False, choices=_choices(CartStatus.choices))
    date_field = "checkout_started_at"

    def __init__(self, data, *, model, properties):
        super().__init__(data, model=model, properties=properties)

    def apply(self, queryset):
        queryset = super().apply(queryset)
        if self.is_valid() and self.cleaned_data["status"]:
            queryset = queryset.filter(status=self.cleaned_data["status"])
        return queryset


def _property_filter(definition: PropertyDefinition):
    label = definition.label
    if definition.type == "enumeration":
        return forms.ChoiceField(
            required=False, label=label, choices=_choices([(o, o) for o in definition.options])
        )
    if definition.type == "boolean":
        return forms.ChoiceField(
            required=False, label=label, choices=_choices([("true", "Yes"), ("false", "No")])
        )
    if definition.type == "date":
        return DayField(required=False, label=label)
    if definition.type == "number":
        field = forms.CharField(required=False, label=label)
        field.validators.append(_number_validator(definition))
        return field
    return forms.CharField(required=False, label=label)


def _number_validator(definition):
    def check(value):
        try:
            definition.to_stored_value(value)
        except ValidationError as error:
            raise ValidationError(error.messages) from None

    return check


def _start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)
