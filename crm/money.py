"""Showing amounts of money with the number of decimals their currency uses."""

from decimal import Decimal

# ISO 4217 minor units where they differ from 2.
# fmt: off
_ZERO_DECIMAL_CURRENCIES = frozenset({
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
    "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF",
})
_THREE_DECIMAL_CURRENCIES = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})
# fmt: on


def decimal_places(currency: str) -> int:
    if currency in _ZERO_DECIMAL_CURRENCIES:
        return 0
    if currency in _THREE_DECIMAL_CURRENCIES:
        return 3
    return 2


def format_money(amount: Decimal | None, currency: str) -> str:
    """`format_money(Decimal("1234.5"), "EUR")` → "1,234.50 EUR"; None → ""."""
    if amount is None:
        return ""
    places = decimal_places(currency)
    return f"{amount:,.{places}f} {currency}".strip()
