from django.contrib import admin

from integration.admin import StoreAdmin
from integration.models import Store
from sync import services
from sync.models import SyncSetting, WebhookDelivery


class SyncedStoreAdmin(StoreAdmin):
    """The Shopify page, with what each store syncs; disconnecting also stops its syncs."""

    list_display = [*StoreAdmin.list_display, "syncs"]

    @admin.display(description="what syncs")
    def syncs(self, store):
        enabled = [
            setting.get_object_type_display()
            for setting in store.sync_settings.all()
            if setting.enabled
        ]
        return ", ".join(enabled) or "—"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("sync_settings")

    def disconnect(self, store):
        services.disconnect_store(store=store)


admin.site.unregister(Store)
admin.site.register(Store, SyncedStoreAdmin)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """A log: read-only, cheap to list."""

    list_display = ["topic", "store", "state", "received_at", "processed_at", "webhook_id"]
    list_filter = ["state", "topic", "store"]
    list_select_related = ["store"]
    search_fields = ["webhook_id", "event_id", "topic"]
    date_hierarchy = "received_at"
    show_full_result_count = False
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SyncSetting)
class SyncSettingAdmin(admin.ModelAdmin):
    list_display = ["store", "object_type", "enabled", "state", "watermark", "last_reconciled_at"]
    list_filter = ["store", "object_type", "state"]
    list_select_related = ["store"]
