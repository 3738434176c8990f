"""What every index page does: read the filters, sort by an allowed column, and show one page
with a fixed number of queries — no COUNT over the whole table (slow at a million rows): a
page knows whether there is a next one by fetching one row more."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import BadRequest
from django.http import StreamingHttpResponse

from crm import csv_export

PAGE_SIZE = 50
# Half a million rows in: further is for the filters or the CSV, not for paging.
MAX_PAGE = 10_000


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
    if not (raw.isascii() and raw.isdigit() and 0 < int(raw[:7]) <= MAX_PAGE):
        raise BadRequest(f"The page must be a whole number from 1 to {MAX_PAGE:,}.")
    number = int(raw)
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


def csv_response(filename: str, columns: list[str], row, queryset) -> StreamingHttpResponse:
    """The whole queryset as CSV (`crm.csv_export`: streamed, formulas written as text)."""

    def rows():
        yield columns
        for record in queryset.iterator(chunk_size=2000):
            yield row(record)

    return csv_export.csv_response(filename, rows())
