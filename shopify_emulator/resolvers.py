"""Resolvers attached to Shopify's schema: root fields, mutations, and the few fields that are
computed or follow a link. Everything else resolves from the record dicts by name
(`default_resolver`), and a field the emulator has no data for answers null, or its type's empty
value when the schema forbids null — never a made-up value.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from graphql import (
    GraphQLError,
    GraphQLObjectType,
    get_named_type,
)

from shopify_emulator import (
    actions,
    connections,
    events,
    protected,
    records,
    transitions,
    webhooks,
)
from shopify_emulator.cost import is_connection
from shopify_emulator.empty import empty_value
from shopify_emulator.scopes import (
    READ_SCOPES,
    granted_scopes,
    orders_visible,
    require,
    require_plus,
)


@dataclass
class Context:
    emulator: object
    shop: object
    grant: object
    bulk: bool = False
    # While a bulk operation runs: the root records of the current window.
    bulk_window: list[dict] | None = None
    warnings: list[str] = field(default_factory=list)
    # Protected customer data refused on the way (protected.py), reported beside the data.
    denials: list = field(default_factory=list)
    _protected: tuple | None = None

    def protected_access(self) -> tuple[int, frozenset]:
        """(level, approved fields) of the token's app for protected customer data."""
        if self._protected is None:
            self._protected = protected.access_of(self.emulator, self.grant.client_id)
        return self._protected


# Fields ----------------------------------------------------------------------------------

_MISSING = object()


def default_resolver(source, info, **args):
    value = source.get(info.field_name, _MISSING) if isinstance(source, dict) else _MISSING
    if is_connection(info.return_type):
        items = value if isinstance(value, list) else []
        return connections.list_connection(items, args, bulk=info.context.bulk)
    if value is _MISSING:
        return empty_value(info.return_type)
    if isinstance(value, list) and "first" in args and args["first"] is not None:
        return value[: args["first"]]  # plain list fields with `first`, e.g. Order.fulfillments
    return value


def _shop(info):
    return info.context.shop


def _linked(resource, key):
    def resolve(record, info, **args):
        return _shop(info).get(resource, record.get(key))

    return resolve


def _variant(record, info, **args):
    return _shop(info).variant(record.get("_variantId"))[1]


def _customer_orders(shop, customer):
    numbers = sorted(shop.customer_orders.get(records.number_of(customer["id"]), ()))
    return [shop.get("orders", number) for number in numbers if shop.get("orders", number)]


def _visible_orders(customer, info):
    """The customer's orders as the token may see them: `read_orders`, and the last 60 days
    only without `read_all_orders`."""
    require(info, "read_orders")
    visible = orders_visible(info.context.grant)
    orders = _customer_orders(_shop(info), customer)
    return [order for order in orders if visible is None or visible(order)]


def _amount_spent(customer, info):
    shop = _shop(info)
    total = sum(
        (
            records.amount_of(order["totalPriceSet"]) - records.amount_of(order["totalRefundedSet"])
            for order in _customer_orders(shop, customer)
            if not order["cancelledAt"]
        ),
        records.Decimal("0"),
    )
    return records.money(total, shop.currency)


def _email_address(customer, info):
    if not customer.get("email"):
        return None
    consent = customer.get("emailMarketingConsent") or {}
    return {
        "emailAddress": customer["email"],
        "marketingState": consent.get("marketingState", "NOT_SUBSCRIBED"),
        "marketingOptInLevel": consent.get("marketingOptInLevel"),
        "marketingUpdatedAt": consent.get("consentUpdatedAt"),
        "validFormat": True,
        "openTrackingLevel": "UNKNOWN",
    }


def _phone_number(customer, info):
    if not customer.get("phone"):
        return None
    consent = customer.get("smsMarketingConsent") or {}
    return {
        "phoneNumber": customer["phone"],
        "marketingState": consent.get("marketingState", "NOT_SUBSCRIBED"),
        "marketingOptInLevel": consent.get("marketingOptInLevel"),
        "marketingUpdatedAt": consent.get("consentUpdatedAt"),
    }


def _display_name(customer, info):
    name = " ".join(part for part in (customer.get("firstName"), customer.get("lastName")) if part)
    return name or customer.get("email") or customer.get("phone") or ""


def _description(product, info, truncateAt=None):
    text = re.sub(r"<[^>]+>", "", product.get("descriptionHtml") or "").strip()
    return text[:truncateAt] if truncateAt else text


def _price_range(product, info):
    shop = _shop(info)
    prices = [records.Decimal(variant["price"]) for variant in product["variants"]] or [0]
    return {
        "minVariantPrice": records.money(min(prices), shop.currency),
        "maxVariantPrice": records.money(max(prices), shop.currency),
    }


def _count(items):
    return {"count": len(items), "precision": "EXACT"}


def _company_of(record, info):
    return _shop(info).get("companies", record.get("_companyId"))


FIELD_RESOLVERS = {
    "Customer": {
        "displayName": _display_name,
        "defaultEmailAddress": _email_address,
        "defaultPhoneNumber": _phone_number,
        "numberOfOrders": lambda c, info: str(len(_customer_orders(_shop(info), c))),
        "amountSpent": _amount_spent,
        "orders": lambda c, info, **args: connections.list_connection(
            _visible_orders(c, info), args, bulk=info.context.bulk
        ),
        "lastOrder": lambda c, info: (_visible_orders(c, info) or [None])[-1],
        "addresses": lambda c, info, first=None: (
            c["addressesV2"][:first] if first else c["addressesV2"]
        ),
        "canDelete": lambda c, info: not _customer_orders(_shop(info), c),
    },
    "Product": {
        "description": _description,
        "priceRangeV2": _price_range,
        "totalVariants": lambda p, info: len(p["variants"]),
        "variantsCount": lambda p, info: _count(p["variants"]),
        "hasOnlyDefaultVariant": lambda p, info: (
            len(p["variants"]) == 1 and p["variants"][0]["title"] == "Default Title"
        ),
        "onlineStoreUrl": lambda p, info: None,
        "totalInventory": lambda p, info: sum(v["inventoryQuantity"] for v in p["variants"]),
        "tracksInventory": lambda p, info: True,
        "options": lambda p, info, first=None: p["options"][:first] if first else p["options"],
    },
    "ProductOption": {
        "optionValues": lambda option, info: [
            {"id": f"{option['id']}/{index}", "name": value, "hasVariants": True}
            for index, value in enumerate(option["values"])
        ],
    },
    "ProductVariant": {
        "product": _linked("products", "_productId"),
        "inventoryItem": lambda v, info: {
            "__typename": "InventoryItem",
            "id": records.gid("InventoryItem", records.number_of(v["id"])),
            "sku": v["sku"],
            "tracked": True,
            "requiresShipping": True,
        },
        "displayName": lambda v, info: (
            f"{_shop(info).get('products', v['_productId'])['title']} - {v['title']}"
        ),
    },
    "Order": {
        "customer": _linked("customers", "_customerId"),
        "fulfillmentsCount": lambda o, info: _count(o["fulfillments"]),
        "currentSubtotalLineItemsQuantity": lambda o, info: sum(
            line["currentQuantity"] for line in o["lineItems"]
        ),
        "netPaymentSet": lambda o, info: records.money_bag(
            transitions.refundable(o), o["currencyCode"], o["presentmentCurrencyCode"]
        ),
        "fulfillable": lambda o, info: (
            not o["cancelledAt"] and any(line["unfulfilledQuantity"] for line in o["lineItems"])
        ),
        "canMarkAsPaid": lambda o, info: (
            not o["cancelledAt"] and o["displayFinancialStatus"] in transitions.PAYABLE
        ),
        "refundable": lambda o, info: transitions.refundable(o) > 0,
    },
    "LineItem": {"product": _linked("products", "_productId"), "variant": _variant},
    "AbandonedCheckout": {
        "customer": _linked("customers", "_customerId"),
        "lineItemsQuantity": lambda c, info: sum(line["quantity"] for line in c["lineItems"]),
    },
    "AbandonedCheckoutLineItem": {
        "product": _linked("products", "_productId"),
        "variant": _variant,
    },
    "Company": {
        "mainContact": lambda c, info: next(
            (contact for contact in c["contacts"] if contact["id"] == c["_mainContactId"]), None
        ),
        "contactsCount": lambda c, info: _count(c["contacts"]),
        "contactCount": lambda c, info: len(c["contacts"]),
        "locationsCount": lambda c, info: _count(c["locations"]),
    },
    "CompanyContact": {
        "customer": _linked("customers", "_customerId"),
        "company": _company_of,
        "isMainContact": lambda contact, info: (
            (_company_of(contact, info) or {}).get("_mainContactId") == contact["id"]
        ),
    },
    "CompanyLocation": {"company": _company_of},
    "WebhookSubscription": {
        "callbackUrl": lambda s, info: s["uri"],
        "endpoint": lambda s, info: {"__typename": "WebhookHttpEndpoint", "callbackUrl": s["uri"]},
    },
}


# Root queries -------------------------------------------------------------------------------

KINDS = {
    "Customer": "customers",
    "Product": "products",
    "Order": "orders",
    "AbandonedCheckout": "checkouts",
    "Company": "companies",
}


def _list_resolver(resource):
    def resolve(root, info, **args):
        require(info, *READ_SCOPES[resource])
        if resource == "companies":
            require_plus(info)
        window = info.context.bulk_window
        if window is not None:
            keys = [(records.number_of(record["id"]),) for record in window]
            return connections.connection(window, keys, {}, bulk=True)
        visible = orders_visible(info.context.grant) if resource == "orders" else None
        return connections.resource_connection(
            _shop(info), resource, args, bulk=info.context.bulk, visible=visible, info=info
        )

    return resolve


def _one_resolver(resource, kind):
    def resolve(root, info, id):
        require(info, *READ_SCOPES[resource])
        if resource == "companies":
            require_plus(info)
        record = _shop(info).get(resource, connections.number_from_gid(id, kind))
        if record is not None and resource == "orders":
            visible = orders_visible(info.context.grant)
            if visible and not visible(record):
                return None
        return record

    return resolve


def _count_resolver(resource):
    """`customersCount`, `ordersCount`… answer what the resource's connection would list: the
    same scope, Plus and 60-day rules, and, for customer data, the same refusal at protected
    data level 0 (Shopify does not document counts apart; a count of customers is customer
    data as the list is)."""

    def resolve(root, info, **args):
        require(info, *READ_SCOPES[resource])
        if resource == "companies":
            require_plus(info)
        if resource in protected.PROTECTED_RESOURCES:
            protected.require_object(info, protected.PROTECTED_RESOURCES[resource])
        visible = orders_visible(info.context.grant) if resource == "orders" else None
        return connections.count(_shop(info), resource, args, visible=visible)

    return resolve


def _event_subjects(info) -> set[str]:
    """The subject types whose events the token may read (events.SUBJECT_SCOPES)."""
    granted = granted_scopes(info.context.grant)
    return {kind for kind, scope in events.SUBJECT_SCOPES.items() if scope in granted}


def _events(root, info, **args):
    return events.events(_shop(info), _event_subjects(info), args, info.context.warnings)


def _deletion_events(root, info, **args):
    subjects = _event_subjects(info)
    return events.deletion_events(_shop(info), subjects, args, info.context.warnings)


def find_node(info, value: str):
    """Any record the emulator holds, by GID (for node/nodes)."""
    parsed = records.parse_gid(value)
    if not parsed:
        raise GraphQLError(f"Invalid global id '{value}'")
    kind, number = parsed
    shop = _shop(info)
    if kind in KINDS:
        resource = KINDS[kind]
        require(info, *READ_SCOPES[resource])
        if resource == "companies":
            require_plus(info)
        if kind in protected.PROTECTED_OBJECTS:
            protected.require_object(info, kind)
        record = shop.get(resource, number)
        visible = orders_visible(info.context.grant) if resource == "orders" else None
        return record if record is None or visible is None or visible(record) else None
    if kind == "ProductVariant":
        require(info, "read_products")
        return shop.variant(number)[1]
    if kind in {"CompanyContact", "CompanyLocation"}:
        require(info, "read_companies", "read_customers")
        require_plus(info)
        key = "contacts" if kind == "CompanyContact" else "locations"
        for company in list(shop.data["companies"].values()):
            for item in company[key]:
                if item["id"] == value:
                    return item
        return None
    if kind == "BasicEvent":
        return events.find(shop, number, _event_subjects(info))
    if kind == "BulkOperation":
        return _own_bulk_operation(info, number)
    if kind == "WebhookSubscription":
        return _own_subscriptions(info).get(number)
    return None


def _nodes(root, info, ids):
    """Each id on its own: a protected object the app may not see is null with its own
    ACCESS_DENIED error (at its index), and the other nodes are still answered."""
    answer = []
    for index, value in enumerate(ids):
        try:
            answer.append(find_node(info, value))
        except GraphQLError as error:
            if (error.extensions or {}).get("documentation") != protected.DOCUMENTATION:
                raise
            info.context.denials.append(
                GraphQLError(
                    error.message,
                    nodes=info.field_nodes,
                    path=[*info.path.as_list(), index],
                    extensions=error.extensions,
                )
            )
            answer.append(None)
    return answer


def _current_app_installation(root, info):
    """The token's app as installed on the shop; `accessScopes` are the token's granted scopes
    (https://shopify.dev/docs/api/admin-graphql/latest/objects/AppInstallation)."""
    shop, grant = _shop(info), info.context.grant
    installation = shop.installations.get(grant.client_id) or {"id": 0}
    app = info.context.emulator.apps.get(grant.client_id)
    return {
        "__typename": "AppInstallation",
        "id": records.gid("AppInstallation", installation["id"]),
        "accessScopes": [{"__typename": "AccessScope", "handle": scope} for scope in grant.scopes],
        "launchUrl": (app.app_url if app and app.app_url else f"https://{shop.domain}/admin"),
        "app": {
            "__typename": "App",
            "id": records.gid(
                "App", int(hashlib.sha256(grant.client_id.encode()).hexdigest()[:10], 16)
            ),
            "apiKey": grant.client_id,
            "title": grant.client_id,
            "handle": grant.client_id,
        },
    }


def _own_subscriptions(info) -> dict[int, dict]:
    client_id = info.context.grant.client_id
    return {
        number: subscription
        for number, subscription in list(_shop(info).webhook_subscriptions.items())
        if subscription["_clientId"] == client_id
    }


def _own_bulk_operation(info, number):
    operation = _shop(info).bulk_operations.get(number)
    if operation and operation["_clientId"] == info.context.grant.client_id:
        return operation
    return None


def _webhook_subscriptions(root, info, **args):
    subscriptions = sorted(_own_subscriptions(info).items())
    topics = set(args.get("topics") or [])
    uri = args.get("uri") or args.get("callbackUrl")
    items = [
        subscription
        for _, subscription in subscriptions
        if (not topics or subscription["topic"] in topics)
        and (not uri or subscription["uri"] == uri)
    ]
    keys = [(records.number_of(item["id"]),) for item in items]
    return connections.connection(items, keys, args)


def _bulk_operations(root, info, **args):
    client_id = info.context.grant.client_id
    operations = [
        operation
        for _, operation in sorted(list(_shop(info).bulk_operations.items()))
        if operation["_clientId"] == client_id
    ]
    status = re.search(r"status:(\w+)", args.get("query") or "")
    if status:
        operations = [o for o in operations if o["status"].lower() == status.group(1).lower()]
    keys = [(records.number_of(operation["id"]),) for operation in operations]
    return connections.connection(operations, keys, args)


def _current_bulk_operation(root, info, type="QUERY"):
    operations = [
        operation
        for _, operation in sorted(list(_shop(info).bulk_operations.items()))
        if operation["_clientId"] == info.context.grant.client_id and operation["type"] == type
    ]
    return operations[-1] if operations else None


QUERY_RESOLVERS = {
    "shop": lambda root, info: _shop(info).shop_record(),
    "customers": _list_resolver("customers"),
    "customer": _one_resolver("customers", "Customer"),
    "customersCount": _count_resolver("customers"),
    "products": _list_resolver("products"),
    "product": _one_resolver("products", "Product"),
    "productsCount": _count_resolver("products"),
    "productVariant": lambda root, info, id: find_node(info, id),
    "orders": _list_resolver("orders"),
    "order": _one_resolver("orders", "Order"),
    "ordersCount": _count_resolver("orders"),
    "abandonedCheckouts": _list_resolver("checkouts"),
    "abandonedCheckoutsCount": _count_resolver("checkouts"),
    "companies": _list_resolver("companies"),
    "company": _one_resolver("companies", "Company"),
    "companiesCount": _count_resolver("companies"),
    "events": _events,
    "eventsCount": lambda root, info, **args: events.events_count(
        _shop(info), _event_subjects(info), args
    ),
    "event": lambda root, info, id: find_node(info, id),
    "deletionEvents": _deletion_events,
    "node": lambda root, info, id: find_node(info, id),
    "nodes": _nodes,
    "currentAppInstallation": _current_app_installation,
    "webhookSubscriptions": _webhook_subscriptions,
    "webhookSubscription": lambda root, info, id: _own_subscriptions(info).get(
        connections.number_from_gid(id, "WebhookSubscription")
    ),
    "bulkOperation": lambda root, info, id: _own_bulk_operation(
        info, connections.number_from_gid(id, "BulkOperation")
    ),
    "bulkOperations": _bulk_operations,
    "currentBulkOperation": _current_bulk_operation,
}


# Mutations ----------------------------------------------------------------------------------


def _user_errors(info, errors: list[dict]) -> list[dict]:
    """userErrors as the payload's error type allows (some types have no `code`, and a code
    must be one of that type's enum values)."""
    payload_type = get_named_type(info.return_type)
    error_type = get_named_type(payload_type.fields["userErrors"].type)
    code_field = (
        error_type.fields.get("code") if isinstance(error_type, GraphQLObjectType) else None
    )
    allowed = set(get_named_type(code_field.type).values) if code_field else set()
    result = []
    for error in errors:
        item = {"field": error.get("field"), "message": error["message"]}
        if code_field is not None:
            item["code"] = error.get("code") if error.get("code") in allowed else None
        result.append(item)
    return result


def mutation(scope: str | None, run, *, b2b: bool = False, protects: str | None = None):
    """Wrap an action: the scope check (webhook subscriptions and bulk operations need none;
    bulk queries are checked field by field when they run), the Shopify Plus check of B2B
    mutations, the protected-customer-data check of mutations on customers, then its result
    or userErrors."""

    def resolve(root, info, **args):
        if scope:
            require(info, scope)
        if b2b:
            require_plus(info)
        if protects:
            protected.require_object(info, protects)
        try:
            result = {**run(info, **args), "userErrors": []}
        except actions.UserErrors as error:
            result = {"userErrors": _user_errors(info, error.errors)}
        except actions.NotFound as error:
            result = {"userErrors": _user_errors(info, [{"field": ["id"], "message": str(error)}])}
        _log(info, bool(result["userErrors"]))
        return result

    return resolve


def _log(info, refused: bool):
    context = info.context
    context.shop.mutation_log.append(
        {
            "mutation": info.field_name,
            "client_id": context.grant.client_id if context.grant else None,
            "at": records.now(),
            "user_errors": refused,
        }
    )


def _number(value, kind):
    number = connections.number_from_gid(value or "", kind)
    if number is None:
        raise actions.NotFound(f"{kind} does not exist")
    return number


def _emulator(info):
    return info.context.emulator


def _customer_create(info, input):
    if input.get("id"):
        raise actions.user_error(["id"], "Id must not be set when creating a customer")
    return {"customer": actions.create_customer(_emulator(info), _shop(info), input)}


def _customer_update(info, input):
    # Since 2022-04 customerUpdate no longer changes consent: apps must use the dedicated
    # mutations, which record how and when consent was given.
    for key, mutation_name in (
        ("emailMarketingConsent", "customerEmailMarketingConsentUpdate"),
        ("smsMarketingConsent", "customerSmsMarketingConsentUpdate"),
    ):
        if input.get(key) is not None:
            raise actions.user_error(
                [key], f"To update {key}, please use the {mutation_name} Mutation instead."
            )
    number = _number(input.get("id"), "Customer")
    return {"customer": actions.update_customer(_emulator(info), _shop(info), number, input)}


def _consent_update(key):
    def run(info, input):
        number = _number(input["customerId"], "Customer")
        fields = {key: input[key]}
        return {"customer": actions.update_customer(_emulator(info), _shop(info), number, fields)}

    return run


def _customer_delete(info, input):
    record = actions.delete_customer(_emulator(info), _shop(info), _number(input["id"], "Customer"))
    return {"deletedCustomerId": record["id"], "shop": _shop(info).shop_record()}


def _product_input(product, input):
    return product if product is not None else (input or {})


def _product_create(info, product=None, input=None, media=None):
    fields = _product_input(product, input)
    variants = None
    if fields.get("productOptions"):
        options = [
            {"optionName": option["name"], "name": (option.get("values") or [{}])[0].get("name")}
            for option in fields["productOptions"]
        ]
        variants = [{"price": "0", "optionValues": options}]
    record = actions.create_product(_emulator(info), _shop(info), fields, variants)
    return {"product": record, "shop": _shop(info).shop_record()}


def _product_update(info, product=None, input=None, identifier=None, media=None):
    fields = _product_input(product, input)
    product_id = fields.get("id") or (identifier or {}).get("id")
    number = _number(product_id, "Product")
    record = actions.update_product(_emulator(info), _shop(info), number, fields)
    return {"product": record, "shop": _shop(info).shop_record()}


def _product_delete(info, input, synchronous=None):
    number = _number(input["id"], "Product")
    app = info.context.grant.client_id
    record = actions.delete_product(_emulator(info), _shop(info), number, app)
    return {"deletedProductId": record["id"], "shop": _shop(info).shop_record()}


def _variants_create(info, productId, variants, strategy=None, media=None):
    product, added = actions.create_variants(
        _emulator(info), _shop(info), _number(productId, "Product"), variants, strategy
    )
    return {"product": product, "productVariants": added}


def _variants_update(info, productId, variants, allowPartialUpdates=None, media=None):
    product, changed = actions.update_variants(
        _emulator(info), _shop(info), _number(productId, "Product"), variants
    )
    return {"product": product, "productVariants": changed}


def _company_create(info, input):
    contacts = [input["companyContact"]] if input.get("companyContact") else []
    locations = [input["companyLocation"]] if input.get("companyLocation") else []
    record = actions.create_company(
        _emulator(info), _shop(info), input["company"], contacts, locations
    )
    return {"company": record}


def _company_update(info, companyId, input):
    number = _number(companyId, "Company")
    return {"company": actions.update_company(_emulator(info), _shop(info), number, input)}


def _company_delete(info, id):
    record = actions.delete_company(_emulator(info), _shop(info), _number(id, "Company"))
    return {"deletedCompanyId": record["id"]}


def _company_contact_create(info, companyId, input):
    number = _number(companyId, "Company")
    contact = actions.add_company_contact(_emulator(info), _shop(info), number, input)
    return {"companyContact": contact}


def _company_location_create(info, companyId, input):
    number = _number(companyId, "Company")
    location = actions.add_company_location(_emulator(info), _shop(info), number, input)
    return {"companyLocation": location}


# tagsAdd and tagsRemove: the scope and protected object each kind of record needs.
TAGGABLE = {"Customer": "write_customers", "Product": "write_products", "Order": "write_orders"}


def _tags_mutation(add: bool):
    def run(info, id, tags):
        kind, number = records.parse_gid(id) or (None, None)
        record = actions.change_tags(_emulator(info), _shop(info), kind, number, tags, add=add)
        return {"node": record}

    wrapped = mutation(None, run)

    def resolve(root, info, id, tags):
        kind = (records.parse_gid(id) or (None,))[0]
        if kind in TAGGABLE:
            require(info, TAGGABLE[kind])
        if kind in protected.PROTECTED_OBJECTS:
            protected.require_object(info, kind)
        return wrapped(root, info, id=id, tags=tags)

    return resolve


def _webhook_create(info, topic, webhookSubscription):
    subscription = webhooks.subscribe(
        _shop(info), info.context.grant, topic, webhookSubscription, _emulator(info)
    )
    return {"webhookSubscription": subscription}


def _webhook_delete(info, id):
    number = _number(id, "WebhookSubscription")
    webhooks.unsubscribe(_shop(info), info.context.grant.client_id, number)
    return {"deletedWebhookSubscriptionId": id}


def _bulk_run(info, query, groupObjects=False):
    operation = _emulator(info).bulk.start(_shop(info), info.context.grant, query, groupObjects)
    return {"bulkOperation": operation}


def _bulk_cancel(info, id):
    operation = _emulator(info).bulk.cancel(
        _shop(info), info.context.grant, _number(id, "BulkOperation")
    )
    return {"bulkOperation": operation}


MUTATION_RESOLVERS = {
    "customerCreate": mutation("write_customers", _customer_create, protects="Customer"),
    "customerUpdate": mutation("write_customers", _customer_update, protects="Customer"),
    "customerDelete": mutation("write_customers", _customer_delete, protects="Customer"),
    "customerEmailMarketingConsentUpdate": mutation(
        "write_customers", _consent_update("emailMarketingConsent"), protects="Customer"
    ),
    "customerSmsMarketingConsentUpdate": mutation(
        "write_customers", _consent_update("smsMarketingConsent"), protects="Customer"
    ),
    "productCreate": mutation("write_products", _product_create),
    "productUpdate": mutation("write_products", _product_update),
    "productDelete": mutation("write_products", _product_delete),
    "productVariantsBulkCreate": mutation("write_products", _variants_create),
    "productVariantsBulkUpdate": mutation("write_products", _variants_update),
    "companyCreate": mutation("write_companies", _company_create, b2b=True),
    "companyUpdate": mutation("write_companies", _company_update, b2b=True),
    "companyDelete": mutation("write_companies", _company_delete, b2b=True),
    "companyContactCreate": mutation("write_companies", _company_contact_create, b2b=True),
    "companyLocationCreate": mutation("write_companies", _company_location_create, b2b=True),
    "tagsAdd": _tags_mutation(add=True),
    "tagsRemove": _tags_mutation(add=False),
    "webhookSubscriptionCreate": mutation(None, _webhook_create),
    "webhookSubscriptionDelete": mutation(None, _webhook_delete),
    "bulkOperationRunQuery": mutation(None, _bulk_run),
    "bulkOperationCancel": mutation(None, _bulk_cancel),
}


def install(schema):
    for type_name, fields in FIELD_RESOLVERS.items():
        graphql_type = schema.type_map[type_name]
        for field_name, resolve in fields.items():
            graphql_type.fields[field_name].resolve = resolve
    for field_name, resolve in QUERY_RESOLVERS.items():
        schema.query_type.fields[field_name].resolve = resolve
    for field_name, resolve in MUTATION_RESOLVERS.items():
        schema.mutation_type.fields[field_name].resolve = resolve
    protected.install(schema, default_resolver)
