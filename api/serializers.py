"""What the API shows of each record and what it accepts. Bodies are strict: an unknown or
read-only field is refused by name rather than ignored, and a record is checked by the
model's own rules before it is saved."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm import phones, properties, services, values
from crm.models import (
    Cart,
    CartLineItem,
    Company,
    Contact,
    Order,
    OrderLineItem,
    OrderStatus,
    Product,
    ProductVariant,
)

ADDRESS = ["address1", "address2", "city", "province", "postal_code", "country_code"]
STAMPS = ["created_at", "updated_at"]


class Conflict(serializers.ValidationError):
    status_code = 409
    default_code = "conflict"


class StrictText:
    """Text is text: DRF would store the number 0 as "0" and [0] as ["0"]; a client sending
    the wrong type has a bug worth hearing about."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError("Not a string.", code="invalid_type")
        return super().to_internal_value(data)


class StrictCharField(StrictText, serializers.CharField):
    pass


class StrictEmailField(StrictText, serializers.EmailField):
    pass


class StrictURLField(StrictText, serializers.URLField):
    pass


class EmailOrNull(serializers.EmailField):
    """A read-only email that may be missing (a guest checkout without one, a customer whose
    data Shopify had erased): null, as the schema says, never "" (no email address)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value):
        return value or None


class UrlOrNull(serializers.URLField):
    """A read-only address that may be missing: null, never "" (no address)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value):
        return value or None


class StrictModelSerializer(serializers.ModelSerializer):
    """Refuses fields it does not know or that are read-only, and values of another type than
    the field's, and saves through the model (`save()`: the same path as the admin, so
    contacts, companies and products sync)."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.EmailField: StrictEmailField,
        models.URLField: StrictURLField,
    }

    def to_internal_value(self, data):
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            problems = {}
            for name in data:
                if name in writable:
                    continue
                if name in self.fields:
                    problems[name] = [
                        serializers.ErrorDetail("This field is read-only.", "read_only")
                    ]
                else:
                    problems[name] = [serializers.ErrorDetail("Unknown field.", "unknown_field")]
            if problems:
                raise serializers.ValidationError(problems)
        return super().to_internal_value(data)

    def create(self, validated_data):
        return self._save(self.Meta.model(), validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)

    def _save(self, instance, values):
        for name, value in values.items():
            setattr(instance, name, value)
        try:
            instance.full_clean()
        except DjangoValidationError as error:
            raise serializers.ValidationError(_by_field(error, self.non_field_target)) from None
        try:
            with transaction.atomic():
                instance.save()
        except IntegrityError:
            raise Conflict("Another change to this record was saved at the same time.") from None
        return instance

    # The field a model-wide error (a unique constraint) is reported on.
    non_field_target = None


def _by_field(error: DjangoValidationError, non_field_target) -> dict:
    """The model's own refusals, by field, keeping their codes ("unique", "invalid", …)."""
    problems = {}
    for name, errors in error.error_dict.items():
        key = non_field_target if name == NON_FIELD_ERRORS else name
        for each in errors:
            for message in each.messages:
                detail = serializers.ErrorDetail(message, code=each.code or "invalid")
                problems.setdefault(key or "non_field_errors", []).append(detail)
    return problems


PHONE_HELP = (
    "A phone number, saved in E.164 (+46701234567) as Shopify needs. One without + and a "
    "country code is taken to be in the country of the record's store (else the CRM's "
    "default); one that cannot be a phone number there is refused."
)


class PhoneChecked:
    """Contacts and companies: the phone an app sends is checked and saved in E.164
    (crm.phones), as in the admin; a stored phone sent back unchanged is kept as it is."""

    def validate_phone(self, value):
        try:
            return phones.checked(value, self.instance)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages, code="invalid") from None


class StoreChecked:
    """The other values that go to the stores, checked as they check them (crm.values), as in
    the admin."""

    def _checked(self, check, value, name):
        stored = getattr(self.instance, name) if self.instance is not None else None
        try:
            return check(value, stored)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages, code="invalid") from None

    def validate_email(self, value):
        return self._checked(values.email, value, "email")

    def validate_tags(self, value):
        return self._checked(values.tags, value, "tags")

    def validate_price(self, value):
        return self._checked(values.price, value, "price")


class CompanySerializer(PhoneChecked, StrictModelSerializer):
    class Meta:
        model = Company
        fields = ["id", "name", "domain", "phone", *ADDRESS, *STAMPS]
        extra_kwargs = {"phone": {"help_text": PHONE_HELP}}


class ContactSerializer(PhoneChecked, StoreChecked, StrictModelSerializer):
    tags = serializers.ListField(child=StrictCharField(max_length=255), required=False)
    company = serializers.PrimaryKeyRelatedField(
        queryset=Company.objects.all(), allow_null=True, required=False
    )
    total_spent = serializers.DictField(
        child=serializers.CharField(),
        read_only=True,
        help_text='Per currency, as {"SEK": "1234.50"}: currencies are never added up.',
    )
    non_field_target = "email"

    class Meta:
        model = Contact
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "phone",
            "company",
            "email_marketing_consent",
            "sms_marketing_consent",
            "tags",
            "note",
            *ADDRESS,
            "orders_count",
            "total_spent",
            "first_order_at",
            "last_order_at",
            *STAMPS,
        ]
        read_only_fields = ["orders_count", "first_order_at", "last_order_at"]
        extra_kwargs = {"phone": {"help_text": PHONE_HELP}}

    @transaction.atomic
    def _save(self, instance, values):
        """Saved as in the admin: guest orders and carts with its email become its own (its
        totals follow), in the same transaction; the answer shows the totals they give."""
        contact = super()._save(instance, values)
        services.contacts_saved([contact.pk])
        contact.refresh_from_db(
            fields=["orders_count", "total_spent", "first_order_at", "last_order_at"]
        )
        return contact


class VariantSerializer(serializers.ModelSerializer):
    options = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))

    class Meta:
        model = ProductVariant
        fields = ["id", "title", "sku", "price", "options", "position", *STAMPS]
        read_only_fields = fields


class ProductSerializer(StoreChecked, StrictModelSerializer):
    tags = serializers.ListField(child=StrictCharField(max_length=255), required=False)
    variants = VariantSerializer(many=True, read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "description",
            "sku",
            "price",
            "currency",
            "status",
            "vendor",
            "product_type",
            "tags",
            "variants",
            *STAMPS,
        ]


LINE = ["id", "product", "variant", "title", "variant_title", "sku", "quantity"]
LINE += ["unit_price", "total", "position"]


class OrderLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderLineItem
        fields = LINE
        read_only_fields = LINE


class CartLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = CartLineItem
        fields = LINE
        read_only_fields = LINE


class StageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    internal_name = serializers.CharField()
    pipeline = serializers.IntegerField(source="pipeline_id")


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"type": ["string", "number", "boolean", "null"]},
    }
)
class PropertiesField(serializers.DictField):
    """Custom properties by internal name. A change names only the properties it sets
    (null clears one); each is checked against its definition."""


class PropertiesSerializer(StrictModelSerializer):
    """Orders and carts: everything is read-only but their custom properties."""

    properties = PropertiesField(required=False)
    object_type: str

    def validate_properties(self, values):
        merged = {**(self.instance.properties if self.instance else {}), **values}
        merged = {name: value for name, value in merged.items() if value is not None}
        try:
            return properties.validated(self.object_type, merged)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None

    def update(self, instance, validated_data):
        if "properties" in validated_data:
            properties.save(instance, self.object_type, validated_data["properties"])
        return instance


ORDER_AMOUNTS = ["subtotal", "discounts", "tax", "shipping", "total", "refunded"]


class OrderSerializer(PropertiesSerializer):
    store = serializers.CharField(source="source_store", read_only=True)
    order_status = serializers.ChoiceField(
        OrderStatus.choices, allow_blank=True, read_only=True, help_text="As the store shows it"
    )
    pipeline_stage = StageSerializer(read_only=True, allow_null=True)
    line_items = OrderLineSerializer(many=True, read_only=True)
    email = EmailOrNull()
    object_type = "order"

    class Meta:
        model = Order
        fields = [
            "id",
            "store",
            "name",
            "email",
            "contact",
            "company",
            "currency",
            *ORDER_AMOUNTS,
            "presentment_currency",
            *[f"presentment_{amount}" for amount in ORDER_AMOUNTS],
            "financial_status",
            "fulfillment_status",
            "order_status",
            "delivered",
            "processed_at",
            "cancelled_at",
            "closed_at",
            "pipeline_stage",
            "properties",
            "line_items",
            *STAMPS,
        ]
        read_only_fields = [name for name in fields if name != "properties"]


class CartSerializer(PropertiesSerializer):
    store = serializers.CharField(source="source_store", read_only=True)
    line_items = CartLineSerializer(many=True, read_only=True)
    email = EmailOrNull()
    recovery_url = UrlOrNull()
    object_type = "cart"

    class Meta:
        model = Cart
        fields = [
            "id",
            "store",
            "email",
            "contact",
            "recovery_url",
            "currency",
            "presentment_currency",
            "subtotal",
            "discounts",
            "tax",
            "total",
            "status",
            "checkout_started_at",
            "checkout_updated_at",
            "completed_at",
            "recovered_order",
            "properties",
            "line_items",
            *STAMPS,
        ]
        read_only_fields = [name for name in fields if name != "properties"]
