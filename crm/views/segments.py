"""Segments: the list with member counts, a form to define one, its members, and CSV."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render

from crm import segments
from crm.models import Product, PropertyDefinition, Segment, SegmentObjectType
from crm.views.access import staff_required
from crm.views.listing import csv_response, page_of, query_without


class SegmentForm(forms.Form):
    name = forms.CharField(max_length=255)
    object_type = forms.ChoiceField(choices=SegmentObjectType.choices, label="Of")
    ordered_product = forms.CharField(required=False, label="Ordered the product (SKU or name)")
    abandoned_cart_days = forms.IntegerField(
        required=False, min_value=1, max_value=3650, label="Abandoned a cart in the last … days"
    )
    order_property = forms.ChoiceField(required=False, label="Has an order whose property")
    order_property_value = forms.CharField(required=False, label="is")
    cart_property = forms.ChoiceField(required=False, label="Has a cart whose property")
    cart_property_value = forms.CharField(required=False, label="is")
    min_orders = forms.IntegerField(
        required=False, min_value=1, max_value=1_000_000, label="At least … orders"
    )
    orders_total_over = forms.DecimalField(
        required=False, min_value=0, label="Orders total more than"
    )
    orders_total_currency = forms.CharField(
        required=False, max_length=3, label="in currency", initial="EUR"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, object_type in (("order_property", "order"), ("cart_property", "cart")):
            names = PropertyDefinition.objects.filter(object_type=object_type)
            self.fields[name].choices = [("", "—"), *[(d.internal_name, d.label) for d in names]]

    def clean(self):
        data = super().clean()
        conditions = {}
        product = (data.get("ordered_product") or "").strip()
        if product:
            found = (
                Product.objects.filter(Q(sku__iexact=product) | Q(name__iexact=product))
                .order_by("id")
                .first()
            )
            if found is None:
                self.add_error("ordered_product", f"No product has the SKU or name {product!r}.")
            else:
                conditions["ordered_product"] = found.pk
        for key in ("abandoned_cart_days", "min_orders"):
            if data.get(key) is not None:
                conditions[key] = data[key]
        for key in ("order_property", "cart_property"):
            if data.get(key):
                conditions[key] = {"name": data[key], "value": data.get(f"{key}_value", "")}
        if data.get("orders_total_over") is not None:
            conditions["orders_total_over"] = {
                "amount": str(data["orders_total_over"]),
                "currency": data.get("orders_total_currency") or "",
            }
        if self.errors:
            return data
        try:
            self.conditions = segments.clean(data.get("object_type", ""), conditions)
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        return data


@staff_required
def index(request):
    rows = [
        (segment, segments.members(segment).count(), segments.describe(segment))
        for segment in Segment.objects.all()
    ]
    return render(request, "crm/segment_list.html", {"title": "Segments", "rows": rows})


@staff_required
def create(request):
    form = SegmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        segment = Segment.objects.create(
            name=form.cleaned_data["name"],
            object_type=form.cleaned_data["object_type"],
            conditions=form.conditions,
        )
        return redirect("crm:segment", segment.pk)
    return render(request, "crm/segment_form.html", {"title": "New segment", "form": form})


@staff_required
def detail(request, segment_id):
    segment = get_object_or_404(Segment, pk=segment_id)
    people = segments.members(segment).order_by("pk")
    if request.GET.get("format") == "csv":
        return _csv(segment, people)
    return render(
        request,
        "crm/segment_detail.html",
        {
            "title": segment.name,
            "segment": segment,
            "conditions": segments.describe(segment),
            "count": people.count(),
            "page": page_of(request, people),
            "query": query_without(request, "page"),
        },
    )


def _csv(segment, people):
    if segment.object_type == SegmentObjectType.CONTACT:
        columns = ["email", "first_name", "last_name", "company", "orders_count"]

        def row(person):
            company = person.company.name if person.company else ""
            return [person.email, person.first_name, person.last_name, company, person.orders_count]

        people = people.select_related("company")
    else:
        columns = ["name", "domain", "phone"]

        def row(firm):
            return [firm.name, firm.domain, firm.phone]

    return csv_response(f"segment-{segment.pk}.csv", columns, row, people)
