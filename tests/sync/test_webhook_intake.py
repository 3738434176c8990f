"""The webhook intake: verify, store, answer, enqueue; refuse and store nothing otherwise."""

import django_rq
import pytest

from config import queues
from sync.models import DeliveryState, WebhookDelivery
from sync.views import MAX_BODY_BYTES
from tests.conftest import queued
from tests.sync.conftest import sign

pytestmark = pytest.mark.django_db


def test_a_signed_delivery_is_stored_and_queued(
    deliver, store, redis_connection, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver("customers/update", {"id": 1}, webhook_id="wh-1")

    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert (delivery.webhook_id, delivery.topic, delivery.store, delivery.state) == (
        "wh-1",
        "customers/update",
        store,
        DeliveryState.RECEIVED,
    )
    assert delivery.body == '{"id": 1}'
    assert delivery.triggered_at.isoformat() == "2026-11-26T10:00:00+00:00"
    assert queued("webhooks") == [("process_deliveries", store.pk)]
    assert redis_connection.exists(queues.once_key("process_deliveries", store.pk))


def test_a_repeated_delivery_is_acknowledged_and_dropped(deliver, store, redis_connection):
    first = deliver("customers/update", {"id": 1}, webhook_id="wh-1")
    again = deliver("customers/update", {"id": 1}, webhook_id="wh-1")

    assert (first.status_code, again.status_code) == (200, 200)
    assert WebhookDelivery.objects.count() == 1


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
