"""Follow-up triggers: when an order enters a stage, a cart stays abandoned for some hours, or
a custom property changes, the rules that say so get a delivery — a signed JSON POST to their
URL, sent by a job and retried with growing pauses. Each event is delivered once per rule
(`TriggerDelivery.key`), so scanning again or running a job twice sends nothing twice."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets

import requests
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from config import queues
from crm.models import (
    Cart,
    CartStatus,
    DeliveryStatus,
    FollowUpRule,
    OrderStageChange,
    OrderStatus,
    TriggerDelivery,
    TriggerEvent,
)

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
# Pauses between attempts (30 s, 2 min, 10 min, 1 h); then the delivery has failed.
RETRY_INTERVALS = list(queues.JOBS["send_trigger"].retry)
SCAN_LIMIT = 1000


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def scan() -> int:
    """Find what happened since the last scan (cron, every minute); returns how many
    deliveries it queued."""
    queued = 0
    for rule in FollowUpRule.objects.filter(active=True):
        if rule.event == TriggerEvent.ORDER_ENTERED_STAGE:
            queued += _stage_entries(rule)
        elif rule.event == TriggerEvent.CART_ABANDONED:
            queued += _abandoned_carts(rule)
    return queued


def _stage_entries(rule: FollowUpRule) -> int:
    changes = list(
        OrderStageChange.objects.filter(pk__gt=rule.last_change_id)
        .select_related("order")
        .order_by("pk")[:SCAN_LIMIT]
    )
    queued = 0
    for change in changes:
        if change.to_stage_id == rule.stage_id and not _before_rule(rule, change):
            order = change.order
            queued += _deliver_once(
                rule,
                f"stage-change:{change.pk}",
                {
                    "order": _order(order),
                    "from_stage": change.from_label,
                    "to_stage": change.to_label,
                    "order_status": change.order_status,
                    "changed_at": change.changed_at,
                },
            )
    if changes:
        FollowUpRule.objects.filter(pk=rule.pk).update(last_change_id=changes[-1].pk)
    return queued


def _before_rule(rule: FollowUpRule, change: OrderStageChange) -> bool:
    """Whether a stage entry tells of something that happened before the rule existed: the
    CRM recorded it earlier, or it records now what Shopify did earlier (a store's orders
    imported after the rule was made: placed, or cancelled, back then)."""
    if change.changed_at < rule.created_at:
        return True
    order = change.order
    if change.from_stage_id is None and not change.from_label:  # the order's first stage
        return order.processed_at < rule.created_at
    if change.order_status == OrderStatus.CANCELLED and order.cancelled_at:
        return order.cancelled_at < rule.created_at
    return False


def _abandoned_carts(rule: FollowUpRule) -> int:
    hours = timezone.timedelta(hours=rule.hours or 0)
    due = timezone.now() - hours
    sent = TriggerDelivery.objects.filter(rule=rule, key=_cart_key(OuterRef("pk")))
    carts = (
        # Carts that became abandoned long enough while the rule existed, not before it.
        Cart.objects.filter(
            status=CartStatus.ABANDONED,
            checkout_updated_at__lte=due,
            checkout_updated_at__gte=rule.created_at - hours,
        )
        .exclude(Exists(sent))
        .select_related("contact")
        .order_by("pk")[:SCAN_LIMIT]
    )
    return sum(
        _deliver_once(rule, f"cart:{cart.pk}", {"cart": _cart(cart), "abandoned_hours": rule.hours})
        for cart in carts
    )


def _cart_key(pk):
    return Concat(Value("cart:"), Cast(pk, output_field=CharField()), output_field=CharField())


def property_changed(record, object_type: str, before: dict, after: dict) -> int:
    """A person changed custom properties of an order or cart (`before` → `after`)."""
    changed = {name for name in set(before) | set(after) if before.get(name) != after.get(name)}
    if not changed:
        return 0
    rules = FollowUpRule.objects.filter(
        active=True,
        event=TriggerEvent.PROPERTY_CHANGED,
        property__object_type=object_type,
        property__internal_name__in=changed,
    ).select_related("property")
    when = timezone.now()
    queued = 0
    for rule in rules:
        name = rule.property.internal_name
        queued += _deliver_once(
            rule,
            f"{object_type}:{record.pk}:{name}:{when.isoformat()}",
            {
                object_type: _order(record) if object_type == "order" else _cart(record),
                "property": name,
                "before": before.get(name),
                "after": after.get(name),
                "changed_at": when,
            },
        )
    return queued


def _deliver_once(rule: FollowUpRule, key: str, data: dict) -> int:
    payload = json.loads(
        json.dumps({"event": rule.event, "rule": rule.name, **data}, cls=DjangoJSONEncoder)
    )
    try:
        with transaction.atomic():
            delivery = TriggerDelivery.objects.create(rule=rule, key=key, payload=payload)
    except IntegrityError:
        return 0  # delivered (or on its way) already
    transaction.on_commit(lambda: enqueue(delivery.pk))
    return 1


def enqueue(delivery_id: int):
    queues.enqueue("send_trigger", delivery_id)


def signature(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def send(delivery_id: int):
    """The job: POST the delivery. A failure is logged on the delivery and raised, so the job
    is tried again after the next pause; the last failure gives up."""
    delivery = TriggerDelivery.objects.select_related("rule").filter(pk=delivery_id).first()
    if delivery is None or delivery.status == DeliveryStatus.DELIVERED:
        return
    body = json.dumps(delivery.payload, sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "X-CRM-Event": delivery.rule.event,
        "X-CRM-Delivery": str(delivery.pk),
        "X-CRM-Signature": signature(delivery.rule.secret, body),
    }
    attempts = delivery.attempts + 1
    try:
        response = requests.post(
            delivery.rule.url, data=body, headers=headers, timeout=TIMEOUT_SECONDS
        )
    except requests.RequestException as error:
        _failed(delivery, attempts, None, f"{type(error).__name__}: {error}")
        raise
    if 200 <= response.status_code < 300:
        TriggerDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.DELIVERED,
            attempts=attempts,
            response_status=response.status_code,
            error="",
            delivered_at=timezone.now(),
        )
        return
    _failed(delivery, attempts, response.status_code, response.text[:500])
    raise DeliveryFailed(f"{delivery.rule.url} answered {response.status_code}")


class DeliveryFailed(Exception):
    pass


def _failed(delivery, attempts, status, error):
    final = attempts > len(RETRY_INTERVALS)
    TriggerDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.GAVE_UP if final else DeliveryStatus.FAILED,
        attempts=attempts,
        response_status=status,
        error=error,
    )
    log.info("trigger delivery %s failed (attempt %s): %s", delivery.pk, attempts, error)


def _order(order) -> dict:
    return {
        "id": order.pk,
        "name": order.name,
        "store": order.source_store,
        "email": order.email,
        "total": str(order.total),
        "currency": order.currency,
        "properties": order.properties,
    }


def _cart(cart) -> dict:
    return {
        "id": cart.pk,
        "store": cart.source_store,
        "email": cart.email or (cart.contact.email if cart.contact else ""),
        "total": str(cart.total),
        "currency": cart.currency,
        "recovery_url": cart.recovery_url,
        "properties": cart.properties,
    }
