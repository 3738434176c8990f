"""Refused and missing pages are pages of the product: in the staff pages' frame, saying why,
with a way back; the staff menu only for staff."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_refused_page_says_why_in_the_staff_frame(client, django_user_model):
    shopper = django_user_model.objects.create_user("shopper", password="pw")
    client.force_login(shopper)

    response = client.get(reverse("crm:orders"))

    assert response.status_code == 403
    page = response.content.decode()
    assert "<title>Not allowed · CRM</title>" in page
    assert '<link rel="stylesheet" href="/static/crm/staff.css">' in page
    assert "<p>These pages are for staff.</p>" in page
    assert "Nothing was changed." in page
    assert 'aria-label="CRM"' not in page  # no staff menu for someone who is not staff


def test_staff_refused_an_action_keep_their_menu(client, staff_user, make_order):
    order = make_order()
    client.force_login(staff_user)

    response = client.post(reverse("crm:order_delete", args=[order.pk]), {"confirm": order.name})

    assert response.status_code == 403
    page = response.content.decode()
    assert "Only superadmins may" in page
    assert 'aria-label="CRM"' in page
    assert f'href="{reverse("crm:home")}">CRM home</a>' in page
    assert order.__class__.objects.filter(pk=order.pk).exists()


def test_a_missing_page_is_a_page(client, staff_user):
    client.force_login(staff_user)

    response = client.get("/crm/orders/999999/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "<title>Not found · CRM</title>" in page
    assert "There is no page at this address" in page
