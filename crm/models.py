"""The CRM's records. The CRM knows no Shopify: orders and carts name their source store by its
domain, as text, and nothing here imports another app of the project."""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from crm.fields import ZERO, MoneyField

internal_name_validator = RegexValidator(
    re.compile(r"^[a-z][a-z0-9_]*\Z"),
    "Use lowercase letters, digits and underscores, starting with a letter.",
)


class ImmutableFieldError(ValueError):
    """Raised when code tries to change a field that must never change after creation."""


class ImmutableFieldsQuerySet(models.QuerySet):
    """Refuses bulk writes that would change an immutable field behind the model's back."""

    def update(self, **kwargs):
        _refuse_immutable(self.model, kwargs)
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, batch_size=None):
        _refuse_immutable(self.model, fields)
        return super().bulk_update(objs, fields, batch_size=batch_size)


def _refuse_immutable(model, field_names):
    changed = set(field_names) & set(model.immutable_fields)
    if changed:
        raise ImmutableFieldError(f"{model.__name__}.{', '.join(sorted(changed))} never changes")


class ImmutableFieldsModel(models.Model):
    """A model some of whose fields are fixed once the row exists (`immutable_fields`).

    The values read from the database are remembered (Django's documented `from_db` hook), so
    `save()` can refuse a change without an extra query.
    """

    immutable_fields: tuple[str, ...] = ()

    objects = ImmutableFieldsQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        original = getattr(self, "_original_values", {})
        for name in self.immutable_fields:
            if name in original and getattr(self, name) != original[name]:
                raise ImmutableFieldError(
                    f"{type(self).__name__}.{name} never changes after creation "
                    f"(it is {original[name]!r}, not {getattr(self, name)!r})"
                )
        super().save(*args, **kwargs)
        self._original_values = {name: getattr(self, name) for name in self.immutable_fields}

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._original_values = {
            name: value
            for name, value in zip(field_names, values, strict=True)
            if name in cls.immutable_fields and value is not models.DEFERRED
        }
        return instance


class Timestamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True


class Address(models.Model):
    address1 = models.CharField("address", max_length=255, blank=True)
    address2 = models.CharField("address line 2", max_length=255, blank=True)
    city = models.CharField(max_length=255, blank=True)
    province = models.CharField("state or province", max_length=255, blank=True)
    postal_code = models.CharField(max_length=32, blank=True)
    country_code = models.CharField(
        "country", max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code, e.g. SE"
    )

    class Meta:
        abstract = True


class Company(Timestamped, Address):
    name = models.CharField(max_length=255, blank=True)
    domain = models.CharField(max_length=255, blank=True, help_text="e.g. example.com")
    phone = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name_plural = "companies"
        ordering = ["name", "id"]
        indexes = [
            # Companies are matched by name or domain, case-insensitively.
            models.Index(Lower("name"), name="crm_company_name_ci"),
            models.Index(Lower("domain"), name="crm_company_domain_ci"),
        ]

    def __str__(self):
        return self.name or self.domain or f"Company {self.pk}"


class ContactQuerySet(models.QuerySet):
    def with_email(self, email):
        """Contacts whose email equals `email`, trimmed and compared case-insensitively.

        Filters on LOWER(email), so the unique index below answers it.
        """
        return self.alias(email_lower=Lower("email")).filter(email_lower=email.strip().lower())


class Contact(Timestamped, Address):
    email = models.EmailField(blank=True)
    first_name = models.CharField(max_length=255, blank=True)
    last_name = models.CharField(max_length=255, blank=True)
    phone = models.CharField(max_length=64, blank=True)
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    email_marketing_consent = models.BooleanField(default=False)
    sms_marketing_consent = models.BooleanField(default=False)
    tags = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)
    # Customer totals, kept current from the contact's orders (every store, cancelled ones
    # left out). Amounts per currency, as {"SEK": "1234.50"}: currencies are never added up.
    orders_count = models.PositiveIntegerField(default=0)
    total_spent = models.JSONField(default=dict, blank=True)
    first_order_at = models.DateTimeField(null=True, blank=True)
    last_order_at = models.DateTimeField(null=True, blank=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            # One contact per email address, whatever its case; contacts without email are many.
            models.UniqueConstraint(
                Lower("email"),
                condition=~Q(email=""),
                name="crm_contact_email_unique_ci",
                violation_error_message="A contact with this email address already exists.",
                violation_error_code="unique",
            ),
        ]

    def __str__(self):
        return self.full_name or self.email or f"Contact {self.pk}"

    @property
    def full_name(self):
        return " ".join(part for part in (self.first_name, self.last_name) if part)


class ProductStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    DRAFT = "draft", "Draft"
    ARCHIVED = "archived", "Archived"
    UNLISTED = "unlisted", "Unlisted"


class Product(Timestamped):
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    sku = models.CharField("SKU", max_length=255, blank=True, db_index=True)
    price = MoneyField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    status = models.CharField(max_length=16, choices=ProductStatus, default=ProductStatus.ACTIVE)
    vendor = models.CharField(max_length=255, blank=True)
    product_type = models.CharField(max_length=255, blank=True)
    tags = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(Lower("name"), name="crm_product_name_ci")]

    def __str__(self):
        return self.name


class ProductVariant(Timestamped):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    title = models.CharField(max_length=255)
    sku = models.CharField("SKU", max_length=255, blank=True, db_index=True)
    price = MoneyField(default=ZERO)
    # A list of {"name": "Size", "value": "M"}: a list, because option order matters and
    # PostgreSQL's jsonb does not keep the order of an object's keys.
    options = models.JSONField(default=list, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["product", "position", "id"]

    def __str__(self):
        return f"{self.product.name} – {self.title}"


class PipelineState(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Pipeline(ImmutableFieldsModel):
    """An order pipeline. Synced orders sit in one of its stages; Shopify decides which."""

    immutable_fields = ("internal_name",)

    label = models.CharField(max_length=100)
    internal_name = models.CharField(
        max_length=100, unique=True, validators=[internal_name_validator]
    )
    is_default = models.BooleanField(default=False)
    display_order = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["display_order", "id"]
        permissions = [("edit_pipelines", "Can edit pipelines")]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="crm_pipeline_one_default",
                violation_error_message="Only one pipeline can be the default.",
            )
        ]

    def __str__(self):
        return self.label


class PipelineStage(ImmutableFieldsModel):
    """A stage of a pipeline. `internal_name` is what integrations and mappings refer to; it is
    fixed at creation so renaming a stage never breaks them."""

    immutable_fields = ("internal_name",)

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    label = models.CharField(max_length=100)
    internal_name = models.CharField(max_length=100, validators=[internal_name_validator])
    state = models.CharField(max_length=6, choices=PipelineState, default=PipelineState.OPEN)
    display_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["pipeline", "display_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pipeline", "internal_name"], name="crm_stage_internal_name_unique"
            )
        ]

    def __str__(self):
        return f"{self.pipeline.label}: {self.label}"


class FinancialStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    AUTHORIZED = "authorized", "Authorized"
    PARTIALLY_PAID = "partially_paid", "Partially paid"
    PAID = "paid", "Paid"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
    REFUNDED = "refunded", "Refunded"
    VOIDED = "voided", "Voided"
    EXPIRED = "expired", "Expired"


class OrderStatus(models.TextChoices):
    """The order's status as Shopify's admin shows it, derived from the financial and
    fulfilment statuses, deliveries and cancellation (the sync derives it)."""

    OPEN = "open", "Open"
    PAID = "paid", "Paid"
    PARTIALLY_FULFILLED = "partially_fulfilled", "Partially fulfilled"
    FULFILLED = "fulfilled", "Fulfilled"
    DELIVERED = "delivered", "Delivered"
    REFUNDED = "refunded", "Refunded"
    CANCELLED = "cancelled", "Cancelled"


class StageChangeRefused(ValueError):
    """An order's stage follows its store's order status: nothing in the CRM may move it."""


class FulfillmentStatus(models.TextChoices):
    UNFULFILLED = "unfulfilled", "Unfulfilled"
    SCHEDULED = "scheduled", "Scheduled"
    ON_HOLD = "on_hold", "On hold"
    IN_PROGRESS = "in_progress", "In progress"
    PENDING_FULFILLMENT = "pending_fulfillment", "Pending fulfillment"
    PARTIALLY_FULFILLED = "partially_fulfilled", "Partially fulfilled"
    FULFILLED = "fulfilled", "Fulfilled"
    RESTOCKED = "restocked", "Restocked"
    REQUEST_DECLINED = "request_declined", "Request declined"
    FULFILLMENT_NOT_REQUIRED = "fulfillment_not_required", "Fulfillment not required"
    OPEN = "open", "Open"


class Order(Timestamped):
    """An order from a store. Amounts are in the shop's currency, and again in the currency the
    shopper saw (`presentment_…`); reports never add different currencies together."""

    # Looked up through the indexes that begin with it (Meta.indexes).
    source_store = models.CharField(
        max_length=255, help_text="The domain of the shop the order comes from"
    )
    name = models.CharField(max_length=64, help_text="The order's name in the shop, e.g. #1001")
    email = models.EmailField(blank=True)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    currency = models.CharField(max_length=3)
    subtotal = MoneyField(default=ZERO)
    discounts = MoneyField(default=ZERO)
    tax = MoneyField(default=ZERO)
    shipping = MoneyField(default=ZERO)
    total = MoneyField(default=ZERO)
    refunded = MoneyField(default=ZERO)
    presentment_currency = models.CharField(max_length=3)
    presentment_subtotal = MoneyField(default=ZERO)
    presentment_discounts = MoneyField(default=ZERO)
    presentment_tax = MoneyField(default=ZERO)
    presentment_shipping = MoneyField(default=ZERO)
    presentment_total = MoneyField(default=ZERO)
    presentment_refunded = MoneyField(default=ZERO)
    financial_status = models.CharField(
        max_length=32, choices=FinancialStatus, default=FinancialStatus.PENDING
    )
    fulfillment_status = models.CharField(
        max_length=32, choices=FulfillmentStatus, default=FulfillmentStatus.UNFULFILLED
    )
    processed_at = models.DateTimeField(db_index=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Whether every fulfilment was delivered (what tells "delivered" from "fulfilled").
    delivered = models.BooleanField(default=False)
    # The contact's first order in this store, cancelled ones aside ("a new customer"); kept
    # by crm.services.refresh_first_orders whenever a contact's orders change.
    first_order = models.BooleanField(default=False)
    order_status = models.CharField(
        max_length=32, choices=OrderStatus, blank=True, help_text="As the store shows it"
    )
    # PROTECT: a stage that still holds orders cannot be deleted, even by a raw ORM call.
    # The stage follows the store: save() refuses to move an existing order (see below).
    pipeline_stage = models.ForeignKey(
        PipelineStage, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    properties = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-processed_at", "-id"]
        indexes = [
            models.Index(fields=["source_store", "name"], name="crm_order_store_name"),
            # A store's orders of some days: what the reports' refresh reads, one range of
            # this index rather than the store's every order matched against the days'.
            models.Index(fields=["source_store", "processed_at"], name="crm_order_store_processed"),
        ]

    def __str__(self):
        return f"{self.name} ({self.source_store})"

    def save(self, *args, **kwargs):
        """Every form, admin page and API saves through here: none of them can move an order
        between stages. Only the sync sets stages (in bulk, from the store's status)."""
        stored = getattr(self, "_stored_stage_id", None)
        if self.pk and hasattr(self, "_stored_stage_id") and self.pipeline_stage_id != stored:
            raise StageChangeRefused(
                "An order's stage follows its order status in the store; it cannot be changed "
                "in the CRM."
            )
        super().save(*args, **kwargs)
        self._stored_stage_id = self.pipeline_stage_id

    @classmethod
    def from_db(cls, db, field_names, values):
        order = super().from_db(db, field_names, values)
        if "pipeline_stage_id" in field_names:  # not when deferred (.only(), .defer())
            order._stored_stage_id = order.pipeline_stage_id
        return order


class OrderStageChange(models.Model):
    """One move of an order between stages, made by the sync: from, to, when, and the order
    status that caused it. Labels are kept so the history reads right after a stage goes."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(
        PipelineStage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_stage = models.ForeignKey(
        PipelineStage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_label = models.CharField(max_length=100, blank=True)
    to_label = models.CharField(max_length=100, blank=True)
    order_status = models.CharField(max_length=32, choices=OrderStatus, blank=True)
    changed_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["order", "-changed_at", "-id"]

    def __str__(self):
        return f"{self.order}: {self.from_name or '—'} → {self.to_name or '—'}"

    # A stage is shown by its name now (a renamed stage is still the same stage); the label
    # kept at the time stands in for a stage that has since been deleted.
    @property
    def from_name(self) -> str:
        return self.from_stage.label if self.from_stage else self.from_label

    @property
    def to_name(self) -> str:
        return self.to_stage.label if self.to_stage else self.to_label

    @property
    def from_former_name(self) -> str:
        """What the stage was called at the time, when it has been renamed since; else ""."""
        return self.from_label if self.from_name != self.from_label else ""

    @property
    def to_former_name(self) -> str:
        return self.to_label if self.to_name != self.to_label else ""


class LineItem(models.Model):
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.SET_NULL)
    variant = models.ForeignKey(ProductVariant, null=True, blank=True, on_delete=models.SET_NULL)
    title = models.CharField(max_length=255)
    variant_title = models.CharField(max_length=255, blank=True)
    sku = models.CharField("SKU", max_length=255, blank=True)
    quantity = models.PositiveIntegerField(default=1)
    unit_price = MoneyField(default=ZERO)
    total = MoneyField(default=ZERO, help_text="What the line costs, after its discounts")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self):
        title = f"{self.title} – {self.variant_title}" if self.variant_title else self.title
        return f"{self.quantity} × {title}"


class OrderLineItem(LineItem):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="line_items")

    class Meta:
        ordering = ["order", "position", "id"]


class CartStatus(models.TextChoices):
    ABANDONED = "abandoned", "Abandoned"
    RECOVERED = "recovered", "Recovered"


class Cart(Timestamped):
    """An abandoned checkout. When the shopper completes it, the cart is kept, marked
    recovered, and points at the order it became (`order.cart` reads the same link)."""

    source_store = models.CharField(
        max_length=255, db_index=True, help_text="The domain of the shop the cart comes from"
    )
    email = models.EmailField(blank=True)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="carts"
    )
    recovery_url = models.URLField(max_length=2048, blank=True)
    currency = models.CharField(max_length=3)
    presentment_currency = models.CharField(max_length=3, blank=True)
    subtotal = MoneyField(default=ZERO)
    discounts = MoneyField(default=ZERO)
    tax = MoneyField(default=ZERO)
    total = MoneyField(default=ZERO)
    status = models.CharField(max_length=16, choices=CartStatus, default=CartStatus.ABANDONED)
    checkout_started_at = models.DateTimeField(
        db_index=True, help_text="When the shopper started the checkout"
    )
    checkout_updated_at = models.DateTimeField(help_text="The shopper's last change")
    completed_at = models.DateTimeField(null=True, blank=True)
    recovered_order = models.OneToOneField(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="cart"
    )
    properties = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-checkout_started_at", "-id"]

    def __str__(self):
        return f"Cart {self.pk} ({self.source_store})"


class CartLineItem(LineItem):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="line_items")

    class Meta:
        ordering = ["cart", "position", "id"]


class PropertyObjectType(models.TextChoices):
    ORDER = "order", "Order"
    CART = "cart", "Cart"


# A number property's bounds: what the custom reports sum it as (numeric(30, 6)).
NUMBER_DIGITS, NUMBER_DECIMALS = 24, 6


class PropertyType(models.TextChoices):
    TEXT = "text", "Text"
    NUMBER = "number", "Number"
    DATE = "date", "Date"
    BOOLEAN = "boolean", "Boolean"
    ENUMERATION = "enumeration", "Enumeration"


class PropertyDefinition(ImmutableFieldsModel):
    """A custom property of orders or carts. Values live in the record's `properties` JSON,
    keyed by `internal_name`, stored as JSON-friendly values (numbers as decimal strings,
    dates as ISO strings) so nothing is lost to floats."""

    immutable_fields = ("object_type", "internal_name", "type")

    object_type = models.CharField(max_length=16, choices=PropertyObjectType)
    internal_name = models.CharField(max_length=100, validators=[internal_name_validator])
    label = models.CharField(max_length=255)
    type = models.CharField(max_length=16, choices=PropertyType)
    options = models.JSONField(
        default=list, blank=True, help_text="The allowed values of an enumeration"
    )
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["object_type", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["object_type", "internal_name"],
                name="crm_property_internal_name_unique",
                violation_error_message="A property with this internal name already exists.",
            )
        ]

    def __str__(self):
        return f"{self.get_object_type_display()}: {self.label}"

    def clean(self):
        if not isinstance(self.options, list) or not all(
            isinstance(option, str) and option.strip() for option in self.options
        ):
            raise ValidationError({"options": "Options must be a list of non-empty texts."})
        if self.type == PropertyType.ENUMERATION:
            if not self.options:
                raise ValidationError({"options": "An enumeration needs at least one option."})
            if len(set(self.options)) != len(self.options):
                raise ValidationError({"options": "Options must be different from each other."})
        elif self.options:
            raise ValidationError({"options": "Only enumeration properties have options."})

    def to_stored_value(self, value):
        """Validate `value` for this property's type and return what `properties` stores.

        Raises ValidationError with a message a user can act on. None or "" clears the value.
        """
        if value is None or value == "":
            return None
        if self.type == PropertyType.TEXT:
            if not isinstance(value, str):
                raise ValidationError(f"{self.label} must be text.")
            return value
        if self.type == PropertyType.NUMBER:
            if isinstance(value, (bool, float)):
                raise ValidationError(f"{self.label} must be a number given as text or integer.")
            try:
                number = Decimal(str(value).strip())
            except InvalidOperation:
                raise ValidationError(f"{self.label} must be a number, not {value!r}.") from None
            if not number.is_finite():
                raise ValidationError(f"{self.label} must be a finite number.")
            # What reports can sum (numeric(30, 6)): bounded as it is saved, so no stored value
            # can break a report later (1E+400 did).
            if number and number.adjusted() >= NUMBER_DIGITS:
                raise ValidationError(
                    f"{self.label} takes at most {NUMBER_DIGITS} digits before the decimal "
                    f"point, not {value!r}."
                )
            if number.as_tuple().exponent < -NUMBER_DECIMALS:
                raise ValidationError(
                    f"{self.label} takes at most {NUMBER_DECIMALS} decimals, not {value!r}."
                )
            return str(number)
        if self.type == PropertyType.DATE:
            if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
                return value.isoformat()
            try:
                return datetime.date.fromisoformat(str(value)).isoformat()
            except ValueError:
                raise ValidationError(
                    f"{self.label} must be a date as YYYY-MM-DD, not {value!r}."
                ) from None
        if self.type == PropertyType.BOOLEAN:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in {"true", "yes", "1"}:
                return True
            if text in {"false", "no", "0"}:
                return False
            raise ValidationError(f"{self.label} must be true or false, not {value!r}.")
        if value not in self.options:
            allowed = ", ".join(self.options)
            raise ValidationError(f"{self.label} must be one of: {allowed}; not {value!r}.")
        return value


class SegmentObjectType(models.TextChoices):
    CONTACT = "contact", "Contacts"
    COMPANY = "company", "Companies"


class Segment(models.Model):
    """A saved filter of contacts or companies, which may look at their orders and carts
    (crm.segments turns `conditions` into a query; all of them must hold)."""

    name = models.CharField(max_length=255)
    object_type = models.CharField(max_length=16, choices=SegmentObjectType)
    conditions = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class TriggerEvent(models.TextChoices):
    ORDER_ENTERED_STAGE = "order_entered_stage", "An order enters a stage"
    CART_ABANDONED = "cart_abandoned", "A cart stays abandoned for some hours"
    PROPERTY_CHANGED = "property_changed", "A custom property of an order or cart changes"


class FollowUpRule(models.Model):
    """When something happens to an order or a cart, tell another tool: a signed POST to
    `url` (crm.triggers)."""

    name = models.CharField(max_length=255)
    event = models.CharField(max_length=32, choices=TriggerEvent)
    stage = models.ForeignKey(
        PipelineStage,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="For “an order enters a stage”",
    )
    hours = models.PositiveIntegerField(
        null=True, blank=True, help_text="For “a cart stays abandoned”: after how many hours"
    )
    property = models.ForeignKey(
        PropertyDefinition,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="For “a custom property changes”",
    )
    url = models.URLField(max_length=2048, help_text="Where the webhook goes (https)")
    secret = models.CharField(
        max_length=128,
        help_text="Signs each delivery: X-CRM-Signature is the base64 HMAC-SHA256 of the body",
    )
    active = models.BooleanField(default=True)
    # Stage changes up to this id have been looked at (or happened before the rule existed).
    last_change_id = models.BigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self._state.adding and not self.last_change_id:
            # A new rule acts on what happens from now on: the stage history so far (103
            # cancellations of past years) is not news to it.
            last = OrderStageChange.objects.aggregate(last=models.Max("pk"))["last"]
            self.last_change_id = last or 0
        super().save(*args, **kwargs)

    def clean(self):
        needs = {
            TriggerEvent.ORDER_ENTERED_STAGE: ("stage", "Choose the stage."),
            TriggerEvent.CART_ABANDONED: ("hours", "Say after how many hours."),
            TriggerEvent.PROPERTY_CHANGED: ("property", "Choose the property."),
        }
        field, message = needs.get(self.event, (None, None))
        attname = f"{field}_id" if field in ("stage", "property") else field
        if field and getattr(self, attname) in (None, ""):
            raise ValidationError({field: message})


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed, will retry"
    GAVE_UP = "gave_up", "Failed"


class TriggerDelivery(models.Model):
    """One call of a rule's webhook, and how it went (the log)."""

    rule = models.ForeignKey(FollowUpRule, on_delete=models.CASCADE, related_name="deliveries")
    # What happened, once: a second scan finds the same key and sends nothing twice.
    key = models.CharField(max_length=200)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=DeliveryStatus, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "trigger deliveries"
        constraints = [
            models.UniqueConstraint(fields=["rule", "key"], name="crm_trigger_delivery_once")
        ]

    def __str__(self):
        return f"{self.rule}: {self.key} ({self.get_status_display()})"
