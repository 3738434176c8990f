"""What the CRM derives from its orders, as it stands and as a fresh rebuild computes it, for
tests that change orders one way or another and must leave it exact."""

import datetime
from decimal import Decimal

import django_rq
from django.forms.models import model_to_dict
from rq import SimpleWorker

from crm.models import Cart, Contact, Order, OrderLineItem, PipelineStage, Product
from crm.services import recompute_contact_totals, refresh_first_orders
from dashboards import aggregates
from dashboards.models import (
    DailyCartStats,
    DailyOrderStats,
    DailyProductStats,
    MonthlyProductStats,
    StageStats,
    WeeklyProductStats,
)

STORE = "demo.myshopify.com"
AGGREGATES = (
    DailyOrderStats,
    DailyProductStats,
    WeeklyProductStats,
    MonthlyProductStats,
    DailyCartStats,
    StageStats,
)


def state() -> dict:
    """Every contact's totals, the orders marked first, every aggregate row."""
    found = {
        "contacts": sorted(
            Contact.objects.values_list(
                "pk", "orders_count", "total_spent", "first_order_at", "last_order_at"
            )
        ),
        "first orders": sorted(
            Order.objects.filter(first_order=True).values_list("name", flat=True)
        ),
    }
    for model in AGGREGATES:
        rows = (model_to_dict(row, exclude=["id"]) for row in model.objects.all())
        found[model.__name__] = sorted(rows, key=repr)
    return found


def rebuilt() -> dict:
    """The same, computed from scratch: every contact's totals and first orders in every
    store (an order of nobody is nobody's first), then every store's aggregates."""
    contacts = list(Contact.objects.values_list("pk", flat=True))
    recompute_contact_totals(contacts)
    Order.objects.filter(contact=None).update(first_order=False)
    for store in aggregates.stores():
        refresh_first_orders(store, contacts)
        aggregates.rebuild_store(store)
    return state()


def run_jobs():
    """What the change queued (the reports' refresh), as a worker would run it."""
    queues = [django_rq.get_queue(name) for name in ("webhooks", "sync", "default")]
    SimpleWorker(queues, connection=queues[0].connection).work(burst=True)


def make_shop() -> dict:
    """Ann with three orders over three days (one cancelled), Bo with one, a guest's order,
    three carts: the reports built, each contact's totals and first order as the sync leaves
    them."""
    ann = Contact.objects.create(email="ann@example.com", first_name="Ann")
    bo = Contact.objects.create(email="bo@example.com", first_name="Bo")
    mug = Product.objects.create(name="Mug")
    open_stage = PipelineStage.objects.get(internal_name="open")

    def order(name, contact, day, total, **extra):
        placed = Order.objects.create(
            source_store=STORE,
            name=name,
            contact=contact,
            currency="EUR",
            presentment_currency="EUR",
            total=Decimal(total),
            processed_at=at(day),
            pipeline_stage=open_stage,
            **extra,
        )
        OrderLineItem.objects.create(
            order=placed, product=mug, title="Mug", quantity=1, total=Decimal(total)
        )
        return placed

    orders = {
        "#1": order("#1", ann, 1, "10.00"),
        "#2": order("#2", ann, 2, "20.00"),
        "#3": order("#3", ann, 3, "40.00", cancelled_at=at(3)),
        "#4": order("#4", bo, 2, "30.00"),
        "#5": order("#5", None, 3, "5.00", email="guest@example.com"),
    }
    carts = [
        Cart.objects.create(
            source_store=STORE,
            contact=contact,
            currency="EUR",
            total=Decimal(total),
            checkout_started_at=at(day),
            checkout_updated_at=at(day),
        )
        for contact, day, total in ((ann, 1, "12.00"), (bo, 1, "8.00"), (None, 2, "3.00"))
    ]
    rebuilt()
    return {"ann": ann, "bo": bo, "orders": orders, "carts": carts}


def at(day: int) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, 12, tzinfo=datetime.UTC)
