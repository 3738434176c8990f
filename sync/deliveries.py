"""What the sync does with the webhooks Shopify delivers: sync topics are triggers to read
the record again; app/uninstalled and the compliance topics are acted on here."""

from __future__ import annotations

import json
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from crm.models import Cart, Contact, Order
from integration.models import Store, StoreStatus
from integration.webhooks import TOPICS
from sync import services
from sync.models import DeliveryState, SyncSetting, WebhookDelivery

log = logging.getLogger(__name__)


def _rest_topic(enum_name: str) -> str:
    """APP_UNINSTALLED → app/uninstalled, COMPANY_CONTACTS_CREATE → company_contacts/create."""
    resource, _, event = enum_name.lower().rpartition("_")
    return f"{resource}/{event}"


SUBSCRIBED_TOPICS = {_rest_topic(topic) for topic in TOPICS}


def store_syncs(store_id: int) -> dict[str, SyncSetting]:
    """The store's syncs by object, read once for a batch of its deliveries."""
    return {s.object_type: s for s in SyncSetting.objects.filter(store_id=store_id)}


def process_delivery(delivery: WebhookDelivery, syncs: dict[str, SyncSetting] | None = None):
    """Act on one stored delivery. Safe to run twice: a delivery already processed or ignored
    is left alone. `syncs`: the store's, when the caller read them already."""
    if delivery.state in (DeliveryState.PROCESSED, DeliveryState.IGNORED):
        return
    handler = HANDLERS.get(delivery.topic)
    if handler is None and delivery.topic not in SUBSCRIBED_TOPICS:
        _finish(delivery, DeliveryState.IGNORED, "Unknown topic: recorded and ignored")
        return
    try:
        body = json.loads(delivery.body)
    except ValueError:
        _finish(delivery, DeliveryState.FAILED, "The body is not JSON")
        return
    if not isinstance(body, dict):
        _finish(delivery, DeliveryState.FAILED, "The body is not a JSON object")
        return
    if handler is None:
        _refresh_what_changed(delivery, body, syncs)
        return
    with transaction.atomic():
        handler(delivery.store, body)
        _finish(delivery, DeliveryState.PROCESSED)


def _refresh_what_changed(delivery: WebhookDelivery, body: dict, syncs=None):
    """A webhook is a trigger: re-read the record it names (the body may be stale, repeated
    or out of order), once however many webhooks name it meanwhile."""
    if delivery.topic == "bulk_operations/finish":
        services.wake_bulk_runs(delivery.store, body.get("admin_graphql_api_id"))
        _finish(delivery, DeliveryState.PROCESSED)
        return
    targets = topic_targets(delivery.topic, body)
    if not targets:
        _finish(delivery, DeliveryState.FAILED, "The body names no record")
        return
    if syncs is None:
        syncs = store_syncs(delivery.store_id)
    wanted = [
        (syncs[object_type], shopify_id)
        for object_type, shopify_id in targets
        if object_type in syncs and syncs[object_type].enabled
    ]
    for setting, shopify_id in wanted:
        services.refresh_soon(setting, shopify_id)
    _finish(
        delivery,
        DeliveryState.PROCESSED,
        "" if wanted else "The sync of this object is off: nothing to do",
    )


def topic_targets(topic: str, body: dict) -> list[tuple[str, int]]:
    """(object type, Shopify id) of the records a webhook is about."""
    resource = topic.split("/", 1)[0]
    if resource in (
        "customers",
        "customers_email_marketing_consent",
        "customers_marketing_consent",
    ):
        ids = [("contacts", body.get("customer_id") or body.get("id"))]
    elif resource == "products":
        ids = [("products", body.get("id"))]
    elif resource == "orders":
        ids = [("orders", body.get("id"))]
    elif resource in ("refunds", "fulfillments"):
        ids = [("orders", body.get("order_id"))]
    elif resource == "checkouts":
        ids = [("carts", body.get("id"))]
    elif resource == "companies":
        ids = [("companies", _gid_number(body.get("admin_graphql_api_id")))]
    elif resource in ("company_contacts", "company_locations"):
        company = (body.get("company") or {}).get("admin_graphql_api_id")
        ids = [("companies", _gid_number(company))]
        if body.get("customer_admin_graphql_api_id"):
            ids.append(("contacts", _gid_number(body["customer_admin_graphql_api_id"])))
    else:
        ids = []
    return [(object_type, int(shopify_id)) for object_type, shopify_id in ids if shopify_id]


def _gid_number(gid: str | None) -> int | None:
    if not gid:
        return None
    tail = str(gid).rsplit("/", 1)[-1].split("?", 1)[0]
    return int(tail) if tail.isdigit() else None


def _finish(delivery: WebhookDelivery, state: str, error: str = ""):
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=state, processed_at=timezone.now(), error=error
    )
    delivery.state = state


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
    customer = body.get("customer") or {}
    email = (customer.get("email") or "").strip()
    contacts = list(Contact.objects.with_email(email)) if email else []
    orders = Order.objects.filter(source_store=store.shop_domain).filter(
        Q(contact__in=contacts) | Q(email__iexact=email) if email else Q(contact__in=contacts)
    )
    carts = Cart.objects.filter(source_store=store.shop_domain).filter(
        Q(contact__in=contacts) | Q(email__iexact=email) if email else Q(contact__in=contacts)
    )
    orders.update(email="", contact=None)
    carts.update(email="", contact=None, recovery_url="")
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
    Order.objects.filter(source_store=store.shop_domain).delete()
    Cart.objects.filter(source_store=store.shop_domain).delete()
    WebhookDelivery.objects.filter(store=store).exclude(topic="shop/redact").delete()


def handle_data_request(store: Store, body: dict):
    """Shopify forwards a customer's request for their data; the merchant answers it from the
    CRM. Recorded (the delivery is the record), nothing to change."""
    log.info("customer data request from %s for customer %s", store, body.get("customer"))


HANDLERS = {
    "app/uninstalled": handle_app_uninstalled,
    "customers/redact": handle_customers_redact,
    "shop/redact": handle_shop_redact,
    "customers/data_request": handle_data_request,
}
