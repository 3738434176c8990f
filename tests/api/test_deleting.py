"""Deleting orders and carts through the API, and saving contacts through it: what the CRM
derives from orders (contact totals, first orders, the reports) ends exactly as a fresh rebuild
computes it, and a refused delete changes nothing."""

import pytest

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


def test_a_superadmins_token_deletes_an_order_and_totals_and_reports_follow(
    api, make_token, superuser, shop, django_capture_on_commit_callbacks
):
    token = make_token(["orders.write"], user=superuser)
    assert totals(shop["ann"]) == (2, {"EUR": "30.000"}, 1)
    first = shop["orders"]["#1"]

    with django_capture_on_commit_callbacks(execute=True):
        response = api("delete", f"/api/v1/orders/{first.pk}", token)
    derived.run_jobs()

    assert response.status_code == 204
    assert response.content == b""
    assert not Order.objects.filter(pk=first.pk).exists()
    # Ann's second order is her first now: her totals and the reports of both days follow.
    assert totals(shop["ann"]) == (1, {"EUR": "20.000"}, 2)
    assert derived.state()["first orders"] == ["#2", "#4"]
    assert not DailyOrderStats.objects.filter(day__day=1).exists()
    assert DailyOrderStats.objects.get(day__day=2).new_customers == 2
    after = derived.state()
    assert derived.rebuilt() == after


def test_a_superadmins_token_deletes_a_cart_and_the_cart_reports_follow(
    api, make_token, superuser, shop, django_capture_on_commit_callbacks
):
    token = make_token(["carts.write"], user=superuser)
    anns = shop["carts"][0]
    assert DailyCartStats.objects.get(day__day=1).abandoned == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = api("delete", f"/api/v1/carts/{anns.pk}", token)
    derived.run_jobs()

    assert response.status_code == 204
    assert not Cart.objects.filter(pk=anns.pk).exists()
    assert DailyCartStats.objects.get(day__day=1).abandoned == 1
    after = derived.state()
    assert derived.rebuilt() == after


@pytest.mark.parametrize("person", ["staff", "nobody"], ids=["a staff member's", "an app's own"])
def test_a_token_a_superadmin_did_not_give_deletes_nothing(
    api, make_token, staff_user, shop, person, django_capture_on_commit_callbacks
):
    token = make_token(
        ["orders.write", "carts.write"], user=staff_user if person == "staff" else None
    )
    before = derived.state()
    paths = [f"/api/v1/orders/{shop['orders']['#1'].pk}", f"/api/v1/carts/{shop['carts'][0].pk}"]

    for path in paths:
        with django_capture_on_commit_callbacks(execute=True):
            response = api("delete", path, token)
        assert response.status_code == 403, (path, response.content)
        assert response.json()["error"] == {
            "code": "forbidden",
            "message": "Only a token given by a superadmin may delete orders and carts.",
            "field": None,
        }
    derived.run_jobs()

    assert (Order.objects.count(), Cart.objects.count()) == (5, 3)
    assert totals(shop["ann"]) == (2, {"EUR": "30.000"}, 1)
    assert derived.state() == before


def test_an_app_limited_to_other_stores_gets_404_and_deletes_nothing(
    api, make_token, superuser, shop, django_capture_on_commit_callbacks
):
    token = make_token(
        ["orders.write", "carts.write"], user=superuser, stores=["other.myshopify.com"]
    )
    before = derived.state()
    paths = [f"/api/v1/orders/{shop['orders']['#1'].pk}", f"/api/v1/carts/{shop['carts'][0].pk}"]

    for path in paths:
        with django_capture_on_commit_callbacks(execute=True):
            response = api("delete", path, token)
        assert response.status_code == 404, (path, response.content)
        assert response.json() == {
            "error": {"code": "not_found", "message": "Not found.", "field": None}
        }
    derived.run_jobs()

    assert (Order.objects.count(), Cart.objects.count()) == (5, 3)
    assert derived.state() == before


@pytest.mark.parametrize("method", ["post", "patch"], ids=["created", "changed"])
def test_a_contact_saved_through_the_api_takes_the_guest_orders_with_its_email(
    api, make_token, staff_user, shop, method, django_capture_on_commit_callbacks
):
    token = make_token(["contacts.write"], user=staff_user)
    path = "/api/v1/contacts"
    if method == "patch":
        path += f"/{Contact.objects.create(email='other@example.com').pk}"

    with django_capture_on_commit_callbacks(execute=True):
        response = api(method, path, token, {"email": "Guest@Example.com", "first_name": "Gus"})
    derived.run_jobs()

    assert response.status_code in (200, 201), response.content
    guest = Contact.objects.get(pk=response.json()["id"])
    assert Order.objects.get(name="#5").contact_id == guest.pk
    assert totals(guest) == (1, {"EUR": "5.000"}, 3)
    # The answer shows the totals the guest order gave.
    assert (response.json()["orders_count"], response.json()["total_spent"]) == (
        1,
        {"EUR": "5.000"},
    )
    assert "#5" in derived.state()["first orders"]
    after = derived.state()
    assert derived.rebuilt() == after
