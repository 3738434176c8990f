"""The staff home (/crm/): today's numbers exactly, the latest orders and carts, each store's
sync health with a link to its page, every dashboard the person may see, and who may get in."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from crm.models import Cart, Contact, Order, PipelineStage
from crm.views.home import today_numbers
from dashboards.models import Dashboard, DashboardAccess
from sync.models import MappingState, SyncState

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 12, 7, 15, 30, tzinfo=datetime.UTC)


def order(name, when, total, currency="EUR", **fields):
    return Order.objects.create(
        source_store="alpha.myshopify.com",
        name=name,
        currency=currency,
        presentment_currency=currency,
        total=Decimal(total),
        processed_at=when,
        pipeline_stage=PipelineStage.objects.get(internal_name="open"),
        **fields,
    )


def cart(status="abandoned", when=NOW):
    return Cart.objects.create(
        source_store="alpha.myshopify.com",
        currency="EUR",
        status=status,
        checkout_started_at=when,
        checkout_updated_at=when,
    )


def test_today_counts_todays_orders_per_currency_and_the_open_carts():
    morning = NOW.replace(hour=0, minute=0, second=1)
    order("#1", morning, "10.50")
    order("#2", NOW, "20.25")
    order("#3", NOW, "300", currency="SEK")
    order("#4", NOW, "999", cancelled_at=NOW)  # cancelled: not revenue
    order("#5", morning - datetime.timedelta(seconds=2), "50")  # yesterday
    order("#6", NOW + datetime.timedelta(days=1), "70")  # tomorrow
    cart()
    cart()
    cart(status="recovered")

    today = today_numbers(NOW)

    assert today["day"] == datetime.date(2026, 12, 7)
    assert today["orders"] == 3
    assert today["currencies"] == [
        {"currency": "EUR", "orders": 2, "revenue": "€30.75"},
        {"currency": "SEK", "orders": 1, "revenue": "SEK\xa0300.00"},
    ]
    assert today["open_carts"] == 2


def test_no_orders_today_is_said_plainly(client, staff_user):
    client.force_login(staff_user)
    page = client.get(reverse("crm:home")).content.decode()
    assert "No orders yet today." in page
    assert "0</span> orders today" in page


def test_the_home_shows_the_latest_orders_and_carts(client, staff_user):
    ann = Contact.objects.create(email="ann@example.com")
    placed = order("#1042", timezone.now(), "12", contact=ann)
    open_cart = cart(when=timezone.now())
    client.force_login(staff_user)

    page = client.get(reverse("crm:home")).content.decode()

    assert f'href="{reverse("crm:order", args=[placed.pk])}">#1042</a>' in page
    assert f'href="{reverse("crm:cart", args=[open_cart.pk])}">Cart {open_cart.pk}</a>' in page
    assert "1</span> order today" in page
    assert "1</span> open cart " in page
    for name in ("crm:contacts", "crm:orders", "crm:order_board", "crm:carts", "crm:segments"):
        assert f'href="{reverse(name)}"' in page


def test_stores_are_shown_with_their_sync_health(
    client, superuser, store, make_setting, make_mappings
):
    make_setting("contacts")
    make_setting("orders", state=SyncState.ERROR)
    make_mappings("contacts", MappingState.FAILING, count=3)
    make_mappings("contacts", MappingState.SYNCED, count=5)
    client.force_login(superuser)

    page = client.get(reverse("crm:home")).content.decode()

    store_url = reverse("admin:integration_store_change", args=[store.pk])
    assert (
        f'<li class="alert"><a href="{store_url}">Alpha</a> <span class="note">'
        "Connected · Contacts on, Orders error · 3 failing</span></li>"
    ) in page
    assert f'href="{reverse("admin:integration_connect")}"' in page
    assert f'href="{reverse("admin:sync_syncissue_changelist")}"' in page


def test_a_healthy_store_is_not_marked(client, superuser, store, make_setting, make_mappings):
    make_setting("contacts")
    make_mappings("contacts", MappingState.SYNCED, count=2)
    client.force_login(superuser)

    page = client.get(reverse("crm:home")).content.decode()

    store_url = reverse("admin:integration_store_change", args=[store.pk])
    assert f'<li><a href="{store_url}">Alpha</a> <span class="note">Connected · Contacts on' in page


def test_staff_see_the_stores_only_with_the_admin_permission(client, staff_user, store):
    client.force_login(staff_user)
    store_url = reverse("admin:integration_store_change", args=[store.pk])

    assert store_url not in client.get(reverse("crm:home")).content.decode()
    assert (
        reverse("admin:sync_syncrun_changelist")
        not in client.get(reverse("crm:home")).content.decode()
    )

    staff_user.user_permissions.add(
        Permission.objects.get(content_type__app_label="integration", codename="view_store")
    )
    page = client.get(reverse("crm:home")).content.decode()
    assert store_url in page
    # Connecting needs its own permission; the sync pages theirs.
    assert reverse("admin:integration_connect") not in page
    assert reverse("admin:sync_syncrun_changelist") not in page


def test_the_dashboards_the_person_may_see_are_listed(client, staff_user, superuser):
    mine = Dashboard.objects.create(name="My numbers", owner=staff_user, access="private")
    shared = Dashboard.objects.create(name="Team", owner=superuser, store="alpha.myshopify.com")
    hidden = Dashboard.objects.create(
        name="Root's own", owner=superuser, access=DashboardAccess.PRIVATE
    )
    client.force_login(staff_user)

    page = client.get(reverse("crm:home")).content.decode()

    assert f'href="{reverse("dashboards:page", args=[mine.pk])}">My numbers</a>' in page
    assert (
        f'href="{reverse("dashboards:page", args=[shared.pk])}">Team</a> '
        '<span class="note">alpha.myshopify.com</span>'
    ) in page
    assert reverse("dashboards:page", args=[hidden.pk]) not in page
    assert "Root&#x27;s own" not in page
    assert f'href="{reverse("dashboards:create")}"' in page


def test_the_home_is_for_active_staff(client, django_user_model):
    response = client.get(reverse("crm:home"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next=/crm/"

    shopper = django_user_model.objects.create_user("shopper", password="pw")
    client.force_login(shopper)
    refused = client.get(reverse("crm:home"))
    assert refused.status_code == 403
    assert b"These pages are for staff." in refused.content


def test_the_site_root_leads_to_the_home(client, staff_user):
    client.force_login(staff_user)
    assert client.get("/")["Location"] == reverse("crm:home")
