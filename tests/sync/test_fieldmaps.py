"""Mappings between kinds: values become text as a person writes it, and flow one way only."""

import datetime
from decimal import Decimal

import pytest

from sync import fieldmaps
from sync.adapters import ADAPTERS
from sync.fieldmaps import BOOLEAN, LIST, NUMBER, TEXT, CrmField, ShopifyField
from sync.models import MapDirection


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (["gift-buyer", "vip"], "gift-buyer, vip"),
        (["gift-buyer"], "gift-buyer"),
        ([], ""),
        (None, ""),
        (True, "Yes"),
        (False, "No"),
        (Decimal("19.90"), "19.90"),
        (Decimal("1E+2"), "100"),
        (7, "7"),
        (datetime.date(2026, 3, 1), "2026-03-01"),
        ("as is", "as is"),
    ],
)
def test_values_become_text_as_a_person_writes_them(value, text):
    assert fieldmaps.as_text(value) == text
    assert fieldmaps.converter(None, TEXT, "note")(value) == text


@pytest.mark.parametrize(
    ("crm_kind", "shopify_kind", "saved", "flows"),
    [
        (TEXT, LIST, "both", MapDirection.TO_CRM),
        (TEXT, LIST, "to_crm", MapDirection.TO_CRM),
        (TEXT, LIST, "to_shopify", None),
        (LIST, TEXT, "both", MapDirection.TO_SHOPIFY),
        (LIST, TEXT, "to_crm", None),
        (TEXT, BOOLEAN, "both", MapDirection.TO_CRM),
        (NUMBER, LIST, "to_crm", None),
        (TEXT, TEXT, "both", MapDirection.BOTH),
        (LIST, LIST, "to_shopify", MapDirection.TO_SHOPIFY),
    ],
)
def test_a_mapping_between_kinds_flows_only_the_way_it_can(crm_kind, shopify_kind, saved, flows):
    crm, shop = CrmField("A", crm_kind), ShopifyField("B", shopify_kind, "b")
    assert fieldmaps.effective_direction(crm, shop, saved) == flows


def test_the_configure_step_refuses_a_list_to_text_both_ways():
    contacts = ADAPTERS["contacts"]
    assert fieldmaps.problem(contacts, "note", "tags", "both", []) == (
        "Note (CRM, text) and Tags (Shopify, list): a list becomes text only one way, "
        "Shopify → CRM."
    )
    assert fieldmaps.problem(contacts, "note", "tags", "to_crm", []) == ""


def test_values_cross_kinds_only_towards_text():
    assert fieldmaps.inbound_value(TEXT, LIST, ["a", "b"]) == "a, b"
    assert fieldmaps.inbound_value(LIST, LIST, ["a", "b"]) == ["a", "b"]
    assert fieldmaps.outbound_value(LIST, TEXT, ["a", "b"]) == "a, b"
    assert fieldmaps.outbound_value(TEXT, TEXT, "a") == "a"
