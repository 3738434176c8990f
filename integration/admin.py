from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from integration import services
from integration.models import Store, StoreStatus


def can_connect(user) -> bool:
    return user.is_active and (user.is_superuser or user.has_perm("integration.connect_store"))


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    """The "Shopify" page: connected stores, and the way to connect more (the app that uses
    the stores adds the connect page, knowing what to ask Shopify for)."""

    list_display = ["__str__", "shop_domain", "status_column", "connected_at", "connected_by"]
    list_filter = ["status"]
    list_select_related = ["connected_by"]
    search_fields = ["shop_domain", "name"]
    actions = ["disconnect_selected"]
    change_list_template = "admin/integration/store/change_list.html"
    change_form_template = "admin/integration/store/change_form.html"
    # The token is not a field of any form: it is never shown, not even encrypted.
    fields = [
        "name",
        "shop_domain",
        "status",
        "status_detail",
        "plan",
        "credentials",
        "access_token_expires_at",
        "refresh_token_expires_at",
        "granted_scopes",
        "currency",
        "timezone",
        "api_version",
        "connected_by",
        "connected_at",
        "disconnected_at",
    ]
    readonly_fields = [*fields, "problem"]

    @admin.display(description="Scopes granted")
    def granted_scopes(self, store):
        """One per word, so the line wraps (a `write_` scope includes its `read_`)."""
        if not store.scope_list:
            return "—"
        return format_html_join(" ", "<code>{}</code>", ((scope,) for scope in store.scope_list))

    @admin.display(description="status", ordering="status")
    def status_column(self, store):
        colour = {"connected": "#2e7d32", "error": "#c62828", "reconnect": "#c62828"}.get(
            store.status, "#666"
        )
        return format_html('<span style="color:{}">●</span> {}', colour, store.get_status_display())

    def has_add_permission(self, request):
        return False  # stores are added by connecting them

    def has_delete_permission(self, request, obj=None):
        return False  # disconnect instead: the synced data and its history stay

    def get_urls(self):
        urls = [
            path(
                "<int:store_id>/disconnect/",
                self.admin_site.admin_view(self.disconnect_view),
                name="integration_store_disconnect",
            ),
        ]
        return urls + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "title": "Shopify",
            "can_connect": can_connect(request.user),
            "has_stores": Store.objects.exists(),
        }
        return super().changelist_view(request, extra_context)

    def get_fields(self, request, obj=None):
        # "What is wrong" only where something is: a store in error or to be connected again.
        problem = obj is not None and obj.status in (StoreStatus.ERROR, StoreStatus.RECONNECT)
        return [
            ("problem" if problem else None) if name == "status_detail" else name
            for name in self.fields
            if name != "status_detail" or problem
        ]

    @admin.display(description="What is wrong")
    def problem(self, store):
        return store.status_detail or "Shopify did not say."

    def change_view(self, request, object_id, form_url="", extra_context=None):
        store = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            # Nothing on the page is a form to change: it is the store's page, by its domain.
            **({"title": f"Shopify store {store.shop_domain}"} if store else {}),
            "can_connect": can_connect(request.user),
            # Every field is read-only: a Save button would save nothing.
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not can_connect(request.user):
            actions.pop("disconnect_selected", None)
        return actions

    @admin.action(description="Disconnect selected stores")
    def disconnect_selected(self, request, queryset):
        if not can_connect(request.user):
            raise PermissionDenied
        live = [StoreStatus.CONNECTED, StoreStatus.ERROR, StoreStatus.RECONNECT]
        for store in queryset.filter(status__in=live):
            self.disconnect(store)
            self.message_user(request, f"{store} is disconnected; its synced data stays.")

    def disconnect(self, store):
        """Disconnect one store. (The sync app's admin extends this to stop its syncs.)"""
        services.disconnect_store(store=store)

    def disconnect_view(self, request, store_id):
        if not can_connect(request.user):
            raise PermissionDenied("Only administrators who may connect stores can do this.")
        store = get_object_or_404(Store, pk=store_id)
        if request.method == "POST":
            self.disconnect(store)
            messages.success(request, f"{store} is disconnected; its synced data stays.")
            return redirect(reverse("admin:integration_store_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Disconnect {store}?",
            "store": store,
            "opts": Store._meta,
        }
        return render(request, "admin/integration/store/disconnect.html", context)
