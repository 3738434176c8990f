"""Failing records as CSV, for operators to share or work through in a spreadsheet."""

from crm import csv_export

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


def issues_csv(issues, filename: str = "failing-records.csv"):
    def rows():
        yield COLUMNS
        for issue in issues.select_related("store").iterator(chunk_size=2000):
            yield [
                issue.store.shop_domain,
                issue.object_type,
                issue.shopify_id,
                issue.crm_id,
                issue.error,
                issue.attempts,
                issue.first_seen_at,
                issue.last_seen_at,
                issue.resolved_at,
            ]

    return csv_export.csv_response(filename, rows())
