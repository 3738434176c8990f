"""The webhook intake: verify, store, answer, enqueue; refuse and store nothing otherwise."""

import datetime

import django_rq
import pytest
from django.utils import timezone

from config import queues
from crm.models import Order
from integration.models import StoreStatus
from sync.models import DeliveryState, WebhookDelivery
from sync.views import MAX_BODY_BYTES
from tests.conftest import queued
from tests.sync.conftest import sign

pytestmark = pytest.mark.django_db


def test_a_signed_delivery_is_stored_and_queued(
    deliver, store, redis_connection, django_capture_on_commit_callbacks
):
    sent = (timezone.now() - datetime.timedelta(hours=2)).replace(microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(
            "customers/update",
            {"id": 1},
            webhook_id="wh-1",
            triggered_at=sent.isoformat().replace("+00:00", "Z"),
        )

    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert (delivery.webhook_id, delivery.topic, delivery.store, delivery.state) == (
        "wh-1",
        "customers/update",
        store,
        DeliveryState.RECEIVED,
    )
    assert delivery.body == '{"id": 1}'
    assert delivery.triggered_at == sent
    assert queued("webhooks") == [("process_deliveries", store.pk)]
    assert redis_connection.exists(queues.once_key("process_deliveries", store.pk))


def test_a_repeated_delivery_is_acknowledged_and_dropped(deliver, store, redis_connection):
    first = deliver("customers/update", {"id": 1}, webhook_id="wh-1")
    again = deliver("customers/update", {"id": 1}, webhook_id="wh-1")

    assert (first.status_code, again.status_code) == (200, 200)
    assert WebhookDelivery.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_in_autocommit_each_delivery_is_its_own_insert_and_a_repeat_leaves_the_connection_usable(
    deliver, store, redis_connection, monkeypatch
):
    """As production runs the view (no transaction around the request): no atomic block (one
    round trip, not BEGIN, INSERT and COMMIT), the row committed at once and its job queued;
    a repeat's refused INSERT spoils nothing for the next delivery."""
    from sync import views

    blocks = []
    atomic = views.transaction.atomic
    monkeypatch.setattr(
        views.transaction, "atomic", lambda *a, **k: blocks.append(1) or atomic(*a, **k)
    )

    first = deliver("customers/update", {"id": 1}, webhook_id="wh-1")
    again = deliver("customers/update", {"id": 1}, webhook_id="wh-1")
    other = deliver("customers/update", {"id": 2}, webhook_id="wh-2")

    assert (first.status_code, again.status_code, other.status_code) == (200, 200, 200)
    assert sorted(WebhookDelivery.objects.values_list("webhook_id", flat=True)) == [
        "wh-1",
        "wh-2",
    ]
    assert blocks == []
    assert queued("webhooks") == [("process_deliveries", store.pk)]


def test_headers_without_the_x_prefix_are_accepted(deliver, store, redis_connection):
    response = deliver("products/create", {"id": 2}, prefix="")

    assert response.status_code == 200
    assert WebhookDelivery.objects.get().topic == "products/create"


@pytest.mark.parametrize("signature", ["", "bm90IGEgc2lnbmF0dXJl", "forged", None])
def test_a_forged_or_unsigned_delivery_is_refused(deliver, store, signature, redis_connection):
    forged = sign(b'{"id": 1}', secret="not-the-app-secret") if signature is None else signature

    response = deliver("customers/update", {"id": 1}, signature=forged)

    assert response.status_code == 401
    assert WebhookDelivery.objects.count() == 0
    assert django_rq.get_queue("webhooks").count == 0


def test_an_unknown_shop_is_refused(deliver, store, redis_connection):
    response = deliver("customers/update", {"id": 1}, shop="stranger.myshopify.com")

    assert response.status_code == 401
    assert WebhookDelivery.objects.count() == 0


def test_an_oversized_body_is_refused(deliver, store, redis_connection):
    response = deliver("orders/create", None, raw=b"{" + b" " * MAX_BODY_BYTES + b"}")

    assert response.status_code == 413
    assert WebhookDelivery.objects.count() == 0


def test_only_post_is_accepted(client, store):
    assert client.get("/shopify/webhooks").status_code == 405


def test_a_delivery_signed_with_the_stores_own_app_secret_is_accepted(
    deliver, store, make_store, redis_connection
):
    # An app made in the Dev Dashboard for this store signs with its own client secret.
    store.set_client_credentials("own-app", "own-app-secret")
    store.save()
    make_store("beta.myshopify.com")  # its webhooks are signed with the CRM app's secret

    accepted = deliver("products/create", {"id": 2}, signature=sign(b'{"id": 2}', "own-app-secret"))
    refused = deliver(
        "products/create",
        {"id": 3},
        shop="beta.myshopify.com",
        signature=sign(b'{"id": 3}', "own-app-secret"),
    )

    assert (accepted.status_code, refused.status_code) == (200, 401)
    assert list(WebhookDelivery.objects.values_list("topic", "body")) == [
        ("products/create", '{"id": 2}')
    ]


# The headers are not signed -----------------------------------------------------------------


def test_a_body_replayed_under_another_shop_is_refused_and_erases_nothing(
    deliver, store, make_store, redis_connection
):
    """Finding 1: a compliance body captured from alpha, resent as beta's shop/redact."""
    beta = make_store("beta.myshopify.com")
    order = Order.objects.create(
        source_store=beta.shop_domain,
        name="#1",
        currency="SEK",
        presentment_currency="SEK",
        processed_at=timezone.now(),
    )
    captured = {"shop_id": 1, "shop_domain": store.shop_domain}

    response = deliver("shop/redact", captured, shop=beta.shop_domain)

    assert response.status_code == 400
    delivery = WebhookDelivery.objects.get()
    assert (delivery.store, delivery.state) == (beta, DeliveryState.REFUSED)
    assert delivery.error == (
        "The body names another shop than the beta.myshopify.com of its headers"
    )
    assert queued("webhooks") == []
    assert list(Order.objects.all()) == [order]


@pytest.mark.parametrize(
    ("topic", "body"),
    [
        ("app/uninstalled", {"id": 1, "myshopify_domain": "alpha.myshopify.com"}),
        ("app/uninstalled", {"id": 1}),  # Shopify's real removal names its shop
        ("app/uninstalled", {"id": 1, "myshopify_domain": None}),
        ("customers/redact", {"shop_domain": "alpha.myshopify.com", "customer": {"id": 1}}),
        ("customers/data_request", {"shop_domain": ["beta.myshopify.com"]}),
        ("orders/create", {"id": 1, "admin_graphql_api_id": "gid://shopify/Customer/1"}),
        ("products/update", {"id": 1, "admin_graphql_api_id": 7}),
    ],
)
def test_a_body_that_is_not_what_its_headers_say_is_refused(
    deliver, store, make_store, topic, body, redis_connection
):
    beta = make_store("beta.myshopify.com")

    response = deliver(topic, body, shop=beta.shop_domain)

    assert response.status_code == 400
    assert WebhookDelivery.objects.get().state == DeliveryState.REFUSED
    beta.refresh_from_db()
    assert beta.status == StoreStatus.CONNECTED
    assert queued("webhooks") == []


def test_a_body_that_says_what_its_headers_say_is_taken(deliver, store, redis_connection):
    bodies = {
        "app/uninstalled": {"id": 1, "myshopify_domain": "ALPHA.myshopify.com"},
        "customers/redact": {"shop_domain": "alpha.myshopify.com", "customer": {"id": 1}},
        "orders/create": {"id": 1, "admin_graphql_api_id": "gid://shopify/Order/1"},
        "orders/delete": {"id": 1},
        "customer.tags_added": {"customerId": "gid://shopify/Customer/1", "tags": ["a"]},
    }
    for topic, body in bodies.items():
        assert deliver(topic, body).status_code == 200

    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {DeliveryState.RECEIVED}


@pytest.mark.parametrize(
    "sent", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59Z", "2026-13-01T00:00:00Z", "x" * 99]
)
def test_a_triggered_at_that_is_no_time_of_a_delivery_is_kept_as_unknown(
    deliver, store, sent, redis_connection, admin_client
):
    """Finding 2: such a time was stored, and every reader of the row failed."""
    response = deliver("customers/update", {"id": 1}, triggered_at=sent)

    assert response.status_code == 200
    assert WebhookDelivery.objects.get().triggered_at is None
    assert admin_client.get("/admin/sync/webhookdelivery/").status_code == 200


def test_a_triggered_at_two_days_old_is_kept_as_unknown(deliver, store, redis_connection):
    sent = timezone.now() - datetime.timedelta(days=2)

    deliver("customers/update", {"id": 1}, triggered_at=sent.isoformat())

    assert WebhookDelivery.objects.get().triggered_at is None


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"webhook_id": "w" * 256}, 400),
        ({"webhook_id": "wh\x00-1"}, 400),
        ({"webhook_id": "wh 1"}, 400),
        ({"Webhook_Id": ""}, 400),
        ({"event_id": "é" * 3}, 400),
        ({"Topic": "orders/create; drop"}, 400),
        ({"Topic": "o" * 101}, 400),
        ({"Topic": ""}, 400),
        ({"API_Version": "2026-10" * 5}, 400),
        ({"shop": "alpha.myshopify.com.evil.com"}, 400),
        ({"shop": "a" * 300 + ".myshopify.com"}, 400),
        ({"signature": "é" * 44}, 401),  # not ASCII: no signature (it raised before)
        ({"signature": "x" * 5000}, 401),
    ],
)
def test_header_values_shopify_would_not_send_are_refused_before_anything_is_stored(
    deliver, store, headers, status, redis_connection
):
    response = deliver("customers/update", {"id": 1}, **headers)

    assert response.status_code == status
    assert WebhookDelivery.objects.count() == 0
    assert queued("webhooks") == []


@pytest.mark.parametrize(
    "raw",
    [
        b'{"id": 1, "name": "A\x00B"}',  # a raw NUL no column takes (it answered 500)
        b"[" * 10_000 + b"]" * 10_000,
        b"[1, 2]",
        b"not json",
        b'{"id": "\xff"}',
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(deliver, store, raw, redis_connection):
    response = deliver("customers/update", None, raw=raw)

    assert response.status_code == 400
    assert WebhookDelivery.objects.count() == 0


def test_the_same_event_of_the_same_topic_is_taken_once(deliver, store, redis_connection):
    first = deliver("orders/create", {"id": 1}, event_id="ev-1")
    again = deliver("orders/create", {"id": 1}, event_id="ev-1")  # another webhook id
    other_topic = deliver("orders/updated", {"id": 1}, event_id="ev-1")

    assert (first.status_code, again.status_code, other_topic.status_code) == (200, 200, 200)
    assert sorted(WebhookDelivery.objects.values_list("topic", flat=True)) == [
        "orders/create",
        "orders/updated",
    ]
