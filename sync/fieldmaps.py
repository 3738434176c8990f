"""Field mappings: which CRM field is which Shopify field, and which way it flows.

Each object pair declares its own field table (`Adapter.shopify_fields`, `crm_fields` and the
`default_maps` a new sync starts with); each sync holds its own `FieldMapping` rows, the defaults
(which can be turned off, never deleted) and custom ones. This module is what every table shares:
the kinds of field, how values are compared and converted, and which mappings can work. A Shopify
field with no input key cannot be written through the object's create/update mutation
(addresses and marketing consent have mutations of their own), so it only flows to the CRM.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sync.models import MapDirection

TEXT, NUMBER, DATE, BOOLEAN, ENUMERATION, LIST = (
    "text",
    "number",
    "date",
    "boolean",
    "enumeration",
    "list",
)


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


# The CRM's address fields (crm.models.Address), on contacts and companies alike.
CRM_ADDRESS = {
    "address1": CrmField("Address", TEXT),
    "address2": CrmField("Address line 2", TEXT),
    "city": CrmField("City", TEXT),
    "province": CrmField("Province", TEXT),
    "postal_code": CrmField("Postal code", TEXT),
    "country_code": CrmField("Country", TEXT),
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


def converter(model, kind: str, crm_field: str):
    """A function turning a Shopify value (as `normal` gives it) into the CRM field's own type."""
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


def problem(adapter, crm_field: str, shopify_field: str, direction: str, others) -> str:
    """Why this mapping of `adapter`'s pair cannot be (a sentence for the merchant), or "" when
    it can. `others`: the sync's other enabled mappings, as (crm field, shopify field,
    direction)."""
    crm_fields = adapter.mappable_crm_fields()
    crm = crm_fields.get(crm_field)
    shop = adapter.shopify_fields.get(shopify_field)
    if crm is None:
        return f"{crm_field!r} is not a CRM field of {adapter.object_type}."
    if shop is None:
        return f"{shopify_field!r} is not a Shopify field of {adapter.object_type}."
    direction = MapDirection(direction)
    names = f"{crm.label} (CRM, {crm.kind}) and {shop.label} (Shopify, {shop.kind})"
    if crm.kind != shop.kind:
        if crm.kind == TEXT and direction != MapDirection.TO_CRM:
            return f"{names}: a {shop.kind} becomes text only one way, Shopify → CRM."
        if shop.kind == TEXT and direction != MapDirection.TO_SHOPIFY:
            return f"{names}: a {crm.kind} becomes text only one way, CRM → Shopify."
        if TEXT not in (crm.kind, shop.kind):
            return f"{names} are not compatible."
    if direction.outbound and not shop.input_key:
        return f"The app cannot write Shopify's {shop.label}: it can only flow to the CRM."
    for other_crm, other_shop, other_direction in others:
        other_direction = MapDirection(other_direction)
        if (other_crm, other_shop) == (crm_field, shopify_field):
            return f"{crm.label} ⇄ {shop.label} is already mapped."
        if direction.inbound and other_direction.inbound and other_crm == crm_field:
            source = adapter.shopify_fields[other_shop].label
            return f"The CRM's {crm.label} already gets its value from Shopify's {source}."
        if direction.outbound and other_direction.outbound and other_shop == shopify_field:
            source = crm_fields[other_crm].label
            return f"Shopify's {shop.label} already gets its value from the CRM's {source}."
    return ""
