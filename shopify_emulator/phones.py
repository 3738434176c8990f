"""Customer phone numbers as Shopify accepts them.

`CustomerInput.phone` is "The unique phone number for the customer" (Admin GraphQL schema
2026-10), "Formatted using E.164 standard. For example, +16135551111" (the Customer object's
phone field, shopify.dev). A number that is not a valid, dialable number is refused with the
userError "Phone is invalid", and one another customer of the shop already has with "Phone has
already been taken" (Shopify's customer validation, the same in the admin and every API:
Shopify staff on https://github.com/Shopify/mobile-buy-sdk-android/issues/582 — "The error
returned simply says 'Phone is invalid'", E.164 required — and REST's
`{"errors": {"phone": ["has already been taken"]}}`). Valid numbers are stored in E.164, as
Shopify stores them, so "+46 70 123 45 67" is kept as "+46701234567".

Validity is Google's libphonenumber metadata (the `phonenumbers` package): a number must carry
its country code, since the emulator's shops have no country to dial from.
"""

from __future__ import annotations

import phonenumbers

INVALID = "Phone is invalid"
TAKEN = "Phone has already been taken"


def e164(phone: str) -> str | None:
    """`phone` in E.164 when it is a valid number, else None."""
    try:
        parsed = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
