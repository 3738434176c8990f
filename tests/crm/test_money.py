import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.template import Context, Template
from django.utils import translation

from crm.models import Order, OrderLineItem, Product, ProductVariant
from crm.money import format_money, format_number, format_percent, plain_amount

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


# The no-break space CLDR puts between a symbol of letters and the digits.
NBSP = "\xa0"


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (Decimal("1234.5"), "USD", "$1,234.50"),
        (Decimal("1234.5"), "EUR", "€1,234.50"),
        (Decimal("1234.5"), "SEK", f"SEK{NBSP}1,234.50"),
        (Decimal("1234.5"), "CAD", "CA$1,234.50"),
        (Decimal("1234.500"), "JPY", "¥1,235"),
        (Decimal("12.345"), "KWD", f"KWD{NBSP}12.345"),
        (Decimal("91.840"), "USD", "$91.84"),
        # Half up, as shops round: not to the even neighbour.
        (Decimal("91.845"), "USD", "$91.85"),
        (Decimal("-5"), "GBP", "-£5.00"),
        (Decimal("0"), "SEK", f"SEK{NBSP}0.00"),
        ("616.7", "USD", "$616.70"),
        (Decimal("5"), "", "5.00"),
        (None, "SEK", ""),
        ("not a number", "SEK", ""),
    ],
)
def test_format_money_uses_the_locale_and_the_currency_decimals(amount, currency, expected):
    assert format_money(amount, currency) == expected


def test_format_money_follows_the_active_language():
    with translation.override("de"):
        assert format_money(Decimal("1234.5"), "EUR") == f"1.234,50{NBSP}€"
        assert format_money(Decimal("1234.5"), "SEK") == f"1.234,50{NBSP}SEK"
        assert format_percent(Decimal("0.67")) == f"67,0{NBSP}%"
    with translation.override("xx-unknown"):
        assert format_money(Decimal("1234.5"), "USD") == "$1,234.50"


@pytest.mark.parametrize(
    ("number", "decimals", "expected"),
    [
        (1234567, None, "1,234,567"),
        (Decimal("1234.5"), None, "1,234.5"),
        (Decimal("19886.8900000000"), 2, "19,886.89"),
        (0, None, "0"),
        (None, None, ""),
    ],
)
def test_format_number_groups_thousands(number, decimals, expected):
    assert format_number(number, decimals) == expected


@pytest.mark.parametrize(
    ("ratio", "decimals", "expected"),
    [
        (Decimal("0.67"), 1, "67.0%"),
        (Decimal("0.6666"), 0, "67%"),
        (Decimal("-0.047"), 1, "-4.7%"),
        (Decimal("12.5"), 1, "1,250.0%"),
        (None, 1, ""),
    ],
)
def test_format_percent_shows_a_ratio_as_a_percentage(ratio, decimals, expected):
    assert format_percent(ratio, decimals) == expected


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (Decimal("91.840"), "USD", Decimal("91.84")),
        (Decimal("19886.8900000000"), "EUR", Decimal("19886.89")),
        (Decimal("1234.5"), "JPY", Decimal("1235")),
        (Decimal("12.345"), "KWD", Decimal("12.345")),
        (None, "USD", None),
    ],
)
def test_plain_amount_keeps_the_currency_decimals_for_machines(amount, currency, expected):
    value = plain_amount(amount, currency)
    assert value == expected
    assert str(value) == str(expected)


def test_the_template_filters_format_as_the_module_does():
    template = Template(
        "{% load money %}{{ total|money:currency }} | {{ count|number }} | "
        "{{ rate|percent }} | {{ rate|percent:0 }} | {{ missing|money:currency|default:'—' }}"
    )
    context = Context(
        {"total": Decimal("91.840"), "currency": "USD", "count": 12345, "rate": Decimal("0.67")}
    )

    assert template.render(context) == "$91.84 | 12,345 | 67.0% | 67% | —"


def test_the_money_filter_escapes_nothing_it_should_not():
    rendered = Template("{% load money %}{{ amount|money:'SEK' }}").render(
        Context({"amount": Decimal("1234.5")})
    )

    assert rendered == f"SEK{NBSP}1,234.50"
