"""Orders ⇐ Shopify orders, with their lines. Shopify is the source of truth: every field is
Shopify's. An order is associated with its contact (none when its customer has no email), its
products and variants, its company and its cart; an earlier import of the same store and
order name is adopted, not duplicated. An order deleted in Shopify is deleted in the CRM."""

from __future__ import annotations

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.utils import timezone

from crm import services as crm
from crm.models import (
    Contact,
    FinancialStatus,
    Order,
    OrderLineItem,
    PropertyDefinition,
)
from integration.ids import moment, number
from sync import mappings, writes
from sync.adapters.base import EMAIL, Adapter, Parsed, amount, currency, lower, text
from sync.adapters.products import VARIANTS
from sync.fieldmaps import LIST, TEXT, CrmField, ShopifyField
from sync.filters import created_since_and_statuses
from sync.models import SyncSetting
from sync.stages import mapping_for, shopify_order_status, stage_for

log = logging.getLogger(__name__)

DOCUMENT = """
query OrdersBulk {
  orders {
    edges {
      node {
        ...OrderFields
        lineItems { edges { node { ...LineItemFields } } }
      }
    }
  }
}

query OrdersChanges($query: String!, $after: String) {
  orders(first: 250, after: $after, query: $query, sortKey: UPDATED_AT) {
    nodes { id updatedAt }
    pageInfo { hasNextPage endCursor }
  }
}

query OrdersByIds($ids: [ID!]!) {
  nodes(ids: $ids) {
    ...OrderFields
    ... on Order {
      lineItems(first: 25) {
        nodes { ...LineItemFields }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
}

query OrderLineItemsPage($id: ID!, $after: String) {
  order(id: $id) {
    lineItems(first: 100, after: $after) {
      nodes { ...LineItemFields }
      pageInfo { hasNextPage endCursor }
    }
  }
}

query OrdersIds {
  orders { edges { node { id updatedAt } } }
}

fragment OrderMoney on MoneyBag {
  shopMoney { amount currencyCode }
  presentmentMoney { amount currencyCode }
}

fragment OrderFields on Order {
  id
  updatedAt
  name
  email
  processedAt
  cancelledAt
  closedAt
  currencyCode
  presentmentCurrencyCode
  displayFinancialStatus
  displayFulfillmentStatus
  checkoutToken
  note
  tags
  sourceName
  poNumber
  customer { id defaultEmailAddress { emailAddress } }
  purchasingEntity { ... on PurchasingCompany { company { id } } }
  subtotalPriceSet { ...OrderMoney }
  totalDiscountsSet { ...OrderMoney }
  totalTaxSet { ...OrderMoney }
  totalShippingPriceSet { ...OrderMoney }
  totalPriceSet { ...OrderMoney }
  totalRefundedSet { ...OrderMoney }
  fulfillments { displayStatus }
}

fragment LineItemFields on LineItem {
  id
  title
  variantTitle
  sku
  quantity
  originalUnitPriceSet { shopMoney { amount } }
  discountedTotalSet { shopMoney { amount } }
  variant { id }
  product { id }
}
"""

# A CRM field named so is the order's custom property of that internal name.
PROPERTY_PREFIX = "properties."
# What an app without read_all_orders sees of a store's orders.
VISIBLE_WINDOW = datetime.timedelta(days=60)
# Where a fulfilment's or a refund's webhook names its order.
ITS_ORDER = ("order_id",)

# CRM amount field → Shopify MoneyBag field; each is kept in both currencies.
AMOUNTS = {
    "subtotal": "subtotalPriceSet",
    "discounts": "totalDiscountsSet",
    "tax": "totalTaxSet",
    "shipping": "totalShippingPriceSet",
    "total": "totalPriceSet",
    "refunded": "totalRefundedSet",
}


def parse_lines(nodes: list[dict]) -> list[dict]:
    """Order or cart lines as the CRM keeps them (product and variant as Shopify ids, resolved
    when saved)."""
    return [
        {
            "title": text(line.get("title")) or "Untitled item",
            "variant_title": text(line.get("variantTitle")),
            "sku": text(line.get("sku")),
            "quantity": line.get("quantity") or 0,
            "unit_price": amount(line.get("originalUnitPriceSet")),
            "total": amount(line.get("discountedTotalSet") or line.get("discountedTotalPriceSet")),
            "position": position,
            "product": number((line.get("product") or {}).get("id")),
            "variant": number((line.get("variant") or {}).get("id")),
        }
        for position, line in enumerate(nodes)
    ]


def line_rows(store, model, parent_field: str, records: list[tuple[Parsed, int]]):
    """Line rows of saved records, their products and variants resolved through mappings."""
    children = [child for record, _ in records for child in record.children]
    products = mappings.crm_ids(store, "products", [child["product"] for child in children])
    variants = mappings.crm_ids(store, VARIANTS, [child["variant"] for child in children])
    rows = writes.Rows(model)
    for record, crm_id in records:
        for child in record.children:
            row = dict(child)
            row[parent_field] = crm_id
            row["product_id"] = products.get(row.pop("product"))
            row["variant_id"] = variants.get(row.pop("variant"))
            rows.append(row)
    return rows


def property_mappings(adapter, setting) -> list[tuple[str, object]]:
    """(Shopify field, property definition) for each mapping of the order sync that fills a
    custom property."""
    if setting is None:
        return []
    maps = [m for m in adapter.active_maps(setting) if m.crm_field.startswith(PROPERTY_PREFIX)]
    names = {m.crm_field.removeprefix(PROPERTY_PREFIX) for m in maps}
    definitions = {
        d.internal_name: d
        for d in PropertyDefinition.objects.filter(object_type="order", internal_name__in=names)
    }
    return [
        (m.shopify_field, definitions[m.crm_field.removeprefix(PROPERTY_PREFIX)])
        for m in maps
        if m.crm_field.removeprefix(PROPERTY_PREFIX) in definitions
    ]


def mapped_properties(to_properties, record: Parsed, current: dict) -> dict:
    """The order's properties: what it has, with the mapped ones as Shopify says now. A value
    the property's type cannot hold is left out (the rest of the order still syncs)."""
    properties = dict(current or {})
    source = record.links.get("shopify", {})
    for shopify_field, definition in to_properties:
        value = source.get(shopify_field)
        if isinstance(value, list):
            value = ", ".join(value)
        try:
            stored = definition.to_stored_value(value)
        except ValidationError:
            log.info("order %s: %r does not fit %s", record.shopify_id, value, definition)
            continue
        if stored is None:
            properties.pop(definition.internal_name, None)
        else:
            properties[definition.internal_name] = stored
    return properties


def keep_withheld(model, records) -> dict[int, int | None]:
    """Records whose email Shopify withheld keep the email the CRM holds; returns crm id →
    the contact they had, to keep when nothing better is known."""
    withheld = [crm_id for record, crm_id in records if crm_id and "email" in record.withheld]
    if not withheld:
        return {}
    held = {
        pk: (email, contact_id)
        for pk, email, contact_id in model.objects.filter(pk__in=withheld).values_list(
            "pk", "email", "contact_id"
        )
    }
    for record, crm_id in records:
        if crm_id in held:
            record.fields["email"] = held[crm_id][0]
    return {pk: contact_id for pk, (_, contact_id) in held.items()}


def contact_ids_for(store, records: list[Parsed]) -> dict[int, int | None]:
    """shopify id → contact, for orders and carts: the customer's contact; failing that, the
    contact with the customer's (or a guest's) email. None when the customer has no email."""
    by_customer = mappings.crm_ids(store, "contacts", [r.links.get("customer") for r in records])
    # Only the emails of records whose customer is no synced contact need looking up.
    emails = {
        lower(r.links.get("contact_email"))
        for r in records
        if r.links.get("contact_email") and r.links.get("customer") not in by_customer
    }
    by_email = dict(
        Contact.objects.annotate(key=Lower("email"))
        .filter(key__any=emails)
        .values_list("key", "id")
    )
    result = {}
    for record in records:
        email = lower(record.links.get("contact_email"))
        if "email" in record.withheld:
            # Shopify withheld the email: the customer's contact when it is synced (else the
            # caller keeps the contact the record had).
            result[record.shopify_id] = by_customer.get(record.links.get("customer"))
            continue
        if not email:
            result[record.shopify_id] = None  # a customer without email syncs without contact
            continue
        result[record.shopify_id] = by_customer.get(record.links.get("customer")) or by_email.get(
            email
        )
    return result


class OrderAdapter(Adapter):
    object_type = "orders"
    label = "Orders"
    model = Order
    gid_type = "Order"
    admin_path = "orders"
    staged = True

    read_scopes = ("read_orders",)
    # Orders older than 60 days (Shopify must approve it), and the fulfilment topics.
    optional_scopes = ("read_all_orders", "read_fulfillments")
    approval_scopes = ("read_all_orders",)
    protected_fields = {
        "email": (EMAIL, ("email",)),
        "customer.defaultEmailAddress": (EMAIL, ("email",)),
    }
    topics = {
        "orders/create": ("id",),
        "orders/updated": ("id",),
        "orders/delete": ("id",),
        "fulfillments/create": ITS_ORDER,
        "fulfillments/update": ITS_ORDER,
        "refunds/create": ITS_ORDER,
    }

    document = DOCUMENT
    bulk_operation = "OrdersBulk"
    changes_operation = "OrdersChanges"
    ids_operation = "OrdersByIds"
    ids_list_operation = "OrdersIds"
    root_field = "orders"
    count_field = "ordersCount"
    child_connections = {"LineItem": "lineItems"}
    child_pages = {"lineItems": ("OrderLineItemsPage", ("order", "lineItems"))}
    ids_per_request = 4

    filters = created_since_and_statuses(
        "financial_statuses",
        FinancialStatus.choices,
        label="Payment statuses",
        help="The order's payment (financial) status in Shopify: paid, refunded, pending… "
        "None checked: every payment status.",
    )
    # Orders flow to the CRM only; these Shopify fields can fill an order's custom properties.
    shopify_fields = {
        "note": ShopifyField("Note", TEXT),
        "tags": ShopifyField("Tags", LIST),
        "sourceName": ShopifyField("Sales channel", TEXT),
        "poNumber": ShopifyField("PO number", TEXT),
    }
    matching_rule = "the same name in the same store (an earlier import)"

    out_of_sight = (
        "orders older than 60 days, which Shopify shows only to apps it approved for "
        "read_all_orders"
    )

    def sees_all(self, store) -> bool:
        return store.has_scope("read_all_orders")

    def count_in_sight(self, store, mappings) -> int:
        if self.sees_all(store):
            return mappings.count()
        return Order.objects.filter(
            pk__in=mappings.values("crm_id"), processed_at__gte=timezone.now() - VISIBLE_WINDOW
        ).count()

    def invisible(self, store, shopify_ids) -> set[int]:
        """Without read_all_orders Shopify shows only the last 60 days of orders: an older one
        not found is out of sight, not deleted.
        https://shopify.dev/changelog/apps-now-need-shopify-approval-to-read-orders-older-than-60-days"""
        if not shopify_ids or self.sees_all(store):
            return set()
        known = mappings.crm_ids(store, self.object_type, shopify_ids)
        old = set(
            Order.objects.filter(
                pk__in=list(known.values()), processed_at__lt=timezone.now() - VISIBLE_WINDOW
            ).values_list("pk", flat=True)
        )
        return {shopify_id for shopify_id, crm_id in known.items() if crm_id in old}

    def mappable_crm_fields(self) -> dict[str, CrmField]:
        """The orders' custom properties (`properties.<internal name>`)."""
        return {
            f"{PROPERTY_PREFIX}{d.internal_name}": CrmField(d.label, d.type)
            for d in PropertyDefinition.objects.filter(object_type="order")
        }

    def parse(self, node: dict) -> Parsed:
        customer = node.get("customer") or {}
        customer_email = text((customer.get("defaultEmailAddress") or {}).get("emailAddress"))
        company = ((node.get("purchasingEntity") or {}).get("company") or {}).get("id")
        fields = {
            "name": text(node.get("name")),
            "email": text(node.get("email")) or customer_email,
            "currency": node.get("currencyCode") or currency(node.get("totalPriceSet")),
            "presentment_currency": node.get("presentmentCurrencyCode")
            or currency(node.get("totalPriceSet"), "presentmentMoney"),
            "financial_status": lower(node.get("displayFinancialStatus")) or "pending",
            "fulfillment_status": lower(node.get("displayFulfillmentStatus")) or "unfulfilled",
            "processed_at": moment(node.get("processedAt")),
            "cancelled_at": moment(node.get("cancelledAt")),
            "closed_at": moment(node.get("closedAt")),
        }
        for field, source in AMOUNTS.items():
            fields[field] = amount(node.get(source))
            fields[f"presentment_{field}"] = amount(node.get(source), "presentmentMoney")
        delivered = [
            fulfillment.get("displayStatus") == "DELIVERED"
            for fulfillment in node.get("fulfillments") or []
        ]
        fields["delivered"] = bool(delivered) and all(delivered)
        fields["order_status"] = shopify_order_status(
            financial_status=fields["financial_status"],
            fulfillment_status=fields["fulfillment_status"],
            delivered=delivered,
            cancelled=fields["cancelled_at"] is not None,
        )
        return Parsed(
            shopify_id=number(node["id"]),
            updated_at=moment(node.get("updatedAt")),
            fields=fields,
            children=parse_lines((node.get("lineItems") or {}).get("nodes") or []),
            links={
                # Fields the sync's custom mappings may put in the order's properties.
                "shopify": {
                    "note": text(node.get("note")),
                    "tags": sorted(node.get("tags") or []),
                    "sourceName": text(node.get("sourceName")),
                    "poNumber": text(node.get("poNumber")),
                },
                "customer": number(customer.get("id")),
                # Who the order is associated with: the customer's email; a guest's order
                # email when there is no customer; nobody when the customer has no email.
                "contact_email": customer_email if customer else fields["email"],
                "company": number(company),
                "delivered": delivered,
            },
            external_key=text(node.get("checkoutToken")),
        )

    def exclusion_reason(self, parsed: Parsed, filters: dict) -> str | None:
        since = filters.get("created_since")
        processed = parsed.fields["processed_at"]
        if since and processed and processed.date().isoformat() < since:
            return f"Placed before {since}"
        statuses = filters.get("financial_statuses")
        if statuses and parsed.fields["financial_status"] not in statuses:
            return f"Financial status {parsed.fields['financial_status']} is not synced"
        return None

    def match_existing(self, store, records: list[Parsed]) -> dict[int, int]:
        """An order of this store with the same name and no mapping (an earlier import) is
        adopted."""
        names = {record.fields["name"] for record in records}
        named = list(
            Order.objects.filter(source_store=store.shop_domain, name__any=names).values_list(
                "name", "id"
            )
        )
        # Only the orders found are looked up in the mappings (not every mapping of the
        # store, which grows with each batch of an initial sync).
        mapped = mappings.mapped_crm_ids(store, self.object_type, [pk for _, pk in named])
        existing = {name: order_id for name, order_id in named if order_id not in mapped}
        return {
            record.shopify_id: existing[record.fields["name"]]
            for record in records
            if record.fields["name"] in existing
        }

    def save(self, store, records, *, defer=False) -> dict[int, int]:
        now = timezone.now()
        parsed = [record for record, _ in records]
        held_contacts = keep_withheld(Order, records)
        contacts = contact_ids_for(store, parsed)
        for record, crm_id in records:
            if crm_id in held_contacts and contacts[record.shopify_id] is None:
                contacts[record.shopify_id] = held_contacts[crm_id]
        companies = mappings.crm_ids(store, "companies", [r.links["company"] for r in parsed])
        setting = (
            SyncSetting.objects.filter(store=store, object_type="orders")
            .select_related("pipeline")
            .first()
        )
        stages = mapping_for(setting)
        to_properties = property_mappings(self, setting)
        before = {
            order_id: (contact_id, stage_id, properties, processed_at.date())
            for order_id, contact_id, stage_id, properties, processed_at in Order.objects.filter(
                pk__any=[crm_id for _, crm_id in records if crm_id]
            ).values_list("id", "contact_id", "pipeline_stage_id", "properties", "processed_at")
        }
        # Rows, not Order instances: building thousands of instances cost more than writing.
        orders = writes.Rows(Order)
        for record, crm_id in records:
            fields = record.fields
            orders.append(
                {
                    "id": crm_id,
                    "source_store": store.shop_domain,
                    "contact_id": contacts[record.shopify_id],
                    "company_id": companies.get(record.links["company"]),
                    "pipeline_stage_id": stage_for(
                        stages,
                        financial_status=fields["financial_status"],
                        fulfillment_status=fields["fulfillment_status"],
                        delivered=record.links["delivered"],
                        cancelled=fields["cancelled_at"] is not None,
                    ),
                    "created_at": now,
                    "updated_at": now,
                    "properties": mapped_properties(
                        to_properties, record, before.get(crm_id, (None, None, {}, None))[2]
                    ),
                    **fields,
                }
            )
        self._write(orders)
        result = {
            record.shopify_id: order["id"]
            for (record, _), order in zip(records, orders, strict=True)
        }
        crm.record_stage_changes(
            [
                (
                    order["id"],
                    before.get(order["id"], (None, None))[1],
                    order["pipeline_stage_id"],
                    order["order_status"],
                )
                for order in orders
            ],
            now,
        )
        pairs = [(record, result[record.shopify_id]) for record in parsed]
        # Lines are Shopify's: replaced as a whole, so a line removed there goes here too.
        OrderLineItem.objects.filter(order__any=list(result.values())).delete()
        writes.insert(line_rows(store, OrderLineItem, "order_id", pairs), need_ids=False)
        self._recover_carts(store, pairs)
        crm.orders_saved(
            store.shop_domain,
            result.values(),
            contact_ids=[contacts[record.shopify_id] for record in parsed],
            previous_contact_ids=[row[0] for row in before.values()],
            # Orders that left a day (their date changed) leave it to be counted again.
            previous_days=[row[3] for row in before.values() if row[3]],
            defer=defer,
        )
        return result

    def _write(self, orders: writes.Rows) -> None:
        """Insert new orders (their ids set in their rows) and upsert existing ones by id, in
        two statements."""
        new = writes.Rows(Order, [order for order in orders if order["id"] is None])
        old = writes.Rows(Order, [order for order in orders if order["id"] is not None])
        writes.insert(new)
        if old:
            # Properties are the CRM's, except those the sync's mappings fill (merged above).
            names = [
                field.name
                for field in Order._meta.concrete_fields
                if field.name not in ("id", "created_at")
            ]
            writes.upsert(old, unique_fields=["id"], update_fields=names)

    def _recover_carts(self, store, pairs):
        """A checkout that became this order: its cart is recovered and points at the order.
        One statement for the batch (a batch of an initial sync recovers hundreds); a cart
        two orders name goes to the first, as it would arriving one by one."""
        carts = mappings.crm_ids_by_key(
            store, "carts", [record.external_key for record, _ in pairs]
        )
        recovered: dict[int, int] = {}
        for record, order_id in pairs:
            cart_id = carts.get(record.external_key)
            if cart_id:
                recovered.setdefault(cart_id, order_id)
        crm.recover_carts(recovered)

    def after_bulk(self, store) -> None:
        crm.store_orders_settled(store.shop_domain)

    def delete(self, store, crm_ids_gone: list[int]) -> None:
        crm.delete_orders(crm_ids_gone)
