"""Contacts and companies as the order pages link to them: their details, customer totals,
and their orders and carts."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import BadRequest
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from crm.models import Cart, Company, Contact, Order, Product
from crm.money import format_money
from crm.views.access import staff_required
from crm.views.filters import full_name
from crm.views.listing import page_of, query_without

RECENT = 25


@staff_required
def contact(request, contact_id):
    person = get_object_or_404(Contact.objects.select_related("company"), pk=contact_id)
    totals = [
        format_money(Decimal(amount), currency)
        for currency, amount in sorted(person.total_spent.items())
    ]
    return render(
        request,
        "crm/contact_detail.html",
        {
            "title": str(person),
            "contact": person,
            "totals": totals,
            "orders": person.orders.select_related("pipeline_stage")[:RECENT],
            "carts": person.carts.all()[:RECENT],
            "edit_url": _admin_edit_url(request, person),
        },
    )


@staff_required
def company(request, company_id):
    firm = get_object_or_404(Company, pk=company_id)
    orders = Order.objects.filter(company=firm).select_related("contact", "pipeline_stage")
    return render(
        request,
        "crm/company_detail.html",
        {
            "title": str(firm),
            "company": firm,
            "contacts": firm.contacts.all()[:RECENT],
            "orders": orders[:RECENT],
            "carts": Cart.objects.filter(contact__company=firm).select_related("contact")[:RECENT],
            "edit_url": _admin_edit_url(request, firm),
        },
    )


def _admin_edit_url(request, record) -> str | None:
    """The record's form in the admin, for staff who may change it there (its values are
    checked as the stores check them, and the change goes to the stores it belongs to)."""
    opts = record._meta
    if not request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}"):
        return None
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk])


def _simple_list(request, queryset, fields, title, template):
    q = request.GET.get("q", "").strip()
    if len(q) > 200 or "\x00" in q:
        raise BadRequest("The search must be at most 200 characters, without NUL.")
    if q:
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__icontains": q})
        if "first_name" in fields:
            condition |= full_name(q, lookup="icontains")
        queryset = queryset.filter(condition)
    return render(
        request,
        template,
        {
            "title": title,
            "page": page_of(request, queryset),
            "q": q,
            "query": query_without(request, "page"),
        },
    )


@staff_required
def contacts(request):
    return _simple_list(
        request,
        Contact.objects.select_related("company").order_by("-updated_at", "-id"),
        ["email", "first_name", "last_name"],
        "Contacts",
        "crm/contact_list.html",
    )


@staff_required
def companies(request):
    return _simple_list(
        request,
        Company.objects.order_by("name", "id"),
        ["name", "domain"],
        "Companies",
        "crm/company_list.html",
    )


@staff_required
def products(request):
    return _simple_list(
        request,
        Product.objects.order_by("name", "id"),
        ["name", "sku", "vendor"],
        "Products",
        "crm/product_list.html",
    )
