"""The webhook intake: one URL for every store and topic."""

import contextlib
import logging

import orjson
import redis
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils.timezone import now
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config import queues
from integration.models import Store
from integration.webhooks import signature_is_valid
from sync import webhook_binding, webhook_headers
from sync.models import DeliveryState, WebhookDelivery

log = logging.getLogger(__name__)

# Shopify's bodies are small; an order with hundreds of lines stays well under this.
MAX_BODY_BYTES = 2 * 1024 * 1024


@csrf_exempt
@require_POST
def receive(request):
    """Verify, store, answer at once; the work happens on the `webhooks` queue. A bad
    signature or an unknown shop gets 401 and nothing is stored; headers Shopify would not
    send, or a body that is not a JSON object, get 400 and nothing is stored; a body that says
    something else than its headers is stored as refused (never acted on) and gets 400; a
    repeat (the same webhook id, or the same event of the same topic) gets 200 and is
    dropped."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return HttpResponse("Bad Content-Length", status=400)
    if length > MAX_BODY_BYTES:
        return HttpResponse("Payload too large", status=413)
    body = request.body
    if len(body) > MAX_BODY_BYTES:
        return HttpResponse("Payload too large", status=413)
    try:
        headers = webhook_headers.read(request.headers)
    except webhook_headers.BadHeader as error:
        return HttpResponse(str(error), status=400)
    # Only what the intake reads: the store's row carries its tokens and settings besides.
    store = (
        Store.objects.only("pk", "shop_domain", "encrypted_client_secret")
        .filter(shop_domain=headers.shop_domain)
        .first()
    )
    # An app made for one store signs that store's webhooks with its own secret.
    own_secret = store.client_secret if store is not None else ""
    if not (
        signature_is_valid(body, headers.signature)
        or (own_secret and signature_is_valid(body, headers.signature, own_secret))
    ):
        return HttpResponse("Invalid signature", status=401)
    if store is None:
        return HttpResponse("Unknown shop", status=401)
    try:
        # orjson refuses what is not UTF-8 and nesting deeper than 1024; a NUL is refused
        # here, as no column can hold it.
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return HttpResponse("The body is not JSON", status=400)
    if not isinstance(parsed, dict) or b"\x00" in body:
        return HttpResponse("The body is not a JSON object", status=400)
    refused = webhook_binding.refusal(store, headers.topic, parsed)
    try:
        # The view runs in autocommit: the INSERT is its own transaction, one round trip to
        # PostgreSQL where an atomic block took three (BEGIN, INSERT, COMMIT), and a repeat's
        # IntegrityError leaves the connection as it was. Called inside a transaction (the
        # tests), a savepoint keeps that transaction usable after a repeat.
        with (
            transaction.atomic()
            if transaction.get_connection().in_atomic_block
            else contextlib.nullcontext()
        ):
            WebhookDelivery.objects.create(
                webhook_id=headers.webhook_id,
                event_id=headers.event_id,
                store=store,
                topic=headers.topic,
                api_version=headers.api_version,
                body=body.decode(),
                triggered_at=headers.triggered_at,
                **(
                    {"state": DeliveryState.REFUSED, "error": refused, "processed_at": now()}
                    if refused
                    else {}
                ),
            )
    except IntegrityError:
        log.info("webhook %s (%s) seen before: dropped", headers.webhook_id, headers.topic)
        return HttpResponse(status=200)
    if refused:
        log.warning("webhook %s (%s) refused: %s", headers.webhook_id, headers.topic, refused)
        return HttpResponse(refused, status=400)
    _queue_deliveries(store, headers.webhook_id, headers.topic)
    return HttpResponse(status=200)


def _queue_deliveries(store, webhook_id: str, topic: str) -> None:
    """One job takes every delivery of the store waiting (sync.deliveries), queued once the
    delivery is committed. With Redis down the delivery is stored all the same, so Shopify
    hears 200 (a 5xx would only bring the same webhook again), and the cron sweep
    (deliveries.requeue_waiting) queues the job once Redis is back."""
    try:
        queues.enqueue("process_deliveries", store.pk, once=True)
    except redis.RedisError as error:
        log.warning("webhook %s (%s) stored, its job not queued: %s", webhook_id, topic, error)
