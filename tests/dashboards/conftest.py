"""A small shop worked out by hand: two stores in two currencies, a refund, a cancelled
order, a guest, a line without a product, carts abandoned and recovered."""

import datetime
from decimal import Decimal

import pytest

from crm.models import Cart, Contact, Order, OrderLineItem, PipelineStage, Product
from crm.services import refresh_first_orders
from dashboards import aggregates

A, B = "a.myshopify.com", "b.myshopify.com"
D1, D2, D3 = datetime.date(2026, 11, 1), datetime.date(2026, 11, 2), datetime.date(2026, 11, 10)


def at(day, hour=12):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)


def stage(name):
    return PipelineStage.objects.get(internal_name=name)


@pytest.fixture
def shop():
    ann = Contact.objects.create(email="ann@example.com")
    bo = Contact.objects.create(email="bo@example.com")
    mug = Product.objects.create(name="Mug")
    tee = Product.objects.create(name="Tee")

    def order(name, store, day, currency, contact, total, lines, stage_name, **extra):
        placed = Order.objects.create(
            source_store=store,
            name=name,
            currency=currency,
            presentment_currency=currency,
            contact=contact,
            total=Decimal(total),
            processed_at=at(day),
            pipeline_stage=stage(stage_name),
            **extra,
        )
        for product, title, quantity, line_total in lines:
            OrderLineItem.objects.create(
                order=placed,
                product=product,
                title=title,
                quantity=quantity,
                total=Decimal(line_total),
            )
        return placed

    order("A1", A, D1, "EUR", ann, "100", [(mug, "Mug", 2, "60"), (tee, "Tee", 1, "40")], "shipped")
    a2 = order(
        "A2", A, D2, "EUR", ann, "50", [(mug, "Mug", 1, "50")], "processed", refunded=Decimal("20")
    )
    order(
        "A3", A, D2, "EUR", bo, "80", [(tee, "Tee", 1, "80")], "cancelled", cancelled_at=at(D2, 13)
    )
    order("A4", A, D3, "EUR", None, "30", [(None, "Gift card", 1, "30")], "open")
    order("B1", B, D1, "SEK", bo, "1000", [(tee, "Tee", 3, "1000")], "processed")

    def cart(store, day, currency, total, **extra):
        return Cart.objects.create(
            source_store=store,
            currency=currency,
            total=Decimal(total),
            checkout_started_at=at(day),
            checkout_updated_at=at(day),
            **extra,
        )

    cart(A, D1, "EUR", "45")
    cart(A, D2, "EUR", "50", status="recovered", recovered_order=a2)
    cart(B, D3, "SEK", "500")
    for store in (A, B):
        # As the sync does after writing orders: each contact's first order is marked.
        refresh_first_orders(store, [ann.pk, bo.pk])
        aggregates.rebuild_store(store)
