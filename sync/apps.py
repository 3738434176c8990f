from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "sync"
    verbose_name = "Data sync"

    def ready(self):
        from sync import lookups  # noqa: F401 (registers `__any`)
