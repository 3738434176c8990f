"""The one way the product shows money and numbers to a person: CLDR's formats through babel,
in the active language's locale (Django's LANGUAGE_CODE, "en-us" → en_US).

- `format_money(Decimal("1234.5"), "USD")` → "$1,234.50"; "EUR" → "€1,234.50"; "SEK" →
  "SEK 1,234.50" (a no-break space); "JPY" → "¥1,235"; "KWD" → "KWD 12.345". Each currency
  shows its own number of decimals (ISO 4217, as CLDR knows them), rounded half up as shops
  round, whatever the stored scale (amounts are stored with three decimals).
- `format_number(1234)` → "1,234"; `format_percent(Decimal("0.67"))` → "67.0%".
- `plain_amount` is the machine form CSV files take: a Decimal at the currency's decimals, no
  symbol, no grouping.

Pages, the admin and the dashboards call these (templates through the `money` filter library);
the API keeps its own representation (decimal strings).
"""

from __future__ import annotations

import functools
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, format_decimal, get_currency_precision, parse_pattern
from django.utils import translation

FALLBACK_LOCALE = "en_US"
NO_BREAK_SPACE = "\xa0"
# CLDR's currency spacing: a symbol made of letters ("SEK", "KWD") is kept apart from the
# digits by a no-break space, as "SEK 1,234.50"; babel leaves that to the caller.
_LETTER_THEN_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)")
_DIGIT_THEN_LETTER = re.compile(r"(?<=\d)(?=[^\W\d_])")


@functools.lru_cache(maxsize=32)
def _locale(language: str | None) -> Locale:
    try:
        return Locale.parse(translation.to_locale(language or "en-us"))
    except (ValueError, UnknownLocaleError):
        return Locale.parse(FALLBACK_LOCALE)


def current_locale() -> Locale:
    """The locale of the language active in this request (LANGUAGE_CODE when none is)."""
    return _locale(translation.get_language())


def decimal_places(currency: str) -> int:
    """The currency's minor unit digits (ISO 4217): 2 for most, 0 for JPY, 3 for KWD."""
    return get_currency_precision(currency) if currency else 2


def _as_decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def plain_amount(amount, currency: str) -> Decimal | None:
    """The amount at its currency's decimals, rounded half up: `91.840` USD → `91.84`."""
    value = _as_decimal(amount)
    if value is None or not value.is_finite():
        return value
    return value.quantize(Decimal(1).scaleb(-decimal_places(currency)), rounding=ROUND_HALF_UP)


def format_money(amount, currency: str) -> str:
    """The amount as a person reads it in the active locale; None (or not a number) → ""."""
    value = plain_amount(amount, currency)
    if value is None or not value.is_finite():
        return ""
    locale = current_locale()
    if not currency:
        places = decimal_places(currency)
        return format_decimal(
            value, format=f"#,##0.{'0' * places}", locale=locale, decimal_quantization=False
        )
    text = format_currency(value, currency, locale=locale)
    text = _LETTER_THEN_DIGIT.sub(NO_BREAK_SPACE, text)
    return _DIGIT_THEN_LETTER.sub(NO_BREAK_SPACE, text)


def _with_decimals(pattern, decimals: int | None):
    """The locale's own pattern (grouping, sign, spacing) with exactly `decimals` decimals."""
    pattern = parse_pattern(pattern.pattern)
    if decimals is not None:
        pattern.frac_prec = (decimals, decimals)
    return pattern


def format_number(number, decimals: int | None = None) -> str:
    """A count or a number with the locale's grouping: 1234 → "1,234". With `decimals`, that
    many decimals exactly; without, up to three (1234.5 → "1,234.5")."""
    value = _as_decimal(number)
    if value is None or not value.is_finite():
        return ""
    locale = current_locale()
    if decimals is not None:
        value = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return _with_decimals(locale.decimal_formats[None], decimals).apply(value, locale)


def format_percent(ratio, decimals: int = 1) -> str:
    """A ratio (0.67) as a percentage: "67.0%"; None → "". `decimals` after the point."""
    value = _as_decimal(ratio)
    if value is None or not value.is_finite():
        return ""
    locale = current_locale()
    value = (value * 100).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP) / 100
    return _with_decimals(locale.percent_formats[None], decimals).apply(value, locale)
