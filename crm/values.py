"""Values of the fields that sync to the stores, checked the way the stores check them, when a
person or an app saves them (the admin's forms and the API call these, as they call
crm.phones for phone numbers). A value Shopify would refuse is refused here, with the reason,
and nothing is saved — rather than saved "successfully" and refused later, far from whoever
typed it.

As with phone numbers, a value left as it was stored is never checked: a record holding an old
value still opens and saves; only a new value must be valid."""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

# Shopify's own rule for a customer's email (the part Django's validator lets through beyond
# it: a domain without a dot, such as localhost, or an address literal such as [10.0.0.1]).
EMAIL_DOMAIN = re.compile(r"^[^@\s\[\]]+\.[^@\s.\[\]]+$")
MAX_TAG_LENGTH = 255


def email(typed: str | None, stored: str | None = None) -> str:
    """The email to save, trimmed; "" when blank. Raises ValidationError saying why a store
    would refuse it."""
    typed = (typed or "").strip()
    if not typed or typed == (stored or "").strip():
        return typed
    validate_email(typed)
    domain = typed.rpartition("@")[2]
    if not EMAIL_DOMAIN.match(domain):
        raise ValidationError(
            f"“{domain}” is not a domain Shopify takes: an email address needs one such as "
            "example.com.",
            code="invalid",
        )
    return typed


def tags(value, stored=None) -> list[str]:
    """The tags to save: texts, trimmed, without repeats. Raises ValidationError for what
    Shopify cannot keep as tags (a comma splits a tag in two there; 255 characters at most)."""
    if value in (None, ""):
        return []
    if value == stored:
        return value
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise ValidationError(
            'Tags are a list of texts, e.g. ["vip", "wholesale"].', code="invalid"
        )
    kept: list[str] = []
    for tag in (tag.strip() for tag in value):
        if not tag:
            raise ValidationError("A tag cannot be empty.", code="invalid")
        if "," in tag:
            raise ValidationError(
                f"“{tag}” holds a comma, which Shopify reads as two tags: make it two tags.",
                code="invalid",
            )
        if len(tag) > MAX_TAG_LENGTH:
            raise ValidationError(
                f"A tag has at most {MAX_TAG_LENGTH} characters; “{tag[:30]}…” has {len(tag)}.",
                code="invalid",
            )
        if tag not in kept:
            kept.append(tag)
    return kept


def price(value, stored=None):
    """A price to save: none, or zero or more (Shopify refuses a negative price)."""
    if value is None or value == stored:
        return value
    if Decimal(value) < 0:
        raise ValidationError("A price cannot be negative.", code="invalid")
    return value
