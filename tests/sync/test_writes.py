"""The sync's batch writes (COPY and set-based upserts on PostgreSQL) and the `__any` lookup
write and find exactly what Django's own methods would."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from crm.models import Order, OrderLineItem, Product
from sync import writes
from sync.models import RecordMapping

pytestmark = pytest.mark.django_db


def test_insert_sets_ids_and_writes_every_value():
    products = [
        Product(name="Tee", price=Decimal("19.90"), currency="SEK", tags=["summer", "cotton"]),
        Product(name="Mug", price=None, currency="SEK"),
    ]

    writes.insert(products)

    assert all(product.pk for product in products)
    tee = Product.objects.get(pk=products[0].pk)
    assert (tee.name, tee.price, tee.tags) == ("Tee", Decimal("19.900"), ["summer", "cotton"])
    assert tee.created_at is not None and tee.updated_at is not None
    assert Product.objects.get(pk=products[1].pk).price is None


def test_a_float_never_reaches_the_database():
    with pytest.raises(TypeError, match="float"), transaction.atomic():
        writes.insert([Product(name="Float", price=19.9)])

    assert not Product.objects.exists()


def test_rows_given_as_dicts_take_the_defaults_of_what_they_leave_out():
    order = Order.objects.create(
        source_store="a.myshopify.com", name="#1001", currency="SEK", processed_at=timezone.now()
    )
    rows = writes.Rows(
        OrderLineItem,
        [
            {"order_id": order.pk, "title": "Tee", "quantity": 2, "unit_price": Decimal("5.50")},
            {"order_id": order.pk, "title": "Mug", "quantity": 1, "position": 1},
        ],
    )

    writes.insert(rows, need_ids=False)

    assert list(order.line_items.values_list("title", "quantity", "unit_price", "sku")) == [
        ("Tee", 2, Decimal("5.500"), ""),
        ("Mug", 1, Decimal("0.000"), ""),
    ]


def test_rows_given_as_dicts_get_their_ids():
    order = Order.objects.create(
        source_store="a.myshopify.com", name="#1001", currency="SEK", processed_at=timezone.now()
    )
    rows = writes.Rows(OrderLineItem, [{"order_id": order.pk, "title": t} for t in ("A", "B")])

    writes.insert(rows)

    assert [row["id"] for row in rows] == list(
        order.line_items.order_by("title").values_list("id", flat=True)
    )


def test_update_writes_only_the_named_fields_and_the_update_time():
    tee = Product.objects.create(name="Tee", vendor="Acme", price=Decimal("10"))
    before = tee.updated_at
    tee.name, tee.vendor = "Renamed tee", "Someone else"

    writes.update([tee], ["name"])

    tee.refresh_from_db()
    assert (tee.name, tee.vendor) == ("Renamed tee", "Acme")
    assert tee.updated_at > before


def test_upsert_inserts_new_rows_and_updates_existing_ones_by_their_key(store):
    RecordMapping.objects.create(store=store, object_type="contacts", shopify_id=1, crm_id=10)
    rows = writes.Rows(
        RecordMapping,
        [
            {"store_id": store.pk, "object_type": "contacts", "shopify_id": 1, "crm_id": 11},
            {"store_id": store.pk, "object_type": "contacts", "shopify_id": 2, "crm_id": 20},
        ],
    )

    writes.upsert(
        rows,
        unique_fields=["store", "object_type", "shopify_id"],
        update_fields=["crm_id"],
    )

    assert sorted(
        RecordMapping.objects.values_list("shopify_id", "crm_id", "state", "is_primary")
    ) == [(1, 11, "synced", True), (2, 20, "synced", True)]
    assert RecordMapping.objects.get(shopify_id=2).synced_at is None


def test_a_row_breaking_a_constraint_writes_nothing_of_its_batch():
    order = Order.objects.create(
        source_store="a.myshopify.com", name="#1001", currency="SEK", processed_at=timezone.now()
    )
    rows = writes.Rows(
        OrderLineItem,
        [{"order_id": order.pk, "title": "Tee"}, {"order_id": None, "title": "Lost"}],
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        writes.insert(rows, need_ids=False)

    assert not OrderLineItem.objects.exists()


def test_any_finds_what_in_finds():
    products = [Product.objects.create(name=name) for name in ("A", "B", "C")]
    wanted = [products[0].pk, products[2].pk, None]

    assert set(Product.objects.filter(pk__any=wanted)) == {products[0], products[2]}
    assert list(Product.objects.filter(pk__any=[])) == []
    assert set(Product.objects.filter(name__any={"B", "C"})) == set(products[1:])
    lines = Product.objects.filter(pk__any=Product.objects.filter(name="B").values("pk"))
    assert list(lines) == [products[1]]


def _synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_commit_without_waiting_for_the_disk_is_that_transactions_alone():
    assert _synchronous_commit() == "on"
    with transaction.atomic():
        writes.commit_without_waiting_for_disk()
        assert _synchronous_commit() == "off"
    assert _synchronous_commit() == "on"
