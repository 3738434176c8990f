import datetime
from decimal import Decimal

import pytest

from crm.models import Cart, Contact, Order, PipelineStage, Product


@pytest.fixture
def make_contact(db):
    def make(**overrides):
        values = {"email": "ann@example.com", "first_name": "Ann", "last_name": "Andersson"}
        return Contact.objects.create(**{**values, **overrides})

    return make


@pytest.fixture
def make_product(db):
    def make(**overrides):
        values = {"name": "Blue mug", "sku": "MUG-1", "price": Decimal("12.50"), "currency": "EUR"}
        return Product.objects.create(**{**values, **overrides})

    return make


@pytest.fixture
def make_order(db):
    def make(**overrides):
        values = {
            "source_store": "demo.myshopify.com",
            "name": "#1001",
            "currency": "EUR",
            "presentment_currency": "EUR",
            "processed_at": datetime.datetime(2026, 11, 1, 12, tzinfo=datetime.UTC),
            "pipeline_stage": PipelineStage.objects.get(internal_name="open"),
        }
        return Order.objects.create(**{**values, **overrides})

    return make


@pytest.fixture
def make_cart(db):
    def make(**overrides):
        started = datetime.datetime(2026, 11, 1, 12, tzinfo=datetime.UTC)
        values = {
            "source_store": "demo.myshopify.com",
            "currency": "EUR",
            "checkout_started_at": started,
            "checkout_updated_at": started,
        }
        return Cart.objects.create(**{**values, **overrides})

    return make
