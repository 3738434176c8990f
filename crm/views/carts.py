"""Carts (abandoned checkouts): the index and the cart page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from crm import links, properties, services
from crm.models import Cart, PropertyObjectType
from crm.money import plain_amount
from crm.views.access import can_change_orders_and_carts, require_superadmin, staff_required
from crm.views.filters import CartFilters
from crm.views.listing import csv_response, page_of, query_without, sorted_by
from crm.views.records import property_rows, save_properties

SORTS = {"started": "checkout_started_at", "total": "total", "status": "status"}


@staff_required
def index(request):
    definitions = properties.definitions(PropertyObjectType.CART)
    filters = CartFilters(request.GET or None, model=Cart, properties=definitions)
    carts = Cart.objects.select_related("contact", "recovered_order")
    if filters.is_bound:
        carts = filters.apply(carts)
    if request.GET.get("format") == "csv":
        return _csv(carts, definitions)
    carts, sort = sorted_by(request, carts, SORTS, "-started")
    page = page_of(request, carts)
    return render(
        request,
        "crm/cart_list.html",
        {
            "title": "Carts",
            "filters": filters,
            "page": page,
            "sort": sort,
            "definitions": definitions,
            "rows": [
                (
                    cart,
                    [
                        properties.display(d, cart.properties.get(d.internal_name))
                        for d in definitions
                    ],
                )
                for cart in page.rows
            ],
            "query": query_without(request, "page"),
            "sort_query": query_without(request, "page", "sort"),
        },
    )


@staff_required
def detail(request, cart_id):
    cart = get_object_or_404(Cart.objects.select_related("contact", "recovered_order"), pk=cart_id)
    definitions = properties.definitions(PropertyObjectType.CART)
    return render(
        request,
        "crm/cart_detail.html",
        {
            "title": f"Cart {cart.pk}",
            "cart": cart,
            "lines": cart.line_items.select_related("product", "variant"),
            "property_rows": property_rows(cart, definitions),
            "form": properties.PropertiesForm(
                PropertyObjectType.CART, initial_values=cart.properties
            ),
            "can_change": can_change_orders_and_carts(request.user),
            "links": links.for_record(cart),
        },
    )


@require_POST
@staff_required
def update_properties(request, cart_id):
    return save_properties(request, Cart, cart_id, "cart")


@require_POST
@staff_required
def delete(request, cart_id):
    require_superadmin(request.user, "delete carts")
    cart = get_object_or_404(Cart, pk=cart_id)
    if request.POST.get("confirm") != "delete":
        raise PermissionDenied("Confirm the deletion.")
    services.delete_carts([cart.pk])  # the reports follow
    messages.success(request, "The cart is deleted from the CRM (not from the store).")
    return redirect("crm:carts")


def _csv(carts, definitions):
    columns = ["id", "store", "started", "email", "contact", "currency", "total", "status"]
    columns += ["recovered_order"] + [d.internal_name for d in definitions]

    def row(cart):
        return [
            cart.pk,
            cart.source_store,
            cart.checkout_started_at.isoformat(),
            cart.email,
            cart.contact.email if cart.contact else "",
            cart.currency,
            plain_amount(cart.total, cart.currency),  # "91.84", not "91.840"
            cart.status,
            cart.recovered_order.name if cart.recovered_order else "",
            *[cart.properties.get(d.internal_name) for d in definitions],
        ]

    return csv_response("carts.csv", columns, row, carts.order_by("-checkout_started_at", "-id"))
