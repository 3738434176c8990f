"""Ids and text from outside, as they enter: an id Shopify cannot have is no id; NUL never
reaches PostgreSQL."""

import pytest
import responses

from integration import cleaning, ids
from integration.client import ShopifyClient


@pytest.mark.parametrize(
    ("value", "number"),
    [
        (7, 7),
        ("7", 7),
        ("gid://shopify/Customer/7", 7),
        ("gid://shopify/Customer/7?x=1", 7),
        (2**63 - 1, 2**63 - 1),
        (0, None),
        (-1, None),
        (-(2**70), None),
        (2**63, None),
        (2**70, None),
        ("-1", None),
        (str(2**70), None),
        ("9" * 5000, None),
        ("²", None),  # a digit to str.isdigit, no number to int()
        ("gid://shopify/Customer/-1", None),
        ("gid://shopify/Customer/0", None),
        (f"gid://shopify/Customer/{2**70}", None),
        ("gid://shopify/Customer/²", None),
        ("gid://shopify/Customer/" + "1" * 300, None),
        (True, None),
        (1.5, None),
        (None, None),
        ({"id": 1}, None),
    ],
)
def test_an_id_outside_what_shopify_can_have_is_no_id(value, number):
    assert ids.number_or_none(value) == number


@pytest.mark.parametrize("value", ["gid://shopify/Order/0", f"gid://shopify/Order/{2**64}"])
def test_a_gid_outside_what_shopify_can_have_raises(value):
    with pytest.raises(ValueError, match="names no record Shopify can have"):
        ids.number(value)


def test_nul_is_taken_out_of_every_string_and_key_of_json():
    raw = b'{"na\\u0000me": "A\\u0000B", "list": [{"x": "\\u0000"}, 1, null]}'

    assert cleaning.parse_json(raw) == {"name": "AB", "list": [{"x": ""}, 1, None]}
    assert cleaning.parse_json(raw.decode()) == {"name": "AB", "list": [{"x": ""}, 1, None]}


def test_json_nested_deeper_than_orjson_takes_is_refused_not_a_crash():
    with pytest.raises(ValueError):
        cleaning.parse_json(b"[" * 10_000 + b"]" * 10_000)


def test_a_reason_to_record_is_bounded_and_without_nul():
    assert cleaning.clean("a\x00b", 10) == "ab"
    assert cleaning.clean("x" * 20, 10) == "x" * 9 + "…"


@responses.activate
def test_shopify_answers_are_read_without_nul():
    responses.post(
        "https://alpha.myshopify.com/admin/api/2026-10/graphql.json",
        body=b'{"data": {"customer": {"firstName": "Ann\\u0000a"}}}',
        content_type="application/json",
    )
    client = ShopifyClient("alpha.myshopify.com", "shpat_test")

    assert client.execute("{ customer { firstName } }") == {"customer": {"firstName": "Anna"}}
