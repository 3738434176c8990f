"""Shopify's ids and times as the product reads them: a GID (`gid://shopify/Order/123`) and the
number at its end, and the ISO 8601 times of its records and headers. One place, so a record, a
webhook body and a bulk line are read the same way."""

from __future__ import annotations

import datetime

from django.utils.dateparse import parse_datetime

GID_PREFIX = "gid://shopify/"
# Shopify's ids are positive 64-bit integers; what is outside is no id of a record (Shopify
# answers "Invalid global id" to it, and failed the whole read it was part of).
MAX_ID = 2**63 - 1


def gid(type_name: str, number: int) -> str:
    """("Order", 123) → "gid://shopify/Order/123"."""
    return f"{GID_PREFIX}{type_name}/{number}"


def kind(value) -> str | None:
    """The kind a GID names: "LineItem" for gid://shopify/LineItem/1; None for anything
    else."""
    if not isinstance(value, str):
        return None
    parts = value.split("/")
    return parts[3] if len(parts) == 5 and parts[:3] == ["gid:", "", "shopify"] else None


def number(value: str | None) -> int | None:
    """The number at the end of a GID (a query string after it, as some GIDs carry, left out):
    gid://shopify/Customer/123 → 123; None for an empty value. A GID that names no number
    raises ValueError: a record with a broken id fails alone."""
    if not value:
        return None
    text = str(value)
    if len(text) > 255:
        raise ValueError(f"{text[:40]!r}… is not a Shopify GID")
    tail = text.rsplit("/", 1)[-1].split("?", 1)[0]
    if not text.startswith(GID_PREFIX) or not (tail.isascii() and tail.isdigit()):
        raise ValueError(f"{text!r} is not a Shopify GID")
    if len(tail) > 19 or not 0 < int(tail) <= MAX_ID:
        raise ValueError(f"{text!r} names no record Shopify can have")
    return int(tail)


def number_or_none(value) -> int | None:
    """A record's number from whatever a webhook body or a broken node holds: a whole number,
    its digits as text, or a GID; None when it is none of these."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= MAX_ID else None
    if isinstance(value, str):
        if value.isascii() and value.isdigit():
            return number_or_none(int(value)) if len(value) <= 19 else None
        try:
            return number(value)
        except ValueError:
            return None
    return None


def moment(text: str | None) -> datetime.datetime | None:
    """An ISO 8601 time ("2026-11-20T12:00:00Z"); None when empty or not a time."""
    if not text:
        return None
    try:
        return parse_datetime(text)
    except ValueError:  # well formed, but no such moment (month 13)
        return None
