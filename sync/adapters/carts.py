"""Carts ⇐ Shopify abandoned checkouts, with their lines. Shopify is the source of truth. A
checkout that completes becomes an order: its cart is kept, marked recovered, and points at the
order. A checkout deleted in Shopify is deleted in the CRM, unless it was recovered."""

from __future__ import annotations

import re

from django.utils import timezone

from crm import services as crm
from crm.models import Cart, CartLineItem, CartStatus
from integration.ids import moment, number
from sync import checkout_emails, mappings, writes
from sync.adapters.base import EMAIL, Adapter, Parsed, amount, currency, digest, text
from sync.adapters.orders import contact_ids_for, keep_withheld, line_rows, parse_lines
from sync.filters import created_since_and_statuses

DOCUMENT = """
query CheckoutsBulk {
  abandonedCheckouts {
    edges {
      node {
        ...CheckoutFields
        lineItems { edges { node { ...CheckoutLineFields } } }
      }
    }
  }
}

query CheckoutsChanges($query: String!, $after: String) {
  abandonedCheckouts(first: 250, after: $after, query: $query) {
    nodes { id updatedAt }
    pageInfo { hasNextPage endCursor }
  }
}

query CheckoutsByIds($ids: [ID!]!) {
  nodes(ids: $ids) {
    ...CheckoutFields
    ... on AbandonedCheckout {
      lineItems(first: 25) {
        nodes { ...CheckoutLineFields }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
}

query CheckoutLineItemsPage($id: ID!, $after: String) {
  node(id: $id) {
    ... on AbandonedCheckout {
      lineItems(first: 100, after: $after) {
        nodes { ...CheckoutLineFields }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
}

query CheckoutsIds {
  abandonedCheckouts { edges { node { id updatedAt } } }
}

fragment CheckoutMoney on MoneyBag {
  shopMoney { amount currencyCode }
  presentmentMoney { amount currencyCode }
}

fragment CheckoutFields on AbandonedCheckout {
  id
  updatedAt
  createdAt
  completedAt
  abandonedCheckoutUrl
  customer { id defaultEmailAddress { emailAddress } }
  subtotalPriceSet { ...CheckoutMoney }
  totalDiscountSet { ...CheckoutMoney }
  totalTaxSet { ...CheckoutMoney }
  totalPriceSet { ...CheckoutMoney }
}

fragment CheckoutLineFields on AbandonedCheckoutLineItem {
  id
  title
  variantTitle
  sku
  quantity
  originalUnitPriceSet { shopMoney { amount } }
  discountedTotalPriceSet { shopMoney { amount } }
  variant { id }
  product { id }
}
"""

# GraphQL gives a checkout's token only inside its recovery URL:
# https://{shop}/{shop id}/checkouts/ac/{token}/recover?key=…
TOKEN_IN_URL = re.compile(r"/checkouts/(?:ac/)?([A-Za-z0-9]{1,255})/recover")
TOKEN = re.compile(r"[A-Za-z0-9]{1,255}")
# The topics whose bodies give the checkout's email (GraphQL gives only its customer's).
GIVING_EMAIL = ("checkouts/create", "checkouts/update")


class CartAdapter(Adapter):
    object_type = "carts"
    label = "Carts"
    model = Cart
    gid_type = "AbandonedCheckout"
    admin_path = "checkouts"

    read_scopes = ("read_checkouts",)
    protected_fields = {"customer.defaultEmailAddress": (EMAIL, ("email",))}
    topics = {
        "checkouts/create": ("id",),
        "checkouts/update": ("id",),
        "checkouts/delete": ("id",),
    }

    document = DOCUMENT
    bulk_operation = "CheckoutsBulk"
    changes_operation = "CheckoutsChanges"
    ids_operation = "CheckoutsByIds"
    ids_list_operation = "CheckoutsIds"
    root_field = "abandonedCheckouts"
    count_field = "abandonedCheckoutsCount"
    child_connections = {"AbandonedCheckoutLineItem": "lineItems"}
    child_pages = {"lineItems": ("CheckoutLineItemsPage", ("node", "lineItems"))}
    ids_per_request = 4

    filters = created_since_and_statuses(
        "statuses",
        CartStatus.choices,
        label="Cart statuses",
        help="Abandoned, or recovered (completed as an order). None checked: both.",
    )

    def parse(self, node: dict) -> Parsed:
        customer = node.get("customer") or {}
        email = text((customer.get("defaultEmailAddress") or {}).get("emailAddress"))
        url = node.get("abandonedCheckoutUrl") or ""
        token = TOKEN_IN_URL.search(url)
        total = node.get("totalPriceSet")
        completed = moment(node.get("completedAt"))
        return Parsed(
            shopify_id=number(node["id"]),
            updated_at=moment(node.get("updatedAt")),
            fields={
                "email": email,
                "recovery_url": url,
                "currency": currency(total),
                "presentment_currency": currency(total, "presentmentMoney"),
                "subtotal": amount(node.get("subtotalPriceSet")),
                "discounts": amount(node.get("totalDiscountSet")),
                "tax": amount(node.get("totalTaxSet")),
                "total": amount(total),
                "checkout_started_at": moment(node.get("createdAt")),
                "checkout_updated_at": moment(node.get("updatedAt")),
                "completed_at": completed,
                "status": CartStatus.RECOVERED if completed else CartStatus.ABANDONED,
            },
            children=parse_lines((node.get("lineItems") or {}).get("nodes") or []),
            links={"customer": number(customer.get("id")), "contact_email": email},
            external_key=token.group(1) if token else "",
        )

    def record_keys(self, topic: str, body: dict) -> list[str]:
        """A checkout body's token (or the token in its recovery URL): Shopify's documented
        checkouts/* examples carry `token`, `name` and `abandoned_checkout_url`, not `id`."""
        if topic not in self.topics:
            return []
        token = body.get("token")
        if not (isinstance(token, str) and TOKEN.fullmatch(token)):
            url = body.get("abandoned_checkout_url")
            found = TOKEN_IN_URL.search(url) if isinstance(url, str) and len(url) < 2048 else None
            token = found.group(1) if found else None
        return [token] if token else []

    def remember(self, store, topic: str, body: dict) -> None:
        if topic in GIVING_EMAIL:
            for token in self.record_keys(topic, body):
                checkout_emails.remember(store, token, body)

    def complete(self, store, records: list[Parsed]) -> None:
        """A checkout without an email in GraphQL (a guest's: GraphQL gives only the
        customer's) takes the one its webhooks gave; its fingerprint follows, so an email
        given after the checkout was read is applied on the next read."""
        lacking = [
            record
            for record in records
            if not record.fields["email"] and "email" not in record.withheld
        ]
        found = checkout_emails.given(store, [record.external_key for record in lacking])
        for record in lacking:
            email = found.get(record.external_key)
            if email:
                record.fields["email"] = email
                record.links["contact_email"] = email
                record.digest = digest(
                    record.fields, record.children, record.links, record.external_key
                )

    def exclusion_reason(self, parsed: Parsed, filters: dict) -> str | None:
        since = filters.get("created_since")
        started = parsed.fields["checkout_started_at"]
        if since and started and started.date().isoformat() < since:
            return f"Started before {since}"
        statuses = filters.get("statuses")
        if statuses and parsed.fields["status"] not in statuses:
            return f"Status {parsed.fields['status']} is not synced"
        return None

    def save(self, store, records, *, defer=False) -> dict[int, int]:
        now = timezone.now()
        parsed = [record for record, _ in records]
        held_contacts = keep_withheld(Cart, records)
        contacts = contact_ids_for(store, parsed)
        for record, crm_id in records:
            if crm_id in held_contacts and contacts[record.shopify_id] is None:
                contacts[record.shopify_id] = held_contacts[crm_id]
        orders = mappings.crm_ids_by_key(store, "orders", [r.external_key for r in parsed])
        carts = [
            Cart(
                pk=crm_id,
                source_store=store.shop_domain,
                contact_id=contacts[record.shopify_id],
                recovered_order_id=orders.get(record.external_key)
                if record.fields["completed_at"]
                else None,
                created_at=now,
                updated_at=now,
                **record.fields,
            )
            for record, crm_id in records
        ]
        new = [cart for cart in carts if cart.pk is None]
        old = [cart for cart in carts if cart.pk is not None]
        writes.insert(new)
        if old:
            names = [
                field.name
                for field in Cart._meta.concrete_fields
                if field.name not in ("id", "created_at", "properties")
            ]
            writes.upsert(old, unique_fields=["id"], update_fields=names)
        result = {
            record.shopify_id: cart.pk for (record, _), cart in zip(records, carts, strict=True)
        }
        pairs = [(record, result[record.shopify_id]) for record in parsed]
        CartLineItem.objects.filter(cart__any=list(result.values())).delete()
        writes.insert(line_rows(store, CartLineItem, "cart_id", pairs), need_ids=False)
        crm.carts_saved(store.shop_domain, result.values(), defer=defer)
        return result

    def after_bulk(self, store) -> None:
        crm.store_carts_settled(store.shop_domain)

    def delete(self, store, crm_ids_gone: list[int]) -> None:
        """A checkout Shopify dropped goes, but a recovered cart is history: it stays."""
        gone = list(
            Cart.objects.filter(pk__in=crm_ids_gone, recovered_order__isnull=True).values_list(
                "pk", flat=True
            )
        )
        checkout_emails.forget(store, mappings.keys_of(store, self.object_type, gone))
        crm.delete_carts(gone)
