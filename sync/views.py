"""The webhook intake: one URL for every store and topic."""

import logging

import redis
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config import queues
from integration.ids import moment
from integration.models import Store
from integration.webhooks import signature_is_valid
from sync.models import WebhookDelivery

log = logging.getLogger(__name__)

# Shopify's bodies are small; an order with hundreds of lines stays well under this.
MAX_BODY_BYTES = 2 * 1024 * 1024


def _header(request, name: str) -> str:
    """A Shopify header, with or without its `X-` prefix (newer deliveries drop it)."""
    return request.headers.get(f"X-Shopify-{name}") or request.headers.get(f"Shopify-{name}") or ""


@csrf_exempt
@require_POST
def receive(request):
    """Verify, store, answer at once; the work happens on the `webhooks` queue. A bad
    signature or an unknown shop gets 401 and nothing is stored; a repeat gets 200 and is
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
    signature = _header(request, "Hmac-Sha256")
    store = Store.objects.filter(shop_domain=_header(request, "Shop-Domain")).first()
    # An app made for one store signs that store's webhooks with its own secret.
    own_secret = store.client_secret if store is not None else ""
    if not (
        signature_is_valid(body, signature)
        or (own_secret and signature_is_valid(body, signature, own_secret))
    ):
        return HttpResponse("Invalid signature", status=401)
    if store is None:
        return HttpResponse("Unknown shop", status=401)
    webhook_id, topic = _header(request, "Webhook-Id"), _header(request, "Topic")
    if not webhook_id or not topic:
        return HttpResponse("Missing webhook id or topic", status=400)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return HttpResponse("The body is not UTF-8", status=400)
    try:
        with transaction.atomic():
            WebhookDelivery.objects.create(
                webhook_id=webhook_id,
                event_id=_header(request, "Event-Id"),
                store=store,
                topic=topic,
                api_version=_header(request, "API-Version"),
                body=text,
                triggered_at=moment(_header(request, "Triggered-At")),
            )
    except IntegrityError:
        log.info("webhook %s (%s) seen before: dropped", webhook_id, topic)
        return HttpResponse(status=200)
    _queue_deliveries(store, webhook_id, topic)
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
