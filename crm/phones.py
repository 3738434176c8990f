"""Phone numbers as Shopify takes them: valid numbers in E.164 (+46701234567). Shopify refuses
any other ("Phone is invalid"), long after and far from whoever typed it, so a number a person
or another app types is checked when it is saved — the admin's forms and the API call
`checked` — and saved in E.164. One typed without its country code is read as a number of the
country of the record's store (`region_for`).

Numbers the sync brings from Shopify are never checked here: Shopify validated them, and the
sync writes in bulk, without forms. Nor is a number left as it was stored: a record with an
old bad number still opens and saves (the admin says what is wrong with it); only a new value
must be valid.

The CRM knows no stores: the app that syncs registers a function naming the country of a
record's store, as it does for links and sources."""

from __future__ import annotations

from collections.abc import Callable

import phonenumbers
from django.conf import settings
from django.core import checks
from django.core.exceptions import ValidationError
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

# Each takes a record (None, or unsaved, when it is new) and returns the ISO 3166-1 alpha-2
# code of the country its numbers are read in, or "" when it cannot tell.
_providers: list[Callable] = []

_TOO_SHORT = {
    NumberParseException.TOO_SHORT_NSN,
    NumberParseException.TOO_SHORT_AFTER_IDD,
}
_LENGTHS = {
    ValidationResult.TOO_SHORT: "Too short for a phone number {where}.",
    ValidationResult.TOO_LONG: "Too long for a phone number {where}.",
    ValidationResult.INVALID_LENGTH: "No phone number {where} has this many digits.",
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: (
        "Add the area code: without it this is only a local number {where}."
    ),
}
# Shown when no country's mobile number serves as the example.
EXAMPLE = "+46701234567"


def register(provider: Callable) -> None:
    if provider not in _providers:
        _providers.append(provider)


def region_for(record) -> str:
    """The country a number typed for `record` without its country code is read in: what a
    registered provider says (the sync: the store the record came from, else the one country
    of the connected stores), else CRM_DEFAULT_PHONE_REGION; "" when none says."""
    for provider in _providers:
        region = known_region(provider(record))
        if region:
            return region
    return known_region(settings.CRM_DEFAULT_PHONE_REGION)


def known_region(code: str | None) -> str:
    """`code` as a country phonenumbers knows numbers of, else "" (Shopify's "ZZ", typos)."""
    code = (code or "").strip().upper()
    return code if code in phonenumbers.SUPPORTED_REGIONS else ""


def checked(typed: str | None, record=None) -> str:
    """What is saved when someone sets `record`'s phone to `typed`: "" when blank, the stored
    value when it is left as it was (`record` as loaded, before the change), else the number
    in E.164. Raises ValidationError (code "invalid") saying what is wrong."""
    typed = (typed or "").strip()
    if not typed:
        return ""
    stored = (record.phone or "") if record is not None and record.pk is not None else ""
    if typed == stored.strip():
        return stored
    region = "" if typed.startswith("+") else region_for(record)
    return e164(typed, region)


def e164(typed: str, region: str, *, hint: bool = True) -> str:
    """`typed` in E.164, a number without its country code read as one of `region` (none when
    ""). Raises ValidationError with the reason it is not a phone number Shopify takes, and
    (`hint`) how to type a number of another country when it was read in `region`."""
    try:
        number = phonenumbers.parse(typed, region or None)
    except NumberParseException as error:
        raise ValidationError(_unreadable(error, typed, region), code="invalid") from None
    if number.extension:
        raise ValidationError(
            "Leave out the extension: Shopify keeps phone numbers without one.", code="invalid"
        )
    # The country the digits were read in, when they carry no country code of their own.
    read_in = region if number.country_code == _calling_code(region) else ""
    problem = _problem(number, "" if typed.startswith("+") else read_in, hint)
    if problem:
        raise ValidationError(problem, code="invalid")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def problem_with_stored(record) -> str:
    """What is wrong with the phone `record` holds now ("" when Shopify takes it, or it is
    blank): what the admin tells whoever opens a record with an old number."""
    stored = (record.phone or "").strip() if record is not None else ""
    if not stored:
        return ""
    try:
        normal = e164(stored, "" if stored.startswith("+") else region_for(record), hint=False)
    except ValidationError as error:
        reason = " ".join(error.messages)
        return (
            f"Shopify will refuse the number saved now: {reason[:1].lower()}{reason[1:]} It "
            "stays as it is until someone changes it."
        )
    if normal != stored:
        return (
            "Shopify will refuse the number saved now as it is written: type it again to save "
            f"it as {normal}."
        )
    return ""


def help_text(record) -> str:
    """What the phone field tells the person typing: the form it is saved in, and where a
    number without its country code is taken to be."""
    region = region_for(record)
    if not region:
        return (
            f"Saved in international form (E.164, e.g. {EXAMPLE}), as Shopify needs. Start "
            "it with + and the country code: no country is set for numbers without one."
        )
    return (
        f"Saved in international form (E.164, e.g. {_example(region)}), as Shopify needs. A "
        f"number without + and a country code is taken to be in {_country_name(region)}."
    )


def check_default_region(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A system check: a CRM_DEFAULT_PHONE_REGION nobody's numbers have would be ignored."""
    code = settings.CRM_DEFAULT_PHONE_REGION
    if code and not known_region(code):
        return [
            checks.Error(
                f"CRM_DEFAULT_PHONE_REGION={code!r} is not a country with phone numbers.",
                hint="Use an ISO 3166-1 alpha-2 code such as SE, or leave it empty.",
                id="crm.E001",
            )
        ]
    return []


def _unreadable(error: NumberParseException, typed: str, region: str) -> str:
    if error.error_type == NumberParseException.INVALID_COUNTRY_CODE:
        if typed.startswith("+") or region:
            return "The country code is not one in use: check the digits after +."
        return (
            "Start the number with + and its country code (e.g. +46 for Sweden): no country "
            "is set for numbers without one."
        )
    if error.error_type in _TOO_SHORT or _only_a_few_digits(error, typed):
        return "Too short for a phone number."
    if error.error_type == NumberParseException.TOO_LONG:
        return "Too long for a phone number."
    return "This is not a phone number: type its digits, starting with + and the country code."


def _only_a_few_digits(error: NumberParseException, typed: str) -> bool:
    """ "+46" or "7": phonenumbers calls fewer than two digits after the code no number."""
    return error.error_type == NumberParseException.NOT_A_NUMBER and not any(
        character.isalpha() for character in typed
    )


def _problem(number: phonenumbers.PhoneNumber, region: str, hint: bool) -> str:
    """What is wrong with a parsed number ("" when nothing), `region` being the country a
    number typed without its country code was read in ("" for one typed with it)."""
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason == ValidationResult.INVALID_COUNTRY_CODE:
        return f"+{number.country_code} is not a country code in use."
    where = _where(number.country_code, region)
    if reason in _LENGTHS:
        problem = _LENGTHS[reason].format(where=where)
    elif not phonenumbers.is_valid_number(number):
        problem = f"Not a valid phone number {where}."
    else:
        return ""
    if region and hint:
        problem += " For a number in another country, start with + and its country code."
    return problem


def _where(country_code: int, region: str) -> str:
    """ "in Sweden" for a number read in Sweden; "in Sweden (+46)" for one typed with its
    code; "with the country code +1" when countries share the code."""
    if region:
        return f"in {_country_name(region)}"
    regions = phonenumbers.region_codes_for_country_code(country_code)
    if len(regions) == 1:
        return f"in {_country_name(regions[0])} (+{country_code})"
    return f"with the country code +{country_code}"


def _calling_code(region: str) -> int:
    return phonenumbers.country_code_for_region(region) if region else 0


def _example(region: str) -> str:
    example = phonenumbers.example_number_for_type(
        region, phonenumbers.PhoneNumberType.MOBILE
    ) or phonenumbers.example_number(region)
    return phonenumbers.format_number(example, PhoneNumberFormat.E164) if example else EXAMPLE


def _country_name(region: str) -> str:
    # phonenumbers' own table of country names (a name may point at another language's entry
    # with "*lang"); imported only when a message needs it.
    from phonenumbers.geodata.locale import LOCALE_DATA

    names = LOCALE_DATA.get(region, {})
    name = names.get("en", "")
    if name.startswith("*"):
        name = names.get(name[1:], "")
    return name or region
