import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum

from crm.models import Order, OrderLineItem, Product, ProductVariant
from crm.money import format_money

pytestmark = pytest.mark.django_db


def test_amounts_come_back_from_the_database_as_exact_decimals(make_order):
    order = make_order(subtotal=Decimal("0.10"), tax=Decimal("0.20"), total=Decimal("0.30"))

    order.refresh_from_db()

    for amount in (order.subtotal, order.tax, order.total, order.discounts):
        assert type(amount) is Decimal
    assert order.subtotal + order.tax == order.total == Decimal("0.3")


def test_sums_in_the_database_stay_exact(make_order):
    order = make_order()
    OrderLineItem.objects.bulk_create(
        OrderLineItem(order=order, title="Sticker", unit_price=Decimal("0.10"), total="0.10")
        for _ in range(10)
    )

    total = OrderLineItem.objects.filter(order=order).aggregate(total=Sum("total"))["total"]

    assert type(total) is Decimal
    assert total == Decimal("1.00")


def test_three_decimal_currencies_keep_their_third_decimal(make_order):
    order = make_order(currency="KWD", total=Decimal("12.345"))

    order.refresh_from_db()

    assert order.total == Decimal("12.345")


def test_a_float_amount_is_refused_and_nothing_is_saved(make_order):
    with pytest.raises(TypeError, match="not the float 0.1"), transaction.atomic():
        make_order(total=0.1)

    assert Order.objects.count() == 0


def test_a_float_amount_is_refused_in_updates_too(make_product):
    product = make_product()

    with pytest.raises(TypeError), transaction.atomic():
        Product.objects.filter(pk=product.pk).update(price=19.99)
    with pytest.raises(TypeError), transaction.atomic():
        ProductVariant.objects.create(product=product, title="Large", price=1.5)

    product.refresh_from_db()
    assert product.price == Decimal("12.50")
    assert product.variants.count() == 0


def test_money_from_text_input_is_exact(make_order):
    order = make_order(
        total="19.99", processed_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )

    order.refresh_from_db()

    assert order.total == Decimal("19.99")


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (Decimal("1234.5"), "EUR", "1,234.50 EUR"),
        (Decimal("1234.000"), "JPY", "1,234 JPY"),
        (Decimal("12.345"), "KWD", "12.345 KWD"),
        (Decimal("0"), "SEK", "0.00 SEK"),
        (None, "SEK", ""),
    ],
)
def test_format_money_uses_the_currency_decimals(amount, currency, expected):
    assert format_money(amount, currency) == expected
