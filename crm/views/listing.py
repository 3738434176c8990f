"""What every index page does: read the filters, sort by an allowed column, and show one page
with a fixed number of queries — no COUNT over the whole table (slow at a million rows): a
page knows whether there is a next one by fetching one row more."""

from __future__ import annotations

import csv
from dataclasses import dataclass

from django.http import StreamingHttpResponse

PAGE_SIZE = 50


@dataclass
class Page:
    rows: list
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def page_of(request, queryset, size: int = PAGE_SIZE) -> Page:
    raw = request.GET.get("page", "1")
    number = int(raw) if raw.isdigit() and int(raw) > 0 else 1
    start = (number - 1) * size
    rows = list(queryset[start : start + size + 1])
    return Page(rows=rows[:size], number=number, has_next=len(rows) > size)


def sorted_by(request, queryset, allowed: dict[str, str], default: str):
    """`?sort=column` or `?sort=-column`, for the columns in `allowed` (name → field); the id
    breaks ties so pages never repeat or skip a row."""
    key = request.GET.get("sort", default)
    name = key.lstrip("-")
    if name not in allowed:
        key, name = default, default.lstrip("-")
    direction = "-" if key.startswith("-") else ""
    return queryset.order_by(f"{direction}{allowed[name]}", f"{direction}id"), key


def query_without(request, *names) -> str:
    """The current query string without `names` (for sort and page links)."""
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


class _Echo:
    def write(self, value):
        return value


def csv_response(filename: str, columns: list[str], row, queryset) -> StreamingHttpResponse:
    """The whole queryset as CSV, streamed (never held in memory); cells that a spreadsheet
    would run as a formula are quoted."""
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(columns)
        for record in queryset.iterator(chunk_size=2000):
            yield writer.writerow([safe_cell(value) for value in row(record)])

    return StreamingHttpResponse(
        rows(),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text
