"""Protected customer data, as the Admin API enforces it for an app Shopify has not approved.

"APIs redact customer personal data by default" (changelog "Apps can now request access to
necessary protected data", 2022-10). An app's approval has levels
(https://shopify.dev/docs/apps/launch/protected-customer-data):

- level 0: no customer data. The objects that are customer data — Customer, Order,
  AbandonedCheckout — are refused wherever they appear: "This app is not approved to access the
  Customer object."
- level 1: customer data *excluding* the name, address, phone and email fields, which are
  refused one by one: "This app is not approved to use the email field."
- level 2: customer data including those of the four fields the app was approved for, each
  chosen separately.

Public apps start at level 0; custom-distribution apps and apps made for the merchant's own
store always have everything (state.App.protected_access).

A refusal is an `errors` entry with `extensions.code` ACCESS_DENIED and the field's `path`; the
rest of the response is answered (`data` stays). The refused field is null where the schema
allows null, and otherwise its type's emptiest value (a non-null object refused at level 0
nulls its parent, as GraphQL requires). Bulk operations leave refused fields null without
errors; a bulk query whose root objects are refused fails with ACCESS_DENIED (bulk.py).
"""

from __future__ import annotations

from graphql import GraphQLError, GraphQLNonNull, GraphQLObjectType, get_named_type

from shopify_emulator import connections
from shopify_emulator.cost import is_connection
from shopify_emulator.empty import empty_value

DOCUMENTATION = "https://shopify.dev/docs/apps/launch/protected-customer-data"
PROTECTED_OBJECTS = {"Customer", "Order", "AbandonedCheckout", "DraftOrder"}
# Root resources (bulk.py, resolvers.py) whose records are protected objects.
PROTECTED_RESOURCES = {"customers": "Customer", "orders": "Order", "checkouts": "AbandonedCheckout"}
# The level-2 fields, by the category an app is approved for. Any field of these types that
# answers a MailingAddress (or a list or connection of them) is an address as well.
PROTECTED_FIELDS = {
    "Customer": {
        "firstName": "name",
        "lastName": "name",
        "displayName": "name",
        "email": "email",
        "defaultEmailAddress": "email",
        "phone": "phone",
        "defaultPhoneNumber": "phone",
    },
    "Order": {"email": "email", "phone": "phone"},
    "AbandonedCheckout": {},
    "DraftOrder": {"email": "email", "phone": "phone"},
}
ADDRESS_TYPES = {"MailingAddress", "MailingAddressConnection"}
# Webhook topics whose bodies carry customer data need level 1 to be subscribed to.
PROTECTED_TOPIC_PREFIXES = (
    "CUSTOMERS_",
    "CUSTOMER_",
    "ORDERS_",
    "ORDER_TRANSACTIONS_",
    "CHECKOUTS_",
    "DRAFT_ORDERS_",
    "REFUNDS_",
    "FULFILLMENTS_",
    "FULFILLMENT_",
    "RETURNS_",
    "COMPANY_CONTACTS_",
    "COMPANY_CONTACT_ROLES_",
    "COMPANY_LOCATIONS_",
    "SUBSCRIPTION_CONTRACTS_",
)
TOPIC_REFUSAL = (
    "This app is not approved to subscribe to webhook topics containing protected customer "
    f"data. See {DOCUMENTATION} for more details."
)


def access_of(emulator, client_id: str) -> tuple[int, frozenset]:
    app = emulator.apps.get(client_id)
    return app.protected_access() if app else (0, frozenset())


def object_refusal(type_name: str) -> str:
    return (
        f"This app is not approved to access the {type_name} object. "
        f"See {DOCUMENTATION} for more details."
    )


def field_refusal(field_name: str) -> str:
    return (
        f"This app is not approved to use the {field_name} field. "
        f"See {DOCUMENTATION} for more details."
    )


def denied(message: str, info=None) -> GraphQLError:
    nodes = getattr(info, "field_nodes", None)
    path = info.path.as_list() if getattr(info, "path", None) else None
    return GraphQLError(
        message,
        nodes=nodes,
        path=path,
        extensions={"code": "ACCESS_DENIED", "documentation": DOCUMENTATION},
    )


def topic_allowed(emulator, client_id: str, topic: str) -> bool:
    if not topic.startswith(PROTECTED_TOPIC_PREFIXES):
        return True
    return access_of(emulator, client_id)[0] >= 1


def require_object(info, type_name: str):
    """Raise Shopify's refusal of a protected object for an app without level 1."""
    if info.context.protected_access()[0] < 1:
        raise denied(object_refusal(type_name), info)


def install(schema, fallback):
    """Wrap the resolver of every field that answers a protected object or is a protected
    field. `fallback` resolves fields that have no resolver of their own."""
    for type_name, graphql_type in schema.type_map.items():
        if type_name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType):
            continue  # object types only: interfaces' fields resolve on them
        own = PROTECTED_FIELDS.get(type_name)
        for field_name, definition in graphql_type.fields.items():
            named = get_named_type(definition.type).name
            base = named.removesuffix("Connection")
            if base in PROTECTED_OBJECTS and schema.type_map.get(base) is not None:
                definition.resolve = _object_guard(definition.resolve or fallback, base)
            elif own is not None and (field_name in own or named in ADDRESS_TYPES):
                category = own.get(field_name, "address")
                definition.resolve = _field_guard(definition.resolve or fallback, category)


def _object_guard(resolve, type_name: str):
    def guarded(source, info, **args):
        context = info.context
        if context.protected_access()[0] >= 1:
            return resolve(source, info, **args)
        return _refuse(info, object_refusal(type_name), nullable_only=True)

    guarded.protected = type_name
    return guarded


def _field_guard(resolve, category: str):
    def guarded(source, info, **args):
        level, fields = info.context.protected_access()
        if level >= 2 and category in fields:
            return resolve(source, info, **args)
        return _refuse(info, field_refusal(info.field_name), nullable_only=False)

    guarded.protected = category
    return guarded


def _refuse(info, message: str, *, nullable_only: bool):
    context = info.context
    non_null = isinstance(info.return_type, GraphQLNonNull)
    if context.bulk:
        if non_null and nullable_only:
            raise denied(message, info)
        return None if not non_null else _empty(info, empty_value)
    error = denied(message, info)
    if non_null and nullable_only:
        raise error
    context.denials.append(error)
    return None if not non_null else _empty(info, empty_value)


def _empty(info, empty_value):
    if is_connection(info.return_type):
        return connections.list_connection([], {}, bulk=info.context.bulk)
    return empty_value(info.return_type)
