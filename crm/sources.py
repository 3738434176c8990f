"""The stores the CRM's orders and carts come from (their `source_store`), with the health of
their syncs, for whoever shows them (the API). The CRM knows no Shopify: the app that syncs
registers a function that describes them, as it does for links."""

from collections.abc import Callable

_providers: list[Callable[[], list[dict]]] = []


def register(provider: Callable[[], list[dict]]) -> None:
    if provider not in _providers:
        _providers.append(provider)


def stores() -> list[dict]:
    """Each store as a dict with at least "shop" (its domain), ordered by it."""
    found = [store for provider in _providers for store in provider()]
    return sorted(found, key=lambda store: store["shop"])
