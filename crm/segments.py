"""Segments: contacts or companies chosen by what they are and by their orders and carts.

Conditions (all must hold), as a segment stores them:
- `ordered_product`: a product id — has an order with a line of that product;
- `abandoned_cart_days`: N — has a cart abandoned (not recovered) in the last N days;
- `order_property`: {"name", "value"} — has an order whose custom property has that value;
- `cart_property`: {"name", "value"} — the same for carts (contacts only);
- `min_orders`: N — at least N orders (contacts only);
- `orders_total_over`: {"currency", "amount"} — orders in that currency, cancelled ones
  aside, add up to more than the amount.
Each becomes an EXISTS or an aggregate subquery: a segment is counted in one query.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from babel.numbers import list_currencies
from django.core.exceptions import ValidationError
from django.db.models import DecimalField, Exists, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from crm.models import (
    Cart,
    CartStatus,
    Company,
    Contact,
    Order,
    OrderLineItem,
    Product,
    PropertyDefinition,
    Segment,
    SegmentObjectType,
)
from crm.money import format_money, format_number

# ISO 4217 as CLDR knows it (babel), less XXX ("no currency") and XTS (kept for testing).
CURRENCIES = frozenset(list_currencies()) - {"XXX", "XTS"}
CONTACT_CONDITIONS = {
    "ordered_product",
    "abandoned_cart_days",
    "order_property",
    "cart_property",
    "min_orders",
    "orders_total_over",
}
COMPANY_CONDITIONS = {"ordered_product", "order_property", "orders_total_over"}


def members(segment: Segment):
    """The segment's contacts or companies, as a queryset."""
    return apply(segment.object_type, segment.conditions)


def apply(object_type: str, conditions: dict):
    contacts = object_type == SegmentObjectType.CONTACT
    queryset = Contact.objects.all() if contacts else Company.objects.all()
    owner = "contact" if contacts else "company"
    orders = Order.objects.filter(**{owner: OuterRef("pk")})
    carts = (
        Cart.objects.filter(contact=OuterRef("pk"))
        if contacts
        else Cart.objects.filter(contact__company=OuterRef("pk"))
    )
    if "ordered_product" in conditions:
        lines = OrderLineItem.objects.filter(
            **{f"order__{owner}": OuterRef("pk")}, product_id=conditions["ordered_product"]
        )
        queryset = queryset.filter(Exists(lines))
    if "abandoned_cart_days" in conditions:
        since = timezone.now() - datetime.timedelta(days=int(conditions["abandoned_cart_days"]))
        queryset = queryset.filter(
            Exists(carts.filter(status=CartStatus.ABANDONED, checkout_started_at__gte=since))
        )
    if "order_property" in conditions:
        name, value = conditions["order_property"]["name"], conditions["order_property"]["value"]
        queryset = queryset.filter(Exists(orders.filter(**{f"properties__{name}": value})))
    if "cart_property" in conditions:
        name, value = conditions["cart_property"]["name"], conditions["cart_property"]["value"]
        queryset = queryset.filter(Exists(carts.filter(**{f"properties__{name}": value})))
    if "min_orders" in conditions:
        queryset = queryset.filter(orders_count__gte=int(conditions["min_orders"]))
    if "orders_total_over" in conditions:
        currency = conditions["orders_total_over"]["currency"]
        amount = Decimal(conditions["orders_total_over"]["amount"])
        total = (
            orders.filter(currency=currency, cancelled_at__isnull=True)
            .order_by()
            .values(owner)
            .annotate(total=Sum("total"))
            .values("total")
        )
        money = DecimalField(max_digits=20, decimal_places=3)
        queryset = queryset.annotate(
            orders_total=Coalesce(
                Subquery(total, output_field=money), Value(Decimal(0)), output_field=money
            )
        ).filter(orders_total__gt=amount)
    return queryset


# The largest values a condition takes: ten years of days, and more orders than anyone has.
MAX_COUNT = {"abandoned_cart_days": 3650, "min_orders": 1_000_000}


def clean(object_type: str, conditions: dict) -> dict:
    """Conditions checked and normalised; a ValidationError names each problem."""
    contacts = object_type == SegmentObjectType.CONTACT
    allowed = CONTACT_CONDITIONS if contacts else COMPANY_CONDITIONS
    problems, result = [], {}
    for key, value in conditions.items():
        if value in (None, "", {}):
            continue
        if key not in allowed:
            kind = "contacts" if contacts else "companies"
            problems.append(f"{key!r} is not a condition for {kind}.")
            continue
        try:
            result[key] = _clean_one(key, value)
        except (ValueError, TypeError, InvalidOperation, KeyError):
            problems.append(f"{key.replace('_', ' ').capitalize()}: {value!r} is not valid.")
        except ValidationError as error:
            problems.extend(error.messages)
    if problems:
        raise ValidationError(problems)
    if not result:
        raise ValidationError("Choose at least one condition.")
    return result


def _clean_one(key, value):
    if key in ("ordered_product",):
        return int(value)
    if key in ("abandoned_cart_days", "min_orders"):
        number = int(value)
        # Bounded as it is saved, so no stored segment can break the list later (a day count
        # of 999999999 went past the last date there is).
        if not 0 <= number <= MAX_COUNT[key]:
            raise ValidationError(
                f"{key.replace('_', ' ').capitalize()}: {number} is not from 0 to "
                f"{MAX_COUNT[key]:,}."
            )
        return number
    if key in ("order_property", "cart_property"):
        object_type = "order" if key == "order_property" else "cart"
        definition = PropertyDefinition.objects.filter(
            object_type=object_type, internal_name=value["name"]
        ).first()
        if definition is None:
            raise ValidationError(f"{value['name']!r} is not a property of {object_type}s.")
        return {"name": value["name"], "value": definition.to_stored_value(value["value"])}
    if key == "orders_total_over":
        amount = Decimal(str(value["amount"]))
        if not amount.is_finite():
            raise ValueError
        return {"currency": currency_code(value["currency"]), "amount": str(amount)}
    raise KeyError(key)


def currency_code(text) -> str:
    """An ISO 4217 currency code, as typed ("eur" → "EUR"); anything else is refused with why:
    orders are only ever in a real currency, so a segment in another would match nobody."""
    code = str(text or "").strip().upper()
    if not code:
        raise ValidationError("Orders total: say in which currency (e.g. EUR, USD, SEK).")
    if code not in CURRENCIES:
        raise ValidationError(
            f"Orders total: {str(text).strip()[:40]!r} is not a currency code; use the three "
            "letters of ISO 4217, e.g. EUR, USD, SEK."
        )
    return code


def describe(segment: Segment) -> list[str]:
    conditions = segment.conditions
    lines = []
    if "ordered_product" in conditions:
        product = Product.objects.filter(pk=conditions["ordered_product"]).first()
        lines.append(f"Ordered {product.name if product else 'a deleted product'}")
    if "abandoned_cart_days" in conditions:
        lines.append(f"Abandoned a cart in the last {conditions['abandoned_cart_days']} days")
    for key, what in (("order_property", "an order"), ("cart_property", "a cart")):
        if key in conditions:
            lines.append(f"Has {what} with {conditions[key]['name']} = {conditions[key]['value']}")
    if "min_orders" in conditions:
        lines.append(f"At least {format_number(conditions['min_orders'])} orders")
    if "orders_total_over" in conditions:
        total = conditions["orders_total_over"]
        amount = format_money(total["amount"], total["currency"]) or total["amount"]
        lines.append(f"Orders total more than {amount}")
    return lines
