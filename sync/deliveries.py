"""What the sync does with the webhooks Shopify delivers, once the intake stored them. A topic
that names records of an object pair is a trigger to read those records again (the body may be
stale, repeated or out of order); the app's life cycle and the compliance topics are acted on.

One job per store takes the deliveries waiting, oldest first, a batch per turn (the stores take
turns on the `webhooks` queue): the records a batch names are read from Shopify once each,
together, and applied, so a burst of webhooks costs a few reads, not one per webhook. A
delivery is marked done only once what it triggered is committed: a job killed midway leaves
its deliveries for the next job, or the sweep's.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from config import queues
from crm import services as crm
from crm.models import Cart, Contact, Order
from integration import cleaning, ids
from integration import services as integration
from integration.errors import ReconnectNeeded
from integration.models import Store, StoreStatus
from sync import checkout_emails, engine, mappings, services, writes
from sync.adapters import OWN_TOPICS, for_topic
from sync.models import CheckoutEmail, DeliveryState, SyncSetting, WebhookDelivery

log = logging.getLogger(__name__)

BATCH = 200
# One job per store at a time; a killed one holds its store this long at most.
LOCK_SECONDS = 120
# A delivery still waiting after this long lost its job (Redis was down when it arrived, or
# the job was lost): the sweep queues one again.
STALE_AFTER = timezone.timedelta(minutes=2)
SYNC_OFF = "The sync of this object is off: nothing to do"
# A delivery whose work raises is tried again after these waits, then left failed.
RETRY_WAITS = [timezone.timedelta(minutes=m) for m in (1, 5, 15, 60)]
MAX_ATTEMPTS = len(RETRY_WAITS) + 1
MAX_REASON = 1000
# What would erase or disconnect is done only once Shopify confirms the app is gone from the
# store: the headers that name the topic and the shop are not signed, and a body captured from
# another delivery of the same shop verifies all the same.
CONFIRMED_WITH_SHOPIFY = ("app/uninstalled", "shop/redact")
STILL_INSTALLED = "Shopify still answers this store's token, so the app is installed"


def process_store(store_id: int) -> None:
    """The job: the store's oldest waiting deliveries, one batch; what waits after it is a
    successor's, queued behind the other stores' jobs, so that every store gets its turn (a
    store whose webhooks keep coming never holds a worker while the others wait, and what
    comes during a turn waits for the next, to be read together). One such job per store at a
    time; the one at work looks again after it lets go, so none is left behind. A delivery
    that fails stops none of the others and is tried again by the sweep."""
    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        return
    # A store to connect again: what needs no Shopify (its removal, the compliance requests)
    # is done; the deliveries about records wait for the reconnection, and are read then.
    only = list(HANDLERS) if store.status == StoreStatus.RECONNECT else None
    after = 0
    while _waiting(store_id, after, only).exists():
        if after:
            # Its turn is over. Queued once the lock is let go, or the successor could start,
            # find it still held and end with the deliveries left behind.
            queues.enqueue("process_deliveries", store_id, once=True)
            return
        with queues.lock(f"sync:deliveries:{store_id}", LOCK_SECONDS) as held:
            if not held:
                return  # the job at work looks again when it lets go
            batch = list(_waiting(store_id, after, only).select_related("store")[:BATCH])
            if batch:
                process(batch)
                after = batch[-1].pk


def _due():
    """Deliveries to act on now: received, and not waiting for a retry."""
    return WebhookDelivery.objects.filter(state=DeliveryState.RECEIVED).filter(
        Q(retry_at__isnull=True) | Q(retry_at__lte=timezone.now())
    )


def _waiting(store_id: int, after: int, topics=None):
    waiting = _due().filter(store_id=store_id, pk__gt=after)
    if topics is not None:
        waiting = waiting.filter(topic__in=topics)
    return waiting.order_by("pk")


def process(deliveries: list[WebhookDelivery]) -> None:
    """Act on deliveries of one store, in order. The records they name wait together until
    the batch ends, or until a topic that must be acted on in order (the app's removal) comes."""
    if not deliveries:
        return
    store = deliveries[0].store
    syncs = {
        setting.object_type: setting
        for setting in SyncSetting.objects.filter(store=store).select_related("store")
    }
    triggers: list[tuple[WebhookDelivery, list]] = []
    for delivery in deliveries:
        if delivery.state in (DeliveryState.PROCESSED, DeliveryState.IGNORED):
            continue
        try:
            _act(delivery, store, syncs, triggers)
        except Exception as error:  # a bug, or Shopify down: this one alone, later
            log.exception("webhook delivery %s failed", delivery.pk)
            retry_later([delivery], error)
    _refresh(triggers)


def _act(delivery, store, syncs, triggers) -> None:
    try:
        body = _body(delivery)
    except ValueError as error:
        _finish([delivery], DeliveryState.FAILED, str(error))
        return
    handler = HANDLERS.get(delivery.topic)
    if handler is not None:
        _refresh(triggers)  # what came before it first
        if delivery.topic in CONFIRMED_WITH_SHOPIFY and integration.app_still_installed(store):
            # Asked outside any transaction (a renewed token must not be rolled back).
            _finish([delivery], DeliveryState.REFUSED, STILL_INSTALLED)
            return
        with transaction.atomic():
            handler(store, body)
            _finish([delivery], DeliveryState.PROCESSED)
    elif delivery.topic in SIGNALS:
        # They may ask Shopify (and so renew a token): never inside a transaction that could
        # roll the new token back.
        SIGNALS[delivery.topic](store, body)
        _finish([delivery], DeliveryState.PROCESSED)
    else:
        _trigger(delivery, body, syncs, triggers)


def _body(delivery: WebhookDelivery) -> dict:
    try:
        body = cleaning.parse_json(delivery.body)
    except ValueError:
        raise ValueError("The body is not JSON") from None
    if not isinstance(body, dict):
        raise ValueError("The body is not a JSON object")
    return body


def _trigger(delivery, body: dict, syncs: dict, triggers: list) -> None:
    """A delivery about records of object pairs: the records to read again, of syncs that are
    on (a delivery of an unknown topic is recorded and ignored)."""
    adapters = for_topic(delivery.topic)
    if not adapters:
        if delivery.topic in OWN_TOPICS:
            _finish([delivery], DeliveryState.PROCESSED)
        else:
            _finish([delivery], DeliveryState.IGNORED, "Unknown topic: recorded and ignored")
        return
    for adapter in adapters:
        if _listening(syncs.get(adapter.object_type)):
            adapter.remember(delivery.store, delivery.topic, body)
    named = [(a, shopify_id) for a in adapters for shopify_id in a.record_ids(delivery.topic, body)]
    if not named:
        named = _named_by_key(delivery, body, adapters, syncs)
        if named is None:
            return  # finished there
    if not named:
        _finish([delivery], DeliveryState.FAILED, "The body names no record")
        return
    wanted = [
        (syncs[adapter.object_type], shopify_id)
        for adapter, shopify_id in named
        if _listening(syncs.get(adapter.object_type))
    ]
    if wanted:
        triggers.append((delivery, wanted))
    else:
        _finish(
            [delivery], DeliveryState.PROCESSED, "The sync of this object is off: nothing to do"
        )


def _named_by_key(delivery, body: dict, adapters, syncs) -> list | None:
    """A body that names its record by a key of the sync's (a checkout's token) instead of
    its id: the records the sync knows by that key. A key the sync does not know yet (a new
    checkout) has the sync reconciled now, which finds the record among those changed;
    then the delivery is done (None)."""
    named, unknown = [], []
    for adapter in adapters:
        keys = adapter.record_keys(delivery.topic, body)
        known = mappings.shopify_ids_by_key(delivery.store, adapter.object_type, keys)
        named += [(adapter, known[key]) for key in keys if key in known]
        if any(key not in known for key in keys):
            unknown.append(adapter)
    if named or not unknown:
        return named
    for adapter in unknown:
        setting = syncs.get(adapter.object_type)
        if _listening(setting) and setting.watermark is not None:
            queues.enqueue("reconcile", setting.pk, once=True)
    _finish(
        [delivery],
        DeliveryState.PROCESSED,
        "The body names its record by a key the sync does not know yet: reconciled",
    )
    return None


def _listening(setting) -> bool:
    return setting is not None and setting.enabled and setting.store.can_sync


def _refresh(triggers: list) -> None:
    """Read every record the waiting deliveries name, once each, per sync; then mark the
    deliveries done, except those of a sync whose read failed (the sweep tries them again)."""
    by_sync: dict[int, tuple[SyncSetting, set]] = {}
    for _, wanted in triggers:
        for setting, shopify_id in wanted:
            by_sync.setdefault(setting.pk, (setting, set()))[1].add(shopify_id)
    failed: dict[int, Exception | None] = {}
    for setting_id, (setting, shopify_ids) in by_sync.items():
        try:
            engine.refresh(setting, shopify_ids)
        except ReconnectNeeded:
            failed[setting_id] = None  # they wait for the store to be connected again
        except Exception as error:
            log.exception("reading records of %s failed", setting)
            failed[setting_id] = error
    done, again = [], {}
    for delivery, wanted in triggers:
        errors = [failed[setting.pk] for setting, _ in wanted if setting.pk in failed]
        if not errors:
            done.append(delivery)
        elif any(errors):
            again[delivery] = next(error for error in errors if error)
    with transaction.atomic():
        # Lost in a crash, they are received again, and read again (the records they name).
        writes.commit_without_waiting_for_disk()
        _finish(done, DeliveryState.PROCESSED)
    for delivery, error in again.items():
        retry_later([delivery], error)
    triggers.clear()


def _finish(deliveries: list[WebhookDelivery], state: str, error: str = "") -> None:
    if not deliveries:
        return
    WebhookDelivery.objects.filter(pk__in=[delivery.pk for delivery in deliveries]).update(
        state=state, processed_at=timezone.now(), error=error
    )
    for delivery in deliveries:
        delivery.state = state


def retry_later(deliveries: list[WebhookDelivery], error: Exception) -> None:
    """Work that raised: counted, and tried again after a growing wait, up to MAX_ATTEMPTS;
    then the delivery is left failed, with its reason, for the health page. It never holds up
    the deliveries after it (they wait for none)."""
    reason = cleaning.clean(f"{type(error).__name__}: {error}", MAX_REASON)
    now = timezone.now()
    for delivery in deliveries:
        attempts = delivery.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            changes = {
                "state": DeliveryState.FAILED,
                "processed_at": now,
                "retry_at": None,
                "error": f"Gave up after {attempts} attempts: {reason}",
            }
        else:
            wait = RETRY_WAITS[min(attempts, len(RETRY_WAITS)) - 1]
            changes = {"retry_at": now + wait, "error": f"Attempt {attempts}: {reason}"}
        WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=attempts, **changes)
        delivery.attempts = attempts
        for name, value in changes.items():
            setattr(delivery, name, value)


def requeue_waiting() -> None:
    """Cron, every minute: a store whose deliveries wait with no job at them gets one."""
    waiting = (
        _due()
        .filter(Q(received_at__lt=timezone.now() - STALE_AFTER) | Q(retry_at__isnull=False))
        .exclude(
            # A store to connect again: its deliveries about records wait for the reconnection.
            Q(store__status=StoreStatus.RECONNECT) & ~Q(topic__in=list(HANDLERS))
        )
    )
    for store_id in waiting.order_by().values_list("store_id", flat=True).distinct():
        queues.enqueue("process_deliveries", store_id, once=True)
        # The app was failing or down for a while: Shopify may have given up on some of the
        # store's subscriptions meanwhile.
        queues.enqueue("check_subscriptions", store_id, once=True)


def handle_app_uninstalled(store: Store, body: dict):
    """The merchant removed the app: its token is dead. Forget it and stop the store's syncs;
    the synced data stays."""
    store = Store.objects.select_for_update().get(pk=store.pk)
    store.mark_disconnected(status=StoreStatus.UNINSTALLED)
    store.save()
    services.stop_store_syncs(store)


def handle_customers_redact(store: Store, body: dict):
    """Shopify asks to erase what this store told us about one customer. Their orders and
    carts from this store lose their personal data; the contact itself is erased unless it
    also belongs to another store or source (then only this store's traces go)."""
    customer = body.get("customer")
    email = customer.get("email") if isinstance(customer, dict) else None
    email = email.strip()[:254] if isinstance(email, str) else ""
    contacts = list(Contact.objects.with_email(email)) if email else []
    orders = Order.objects.filter(source_store=store.shop_domain).filter(
        Q(contact__in=contacts) | Q(email__iexact=email) if email else Q(contact__in=contacts)
    )
    carts = Cart.objects.filter(source_store=store.shop_domain).filter(
        Q(contact__in=contacts) | Q(email__iexact=email) if email else Q(contact__in=contacts)
    )
    redacted = list(orders.values_list("pk", flat=True))
    checkout_emails.erase(store, email)
    orders.update(email="", contact=None)
    carts.update(email="", contact=None, recovery_url="")
    # The contacts' totals and first orders no longer count these orders.
    crm.orders_saved(
        store.shop_domain,
        redacted,
        contact_ids=[],
        previous_contact_ids=[contact.pk for contact in contacts],
    )
    for contact in contacts:
        elsewhere = (
            contact.orders.exclude(source_store=store.shop_domain).exists()
            or contact.carts.exclude(source_store=store.shop_domain).exists()
        )
        if not elsewhere:
            erase_contact(contact)


def erase_contact(contact: Contact):
    """Blank every personal field of a contact, keeping the row (and what points at it)."""
    Contact.objects.filter(pk=contact.pk).update(
        email="",
        first_name="",
        last_name="",
        phone="",
        address1="",
        address2="",
        city="",
        province="",
        postal_code="",
        country_code="",
        note="",
        tags=[],
        email_marketing_consent=False,
        sms_marketing_consent=False,
        updated_at=timezone.now(),
    )


def handle_shop_redact(store: Store, body: dict):
    """48 hours after an uninstall Shopify asks to erase the store's data: its orders and
    carts go, with the deliveries it sent. Contacts, companies and products are the CRM's own
    records (the merchant's, often from more than one store) and stay."""
    orders = Order.objects.filter(source_store=store.shop_domain)
    crm.delete_orders(orders.values_list("pk", flat=True))
    crm.delete_carts(
        Cart.objects.filter(source_store=store.shop_domain).values_list("pk", flat=True)
    )
    WebhookDelivery.objects.filter(store=store).exclude(topic="shop/redact").delete()
    CheckoutEmail.objects.filter(store=store).delete()


def handle_data_request(store: Store, body: dict):
    """Shopify forwards a customer's request for their data; the merchant answers it from the
    CRM. Recorded (the delivery is the record), nothing to change."""
    customer = body.get("customer")
    number = ids.number_or_none(customer.get("id") if isinstance(customer, dict) else None)
    log.info("customer data request from %s for customer %s", store, number)


def scopes_updated(store: Store, body: dict):
    """The store changed the scopes it granted the app: what the syncs may do follows, as
    Shopify says it now (the body is only the trigger)."""
    if store.can_sync:
        services.refresh_granted_scopes(store)


def bulk_operation_finished(store: Store, body: dict):
    services.wake_bulk_runs(store, body.get("admin_graphql_api_id"))


# Topics that tell the sync something happened at Shopify.
SIGNALS = {
    "bulk_operations/finish": bulk_operation_finished,
    "app/scopes_update": scopes_updated,
}

# Topics acted on in the CRM, each with its delivery in one transaction.
HANDLERS = {
    "app/uninstalled": handle_app_uninstalled,
    "customers/redact": handle_customers_redact,
    "shop/redact": handle_shop_redact,
    "customers/data_request": handle_data_request,
}
