"""What the webhook jobs do with the compliance and life-cycle topics."""

import datetime
import json

import django_rq
import pytest
from rq import SimpleWorker

from crm.models import Cart, Contact, Order
from integration.models import StoreStatus
from sync import deliveries
from sync.models import DeliveryState, WebhookDelivery

pytestmark = pytest.mark.django_db(transaction=True)


def run_worker():
    queue = django_rq.get_queue("webhooks")
    SimpleWorker([queue], connection=queue.connection).work(burst=True)


def make_order(store, **fields):
    values = {
        "source_store": store.shop_domain,
        "name": "#1001",
        "currency": "SEK",
        "presentment_currency": "SEK",
        "processed_at": datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC),
    }
    return Order.objects.create(**{**values, **fields})


def make_cart(store, **fields):
    moment = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
    values = {
        "source_store": store.shop_domain,
        "currency": "SEK",
        "checkout_started_at": moment,
        "checkout_updated_at": moment,
    }
    return Cart.objects.create(**{**values, **fields})


def test_app_uninstalled_forgets_the_token(deliver, store, redis_connection):
    deliver("app/uninstalled", {"id": 1, "name": "Alpha"})

    run_worker()

    store.refresh_from_db()
    assert store.status == StoreStatus.UNINSTALLED
    assert store.encrypted_access_token == ""
    assert WebhookDelivery.objects.get().state == DeliveryState.PROCESSED


def test_customers_redact_erases_the_customer_from_this_store(deliver, store, redis_connection):
    contact = Contact.objects.create(email="Gone@Example.com", first_name="Gone", phone="+4670")
    order = make_order(store, contact=contact, email="gone@example.com")
    cart = make_cart(
        store, contact=contact, email="gone@example.com", recovery_url="https://x/recover"
    )

    deliver(
        "customers/redact",
        {
            "shop_id": 1,
            "shop_domain": store.shop_domain,
            "customer": {"id": 5, "email": "gone@example.com", "phone": "+4670"},
            "orders_to_redact": [7],
        },
    )
    run_worker()

    contact.refresh_from_db()
    order.refresh_from_db()
    cart.refresh_from_db()
    assert (contact.email, contact.first_name, contact.phone) == ("", "", "")
    assert (order.email, order.contact) == ("", None)
    assert (cart.email, cart.contact, cart.recovery_url) == ("", None, "")


def test_customers_redact_keeps_a_contact_another_store_knows(deliver, store, redis_connection):
    contact = Contact.objects.create(email="both@example.com", first_name="Both")
    make_order(store, contact=contact)
    elsewhere = make_order(store, contact=contact, source_store="beta.myshopify.com")

    deliver(
        "customers/redact",
        {"customer": {"id": 5, "email": "both@example.com"}, "orders_to_redact": []},
    )
    run_worker()

    contact.refresh_from_db()
    assert (contact.email, contact.first_name) == ("both@example.com", "Both")
    assert list(contact.orders.all()) == [elsewhere]


def test_shop_redact_erases_the_stores_orders_and_carts(deliver, store, redis_connection):
    contact = Contact.objects.create(email="stay@example.com")
    make_order(store, contact=contact)
    make_cart(store)
    other = make_order(store, source_store="beta.myshopify.com")

    deliver("shop/redact", {"shop_id": 1, "shop_domain": store.shop_domain})
    run_worker()

    assert list(Order.objects.all()) == [other]
    assert Cart.objects.count() == 0
    assert Contact.objects.filter(email="stay@example.com").exists()
    assert list(WebhookDelivery.objects.values_list("topic", "state")) == [
        ("shop/redact", DeliveryState.PROCESSED)
    ]


def test_an_unknown_topic_is_recorded_and_ignored(deliver, store, redis_connection):
    deliver("themes/publish", {"id": 1})

    run_worker()

    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.IGNORED
    assert "Unknown topic" in delivery.error


def test_a_malformed_body_fails_without_stopping_others(deliver, store, redis_connection):
    deliver("customers/redact", None, raw=b"not json")
    deliver("app/uninstalled", {"id": 1})

    run_worker()

    states = dict(WebhookDelivery.objects.values_list("topic", "state"))
    assert states == {
        "customers/redact": DeliveryState.FAILED,
        "app/uninstalled": DeliveryState.PROCESSED,
    }


def test_processing_twice_changes_nothing(deliver, store, redis_connection):
    deliver("app/uninstalled", {"id": 1})
    delivery = WebhookDelivery.objects.get()
    deliveries.process_store(store.pk)
    store.refresh_from_db()
    first = (store.status, store.disconnected_at)

    deliveries.process_store(store.pk)  # nothing waits any more
    deliveries.process([WebhookDelivery.objects.select_related("store").get(pk=delivery.pk)])
    deliveries.process_store(987654)  # no such store: returns quietly

    store.refresh_from_db()
    assert (store.status, store.disconnected_at) == first
    assert json.loads(delivery.body) == {"id": 1}


def test_one_job_takes_every_waiting_delivery_and_one_that_breaks_stops_none(
    deliver, store, redis_connection, monkeypatch
):
    for number in (1, 2, 3):
        deliver("customers/data_request", {"shop_domain": store.shop_domain, "n": number})
    seen = []
    real = deliveries.HANDLERS["customers/data_request"]

    def handle(store, body):
        seen.append(body["n"])
        if body["n"] == 2:
            raise RuntimeError("a bug in one handler")
        real(store, body)

    monkeypatch.setitem(deliveries.HANDLERS, "customers/data_request", handle)
    deliveries.process_store(store.pk)

    assert seen == [1, 2, 3]
    states = [
        state for _, state in WebhookDelivery.objects.order_by("pk").values_list("pk", "state")
    ]
    assert states == [DeliveryState.PROCESSED, DeliveryState.RECEIVED, DeliveryState.PROCESSED]


def test_a_store_to_reconnect_acts_on_its_removal_and_keeps_its_record_deliveries(
    deliver, store, redis_connection
):
    store.mark_reconnect_needed("Shopify refused to renew the access token (invalid_grant)")
    store.save()
    deliver("customers/update", {"id": 1}, webhook_id="wh-record")
    deliver("app/uninstalled", {"id": 1, "name": "Alpha"}, webhook_id="wh-removal")

    run_worker()

    store.refresh_from_db()
    assert store.status == StoreStatus.UNINSTALLED
    assert dict(WebhookDelivery.objects.values_list("webhook_id", "state")) == {
        "wh-record": DeliveryState.RECEIVED,
        "wh-removal": DeliveryState.PROCESSED,
    }
