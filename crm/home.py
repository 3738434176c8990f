"""What the staff home (/crm/) shows besides the CRM's own records. The CRM knows neither
Shopify nor the dashboards: each app that has something for staff registers a function that,
given the request, returns its sections, as it does for links (crm.links) and stores
(crm.sources).

A section is a dict: "title", "links" (a list of dicts with "label", "url", and optionally
"note" and "alert": a problem worth a look), and optionally "order" (lower first)."""

from collections.abc import Callable

_providers: list[Callable] = []


def register(provider: Callable) -> None:
    if provider not in _providers:
        _providers.append(provider)


def sections(request) -> list[dict]:
    found = [section for provider in _providers for section in (provider(request) or [])]
    return sorted(found, key=lambda section: section.get("order", 100))
