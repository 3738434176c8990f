"""Webhook subscriptions and delivery, as Shopify does them.

Every change emits its topics; each subscription of the shop for that topic gets a POST with the
REST-shaped body (payloads.py) and the `X-Shopify-*` headers, signed with the subscribing
app's secret. Delivery happens on background threads, at least once and in no promised order,
with a 5 s timeout and retries on anything but 2xx (8 tries over about four hours; the
`webhook_retry_scale` fault compresses that for tests). A subscription whose deliveries keep
failing is deleted, as Shopify deletes it (`subscription_health`). The fault knobs drop,
duplicate, delay and reorder deliveries.
"""

from __future__ import annotations

import base64
import collections
import datetime
import hashlib
import heapq
import hmac
import itertools
import json
import logging
import random
import re
import threading
import time
import uuid
from dataclasses import dataclass, field

import requests

from shopify_emulator import actions, payloads, protected, records
from shopify_emulator.scopes import B2B_TOPIC_PREFIXES, TOPIC_SCOPES, granted_scopes
from shopify_emulator.version import API_VERSION

log = logging.getLogger(__name__)

# Seconds to wait before each retry: 7 retries after the first try, ~4 hours in all.
RETRY_DELAYS = (10, 60, 300, 900, 1800, 3600, 7200)
MAX_TRIES = len(RETRY_DELAYS) + 1
TIMEOUT_SECONDS = 5
# Deliveries each shop's log keeps (its newest), for the control API.
LOG_SIZE = 5000


def topic_enum(topic: str) -> str:
    """ "orders/partially_fulfilled" → "ORDERS_PARTIALLY_FULFILLED", "customer.tags_added" →
    "CUSTOMER_TAGS_ADDED" (WebhookSubscriptionTopic)."""
    return topic.upper().replace("/", "_").replace(".", "_")


def subscribe(shop, grant, topic: str, fields: dict, emulator=None) -> dict:
    """Create a subscription as webhookSubscriptionCreate does, after the checks Shopify makes:
    the topic's access scope, Shopify Plus for B2B topics, and protected customer data for
    topics whose bodies carry it (protected.py)."""
    client_id = grant.client_id
    needed = TOPIC_SCOPES.get(topic.split("_")[0], ())
    if needed and not granted_scopes(grant) & set(needed):
        raise actions.user_error(
            ["topic"], f"Access denied: the {topic} topic needs the `{needed[0]}` access scope"
        )
    if topic.startswith(B2B_TOPIC_PREFIXES) and not shop.is_plus:
        raise actions.user_error(
            ["topic"], f"Access denied: the {topic} topic needs a store on the Shopify Plus plan"
        )
    if emulator is not None and not protected.topic_allowed(emulator, client_id, topic):
        # Shopify's userError, on the webhookSubscription field; nothing is created.
        raise actions.user_error(["webhookSubscription"], protected.TOPIC_REFUSAL)
    uri = fields.get("uri") or fields.get("callbackUrl") or ""
    if not re.match(r"^https?://[^\s/]+", uri):
        raise actions.user_error(["webhookSubscription", "callbackUrl"], "Address is invalid")
    if fields.get("format", "JSON") != "JSON":
        raise actions.user_error(["webhookSubscription", "format"], "Format is not supported")
    with shop.lock:
        for existing in shop.webhook_subscriptions.values():
            if (existing["_clientId"], existing["topic"], existing["uri"]) == (
                client_id,
                topic,
                uri,
            ):
                raise actions.user_error(
                    ["webhookSubscription", "callbackUrl"],
                    "Address for this topic has already been taken",
                )
        number = shop.allocate()
        moment = records.now()
        subscription = {
            "__typename": "WebhookSubscription",
            "id": records.gid("WebhookSubscription", number),
            "legacyResourceId": str(number),
            "topic": topic,
            "uri": uri,
            "format": "JSON",
            "includeFields": fields.get("includeFields") or [],
            "filter": fields.get("filter"),
            "name": fields.get("name"),
            "createdAt": moment,
            "updatedAt": moment,
            "apiVersion": {
                "__typename": "ApiVersion",
                "handle": API_VERSION,
                "displayName": API_VERSION,
                "supported": True,
            },
            "_clientId": client_id,
        }
        shop.webhook_subscriptions[number] = subscription
        shop.touch()
        return subscription


def unsubscribe(shop, client_id: str, number: int):
    with shop.lock:
        subscription = shop.webhook_subscriptions.get(number)
        if subscription is None or subscription["_clientId"] != client_id:
            raise actions.NotFound("Webhook subscription does not exist")
        del shop.webhook_subscriptions[number]
        shop.touch()


def subscription_health(shop, number: int, succeeded: bool):
    """Count a subscription's consecutive failed deliveries; a success starts again at zero.

    Shopify retries a webhook 8 times over 4 hours (changelog "Updates to webhook retry
    mechanism", https://shopify.dev/changelog/updates-to-webhook-retry-mechanism) and deletes
    the subscription "if it was configured using the Admin API" once deliveries keep failing
    (shopify.dev "HTTPS webhook delivery",
    https://shopify.dev/docs/apps/webhooks/configuration/https); "After 8 consecutive failures,
    the webhook subscription gets automatically deleted" (Shopify staff,
    https://community.shopify.dev/t/webhooks-retry-after-an-error/24625). A failure here is
    one failed delivery attempt to the subscription (a retry counts), whichever event it
    carries, so one webhook that fails all of its 8 tries removes its subscription; the
    threshold is the `webhook_removal_threshold` knob. Compliance topics come from the app's
    configuration, not a subscription, and are never counted (the caller passes only
    subscription deliveries)."""
    with shop.lock:
        if number not in shop.webhook_subscriptions:
            return  # already deleted: retries still in flight change nothing
        if succeeded:
            shop.webhook_failures.pop(number, None)
            return
        failures = shop.webhook_failures.get(number, 0) + 1
        shop.webhook_failures[number] = failures
        threshold = shop.faults.webhook_removal_threshold
        if not threshold or failures < threshold:
            return
        subscription = shop.webhook_subscriptions.pop(number)
        shop.webhook_failures.pop(number, None)
        shop.removed_subscriptions.append(
            {
                "id": subscription["id"],
                "topic": subscription["topic"],
                "uri": subscription["uri"],
                "client_id": subscription["_clientId"],
                "consecutive_failures": failures,
                "removed_at": records.now(),
                "reason": f"{failures} consecutive failed deliveries",
            }
        )
        shop.touch()
    log.info("webhook subscription %s deleted after %s failures", subscription["id"], failures)


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@dataclass
class Delivery:
    webhook_id: str
    event_id: str
    shop: str
    topic: str
    uri: str
    body: bytes
    secret: str
    triggered_at: str
    # The subscription it goes to (None: a compliance topic, sent to the app's configuration).
    subscription: int | None = None
    duplicate: bool = False
    status: str = "pending"
    attempts: int = 0
    last_response: str | None = None
    created_at: str = field(default_factory=records.now)
    delivered_at: str | None = None

    def headers(self) -> dict:
        return {
            "Content-Type": "application/json",
            "User-Agent": "Shopify-Captain-Hook",
            "X-Shopify-Topic": self.topic,
            "X-Shopify-Hmac-Sha256": sign(self.secret, self.body),
            "X-Shopify-Shop-Domain": self.shop,
            "X-Shopify-API-Version": API_VERSION,
            "X-Shopify-Webhook-Id": self.webhook_id,
            "X-Shopify-Event-Id": self.event_id,
            "X-Shopify-Triggered-At": self.triggered_at,
        }

    def summary(self) -> dict:
        return {
            "webhook_id": self.webhook_id,
            "event_id": self.event_id,
            "subscription_id": (
                records.gid("WebhookSubscription", self.subscription) if self.subscription else None
            ),
            "topic": self.topic,
            "uri": self.uri,
            "status": self.status,
            "attempts": self.attempts,
            "last_response": self.last_response,
            "duplicate": self.duplicate,
            "created_at": self.created_at,
            "delivered_at": self.delivered_at,
            "body": json.loads(self.body),
        }


class Dispatcher:
    def __init__(self, emulator, senders: int = 8, seed: int | None = None):
        self.emulator = emulator
        self.random = random.Random(seed)
        self.queue: list[tuple[float, int, Delivery]] = []
        self.sequence = itertools.count()
        self.condition = threading.Condition()
        self.deliveries: dict[str, collections.deque[Delivery]] = {}
        # Bumped by clear(): a delivery in flight across a reset is not queued again after it.
        self.generation = 0
        self.stopping = False
        self.threads = [
            threading.Thread(target=self._send_loop, name=f"webhooks-{index}", daemon=True)
            for index in range(senders)
        ]
        for thread in self.threads:
            thread.start()

    # Producing -----------------------------------------------------------------------------

    def emit(self, shop, topic: str, record: dict, client_id=None, compliance=False):
        full_body = payloads.build(topic, shop, record)
        event_id = str(uuid.uuid4())
        triggered_at = (
            datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")[:-6] + "Z"
        )
        for uri, secret, include_fields, number in self._targets(
            shop, topic, client_id, compliance
        ):
            chosen = (
                {key: value for key, value in full_body.items() if key in include_fields}
                if include_fields
                else full_body
            )
            body = json.dumps(chosen, separators=(",", ":")).encode()
            delivery = Delivery(
                webhook_id=str(uuid.uuid4()),
                event_id=event_id,
                shop=shop.domain,
                topic=topic,
                uri=uri,
                body=body,
                secret=secret,
                triggered_at=triggered_at,
                subscription=number,
            )
            self._schedule_new(shop, delivery)

    def _targets(self, shop, topic, client_id, compliance):
        apps = self.emulator.apps
        if compliance:
            for app_id in sorted(shop.installed_apps):
                app = apps.get(app_id)
                if app and app.compliance_url:
                    yield app.compliance_url, app.client_secret, (), None
            return
        wanted = topic_enum(topic)
        for number, subscription in list(shop.webhook_subscriptions.items()):
            if subscription["topic"] != wanted:
                continue
            if client_id is not None and subscription["_clientId"] != client_id:
                continue
            app = apps.get(subscription["_clientId"])
            if app:
                yield subscription["uri"], app.client_secret, subscription["includeFields"], number

    def _schedule_new(self, shop, delivery: Delivery):
        faults = shop.faults
        self._record(delivery)
        if self.random.random() < faults.webhook_drop_rate:
            delivery.status = "dropped"
            return
        delay = faults.webhook_delay_ms / 1000
        if faults.webhook_reorder:
            delay += self.random.uniform(0, max(faults.webhook_delay_ms, 500) / 1000)
        self._push(time.monotonic() + delay, delivery)
        if self.random.random() < faults.webhook_duplicate_rate:
            copy = Delivery(**{**delivery.__dict__, "duplicate": True, "status": "pending"})
            self._record(copy)
            self._push(time.monotonic() + delay + self.random.uniform(0, 0.2), copy)

    def _record(self, delivery: Delivery):
        with self.condition:
            log = self.deliveries.setdefault(delivery.shop, collections.deque(maxlen=LOG_SIZE))
            log.append(delivery)

    def _push(self, due: float, delivery: Delivery, generation: int | None = None):
        with self.condition:
            if generation is not None and generation != self.generation:
                return  # cleared while it was being sent
            heapq.heappush(self.queue, (due, next(self.sequence), delivery))
            self.condition.notify()

    # Sending -------------------------------------------------------------------------------

    def _next_due(self) -> Delivery | None:
        with self.condition:
            while not self.stopping:
                if self.queue and self.queue[0][0] <= time.monotonic():
                    return heapq.heappop(self.queue)[2]
                timeout = self.queue[0][0] - time.monotonic() if self.queue else None
                self.condition.wait(timeout)
            return None

    def _send_loop(self):
        session = requests.Session()
        while True:
            delivery = self._next_due()
            if delivery is None:
                return
            self._send(session, delivery)

    def _send(self, session, delivery: Delivery):
        generation = self.generation
        delivery.attempts += 1
        try:
            response = session.post(
                delivery.uri,
                data=delivery.body,
                headers=delivery.headers(),
                timeout=TIMEOUT_SECONDS,
                allow_redirects=False,
            )
            delivery.last_response = str(response.status_code)
            succeeded = 200 <= response.status_code < 300
        except requests.RequestException as error:
            delivery.last_response = type(error).__name__
            succeeded = False
        shop = self.emulator.shops.get(delivery.shop)
        if shop is not None and delivery.subscription is not None:
            subscription_health(shop, delivery.subscription, succeeded)
        if succeeded:
            delivery.status = "delivered"
            delivery.delivered_at = records.now()
            return
        if delivery.attempts >= MAX_TRIES:
            delivery.status = "failed"
            log.info("webhook %s to %s failed for good", delivery.topic, delivery.uri)
            return
        delivery.status = "retrying"
        scale = shop.faults.webhook_retry_scale if shop else 1.0
        due = time.monotonic() + RETRY_DELAYS[delivery.attempts - 1] * scale
        self._push(due, delivery, generation)

    # Inspecting and stopping -------------------------------------------------------------------

    def log_for(self, shop_domain: str) -> list[dict]:
        with self.condition:
            return [delivery.summary() for delivery in self.deliveries.get(shop_domain, [])]

    def clear(self):
        with self.condition:
            self.generation += 1
            self.queue.clear()
            self.deliveries.clear()

    def stop(self):
        with self.condition:
            self.stopping = True
            self.condition.notify_all()
        for thread in self.threads:
            thread.join(timeout=TIMEOUT_SECONDS + 1)
