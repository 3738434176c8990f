"""Segments: the list with member counts, a form to define or change one, its members, CSV,
and deleting one (after a confirmation). Every staff user may do each, as they may create one."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

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
    # Not limited to three characters: a browser would cut "dollars" to "dol" as it is typed,
    # where the person should read why it is refused.
    orders_total_currency = forms.CharField(
        required=False,
        max_length=40,
        label="in currency",
        initial="EUR",
        help_text="ISO 4217 code, e.g. EUR, USD, SEK",
        widget=forms.TextInput(attrs={"size": 5, "autocomplete": "off"}),
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
            try:
                currency = segments.currency_code(data.get("orders_total_currency"))
            except ValidationError as error:
                self.add_error("orders_total_currency", error)
            else:
                conditions["orders_total_over"] = {
                    "amount": str(data["orders_total_over"]),
                    "currency": currency,
                }
        if self.errors:
            return data
        try:
            self.conditions = segments.clean(data.get("object_type", ""), conditions)
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        return data


def initial_from(segment: Segment) -> dict:
    """The form's fields for a saved segment (the inverse of SegmentForm.clean)."""
    conditions = segment.conditions
    initial = {"name": segment.name, "object_type": segment.object_type}
    if "ordered_product" in conditions:
        product = Product.objects.filter(pk=conditions["ordered_product"]).first()
        initial["ordered_product"] = (product.sku or product.name) if product else ""
    for key in ("abandoned_cart_days", "min_orders"):
        if key in conditions:
            initial[key] = conditions[key]
    for key in ("order_property", "cart_property"):
        if key in conditions:
            initial[key] = conditions[key]["name"]
            initial[f"{key}_value"] = conditions[key]["value"]
    if "orders_total_over" in conditions:
        initial["orders_total_over"] = conditions["orders_total_over"]["amount"]
        initial["orders_total_currency"] = conditions["orders_total_over"]["currency"]
    return initial


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
def edit(request, segment_id):
    segment = get_object_or_404(Segment, pk=segment_id)
    form = SegmentForm(request.POST or None, initial=initial_from(segment))
    if request.method == "POST" and form.is_valid():
        segment.name = form.cleaned_data["name"]
        segment.object_type = form.cleaned_data["object_type"]
        segment.conditions = form.conditions
        segment.save(update_fields=["name", "object_type", "conditions"])
        messages.success(request, f"Segment “{segment.name}” saved.")
        return redirect("crm:segment", segment.pk)
    return render(
        request,
        "crm/segment_form.html",
        {"title": f"Edit segment {segment.name}", "form": form, "segment": segment},
    )


@staff_required
def delete(request, segment_id):
    """GET asks for a confirmation; only the POST of that page deletes."""
    segment = get_object_or_404(Segment, pk=segment_id)
    if request.method == "POST":
        name = segment.name
        segment.delete()
        messages.success(request, f"Segment “{name}” deleted. Its members are unchanged.")
        return redirect("crm:segments")
    return render(
        request,
        "crm/confirm_delete.html",
        {
            "title": f"Delete segment {segment.name}?",
            "what": f"the segment “{segment.name}”",
            "consequence": "Its contacts and companies stay as they are; only the saved "
            "filter goes.",
            "cancel_url": reverse("crm:segment", args=[segment.pk]),
        },
    )


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
