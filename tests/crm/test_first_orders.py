"""Each contact's first order in a store carries the mark that makes it a new customer's."""

import datetime

import pytest

from crm.models import Order
from crm.services import refresh_first_orders

pytestmark = pytest.mark.django_db

DAY = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)


def marked():
    return sorted(Order.objects.filter(first_order=True).values_list("name", flat=True))


def test_the_first_order_per_contact_and_store_is_marked_and_moves(make_contact, make_order):
    ann = make_contact()
    second = make_order(name="#2", contact=ann, processed_at=DAY + datetime.timedelta(days=2))
    make_order(name="#9", contact=ann, source_store="other.myshopify.com", processed_at=DAY)

    assert refresh_first_orders("demo.myshopify.com", [ann.pk]) == [second.pk]
    assert marked() == ["#2"]

    # An earlier order arrives: it takes the mark, and both moved.
    first = make_order(name="#1", contact=ann, processed_at=DAY)
    assert sorted(refresh_first_orders("demo.myshopify.com", [ann.pk])) == [second.pk, first.pk]
    assert marked() == ["#1"]
    assert refresh_first_orders("demo.myshopify.com", [ann.pk]) == []

    # Cancelled, it is no customer's first order any more.
    Order.objects.filter(pk=first.pk).update(cancelled_at=DAY)
    refresh_first_orders("demo.myshopify.com", [ann.pk, None])
    assert marked() == ["#2"]
