"""A delivery's headers, checked before anything is stored. Shopify signs the body only: the
topic, the shop, the ids and the time are plain headers anyone can write, so each is bounded to
what Shopify sends, and none is believed further than that (the body is bound to them
separately, `webhook_binding`).
https://shopify.dev/docs/apps/build/webhooks/delivery-structure (headers)
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.utils import timezone

from integration.ids import moment
from integration.models import SHOP_DOMAIN

# Shopify's webhook and event ids are UUIDs; anything id-like of the column's length is taken.
DELIVERY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,254}")
# "orders/create", "bulk_operations/finish", "customer.tags_added".
TOPIC = re.compile(r"[a-z][a-z_]{0,48}(?:[./][a-z][a-z_]{0,48}){1,2}")
API_VERSION = re.compile(r"[0-9]{4}-[0-9]{2}|unstable")
SIGNATURE = re.compile(r"[A-Za-z0-9+/=]{1,100}")
# Shopify retries a delivery for 4 hours; a time further than a day from now is no time of a
# delivery: it is kept as unknown, never stored as it came (year 1 or 9999 broke every reader).
TRIGGERED_WITHIN = datetime.timedelta(days=1)


class BadHeader(ValueError):
    """A header that is not what Shopify sends: the delivery is refused (400)."""


@dataclass(frozen=True)
class DeliveryHeaders:
    signature: str
    shop_domain: str
    webhook_id: str
    event_id: str
    topic: str
    api_version: str
    triggered_at: datetime.datetime | None


def read(headers) -> DeliveryHeaders:
    """The Shopify headers of a request (with or without their `X-` prefix: newer deliveries
    drop it), checked. Raises BadHeader naming the first that is wrong."""

    def header(name: str) -> str:
        return headers.get(f"X-Shopify-{name}") or headers.get(f"Shopify-{name}") or ""

    return DeliveryHeaders(
        # A signature of any other shape is no signature: the delivery is unsigned (401).
        signature=_or_empty(header("Hmac-Sha256").strip(), SIGNATURE),
        shop_domain=_checked(header("Shop-Domain")[:256].lower(), SHOP_DOMAIN, "Shop-Domain"),
        webhook_id=_checked(header("Webhook-Id"), DELIVERY_ID, "Webhook-Id"),
        event_id=_checked(header("Event-Id"), DELIVERY_ID, "Event-Id", required=False),
        topic=_checked(header("Topic"), TOPIC, "Topic"),
        api_version=_checked(header("API-Version"), API_VERSION, "API-Version", required=False),
        triggered_at=_plausible(header("Triggered-At")),
    )


def _checked(value: str, pattern: re.Pattern, name: str, required: bool = True) -> str:
    if not value:
        if required:
            raise BadHeader(f"Missing header {name}")
        return ""
    if len(value) > 255 or not pattern.fullmatch(value):
        raise BadHeader(f"Header {name} is not a value Shopify sends")
    return value


def _or_empty(value: str, pattern: re.Pattern) -> str:
    return value if pattern.fullmatch(value) else ""


def _plausible(text: str) -> datetime.datetime | None:
    """The time the event happened, if it is one: well formed, with a zone, and within a day
    of now."""
    if len(text) > 40:
        return None
    when = moment(text)
    if when is None or timezone.is_naive(when):
        return None
    try:
        if abs(when - timezone.now()) > TRIGGERED_WITHIN:
            return None
    except OverflowError:
        return None
    return when
