from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = "E-commerce dashboards"

    def ready(self):
        from crm.signals import store_records_changed
        from dashboards.refresh import records_changed

        store_records_changed.connect(records_changed, dispatch_uid="dashboards-aggregates")
        from crm import home as crm_home
        from dashboards import home

        crm_home.register(home.sections)
