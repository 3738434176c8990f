"""Inputs that answered 500 (finding 7) answer 400 or a form error, and store nothing that
could break a page later."""

import pytest
from django.urls import reverse

from crm.models import Segment
from dashboards.models import Dashboard

pytestmark = pytest.mark.django_db

LISTS = ["crm:orders", "crm:carts", "crm:contacts", "crm:companies", "crm:products"]


@pytest.fixture
def staff_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize("page", ["99999999999999999999", "²", "0", "-1", "1.5", "10001"])
def test_a_page_that_is_no_page_is_a_bad_request(staff_client, name, page):
    assert staff_client.get(reverse(name), {"page": page}).status_code == 400


@pytest.mark.parametrize("name", LISTS)
def test_a_search_with_nul_or_of_a_novel_is_refused_not_a_crash(staff_client, name):
    for q in ("\x00", "a\x00b", "x" * 5000):
        response = staff_client.get(reverse(name), {"q": q})
        assert response.status_code in (200, 400), (name, q)
        if response.status_code == 200:  # the index pages show the form with its error
            assert response.context["rows"] == []


@pytest.mark.parametrize("name", ["crm:orders", "crm:carts"])
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2026-02-30"])
def test_a_date_outside_any_order_is_a_form_error(staff_client, make_order, make_cart, name, day):
    make_order()
    make_cart()

    response = staff_client.get(reverse(name), {"until": day, "since": day})

    assert response.status_code == 200
    assert response.context["rows"] == []
    assert response.context["filters"].errors


@pytest.mark.parametrize(
    "period",
    [
        {"range": "custom", "start": "0001-01-01", "end": "0001-01-31"},
        {"range": "custom", "start": "9999-12-01", "end": "9999-12-31"},
        {"range": "custom", "start": "x" * 500, "end": "2026-12-01"},
        {"store": "s" * 300},
    ],
)
def test_a_dashboard_range_or_store_that_is_none_shows_the_page(staff_client, superuser, period):
    dashboard = Dashboard.objects.create(name="D", owner=superuser)

    response = staff_client.get(reverse("dashboards:page", args=[dashboard.pk]), period)

    assert response.status_code == 200


def test_a_dashboard_for_a_store_that_is_none_is_not_created(staff_client):
    response = staff_client.post(
        reverse("dashboards:create"),
        {"name": "D", "access": "view", "reports": ["orders"], "store": "s" * 300},
    )

    assert response.status_code == 200
    assert "The store:" in response.content.decode()
    assert Dashboard.objects.count() == 0


def test_a_segment_beyond_any_date_is_refused_and_the_list_still_answers(staff_client):
    response = staff_client.post(
        reverse("crm:segment_new"),
        {"name": "Forever", "object_type": "contact", "abandoned_cart_days": "999999999"},
    )

    assert response.status_code == 200
    assert Segment.objects.count() == 0
    assert staff_client.get(reverse("crm:segments")).status_code == 200
