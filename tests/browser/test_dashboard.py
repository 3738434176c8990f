"""A merchant creates the e-commerce dashboard from the store's page, removes two reports,
opens it and changes the period."""

import pytest

from dashboards.models import Dashboard
from sync import services
from sync.adapters import scopes
from tests.browser.test_connect_store import log_in
from tests.conftest import APPROVED_APP
from tests.sync.e2e.conftest import SHOP, work

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def store(shopify_emulator, settings, live_server, redis_connection):
    client = shopify_emulator.client
    client.reset()
    client.add_app(settings.SHOPIFY_API_KEY, settings.SHOPIFY_API_SECRET, **APPROVED_APP)
    client.add_shop(SHOP, plan="plus", name="Alpha", currency="SEK")
    client.faults(SHOP, webhook_drop_rate=1.0)
    client.seed(SHOP, customers=40, products=10, orders=150, checkouts=40, seed=5)
    settings.SHOPIFY_BASE_URL = f"{shopify_emulator.url}/{{shop}}"
    settings.APP_URL = live_server.url
    token = client.token(SHOP, settings.SHOPIFY_API_KEY, scopes())
    store = services.connect_store_token(shop_domain=SHOP, access_token=token, user=None)
    for object_type in ("contacts", "products", "orders", "carts"):
        services.turn_on(store=store, object_type=object_type)
    work()  # the sync, and the aggregates it queues
    return store


def test_create_the_dashboard_remove_two_reports_and_change_the_period(
    live_server, page, superuser, store, tmp_path
):
    log_in(page, live_server)
    page.goto(f"{live_server.url}/admin/integration/store/{store.pk}/change/")
    page.get_by_role("link", name="Create an e-commerce dashboard").click()
    page.get_by_label("Refunds").uncheck()
    page.get_by_label("Revenue by store").uncheck()
    page.locator("input[name=name]").fill("Alpha at a glance")
    page.screenshot(path=tmp_path / "1-create.png", full_page=True)
    page.get_by_role("button", name="Create dashboard").click()

    page.wait_for_selector("h1:has-text('Alpha at a glance')")
    page.wait_for_function("document.querySelectorAll('canvas').length > 0")
    dashboard = Dashboard.objects.get()
    assert dashboard.reports.count() == 13
    assert page.locator("#report-refunds").count() == 0
    revenue_30 = page.locator("#report-total_revenue").inner_text()
    page.screenshot(path=tmp_path / "2-dashboard.png", full_page=True)

    page.select_option("select[name=range]", "12m")
    page.wait_for_url("**range=12m**")
    assert page.locator("select[name=range]").input_value() == "12m"
    assert "SEK" in page.locator("#report-total_revenue").inner_text()
    page.screenshot(path=tmp_path / "3-twelve-months.png", full_page=True)
    assert revenue_30  # shown for the first period too
