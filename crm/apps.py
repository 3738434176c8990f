from django.apps import AppConfig
from django.core import checks


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "CRM"

    def ready(self):
        from crm import phones

        checks.register(phones.check_default_region)
