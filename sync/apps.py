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
