"""Everything that changes a shop: what the merchant and shoppers do (control API) and what apps
do (GraphQL mutations). Each action validates like Shopify, replaces records, and emits the
webhooks Shopify would. Validation failures raise `UserErrors`, which mutations turn into
`userErrors` and the control API into a 422.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from shopify_emulator import records
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


def _check_customer(shop: Shop, fields: dict, number: int | None = None):
    email = (fields.get("email") or "").strip()
    if email and not EMAIL.match(email):
        raise user_error(["email"], "Email is invalid", "INVALID")
    if email:
        for other in shop.data["customers"].values():
            if (other.get("email") or "").lower() == email.lower() and (
                records.number_of(other["id"]) != number
            ):
                raise user_error(["email"], "Email has already been taken", "TAKEN")
    phone = fields.get("phone")
    if phone and not re.fullmatch(r"\+?[\d\s().-]{6,20}", phone):
        raise user_error(["phone"], "Phone is invalid", "INVALID")


def create_customer(emulator, shop: Shop, fields: dict, *, check_unique: bool = True) -> dict:
    fields = {key: value for key, value in fields.items() if value is not None}
    if not any(fields.get(key) for key in ("email", "phone", "firstName", "lastName")):
        raise user_error(None, "A name, phone number, or email address must be present", "BLANK")
    if check_unique:
        _check_customer(shop, fields)
    with shop.lock:
        number = shop.allocate(1 + len(fields.get("addresses") or []))
        record = records.customer(number, fields, records.now(), number + 1)
        shop.store("customers", record)
    emit(emulator, shop, "customers/create", record)
    return record


CUSTOMER_FIELDS = ("firstName", "lastName", "email", "phone", "note", "tags", "taxExempt")


def update_customer(emulator, shop: Shop, number: int, fields: dict) -> dict:
    with shop.lock:
        current = _require(shop, "customers", number)
        _check_customer(shop, fields, number)
        changes = {key: fields[key] for key in CUSTOMER_FIELDS if key in fields}
        if "email" in changes:
            changes["email"] = (changes["email"] or "").strip() or None
            changes["verifiedEmail"] = bool(changes["email"])
        if "tags" in changes:
            changes["tags"] = sorted(set(changes["tags"] or []))
        moment = records.now()
        consent_changed = False
        for key in ("emailMarketingConsent", "smsMarketingConsent"):
            if fields.get(key):
                state = fields[key]["marketingState"]
                consent_changed = (
                    consent_changed or (current.get(key) or {}).get("marketingState") != state
                )
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
    emit(emulator, shop, "customers/update", record)
    if consent_changed:
        emit(emulator, shop, "customers_email_marketing_consent/update", record)
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
            changes["tags"] = sorted(set(changes["tags"] or []))
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


def _merged_variants(shop: Shop, product: dict, inputs: list[dict], moment: str) -> list[dict]:
    existing = {variant["id"]: variant for variant in product["variants"]}
    product_number = records.number_of(product["id"])
    result = []
    for index, raw in enumerate(inputs):
        fields = _variant_fields(raw)
        if "price" in fields:
            _price(fields["price"], ["variants", str(index), "price"])
        variant_id = fields.get("id")
        if (
            variant_id
            and variant_id not in existing
            and records.gid("ProductVariant", records.number_of(variant_id) or 0) not in existing
        ):
            raise user_error(["variants", str(index), "id"], "Variant does not exist", "NOT_FOUND")
        if variant_id:
            key = records.gid("ProductVariant", records.number_of(variant_id))
            current = existing[key]
            changes = {}
            for name in ("title", "sku", "barcode", "selectedOptions"):
                if name in fields:
                    changes[name] = fields[name]
            if "price" in fields:
                changes["price"] = str(Decimal(str(fields["price"])).quantize(Decimal("0.01")))
            result.append(records.replace(current, **changes, updatedAt=moment))
        else:
            number = shop.allocate()
            result.append(
                records.product_variant(
                    number, product_number, fields, len(product["variants"]) + index + 1, moment
                )
            )
    return result


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


def delete_product(emulator, shop: Shop, number: int) -> dict:
    with shop.lock:
        record = _require(shop, "products", number)
        shop.remove("products", number)
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


def _update_order(emulator, shop: Shop, number: int, change, topics: list[str]) -> dict:
    with shop.lock:
        current = _require(shop, "orders", number)
        moment = records.now()
        record = records.replace(current, **change(current, moment), updatedAt=moment)
        shop.store("orders", record)
    for topic in topics:
        emit(emulator, shop, topic, record)
    emit(emulator, shop, "orders/updated", record)
    return record


def _bag(order: dict, amount: Decimal) -> dict:
    return records.money_bag(amount, order["currencyCode"], order["presentmentCurrencyCode"])


def pay_order(emulator, shop: Shop, number: int) -> dict:
    order = _require(shop, "orders", number)
    if order["displayFinancialStatus"] not in {"PENDING", "AUTHORIZED", "PARTIALLY_PAID"}:
        raise user_error(["id"], f"Order is already {order['displayFinancialStatus'].lower()}")
    if order["cancelledAt"]:
        raise user_error(["id"], "Order is cancelled")

    def change(order, moment):
        total = records.amount_of(order["totalPriceSet"])
        return {
            "displayFinancialStatus": "PAID",
            "fullyPaid": True,
            "unpaid": False,
            "totalReceivedSet": _bag(order, total),
            "totalOutstandingSet": _bag(order, Decimal("0")),
        }

    return _update_order(emulator, shop, number, change, ["orders/paid"])


def fulfill_order(emulator, shop: Shop, number: int, fields: dict | None = None) -> dict:
    """Fulfil all unfulfilled lines, or {"lineItems": [{"id", "quantity"}]} of them."""
    order = _require(shop, "orders", number)
    if order["cancelledAt"]:
        raise user_error(["id"], "Order is cancelled")
    requested = {
        records.number_of(line["id"]): int(line.get("quantity", 0))
        for line in (fields or {}).get("lineItems", [])
    }
    lines, fulfilled_quantity = [], 0
    for line in order["lineItems"]:
        wanted = line["unfulfilledQuantity"]
        if requested:
            wanted = min(wanted, requested.get(records.number_of(line["id"]), 0))
        fulfilled_quantity += wanted
        lines.append(
            records.replace(line, unfulfilledQuantity=line["unfulfilledQuantity"] - wanted)
        )
    if fulfilled_quantity == 0:
        raise user_error(["lineItems"], "Nothing left to fulfill")
    is_complete = all(line["unfulfilledQuantity"] == 0 for line in lines)

    def change(order, moment):
        fulfillment = records.fulfillment(shop.allocate(), order, fulfilled_quantity, moment)
        return {
            "lineItems": lines,
            "fulfillments": order["fulfillments"] + [fulfillment],
            "displayFulfillmentStatus": "FULFILLED" if is_complete else "PARTIALLY_FULFILLED",
        }

    topic = "orders/fulfilled" if is_complete else "orders/partially_fulfilled"
    return _update_order(emulator, shop, number, change, [topic])


def deliver_order(emulator, shop: Shop, number: int) -> dict:
    order = _require(shop, "orders", number)
    if not order["fulfillments"]:
        raise user_error(["id"], "Order has no fulfillments to deliver")

    def change(order, moment):
        return {
            "fulfillments": [
                records.deliver(fulfillment, moment) for fulfillment in order["fulfillments"]
            ]
        }

    return _update_order(emulator, shop, number, change, [])


def cancel_order(emulator, shop: Shop, number: int, fields: dict | None = None) -> dict:
    """Cancel; {"refund": true} refunds what was paid, {"reason": "CUSTOMER"} says why."""
    fields = fields or {}
    order = _require(shop, "orders", number)
    if order["cancelledAt"]:
        raise user_error(["id"], "Order has already been cancelled")
    reason = fields.get("reason", "CUSTOMER")
    if fields.get("refund") and order["displayFinancialStatus"] in {"PAID", "PARTIALLY_REFUNDED"}:
        order = refund_order(emulator, shop, number, {})

    def change(order, moment):
        status = order["displayFinancialStatus"]
        if status in {"PENDING", "AUTHORIZED"}:
            status = "VOIDED"
        return {
            "cancelledAt": moment,
            "cancelReason": reason,
            "closedAt": moment,
            "closed": True,
            "displayFinancialStatus": status,
        }

    return _update_order(emulator, shop, number, change, ["orders/cancelled"])


def refund_order(emulator, shop: Shop, number: int, fields: dict | None = None) -> dict:
    """Refund {"amount": "10.00"}, or what remains when no amount is given."""
    order = _require(shop, "orders", number)
    if order["displayFinancialStatus"] not in {"PAID", "PARTIALLY_REFUNDED", "PARTIALLY_PAID"}:
        raise user_error(["id"], "Only a paid order can be refunded")
    total = records.amount_of(order["totalPriceSet"])
    # Only money received can go back: all of it for a paid order, the deposit otherwise.
    received = records.amount_of(order["totalReceivedSet"])
    refunded = records.amount_of(order["totalRefundedSet"])
    amount = _price((fields or {}).get("amount", received - refunded), ["amount"])
    if amount <= 0 or refunded + amount > received:
        raise user_error(["amount"], "Refund amount exceeds what can be refunded")

    def change(order, moment):
        refund = records.refund(shop.allocate(), order, amount, moment, (fields or {}).get("note"))
        now_refunded = refunded + amount
        return {
            "refunds": order["refunds"] + [refund],
            "totalRefundedSet": _bag(order, now_refunded),
            "displayFinancialStatus": "REFUNDED" if now_refunded >= total else "PARTIALLY_REFUNDED",
        }

    record = _update_order(emulator, shop, number, change, [])
    emit(emulator, shop, "refunds/create", record)
    return record


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

            def bag(amount):
                return records.money_bag(amount, shop.currency, current["_presentmentCurrency"])

            changes.update(
                lineItems=[
                    records.checkout_line_item(first + index, line)
                    for index, line in enumerate(order_lines)
                ],
                _orderLines=order_lines,
                subtotalPriceSet=bag(amounts["subtotal"]),
                totalDiscountSet=bag(amounts["discounts"]),
                totalLineItemsPriceSet=bag(amounts["subtotal"] + amounts["discounts"]),
                totalTaxSet=bag(amounts["tax"]),
                totalPriceSet=bag(amounts["total"]),
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
    locations [CompanyLocationInput]; the first contact becomes the main contact."""
    if not (fields.get("name") or "").strip():
        raise user_error(["input", "company", "name"], "Name can't be blank", "BLANK")
    moment = records.now()
    with shop.lock:
        number = shop.allocate()
        record = records.company(number, fields, moment)
        record["contacts"] = [
            _company_contact(emulator, shop, number, c, moment) for c in contacts or []
        ]
        record["locations"] = [
            records.company_location(
                shop.allocate(3), number, location, record["name"], shop.currency, moment
            )
            for location in locations or []
        ]
        if record["contacts"]:
            record["_mainContactId"] = record["contacts"][0]["id"]
        shop.store("companies", record)
    emit(emulator, shop, "companies/create", record)
    for contact in record["contacts"]:
        emit(emulator, shop, "company_contacts/create", contact)
    for location in record["locations"]:
        emit(emulator, shop, "company_locations/create", location)
    return record


def _company_contact(emulator, shop: Shop, company_number: int, fields: dict, moment: str):
    customer_number = records.number_of(fields["customerId"]) if fields.get("customerId") else None
    if customer_number is None:
        customer = create_customer(
            emulator,
            shop,
            {key: fields.get(key) for key in ("email", "firstName", "lastName", "phone", "locale")},
        )
        customer_number = records.number_of(customer["id"])
    elif shop.get("customers", customer_number) is None:
        raise user_error(["customerId"], "Customer does not exist", "NOT_FOUND")
    return records.company_contact(shop.allocate(), company_number, customer_number, fields, moment)


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
        contact = _company_contact(emulator, shop, number, fields, moment)
        record = records.replace(
            current,
            contacts=current["contacts"] + [contact],
            _mainContactId=current["_mainContactId"] or contact["id"],
            updatedAt=moment,
        )
        shop.store("companies", record)
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
    """The merchant removes the app: its tokens stop working and its subscriptions go, after
    Shopify sends app/uninstalled to them."""
    emit(emulator, shop, "app/uninstalled", shop.shop_record(), client_id=client_id)
    with shop.lock:
        for token, grant in list(shop.grants.items()):
            if grant.client_id == client_id:
                del shop.grants[token]
        for number, subscription in list(shop.webhook_subscriptions.items()):
            if subscription["_clientId"] == client_id:
                del shop.webhook_subscriptions[number]


def redact_customer(emulator, shop: Shop, number: int):
    customer = _require(shop, "customers", number)
    emit(emulator, shop, "customers/redact", customer, compliance=True)
    return customer


def redact_shop(emulator, shop: Shop):
    emit(emulator, shop, "shop/redact", shop.shop_record(), compliance=True)
