from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import escape, format_html

from crm import phones, properties, services, stage_editor, triggers
from crm.models import (
    Cart,
    CartLineItem,
    Company,
    Contact,
    FollowUpRule,
    Order,
    OrderLineItem,
    OrderStageChange,
    Pipeline,
    Product,
    ProductVariant,
    PropertyDefinition,
    PropertyObjectType,
    TriggerDelivery,
)
from crm.money import format_money
from crm.views.access import can_change_orders_and_carts


def money_column(field, currency_field, description):
    """A list column (a ModelAdmin method) showing `field` with its currency's decimals."""

    def column(model_admin, obj):
        return format_money(getattr(obj, field), getattr(obj, currency_field))

    column.short_description = description
    column.admin_order_field = field
    return column


class SourceStoreFilter(admin.SimpleListFilter):
    """Filter by store, listing the stores that have rows (a short list, read once)."""

    title = "store"
    parameter_name = "store"

    def lookups(self, request, model_admin):
        stores = model_admin.model.objects.order_by().values_list("source_store", flat=True)
        return [(store, store) for store in stores.distinct().order_by("source_store")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(source_store=self.value())
        return queryset


class PhoneCheckedForm(forms.ModelForm):
    """A contact's or company's form: the phone typed is checked and saved in E.164
    (crm.phones), and the field says where a number without its country code is taken to be.
    A stored number left as it is stays, even one Shopify would refuse: the field says what
    is wrong with it, and the rest of the record can still be changed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("phone")
        if field is not None:
            notes = [phones.help_text(self.instance), phones.problem_with_stored(self.instance)]
            # The admin shows help text as HTML: escaped, as it may quote what was stored.
            field.help_text = escape(" ".join(note for note in notes if note))

    def clean_phone(self):
        return phones.checked(self.cleaned_data.get("phone"), self.instance)


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    form = PhoneCheckedForm
    list_display = ["__str__", "domain", "phone", "city", "country_code", "updated_at"]
    list_filter = ["country_code"]
    search_fields = ["name", "domain"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "domain", "phone"]}),
        (
            "Address",
            {"fields": ["address1", "address2", "city", "province", "postal_code", "country_code"]},
        ),
        (None, {"fields": ["created_at", "updated_at"]}),
    ]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    """Contacts. Deleting one keeps its orders, which then belong to nobody
    (crm.services.delete_contacts)."""

    list_display = ["__str__", "email", "company", "phone", "email_marketing_consent", "updated_at"]
    list_filter = ["email_marketing_consent", "sms_marketing_consent", "country_code"]
    list_select_related = ["company"]
    search_fields = ["email", "first_name", "last_name", "phone", "company__name"]
    autocomplete_fields = ["company"]
    form = PhoneCheckedForm
    readonly_fields = ["created_at", "updated_at"]
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["email", "first_name", "last_name", "phone", "company"]}),
        (
            "Address",
            {"fields": ["address1", "address2", "city", "province", "postal_code", "country_code"]},
        ),
        ("Marketing", {"fields": ["email_marketing_consent", "sms_marketing_consent"]}),
        (None, {"fields": ["tags", "note", "created_at", "updated_at"]}),
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.contacts_saved([obj.pk])  # guest orders with its email become its own

    def delete_model(self, request, obj):
        services.delete_contacts([obj.pk])

    def delete_queryset(self, request, queryset):
        services.delete_contacts(list(queryset.values_list("pk", flat=True)))


class ProductVariantInline(admin.TabularInline):
    model = ProductVariant
    extra = 0
    fields = ["title", "sku", "price", "options", "position"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "sku", "price_column", "status", "vendor", "product_type", "updated_at"]
    list_filter = ["status", "product_type"]
    search_fields = ["name", "sku", "vendor", "variants__sku"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [ProductVariantInline]
    price_column = money_column("price", "currency", "price")


class ReadOnlyLineItemInline(admin.TabularInline):
    """Line items come from the store: shown, never edited here."""

    extra = 0
    can_delete = False
    fields = ["title", "variant_title", "sku", "quantity", "unit_price", "total", "product"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product")


class OrderLineItemInline(ReadOnlyLineItemInline):
    model = OrderLineItem


class OrderStageChangeInline(admin.TabularInline):
    """The order's moves between stages, newest first: made by the sync, shown here only."""

    model = OrderStageChange
    verbose_name = "stage change"
    verbose_name_plural = "stage history"
    extra = 0
    can_delete = False
    fields = ["changed_at", "from_stage_name", "to_stage_name", "order_status"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("from_stage", "to_stage")

    @admin.display(description="from")
    def from_stage_name(self, change):
        return _stage_name(change.from_name, change.from_former_name)

    @admin.display(description="to")
    def to_stage_name(self, change):
        return _stage_name(change.to_name, change.to_former_name)

    def has_add_permission(self, request, obj=None):
        return False


def _stage_name(name: str, former: str):
    """A stage by its name now, with what it was called at the time when it was renamed."""
    if former:
        return format_html("{} <small>(then “{}”)</small>", name, former)
    return name or "—"


class StoreRecordAdmin(admin.ModelAdmin):
    """Orders and carts come from the stores: every staff user may look; only superadmins may
    change their custom properties (their one CRM-side field) or delete them; nobody adds one
    or edits what the store owns."""

    def get_readonly_fields(self, request, obj=None):
        owned = [
            f.name for f in self.model._meta.concrete_fields if f.name not in ("id", "properties")
        ]
        return owned

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        object_type = self.property_object_type

        def clean_properties(self):
            try:
                return properties.validated(object_type, self.cleaned_data["properties"] or {})
            except ValidationError as error:
                raise ValidationError(error.messages) from None

        form.clean_properties = clean_properties
        return form

    def save_model(self, request, obj, form, change):
        before = type(obj).objects.filter(pk=obj.pk).values_list("properties", flat=True).first()
        super().save_model(request, obj, form, change)
        triggers.property_changed(obj, self.property_object_type, before or {}, obj.properties)

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return can_change_orders_and_carts(request.user)

    def has_delete_permission(self, request, obj=None):
        return can_change_orders_and_carts(request.user)

    def delete_model(self, request, obj):
        self.delete_records([obj.pk])

    def delete_queryset(self, request, queryset):
        self.delete_records(list(queryset.values_list("pk", flat=True)))


@admin.register(Order)
class OrderAdmin(StoreRecordAdmin):
    property_object_type = PropertyObjectType.ORDER
    # Its contact's totals and the reports follow.
    delete_records = staticmethod(services.delete_orders)
    list_display = [
        "name",
        "source_store",
        "contact",
        "total_column",
        "financial_status",
        "fulfillment_status",
        "order_status",
        "pipeline_stage",
        "processed_at",
    ]
    list_filter = [
        SourceStoreFilter,
        "pipeline_stage",
        "financial_status",
        "fulfillment_status",
        "currency",
        "processed_at",
    ]
    list_select_related = ["contact", "pipeline_stage__pipeline"]
    search_fields = ["name", "email", "contact__email", "contact__first_name", "contact__last_name"]
    date_hierarchy = "processed_at"
    show_full_result_count = False
    # Everything but the custom properties comes from the store (the stage included: it
    # follows the order's status there), so the admin shows it read-only.
    inlines = [OrderLineItemInline, OrderStageChangeInline]
    total_column = money_column("total", "currency", "total")


class CartLineItemInline(ReadOnlyLineItemInline):
    model = CartLineItem


@admin.register(Cart)
class CartAdmin(StoreRecordAdmin):
    property_object_type = PropertyObjectType.CART
    delete_records = staticmethod(services.delete_carts)
    list_display = [
        "__str__",
        "source_store",
        "contact",
        "email",
        "total_column",
        "status",
        "checkout_started_at",
    ]
    list_filter = [SourceStoreFilter, "status", "currency", "checkout_started_at"]
    list_select_related = ["contact"]
    search_fields = ["email", "contact__email", "contact__first_name", "contact__last_name"]
    date_hierarchy = "checkout_started_at"
    show_full_result_count = False
    inlines = [CartLineItemInline]
    total_column = money_column("total", "currency", "total")


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    """Pipelines; their stages are edited on the stage editor (crm/stage_editor.py)."""

    list_display = ["label", "internal_name", "is_default", "display_order", "stages_link"]
    change_form_template = "admin/crm/pipeline/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        return ["internal_name"] if obj else []

    def get_urls(self):
        editor = path(
            "<int:pipeline_id>/stages/",
            self.admin_site.admin_view(stage_editor.edit),
            name="crm_pipeline_stages",
        )
        return [editor, *super().get_urls()]

    @admin.display(description="stages")
    def stages_link(self, pipeline):
        return format_html(
            '<a href="{}">Edit stages</a>', reverse("admin:crm_pipeline_stages", args=[pipeline.pk])
        )

    def response_add(self, request, obj, post_url_continue=None):
        # A new pipeline has no stages yet: go and add them.
        return redirect("admin:crm_pipeline_stages", obj.pk)

    # Pipelines change as their stages do: by "Can edit pipelines" (or a superuser), whatever
    # model permissions a staff user holds.
    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or self._can_edit(request)

    def has_add_permission(self, request):
        return self._can_edit(request)

    def has_change_permission(self, request, obj=None):
        return self._can_edit(request)

    def has_delete_permission(self, request, obj=None):
        return self._can_edit(request)

    @staticmethod
    def _can_edit(request) -> bool:
        return stage_editor.can_edit_pipelines(request.user)


@admin.register(PropertyDefinition)
class PropertyDefinitionAdmin(admin.ModelAdmin):
    list_display = ["label", "internal_name", "object_type", "type"]
    list_filter = ["object_type", "type"]
    search_fields = ["label", "internal_name"]

    def get_readonly_fields(self, request, obj=None):
        return list(PropertyDefinition.immutable_fields) if obj else []

    # Staff see the properties; superadmins define them.
    def has_add_permission(self, request):
        return _superadmin(request)

    def has_change_permission(self, request, obj=None):
        return _superadmin(request)

    def has_delete_permission(self, request, obj=None):
        return _superadmin(request)


@admin.register(FollowUpRule)
class FollowUpRuleAdmin(admin.ModelAdmin):
    """Follow-up triggers: what happens, and the webhook that hears of it."""

    list_display = ["name", "event", "url", "active"]
    list_filter = ["event", "active"]
    fields = ["name", "event", "stage", "hours", "property", "url", "secret", "active"]

    def get_changeform_initial_data(self, request):
        return {"secret": triggers.new_secret(), **super().get_changeform_initial_data(request)}

    # Rules send the CRM's data to other systems: superadmins only.
    def has_module_permission(self, request):
        return _superadmin(request)

    def has_view_permission(self, request, obj=None):
        return _superadmin(request)

    def has_add_permission(self, request):
        return _superadmin(request)

    def has_change_permission(self, request, obj=None):
        return _superadmin(request)

    def has_delete_permission(self, request, obj=None):
        return _superadmin(request)


def _superadmin(request) -> bool:
    return request.user.is_active and request.user.is_superuser


@admin.register(TriggerDelivery)
class TriggerDeliveryAdmin(admin.ModelAdmin):
    """The log of trigger deliveries; a failed one can be sent again."""

    list_display = ["rule", "key", "status", "attempts", "response_status", "created_at"]
    list_filter = ["status", "rule"]
    readonly_fields = [
        "rule",
        "key",
        "payload",
        "status",
        "attempts",
        "response_status",
        "error",
        "created_at",
        "delivered_at",
    ]
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Send again")
    def send_again(self, request, queryset):
        for delivery in queryset.exclude(status="delivered"):
            triggers.enqueue(delivery.pk)
        self.message_user(request, "Queued again.")
