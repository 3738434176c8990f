"""The shapes of the records a shop holds, and the only functions that build them.

Records are plain dicts keyed by the Admin GraphQL field names, so graphql-core's default
resolution answers most fields by itself. Conventions:

- `__typename` is set, so `node(id:)` and interfaces resolve to the right type.
- `id` is the GID (`gid://shopify/Customer/9100000000000001`), `legacyResourceId` the number as
  a string (the UnsignedInt64 scalar is serialised as a string). Numbers are above 2**53 so any
  client that passes ids through floats breaks loudly here rather than in production.
- Times are UTC strings `2026-11-26T21:50:46Z` (Shopify's DateTime format, second precision),
  which also sort and compare correctly as text.
- Money is a MoneyBag `{"shopMoney": {"amount": "19.99", "currencyCode": "EUR"},
  "presentmentMoney": {...}}` with amounts as decimal strings.
- Links to other records are internal keys starting with `_` (`_customerId`, `_productId`,
  `_variantId`): resolvers follow them, so a record never holds a stale copy of another.
- A connection field (`variants`, `lineItems`, `addressesV2`, `contacts`, `locations`) holds a
  plain list; the connection resolver paginates it.

Records are replaced, never mutated in place (`replace(record, **changes)`), so a reader
holding a record always sees one consistent version.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from decimal import ROUND_HALF_UP, Decimal

# Exchange rates from a shop currency to presentment currencies, for multi-currency orders.
# Fixed, so seeded data is deterministic.
RATES_FROM_USD = {
    "USD": Decimal("1"),
    "EUR": Decimal("0.92"),
    "SEK": Decimal("10.45"),
    "GBP": Decimal("0.79"),
    "CAD": Decimal("1.36"),
    "DKK": Decimal("6.87"),
    "NOK": Decimal("10.60"),
    "JPY": Decimal("151"),
    "KWD": Decimal("0.308"),
}
ZERO_DECIMAL = {"JPY"}
THREE_DECIMAL = {"KWD"}


def now() -> str:
    return format_time(datetime.datetime.now(datetime.UTC))


def format_time(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime.datetime:
    """Parse Shopify's DateTime (and plain dates) into an aware UTC datetime."""
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        text += "T00:00:00Z"
    moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(datetime.UTC)


def gid(kind: str, number: int, query: str = "") -> str:
    return f"gid://shopify/{kind}/{number}{query}"


def parse_gid(value: str | int) -> tuple[str, int] | None:
    """`gid://shopify/Customer/12?x=y` → ("Customer", 12); None when it is not a GID."""
    match = re.fullmatch(r"gid://shopify/(\w+)/(\d+)(\?.*)?", str(value))
    return (match.group(1), int(match.group(2))) if match else None


def number_of(value: str | int) -> int | None:
    """A record number from a GID or a plain number (as the control API accepts both)."""
    if isinstance(value, int):
        return value
    parsed = parse_gid(value)
    if parsed:
        return parsed[1]
    return int(value) if str(value).isdigit() else None


def _decimal(amount: Decimal | str | int) -> Decimal:
    return amount if isinstance(amount, Decimal) else Decimal(str(amount))


def _quantum(currency: str) -> Decimal:
    return (
        _ONE_UNIT
        if currency in ZERO_DECIMAL
        else _THOUSANDTH
        if currency in THREE_DECIMAL
        else _CENT
    )


_ONE_UNIT, _CENT, _THOUSANDTH = Decimal("1"), Decimal("0.01"), Decimal("0.001")


def money(amount: Decimal | str | int, currency: str) -> dict:
    return {"amount": format_amount(_decimal(amount), currency), "currencyCode": currency}


def format_amount(amount: Decimal, currency: str) -> str:
    return str(amount.quantize(_quantum(currency), rounding=ROUND_HALF_UP))


def convert(amount: Decimal, source: str, target: str) -> Decimal:
    if source == target:
        return amount
    usd = amount / RATES_FROM_USD.get(source, Decimal("1"))
    return usd * RATES_FROM_USD.get(target, Decimal("1"))


def money_bag(amount: Decimal | str | int, shop_currency: str, presentment_currency: str) -> dict:
    amount = _decimal(amount)
    shop_money = money(amount, shop_currency)
    if presentment_currency == shop_currency:  # most orders: one currency, one computation
        return {"shopMoney": shop_money, "presentmentMoney": dict(shop_money)}
    return {
        "shopMoney": shop_money,
        "presentmentMoney": money(
            convert(amount, shop_currency, presentment_currency), presentment_currency
        ),
    }


def amount_of(bag: dict | None) -> Decimal:
    return Decimal(bag["shopMoney"]["amount"]) if bag else Decimal("0")


def tag_list(values) -> list[str]:
    """Tags as Shopify keeps them: sorted, each once, without blanks. Inputs take a list or a
    comma-separated string ("Can be an array or a comma-separated list", CustomerInput.tags)."""
    if not values:
        return []
    if isinstance(values, str):
        values = [values]
    if all("," not in value and value == value.strip() and value for value in values):
        return sorted(set(values))  # the usual case, kept cheap for big seeds
    return sorted({tag.strip() for value in values for tag in value.split(",") if tag.strip()})


def replace(record: dict, **changes) -> dict:
    return {**record, **changes}


def handleize(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "product"


def _base(kind: str, number: int, created_at: str) -> dict:
    return {
        "__typename": kind,
        "id": gid(kind, number),
        "legacyResourceId": str(number),
        "createdAt": created_at,
        "updatedAt": created_at,
    }


def mailing_address(
    number: int, fields: dict | None, model: str = "CustomerAddress"
) -> dict | None:
    """A MailingAddress from MailingAddressInput-like fields (countryCode, provinceCode…)."""
    if not fields:
        return None
    first, last = fields.get("firstName"), fields.get("lastName")
    country_code = fields.get("countryCode") or fields.get("countryCodeV2")
    return {
        "__typename": "MailingAddress",
        "id": gid("MailingAddress", number, f"?model_name={model}"),
        "firstName": first,
        "lastName": last,
        "name": " ".join(part for part in (first, last) if part) or None,
        "company": fields.get("company"),
        "address1": fields.get("address1"),
        "address2": fields.get("address2"),
        "city": fields.get("city"),
        "province": fields.get("province") or fields.get("provinceCode"),
        "provinceCode": fields.get("provinceCode"),
        "country": fields.get("country") or COUNTRY_NAMES.get(country_code or "", country_code),
        "countryCodeV2": country_code,
        "zip": fields.get("zip"),
        "phone": fields.get("phone"),
        "coordinatesValidated": False,
    }


COUNTRY_NAMES = {
    "SE": "Sweden",
    "US": "United States",
    "CA": "Canada",
    "GB": "United Kingdom",
    "DE": "Germany",
    "DK": "Denmark",
    "NO": "Norway",
    "FR": "France",
    "JP": "Japan",
    "KW": "Kuwait",
}


def order_address(number: int, fields: dict | None) -> dict | None:
    """An order's or checkout's address: given as input, or already built (the seed builds
    its own copies)."""
    if fields and fields.get("__typename") == "MailingAddress":
        return fields
    return mailing_address(number, fields, "Address")


def marketing_consent(state: str | None, updated_at: str) -> dict | None:
    if not state:
        return None
    return {
        "marketingState": state,
        "marketingOptInLevel": "SINGLE_OPT_IN" if state == "SUBSCRIBED" else None,
        "consentUpdatedAt": updated_at,
    }


def customer(number: int, fields: dict, created_at: str, address_number: int | None) -> dict:
    """A Customer from CustomerInput-like fields: firstName, lastName, email, phone, note,
    tags, addresses (MailingAddressInput), emailMarketingConsent {marketingState},
    smsMarketingConsent {marketingState}, state, taxExempt, locale."""
    email = fields.get("email") or None
    phone = fields.get("phone") or None
    addresses = []
    for offset, address in enumerate(fields.get("addresses") or []):
        addresses.append(mailing_address((address_number or number) + offset, address))
    email_state = (fields.get("emailMarketingConsent") or {}).get("marketingState")
    sms_state = (fields.get("smsMarketingConsent") or {}).get("marketingState")
    return {
        **_base("Customer", number, created_at),
        "firstName": fields.get("firstName"),
        "lastName": fields.get("lastName"),
        "email": email,
        "phone": phone,
        "note": fields.get("note"),
        "tags": tag_list(fields.get("tags")),
        "state": fields.get("state", "DISABLED"),
        "verifiedEmail": bool(email),
        "taxExempt": bool(fields.get("taxExempt", False)),
        "taxExemptions": [],
        "locale": fields.get("locale", "en"),
        "emailMarketingConsent": marketing_consent(
            email_state or ("NOT_SUBSCRIBED" if email else None), created_at
        ),
        "smsMarketingConsent": marketing_consent(
            sms_state or ("NOT_SUBSCRIBED" if phone else None), created_at
        ),
        "addressesV2": addresses,
        "defaultAddress": addresses[0] if addresses else None,
        "dataSaleOptOut": False,
        "productSubscriberStatus": "NEVER_SUBSCRIBED",
    }


def product_variant(
    number: int, product_number: int, fields: dict, position: int, created_at: str
) -> dict:
    """A ProductVariant from {title, sku, price, compareAtPrice, barcode, selectedOptions}."""
    options = fields.get("selectedOptions") or [{"name": "Title", "value": "Default Title"}]
    title = fields.get("title") or " / ".join(option["value"] for option in options)
    price = Decimal(str(fields.get("price", "0")))
    compare_at = fields.get("compareAtPrice")
    return {
        **_base("ProductVariant", number, created_at),
        "title": title,
        "sku": fields.get("sku") or None,
        "barcode": fields.get("barcode"),
        "price": str(price.quantize(Decimal("0.01"))),
        "compareAtPrice": str(Decimal(str(compare_at)).quantize(Decimal("0.01")))
        if compare_at
        else None,
        "position": position,
        "selectedOptions": [
            {"name": option["name"], "value": option["value"]} for option in options
        ],
        "taxable": True,
        "availableForSale": True,
        "inventoryPolicy": fields.get("inventoryPolicy", "DENY"),
        "inventoryQuantity": int(fields.get("inventoryQuantity", 0)),
        "_productId": product_number,
    }


OPTION_SLOTS = 3  # Shopify allows three options per product; their numbers are reserved up front


def product_options(variants: list[dict], option_numbers: list[int]) -> list[dict]:
    """The options the variants use, in order; the option at position i has id number
    `option_numbers[i]`, so an option keeps its id when its values change."""
    names: dict[str, list[str]] = {}
    for variant in variants:
        for option in variant["selectedOptions"]:
            values = names.setdefault(option["name"], [])
            if option["value"] not in values:
                values.append(option["value"])
    return [
        {
            "__typename": "ProductOption",
            "id": gid("ProductOption", option_numbers[index]),
            "name": name,
            "position": index + 1,
            "values": values,
        }
        for index, (name, values) in enumerate(names.items())
    ]


def product(
    number: int, fields: dict, variants: list[dict], created_at: str, option_numbers: list[int]
) -> dict:
    """A Product from ProductCreateInput-like fields: title, descriptionHtml, vendor,
    productType, status, tags, handle; `variants` are built with `product_variant`;
    `option_numbers` are OPTION_SLOTS reserved numbers for the options' ids."""
    title = fields.get("title") or ""
    status = fields.get("status", "ACTIVE")
    return {
        **_base("Product", number, created_at),
        "title": title,
        "handle": fields.get("handle") or handleize(title),
        "descriptionHtml": fields.get("descriptionHtml") or "",
        "vendor": fields.get("vendor") or "",
        "productType": fields.get("productType") or "",
        "status": status,
        "tags": tag_list(fields.get("tags")),
        "publishedAt": created_at if status == "ACTIVE" else None,
        "templateSuffix": None,
        "isGiftCard": False,
        "options": product_options(variants, option_numbers),
        "variants": variants,
        "_optionNumbers": option_numbers,
    }


def line_item(
    number: int,
    *,
    title: str,
    variant_title: str | None,
    sku: str | None,
    quantity: int,
    unit_price: Decimal,
    discount: Decimal,
    shop_currency: str,
    presentment_currency: str,
    product_number: int | None,
    variant_number: int | None,
    vendor: str | None,
) -> dict:
    total = unit_price * quantity
    return {
        "__typename": "LineItem",
        "id": gid("LineItem", number),
        "name": f"{title} - {variant_title}" if variant_title else title,
        "title": title,
        "variantTitle": variant_title,
        "sku": sku,
        "vendor": vendor,
        "quantity": quantity,
        "currentQuantity": quantity,
        "refundableQuantity": quantity,
        "unfulfilledQuantity": quantity,
        "requiresShipping": True,
        "taxable": True,
        "isGiftCard": False,
        "originalUnitPriceSet": money_bag(unit_price, shop_currency, presentment_currency),
        "discountedUnitPriceSet": money_bag(
            unit_price - discount / quantity if quantity else unit_price,
            shop_currency,
            presentment_currency,
        ),
        "originalTotalSet": money_bag(total, shop_currency, presentment_currency),
        "discountedTotalSet": money_bag(total - discount, shop_currency, presentment_currency),
        "totalDiscountSet": money_bag(discount, shop_currency, presentment_currency),
        "_productId": product_number,
        "_variantId": variant_number,
    }


def checkout_line_item(number: int, line: dict) -> dict:
    """An AbandonedCheckoutLineItem with the amounts of an order line built by `line_item`."""
    return {
        "__typename": "AbandonedCheckoutLineItem",
        "id": gid("AbandonedCheckoutLineItem", number),
        "title": line["title"],
        "variantTitle": line["variantTitle"],
        "sku": line["sku"],
        "quantity": line["quantity"],
        "customAttributes": [],
        "originalUnitPriceSet": line["originalUnitPriceSet"],
        "originalTotalPriceSet": line["originalTotalSet"],
        "discountedUnitPriceSet": line["discountedUnitPriceSet"],
        "discountedTotalPriceSet": line["discountedTotalSet"],
        "discountedUnitPriceWithCodeDiscount": line["discountedUnitPriceSet"],
        "discountedTotalPriceWithCodeDiscount": line["discountedTotalSet"],
        "_productId": line["_productId"],
        "_variantId": line["_variantId"],
    }


def totals(lines: list[dict], shipping: Decimal, tax_rate: Decimal, currency: str) -> dict:
    """Subtotal (after line discounts), discounts, tax on subtotal and shipping, total."""
    subtotal = sum((amount_of(line["discountedTotalSet"]) for line in lines), Decimal("0"))
    discounts = sum((amount_of(line["totalDiscountSet"]) for line in lines), Decimal("0"))
    places = Decimal(1).scaleb(-(0 if currency in ZERO_DECIMAL else 2))
    tax = ((subtotal + shipping) * tax_rate).quantize(places, rounding=ROUND_HALF_UP)
    return {
        "subtotal": subtotal,
        "discounts": discounts,
        "shipping": shipping,
        "tax": tax,
        "total": subtotal + shipping + tax,
    }


def order(
    number: int,
    *,
    order_number: int,
    fields: dict,
    lines: list[dict],
    amounts: dict,
    shop_currency: str,
    presentment_currency: str,
    created_at: str,
    customer_number: int | None,
) -> dict:
    """An Order. `fields` may hold email, phone, note, tags, processedAt, shippingAddress,
    billingAddress, displayFinancialStatus, checkoutToken, sourceName."""

    def bag(amount):
        return money_bag(amount, shop_currency, presentment_currency)

    financial_status = fields.get("displayFinancialStatus", "PAID")
    return {
        **_base("Order", number, created_at),
        "name": f"#{order_number}",
        "number": order_number - 1000,
        "email": fields.get("email") or None,
        "phone": fields.get("phone") or None,
        "note": fields.get("note"),
        "tags": tag_list(fields.get("tags")),
        "processedAt": fields.get("processedAt") or created_at,
        "cancelledAt": None,
        "cancelReason": None,
        "closedAt": None,
        "closed": False,
        "confirmed": True,
        "test": False,
        "returnStatus": "NO_RETURN",
        "riskLevel": "LOW",
        "currencyCode": shop_currency,
        "presentmentCurrencyCode": presentment_currency,
        "displayFinancialStatus": financial_status,
        "displayFulfillmentStatus": "UNFULFILLED",
        "fullyPaid": financial_status == "PAID",
        "unpaid": financial_status in {"PENDING", "AUTHORIZED"},
        "taxesIncluded": False,
        "sourceName": fields.get("sourceName", "web"),
        "checkoutToken": fields.get("checkoutToken"),
        "cartToken": fields.get("cartToken"),
        "customerAcceptsMarketing": False,
        "discountCodes": [],
        "subtotalLineItemsQuantity": sum(line["quantity"] for line in lines),
        "subtotalPriceSet": bag(amounts["subtotal"]),
        "currentSubtotalPriceSet": bag(amounts["subtotal"]),
        "totalDiscountsSet": bag(amounts["discounts"]),
        "currentTotalDiscountsSet": bag(amounts["discounts"]),
        "totalShippingPriceSet": bag(amounts["shipping"]),
        "currentShippingPriceSet": bag(amounts["shipping"]),
        "totalTaxSet": bag(amounts["tax"]),
        "currentTotalTaxSet": bag(amounts["tax"]),
        "totalPriceSet": bag(amounts["total"]),
        "currentTotalPriceSet": bag(amounts["total"]),
        "originalTotalPriceSet": bag(amounts["total"]),
        "totalRefundedSet": bag(0),
        "totalReceivedSet": bag(amounts["total"] if financial_status == "PAID" else 0),
        "totalOutstandingSet": bag(0 if financial_status == "PAID" else amounts["total"]),
        "billingAddress": order_address(number, fields.get("billingAddress")),
        "shippingAddress": order_address(number, fields.get("shippingAddress")),
        "lineItems": lines,
        "fulfillments": [],
        "refunds": [],
        "_customerId": customer_number,
    }


def fulfillment(number: int, order: dict, quantity: int, at: str) -> dict:
    """A Fulfillment of `quantity` items of `order`; `deliver` marks it delivered."""
    return {
        "__typename": "Fulfillment",
        "id": gid("Fulfillment", number),
        "legacyResourceId": str(number),
        "name": f"{order['name']}-F{len(order['fulfillments']) + 1}",
        "status": "SUCCESS",
        "displayStatus": "FULFILLED",
        "createdAt": at,
        "updatedAt": at,
        "deliveredAt": None,
        "inTransitAt": None,
        "estimatedDeliveryAt": None,
        "requiresShipping": True,
        "totalQuantity": quantity,
        "trackingInfo": [],
        "_orderId": number_of(order["id"]),
    }


def deliver(fulfillment_record: dict, at: str) -> dict:
    return replace(
        fulfillment_record,
        displayStatus="DELIVERED",
        deliveredAt=fulfillment_record["deliveredAt"] or at,
        inTransitAt=fulfillment_record["inTransitAt"] or at,
        updatedAt=at,
    )


def refund(number: int, order: dict, amount: Decimal, at: str, note: str | None = None) -> dict:
    return {
        "__typename": "Refund",
        "id": gid("Refund", number),
        "legacyResourceId": str(number),
        "createdAt": at,
        "updatedAt": at,
        "processedAt": at,
        "note": note,
        "totalRefundedSet": money_bag(
            amount, order["currencyCode"], order["presentmentCurrencyCode"]
        ),
        "_orderId": number_of(order["id"]),
    }


def checkout_money(amounts: dict, shop_currency: str, presentment_currency: str) -> dict:
    """An abandoned checkout's money fields from `totals(...)`."""

    def bag(amount):
        return money_bag(amount, shop_currency, presentment_currency)

    return {
        "subtotalPriceSet": bag(amounts["subtotal"]),
        "totalDiscountSet": bag(amounts["discounts"]),
        "totalLineItemsPriceSet": bag(amounts["subtotal"] + amounts["discounts"]),
        "totalTaxSet": bag(amounts["tax"]),
        "totalPriceSet": bag(amounts["total"]),
    }


def checkout_token(shop: str, number: int) -> str:
    return hashlib.sha256(f"{shop}:checkout:{number}".encode()).hexdigest()[:32]


def abandoned_checkout(
    number: int,
    *,
    shop: str,
    shop_number: int,
    fields: dict,
    lines: list[dict],
    amounts: dict,
    shop_currency: str,
    presentment_currency: str,
    created_at: str,
    customer_number: int | None,
    order_lines: list[dict],
) -> dict:
    """An AbandonedCheckout. `_token` is the checkout's token (the REST body's `token`,
    GraphQL's `Order.checkoutToken` once completed); `_email` the shopper's email, which
    GraphQL only exposes through the customer; `_orderLines` the order lines (`line_item`)
    the checkout becomes when it completes, of which `lines` are the checkout's view."""
    token = checkout_token(shop, number)
    key = hashlib.sha256(f"{token}:key".encode()).hexdigest()[:32]
    # The recovery URL carries the checkout's token, as in Shopify's documented checkouts/*
    # example bodies: "https://checkout.local/548380009/checkouts/123123123/recover?key=…"
    # with "token": "123123123" (webhook examples, API 2026-07).
    return {
        **_base("AbandonedCheckout", number, created_at),
        "name": f"#{number}",
        "abandonedCheckoutUrl": (
            f"https://{shop}/{shop_number}/checkouts/{token}/recover?key={key}"
        ),
        "completedAt": None,
        "note": fields.get("note") or "",
        "discountCodes": [],
        "customAttributes": [],
        "taxesIncluded": False,
        "billingAddress": order_address(number, fields.get("billingAddress")),
        "shippingAddress": order_address(number, fields.get("shippingAddress")),
        **checkout_money(amounts, shop_currency, presentment_currency),
        "taxLines": [],
        "lineItems": lines,
        "_customerId": customer_number,
        "_token": token,
        "_email": fields.get("email") or None,
        "_presentmentCurrency": presentment_currency,
        "_orderLines": order_lines,
    }


def company_address(number: int, fields: dict | None, company_name: str, created_at: str):
    if not fields:
        return None
    return {
        "__typename": "CompanyAddress",
        "id": gid("CompanyAddress", number),
        "address1": fields.get("address1") or "",
        "address2": fields.get("address2"),
        "city": fields.get("city"),
        "province": fields.get("province") or fields.get("zoneCode"),
        "zoneCode": fields.get("zoneCode"),
        "zip": fields.get("zip"),
        "countryCode": fields.get("countryCode") or "US",
        "country": COUNTRY_NAMES.get(fields.get("countryCode") or "US"),
        "companyName": company_name,
        "phone": fields.get("phone"),
        "firstName": fields.get("firstName"),
        "lastName": fields.get("lastName"),
        "recipient": fields.get("recipient"),
        "createdAt": created_at,
        "updatedAt": created_at,
    }


def company_location(
    number: int, company_number: int, fields: dict, company_name: str, currency: str, at: str
) -> dict:
    """A CompanyLocation from CompanyLocationInput-like fields: name, phone, note,
    externalId, billingAddress, shippingAddress (CompanyAddressInput)."""
    shipping = company_address(number + 1, fields.get("shippingAddress"), company_name, at)
    billing = (
        company_address(number + 2, fields.get("billingAddress"), company_name, at) or shipping
    )
    return {
        "__typename": "CompanyLocation",
        "id": gid("CompanyLocation", number),
        "name": fields.get("name") or company_name,
        "phone": fields.get("phone"),
        "note": fields.get("note"),
        "externalId": fields.get("externalId"),
        "locale": fields.get("locale", "en"),
        "currency": currency,
        "createdAt": at,
        "updatedAt": at,
        "shippingAddress": shipping,
        "billingAddress": billing,
        "taxExemptions": [],
        "_companyId": company_number,
    }


def company_contact(
    number: int, company_number: int, customer_number: int, fields: dict, at: str
) -> dict:
    return {
        "__typename": "CompanyContact",
        "id": gid("CompanyContact", number),
        "title": fields.get("title"),
        "locale": fields.get("locale", "en"),
        "createdAt": at,
        "updatedAt": at,
        "_companyId": company_number,
        "_customerId": customer_number,
    }


def company(number: int, fields: dict, at: str) -> dict:
    """A Company from CompanyInput-like fields: name, note, externalId, customerSince.
    Contacts and locations are added with `company_contact` and `company_location`."""
    return {
        "__typename": "Company",
        "id": gid("Company", number),
        "name": fields.get("name") or "",
        "note": fields.get("note"),
        "externalId": fields.get("externalId"),
        "customerSince": fields.get("customerSince") or at,
        "createdAt": at,
        "updatedAt": at,
        "contacts": [],
        "locations": [],
        "_mainContactId": None,
    }
