"""A signed body bound to the unsigned headers it came with. Shopify signs the body with the
app's secret, the same for every store, so a body captured from one store verifies under any
shop header and any topic: resent as `shop/redact` with another shop's domain it would erase
that store. So a body must say the same as its headers: the same shop where it names one (the
compliance topics and the app's removal do), and the same kind of record as the topic (a
record's `admin_graphql_api_id`). What would destroy data is also confirmed with Shopify before
it is done (`deliveries`): the app's removal, and a shop's erasure, only once the app is gone.
https://shopify.dev/docs/apps/build/webhooks/verify-deliveries (the body is what is signed)
"""

from __future__ import annotations

from integration import ids
from integration.models import Store

# Where each topic's body names its shop. app/uninstalled carries the shop itself.
SHOP_KEYS = {
    "shop/redact": "shop_domain",
    "customers/redact": "shop_domain",
    "customers/data_request": "shop_domain",
    "app/uninstalled": "myshopify_domain",
}
# The kind of record each topic's body is, by the topic's first part.
RECORD_KINDS = {
    "orders": "Order",
    "customers": "Customer",
    "products": "Product",
    "companies": "Company",
    "company_contacts": "CompanyContact",
    "company_locations": "CompanyLocation",
    "fulfillments": "Fulfillment",
    "refunds": "Refund",
    "bulk_operations": "BulkOperation",
}


def refusal(store: Store, topic: str, body: dict) -> str:
    """Why this body cannot be what its headers say it is ("" when it can)."""
    key = SHOP_KEYS.get(topic)
    if key is not None:
        named = body.get(key)
        if not isinstance(named, str) or named.lower() != store.shop_domain:
            return f"The body names another shop than the {store.shop_domain} of its headers"
    kind = RECORD_KINDS.get(topic.split("/", 1)[0])
    gid = body.get("admin_graphql_api_id")
    if kind is not None and gid is not None and ids.kind(gid) != kind:
        return f"The body is not a {kind}, as the topic {topic} says"
    return ""
