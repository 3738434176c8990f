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

from crm.models import Cart, Pipeline
from dashboards.models import Dashboard
from integration.admin import can_connect
from sync.adapters import ADAPTERS
from sync.models import SyncRun
from sync.setup_views import can_manage
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
    also: tuple[int, ...] = ()  # other statuses it may answer (a page found by its route)


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


def _guarded(name: str, route: str, args: list, may: bool, **fields) -> Page:
    """A page the user sees when `may`, else is refused (403: fetched, not looked at)."""
    look = fields.pop("look", True)
    return Page(
        name,
        reverse(route, args=args),
        route,
        status=200 if may else 403,
        look=may and look,
        **fields,
    )


def store_pages(user, data: TourData) -> list[Page]:
    """The store pages around the admin's: connecting, the sync set-up steps, deleting a
    sync, disconnecting, the pipeline editor, a run's progress and the failing records' CSV."""
    manage, connect = can_manage(user), can_connect(user)
    us = data.us.pk
    pages = [
        _guarded("connect a store", "admin:integration_connect", [], connect, drawn_by=ADMIN),
        _guarded(
            "connect with credentials",
            "admin:integration_connect_credentials",
            [],
            connect,
            drawn_by=ADMIN,
        ),
        _guarded(
            "disconnect the US store",
            "admin:integration_store_disconnect",
            [us],
            connect,
            drawn_by=ADMIN,
        ),
        _guarded("set up a sync: choose", "admin:sync_setup_choose", [us], manage, drawn_by=ADMIN),
    ]
    # Every object on the US store (Plus: all five); on the EUR store the orders (its stages
    # and currency), the other steps being the same forms.
    for store, object_types in [(data.us, list(ADAPTERS)), (data.eu, ["orders"])]:
        for object_type in object_types:
            if ADAPTERS[object_type].unavailable(store):
                continue
            for step in ("configure", "limit", "review"):
                pages.append(
                    _guarded(
                        f"set up {object_type} on {store.currency}: {step}",
                        f"admin:sync_setup_{step}",
                        [store.pk, object_type],
                        manage,
                        drawn_by=ADMIN,
                    )
                )
    pipeline = Pipeline.objects.get(is_default=True)
    run = SyncRun.objects.filter(store=data.us).order_by("pk").first()
    pages += [
        _guarded(
            "delete the carts sync", "admin:sync_delete", [us, "carts"], manage, drawn_by=ADMIN
        ),
        _guarded(
            "pipeline stages editor",
            "admin:crm_pipeline_stages",
            [pipeline.pk],
            user.has_perm("crm.edit_pipelines"),
            drawn_by=ADMIN,
        ),
        _guarded(
            "a sync run's progress",
            "admin:sync_syncrun_progress",
            [run.pk],
            user.has_perm("sync.view_syncrun"),
            look=False,
            kind="json",
        ),
        _guarded(
            "failing records CSV",
            "admin:sync_syncissue_export",
            [],
            user.has_perm("sync.view_syncissue"),
            look=False,
            kind="csv",
        ),
    ]
    return pages


def staff_pages(user, data: TourData) -> list[Page]:
    """The staff pages under /crm/ and the dashboards, with details of seeded records."""
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
    pages.append(
        Page(
            "confirm deleting the dashboard" if owner else "delete someone's dashboard (403)",
            reverse("dashboards:delete", args=[dashboard.pk]),
            "dashboards:delete",
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


def route_arguments(data: TourData) -> dict[str, object]:
    """A seeded value for each URL argument our routes take, by its name: a route added later
    with these arguments is toured without a change here."""
    return {
        "order_id": data.showcase["crm.Order"].pk,
        "cart_id": Cart.objects.order_by("pk").first().pk,
        "contact_id": data.showcase["crm.Contact"].pk,
        "company_id": data.showcase["crm.Company"].pk,
        "segment_id": data.segments[0].pk,
        "dashboard_id": data.dashboard.pk,
        "report_id": data.custom_reports[0].pk,
        "store_id": data.us.pk,
        "object_type": "orders",
        "pipeline_id": Pipeline.objects.get(is_default=True).pk,
        "run_id": SyncRun.objects.filter(store=data.us).order_by("pk").first().pk,
        "key": "orders_by_stage",
    }


def pages_by_route(user, data: TourData, toured: set[str]) -> list[Page]:
    """Our routes no page above opens and NOT_TOURED does not explain, opened with seeded
    arguments: a superuser must see them; another user may be refused; a route that takes
    POST only (405) is no page. A route whose arguments are unknown is reported."""
    known = route_arguments(data)
    refused = () if user.is_superuser else (403,)
    pages = []
    for route, arguments in sorted(our_routes().items()):
        if route in toured or route in NOT_TOURED:
            continue
        missing = [name for name in arguments if name not in known]
        if missing:
            pages.append(
                Page(f"{route}: no seeded value for {', '.join(missing)}", "", route, status=0)
            )
            continue
        url = reverse(route, kwargs={name: known[name] for name in arguments})
        pages.append(Page(f"{route} (found by its route)", url, route, also=(*refused, 405)))
    return pages


def tour(user, data: TourData) -> list[Page]:
    pages = [*admin_pages(user, data), *store_pages(user, data), *staff_pages(user, data)]
    pages.append(consent_page(data))
    pages += error_pages(user)
    pages += pages_by_route(user, data, {page.route for page in pages})
    # A page both derived twice (the 403 above) is looked at once.
    seen, unique = set(), []
    for page in pages:
        key = (page.url, page.status, page.look)
        if key not in seen:
            seen.add(key)
            unique.append(page)
    return unique


def our_routes() -> dict[str, list[str]]:
    """Every named route the product draws itself, with the names of its arguments: /crm/,
    /dashboards/, and the admin's pages beyond Django's own for each model."""
    found: dict[str, list[str]] = {}

    def walk(resolver, namespace="", arguments=()):
        for entry in resolver.url_patterns:
            names = [*arguments, *getattr(entry.pattern, "converters", {})]
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry, inner, names)
            elif isinstance(entry, URLPattern) and entry.name:
                found.setdefault(f"{namespace}{entry.name}", names)

    walk(get_resolver())
    ours = {}
    for name, arguments in found.items():
        namespace, _, short = name.rpartition(":")
        if namespace in {"crm", "dashboards"} or (
            namespace == "admin"
            and not (
                short in STOCK_ADMIN_NAMES
                or short.startswith("django_rq_")
                or short.endswith(STOCK_ADMIN_SUFFIXES)
            )
        ):
            ours[name] = arguments
    return ours
