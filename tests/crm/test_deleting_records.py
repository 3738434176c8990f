"""Deleting orders, carts and contacts in the admin and on the staff pages: what the CRM derives
from them (contact totals, first orders, the reports) ends exactly as a fresh rebuild computes
it."""

import pytest
from django.urls import reverse

from crm.models import Cart, Contact, Order
from dashboards.models import DailyCartStats, DailyOrderStats
from tests import derived

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(redis_connection):
    return derived.make_shop()


def totals(contact):
    contact.refresh_from_db()
    return contact.orders_count, contact.total_spent, contact.first_order_at.day


def test_deleting_a_first_order_in_the_admin_brings_totals_and_reports_up_to_date(
    admin_client, shop, django_capture_on_commit_callbacks
):
    assert totals(shop["ann"]) == (2, {"EUR": "30.000"}, 1)
    first = shop["orders"]["#1"]

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:crm_order_delete", args=[first.pk]), {"post": "yes"}
        )
    derived.run_jobs()

    assert response.status_code == 302
    assert not Order.objects.filter(pk=first.pk).exists()
    # Ann's second order is her first now: her totals and the reports of both days follow.
    assert totals(shop["ann"]) == (1, {"EUR": "20.000"}, 2)
    assert derived.state()["first orders"] == ["#2", "#4"]
    assert not DailyOrderStats.objects.filter(day__day=1).exists()
    assert DailyOrderStats.objects.get(day__day=2).new_customers == 2
    after = derived.state()
    assert derived.rebuilt() == after


def test_deleting_orders_in_bulk_in_the_admin_leaves_what_a_rebuild_gives(
    admin_client, shop, django_capture_on_commit_callbacks
):
    chosen = [shop["orders"]["#2"].pk, shop["orders"]["#4"].pk]

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:crm_order_changelist"),
            {"action": "delete_selected", "_selected_action": chosen, "post": "yes"},
        )
    derived.run_jobs()

    assert sorted(Order.objects.values_list("name", flat=True)) == ["#1", "#3", "#5"]
    assert totals(shop["ann"]) == (1, {"EUR": "10.000"}, 1)
    shop["bo"].refresh_from_db()
    assert (shop["bo"].orders_count, shop["bo"].total_spent) == (0, {})
    after = derived.state()
    assert derived.rebuilt() == after


def test_deleting_an_order_on_the_staff_page_leaves_what_a_rebuild_gives(
    client, superuser, shop, django_capture_on_commit_callbacks
):
    client.force_login(superuser)
    first = shop["orders"]["#1"]

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("crm:order_delete", args=[first.pk]), {"confirm": "#1"})
    derived.run_jobs()

    assert not Order.objects.filter(pk=first.pk).exists()
    assert totals(shop["ann"]) == (1, {"EUR": "20.000"}, 2)
    after = derived.state()
    assert derived.rebuilt() == after


def test_deleting_a_cart_in_the_admin_and_on_the_staff_page_updates_the_reports(
    admin_client, client, superuser, shop, django_capture_on_commit_callbacks
):
    first, second, _ = shop["carts"]
    assert DailyCartStats.objects.get(day__day=1).abandoned == 2

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("admin:crm_cart_delete", args=[first.pk]), {"post": "yes"})
    derived.run_jobs()
    assert DailyCartStats.objects.get(day__day=1).abandoned == 1

    client.force_login(superuser)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("crm:cart_delete", args=[second.pk]), {"confirm": "delete"})
    derived.run_jobs()

    assert Cart.objects.count() == 1
    assert not DailyCartStats.objects.filter(day__day=1).exists()
    after = derived.state()
    assert derived.rebuilt() == after


def test_deleting_a_contact_in_the_admin_leaves_its_orders_nobodys_first(
    admin_client, shop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:crm_contact_delete", args=[shop["ann"].pk]), {"post": "yes"}
        )
    derived.run_jobs()

    assert not Contact.objects.filter(pk=shop["ann"].pk).exists()
    assert Order.objects.filter(name__in=["#1", "#2", "#3"], contact=None).count() == 3
    assert derived.state()["first orders"] == ["#4"]
    assert DailyOrderStats.objects.get(day__day=1).new_customers == 0
    after = derived.state()
    assert derived.rebuilt() == after


def test_a_contact_saved_in_the_admin_takes_the_guest_orders_with_its_email(
    admin_client, shop, django_capture_on_commit_callbacks
):
    guest = Contact.objects.create(email="other@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:crm_contact_change", args=[guest.pk]),
            {
                "email": "Guest@Example.com",
                "first_name": "Gus",
                "last_name": "",
                "phone": "",
                "company": "",
                "address1": "",
                "address2": "",
                "city": "",
                "province": "",
                "postal_code": "",
                "country_code": "",
                "tags": "",
                "note": "",
            },
        )
    derived.run_jobs()

    assert Order.objects.get(name="#5").contact_id == guest.pk
    assert totals(guest) == (1, {"EUR": "5.000"}, 3)
    assert "#5" in derived.state()["first orders"]
    after = derived.state()
    assert derived.rebuilt() == after
