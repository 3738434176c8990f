"""Reports from the dashboards' aggregates, and the stores with the health of their syncs."""

import datetime
from decimal import Decimal

import pytest

from dashboards import aggregates
from dashboards.reports import REGISTRY
from integration.models import Store
from sync.models import SyncSetting, SyncState


@pytest.fixture
def token(make_token, staff_user):
    return make_token(["reports.read", "stores.read"], user=staff_user)


@pytest.fixture
def sales(make_order):
    for name, store, currency, total, day in [
        ("#1", "demo.myshopify.com", "EUR", "10.00", 1),
        ("#2", "demo.myshopify.com", "EUR", "20.50", 2),
        ("#3", "other.myshopify.com", "SEK", "300.00", 2),
        ("#4", "demo.myshopify.com", "EUR", "99.00", 20),  # outside the period asked for
    ]:
        make_order(
            name=name,
            source_store=store,
            currency=currency,
            presentment_currency=currency,
            total=Decimal(total),
            processed_at=datetime.datetime(2026, 11, day, 12, tzinfo=datetime.UTC),
        )
    for store in ("demo.myshopify.com", "other.myshopify.com"):
        aggregates.rebuild_store(store)


def test_the_report_list_is_the_registry(api, token):
    body = api("get", "/api/v1/reports", token).json()
    assert [row["key"] for row in body["results"]] == list(REGISTRY)
    first = body["results"][0]
    assert set(first) == {"key", "title", "description", "chart", "formula"}


def test_a_report_per_currency_over_a_period(api, token, sales):
    params = {"from": "2026-11-01", "to": "2026-11-10"}
    body = api("get", "/api/v1/reports/total_revenue", token, params).json()
    assert (body["from"], body["to"], body["stores"]) == ("2026-11-01", "2026-11-10", None)
    assert body["data"] == {"EUR": "30.500", "SEK": "300.000"}
    one_store = api(
        "get", "/api/v1/reports/orders", token, {**params, "store": "other.myshopify.com"}
    ).json()
    assert (one_store["stores"], one_store["data"]) == (["other.myshopify.com"], 1)
    series = api("get", "/api/v1/reports/orders_over_time", token, params).json()["data"]
    assert series[:2] == [["2026-11-01", 1], ["2026-11-02", 2]]


def test_an_app_limited_to_a_store_gets_its_reports_only(api, make_token, staff_user, sales):
    token = make_token(["reports.read"], user=staff_user, stores=["demo.myshopify.com"])
    params = {"from": "2026-11-01", "to": "2026-11-10"}
    body = api("get", "/api/v1/reports/total_revenue", token, params).json()
    assert (body["stores"], body["data"]) == (["demo.myshopify.com"], {"EUR": "30.500"})
    hidden = api("get", "/api/v1/reports/total_revenue", token, {"store": "other.myshopify.com"})
    assert hidden.status_code == 404


@pytest.mark.parametrize(
    ("path", "params", "status", "field"),
    [
        ("/api/v1/reports/total_revenue", {"from": "1 Nov"}, 400, "from"),
        ("/api/v1/reports/total_revenue", {"from": "2026-11-10", "to": "2026-11-01"}, 400, "from"),
        ("/api/v1/reports/total_revenue", {"from": "2020-01-01", "to": "2026-11-01"}, 400, "from"),
        ("/api/v1/reports/total_revenue", {"currency": "EUR"}, 400, "currency"),
        ("/api/v1/reports/profit", {}, 404, None),
    ],
)
def test_bad_report_requests(api, token, path, params, status, field):
    response = api("get", path, token, params)
    assert response.status_code == status
    assert response.json()["error"]["field"] == field


def test_stores_with_the_health_of_their_syncs(api, token, make_token, staff_user):
    for domain in ("demo.myshopify.com", "other.myshopify.com"):
        store = Store(shop_domain=domain, name=domain.split(".")[0].title(), currency="EUR")
        store.set_access_token("shpat_secret_value")
        store.save()
    SyncSetting.objects.create(
        store=Store.objects.get(shop_domain="demo.myshopify.com"),
        object_type="orders",
        enabled=True,
        state=SyncState.ON,
    )
    listed = api("get", "/api/v1/stores", token)
    assert "shpat" not in listed.content.decode()
    stores = listed.json()["results"]
    assert [store["shop"] for store in stores] == ["demo.myshopify.com", "other.myshopify.com"]
    demo = api("get", "/api/v1/stores/demo.myshopify.com", token).json()
    assert demo["name"] == "Demo"
    assert demo["syncs"]["orders"] == {
        "state": "on",
        "in_sync": 0,
        "excluded": 0,
        "failing": 0,
        "last_run": None,
        "watermark": None,
    }
    assert demo["syncs"]["contacts"]["state"] == "off"

    limited = make_token(["stores.read"], user=staff_user, stores=["demo.myshopify.com"])
    assert [s["shop"] for s in api("get", "/api/v1/stores", limited).json()["results"]] == [
        "demo.myshopify.com"
    ]
    assert api("get", "/api/v1/stores/other.myshopify.com", limited).status_code == 404
