from django.contrib import admin

from sync.models import WebhookDelivery


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
