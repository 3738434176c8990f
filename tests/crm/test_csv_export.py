"""The one CSV writer: what a spreadsheet would run as a formula is written as text (finding
8: titles like =HYPERLINK(…) were live in report CSVs, and tab and carriage return slipped
past the staff pages' check)."""

import datetime
from decimal import Decimal

import pytest

from crm.csv_export import csv_response, safe_cell


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Mug", "Mug"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (Decimal("-12.50"), Decimal("-12.50")),  # a refund's amount is a number, not a formula
        (-3, -3),
        (True, "true"),
        (datetime.datetime(2026, 12, 7, 8, 0, tzinfo=datetime.UTC), "2026-12-07T08:00:00+00:00"),
    ],
)
def test_a_cell_a_spreadsheet_would_run_is_text(value, cell):
    assert safe_cell(value) == cell


def test_the_response_streams_rows_and_names_a_safe_file():
    response = csv_response(
        'top "products"\r\n.csv', [["title", "revenue"], ["=cmd|' /C calc'!A0", Decimal("5.00")]]
    )

    assert response["Content-Disposition"] == 'attachment; filename="topproducts.csv"'
    assert b"".join(response.streaming_content).decode() == (
        "title,revenue\r\n'=cmd|' /C calc'!A0,5.00\r\n"
    )
