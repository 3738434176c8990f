"""The one CSV writer of the product: staff lists, dashboard reports, failing records. A cell
that starts like a formula (`= + - @`, or a tab or carriage return a spreadsheet skips before
one) is written as text, with a leading apostrophe: names, titles and error messages come from
shoppers and merchants, and a spreadsheet would run `=HYPERLINK(…)` as it opens the file.
https://owasp.org/www-community/attacks/CSV_Injection
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """What csv.writer writes to: each row comes back as text, to be streamed."""

    def write(self, value):
        return value


def safe_cell(value):
    """A value as a CSV cell: numbers stay numbers, times are ISO 8601, None is empty, and
    text that a spreadsheet would run as a formula is text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_response(filename: str, rows: Iterable[Iterable]) -> StreamingHttpResponse:
    """Rows (the header first) as a CSV download, streamed: never held in memory."""
    writer = csv.writer(_Echo())
    safe_name = "".join(c for c in filename if c.isalnum() or c in "._-") or "export.csv"
    return StreamingHttpResponse(
        (writer.writerow([safe_cell(value) for value in row]) for row in rows),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{safe_name}"'},
    )
