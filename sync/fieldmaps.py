"""Which CRM field is which Shopify field, for the two-way objects, and which way it flows.

The defaults below are the readable table the set-up screens show. Each sync holds its own
`FieldMapping` rows: the defaults (which can be turned off, never deleted) and custom ones. A
Shopify field with no input key cannot be written through the object's create/update
mutation (addresses and marketing consent have mutations of their own), so it only flows to
the CRM.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal

TEXT, NUMBER, DATE, BOOLEAN, ENUMERATION, LIST = (
    "text",
    "number",
    "date",
    "boolean",
    "enumeration",
    "list",
)

BOTH, TO_CRM, TO_SHOPIFY = "both", "to_crm", "to_shopify"
DIRECTIONS = [
    (BOTH, "Both ways"),
    (TO_CRM, "Shopify → CRM"),
    (TO_SHOPIFY, "CRM → Shopify"),
]


@dataclass(frozen=True)
class ShopifyField:
    label: str
    kind: str
    # The key of the create/update mutation's input; None: Shopify → CRM only.
    input_key: str | None = None


@dataclass(frozen=True)
class CrmField:
    label: str
    kind: str


SHOPIFY_FIELDS: dict[str, dict[str, ShopifyField]] = {
    "contacts": {
        "email": ShopifyField("Email", TEXT, "email"),
        "firstName": ShopifyField("First name", TEXT, "firstName"),
        "lastName": ShopifyField("Last name", TEXT, "lastName"),
        "phone": ShopifyField("Phone", TEXT, "phone"),
        "note": ShopifyField("Note", TEXT, "note"),
        "tags": ShopifyField("Tags", LIST, "tags"),
        "defaultAddress.address1": ShopifyField("Address", TEXT),
        "defaultAddress.address2": ShopifyField("Apartment, suite", TEXT),
        "defaultAddress.city": ShopifyField("City", TEXT),
        "defaultAddress.province": ShopifyField("Province", TEXT),
        "defaultAddress.zip": ShopifyField("Postal code", TEXT),
        "defaultAddress.countryCodeV2": ShopifyField("Country", TEXT),
        "emailMarketingConsent": ShopifyField("Email marketing", BOOLEAN),
        "smsMarketingConsent": ShopifyField("SMS marketing", BOOLEAN),
    },
    "companies": {
        "name": ShopifyField("Name", TEXT, "name"),
        "location.phone": ShopifyField("Phone", TEXT),
        "location.address1": ShopifyField("Address", TEXT),
        "location.address2": ShopifyField("Apartment, suite", TEXT),
        "location.city": ShopifyField("City", TEXT),
        "location.zoneCode": ShopifyField("Province", TEXT),
        "location.zip": ShopifyField("Postal code", TEXT),
        "location.countryCode": ShopifyField("Country", TEXT),
    },
    "products": {
        "title": ShopifyField("Title", TEXT, "title"),
        "descriptionHtml": ShopifyField("Description", TEXT, "descriptionHtml"),
        "vendor": ShopifyField("Vendor", TEXT, "vendor"),
        "productType": ShopifyField("Product type", TEXT, "productType"),
        "status": ShopifyField("Status", ENUMERATION, "status"),
        "tags": ShopifyField("Tags", LIST, "tags"),
        "variants.first.sku": ShopifyField("SKU (first variant)", TEXT),
        "variants.first.price": ShopifyField("Price (first variant)", NUMBER),
    },
}

# Orders flow to the CRM only; these Shopify fields can fill an order's custom properties.
SHOPIFY_FIELDS["orders"] = {
    "note": ShopifyField("Note", TEXT),
    "tags": ShopifyField("Tags", LIST),
    "sourceName": ShopifyField("Sales channel", TEXT),
    "poNumber": ShopifyField("PO number", TEXT),
}
# A CRM field named so is the order's custom property of that internal name.
PROPERTY_PREFIX = "properties."

CRM_FIELDS: dict[str, dict[str, CrmField]] = {
    "contacts": {
        "email": CrmField("Email", TEXT),
        "first_name": CrmField("First name", TEXT),
        "last_name": CrmField("Last name", TEXT),
        "phone": CrmField("Phone", TEXT),
        "note": CrmField("Note", TEXT),
        "tags": CrmField("Tags", LIST),
        "address1": CrmField("Address", TEXT),
        "address2": CrmField("Address line 2", TEXT),
        "city": CrmField("City", TEXT),
        "province": CrmField("Province", TEXT),
        "postal_code": CrmField("Postal code", TEXT),
        "country_code": CrmField("Country", TEXT),
        "email_marketing_consent": CrmField("Email marketing consent", BOOLEAN),
        "sms_marketing_consent": CrmField("SMS marketing consent", BOOLEAN),
    },
    "companies": {
        "name": CrmField("Name", TEXT),
        "domain": CrmField("Domain", TEXT),
        "phone": CrmField("Phone", TEXT),
        "address1": CrmField("Address", TEXT),
        "address2": CrmField("Address line 2", TEXT),
        "city": CrmField("City", TEXT),
        "province": CrmField("Province", TEXT),
        "postal_code": CrmField("Postal code", TEXT),
        "country_code": CrmField("Country", TEXT),
    },
    "products": {
        "name": CrmField("Name", TEXT),
        "description": CrmField("Description", TEXT),
        "vendor": CrmField("Vendor", TEXT),
        "product_type": CrmField("Product type", TEXT),
        "status": CrmField("Status", ENUMERATION),
        "tags": CrmField("Tags", LIST),
        "sku": CrmField("SKU", TEXT),
        "price": CrmField("Price", NUMBER),
    },
}

# CRM field → Shopify field, per object: what a new sync starts with.
DEFAULTS: dict[str, list[tuple[str, str]]] = {
    "contacts": [
        ("email", "email"),
        ("first_name", "firstName"),
        ("last_name", "lastName"),
        ("phone", "phone"),
        ("note", "note"),
        ("tags", "tags"),
        ("address1", "defaultAddress.address1"),
        ("address2", "defaultAddress.address2"),
        ("city", "defaultAddress.city"),
        ("province", "defaultAddress.province"),
        ("postal_code", "defaultAddress.zip"),
        ("country_code", "defaultAddress.countryCodeV2"),
        ("email_marketing_consent", "emailMarketingConsent"),
        ("sms_marketing_consent", "smsMarketingConsent"),
    ],
    "companies": [
        ("name", "name"),
        ("phone", "location.phone"),
        ("address1", "location.address1"),
        ("address2", "location.address2"),
        ("city", "location.city"),
        ("province", "location.zoneCode"),
        ("postal_code", "location.zip"),
        ("country_code", "location.countryCode"),
    ],
    "products": [
        ("name", "title"),
        ("description", "descriptionHtml"),
        ("vendor", "vendor"),
        ("product_type", "productType"),
        ("status", "status"),
        ("tags", "tags"),
        ("sku", "variants.first.sku"),
        ("price", "variants.first.price"),
    ],
}

# The fields an object is matched by: their mapping cannot be turned off.
REQUIRED = {"contacts": {"email"}, "companies": {"name"}, "products": {"name"}}


def default_direction(object_type: str, shopify_field: str) -> str:
    return BOTH if SHOPIFY_FIELDS[object_type][shopify_field].input_key else TO_CRM


def inbound(direction: str) -> bool:
    return direction in (BOTH, TO_CRM)


def outbound(direction: str) -> bool:
    return direction in (BOTH, TO_SHOPIFY)


def ensure_defaults(setting) -> None:
    """Give a two-way sync its default mappings (once; turned-off ones stay off)."""
    from sync.models import FieldMapping

    if setting.object_type not in DEFAULTS:
        return
    FieldMapping.objects.bulk_create(
        [
            FieldMapping(
                setting=setting,
                crm_field=crm_field,
                shopify_field=shopify_field,
                direction=default_direction(setting.object_type, shopify_field),
                is_default=True,
            )
            for crm_field, shopify_field in DEFAULTS[setting.object_type]
        ],
        ignore_conflicts=True,
    )


def crm_fields(object_type: str) -> dict[str, CrmField]:
    """The CRM fields a mapping of the object may name: the table above, and for orders
    their custom properties (`properties.<internal name>`)."""
    if object_type != "orders":
        return CRM_FIELDS.get(object_type, {})
    from crm.models import PropertyDefinition

    return {
        f"{PROPERTY_PREFIX}{d.internal_name}": CrmField(d.label, d.type)
        for d in PropertyDefinition.objects.filter(object_type="order")
    }


def active(setting) -> list:
    """The sync's mappings that are on (the defaults made on first use)."""
    if setting.object_type not in DEFAULTS:
        if setting.object_type not in SHOPIFY_FIELDS:
            return []
        return [m for m in setting.field_maps.all() if m.enabled]
    maps = list(setting.field_maps.all())
    if not any(m.is_default for m in maps):
        ensure_defaults(setting)
        maps = list(setting.field_maps.all())
    return [m for m in maps if m.enabled]


def shopify_values(object_type: str, fields: dict) -> dict:
    """A parsed Shopify record's values by Shopify field (the adapters parse to CRM names)."""
    return {
        shopify_field: normal(fields.get(crm_field))
        for crm_field, shopify_field in DEFAULTS.get(object_type, ())
    }


def normal(value):
    """A value as it is compared and kept in `synced_values`: JSON, one form per meaning."""
    if type(value) is str:  # most values, first
        return value
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, (list, tuple)):
        return sorted(str(item) for item in value)
    if isinstance(value, (str, bool, int)):
        return value
    return str(value)


def blank(value) -> bool:
    return value in ("", None, [])


def crm_value(model, crm_field: str, value):
    """A Shopify value (as `normal` gives it) in the CRM field's own type."""
    return crm_converter(model, crm_field)(value)


@functools.cache
def crm_converter(model, crm_field: str):
    """What `crm_value` does for one CRM field, looked up once (a batch converts thousands)."""
    kind = CRM_FIELDS[model_object_type(model)][crm_field].kind
    if kind == TEXT:
        return _as_text
    if kind == LIST:
        return _as_list
    target = model._meta.get_field(crm_field)

    def typed(value):
        if blank(value):
            return None if target.null else target.get_default()
        return target.to_python(value)

    return typed


def _as_text(value) -> str:
    if isinstance(value, list):
        return ", ".join(value)  # anything becomes text
    return "" if value is None else str(value)


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value] if value else []


def model_object_type(model) -> str:
    return {"Contact": "contacts", "Company": "companies", "Product": "products"}[model.__name__]


# Kinds that map onto each other as they are; anything else can only become text, one way.
SAME_KIND = {TEXT, NUMBER, DATE, BOOLEAN, ENUMERATION, LIST}


def problem(object_type: str, crm_field: str, shopify_field: str, direction: str, others) -> str:
    """Why this mapping cannot be (a sentence for the merchant), or "" when it can. `others`:
    the sync's other enabled mappings, as (crm field, shopify field, direction)."""
    crm = crm_fields(object_type).get(crm_field)
    shop = SHOPIFY_FIELDS.get(object_type, {}).get(shopify_field)
    if crm is None:
        return f"{crm_field!r} is not a CRM field of {object_type}."
    if shop is None:
        return f"{shopify_field!r} is not a Shopify field of {object_type}."
    names = f"{crm.label} (CRM, {crm.kind}) and {shop.label} (Shopify, {shop.kind})"
    if crm.kind != shop.kind:
        if crm.kind == TEXT and direction != TO_CRM:
            return f"{names}: a {shop.kind} becomes text only one way, Shopify → CRM."
        if shop.kind == TEXT and direction != TO_SHOPIFY:
            return f"{names}: a {crm.kind} becomes text only one way, CRM → Shopify."
        if TEXT not in (crm.kind, shop.kind):
            return f"{names} are not compatible."
    if outbound(direction) and not shop.input_key:
        return f"The app cannot write Shopify's {shop.label}: it can only flow to the CRM."
    for other_crm, other_shop, other_direction in others:
        if (other_crm, other_shop) == (crm_field, shopify_field):
            return f"{crm.label} ⇄ {shop.label} is already mapped."
        if inbound(direction) and inbound(other_direction) and other_crm == crm_field:
            source = SHOPIFY_FIELDS[object_type][other_shop].label
            return f"The CRM's {crm.label} already gets its value from Shopify's {source}."
        if outbound(direction) and outbound(other_direction) and other_shop == shopify_field:
            source = crm_fields(object_type)[other_crm].label
            return f"Shopify's {shop.label} already gets its value from the CRM's {source}."
    return ""
