"""The object pairs, one adapter each, registered in the order the screens list them. A new
pair is a new adapter module and one line here."""

from django.conf import settings

from sync import registry
from sync.adapters.carts import CartAdapter
from sync.adapters.companies import CompanyAdapter
from sync.adapters.contacts import ContactAdapter
from sync.adapters.orders import OrderAdapter
from sync.adapters.products import ProductAdapter

ADAPTERS = registry.register(
    ContactAdapter(),
    CompanyAdapter(),
    ProductAdapter(),
    OrderAdapter(),
    CartAdapter(),
)

# What the sync itself listens to, beside its pairs' topics: a bulk export that finished, the
# app's removal from the store, and a change of the scopes the store granted.
OWN_TOPICS = ("bulk_operations/finish", "app/uninstalled", "app/scopes_update")


def topics(store=None) -> list[str]:
    """Every webhook topic a store subscribes to, as deliveries name them: its pairs' (those
    Shopify serves on the store's plan, when a store is given) and the sync's own."""
    found = [
        topic
        for adapter in ADAPTERS.values()
        for topic in (adapter.topics if store is None else adapter.store_topics(store))
    ]
    return list(dict.fromkeys([*found, *OWN_TOPICS]))


def scopes() -> list[str]:
    """The access scopes the app asks a store for: SHOPIFY_SCOPES when set, else every scope
    its pairs can use, less those Shopify must approve that SHOPIFY_APPROVED_SCOPES does not
    list (asking for one would end the install on Shopify's error page)."""
    if settings.SHOPIFY_SCOPES:
        return list(settings.SHOPIFY_SCOPES)
    approved = set(settings.SHOPIFY_APPROVED_SCOPES)
    gated = {scope for adapter in ADAPTERS.values() for scope in adapter.approval_scopes}
    wanted = (scope for adapter in ADAPTERS.values() for scope in adapter.scopes)
    return list(dict.fromkeys(s for s in wanted if s not in gated or s in approved))


def for_topic(topic: str) -> list:
    """The pairs whose records a webhook of `topic` names."""
    return [adapter for adapter in ADAPTERS.values() if topic in adapter.topics]


def for_model(model):
    """The pair whose CRM records are `model` rows, or None."""
    return next((a for a in ADAPTERS.values() if a.model is model), None)
