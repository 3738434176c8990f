"""How a dashboard shows a report's numbers: amounts as money per currency ("$19,886.89"),
counts grouped ("1,234"), rates as percentages ("67.0%"), and the change from the previous
period with one sign ("▲ 4.7%", "▼ 4.7%"). The reports themselves (and the API, and the CSV
files) keep plain numbers; only the page is formatted, here, through crm.money."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from babel.dates import format_date

from crm.models import CartStatus, FinancialStatus
from crm.money import (
    current_locale,
    format_money,
    format_number,
    format_percent,
    plain_amount,
)

# Reports whose value is {currency: amount}.
MONEY_PER_CURRENCY = frozenset(
    {"total_revenue", "average_order_value", "customer_lifetime_value", "refunds"}
)
# Reports whose value is a ratio from 0 to 1. The reports round ratios to hundredths, so a
# rate shows as a whole percentage ("33%"): a decimal more would claim a precision it lacks.
RATES = frozenset({"repeat_purchase_rate"})
RATE_DECIMALS = 0
NONE = "—"


@dataclass(frozen=True)
class Line:
    """One line of a report card: a label (a currency, "Rate"…; "" for a single number), the
    value as shown, and the change from the previous period as shown (None: not compared)."""

    label: str
    text: str
    change: str | None = None
    direction: str = ""  # "up", "down" or "" (no change): a class for the arrow's colour


def change(percent: Decimal | None) -> tuple[str | None, str]:
    """A change in percent (Decimal("-4.7")) as ("▼ 4.7%", "down"); None → (None, "")."""
    if percent is None:
        return None, ""
    text = format_percent(abs(percent) / 100)
    if percent > 0:
        return f"▲ {text}", "up"
    if percent < 0:
        return f"▼ {text}", "down"
    return text, ""


def lines(key: str, value, changes: dict) -> list[Line]:
    """The lines of a built-in report shown as numbers (not as a chart)."""
    # An amount says its currency itself ("€1,511.00", "SEK 1,234.50"): no label beside it.
    if key in MONEY_PER_CURRENCY:
        return [
            Line("", format_money(amount, currency) or NONE, *change(changes.get(currency)))
            for currency, amount in value.items()
        ]
    if key in RATES:
        return [Line("", _rate(value), *change(changes.get("")))]
    if key == "abandoned_carts":
        return [
            Line("", f"{_carts(row['count'])} · {format_money(row['value'], currency)}")
            for currency, row in value.items()
        ]
    if key == "cart_recovery":
        revenue = [
            Line("Recovered", format_money(amount, currency))
            for currency, amount in value["revenue"].items()
        ]
        return [Line("Recovery rate", _rate(value["rate"])), *revenue]
    if isinstance(value, dict):  # counts by name
        return [Line(str(label), format_number(count) or NONE) for label, count in value.items()]
    return [Line("", format_number(value) or NONE, *change(changes.get("")))]


def _rate(ratio) -> str:
    return format_percent(ratio, RATE_DECIMALS) or NONE


def _carts(count) -> str:
    return f"{format_number(count)} cart{'' if count == 1 else 's'}"


def custom_group(report, group) -> str:
    """A custom report's group as a person reads it: a day as 2026-11-02, a week as "Week of
    2026-11-02", a month as "Nov 2026", a status by its label ("Partially refunded")."""
    if isinstance(group, datetime.datetime | datetime.date):
        if report.group_by == "month":
            return format_date(group, "MMM y", locale=current_locale())
        if report.group_by == "week":
            return f"Week of {group:%Y-%m-%d}"
        return f"{group:%Y-%m-%d}"
    if report.group_by == "status":
        statuses = FinancialStatus if report.object_type == "orders" else CartStatus
        return dict(statuses.choices).get(group, str(group))
    return str(group)


def custom_cells(report, row: tuple) -> tuple[str, str]:
    """A custom report's row (group, [currency,] value) as (group, value) shown: an amount as
    money in its currency, a count or a number grouped."""
    group, *rest = row
    if len(rest) == 2:
        currency, amount = rest
        return custom_group(report, group), format_money(amount, currency) or NONE
    return custom_group(report, group), format_number(rest[0]) or NONE


def plain_row(row: list) -> list:
    """A CSV row with each amount at its currency's decimals ("19886.89", never
    "19886.8900000000"): the row's first three-letter upper-case cell names the currency."""
    currency = next(
        (cell for cell in row if isinstance(cell, str) and len(cell) == 3 and cell.isupper()),
        None,
    )
    if currency is None:
        return row
    return [plain_amount(cell, currency) if isinstance(cell, Decimal) else cell for cell in row]
