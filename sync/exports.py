"""Failing records as CSV, for operators to share or work through in a spreadsheet."""

import csv

from django.http import HttpResponse

COLUMNS = [
    "store",
    "object",
    "shopify_id",
    "crm_id",
    "error",
    "attempts",
    "first_seen_at",
    "last_seen_at",
    "resolved_at",
]
# A cell starting with one of these is a formula to a spreadsheet; error messages can quote
# what a shopper typed, so such a cell is written as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def issues_csv(issues, filename: str = "failing-records.csv") -> HttpResponse:
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
    writer = csv.writer(response)
    writer.writerow(COLUMNS)
    for issue in issues.select_related("store").iterator(chunk_size=2000):
        writer.writerow(
            [
                issue.store.shop_domain,
                issue.object_type,
                _blank(issue.shopify_id),
                _blank(issue.crm_id),
                _text(issue.error),
                issue.attempts,
                _iso(issue.first_seen_at),
                _iso(issue.last_seen_at),
                _iso(issue.resolved_at),
            ]
        )
    return response


def _text(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _blank(value):
    return "" if value is None else value


def _iso(moment) -> str:
    return moment.isoformat() if moment else ""
