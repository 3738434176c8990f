"""Every page of the product, for one user: the admin's pages derived from its registry (so a
new model is toured without a change here), the set-up steps, the staff pages, the dashboards,
the consent page, a 403 and a 404. Each says the status it must answer and whether it is a
page to look at (screenshot and checks) or a file to fetch (CSV, JSON)."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import admin
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from sync.adapters import ADAPTERS
from tests.browser.tour_data import TourData

# Who drew the page, for the accessibility check: "ours" (our templates: every critical or
# serious violation counts), "admin" (Django's admin templates with our models, forms and
# overrides in them: violations Django shows on its own pages are left out), "third-party"
# (django-rq's own templates: not checked for accessibility, we do not draw them).
OURS, ADMIN, THIRD_PARTY = "ours", "admin", "third-party"

# Routes the tour does not open, with why. The tour fails on a route of ours that is neither
# visited nor listed here, so a new page is toured or its absence explained.
NOT_TOURED = {
    "crm:order_properties": "POST only (the order page's form)",
    "crm:order_delete": "POST only (the order page's form)",
    "crm:cart_properties": "POST only (the cart page's form)",
    "crm:cart_delete": "POST only (the cart page's form)",
    "dashboards:delete": "POST only (the dashboard's edit page)",
    "admin:sync_turn_off": "POST only (the store page's button)",
    "admin:sync_reconnect": "leaves for Shopify's approval page at once",
}
# POST-only routes are opened with GET anyway: if one answers 200, it became a page to tour.
POST_ONLY = [name for name, why in NOT_TOURED.items() if why.startswith("POST only")]

# The admin's own routes of every model (changelists, add and change forms are toured; the
# history and delete confirmation are Django's pages over the same object) and of the site.
STOCK_ADMIN_SUFFIXES = ("_changelist", "_add", "_change", "_history", "_delete")
STOCK_ADMIN_NAMES = {
    "index",
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "autocomplete",
    "jsi18n",
    "view_on_site",
    "app_list",
    "",
}


@dataclass
class Page:
    name: str  # for the report and the screenshot's file name
    url: str  # path and query
    route: str = ""  # the URL name, for the coverage check
    status: int = 200
    look: bool = True  # screenshot and checks; False: fetched for its status only
    drawn_by: str = OURS
    kind: str = "page"  # "page", "csv" or "json" (what a fetched file must be)
    csv: bool = False  # the page must link its data as CSV


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def admin_pages(user, data: TourData) -> list[Page]:
    """Index, each app's list, and for every registered ModelAdmin its changelist, add form
    and the change form of a seeded object, with the status the user must get."""
    request = _request(user)
    pages = [Page("admin index", reverse("admin:index"), "admin:index", drawn_by=ADMIN)]
    labels = sorted({model._meta.app_label for model in admin.site._registry})
    for label in labels:
        allowed = any(
            ma.has_module_permission(request)
            for model, ma in admin.site._registry.items()
            if model._meta.app_label == label
        )
        pages.append(
            Page(
                f"admin app {label}",
                reverse("admin:app_list", args=[label]),
                "admin:app_list",
                status=200 if allowed else 404,
                look=allowed,
                drawn_by=ADMIN,
            )
        )
    for model, model_admin in admin.site._registry.items():
        pages += _model_pages(model, model_admin, request, data)
    return pages


def _model_pages(model, model_admin, request, data) -> list[Page]:
    opts = model._meta
    prefix = f"admin:{opts.app_label}_{opts.model_name}"
    drawn_by = THIRD_PARTY if opts.app_label == "django_rq" else ADMIN
    if opts.app_label == "django_rq":
        # django-rq's "model" is the entry of its dashboard: no rows, no forms.
        allowed = model_admin.has_module_permission(request)
        return [
            Page(
                "django-rq dashboard",
                reverse(f"{prefix}_changelist"),
                f"{prefix}_changelist",
                status=200 if allowed else 403,
                look=allowed,
                drawn_by=drawn_by,
            )
        ]
    name = f"{opts.app_label}.{opts.model_name}"
    may_view = model_admin.has_view_or_change_permission(request)
    pages = [
        Page(
            f"{name} list",
            reverse(f"{prefix}_changelist"),
            f"{prefix}_changelist",
            status=200 if may_view else 403,
            look=may_view,
            drawn_by=drawn_by,
        )
    ]
    may_add = model_admin.has_add_permission(request)
    # A model the admin offers no add form for is still asked: it must refuse, not fail.
    pages.append(
        Page(
            f"{name} add",
            reverse(f"{prefix}_add"),
            f"{prefix}_add",
            status=200 if may_add else 403,
            look=may_add,
            drawn_by=drawn_by,
        )
    )
    showcase = data.showcase.get(opts.label)
    record = showcase or model._default_manager.order_by("pk").first()
    if record is None:
        pages.append(Page(f"{name} change: NOTHING SEEDED", "", f"{prefix}_change", status=0))
        return pages
    may_see = model_admin.has_view_or_change_permission(request, record)
    pages.append(
        Page(
            f"{name} change",
            reverse(f"{prefix}_change", args=[record.pk]),
            f"{prefix}_change",
            status=200 if may_see else 403,
            look=may_see,
            drawn_by=drawn_by,
        )
    )
    return pages


def store_pages(user, data: TourData) -> list[Page]:
    """The store pages around the admin's: connecting, the sync set-up steps, deleting a
    sync, disconnecting, the pipeline editor, a run's progress and the failing records' CSV."""
    from integration.admin import can_connect
    from sync.setup_views import can_manage

    manage = 200 if can_manage(user) else 403
    connect = 200 if can_connect(user) else 403
    pipelines = 200 if user.has_perm("crm.edit_pipelines") else 403
    us = data.us.pk
    pages = [
        Page(
            "connect a store",
            reverse("admin:integration_connect"),
            "admin:integration_connect",
            status=connect,
            look=connect == 200,
            drawn_by=ADMIN,
        ),
        Page(
            "connect with credentials",
            reverse("admin:integration_connect_credentials"),
            "admin:integration_connect_credentials",
            status=connect,
            look=connect == 200,
            drawn_by=ADMIN,
        ),
        Page(
            "disconnect the US store",
            reverse("admin:integration_store_disconnect", args=[us]),
            "admin:integration_store_disconnect",
            status=connect,
            look=connect == 200,
            drawn_by=ADMIN,
        ),
        Page(
            "set up a sync: choose",
            reverse("admin:sync_setup_choose", args=[us]),
            "admin:sync_setup_choose",
            status=manage,
            look=manage == 200,
            drawn_by=ADMIN,
        ),
    ]
    # Every object on the US store (Plus: all five); on the EUR store the orders (its stages
    # and currency), the other steps being the same forms.
    for store, object_types in [(data.us, list(ADAPTERS)), (data.eu, ["orders"])]:
        for object_type in object_types:
            if ADAPTERS[object_type].unavailable(store):
                continue
            for step in ("configure", "limit", "review"):
                pages.append(
                    Page(
                        f"set up {object_type} on {store.currency}: {step}",
                        reverse(f"admin:sync_setup_{step}", args=[store.pk, object_type]),
                        f"admin:sync_setup_{step}",
                        status=manage,
                        look=manage == 200,
                        drawn_by=ADMIN,
                    )
                )
    pages.append(
        Page(
            "delete the carts sync",
            reverse("admin:sync_delete", args=[us, "carts"]),
            "admin:sync_delete",
            status=manage,
            look=manage == 200,
            drawn_by=ADMIN,
        )
    )
    from crm.models import Pipeline

    pages.append(
        Page(
            "pipeline stages editor",
            reverse("admin:crm_pipeline_stages", args=[Pipeline.objects.get(is_default=True).pk]),
            "admin:crm_pipeline_stages",
            status=pipelines,
            look=pipelines == 200,
            drawn_by=ADMIN,
        )
    )
    from sync.models import SyncRun

    run = SyncRun.objects.filter(store=data.us).order_by("pk").first()
    sees_runs = user.has_perm("sync.view_syncrun")
    pages.append(
        Page(
            "a sync run's progress",
            reverse("admin:sync_syncrun_progress", args=[run.pk]),
            "admin:sync_syncrun_progress",
            status=200 if sees_runs else 403,
            look=False,
            kind="json",
        )
    )
    sees_issues = user.has_perm("sync.view_syncissue")
    pages.append(
        Page(
            "failing records CSV",
            reverse("admin:sync_syncissue_export"),
            "admin:sync_syncissue_export",
            status=200 if sees_issues else 403,
            look=False,
            kind="csv",
        )
    )
    return pages


def staff_pages(user, data: TourData) -> list[Page]:
    """The staff pages under /crm/ and the dashboards, with details of seeded records."""
    from crm.models import Cart

    contact = data.showcase["crm.Contact"]
    order = data.showcase["crm.Order"]
    eu_order = data.showcase["crm.Order (EUR)"]
    company = data.showcase.get("crm.Company")
    cart = Cart.objects.filter(contact__isnull=False).order_by("pk").first()
    eu_cart = Cart.objects.filter(source_store=data.eu.shop_domain).order_by("pk").first()
    pages = [
        Page("orders", reverse("crm:orders"), "crm:orders", csv=True),
        Page("orders in EUR", reverse("crm:orders") + "?currency=EUR", "crm:orders"),
        Page("order board", reverse("crm:order_board"), "crm:order_board"),
        Page("order", reverse("crm:order", args=[order.pk]), "crm:order"),
        Page("order in EUR", reverse("crm:order", args=[eu_order.pk]), "crm:order"),
        Page("carts", reverse("crm:carts"), "crm:carts", csv=True),
        Page("cart", reverse("crm:cart", args=[cart.pk]), "crm:cart"),
        Page("cart in EUR", reverse("crm:cart", args=[eu_cart.pk]), "crm:cart"),
        Page("contacts", reverse("crm:contacts"), "crm:contacts"),
        Page("contact", reverse("crm:contact", args=[contact.pk]), "crm:contact"),
        Page("companies", reverse("crm:companies"), "crm:companies"),
        Page("products", reverse("crm:products"), "crm:products"),
        Page("segments", reverse("crm:segments"), "crm:segments"),
        Page("new segment", reverse("crm:segment_new"), "crm:segment_new"),
        Page("dashboards", reverse("dashboards:index"), "dashboards:index"),
        Page("new dashboard", reverse("dashboards:create"), "dashboards:create"),
        Page("new custom report", reverse("dashboards:custom_create"), "dashboards:custom_create"),
    ]
    if company:
        pages.append(Page("company", reverse("crm:company", args=[company.pk]), "crm:company"))
    for segment in data.segments:
        url = reverse("crm:segment", args=[segment.pk])
        pages.append(Page(f"segment {segment.name}", url, "crm:segment", csv=True))
    dashboard = data.dashboard
    for key, label in [("30d", "30 days"), ("12m", "12 months")]:
        pages.append(
            Page(
                f"dashboard, {label}",
                reverse("dashboards:page", args=[dashboard.pk]) + f"?range={key}",
                "dashboards:page",
                csv=True,
            )
        )
    from dashboards.models import Dashboard

    europe = Dashboard.objects.get(name="Europe")
    pages.append(
        Page(
            "dashboard of one store",
            reverse("dashboards:page", args=[europe.pk]),
            "dashboards:page",
        )
    )
    owner = user == dashboard.owner
    pages.append(
        Page(
            "edit the dashboard" if owner else "edit someone's dashboard (403)",
            reverse("dashboards:edit", args=[dashboard.pk]),
            "dashboards:edit",
            status=200 if owner else 403,
        )
    )
    for report in data.custom_reports:
        pages.append(
            Page(
                f"custom report {report.name}",
                reverse("dashboards:custom", args=[report.pk]),
                "dashboards:custom",
                # Seen by its owner, and by viewers of a dashboard holding it (dashboards/views).
                status=200,
            )
        )
    pages.append(
        Page(
            "a report's CSV",
            reverse("dashboards:report_csv", args=[dashboard.pk, "orders_by_stage"]),
            "dashboards:report_csv",
            look=False,
            kind="csv",
        )
    )
    return pages


def consent_page(data: TourData) -> Page:
    """The OAuth consent page an API app sends a person to (our template)."""
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(b"tour-verifier" * 4).digest())
        .rstrip(b"=")
        .decode()
    )
    query = urlencode(
        {
            "response_type": "code",
            "client_id": data.application.client_id,
            "redirect_uri": "https://reporting.example.com/callback",
            "scope": "orders.read reports.read",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "state": "tour",
        }
    )
    return Page("API consent", f"/o/authorize/?{query}", "oauth2_provider:authorize")


def error_pages(user) -> list[Page]:
    pages = [
        Page("404 of a staff page", "/crm/orders/999999999/", "crm:order", status=404),
        Page("404 of no page", "/no-such-page/", status=404),
    ]
    if not user.is_superuser:
        pages.append(
            Page(
                "403 in the admin",
                reverse("admin:integration_connect"),
                "admin:integration_connect",
                status=403,
                drawn_by=ADMIN,
            )
        )
    return pages


def tour(user, data: TourData) -> list[Page]:
    pages = [*admin_pages(user, data), *store_pages(user, data), *staff_pages(user, data)]
    pages.append(consent_page(data))
    pages += error_pages(user)
    # A page both derived twice (the 403 above) is looked at once.
    seen, unique = set(), []
    for page in pages:
        key = (page.url, page.status, page.look)
        if key not in seen:
            seen.add(key)
            unique.append(page)
    return unique


def our_routes() -> set[str]:
    """Every named route the product draws itself: /crm/, /dashboards/, and the admin's
    pages beyond Django's own for each model."""
    names = set()

    def walk(resolver, namespace=""):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry, inner)
            elif isinstance(entry, URLPattern) and entry.name:
                names.add(f"{namespace}{entry.name}")

    walk(get_resolver())
    ours = set()
    for name in names:
        namespace, _, short = name.rpartition(":")
        if (
            namespace in {"crm", "dashboards"}
            or namespace == "admin"
            and not (
                short in STOCK_ADMIN_NAMES
                or short.startswith("django_rq_")
                or short.endswith(STOCK_ADMIN_SUFFIXES)
            )
        ):
            ours.add(name)
    return ours
