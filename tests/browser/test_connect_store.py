"""Connecting stores as a merchant does: the admin, Shopify's approval page, back."""

import pytest

from integration.models import Store
from tests.conftest import APPROVED_APP

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shopify(shopify_emulator, settings, live_server):
    """The emulator as Shopify, with an app that asks the owner (no auto-approval)."""
    client = shopify_emulator.client
    client.reset()
    client.add_app(settings.SHOPIFY_API_KEY, settings.SHOPIFY_API_SECRET, **APPROVED_APP)
    client.add_shop("alpha.myshopify.com", plan="plus", name="Alpha Goods", currency="SEK")
    client.add_shop("beta.myshopify.com", plan="plus", name="Beta Supplies", currency="EUR")
    settings.SHOPIFY_BASE_URL = f"{shopify_emulator.url}/{{shop}}"
    settings.APP_URL = live_server.url
    return client


def log_in(page, live_server):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", "root-password")
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")


def test_a_merchant_connects_two_stores(live_server, page, superuser, shopify, tmp_path):
    log_in(page, live_server)
    page.goto(f"{live_server.url}/admin/integration/store/")
    page.get_by_role("link", name="Install app").click()
    page.fill("#id_shop", "alpha")
    page.get_by_role("button", name="Install app").click()

    page.wait_for_selector("#install")
    assert "Alpha Goods" in page.content()
    page.screenshot(path=tmp_path / "approval.png")
    page.click("#install")

    page.wait_for_selector("text=Alpha Goods is connected.")
    # The new store's page, where its syncs are set up.
    alpha = Store.objects.get(name="Alpha Goods")
    assert page.url == f"{live_server.url}/admin/integration/store/{alpha.pk}/change/"
    assert page.locator("#store-syncs").is_visible()
    page.screenshot(path=tmp_path / "connected.png", full_page=True)
    page.goto(f"{live_server.url}/admin/integration/store/")
    page.get_by_text("Actions ▾").click()
    page.get_by_role("link", name="Connect another store").click()
    page.fill("#id_shop", "https://admin.shopify.com/store/beta")
    page.get_by_role("button", name="Connect to Shopify").click()
    page.click("#install")

    page.wait_for_selector("text=Beta Supplies is connected.")
    page.screenshot(path=tmp_path / "stores.png", full_page=True)
    assert list(Store.objects.values_list("name", "status")) == [
        ("Alpha Goods", "connected"),
        ("Beta Supplies", "connected"),
    ]


def test_a_wrong_address_is_explained(live_server, page, superuser, shopify):
    log_in(page, live_server)
    page.goto(f"{live_server.url}/admin/integration/store/connect/")
    page.fill("#id_shop", "my-store.com")
    page.get_by_role("button", name="Install app").click()

    assert "not a Shopify store address" in page.content()
    assert Store.objects.count() == 0
