from django import forms
from django.contrib import admin
from django.db import models
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import escape, format_html, format_html_join

from crm import phones, properties, readable, services, stage_editor, triggers, values
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
from crm.money import format_money, format_number, plain_amount
from crm.views.access import can_change_orders_and_carts
from crm.word_lists import LinesField, TagsField


def when_column(field, description):
    """A list column showing a moment as "2026-12-07 18:55" in the site's time zone, as the staff
    pages do: Django's "Dec. 7, 2026, 6:55 p.m." takes twice the width of a 1280 px list."""

    def column(model_admin, obj):
        moment = getattr(obj, field)
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"

    column.short_description = description
    column.admin_order_field = field
    return column


def money_column(field, currency_field, description):
    """A column or read-only field (a ModelAdmin method) showing `field` as money in its
    currency (crm.money: "$91.84", never "91.840")."""

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

    # The other values that go to the stores, checked as they check them (crm.values).

    def clean_email(self):
        return values.email(self.cleaned_data.get("email"), self.instance.email)

    def clean_tags(self):
        return values.tags(self.cleaned_data.get("tags"), self.instance.tags)


class PriceCheckedForm(forms.ModelForm):
    """A product's or variant's form: values Shopify would refuse are refused (crm.values)."""

    def clean_price(self):
        return values.price(self.cleaned_data.get("price"), self.instance.price)

    def clean_tags(self):
        return values.tags(self.cleaned_data.get("tags"), self.instance.tags)


class ContactForm(PhoneCheckedForm):
    tags = TagsField()


class CountryFilter(admin.SimpleListFilter):
    """The countries records have, by code, and "No country" for those without one (Django's
    own filter offers the blank code as a link with no text)."""

    title = "country"
    parameter_name = "country"

    def lookups(self, request, model_admin):
        codes = (
            model_admin.get_queryset(request)
            .exclude(country_code="")
            .order_by("country_code")
            .values_list("country_code", flat=True)
            .distinct()
        )
        return [*((code, code) for code in codes), ("none", "No country")]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(country_code="")
        if self.value():
            return queryset.filter(country_code=self.value())
        return queryset


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    form = PhoneCheckedForm
    list_display = ["__str__", "domain", "phone", "city", "country_code", "updated_column"]
    updated_column = when_column("updated_at", "updated")
    list_filter = [CountryFilter]
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

    list_display = ["__str__", "email", "company", "phone", "consent_column", "updated_column"]
    updated_column = when_column("updated_at", "updated")

    @admin.display(description="email consent", boolean=True, ordering="email_marketing_consent")
    def consent_column(self, contact):
        return contact.email_marketing_consent

    list_filter = ["email_marketing_consent", "sms_marketing_consent", CountryFilter]
    list_select_related = ["company"]
    search_fields = ["email", "first_name", "last_name", "phone", "company__name"]
    autocomplete_fields = ["company"]
    form = ContactForm
    readonly_fields = [
        "orders_count_shown",
        "total_spent_shown",
        "first_order_at",
        "last_order_at",
        "created_at",
        "updated_at",
    ]
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["email", "first_name", "last_name", "phone", "company"]}),
        (
            "Address",
            {"fields": ["address1", "address2", "city", "province", "postal_code", "country_code"]},
        ),
        ("Marketing", {"fields": ["email_marketing_consent", "sms_marketing_consent"]}),
        (
            "Orders",
            {
                "fields": [
                    "orders_count_shown",
                    "total_spent_shown",
                    "first_order_at",
                    "last_order_at",
                ]
            },
        ),
        (None, {"fields": ["tags", "note", "created_at", "updated_at"]}),
    ]

    @admin.display(description="orders")
    def orders_count_shown(self, contact):
        return format_number(contact.orders_count)

    @admin.display(description="total spent")
    def total_spent_shown(self, contact):
        """Per currency (never added across currencies), as money: "¥1,500, $616.70"."""
        amounts = sorted((contact.total_spent or {}).items())
        return ", ".join(format_money(amount, currency) for currency, amount in amounts) or "—"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.contacts_saved([obj.pk])  # guest orders with its email become its own

    def delete_model(self, request, obj):
        services.delete_contacts([obj.pk])

    def delete_queryset(self, request, queryset):
        services.delete_contacts(list(queryset.values_list("pk", flat=True)))


class ProductForm(PriceCheckedForm):
    tags = TagsField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The price to edit at its currency's decimals ("12.50"), not as stored ("12.500").
        self.initial["price"] = plain_amount(self.instance.price, self.instance.currency)


class ProductVariantForm(PriceCheckedForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            currency = self.instance.product.currency
            self.initial["price"] = plain_amount(self.instance.price, currency)


class ShownForReaders:
    """For those who may only look, fields whose stored form is not for a person (a JSON list,
    an amount with the three decimals it is stored with) are shown by their `<field>_shown`
    method: Django would print the stored value (`["vip"]`, `30.990`)."""

    shown_for_readers: tuple[str, ...] = ()

    def _reader(self, request, obj) -> bool:
        return not self.has_change_permission(request, obj)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if not self._reader(request, obj):
            return fields
        swapped = (f"{f}_shown" if f in self.shown_for_readers else f for f in fields)
        return list(dict.fromkeys(swapped))

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if self._reader(request, obj):
            fields += [f"{f}_shown" for f in self.shown_for_readers if f"{f}_shown" not in fields]
        return fields


# A stacked inline: each of a variant's fields has its label (a table's inputs have none for a
# screen reader), and a product with many options still fits the page.
class ProductVariantInline(ShownForReaders, admin.StackedInline):
    model = ProductVariant
    form = ProductVariantForm
    extra = 0
    fields = ["title", "sku", "price", "options_shown", "position"]
    readonly_fields = ["options_shown"]
    shown_for_readers = ("price",)

    @admin.display(description="options")
    def options_shown(self, variant):
        return readable.name_value_pairs(variant.options)

    @admin.display(description="price")
    def price_shown(self, variant):
        return format_money(variant.price, variant.product.currency)


@admin.register(Product)
class ProductAdmin(ShownForReaders, admin.ModelAdmin):
    form = ProductForm
    list_display = [
        "name",
        "sku",
        "price_column",
        "status",
        "vendor",
        "product_type",
        "updated_column",
    ]
    updated_column = when_column("updated_at", "updated")
    list_filter = ["status", "product_type"]
    search_fields = ["name", "sku", "vendor", "variants__sku"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [ProductVariantInline]
    price_column = money_column("price", "currency", "price")
    price_shown = money_column("price", "currency", "price")
    shown_for_readers = ("tags", "price")

    @admin.display(description="tags")
    def tags_shown(self, product):
        return readable.word_list(product.tags)


class ReadOnlyLineItemInline(admin.TabularInline):
    """Line items come from the store: shown, never edited here."""

    extra = 0
    can_delete = False
    fields = ["title", "variant_title", "sku", "quantity", "price", "line_total", "product"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product", self.parent_name)

    # In the currency of the order or cart the line belongs to.
    @admin.display(description="unit price")
    def price(self, line):
        return format_money(line.unit_price, getattr(line, self.parent_name).currency)

    @admin.display(description="total")
    def line_total(self, line):
        return format_money(line.total, getattr(line, self.parent_name).currency)


class OrderLineItemInline(ReadOnlyLineItemInline):
    model = OrderLineItem
    parent_name = "order"


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


AMOUNTS = ("subtotal", "discounts", "shipping", "tax", "total", "refunded")


def _stage_name(name: str, former: str):
    """A stage by its name now, with what it was called at the time when it was renamed."""
    if former:
        return format_html("{} <small>(then “{}”)</small>", name, former)
    return name or "—"


class StoreRecordAdmin(admin.ModelAdmin):
    """Orders and carts come from the stores: every staff user may look; only superadmins may
    change their custom properties (their one CRM-side field) or delete them; nobody adds one
    or edits what the store owns."""

    # Amount field → the field naming its currency: each is shown by a `<field>_shown`
    # method as money ("$91.84"), not as the stored decimal ("91.840").
    amounts: dict[str, str] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for field, currency_field in cls.amounts.items():
            label = field.replace("_", " ")
            setattr(cls, f"{field}_shown", money_column(field, currency_field, label))

    @admin.display(description="store", ordering="source_store")
    def store_column(self, record):
        """The store as its shop's handle ("demo" for demo.myshopify.com): the list stays narrow."""
        return record.source_store.removesuffix(".myshopify.com")

    def get_readonly_fields(self, request, obj=None):
        owned = [
            f"{f.name}_shown" if f.name in self.amounts else f.name
            for f in self.model._meta.concrete_fields
            if f.name not in ("id", "properties")
        ]
        if not self.has_change_permission(request, obj):
            owned.append("properties_shown")
        return owned

    @admin.display(description="custom properties")
    def properties_shown(self, record):
        """The record's custom properties as label: value, in the definitions' order."""
        rows = [
            (definition.label, properties.display(definition, record.properties.get(name)))
            for definition in properties.definitions(self.property_object_type)
            if (name := definition.internal_name) in record.properties
        ]
        if not rows:
            return readable.EMPTY
        return format_html(
            '<dl class="readable">{}</dl>', format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows)
        )

    def get_form(self, request, obj=None, **kwargs):
        # One field per custom property, of its type, instead of the `properties` JSON (for
        # whoever may change them; the others see `properties_shown`).
        if self.has_change_permission(request, obj):
            kwargs["form"] = properties.admin_form(self.property_object_type)
        return super().get_form(request, obj, **kwargs)

    def get_exclude(self, request, obj=None):
        # The amounts are shown (read-only) by their `_shown` methods.
        return ["properties", *self.amounts]

    def get_fieldsets(self, request, obj=None):
        """What the store owns first, then the CRM's own custom properties, under a heading."""
        names = self.get_fields(request, obj)
        custom = {"properties_shown"} | {
            definition.internal_name
            for definition in properties.definitions(self.property_object_type)
        }
        fieldsets = [(None, {"fields": [name for name in names if name not in custom]})]
        if own := [name for name in names if name in custom]:
            fieldsets.append(("Custom properties", {"fields": own}))
        return fieldsets

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
    # Seven columns, so the list fits 1280 px beside its filters: the payment and fulfilment
    # statuses share one; the order's own status is its stage's (and filters, and its page).
    list_display = [
        "name",
        "store_column",
        "contact",
        "total_column",
        "status_column",
        "pipeline_stage",
        "processed_column",
    ]
    processed_column = when_column("processed_at", "processed")
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

    @admin.display(description="status", ordering="financial_status")
    def status_column(self, order):
        """Paid · Fulfilled"""
        shown = (order.get_financial_status_display(), order.get_fulfillment_status_display())
        return " · ".join(status for status in shown if status) or "—"

    amounts = {
        **dict.fromkeys(AMOUNTS, "currency"),
        **{f"presentment_{name}": "presentment_currency" for name in AMOUNTS},
    }


class CartLineItemInline(ReadOnlyLineItemInline):
    model = CartLineItem
    parent_name = "cart"


@admin.register(Cart)
class CartAdmin(StoreRecordAdmin):
    property_object_type = PropertyObjectType.CART
    delete_records = staticmethod(services.delete_carts)
    list_display = [
        "__str__",
        "store_column",
        "contact",
        "email",
        "total_column",
        "status",
        "started_column",
    ]
    started_column = when_column("checkout_started_at", "started")
    list_filter = [SourceStoreFilter, "status", "currency", "checkout_started_at"]
    list_select_related = ["contact"]
    search_fields = ["email", "contact__email", "contact__first_name", "contact__last_name"]
    date_hierarchy = "checkout_started_at"
    show_full_result_count = False
    inlines = [CartLineItemInline]
    total_column = money_column("total", "currency", "total")
    amounts = dict.fromkeys(("subtotal", "discounts", "tax", "total"), "currency")


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


class PropertyDefinitionForm(forms.ModelForm):
    options = LinesField(
        help_text="For an enumeration: its allowed values, one per line (e.g. Gold, then "
        "Silver on the next line). Leave empty for other types."
    )

    class Meta:
        model = PropertyDefinition
        fields = ["object_type", "internal_name", "label", "type", "options", "description"]


@admin.register(PropertyDefinition)
class PropertyDefinitionAdmin(ShownForReaders, admin.ModelAdmin):
    form = PropertyDefinitionForm
    shown_for_readers = ("options",)
    list_display = ["label", "internal_name", "object_type", "type", "options_shown"]
    list_filter = ["object_type", "type"]
    search_fields = ["label", "internal_name"]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return [*fields, *PropertyDefinition.immutable_fields] if obj else fields

    @admin.display(description="options")
    def options_shown(self, definition):
        return readable.word_list(definition.options)

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
    # A URL typed without a scheme is taken as https, as Django 6 will by default (and as a
    # rule's webhook must be); Django 5.2 warns on every form that leaves it unsaid.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

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
    exclude = ["payload"]  # shown by payload_shown
    readonly_fields = [
        "rule",
        "key",
        "payload_shown",
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

    @admin.display(description="payload")
    def payload_shown(self, delivery):
        return readable.folded(delivery.payload, "What the webhook sends")

    @admin.action(description="Send again")
    def send_again(self, request, queryset):
        for delivery in queryset.exclude(status="delivered"):
            triggers.enqueue(delivery.pk)
        self.message_user(request, "Queued again.")
