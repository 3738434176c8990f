"""Links from a CRM record to where it comes from ("Open in Shopify"). The CRM knows no
Shopify: the app that syncs records registers a function that gives (label, url) pairs for a
record, and the record pages show whatever comes back."""

from collections.abc import Callable

_providers: list[Callable] = []


def register(provider: Callable) -> None:
    if provider not in _providers:
        _providers.append(provider)


def for_record(record) -> list[tuple[str, str]]:
    return [link for provider in _providers for link in (provider(record) or [])]
