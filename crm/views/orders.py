"""Orders: the index (list, board, CSV), the order page, and what superadmins may change."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from crm import links, properties, services
from crm.inputs import is_whole_number
from crm.models import (
    Cart,
    Order,
    OrderLineItem,
    OrderStageChange,
    Pipeline,
    PropertyObjectType,
)
from crm.money import plain_amount
from crm.views.access import can_change_orders_and_carts, require_superadmin, staff_required
from crm.views.filters import OrderFilters
from crm.views.listing import csv_response, page_of, query_without, sorted_by
from crm.views.records import property_rows, save_properties

SORTS = {
    "name": "name",
    "processed_at": "processed_at",
    "total": "total",
    "stage": "pipeline_stage__display_order",
}
BOARD_CARDS = 20


def _filtered(request):
    definitions = properties.definitions(PropertyObjectType.ORDER)
    filters = OrderFilters(request.GET or None, properties=definitions)
    orders = Order.objects.select_related("contact", "pipeline_stage")
    if filters.is_bound:
        orders = filters.apply(orders)
    return filters, orders, definitions


@staff_required
def index(request):
    filters, orders, definitions = _filtered(request)
    if request.GET.get("format") == "csv":
        return _csv(orders, definitions)
    orders, sort = sorted_by(request, orders, SORTS, "-processed_at")
    page = page_of(request, orders)
    return render(
        request,
        "crm/order_list.html",
        {
            "title": "Orders",
            "filters": filters,
            "page": page,
            "sort": sort,
            "definitions": definitions,
            "rows": [
                (
                    order,
                    [
                        properties.display(d, order.properties.get(d.internal_name))
                        for d in definitions
                    ],
                )
                for order in page.rows
            ],
            "query": query_without(request, "page"),
            "sort_query": query_without(request, "page", "sort"),
        },
    )


@staff_required
def board(request):
    """Orders by stage: each stage's count and its most recent orders."""
    filters, orders, _ = _filtered(request)
    pipeline = _pipeline(request)
    stages = list(pipeline.stages.all()) if pipeline else []
    counts = dict(
        orders.filter(pipeline_stage__in=stages)
        .order_by()
        .values_list("pipeline_stage")
        .annotate(n=Count("id"))
    )
    columns = [
        {
            "stage": stage,
            "count": counts.get(stage.pk, 0),
            "orders": list(
                orders.filter(pipeline_stage=stage).order_by("-processed_at", "-id")[:BOARD_CARDS]
            ),
        }
        for stage in stages
    ]
    return render(
        request,
        "crm/order_board.html",
        {
            "title": "Orders by stage",
            "filters": filters,
            "pipelines": Pipeline.objects.all(),
            "pipeline": pipeline,
            "columns": columns,
            "query": query_without(request, "pipeline"),
        },
    )


def _pipeline(request):
    chosen = request.GET.get("pipeline", "")
    pipelines = Pipeline.objects.all()
    if is_whole_number(chosen):
        found = pipelines.filter(pk=int(chosen)).first()
        if found:
            return found
    return pipelines.filter(is_default=True).first() or pipelines.first()


@staff_required
def detail(request, order_id):
    order = get_object_or_404(
        Order.objects.select_related(
            "contact", "company", "pipeline_stage__pipeline"
        ).prefetch_related(
            Prefetch("line_items", OrderLineItem.objects.select_related("product", "variant")),
            Prefetch(
                "stage_changes",
                OrderStageChange.objects.select_related("from_stage", "to_stage"),
            ),
        ),
        pk=order_id,
    )
    cart = Cart.objects.filter(recovered_order=order).first()
    definitions = properties.definitions(PropertyObjectType.ORDER)
    form = properties.PropertiesForm(PropertyObjectType.ORDER, initial_values=order.properties)
    return render(
        request,
        "crm/order_detail.html",
        {
            "title": f"Order {order.name}",
            "order": order,
            "cart": cart,
            "property_rows": property_rows(order, definitions),
            "form": form,
            "can_change": can_change_orders_and_carts(request.user),
            "links": links.for_record(order),
        },
    )


@require_POST
@staff_required
def update_properties(request, order_id):
    return save_properties(request, Order, order_id, "order")


@require_POST
@staff_required
def delete(request, order_id):
    require_superadmin(request.user, "delete orders")
    order = get_object_or_404(Order, pk=order_id)
    if request.POST.get("confirm") != order.name:
        raise PermissionDenied("Type the order's name to confirm.")
    # Its contact's totals and the reports follow.
    services.delete_orders([order.pk])
    messages.success(request, f"Order {order.name} is deleted from the CRM (not from the store).")
    return redirect("crm:orders")


def _csv(orders, definitions):
    columns = [
        "name",
        "store",
        "processed_at",
        "email",
        "contact",
        "currency",
        "total",
        "financial_status",
        "fulfillment_status",
        "order_status",
        "stage",
    ] + [d.internal_name for d in definitions]

    def row(order):
        return [
            order.name,
            order.source_store,
            order.processed_at.isoformat(),
            order.email,
            order.contact.email if order.contact else "",
            order.currency,
            plain_amount(order.total, order.currency),  # "91.84", not "91.840"
            order.financial_status,
            order.fulfillment_status,
            order.order_status,
            order.pipeline_stage.label if order.pipeline_stage else "",
            *[order.properties.get(d.internal_name) for d in definitions],
        ]

    return csv_response("orders.csv", columns, row, orders.order_by("-processed_at", "-id"))
