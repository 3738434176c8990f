"""A page of a list costs the same few queries however many records it shows (no query per
record or per line)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import CartLineItem, OrderLineItem, ProductVariant


def queries(api, path, token):
    with CaptureQueriesContext(connection) as captured:
        response = api("get", path, token)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("path", ["/api/v1/orders", "/api/v1/carts", "/api/v1/products"])
def test_a_page_costs_the_same_queries_for_3_or_30_records(
    path, api, make_token, staff_user, make_order, make_cart, make_product
):
    token = make_token(user=staff_user)

    def add(count):
        for n in range(count):
            product = make_product(name=f"P{n}")
            ProductVariant.objects.create(product=product, title="One")
            order = make_order(name=f"#{n}")
            OrderLineItem.objects.create(order=order, product=product, title="P")
            cart = make_cart()
            CartLineItem.objects.create(cart=cart, title="P")

    add(3)
    few = queries(api, path, token)
    add(27)
    assert queries(api, path, token) == few
