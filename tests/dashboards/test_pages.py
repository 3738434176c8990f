"""Dashboards as staff use them: create one from the reports, see it, who may see and change
it, each report's CSV, and a page whose query count does not grow with the data."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.models import Order
from dashboards import aggregates, csv_columns
from dashboards.models import Dashboard, DashboardReport
from dashboards.reports import REGISTRY
from tests.dashboards.conftest import D1, D3, A, B

pytestmark = pytest.mark.django_db

PERIOD = {"range": "custom", "start": D1.isoformat(), "end": D3.isoformat()}


@pytest.fixture
def owner(client, django_user_model):
    user = django_user_model.objects.create_user("owner", password="pw", is_staff=True)
    client.force_login(user)
    return user


@pytest.fixture
def other(django_user_model):
    from django.test import Client

    client = Client()
    client.force_login(django_user_model.objects.create_user("other", password="pw", is_staff=True))
    return client


def create(client, access="view", drop=()):
    keys = [key for key in REGISTRY if key not in drop]
    response = client.post(
        reverse("dashboards:create"),
        {"name": "Shop", "access": access, "reports": keys, "store": ""},
    )
    dashboard = Dashboard.objects.latest("pk")
    assert response["Location"] == reverse("dashboards:page", args=[dashboard.pk])
    return dashboard


def test_a_dashboard_is_created_from_the_reports_that_were_kept(client, owner, shop):
    dashboard = create(client, drop=("refunds", "orders_by_stage"))

    keys = list(dashboard.reports.values_list("report_key", flat=True))
    assert keys == [k for k in REGISTRY if k not in ("refunds", "orders_by_stage")]
    page = client.get(reverse("dashboards:page", args=[dashboard.pk]), PERIOD)
    text = page.content.decode()
    assert page.status_code == 200
    assert 'id="report-total_revenue"' in text and 'id="report-refunds"' not in text
    assert "180" in text and "1000" in text
    assert "vendor/chartjs/chart.umd.min.js" in text


def test_the_store_filter_offers_every_store_with_orders(client, owner, shop):
    dashboard = create(client)

    text = client.get(reverse("dashboards:page", args=[dashboard.pk]), PERIOD).content.decode()

    assert f'<option value="{A}" >{A}</option>' in text
    assert f'<option value="{B}" >{B}</option>' in text


def test_keeping_no_report_is_refused(client, owner):
    response = client.post(reverse("dashboards:create"), {"name": "Empty", "access": "view"})
    assert "Keep at least one report." in response.content.decode()
    assert not Dashboard.objects.exists()


def test_the_headline_numbers_are_compared_with_the_period_before(client, owner, shop):
    dashboard = create(client)
    period = {"range": "custom", "start": "2026-11-02", "end": "2026-11-10"}
    text = client.get(reverse("dashboards:page", args=[dashboard.pk]), period).content.decode()
    # EUR: 80 now, 100 in the nine days before → −20 %: one sign, the arrow's.
    assert (
        '€80.00 <span class="change down" title="Compared with the period before">▼ 20.0%</span>'
        in text
    )
    assert "-20" not in text


def card_lines(text, key):
    """A number card's lines as (label, value) pairs, tags stripped."""
    card = text.split(f'id="report-{key}"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", card, re.S)
    return [
        tuple(
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        )
        for row in rows
    ]


def test_the_numbers_show_as_money_counts_and_percentages(client, owner, shop):
    dashboard = create(client)
    text = client.get(reverse("dashboards:page", args=[dashboard.pk]), PERIOD).content.decode()

    # An amount says its currency: no label beside it.
    assert card_lines(text, "total_revenue") == [("€180.00",), ("SEK\xa01,000.00",)]
    assert card_lines(text, "orders") == [("4",)]
    assert card_lines(text, "average_order_value") == [
        ("€60.00",),
        ("SEK\xa01,000.00",),
    ]
    assert card_lines(text, "repeat_purchase_rate") == [("33%",)]
    assert card_lines(text, "refunds") == [("€20.00",), ("SEK\xa00.00",)]
    assert card_lines(text, "abandoned_carts") == [
        ("1 cart · €45.00",),
        ("1 cart · SEK\xa0500.00",),
    ]
    assert card_lines(text, "cart_recovery") == [
        ("Recovery rate", "33%"),
        ("Recovered", "€50.00"),
        ("Recovered", "SEK\xa00.00"),
    ]
    for raw in ("Decimal(", "0000", "{'", "': "):
        assert raw not in text


def test_a_private_dashboard_is_invisible_to_others(client, owner, other, shop):
    dashboard = create(client, access="private")

    assert other.get(reverse("dashboards:page", args=[dashboard.pk])).status_code == 404
    listing = other.get(reverse("dashboards:index")).content.decode()
    assert "Shop" not in listing


def test_view_only_users_cannot_change_it(client, owner, other, shop):
    dashboard = create(client, access="view")
    before = list(dashboard.reports.values_list("report_key", flat=True))

    assert other.get(reverse("dashboards:page", args=[dashboard.pk])).status_code == 200
    edited = other.post(reverse("dashboards:edit", args=[dashboard.pk]), {"name": "Mine now"})
    deleted = other.post(reverse("dashboards:delete", args=[dashboard.pk]))

    assert (edited.status_code, deleted.status_code) == (403, 403)
    dashboard.refresh_from_db()
    assert dashboard.name == "Shop"
    assert list(dashboard.reports.values_list("report_key", flat=True)) == before


def test_everyone_can_edit_when_it_says_so(client, owner, other, shop):
    dashboard = create(client, access="edit")

    other.post(
        reverse("dashboards:edit", args=[dashboard.pk]),
        {
            "name": "Ours",
            "on-orders": "on",
            "position-orders": "2",
            "on-refunds": "on",
            "position-refunds": "1",
            "access": "private",
        },
    )

    dashboard.refresh_from_db()
    assert (dashboard.name, dashboard.access) == ("Ours", "edit")  # only the owner sets access
    assert list(dashboard.reports.values_list("report_key", flat=True)) == ["refunds", "orders"]


def test_each_report_downloads_as_csv(client, owner, shop):
    dashboard = create(client)
    url = reverse("dashboards:report_csv", args=[dashboard.pk, "revenue_by_store"])
    response = client.get(url, PERIOD)
    assert b"".join(response.streaming_content).decode().splitlines() == [
        "store,currency,revenue",
        "a.myshopify.com,EUR,180.00",
        "b.myshopify.com,SEK,1000.00",
    ]


def test_the_page_costs_the_same_queries_whatever_the_data(client, owner, shop):
    dashboard = create(client)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert (
                client.get(reverse("dashboards:page", args=[dashboard.pk]), PERIOD).status_code
                == 200
            )
        return len(captured)

    few = queries()
    Order.objects.bulk_create(
        Order(
            source_store=A,
            name=f"#{n}",
            currency="EUR",
            presentment_currency="EUR",
            total=Decimal("5"),
            processed_at=datetime.datetime(2026, 11, 3, tzinfo=datetime.UTC),
        )
        for n in range(500)
    )
    aggregates.rebuild_store(A)
    assert queries() == few
    assert not DashboardReport.objects.filter(report_key="nonexistent").exists()


def csv_lines(response) -> list[list[str]]:
    import csv

    return list(csv.reader(b"".join(response.streaming_content).decode().splitlines()))


def test_every_report_csv_starts_with_a_header_as_wide_as_its_rows(client, owner, shop):
    dashboard = create(client)
    assert set(csv_columns.COLUMNS) == set(REGISTRY)  # a new report must name its columns

    for key in REGISTRY:
        url = reverse("dashboards:report_csv", args=[dashboard.pk, key])
        header, *rows = csv_lines(client.get(url, PERIOD))
        assert header == csv_columns.COLUMNS[key], key
        assert rows, key
        assert {len(row) for row in rows} == {len(header)}, key


def test_the_orders_by_stage_csv_names_its_columns(client, owner, shop):
    dashboard = create(client)
    url = reverse("dashboards:report_csv", args=[dashboard.pk, "orders_by_stage"])
    header, *rows = csv_lines(client.get(url, PERIOD))
    assert header == ["stage", "orders"]
    assert all(row[0].startswith("Orders: ") and row[1].isdigit() for row in rows)


def test_deleting_a_dashboard_asks_first(client, owner, other, shop):
    dashboard = create(client, access="view")
    url = reverse("dashboards:delete", args=[dashboard.pk])

    asked = client.get(url)
    assert asked.status_code == 200
    assert "You are about to delete the dashboard “Shop”." in asked.content.decode()
    assert Dashboard.objects.filter(pk=dashboard.pk).exists()
    # Who may not delete it is refused at the question already, and by a POST.
    assert other.get(url).status_code == 403
    assert other.post(url).status_code == 403
    assert Dashboard.objects.filter(pk=dashboard.pk).exists()

    done = client.post(url)

    assert done["Location"] == reverse("dashboards:index")
    assert not Dashboard.objects.filter(pk=dashboard.pk).exists()


def test_the_edit_page_leads_to_the_confirmation(client, owner, shop):
    dashboard = create(client)
    page = client.get(reverse("dashboards:edit", args=[dashboard.pk])).content.decode()
    assert (
        f'href="{reverse("dashboards:delete", args=[dashboard.pk])}">Delete this dashboard' in page
    )
    assert 'action="/dashboards/' not in page.split("Delete this dashboard")[0][-300:]
