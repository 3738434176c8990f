"""The data the visual tour walks through: two stores synced from the emulator (US in USD on
Shopify Plus, with companies; Europe in EUR), custom properties with values, a segment, a
dashboard with custom reports, a follow-up rule that fired, an API app with its tokens, a
failing record and webhook deliveries; and the two people who look: a superuser and a shop
employee."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field

from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from oauth2_provider.models import AccessToken, Grant, IDToken, RefreshToken

from api.models import Application
from crm import segments
from crm.models import (
    Cart,
    Contact,
    FollowUpRule,
    Order,
    PipelineStage,
    PropertyDefinition,
    Segment,
    TriggerDelivery,
)
from dashboards.models import CustomReport, Dashboard, DashboardAccess, DashboardReport
from dashboards.reports import REGISTRY
from integration.models import Store
from sync import services
from sync.adapters import ADAPTERS, scopes
from sync.models import DeliveryState, IssueDirection, SyncIssue, WebhookDelivery
from tests.conftest import APPROVED_APP
from tests.sync.e2e.conftest import work

US_SHOP = "tour-us.myshopify.com"
EU_SHOP = "tour-eu.myshopify.com"
PASSWORD = "tour-password"

# A shop employee: reads customers, orders, carts and how the syncs are doing, edits contacts
# and companies; does not connect stores, set up syncs, edit pipelines, manage users, API apps
# or follow-up rules (those are the superuser's).
EMPLOYEE_PERMISSIONS = {
    "crm": [
        "view_contact",
        "change_contact",
        "view_company",
        "change_company",
        "view_product",
        "view_order",
        "view_cart",
        "view_pipeline",
        "view_propertydefinition",
    ],
    "integration": ["view_store"],
    "sync": [
        "view_syncsetting",
        "view_syncrun",
        "view_syncissue",
        "view_recordmapping",
        "view_webhookdelivery",
    ],
}


@dataclass
class TourData:
    superuser: object
    employee: object
    us: Store
    eu: Store
    currencies: tuple[str, ...]
    # The record whose pages the tour opens, per model label (a contact with tags and
    # properties, an order with a contact...); models not named here show their first one.
    showcase: dict[str, object] = field(default_factory=dict)
    dashboard: Dashboard | None = None
    custom_reports: list[CustomReport] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    application: Application | None = None


def seed(shopify_emulator, settings, live_server, django_user_model) -> TourData:
    client = shopify_emulator.client
    client.reset()
    client.add_app(settings.SHOPIFY_API_KEY, settings.SHOPIFY_API_SECRET, **APPROVED_APP)
    client.add_shop(US_SHOP, plan="plus", name="Tour US", currency="USD", country="US")
    client.add_shop(EU_SHOP, plan="basic", name="Tour Europe", currency="EUR", country="DE")
    # Enough for every page to have content, and lists short of a second page.
    counts = {"customers": 20, "products": 6, "orders": 30, "checkouts": 10}
    for shop, extra, number in [(US_SHOP, {"companies": 4}, 31), (EU_SHOP, {}, 32)]:
        client.faults(shop, webhook_drop_rate=1.0)
        client.seed(shop, **counts, **extra, seed=number)
    settings.SHOPIFY_BASE_URL = f"{shopify_emulator.url}/{{shop}}"
    settings.APP_URL = live_server.url

    stores = {}
    for shop in (US_SHOP, EU_SHOP):
        token = client.token(shop, settings.SHOPIFY_API_KEY, scopes())
        store = services.connect_store_token(shop_domain=shop, access_token=token, user=None)
        for object_type, adapter in ADAPTERS.items():
            if not adapter.unavailable(store):
                services.turn_on(store=store, object_type=object_type)
        stores[shop] = store
    work()  # the initial syncs, and the aggregates they queue

    superuser = django_user_model.objects.create_superuser(
        "owner", "owner@example.com", PASSWORD, first_name="Olivia", last_name="Owner"
    )
    employee = django_user_model.objects.create_user(
        "employee", "employee@example.com", PASSWORD, is_staff=True, first_name="Erik"
    )
    employees = Group.objects.create(name="Shop staff")
    for app_label, codenames in EMPLOYEE_PERMISSIONS.items():
        employees.permissions.add(
            *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )
    employee.groups.add(employees)

    data = TourData(
        superuser=superuser,
        employee=employee,
        us=stores[US_SHOP],
        eu=stores[EU_SHOP],
        currencies=_currencies(),
    )
    _properties(data)
    _segments(data)
    _dashboards(data)
    _follow_up(data)
    _api(data)
    _sync_trouble(data)
    return data


def _currencies() -> tuple[str, ...]:
    found = set(Store.objects.values_list("currency", flat=True))
    found |= set(Order.objects.values_list("currency", flat=True).distinct())
    return tuple(sorted(code for code in found if code))


def _properties(data: TourData):
    """Custom properties of orders and carts (contacts have none), with values; contacts
    tagged."""
    PropertyDefinition.objects.create(
        object_type="order",
        internal_name="channel",
        label="Sales channel",
        type="enumeration",
        options=["Web", "Phone", "Market stall"],
    )
    PropertyDefinition.objects.create(
        object_type="order", internal_name="weight", label="Parcel weight (kg)", type="number"
    )
    PropertyDefinition.objects.create(
        object_type="cart", internal_name="reminded", label="Reminder sent", type="boolean"
    )
    for number, order in enumerate(Order.objects.order_by("pk")[:30]):
        order.properties = {"channel": ["Web", "Phone"][number % 2], "weight": "1.5"}
        order.save(update_fields=["properties"])
    Cart.objects.filter(pk__in=Cart.objects.order_by("pk").values("pk")[:6]).update(
        properties={"reminded": True}
    )
    buyers = Contact.objects.filter(orders_count__gt=0).order_by("-orders_count", "pk")
    for contact in buyers[:12]:
        contact.tags = sorted({*contact.tags, "gift-buyer", "newsletter"})
        contact.save(update_fields=["tags"])
    contact = buyers.filter(company__isnull=False).first() or buyers.first()
    data.showcase["crm.Contact"] = contact
    data.showcase["crm.Order"] = Order.objects.filter(contact=contact).order_by("-total").first()
    if contact.company_id:
        data.showcase["crm.Company"] = contact.company
    data.showcase["crm.Order (EUR)"] = (
        Order.objects.filter(source_store=EU_SHOP, contact__isnull=False).order_by("pk").first()
    )


def _segments(data: TourData):
    """Segments as the form saves them: conditions through segments.clean."""
    made = [
        ("Repeat customers", "contact", {"min_orders": 2}),
        (
            "Big spenders in euros",
            "contact",
            {"orders_total_over": {"currency": "EUR", "amount": "100"}},
        ),
        (
            "Companies buying in dollars",
            "company",
            {"orders_total_over": {"currency": "USD", "amount": "200"}},
        ),
    ]
    data.segments = [
        Segment.objects.create(
            name=name, object_type=object_type, conditions=segments.clean(object_type, conditions)
        )
        for name, object_type, conditions in made
    ]


def _over(currency: str, amount: str) -> dict:
    return {"currency": currency, "amount": amount}


def _dashboards(data: TourData):
    owner = data.superuser
    data.custom_reports = [
        CustomReport.objects.create(
            name="Revenue by stage", measure="sum", field="total", group_by="stage", owner=owner
        ),
        CustomReport.objects.create(
            name="Orders by sales channel",
            measure="count",
            group_by="properties.channel",
            chart="table",
            owner=owner,
        ),
    ]
    dashboard = Dashboard.objects.create(
        name="E-commerce", owner=owner, access=DashboardAccess.VIEW
    )
    keys = [*REGISTRY, *(report.key for report in data.custom_reports)]
    DashboardReport.objects.bulk_create(
        DashboardReport(dashboard=dashboard, report_key=key, position=position)
        for position, key in enumerate(keys)
    )
    data.dashboard = dashboard
    europe = Dashboard.objects.create(
        name="Europe", owner=owner, access=DashboardAccess.VIEW, store=EU_SHOP
    )
    DashboardReport.objects.bulk_create(
        DashboardReport(dashboard=europe, report_key=key, position=position)
        for position, key in enumerate(list(REGISTRY)[:4])
    )


def _follow_up(data: TourData):
    rule = FollowUpRule.objects.create(
        name="Tell the warehouse about shipped orders",
        event="order_entered_stage",
        stage=PipelineStage.objects.get(internal_name="shipped"),
        url="https://hooks.example.com/warehouse",
        secret="warehouse-secret",
    )
    order = data.showcase["crm.Order"]
    TriggerDelivery.objects.create(
        rule=rule,
        key=f"order:{order.pk}:shipped",
        payload={"order": order.name, "stage": "Shipped", "total": str(order.total)},
    )


def _api(data: TourData):
    app = Application.objects.create(
        name="Reporting tool",
        user=data.superuser,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://reporting.example.com/callback",
        client_secret="reporting-tool-client-secret",
        allowed_scopes=["orders.read", "reports.read"],
    )
    data.application = app
    expires = timezone.now() + datetime.timedelta(hours=1)
    access = AccessToken.objects.create(
        user=data.superuser,
        application=app,
        token="tour-access-token",
        expires=expires,
        scope="orders.read",
    )
    RefreshToken.objects.create(
        user=data.superuser, application=app, token="tour-refresh-token", access_token=access
    )
    Grant.objects.create(
        user=data.superuser,
        application=app,
        code="tour-grant-code",
        expires=expires,
        redirect_uri="https://reporting.example.com/callback",
        scope="orders.read",
        code_challenge="x" * 43,
        code_challenge_method="S256",
    )
    IDToken.objects.create(user=data.superuser, application=app, expires=expires)


def _sync_trouble(data: TourData):
    """A contact Shopify refused (an invalid phone), one the CRM could not take, and the
    deliveries of a day: processed, failed, refused."""
    contact = data.showcase["crm.Contact"]
    SyncIssue.objects.create(
        store=data.us,
        object_type="contacts",
        crm_id=contact.pk,
        direction=IssueDirection.OUTBOUND,
        error="phone: Phone is invalid",
        attempts=3,
    )
    SyncIssue.objects.create(
        store=data.eu,
        object_type="orders",
        shopify_id=9_876_543,
        error="ValueError: The order's total is not a number: 'twelve'",
        payload={"id": "gid://shopify/Order/9876543", "totalPriceSet": "twelve"},
    )
    body = json.dumps({"id": 9_876_543, "email": contact.email, "total_price": "12.50"})
    for number, (state, error) in enumerate(
        [
            (DeliveryState.PROCESSED, ""),
            (DeliveryState.FAILED, "Gave up after 5 attempts: ShopifyUnavailable: 503"),
            (DeliveryState.REFUSED, "The body names another shop than tour-us.myshopify.com"),
        ]
    ):
        WebhookDelivery.objects.create(
            webhook_id=f"tour-webhook-{number}",
            store=data.us,
            topic="orders/updated",
            api_version="2026-10",
            body=body,
            state=state,
            attempts=5 if state == DeliveryState.FAILED else 1,
            error=error,
            processed_at=timezone.now() if state == DeliveryState.PROCESSED else None,
        )
