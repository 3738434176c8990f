"""Custom reports on the hand-worked shop: grouped by a custom property, by store, by month,
summing a number property, filtered; and added to a dashboard."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from crm.models import Order, PropertyDefinition
from dashboards import custom
from dashboards.models import CustomReport, Dashboard, DashboardReport
from tests.dashboards.conftest import D1, D2, A, B

pytestmark = pytest.mark.django_db


@pytest.fixture
def tagged(shop, superuser):
    PropertyDefinition.objects.create(
        object_type="order",
        internal_name="channel",
        label="Channel",
        type="enumeration",
        options=["web", "phone"],
    )
    PropertyDefinition.objects.create(
        object_type="order", internal_name="weight", label="Weight", type="number"
    )
    for name, channel, weight in [
        ("A1", "web", "2.5"),
        ("A2", "phone", "1.5"),
        ("A3", "phone", None),
        ("A4", "web", None),
        ("B1", "web", "4"),
    ]:
        values = {"channel": channel, **({"weight": weight} if weight else {})}
        Order.objects.filter(name=name).update(properties=values)
    return superuser


def report(owner, **fields):
    return CustomReport.objects.create(owner=owner, **{"name": "R", **fields})


def test_count_by_a_custom_property(tagged):
    rows = custom.compute(report(tagged, measure="count", group_by="properties.channel"))
    # By hand: phone A2, A3; web A1, A4, B1 (a custom report counts what it is told to).
    assert rows == [("phone", 2), ("web", 3)]


def test_sum_of_totals_by_a_custom_property_stays_per_currency(tagged):
    rows = custom.compute(
        report(tagged, measure="sum", field="total", group_by="properties.channel")
    )
    assert rows == [
        ("phone", "EUR", Decimal("130.00")),
        ("web", "EUR", Decimal("130.00")),
        ("web", "SEK", Decimal("1000.00")),
    ]


def test_sum_of_a_number_property_by_store_with_a_filter(tagged):
    rows = custom.compute(
        report(tagged, measure="sum", field="properties.weight", group_by="store")
    )
    assert rows == [(A, Decimal("4.00")), (B, Decimal("4.00"))]
    filtered = custom.compute(
        report(tagged, measure="count", group_by="properties.channel", filters={"store": A})
    )
    assert filtered == [("phone", 2), ("web", 2)]


def test_a_custom_report_is_made_and_added_to_a_dashboard(client, tagged):
    client.force_login(tagged)
    dashboard = Dashboard.objects.create(name="Mine", owner=tagged)
    response = client.post(
        reverse("dashboards:custom_create"),
        {
            "name": "By channel",
            "object_type": "orders",
            "measure": "count",
            "field": "total",
            "group_by": "properties.channel",
            "chart": "table",
            "dashboard": dashboard.pk,
            "store": A,
        },
    )
    built = CustomReport.objects.get()
    assert response["Location"] == reverse("dashboards:page", args=[dashboard.pk])
    assert built.filters == {"store": A}
    assert DashboardReport.objects.get(dashboard=dashboard).report_key == built.key
    page = client.get(
        reverse("dashboards:page", args=[dashboard.pk]),
        {"range": "custom", "start": "2026-11-01", "end": "2026-11-30"},
    ).content.decode()
    assert "By channel" in page and "phone" in page


def test_a_custom_report_is_seen_by_its_owner_and_viewers_of_a_dashboard_holding_it(
    client, tagged, django_user_model
):
    """Finding 9: any staff user read any custom report, one on a private dashboard too."""
    owner = django_user_model.objects.create_user("owner", password="pw", is_staff=True)
    reader = django_user_model.objects.create_user("reader", password="pw", is_staff=True)
    built = report(owner, measure="count", group_by="store")
    private = Dashboard.objects.create(name="Private", owner=owner, access="private")
    DashboardReport.objects.create(dashboard=private, report_key=built.key)
    own = Dashboard.objects.create(name="Reader's", owner=reader, access="private")
    detail = reverse("dashboards:custom", args=[built.pk])
    through_private = reverse("dashboards:report_csv", args=[private.pk, built.key])
    through_own = reverse("dashboards:report_csv", args=[own.pk, built.key])

    client.force_login(reader)
    assert client.get(detail).status_code == 404
    assert client.get(through_private).status_code == 404
    assert client.get(through_own).status_code == 404  # not one of that dashboard's reports

    client.force_login(owner)
    assert client.get(detail).status_code == 200
    assert client.get(through_private).status_code == 200

    private.access = "view"
    private.save()
    client.force_login(reader)
    assert client.get(detail).status_code == 200
    assert client.get(through_private).status_code == 200
    assert client.get(through_own).status_code == 404


def test_a_custom_report_on_a_dashboard_reads_its_period_and_store(client, tagged):
    """Finding 7 of issue 18: custom reports showed every day and store under the dashboard's
    "Last 30 days, <store>"."""
    by_store = report(tagged, measure="sum", field="total", group_by="store")
    by_channel = report(tagged, measure="count", group_by="properties.channel")
    dashboard = Dashboard.objects.create(name="Store A", owner=tagged, store=A)
    for built in (by_store, by_channel):
        DashboardReport.objects.create(dashboard=dashboard, report_key=built.key)
    client.force_login(tagged)
    period = {"range": "custom", "start": D1.isoformat(), "end": D2.isoformat()}

    def csv_rows(built, **query):
        url = reverse("dashboards:report_csv", args=[dashboard.pk, built.key])
        response = client.get(url, query)
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        return [row for row in rows if row[0] in (A, B, "web", "phone")]  # not a header

    # By hand, store A on 1–2 November: A1 100 + A2 50 + A3 80 EUR (A4 is of the 10th; B1,
    # in SEK, of store B); channels: A2 and A3 by phone, A1 on the web.
    assert csv_rows(by_store, **period) == [[A, "EUR", "230.00"]]
    assert csv_rows(by_channel, **period) == [["phone", "2"], ["web", "1"]]
    # Every store (the page's store chosen empty), all of November.
    assert csv_rows(by_store, range="custom", start="2026-11-01", end="2026-11-30", store="") == [
        [A, "EUR", "260.00"],
        [B, "SEK", "1000.00"],
    ]
    # Alone (its own page), a custom report still reads everything its filters let through.
    assert custom.compute(by_store) == [
        (A, "EUR", Decimal("260.00")),
        (B, "SEK", Decimal("1000.00")),
    ]

    page = client.get(reverse("dashboards:page", args=[dashboard.pk]), period)
    cards = {card["report"].pk: card for card in page.context["cards"] if card.get("custom")}
    assert [line.label for line in cards[by_store.pk]["lines"]] == [A]


def shown_rows(text):
    """The custom report table's (group, value) rows, tags stripped."""
    table = text.split('id="custom-rows"', 1)[1].split("</table>", 1)[0]
    return [
        tuple(re.sub(r"<[^>]+>", "", cell).strip() for cell in cells)
        for cells in re.findall(r"<tr><th[^>]*>(.*?)</th><td[^>]*>(.*?)</td></tr>", table)
    ]


def test_a_custom_reports_amounts_show_as_money_and_its_groups_by_name(client, tagged):
    client.force_login(tagged)
    by_channel = report(tagged, measure="sum", field="total", group_by="properties.channel")
    by_status = report(tagged, measure="count", group_by="status", chart="bar")
    by_month = report(tagged, measure="avg", field="total", group_by="month", chart="line")
    Order.objects.filter(name="A2").update(financial_status="partially_refunded")

    def page(built):
        response = client.get(reverse("dashboards:custom", args=[built.pk]))
        return response.content.decode()

    assert shown_rows(page(by_channel)) == [
        ("phone", "€130.00"),
        ("web", "€130.00"),
        ("web", "SEK\xa01,000.00"),
    ]
    status_page = page(by_status)
    assert ("Partially refunded", "1") in shown_rows(status_page)
    assert '"Partially refunded"' in status_page  # the chart's label too, not "partially_"
    assert shown_rows(page(by_month)) == [
        ("Nov 2026", "€65.00"),
        ("Nov 2026", "SEK\xa01,000.00"),
    ]


def test_the_custom_reports_a_person_may_see_are_listed(client, tagged, django_user_model):
    owner = django_user_model.objects.create_user("owner", password="pw", is_staff=True)
    reader = django_user_model.objects.create_user("reader", password="pw", is_staff=True)
    mine = report(reader, name="Mine", measure="count", group_by="store")
    shared = report(owner, name="Shared", measure="sum", field="total", group_by="month")
    hidden = report(owner, name="Hidden", measure="count", group_by="store")
    public = Dashboard.objects.create(name="Team", owner=owner, access="view")
    DashboardReport.objects.create(dashboard=public, report_key=shared.key)
    private = Dashboard.objects.create(name="Private", owner=owner, access="private")
    DashboardReport.objects.create(dashboard=private, report_key=hidden.key)
    client.force_login(reader)

    listing = client.get(reverse("dashboards:custom_index"))

    assert [r.name for r in listing.context["reports"]] == ["Mine", "Shared"]
    page = listing.content.decode()
    assert f'href="{reverse("dashboards:custom", args=[mine.pk])}">Mine</a>' in page
    assert "Orders: sum of total by month" in page
    assert reverse("dashboards:custom", args=[hidden.pk]) not in page


def test_a_custom_report_csv_has_a_header(client, tagged):
    built = report(tagged, measure="sum", field="total", group_by="properties.channel")
    dashboard = Dashboard.objects.create(name="D", owner=tagged)
    DashboardReport.objects.create(dashboard=dashboard, report_key=built.key)
    client.force_login(tagged)

    url = reverse("dashboards:report_csv", args=[dashboard.pk, built.key])
    response = client.get(url, {"range": "custom", "start": "2026-11-01", "end": "2026-11-30"})

    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == "properties.channel,currency,sum_total"
    assert lines[1:] == ["phone,EUR,130.00", "web,EUR,130.00", "web,SEK,1000.00"]
