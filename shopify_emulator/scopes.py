"""Access scopes, as Shopify documents them (https://shopify.dev/docs/api/usage/access-scopes):
which scopes a token's grant holds, which each resource needs to be read or its webhook topics
subscribed to, and the ACCESS_DENIED error when a token lacks them. Resolvers, bulk queries and
webhook subscriptions check against these same tables, so they cannot disagree."""

from __future__ import annotations

import datetime

from graphql import GraphQLError

from shopify_emulator import records

# What reading each resource needs; any one of the scopes will do.
READ_SCOPES = {
    "customers": ("read_customers",),
    "products": ("read_products",),
    "orders": ("read_orders",),
    "checkouts": ("read_checkouts", "read_orders"),
    "companies": ("read_companies", "read_customers"),
}
# A topic's resource needs its read scope to be subscribed to, as on Shopify.
TOPIC_SCOPES = {
    "CUSTOMERS": ("read_customers",),
    "CUSTOMER": ("read_customers",),  # CUSTOMER_TAGS_ADDED, CUSTOMER_TAGS_REMOVED
    "PRODUCTS": ("read_products",),
    "ORDERS": ("read_orders",),
    "REFUNDS": ("read_orders",),
    "FULFILLMENTS": ("read_fulfillments", "read_orders"),
    "CHECKOUTS": ("read_checkouts", "read_orders"),
    "COMPANIES": ("read_companies", "read_customers"),
    "COMPANY": ("read_companies", "read_customers"),
}


# B2B: "Only stores on the Shopify Plus plan can use apps with B2B features"
# (https://shopify.dev/docs/apps/build/b2b). Company queries, mutations, bulk exports and
# subscriptions to company topics are refused on other plans.
B2B_DOCUMENTATION = "https://shopify.dev/docs/apps/build/b2b"
B2B_TOPIC_PREFIXES = ("COMPANIES_", "COMPANY_")


def granted_scopes(grant) -> set[str]:
    """What a token may do; a write scope implies its read scope, as on Shopify."""
    scopes = set(grant.scopes)
    return scopes | {scope.replace("write_", "read_") for scope in scopes}


def require(info, *scopes: str):
    """Shopify's ACCESS_DENIED error unless the token holds one of `scopes`."""
    granted = granted_scopes(info.context.grant)
    if granted & set(scopes):
        return
    needed = f"`{scopes[0]}` access scope"
    raise GraphQLError(
        f"Access denied for {info.field_name} field. Required access: {needed}.",
        extensions={
            "code": "ACCESS_DENIED",
            "documentation": "https://shopify.dev/api/usage/access-scopes",
            "requiredAccess": f"{needed}.",
        },
    )


def plus_refusal(field_name: str) -> GraphQLError:
    return GraphQLError(
        f"Access denied for {field_name} field. Required access: a store on the Shopify Plus "
        "plan (B2B).",
        extensions={
            "code": "ACCESS_DENIED",
            "documentation": B2B_DOCUMENTATION,
            "requiredAccess": "Shopify Plus plan.",
        },
    )


def require_plus(info):
    """ACCESS_DENIED for B2B outside Shopify Plus."""
    if not info.context.shop.is_plus:
        raise plus_refusal(info.field_name)


def orders_visible(grant):
    """Without `read_all_orders`, Shopify shows only the last 60 days of orders."""
    if "read_all_orders" in grant.scopes:
        return None
    since = records.format_time(datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=60))
    return lambda order: order["processedAt"] >= since
