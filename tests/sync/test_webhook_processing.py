"""What the webhook jobs do with the compliance and life-cycle topics."""

import datetime
import json

import django_rq
import pytest
from django.utils import timezone
from rq import SimpleWorker

from crm.models import Cart, Contact, Order
from integration import services as integration
from integration.errors import ShopifyUnavailable
from integration.models import StoreStatus
from sync import deliveries
from sync.models import DeliveryState, WebhookDelivery

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def shopify_installed(monkeypatch):
    """What Shopify answers when asked whether the app is still installed on the store: not
    any more, unless a test says otherwise (`shopify_installed.append(True)`)."""
    answers = []

    def still_installed(store):
        return bool(answers and answers[-1])

    monkeypatch.setattr(integration, "app_still_installed", still_installed)
    return answers


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


def removal(store, **fields):
    """app/uninstalled's body: the shop."""
    return {"id": 1, "name": "Alpha", "myshopify_domain": store.shop_domain, **fields}


def test_app_uninstalled_forgets_the_token(deliver, store, redis_connection):
    deliver("app/uninstalled", removal(store))

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
        {
            "shop_domain": store.shop_domain,
            "customer": {"id": 5, "email": "both@example.com"},
            "orders_to_redact": [],
        },
    )
    run_worker()

    contact.refresh_from_db()
    assert (contact.email, contact.first_name) == ("both@example.com", "Both")
    assert list(contact.orders.all()) == [elsewhere]


def test_shop_redact_erases_the_stores_orders_and_carts(deliver, store, redis_connection):
    store.mark_disconnected(status=StoreStatus.UNINSTALLED)
    store.save()
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
    # The intake refuses a body that is not JSON; one stored before it did fails alone.
    deliver("customers/redact", {"shop_domain": store.shop_domain}, webhook_id="wh-bad")
    WebhookDelivery.objects.filter(webhook_id="wh-bad").update(body="not json")
    deliver("app/uninstalled", removal(store))

    run_worker()

    states = dict(WebhookDelivery.objects.values_list("topic", "state"))
    assert states == {
        "customers/redact": DeliveryState.FAILED,
        "app/uninstalled": DeliveryState.PROCESSED,
    }


def test_processing_twice_changes_nothing(deliver, store, redis_connection):
    deliver("app/uninstalled", removal(store))
    delivery = WebhookDelivery.objects.get()
    deliveries.process_store(store.pk)
    store.refresh_from_db()
    first = (store.status, store.disconnected_at)

    deliveries.process_store(store.pk)  # nothing waits any more
    deliveries.process([WebhookDelivery.objects.select_related("store").get(pk=delivery.pk)])
    deliveries.process_store(987654)  # no such store: returns quietly

    store.refresh_from_db()
    assert (store.status, store.disconnected_at) == first
    assert json.loads(delivery.body) == removal(store)


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
    broken = WebhookDelivery.objects.order_by("pk")[1]
    assert (broken.attempts, broken.error) == (1, "Attempt 1: RuntimeError: a bug in one handler")
    assert broken.retry_at > timezone.now()


def test_a_store_to_reconnect_acts_on_its_removal_and_keeps_its_record_deliveries(
    deliver, store, redis_connection
):
    store.mark_reconnect_needed("Shopify refused to renew the access token (invalid_grant)")
    store.save()
    deliver("customers/update", {"id": 1}, webhook_id="wh-record")
    deliver("app/uninstalled", removal(store), webhook_id="wh-removal")

    run_worker()

    store.refresh_from_db()
    assert store.status == StoreStatus.UNINSTALLED
    assert dict(WebhookDelivery.objects.values_list("webhook_id", "state")) == {
        "wh-record": DeliveryState.RECEIVED,
        "wh-removal": DeliveryState.PROCESSED,
    }


# What is not what its headers say -------------------------------------------------------------


def test_a_removal_shopify_denies_is_refused_and_changes_nothing(
    deliver, store, redis_connection, shopify_installed
):
    """A signed app/uninstalled body of this very shop, replayed while the app is installed."""
    shopify_installed.append(True)
    deliver("app/uninstalled", removal(store))

    run_worker()

    store.refresh_from_db()
    assert (store.status, store.access_token) == (StoreStatus.CONNECTED, "shpat_test")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.error) == (DeliveryState.REFUSED, deliveries.STILL_INSTALLED)


def test_a_shop_erasure_while_the_app_is_installed_is_refused(
    deliver, store, redis_connection, shopify_installed
):
    shopify_installed.append(True)
    order = make_order(store)

    deliver("shop/redact", {"shop_id": 1, "shop_domain": store.shop_domain})
    run_worker()

    assert list(Order.objects.all()) == [order]
    assert WebhookDelivery.objects.get().state == DeliveryState.REFUSED


def test_a_shop_erasure_of_a_connected_store_shopify_has_let_go_is_done(
    deliver, store, redis_connection
):
    """app/uninstalled was lost: Shopify no longer answers the token, so the erasure is real."""
    make_order(store)

    deliver("shop/redact", {"shop_id": 1, "shop_domain": store.shop_domain})
    run_worker()

    assert Order.objects.count() == 0
    assert WebhookDelivery.objects.get().state == DeliveryState.PROCESSED


def test_a_question_shopify_cannot_answer_now_is_asked_again_later(
    deliver, store, redis_connection, monkeypatch
):
    def unavailable(store):
        raise ShopifyUnavailable("alpha.myshopify.com: HTTP 503")

    monkeypatch.setattr(integration, "app_still_installed", unavailable)
    deliver("app/uninstalled", removal(store))

    run_worker()

    store.refresh_from_db()
    delivery = WebhookDelivery.objects.get()
    assert store.status == StoreStatus.CONNECTED
    assert (delivery.state, delivery.attempts) == (DeliveryState.RECEIVED, 1)
    assert delivery.error == "Attempt 1: ShopifyUnavailable: alpha.myshopify.com: HTTP 503"


# Poison ------------------------------------------------------------------------------------


def test_a_delivery_that_keeps_failing_is_retried_with_backoff_then_left_failed(
    deliver, store, redis_connection, monkeypatch
):
    def broken(store, body):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setitem(deliveries.HANDLERS, "customers/data_request", broken)
    deliver("customers/data_request", {"shop_domain": store.shop_domain})
    delivery = WebhookDelivery.objects.get()
    waits = []
    for attempt in range(1, deliveries.MAX_ATTEMPTS + 1):
        deliveries.process_store(store.pk)
        delivery.refresh_from_db()
        assert delivery.attempts == attempt
        deliveries.process_store(store.pk)  # not due yet: not tried again
        delivery.refresh_from_db()
        assert delivery.attempts == attempt
        if delivery.retry_at:
            waits.append(round((delivery.retry_at - timezone.now()).total_seconds() / 60))
            WebhookDelivery.objects.filter(pk=delivery.pk).update(retry_at=timezone.now())

    assert waits == [1, 5, 15, 60]
    assert delivery.state == DeliveryState.FAILED
    assert delivery.error == (
        "Gave up after 5 attempts: RecursionError: maximum recursion depth exceeded"
    )
    deliveries.requeue_waiting()
    deliveries.process_store(store.pk)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.FAILED, 5)


def test_a_reason_with_nul_is_recorded_without_it(deliver, store, redis_connection, monkeypatch):
    def broken(store, body):
        raise ValueError("bad name 'A\x00B'" + "x" * 5000)

    monkeypatch.setitem(deliveries.HANDLERS, "customers/data_request", broken)
    deliver("customers/data_request", {"shop_domain": store.shop_domain})

    deliveries.process_store(store.pk)

    delivery = WebhookDelivery.objects.get()
    assert delivery.error.startswith("Attempt 1: ValueError: bad name 'AB'xxx")
    assert len(delivery.error) == len("Attempt 1: ") + deliveries.MAX_REASON


@pytest.mark.parametrize(
    "body",
    [
        {"shop_domain": "alpha.myshopify.com", "customer": "x"},
        {"shop_domain": "alpha.myshopify.com", "customer": {"email": 7}},
        {"shop_domain": "alpha.myshopify.com", "customer": {"email": ["a@example.com"]}},
        {"shop_domain": "alpha.myshopify.com"},
    ],
)
def test_a_compliance_body_of_another_shape_erases_nobody_and_raises_nothing(
    deliver, store, redis_connection, body
):
    """Finding 4: such bodies raised AttributeError, retried every minute forever."""
    contact = Contact.objects.create(email="stay@example.com", first_name="Stay")

    deliver("customers/redact", body)
    deliver("customers/data_request", body)
    run_worker()

    contact.refresh_from_db()
    assert contact.first_name == "Stay"
    assert set(WebhookDelivery.objects.values_list("state", "attempts")) == {
        (DeliveryState.PROCESSED, 0)
    }
