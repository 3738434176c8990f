"""Webhook bodies: the REST-shaped JSON Shopify posts, built from the GraphQL-shaped records.

`build(topic, shop, record)` is the only entry point. Each resource has a small builder that
maps the record's fields to the names and shapes of Shopify's documented example bodies
(API 2026-07): snake_case keys, numeric ids as exact ints next to the GID in
`admin_graphql_api_id`, money as decimal strings and `{shop_money, presentment_money}` bags,
lowercase statuses, comma-separated tags, and times in the shop's timezone
(`2021-12-31T19:00:00-05:00`).

Builders only map what a record knows: what the record lacks is null, as in Shopify's own
bodies (a guest order's `customer`, an order without a billing address, a customer without
an email). `conform` then adds the keys the topic's JSON Schema (data/webhook-schemas,
inferred from Shopify's examples) requires and the body lacks, as null (or [] for lists),
and changes nothing else.
"""

from __future__ import annotations

import datetime
import functools
import json
import pathlib
from decimal import Decimal
from zoneinfo import ZoneInfo

from shopify_emulator import records
from shopify_emulator.state import Shop

SCHEMAS = pathlib.Path(__file__).parent / "data" / "webhook-schemas"

# GraphQL's Order.displayFulfillmentStatus → REST's fulfillment_status (others are null).
ORDER_FULFILLMENT_STATUS = {
    "FULFILLED": "fulfilled",
    "PARTIALLY_FULFILLED": "partial",
    "RESTOCKED": "restocked",
}
# Fulfillment.displayStatus values that REST reports as the fulfillment's shipment_status.
SHIPMENT_STATUSES = {
    "ATTEMPTED_DELIVERY",
    "CONFIRMED",
    "DELIVERED",
    "FAILURE",
    "IN_TRANSIT",
    "LABEL_PRINTED",
    "LABEL_PURCHASED",
    "OUT_FOR_DELIVERY",
    "READY_FOR_PICKUP",
}
# The emulator has no fulfillment services: every line and fulfillment is the shop's own.
MANUAL_SERVICE = "manual"
# Shopify sends only these checkout fields when a checkout is deleted.
CHECKOUT_DELETE_FIELDS = (
    "id",
    "presentment_currency",
    "buyer_accepts_sms_marketing",
    "sms_marketing_phone",
    "total_discounts",
    "total_line_items_price",
    "total_price",
    "total_tax",
    "subtotal_price",
    "cart_token",
    "total_duties",
    "reservation_token",
)


def build(topic: str, shop: Shop, record: dict) -> dict:
    """The webhook body Shopify sends for `topic` about `record` in `shop`."""
    builder = TOPICS.get(topic)
    if builder is None:
        raise ValueError(f"Unknown webhook topic: {topic}")
    body = builder(shop, record)
    schema = webhook_schema(topic)
    return conform(body, schema) if schema is not None else body


# Conversions -------------------------------------------------------------------------------


def number(gid: str) -> int:
    """The exact integer id of a GID (never through a float: ids are above 2**53)."""
    return records.number_of(gid)


def rest_time(shop: Shop, value: str | None) -> str | None:
    """A record's UTC time as REST shows it: in the shop's timezone, with its offset."""
    if value is None:
        return None
    moment = records.parse_time(value).astimezone(ZoneInfo(shop.timezone))
    return moment.isoformat(timespec="seconds")


def lower(value: str | None) -> str | None:
    return value.lower() if value is not None else None


def tags(values: list[str]) -> str:
    return ", ".join(values)


def money(value: dict) -> dict:
    return {"amount": value["amount"], "currency_code": value["currencyCode"]}


def money_bag(bag: dict) -> dict:
    """A record's MoneyBag as REST's `{shop_money, presentment_money}`."""
    return {
        "shop_money": money(bag["shopMoney"]),
        "presentment_money": money(bag["presentmentMoney"]),
    }


def shop_amount(bag: dict) -> str:
    """REST's plain price fields on orders are in the shop's currency."""
    return bag["shopMoney"]["amount"]


def priced(key: str, bag: dict) -> dict:
    """REST's pair of fields for a MoneyBag: `key`, the shop-currency amount, and `key_set`,
    both currencies."""
    return {key: shop_amount(bag), f"{key}_set": money_bag(bag)}


def presentment_amount(bag: dict) -> str:
    """REST's price fields on checkouts are in the buyer's (presentment) currency."""
    return bag["presentmentMoney"]["amount"]


def order_money(order: dict, amount: Decimal | int) -> dict:
    """A MoneyBag of `amount` (in the shop's currency) in the order's two currencies."""
    return records.money_bag(amount, order["currencyCode"], order["presentmentCurrencyCode"])


def summed_money(order: dict, bags: list[dict]) -> dict:
    """A MoneyBag adding up MoneyBags, each currency summed exactly rather than converted
    again."""

    def side(key: str, currency: str) -> dict:
        amount = sum((Decimal(bag[key]["amount"]) for bag in bags), Decimal("0"))
        return records.money(amount, currency)

    return {
        "shopMoney": side("shopMoney", order["currencyCode"]),
        "presentmentMoney": side("presentmentMoney", order["presentmentCurrencyCode"]),
    }


def timezone_label(iana: str) -> str:
    """REST's shop `timezone`, e.g. "(GMT-05:00) America/New_York". Shopify shows the zone's
    standard offset (not the current daylight-saving one) before the zone's name."""
    moment = datetime.datetime.now(ZoneInfo(iana))
    offset = int((moment.utcoffset() - moment.dst()).total_seconds()) // 60
    sign = "+" if offset >= 0 else "-"
    hours, minutes = divmod(abs(offset), 60)
    return f"(GMT{sign}{hours:02d}:{minutes:02d}) {iana}"


# Customers ---------------------------------------------------------------------------------


def address_fields(address: dict) -> dict:
    return {
        "first_name": address["firstName"],
        "last_name": address["lastName"],
        "name": address["name"],
        "company": address["company"],
        "address1": address["address1"],
        "address2": address["address2"],
        "city": address["city"],
        "province": address["province"],
        "province_code": address["provinceCode"],
        "country": address["country"],
        "country_code": address["countryCodeV2"],
        "zip": address["zip"],
        "phone": address["phone"],
    }


def address_body(address: dict | None) -> dict | None:
    """An order's or checkout's address. (Shopify adds the coordinates it geocoded; the
    emulator has none, so `conform` adds latitude and longitude as null.)"""
    return address_fields(address) if address else None


def customer_address_body(address: dict, customer: dict) -> dict:
    """A customer's saved address: REST adds its id, the customer's id and `default`."""
    default = customer["defaultAddress"]
    return {
        **address_fields(address),
        "id": number(address["id"]),
        "customer_id": number(customer["id"]),
        "country_name": address["country"],
        "default": default is not None and default["id"] == address["id"],
    }


def customer_body(shop: Shop, customer: dict | None) -> dict | None:
    """A customer as orders and checkouts embed it. Since API 2025-01 customer bodies carry
    no tags, marketing consent, order count or amount spent."""
    if customer is None:
        return None
    default = customer["defaultAddress"]
    return {
        "id": number(customer["id"]),
        "admin_graphql_api_id": customer["id"],
        "created_at": rest_time(shop, customer["createdAt"]),
        "updated_at": rest_time(shop, customer["updatedAt"]),
        "first_name": customer["firstName"],
        "last_name": customer["lastName"],
        "email": customer["email"],
        "phone": customer["phone"],
        "state": lower(customer["state"]),
        "note": customer["note"],
        "verified_email": customer["verifiedEmail"],
        "tax_exempt": customer["taxExempt"],
        "tax_exemptions": list(customer["taxExemptions"]),
        # REST's customer currency is the shop's until the customer pays in another one.
        "currency": shop.currency,
        "default_address": customer_address_body(default, customer) if default else None,
    }


def customer_webhook_body(shop: Shop, customer: dict) -> dict:
    """customers/create and customers/update also list every saved address."""
    addresses = [customer_address_body(address, customer) for address in customer["addressesV2"]]
    return {**customer_body(shop, customer), "addresses": addresses}


def customer_delete_body(shop: Shop, customer: dict) -> dict:
    return {
        "id": number(customer["id"]),
        "admin_graphql_api_id": customer["id"],
        "tax_exemptions": list(customer["taxExemptions"]),
    }


def consent_body(shop: Shop, consent: dict | None) -> dict | None:
    if consent is None:
        return None
    return {
        "state": lower(consent["marketingState"]),
        "opt_in_level": lower(consent["marketingOptInLevel"]),
        "consent_updated_at": rest_time(shop, consent["consentUpdatedAt"]),
    }


def email_consent_body(shop: Shop, customer: dict) -> dict:
    return {
        "customer_id": number(customer["id"]),
        "email_address": customer["email"],
        "email_marketing_consent": consent_body(shop, customer["emailMarketingConsent"]),
    }


def sms_consent_body(shop: Shop, customer: dict) -> dict:
    """customers_marketing_consent/update is about SMS consent; null for a customer who never
    had any (no phone)."""
    consent = customer["smsMarketingConsent"]
    body = consent_body(shop, consent)
    if body is not None:
        # Shopify's "SHOPIFY" or "OTHER", when the record knows where consent was collected.
        body["consent_collected_from"] = consent.get("consentCollectedFrom")
    return {
        "id": number(customer["id"]),
        "phone": customer["phone"],
        "sms_marketing_consent": body,
    }


def customer_redact_body(shop: Shop, customer: dict) -> dict:
    customer_number = number(customer["id"])
    return {
        "shop_id": shop.number,
        "shop_domain": shop.domain,
        "customer": {
            "id": customer_number,
            "email": customer["email"],
            "phone": customer["phone"],
        },
        "orders_to_redact": sorted(shop.customer_orders.get(customer_number, ())),
    }


# Products ----------------------------------------------------------------------------------


def variant_body(shop: Shop, variant: dict, product: dict) -> dict:
    values = [option["value"] for option in variant["selectedOptions"]]
    option1, option2, option3 = (values + [None, None, None])[:3]
    return {
        "id": number(variant["id"]),
        "admin_graphql_api_id": variant["id"],
        "product_id": number(product["id"]),
        "title": variant["title"],
        "price": variant["price"],
        "compare_at_price": variant["compareAtPrice"],
        "sku": variant["sku"],
        "barcode": variant["barcode"],
        "position": variant["position"],
        "option1": option1,
        "option2": option2,
        "option3": option3,
        "taxable": variant["taxable"],
        "inventory_quantity": variant["inventoryQuantity"],
        # Deprecated in REST; Shopify still sends it, equal to the current quantity.
        "old_inventory_quantity": variant["inventoryQuantity"],
        "created_at": rest_time(shop, variant["createdAt"]),
        "updated_at": rest_time(shop, variant["updatedAt"]),
    }


def option_body(option: dict, product: dict) -> dict:
    return {
        "id": number(option["id"]),
        "product_id": number(product["id"]),
        "name": option["name"],
        "position": option["position"],
        "values": list(option["values"]),
    }


def product_body(shop: Shop, product: dict) -> dict:
    return {
        "id": number(product["id"]),
        "admin_graphql_api_id": product["id"],
        "title": product["title"],
        "handle": product["handle"],
        "body_html": product["descriptionHtml"],
        "vendor": product["vendor"],
        "product_type": product["productType"],
        "status": lower(product["status"]),
        "tags": tags(product["tags"]),
        "template_suffix": product["templateSuffix"],
        "published_at": rest_time(shop, product["publishedAt"]),
        "created_at": rest_time(shop, product["createdAt"]),
        "updated_at": rest_time(shop, product["updatedAt"]),
        "variants": [variant_body(shop, variant, product) for variant in product["variants"]],
        "options": [option_body(option, product) for option in product["options"]],
        # Unlike the rest of the body, these times are UTC with milliseconds.
        "variant_gids": [
            {
                "admin_graphql_api_id": variant["id"],
                "updated_at": records.parse_time(variant["updatedAt"]).strftime(
                    "%Y-%m-%dT%H:%M:%S.000Z"
                ),
            }
            for variant in product["variants"]
        ],
    }


def id_body(shop: Shop, record: dict) -> dict:
    """products/delete and orders/delete carry nothing but the id."""
    return {"id": number(record["id"])}


# Orders ------------------------------------------------------------------------------------


def line_item_body(shop: Shop, line: dict) -> dict:
    unfulfilled, quantity = line["unfulfilledQuantity"], line["currentQuantity"]
    if unfulfilled == quantity:
        fulfillment_status = None
    else:
        fulfillment_status = "fulfilled" if unfulfilled == 0 else "partial"
    return {
        "id": number(line["id"]),
        "admin_graphql_api_id": line["id"],
        "name": line["name"],
        "title": line["title"],
        "variant_title": line["variantTitle"],
        "sku": line["sku"],
        "vendor": line["vendor"],
        "quantity": line["quantity"],
        "current_quantity": line["currentQuantity"],
        "fulfillable_quantity": unfulfilled,
        "fulfillment_status": fulfillment_status,
        "fulfillment_service": MANUAL_SERVICE,
        "requires_shipping": line["requiresShipping"],
        "taxable": line["taxable"],
        "gift_card": line["isGiftCard"],
        **priced("price", line["originalUnitPriceSet"]),
        **priced("total_discount", line["totalDiscountSet"]),
        "product_id": line["_productId"],
        "variant_id": line["_variantId"],
        # REST says whether the product still exists, as a line outlives its product.
        "product_exists": shop.get("products", line["_productId"]) is not None,
    }


def fulfilled_lines(shop: Shop, order: dict, fulfillment: dict) -> list[dict]:
    """The lines a fulfillment shipped, each with the quantity shipped. A Fulfillment record
    holds only its total quantity, so the lines are known only while it is the order's one
    fulfillment (then every shipped item is in it); for a later one the list is empty."""
    if [item["id"] for item in order["fulfillments"]] != [fulfillment["id"]]:
        return []
    shipped = []
    for line in order["lineItems"]:
        quantity = line["currentQuantity"] - line["unfulfilledQuantity"]
        if quantity > 0:
            shipped.append({**line_item_body(shop, line), "quantity": quantity})
    return shipped


def fulfillment_body(shop: Shop, order: dict | None, fulfillment: dict) -> dict:
    """A fulfillment as orders embed it (`order` is None when the order no longer exists)."""
    tracking = fulfillment["trackingInfo"]
    first = tracking[0] if tracking else {}
    status = fulfillment["displayStatus"]
    return {
        "id": number(fulfillment["id"]),
        "admin_graphql_api_id": fulfillment["id"],
        "order_id": fulfillment["_orderId"],
        "name": fulfillment["name"],
        "status": lower(fulfillment["status"]),
        "shipment_status": status.lower() if status in SHIPMENT_STATUSES else None,
        "service": MANUAL_SERVICE,
        # The emulator has no locations to ship from.
        "location_id": None,
        "origin_address": None,
        # Manual fulfillments carry no receipt details: Shopify sends an empty object.
        "receipt": {},
        "tracking_company": first.get("company"),
        "tracking_number": first.get("number"),
        "tracking_url": first.get("url"),
        "tracking_numbers": [info["number"] for info in tracking if info.get("number")],
        "tracking_urls": [info["url"] for info in tracking if info.get("url")],
        "line_items": fulfilled_lines(shop, order, fulfillment) if order else [],
        "created_at": rest_time(shop, fulfillment["createdAt"]),
        "updated_at": rest_time(shop, fulfillment["updatedAt"]),
    }


def fulfillment_webhook_body(shop: Shop, fulfillment: dict) -> dict:
    """fulfillments/create and fulfillments/update add where the parcel goes and the order's
    email."""
    order = shop.get("orders", fulfillment["_orderId"])
    return {
        **fulfillment_body(shop, order, fulfillment),
        "email": order["email"] if order else None,
        "destination": address_body(order["shippingAddress"]) if order else None,
    }


def order_body(shop: Shop, order: dict) -> dict:
    customer = shop.get("customers", order["_customerId"])
    # The emulator has no tips or cash rounding: Shopify reports those as zero.
    zero = order_money(order, 0)
    lines_total = summed_money(order, [line["originalTotalSet"] for line in order["lineItems"]])
    return {
        "id": number(order["id"]),
        "admin_graphql_api_id": order["id"],
        "name": order["name"],
        "number": order["number"],
        # Shopify counts orders from 1001; `number` is that count minus 1000.
        "order_number": order["number"] + 1000,
        "email": order["email"],
        "contact_email": order["email"],
        "phone": order["phone"],
        "note": order["note"],
        "tags": tags(order["tags"]),
        "test": order["test"],
        "confirmed": order["confirmed"],
        "created_at": rest_time(shop, order["createdAt"]),
        "updated_at": rest_time(shop, order["updatedAt"]),
        "processed_at": rest_time(shop, order["processedAt"]),
        "cancelled_at": rest_time(shop, order["cancelledAt"]),
        "cancel_reason": lower(order["cancelReason"]),
        "closed_at": rest_time(shop, order["closedAt"]),
        "financial_status": lower(order["displayFinancialStatus"]),
        "fulfillment_status": ORDER_FULFILLMENT_STATUS.get(order["displayFulfillmentStatus"]),
        "currency": order["currencyCode"],
        "presentment_currency": order["presentmentCurrencyCode"],
        "source_name": order["sourceName"],
        "checkout_token": order["checkoutToken"],
        "cart_token": order["cartToken"],
        "buyer_accepts_marketing": order["customerAcceptsMarketing"],
        "customer_locale": customer["locale"] if customer else None,
        "tax_exempt": customer["taxExempt"] if customer else False,
        "taxes_included": order["taxesIncluded"],
        "discount_codes": [{"code": code} for code in order["discountCodes"]],
        **priced("subtotal_price", order["subtotalPriceSet"]),
        **priced("current_subtotal_price", order["currentSubtotalPriceSet"]),
        **priced("total_discounts", order["totalDiscountsSet"]),
        **priced("current_total_discounts", order["currentTotalDiscountsSet"]),
        **priced("total_line_items_price", lines_total),
        "total_shipping_price_set": money_bag(order["totalShippingPriceSet"]),
        "current_shipping_price_set": money_bag(order["currentShippingPriceSet"]),
        **priced("total_tax", order["totalTaxSet"]),
        **priced("current_total_tax", order["currentTotalTaxSet"]),
        **priced("total_price", order["totalPriceSet"]),
        **priced("current_total_price", order["currentTotalPriceSet"]),
        "total_outstanding": shop_amount(order["totalOutstandingSet"]),
        "total_tip_received": shop_amount(zero),
        "total_cash_rounding_payment_adjustment_set": money_bag(zero),
        "total_cash_rounding_refund_adjustment_set": money_bag(zero),
        "billing_address": address_body(order["billingAddress"]),
        "shipping_address": address_body(order["shippingAddress"]),
        "customer": customer_body(shop, customer),
        "line_items": [line_item_body(shop, line) for line in order["lineItems"]],
        "fulfillments": [fulfillment_body(shop, order, item) for item in order["fulfillments"]],
        # Refunds reach apps through refunds/create; the documented order bodies (and so
        # the schema, which allows no items) always show this list empty.
        "refunds": [],
    }


def refund_body(shop: Shop, order: dict) -> dict:
    """refunds/create is emitted with the order; the body describes its latest refund."""
    if not order["refunds"]:
        raise ValueError(f"Order {order['id']} has no refund")
    refund = order["refunds"][-1]
    negated = order_money(order, -records.amount_of(refund["totalRefundedSet"]))
    zero = order_money(order, 0)
    return {
        "id": number(refund["id"]),
        "admin_graphql_api_id": refund["id"],
        "order_id": number(order["id"]),
        "note": refund["note"],
        "created_at": rest_time(shop, refund["createdAt"]),
        "processed_at": rest_time(shop, refund["processedAt"]),
        # An amount refunded without refund line items is, to Shopify, a discrepancy between
        # what the lines add up to (nothing) and what was paid back: a negative adjustment.
        "order_adjustments": [
            {
                "order_id": number(order["id"]),
                "refund_id": number(refund["id"]),
                "kind": "refund_discrepancy",
                "reason": "Refund discrepancy",
                **priced("amount", negated),
                **priced("tax_amount", zero),
            }
        ],
        # The emulator has no duties.
        "total_duties_set": money_bag(zero),
    }


# Checkouts ---------------------------------------------------------------------------------


def checkout_line_body(shop: Shop, line: dict) -> dict:
    product, variant = shop.variant(line["_variantId"])
    product = product or shop.get("products", line["_productId"])
    return {
        "title": line["title"],
        "presentment_title": line["title"],
        "variant_title": line["variantTitle"],
        "presentment_variant_title": line["variantTitle"],
        "sku": line["sku"],
        "quantity": line["quantity"],
        "product_id": line["_productId"],
        "variant_id": line["_variantId"],
        "vendor": product["vendor"] if product else None,
        "gift_card": product["isGiftCard"] if product else None,
        "taxable": variant["taxable"] if variant else None,
        "variant_price": variant["price"] if variant else None,
        "compare_at_price": variant["compareAtPrice"] if variant else None,
        "price": presentment_amount(line["originalUnitPriceSet"]),
        "line_price": presentment_amount(line["originalTotalPriceSet"]),
        "properties": [
            {"name": attribute["key"], "value": attribute["value"]}
            for attribute in line["customAttributes"]
        ],
        "fulfillment_service": MANUAL_SERVICE,
    }


def tax_line_body(tax_line: dict) -> dict:
    return {
        "title": tax_line["title"],
        "rate": tax_line["rate"],
        "price": presentment_amount(tax_line["priceSet"]),
        "channel_liable": tax_line["channelLiable"],
    }


def checkout_body(shop: Shop, checkout: dict) -> dict:
    """checkouts/create and checkouts/update. Since API 2026-04 they carry no `id`: "The `id`
    field has been removed ... use the `token` field instead" (changelog "Removed Checkout ID
    from checkout and order webhooks",
    https://shopify.dev/changelog/removed-checkout-id-from-checkouts-and-orders-webhooks), as in
    Shopify's documented 2026-07 examples. The `checkout_webhook_id` knob puts it back. The
    `token` is the one in `abandoned_checkout_url` (and GraphQL's `abandonedCheckoutUrl`)."""
    body = _checkout_fields(shop, checkout)
    if not shop.faults.checkout_webhook_id:
        del body["id"]
    return body


def _checkout_fields(shop: Shop, checkout: dict) -> dict:
    customer = shop.get("customers", checkout["_customerId"])
    return {
        "id": number(checkout["id"]),
        "token": checkout["_token"],
        # Carts are not emulated: no checkout has a cart token.
        "cart_token": None,
        "name": checkout["name"],
        # The email the shopper gave, a guest's too: Shopify's documented checkouts/create and
        # checkouts/update examples (API 2026-07) carry "email": "example@email.com", while
        # GraphQL's AbandonedCheckout (Admin API 2026-10) has no `email` field, only `customer`
        # (none for a guest). The webhook is where an app learns a guest's email.
        "email": checkout["_email"] or (customer["email"] if customer else None),
        "abandoned_checkout_url": checkout["abandonedCheckoutUrl"],
        "created_at": rest_time(shop, checkout["createdAt"]),
        "updated_at": rest_time(shop, checkout["updatedAt"]),
        "completed_at": rest_time(shop, checkout["completedAt"]),
        # GraphQL's note is a non-null String; REST shows an empty note as null.
        "note": checkout["note"] or None,
        "note_attributes": [
            {"name": attribute["key"], "value": attribute["value"]}
            for attribute in checkout["customAttributes"]
        ],
        "discount_codes": [{"code": code} for code in checkout["discountCodes"]],
        "taxes_included": checkout["taxesIncluded"],
        # REST's `currency` is the shop's; the amounts are in the buyer's presentment currency.
        "currency": checkout["totalPriceSet"]["shopMoney"]["currencyCode"],
        "presentment_currency": checkout["_presentmentCurrency"],
        "subtotal_price": presentment_amount(checkout["subtotalPriceSet"]),
        "total_discounts": presentment_amount(checkout["totalDiscountSet"]),
        "total_line_items_price": presentment_amount(checkout["totalLineItemsPriceSet"]),
        "total_tax": presentment_amount(checkout["totalTaxSet"]),
        "total_price": presentment_amount(checkout["totalPriceSet"]),
        "tax_lines": [tax_line_body(tax_line) for tax_line in checkout["taxLines"]],
        "line_items": [checkout_line_body(shop, line) for line in checkout["lineItems"]],
        "billing_address": address_body(checkout["billingAddress"]),
        "shipping_address": address_body(checkout["shippingAddress"]),
        "customer": customer_body(shop, customer),
    }


def checkout_delete_body(shop: Shop, checkout: dict) -> dict:
    """checkouts/delete keeps `id` (it has no token to go by): Shopify's documented 2026-07
    example still carries it."""
    body = _checkout_fields(shop, checkout)
    return {key: body[key] for key in CHECKOUT_DELETE_FIELDS if key in body}


# Companies ---------------------------------------------------------------------------------


def company_body(shop: Shop, company: dict | None) -> dict | None:
    """Company bodies carry no numeric id, only the GID."""
    if company is None:
        return None
    return {
        "admin_graphql_api_id": company["id"],
        "name": company["name"],
        "note": company["note"],
        "external_id": company["externalId"],
        "main_contact_admin_graphql_api_id": company["_mainContactId"],
        "customer_since": rest_time(shop, company["customerSince"]),
        "created_at": rest_time(shop, company["createdAt"]),
        "updated_at": rest_time(shop, company["updatedAt"]),
    }


def company_contact_body(shop: Shop, contact: dict) -> dict:
    return {
        "admin_graphql_api_id": contact["id"],
        "customer_admin_graphql_api_id": records.gid("Customer", contact["_customerId"]),
        "title": contact["title"],
        "locale": contact["locale"],
        "created_at": rest_time(shop, contact["createdAt"]),
        "updated_at": rest_time(shop, contact["updatedAt"]),
        "company": company_body(shop, shop.get("companies", contact["_companyId"])),
    }


def company_address_body(shop: Shop, address: dict | None, company_gid: str) -> dict | None:
    if address is None:
        return None
    return {
        "admin_graphql_api_id": address["id"],
        "company_admin_graphql_api_id": company_gid,
        "recipient": address["recipient"],
        "first_name": address["firstName"],
        "last_name": address["lastName"],
        "address1": address["address1"],
        "address2": address["address2"],
        "city": address["city"],
        "province": address["province"],
        "zone_code": address["zoneCode"],
        "zip": address["zip"],
        "country": address["country"],
        "country_code": address["countryCode"],
        "phone": address["phone"],
        "created_at": rest_time(shop, address["createdAt"]),
        "updated_at": rest_time(shop, address["updatedAt"]),
    }


def company_location_body(shop: Shop, location: dict) -> dict:
    company_gid = records.gid("Company", location["_companyId"])
    return {
        "admin_graphql_api_id": location["id"],
        "name": location["name"],
        "external_id": location["externalId"],
        "phone": location["phone"],
        "locale": location["locale"],
        "note": location["note"],
        "created_at": rest_time(shop, location["createdAt"]),
        "updated_at": rest_time(shop, location["updatedAt"]),
        "tax_exemptions": list(location["taxExemptions"]),
        "tax_settings": {"tax_exemptions": list(location["taxExemptions"])},
        "company": company_body(shop, shop.get("companies", location["_companyId"])),
        "billing_address": company_address_body(shop, location["billingAddress"], company_gid),
        "shipping_address": company_address_body(shop, location["shippingAddress"], company_gid),
    }


# The shop and the app ----------------------------------------------------------------------


def shop_body(shop: Shop, record: dict) -> dict:
    return {
        "id": number(record["id"]),
        "name": record["name"],
        "email": record["email"],
        "customer_email": record["contactEmail"],
        "domain": record["primaryDomain"]["host"],
        "myshopify_domain": record["myshopifyDomain"],
        "currency": record["currencyCode"],
        "enabled_presentment_currencies": list(record["enabledPresentmentCurrencies"]),
        "iana_timezone": record["ianaTimezone"],
        "timezone": timezone_label(record["ianaTimezone"]),
        "taxes_included": record["taxesIncluded"],
        "tax_shipping": record["taxShipping"],
        "setup_required": record["setupRequired"],
        "checkout_api_supported": record["checkoutApiSupported"],
        "created_at": rest_time(shop, record["createdAt"]),
        "updated_at": rest_time(shop, record["updatedAt"]),
    }


def shop_redact_body(shop: Shop, record: dict) -> dict:
    return {"shop_id": number(record["id"]), "shop_domain": record["myshopifyDomain"]}


def bulk_operation_body(shop: Shop, operation: dict) -> dict:
    """bulk_operations/finish names the operation only by its GID."""
    return {
        "admin_graphql_api_id": operation["id"],
        "status": lower(operation["status"]),
        "type": lower(operation["type"]),
        "error_code": lower(operation["errorCode"]),
        "created_at": rest_time(shop, operation["createdAt"]),
        "completed_at": rest_time(shop, operation["completedAt"]),
    }


def customer_tags_body(shop: Shop, change: dict) -> dict:
    """customer.tags_added and customer.tags_removed: the customer's GID, only the tags added
    (or removed), and when, in UTC with milliseconds — the shape of Shopify's documented example
    (webhook example `customer.tags_added`, API 2026-07). Since API 2025-01 customer bodies
    carry no tags: "We removed `tags` in favour of the `customer.tags_added` and
    `customer.tags_removed` webhooks" (changelog, API 2025-01, "New customer's webhook and
    changes to existing customer's webhooks payload", https://shopify.dev/changelog)."""
    occurred = records.parse_time(change["occurredAt"])
    return {
        "customerId": change["customerId"],
        "tags": list(change["tags"]),
        "occurredAt": occurred.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    }


def scopes_update_body(shop: Shop, update: dict) -> dict:
    """app/scopes_update: the installation's previous and current access scopes."""
    return {
        "id": update["id"],
        "previous": list(update["previous"]),
        "current": list(update["current"]),
        "updated_at": rest_time(shop, update["updated_at"]),
        "shop_id": records.gid("Shop", shop.number),
    }


TOPICS = {
    "customers/create": customer_webhook_body,
    "customers/update": customer_webhook_body,
    "customers/delete": customer_delete_body,
    "customers_email_marketing_consent/update": email_consent_body,
    "customers_marketing_consent/update": sms_consent_body,
    "customers/redact": customer_redact_body,
    "customer.tags_added": customer_tags_body,
    "customer.tags_removed": customer_tags_body,
    "products/create": product_body,
    "products/update": product_body,
    "products/delete": id_body,
    "orders/create": order_body,
    "orders/updated": order_body,
    "orders/paid": order_body,
    "orders/cancelled": order_body,
    "orders/fulfilled": order_body,
    "orders/partially_fulfilled": order_body,
    "orders/delete": id_body,
    "fulfillments/create": fulfillment_webhook_body,
    "fulfillments/update": fulfillment_webhook_body,
    "refunds/create": refund_body,
    "checkouts/create": checkout_body,
    "checkouts/update": checkout_body,
    "checkouts/delete": checkout_delete_body,
    "companies/create": company_body,
    "companies/update": company_body,
    "companies/delete": company_body,
    "company_contacts/create": company_contact_body,
    "company_locations/create": company_location_body,
    "app/uninstalled": shop_body,
    "app/scopes_update": scopes_update_body,
    "shop/redact": shop_redact_body,
    "bulk_operations/finish": bulk_operation_body,
}


# Conforming to the schemas -----------------------------------------------------------------


@functools.cache
def webhook_schema(topic: str) -> dict | None:
    """The topic's JSON Schema, or None when there is none. "customers/email_marketing_consent/
    update" lives in customers_email_marketing_consent/update.json, "customer.tags_added" in
    customer/tags_added.json."""
    path = SCHEMAS / schema_path(topic)
    return json.loads(path.read_text()) if path.exists() else None


def schema_path(topic: str) -> str:
    """Where a topic's schema lives under data/webhook-schemas/."""
    separator = "/" if "/" in topic else "."
    resource, _, event = topic.rpartition(separator)
    return f"{resource.replace('/', '_')}/{event}.json"


def schema_types(schema: dict) -> list[str]:
    if "anyOf" in schema:
        return [kind for branch in schema["anyOf"] for kind in schema_types(branch)]
    kind = schema.get("type", [])
    return kind if isinstance(kind, list) else [kind]


def branch(schema: dict, kind: str) -> dict:
    """The part of `schema` that describes a value of JSON type `kind`: the schema itself, or
    the first of its `anyOf` branches that allows `kind`."""
    for option in schema.get("anyOf", ()):
        if kind in schema_types(option):
            return branch(option, kind)
    return schema


def conform(value, schema: dict | bool):
    """`value` with the keys its schema requires added where they are missing: null, or []
    where the schema says the key holds a list. Nothing the builder set is changed (a null
    stays null), and only objects and lists that are in the body are looked into."""
    if not isinstance(schema, dict):  # `items: false`: the examples only showed [] here
        return value
    if isinstance(value, dict):
        schema = branch(schema, "object")
        properties = schema.get("properties", {})
        body = {key: conform(item, properties.get(key, True)) for key, item in value.items()}
        for key in schema.get("required", ()):
            if key not in body:
                body[key] = [] if "array" in schema_types(properties.get(key, {})) else None
        return body
    if isinstance(value, list):
        return [conform(item, branch(schema, "array").get("items", True)) for item in value]
    return value
