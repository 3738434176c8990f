"""The object pairs, one adapter each, registered in the order the screens list them. A new
pair is a new adapter module and one line here."""

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

# What the sync itself listens to, beside its pairs' topics: a bulk export that finished, and
# the app's removal from the store.
OWN_TOPICS = ("bulk_operations/finish", "app/uninstalled")


def topics() -> list[str]:
    """Every webhook topic a connected store subscribes to, as deliveries name them."""
    found = [topic for adapter in ADAPTERS.values() for topic in adapter.topics]
    return list(dict.fromkeys([*found, *OWN_TOPICS]))


def scopes() -> list[str]:
    """Every access scope the app asks a store for."""
    return list(dict.fromkeys(scope for a in ADAPTERS.values() for scope in a.scopes))


def for_topic(topic: str) -> list:
    """The pairs whose records a webhook of `topic` names."""
    return [adapter for adapter in ADAPTERS.values() if topic in adapter.topics]


def for_model(model):
    """The pair whose CRM records are `model` rows, or None."""
    return next((a for a in ADAPTERS.values() if a.model is model), None)
