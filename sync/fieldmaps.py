"""Field mappings: which CRM field is which Shopify field, and which way it flows.

Each object pair declares its own field table (`Adapter.shopify_fields`, `crm_fields` and the
`default_maps` a new sync starts with); each sync holds its own `FieldMapping` rows, the defaults
(which can be turned off, never deleted) and custom ones. This module is what every table shares:
the kinds of field, how values are compared and converted, and which mappings can work. A Shopify
field with no input key cannot be written through the object's create/update mutation
(addresses and marketing consent have mutations of their own), so it only flows to the CRM.
"""

from __future__ import annotations

import datetime
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
        return as_text
    if kind == LIST:
        return _as_list
    target = model._meta.get_field(crm_field)

    def typed(value):
        if blank(value):
            return None if target.null else target.get_default()
        return target.to_python(value)

    return typed


def as_text(value) -> str:
    """Any kind's value as a person would write it in a text field: a list as "gift-buyer,
    vip", a yes/no as "Yes"/"No", a number as its digits, nothing as "" (never a Python repr
    such as `['gift-buyer']`, `Decimal('1.50')`, `None` or `True`)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, (list, tuple)):
        return ", ".join(as_text(item) for item in value if not blank(item))
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)


def one_way(crm_kind: str, shopify_kind: str) -> MapDirection | None:
    """The only way a mapping between fields of these kinds can flow, or None when the kinds
    are the same (both ways possible). Anything becomes text, one way: text cannot become a
    list, a number or a yes/no again, so a text field never sends its value back."""
    if crm_kind == shopify_kind:
        return None
    if crm_kind == TEXT:
        return MapDirection.TO_CRM
    if shopify_kind == TEXT:
        return MapDirection.TO_SHOPIFY
    return None


def effective_direction(crm: CrmField | None, shop: ShopifyField | None, direction: str):
    """Which way a saved mapping between these fields really flows: a mapping between kinds
    only the one way it can (one saved "both ways" before that was enforced flows one way);
    None when it cannot flow at all (an unknown field, incompatible kinds, the impossible
    way)."""
    if crm is None or shop is None:
        return None
    direction = MapDirection(direction)
    if crm.kind == shop.kind:
        return direction
    only = one_way(crm.kind, shop.kind)
    if only is None or direction not in (only, MapDirection.BOTH):
        return None
    return only


def outbound_value(crm_kind: str, shopify_kind: str, value):
    """A CRM value (as `normal` gives it) as Shopify's field of `shopify_kind` takes it."""
    if shopify_kind == TEXT and crm_kind != TEXT:
        return as_text(value)
    return value


def inbound_value(crm_kind: str, shopify_kind: str, value):
    """A Shopify value (as `normal` gives it) as the CRM's field of `crm_kind` is compared."""
    if crm_kind == TEXT and shopify_kind != TEXT:
        return as_text(value)
    return value


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
        only = one_way(crm.kind, shop.kind)
        if only is None:
            return f"{names} are not compatible."
        if direction != only:
            kind = shop.kind if only == MapDirection.TO_CRM else crm.kind
            return f"{names}: a {kind} becomes text only one way, {only.label}."
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
