from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "sync"
    verbose_name = "Data sync"

    def ready(self):
        from sync import lookups, signals  # noqa: F401 (lookups registers `__any`)

        signals.connect()
        from crm import links as crm_links
        from sync.links import shopify_links

        crm_links.register(shopify_links)
        from crm import sources as crm_sources
        from sync import health

        crm_sources.register(health.stores)
        from crm import home as crm_home
        from sync import home

        crm_home.register(home.sections)
        from crm import phones as crm_phones

        crm_phones.register(phone_region)


def phone_region(record) -> str:
    """The country whose phone numbers a person may type for `record` without the country code
    (crm.phones): its store's (the first store it was synced with that Shopify told its
    country), else the one country of the connected stores; "" when that says nothing."""
    from integration.models import Store
    from sync.adapters import for_model
    from sync.models import RecordMapping

    adapter = for_model(type(record)) if record is not None else None
    if adapter is not None and record.pk is not None:
        country = (
            RecordMapping.objects.filter(object_type=adapter.object_type, crm_id=record.pk)
            .exclude(store__country="")
            .order_by("pk")
            .values_list("store__country", flat=True)
            .first()
        )
        if country:
            return country
    countries = set(Store.objects.connected().exclude(country="").values_list("country", flat=True))
    return countries.pop() if len(countries) == 1 else ""
