"""The staff home (/crm/): today's numbers, the latest orders and carts, and a way to every
staff page, dashboard and admin page (other apps add their sections through crm.home)."""

from __future__ import annotations

import datetime

from django.db.models import Count, Sum
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from crm import home
from crm.models import Cart, CartStatus, Order
from crm.money import format_money
from crm.views.access import staff_required

RECENT = 8


def today_bounds(now: datetime.datetime | None = None):
    """[start, end) of today in the site's time zone, as aware datetimes."""
    now = timezone.localtime(now)
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + datetime.timedelta(days=1)


def today_numbers(now: datetime.datetime | None = None) -> dict:
    """Orders placed today and their revenue per currency (cancelled orders aside, as the
    dashboards' revenue counts them), and the carts still abandoned."""
    start, end = today_bounds(now)
    per_currency = list(
        Order.objects.filter(processed_at__gte=start, processed_at__lt=end, cancelled_at=None)
        .order_by("currency")
        .values("currency")
        .annotate(orders=Count("id"), revenue=Sum("total"))
    )
    return {
        "day": start.date(),
        "currencies": [
            {
                "currency": row["currency"],
                "orders": row["orders"],
                "revenue": format_money(row["revenue"], row["currency"]),
            }
            for row in per_currency
        ],
        "orders": sum(row["orders"] for row in per_currency),
        "open_carts": Cart.objects.filter(status=CartStatus.ABANDONED).count(),
    }


def admin_pages() -> dict:
    return {
        "title": "Set-up (admin)",
        "links": [
            {"label": label, "url": reverse(name)}
            for label, name in (
                ("Order pipelines and stages", "admin:crm_pipeline_changelist"),
                ("Custom properties", "admin:crm_propertydefinition_changelist"),
                ("Follow-up rules", "admin:crm_followuprule_changelist"),
                ("Admin home", "admin:index"),
            )
        ],
        "order": 90,
    }


def staff_pages() -> dict:
    return {
        "title": "Staff pages",
        "links": [
            {"label": label, "url": reverse(name)}
            for label, name in (
                ("Contacts", "crm:contacts"),
                ("Companies", "crm:companies"),
                ("Products", "crm:products"),
                ("Orders", "crm:orders"),
                ("Order board", "crm:order_board"),
                ("Carts", "crm:carts"),
                ("Segments", "crm:segments"),
            )
        ],
        "order": 10,
    }


@staff_required
def index(request):
    return render(
        request,
        "crm/home.html",
        {
            "title": "CRM home",
            "today": today_numbers(),
            "orders": Order.objects.select_related("pipeline_stage")[:RECENT],
            "carts": Cart.objects.all()[:RECENT],
            "sections": sorted(
                [staff_pages(), admin_pages(), *home.sections(request)],
                key=lambda s: s.get("order", 100),
            ),
        },
    )
