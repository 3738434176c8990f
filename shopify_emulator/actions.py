"""Everything that changes a shop: what the merchant and shoppers do (control API) and what apps
do (GraphQL mutations). Each action validates like Shopify, replaces records, and emits the
webhooks Shopify would. Validation failures raise `UserErrors`, which mutations turn into
`userErrors` and the control API into a 422.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from shopify_emulator import events, phones, records, transitions
from shopify_emulator.state import Shop

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TAX_RATE = Decimal("0.25")


class UserErrors(Exception):
    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(error["message"] for error in errors))
        self.errors = errors


def user_error(field: list[str] | None, message: str, code: str | None = None):
    return UserErrors([{"field": field, "message": message, "code": code}])


class NotFound(Exception):
    pass


def emit(emulator, shop: Shop, topic: str, record: dict, **options):
    if emulator.webhooks is not None:
        emulator.webhooks.emit(shop, topic, record, **options)


def _require(shop: Shop, resource: str, number: int | None) -> dict:
    record = shop.get(resource, number)
    if record is None:
        raise NotFound(f"{resource[:-1].title()} does not exist")
    return record


# Customers ---------------------------------------------------------------------------------


def _check_customer(shop: Shop, fields: dict, number: int | None = None) -> dict:
    """Check a customer's email and phone as Shopify does, all errors at once; return the
    fields with the phone in E.164 (phones.py). `number` is the customer being updated."""
    errors = []
    email = (fields.get("email") or "").strip()
    if email and not EMAIL.match(email):
        errors.append({"field": ["email"], "message": "Email is invalid", "code": "INVALID"})
        email = ""
    phone = None
    if fields.get("phone") and not shop.faults.phone_validation:
        phone = str(fields["phone"])
    elif fields.get("phone"):
        phone = phones.e164(str(fields["phone"]))
        if phone is None:
            errors.append({"field": ["phone"], "message": phones.INVALID, "code": "INVALID"})
    if email or phone:
        email_taken = phone_taken = False
        for other_number, other in list(shop.data["customers"].items()):
            if other_number == number:
                continue
            email_taken = email_taken or bool(
                email and (other.get("email") or "").lower() == email.lower()
            )
            phone_taken = phone_taken or bool(phone and other.get("phone") == phone)
        if email_taken:
            errors.append(
                {"field": ["email"], "message": "Email has already been taken", "code": "TAKEN"}
            )
        if phone_taken:
            errors.append({"field": ["phone"], "message": phones.TAKEN, "code": "TAKEN"})
    if errors:
        raise UserErrors(errors)
    return {**fields, "phone": phone} if "phone" in fields else fields


def create_customer(emulator, shop: Shop, fields: dict) -> dict:
    with shop.lock:
        record = _new_customer(shop, fields)
    emit(emulator, shop, "customers/create", record)
    _emit_tag_changes(emulator, shop, record, [], record["tags"])
    return record


def _emit_tag_changes(emulator, shop: Shop, customer: dict, before: list, after: list):
    """Tags a customer gained or lost come on their own topics, each with only those tags
    (changelog "Additional webhook subscription topics for customer tags", 2023-07,
    https://shopify.dev/changelog/additional-webhook-subscription-topics-for-customer-tags;
    customer bodies lost their tags in 2025-01, payloads.customer_tags_body)."""
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    for topic, tags in (("customer.tags_added", added), ("customer.tags_removed", removed)):
        if tags:
            change = {
                "customerId": customer["id"],
                "tags": tags,
                "occurredAt": customer["updatedAt"],
            }
            emit(emulator, shop, topic, change)


def _new_customer(shop: Shop, fields: dict, field_path: tuple[str, ...] = ()) -> dict:
    """Check and store a new customer (the caller holds the lock and emits customers/create).
    `field_path` prefixes the userErrors' `field` when the customer is part of a larger input."""
    fields = {key: value for key, value in fields.items() if value is not None}
    if not any(fields.get(key) for key in ("email", "phone", "firstName", "lastName")):
        raise user_error(
            list(field_path) or None,
            "A name, phone number, or email address must be present",
            "BLANK",
        )
    try:
        fields = _check_customer(shop, fields)
    except UserErrors as error:
        for item in error.errors:
            item["field"] = [*field_path, *(item["field"] or [])]
        raise
    number = shop.allocate(1 + len(fields.get("addresses") or []))
    record = records.customer(number, fields, records.now(), number + 1)
    shop.store("customers", record)
    return record


CUSTOMER_FIELDS = ("firstName", "lastName", "email", "phone", "note", "tags", "taxExempt")
CONSENT_TOPICS = {
    "emailMarketingConsent": "customers_email_marketing_consent/update",
    "smsMarketingConsent": "customers_marketing_consent/update",
}


def update_customer(emulator, shop: Shop, number: int, fields: dict) -> dict:
    with shop.lock:
        current = _require(shop, "customers", number)
        fields = _check_customer(shop, fields, number)
        changes = {key: fields[key] for key in CUSTOMER_FIELDS if key in fields}
        if "email" in changes:
            changes["email"] = (changes["email"] or "").strip() or None
            changes["verifiedEmail"] = bool(changes["email"])
        if "tags" in changes:
            changes["tags"] = records.tag_list(changes["tags"])
        moment = records.now()
        consent_topics = []
        for key, topic in CONSENT_TOPICS.items():
            if fields.get(key):
                state = fields[key]["marketingState"]
                if (current.get(key) or {}).get("marketingState") != state:
                    consent_topics.append(topic)
                changes[key] = records.marketing_consent(state, moment)
        if "addresses" in fields:
            addresses = fields["addresses"] or []
            first = shop.allocate(max(len(addresses), 1))
            built = [
                records.mailing_address(first + offset, address)
                for offset, address in enumerate(addresses)
            ]
            changes["addressesV2"] = built
            changes["defaultAddress"] = built[0] if built else None
        record = records.replace(current, **changes, updatedAt=moment)
        shop.store("customers", record)
    # A change of tags alone still updates the customer (its updatedAt moves), and nothing
    # Shopify published says customers/update stopped firing for it; only the body lost the
    # tags (2025-01). So both customers/update and the tag topics are sent.
    emit(emulator, shop, "customers/update", record)
    for topic in consent_topics:
        emit(emulator, shop, topic, record)
    _emit_tag_changes(emulator, shop, record, current["tags"], record["tags"])
    return record


def delete_customer(emulator, shop: Shop, number: int) -> dict:
    with shop.lock:
        record = _require(shop, "customers", number)
        if shop.customer_orders.get(number):
            raise user_error(
                ["id"], "Customer can’t be deleted because they have associated orders"
            )
        shop.remove("customers", number)
    emit(emulator, shop, "customers/delete", record)
    return record


def change_tags(emulator, shop: Shop, kind: str, number: int, tags, *, add: bool) -> dict:
    """tagsAdd / tagsRemove on a customer, product or order: the record after the change.
    "If the resource type doesn't support tagging, the `id` argument returns a
    resource-not-found error" (the schema's description of tagsAdd)."""
    resource = {"Customer": "customers", "Product": "products", "Order": "orders"}.get(kind)
    given = set(records.tag_list(tags))
    with shop.lock:  # re-entrant: the update below takes it too, on the same fresh record
        current = shop.get(resource, number) if resource else None
        if current is None:
            raise NotFound(f"{kind} does not exist" if resource else "Resource does not exist")
        tags_now = set(current["tags"])
        wanted = sorted(tags_now | given if add else tags_now - given)
        if wanted == current["tags"]:
            return current
        if resource == "customers":
            return update_customer(emulator, shop, number, {"tags": wanted})
        if resource == "products":
            return update_product(emulator, shop, number, {"tags": wanted})
        return _change_order(
            emulator,
            shop,
            number,
            lambda order, moment: (records.replace(order, tags=wanted, updatedAt=moment), []),
        )


# Products ----------------------------------------------------------------------------------


def _price(value, field: list[str]) -> Decimal:
    try:
        price = Decimal(str(value))
    except InvalidOperation:
        raise user_error(field, "Price is invalid", "INVALID") from None
    if price < 0:
        raise user_error(
            field, "Price must be greater than or equal to 0", "GREATER_THAN_OR_EQUAL_TO"
        )
    return price


def _variant_fields(fields: dict) -> dict:
    """Control-API variants use {title, sku, price, selectedOptions}; GraphQL's
    ProductVariantsBulkInput uses {price, inventoryItem: {sku}, optionValues}."""
    result = dict(fields)
    if "inventoryItem" in fields and fields["inventoryItem"]:
        result["sku"] = fields["inventoryItem"].get("sku", fields.get("sku"))
    if fields.get("optionValues"):
        result["selectedOptions"] = [
            {"name": option.get("optionName") or "Title", "value": option.get("name") or ""}
            for option in fields["optionValues"]
        ]
    return result


def create_product(emulator, shop: Shop, fields: dict, variants: list[dict] | None = None):
    if not (fields.get("title") or "").strip():
        raise user_error(["title"], "Title can't be blank", "BLANK")
    variant_inputs = [_variant_fields(variant) for variant in variants or [{"price": "0"}]]
    for index, variant in enumerate(variant_inputs):
        _price(variant.get("price", "0"), ["variants", str(index), "price"])
    moment = records.now()
    with shop.lock:
        number = shop.allocate(1 + len(variant_inputs) + records.OPTION_SLOTS)
        built = [
            records.product_variant(number + 1 + index, number, variant, index + 1, moment)
            for index, variant in enumerate(variant_inputs)
        ]
        first_option = number + 1 + len(variant_inputs)
        option_numbers = list(range(first_option, first_option + records.OPTION_SLOTS))
        record = records.product(number, fields, built, moment, option_numbers)
        shop.store("products", record)
    emit(emulator, shop, "products/create", record)
    return record


PRODUCT_FIELDS = ("title", "descriptionHtml", "vendor", "productType", "status", "tags", "handle")


def update_product(emulator, shop: Shop, number: int, fields: dict) -> dict:
    if "title" in fields and not (fields["title"] or "").strip():
        raise user_error(["title"], "Title can't be blank", "BLANK")
    with shop.lock:
        current = _require(shop, "products", number)
        changes = {key: fields[key] for key in PRODUCT_FIELDS if key in fields}
        if "tags" in changes:
            changes["tags"] = records.tag_list(changes["tags"])
        moment = records.now()
        if "variants" in fields:  # the control API replaces or edits variants in one go
            changes["variants"] = _merged_variants(shop, current, fields["variants"], moment)
            changes["options"] = records.product_options(
                changes["variants"], current["_optionNumbers"]
            )
        record = records.replace(current, **changes, updatedAt=moment)
        shop.store("products", record)
    emit(emulator, shop, "products/update", record)
    return record


def _money(value) -> str | None:
    return str(Decimal(str(value)).quantize(Decimal("0.01"))) if value is not None else None


def _merged_variants(shop: Shop, product: dict, inputs: list[dict], moment: str) -> list[dict]:
    """The variants `inputs` describe: changes to existing ones (with an `id`), new ones
    (without). A new variant may not repeat an option combination the product has."""
    existing = {variant["id"]: variant for variant in product["variants"]}
    combinations = {_combination(variant) for variant in product["variants"]}
    product_number = records.number_of(product["id"])
    result = []
    for index, raw in enumerate(inputs):
        fields = _variant_fields(raw)
        field = ["variants", str(index)]
        for name in ("price", "compareAtPrice"):
            if fields.get(name) is not None:
                _price(fields[name], [*field, name])
        if fields.get("id"):
            key = records.gid("ProductVariant", records.number_of(fields["id"]) or 0)
            if key not in existing:
                raise user_error([*field, "id"], "Variant does not exist", "NOT_FOUND")
            changes = {
                name: fields[name]
                for name in ("title", "sku", "barcode", "selectedOptions")
                if name in fields
            }
            changes.update(
                {
                    name: _money(fields[name])
                    for name in ("price", "compareAtPrice")
                    if name in fields
                }
            )
            result.append(records.replace(existing[key], **changes, updatedAt=moment))
            continue
        variant = records.product_variant(
            shop.allocate(), product_number, fields, len(product["variants"]) + index + 1, moment
        )
        if _combination(variant) in combinations:
            raise user_error(
                [*field],
                f"The variant '{variant['title']}' already exists.",
                "VARIANT_ALREADY_EXISTS",
            )
        combinations.add(_combination(variant))
        result.append(variant)
    return result


def _combination(variant: dict) -> tuple:
    return tuple((option["name"], option["value"]) for option in variant["selectedOptions"])


def create_variants(emulator, shop: Shop, number: int, inputs: list[dict], strategy: str | None):
    with shop.lock:
        product = _require(shop, "products", number)
        moment = records.now()
        added = _merged_variants(shop, product, [_without_id(v) for v in inputs], moment)
        keep = product["variants"]
        is_standalone = len(keep) == 1 and keep[0]["title"] == "Default Title"
        if strategy != "PRESERVE_STANDALONE_VARIANT" and is_standalone:
            keep = []
        variants = [
            records.replace(variant, position=position)
            for position, variant in enumerate(keep + added, start=1)
        ]
        added = variants[len(keep) :]
        record = records.replace(
            product,
            variants=variants,
            options=records.product_options(variants, product["_optionNumbers"]),
            updatedAt=moment,
        )
        shop.store("products", record)
    emit(emulator, shop, "products/update", record)
    return record, added


def _without_id(fields: dict) -> dict:
    return {key: value for key, value in fields.items() if key != "id"}


def update_variants(emulator, shop: Shop, number: int, inputs: list[dict]):
    with shop.lock:
        product = _require(shop, "products", number)
        moment = records.now()
        for index, fields in enumerate(inputs):
            if not fields.get("id"):
                raise user_error(["variants", str(index), "id"], "Variant id is required")
        changed = _merged_variants(shop, product, inputs, moment)
        by_id = {variant["id"]: variant for variant in changed}
        variants = [by_id.get(variant["id"], variant) for variant in product["variants"]]
        record = records.replace(
            product,
            variants=variants,
            options=records.product_options(variants, product["_optionNumbers"]),
            updatedAt=moment,
        )
        shop.store("products", record)
    emit(emulator, shop, "products/update", record)
    return record, changed


def delete_product(emulator, shop: Shop, number: int, app: str | None = None) -> dict:
    """Delete a product, by the app `app` or (None) by the merchant; its deletion event stays
    for apps to read (events.py)."""
    with shop.lock:
        record = _require(shop, "products", number)
        shop.remove("products", number)
        events.record_deletion(shop, "PRODUCT", record["id"], record["title"], app)
    emit(emulator, shop, "products/delete", record)
    return record


# Orders and checkouts ---------------------------------------------------------------------


def _lines(shop: Shop, inputs: list[dict], currency: str, presentment: str) -> list[dict]:
    """Order lines from [{variantId | productId, quantity, price?, discount?, title?}]."""
    if not inputs:
        raise user_error(["lineItems"], "Line items can't be blank", "BLANK")
    first = shop.allocate(len(inputs))
    lines = []
    for index, line in enumerate(inputs):
        product, variant = (
            shop.variant(records.number_of(line["variantId"]))
            if line.get("variantId")
            else (None, None)
        )
        if line.get("variantId") and variant is None:
            raise user_error(["lineItems", str(index), "variantId"], "Variant does not exist")
        if product is None and line.get("productId"):
            product = shop.get("products", records.number_of(line["productId"]))
            if product is None:
                raise user_error(["lineItems", str(index), "productId"], "Product does not exist")
            variant = product["variants"][0]
        quantity = int(line.get("quantity", 1))
        if quantity < 1:
            raise user_error(
                ["lineItems", str(index), "quantity"], "Quantity must be greater than 0"
            )
        price = _price(
            line.get("price") if line.get("price") is not None else (variant or {}).get("price", 0),
            ["lineItems", str(index), "price"],
        )
        title = line.get("title") or (product or {}).get("title") or "Custom item"
        variant_title = (variant or {}).get("title")
        lines.append(
            records.line_item(
                first + index,
                title=title,
                variant_title=None if variant_title == "Default Title" else variant_title,
                sku=line.get("sku") or (variant or {}).get("sku"),
                quantity=quantity,
                unit_price=price,
                discount=Decimal(str(line.get("discount", "0"))),
                shop_currency=currency,
                presentment_currency=presentment,
                product_number=records.number_of(product["id"]) if product else None,
                variant_number=records.number_of(variant["id"]) if variant else None,
                vendor=(product or {}).get("vendor"),
            )
        )
    return lines


def _customer_number(shop: Shop, fields: dict) -> int | None:
    value = fields.get("customerId") or (fields.get("customer") or {}).get("id")
    if value is None:
        return None
    number = records.number_of(value)
    if shop.get("customers", number) is None:
        raise user_error(["customerId"], "Customer does not exist", "NOT_FOUND")
    return number


def create_order(emulator, shop: Shop, fields: dict, *, emit_webhooks: bool = True) -> dict:
    currency = shop.currency
    presentment = fields.get("presentmentCurrencyCode") or currency
    if presentment not in records.RATES_FROM_USD:
        raise user_error(["presentmentCurrencyCode"], "Currency is not supported")
    with shop.lock:
        customer_number = _customer_number(shop, fields)
        customer = shop.get("customers", customer_number)
        if customer and not fields.get("email"):
            fields = {**fields, "email": customer.get("email")}
        lines = _lines(shop, fields.get("lineItems") or [], currency, presentment)
        shipping = _price(fields.get("shipping", "0"), ["shipping"])
        amounts = records.totals(
            lines, shipping, Decimal(str(fields.get("taxRate", TAX_RATE))), currency
        )
        number = shop.allocate()
        order_number = shop.next_order_number
        shop.next_order_number += 1
        record = records.order(
            number,
            order_number=order_number,
            fields=fields,
            lines=lines,
            amounts=amounts,
            shop_currency=currency,
            presentment_currency=presentment,
            created_at=records.now(),
            customer_number=customer_number,
        )
        shop.store("orders", record)
    if emit_webhooks:
        emit(emulator, shop, "orders/create", record)
        if record["displayFinancialStatus"] == "PAID":
            emit(emulator, shop, "orders/paid", record)
    return record


def _change_order(emulator, shop: Shop, number: int, change) -> dict:
    """Apply `change(order, moment) -> (order, [(topic, record), …])` to the order as it is
    now, under the shop's lock, so rules are checked on the fresh record and two concurrent
    changes cannot both pass a check one of them invalidates. Emits the topics and
    orders/updated after."""
    with shop.lock:
        current = _require(shop, "orders", number)
        record, events = change(current, records.now())
        shop.store("orders", record)
    for topic, payload in events:
        emit(emulator, shop, topic, payload)
    emit(emulator, shop, "orders/updated", record)
    return record


def _not_cancelled(order: dict):
    if order["cancelledAt"]:
        raise user_error(["id"], "Order is cancelled")


def pay_order(emulator, shop: Shop, number: int) -> dict:
    def change(order, moment):
        _not_cancelled(order)
        if order["displayFinancialStatus"] not in transitions.PAYABLE:
            raise user_error(["id"], f"Order is already {order['displayFinancialStatus'].lower()}")
        order = transitions.paid(order, moment)
        return order, [("orders/paid", order)]

    return _change_order(emulator, shop, number, change)


def fulfill_order(emulator, shop: Shop, number: int, fields: dict | None = None) -> dict:
    """Fulfil all unfulfilled lines, or {"lineItems": [{"id", "quantity"}]} of them."""
    wanted = None
    if (fields or {}).get("lineItems"):
        wanted = {
            records.gid("LineItem", records.number_of(line["id"])): int(line.get("quantity", 0))
            for line in fields["lineItems"]
        }

    def change(order, moment):
        _not_cancelled(order)
        order, fulfillment = transitions.fulfilled(order, shop.allocate(), moment, wanted)
        if fulfillment["totalQuantity"] == 0:
            raise user_error(["lineItems"], "Nothing left to fulfill")
        complete = order["displayFulfillmentStatus"] == "FULFILLED"
        topic = "orders/fulfilled" if complete else "orders/partially_fulfilled"
        return order, [("fulfillments/create", fulfillment), (topic, order)]

    return _change_order(emulator, shop, number, change)


def deliver_order(emulator, shop: Shop, number: int) -> dict:
    def change(order, moment):
        undelivered = [f for f in order["fulfillments"] if f["displayStatus"] != "DELIVERED"]
        if not undelivered:
            raise user_error(["id"], "Order has no fulfillments to deliver")
        order = transitions.delivered(order, moment)
        changed = {fulfillment["id"] for fulfillment in undelivered}
        return order, [
            ("fulfillments/update", fulfillment)
            for fulfillment in order["fulfillments"]
            if fulfillment["id"] in changed
        ]

    return _change_order(emulator, shop, number, change)


def cancel_order(emulator, shop: Shop, number: int, fields: dict | None = None) -> dict:
    """Cancel; {"refund": true} refunds what was paid, {"reason": "CUSTOMER"} says why."""
    fields = fields or {}
    reason = fields.get("reason", "CUSTOMER")

    def change(order, moment):
        if order["cancelledAt"]:
            raise user_error(["id"], "Order has already been cancelled")
        events = []
        amount = transitions.refundable(order)
        if fields.get("refund") and amount > 0:
            order = transitions.refunded(order, shop.allocate(), amount, moment)
            events.append(("refunds/create", order))
        order = transitions.cancelled(order, reason, moment)
        return order, [*events, ("orders/cancelled", order)]

    return _change_order(emulator, shop, number, change)


def refund_order(emulator, shop: Shop, number: int, fields: dict | None = None) -> dict:
    """Refund {"amount": "10.00"}, or all that was received and not yet refunded."""
    fields = fields or {}

    def change(order, moment):
        if order["displayFinancialStatus"] not in transitions.REFUNDABLE:
            raise user_error(["id"], "Only a paid order can be refunded")
        left = transitions.refundable(order)
        amount = _price(fields.get("amount", left), ["amount"])
        if amount <= 0 or amount > left:
            raise user_error(["amount"], "Refund amount exceeds what can be refunded")
        order = transitions.refunded(order, shop.allocate(), amount, moment, fields.get("note"))
        return order, [("refunds/create", order)]

    return _change_order(emulator, shop, number, change)


def close_order(emulator, shop: Shop, number: int) -> dict:
    def change(order, moment):
        if order["closed"]:
            raise user_error(["id"], "Order is already closed")
        return transitions.closed(order, moment), []

    return _change_order(emulator, shop, number, change)


def edit_order(emulator, shop: Shop, number: int, fields: dict) -> dict:
    """An order edit (Shopify's orderEdit* mutations, done by the merchant): new lines
    [{variantId | productId, quantity, price?}], totals recomputed. Only an order nothing was
    shipped from can be edited here."""

    def change(order, moment):
        _not_cancelled(order)
        if order["fulfillments"]:
            raise user_error(["id"], "Only an unfulfilled order can be edited")
        currency, presentment = order["currencyCode"], order["presentmentCurrencyCode"]
        lines = _lines(shop, fields.get("lineItems") or [], currency, presentment)
        shipping = records.amount_of(order["totalShippingPriceSet"])
        amounts = records.totals(lines, shipping, TAX_RATE, currency)
        edited = records.order(
            records.number_of(order["id"]),
            order_number=order["number"] + 1000,
            fields=order,
            lines=lines,
            amounts=amounts,
            shop_currency=currency,
            presentment_currency=presentment,
            created_at=order["createdAt"],
            customer_number=order["_customerId"],
        )
        kept = ("processedAt", "tags", "note", "email", "phone", "refunds", "totalRefundedSet")
        keep = {key: order[key] for key in kept}
        # Shopify also sends orders/edited (an order-edit body the emulator does not build);
        # orders/updated, sent for every change, is what apps rely on.
        return records.replace(edited, **keep, updatedAt=moment), []

    return _change_order(emulator, shop, number, change)


def delete_order(emulator, shop: Shop, number: int) -> dict:
    with shop.lock:
        record = _require(shop, "orders", number)
        shop.remove("orders", number)
    emit(emulator, shop, "orders/delete", record)
    return record


def create_checkout(emulator, shop: Shop, fields: dict, *, emit_webhooks: bool = True) -> dict:
    currency = shop.currency
    presentment = fields.get("presentmentCurrencyCode") or currency
    with shop.lock:
        customer_number = _customer_number(shop, fields)
        customer = shop.get("customers", customer_number)
        if customer and not fields.get("email"):
            fields = {**fields, "email": customer.get("email")}
        order_lines = _lines(shop, fields.get("lineItems") or [], currency, presentment)
        first = shop.allocate(len(order_lines) + 1)
        lines = [
            records.checkout_line_item(first + 1 + index, line)
            for index, line in enumerate(order_lines)
        ]
        amounts = records.totals(order_lines, Decimal("0"), TAX_RATE, currency)
        record = records.abandoned_checkout(
            first,
            shop=shop.domain,
            shop_number=shop.number,
            fields=fields,
            lines=lines,
            amounts=amounts,
            shop_currency=currency,
            presentment_currency=presentment,
            created_at=records.now(),
            customer_number=customer_number,
            order_lines=order_lines,
        )
        shop.store("checkouts", record)
    if emit_webhooks:
        emit(emulator, shop, "checkouts/create", record)
    return record


def update_checkout(emulator, shop: Shop, number: int, fields: dict) -> dict:
    with shop.lock:
        current = _require(shop, "checkouts", number)
        if current["completedAt"]:
            raise user_error(["id"], "Checkout is already completed")
        changes = {}
        if "note" in fields:
            changes["note"] = fields["note"] or ""
        if "email" in fields:
            changes["_email"] = fields["email"] or None
        if "lineItems" in fields:
            order_lines = _lines(
                shop, fields["lineItems"], shop.currency, current["_presentmentCurrency"]
            )
            first = shop.allocate(len(order_lines))
            amounts = records.totals(order_lines, Decimal("0"), TAX_RATE, shop.currency)
            presentment = current["_presentmentCurrency"]
            changes.update(
                lineItems=[
                    records.checkout_line_item(first + index, line)
                    for index, line in enumerate(order_lines)
                ],
                _orderLines=order_lines,
                **records.checkout_money(amounts, shop.currency, presentment),
            )
        record = records.replace(current, **changes, updatedAt=records.now())
        shop.store("checkouts", record)
    emit(emulator, shop, "checkouts/update", record)
    return record


def complete_checkout(emulator, shop: Shop, number: int) -> tuple[dict, dict]:
    """The shopper pays: the checkout is completed and becomes an order."""
    with shop.lock:
        checkout = _require(shop, "checkouts", number)
        if checkout["completedAt"]:
            raise user_error(["id"], "Checkout is already completed")
        lines = [
            {
                "variantId": line["_variantId"],
                "productId": line["_productId"],
                "quantity": line["quantity"],
                "price": records.amount_of(line["originalUnitPriceSet"]),
                "discount": records.amount_of(line["totalDiscountSet"]),
                "title": line["title"],
                "sku": line["sku"],
            }
            for line in checkout["_orderLines"]
        ]
        order = create_order(
            emulator,
            shop,
            {
                "customerId": checkout["_customerId"],
                "email": checkout["_email"],
                "lineItems": [
                    {key: value for key, value in line.items() if value is not None}
                    for line in lines
                ],
                "presentmentCurrencyCode": checkout["_presentmentCurrency"],
                "checkoutToken": checkout["_token"],
                "displayFinancialStatus": "PAID",
                "shippingAddress": checkout["shippingAddress"],
                "billingAddress": checkout["billingAddress"],
            },
            emit_webhooks=False,
        )
        moment = records.now()
        completed = records.replace(checkout, completedAt=moment, updatedAt=moment)
        shop.store("checkouts", completed)
    emit(emulator, shop, "checkouts/update", completed)
    emit(emulator, shop, "orders/create", order)
    emit(emulator, shop, "orders/paid", order)
    return completed, order


def delete_checkout(emulator, shop: Shop, number: int) -> dict:
    with shop.lock:
        record = _require(shop, "checkouts", number)
        shop.remove("checkouts", number)
    emit(emulator, shop, "checkouts/delete", record)
    return record


# Companies ---------------------------------------------------------------------------------


def create_company(
    emulator,
    shop: Shop,
    fields: dict,
    contacts: list[dict] | None = None,
    locations: list[dict] | None = None,
) -> dict:
    """A company with optional contacts [{customerId, title} or CompanyContactInput] and
    locations [CompanyLocationInput]; the first contact becomes the main contact. Nothing is
    stored unless all of it is valid."""
    if not (fields.get("name") or "").strip():
        raise user_error(["input", "company", "name"], "Name can't be blank", "BLANK")
    moment = records.now()
    with shop.lock:
        number = shop.allocate()
        record = records.company(number, fields, moment)
        made = []
        try:
            for contact in contacts or []:
                made.append(
                    _company_contact(shop, number, contact, moment, ("input", "companyContact"))
                )
        except UserErrors:
            # Customers made for earlier contacts go too: the mutation is all or nothing.
            for _, customer in made:
                if customer:
                    shop.remove("customers", records.number_of(customer["id"]))
            raise
        record["contacts"] = [contact for contact, _ in made]
        record["locations"] = [
            records.company_location(
                shop.allocate(3), number, location, record["name"], shop.currency, moment
            )
            for location in locations or []
        ]
        if record["contacts"]:
            record["_mainContactId"] = record["contacts"][0]["id"]
        shop.store("companies", record)
    for _, customer in made:
        if customer:
            emit(emulator, shop, "customers/create", customer)
    emit(emulator, shop, "companies/create", record)
    for contact in record["contacts"]:
        emit(emulator, shop, "company_contacts/create", contact)
    for location in record["locations"]:
        emit(emulator, shop, "company_locations/create", location)
    return record


def _company_contact(
    shop: Shop, company_number: int, fields: dict, moment: str, field_path: tuple[str, ...]
) -> tuple[dict, dict | None]:
    """A company contact for an existing customer ({customerId}) or for a new one made from
    CompanyContactInput; returns (contact, the new customer or None). The caller holds the
    lock and emits."""
    customer = None
    if fields.get("customerId"):
        customer_number = records.number_of(fields["customerId"])
        if shop.get("customers", customer_number) is None:
            raise user_error([*field_path, "customerId"], "Customer does not exist", "NOT_FOUND")
    else:
        keys = ("email", "firstName", "lastName", "phone", "locale")
        customer = _new_customer(shop, {key: fields.get(key) for key in keys}, field_path)
        customer_number = records.number_of(customer["id"])
    contact = records.company_contact(
        shop.allocate(), company_number, customer_number, fields, moment
    )
    return contact, customer


COMPANY_FIELDS = ("name", "note", "externalId", "customerSince")


def update_company(emulator, shop: Shop, number: int, fields: dict) -> dict:
    if "name" in fields and not (fields["name"] or "").strip():
        raise user_error(["input", "name"], "Name can't be blank", "BLANK")
    with shop.lock:
        current = _require(shop, "companies", number)
        changes = {key: fields[key] for key in COMPANY_FIELDS if key in fields}
        record = records.replace(current, **changes, updatedAt=records.now())
        shop.store("companies", record)
    emit(emulator, shop, "companies/update", record)
    return record


def add_company_contact(emulator, shop: Shop, number: int, fields: dict) -> dict:
    with shop.lock:
        current = _require(shop, "companies", number)
        moment = records.now()
        contact, customer = _company_contact(shop, number, fields, moment, ("input",))
        record = records.replace(
            current,
            contacts=current["contacts"] + [contact],
            _mainContactId=current["_mainContactId"] or contact["id"],
            updatedAt=moment,
        )
        shop.store("companies", record)
    if customer:
        emit(emulator, shop, "customers/create", customer)
    emit(emulator, shop, "company_contacts/create", contact)
    emit(emulator, shop, "companies/update", record)
    return contact


def add_company_location(emulator, shop: Shop, number: int, fields: dict) -> dict:
    with shop.lock:
        current = _require(shop, "companies", number)
        moment = records.now()
        location = records.company_location(
            shop.allocate(3), number, fields, current["name"], shop.currency, moment
        )
        record = records.replace(
            current, locations=current["locations"] + [location], updatedAt=moment
        )
        shop.store("companies", record)
    emit(emulator, shop, "company_locations/create", location)
    emit(emulator, shop, "companies/update", record)
    return location


def delete_company(emulator, shop: Shop, number: int) -> dict:
    with shop.lock:
        record = _require(shop, "companies", number)
        shop.remove("companies", number)
    emit(emulator, shop, "companies/delete", record)
    return record


# The app's life on the shop ----------------------------------------------------------------


def uninstall(emulator, shop: Shop, client_id: str):
    """The merchant removes the app: its tokens stop working at once, so an app that asks
    Shopify on receiving app/uninstalled finds them revoked; then Shopify sends the webhook to
    the app's subscriptions, and the subscriptions go."""
    with shop.lock:
        for token, grant in list(shop.grants.items()):
            if grant.client_id == client_id:
                del shop.grants[token]
        for token, row in list(shop.refresh_tokens.items()):
            if row["client_id"] == client_id:
                del shop.refresh_tokens[token]
    emit(emulator, shop, "app/uninstalled", shop.shop_record(), client_id=client_id)
    with shop.lock:
        shop.installations.pop(client_id, None)
        for number, subscription in list(shop.webhook_subscriptions.items()):
            if subscription["_clientId"] == client_id:
                del shop.webhook_subscriptions[number]
        shop.touch()


def redact_customer(emulator, shop: Shop, number: int):
    customer = _require(shop, "customers", number)
    emit(emulator, shop, "customers/redact", customer, compliance=True)
    return customer


def redact_shop(emulator, shop: Shop):
    emit(emulator, shop, "shop/redact", shop.shop_record(), compliance=True)
