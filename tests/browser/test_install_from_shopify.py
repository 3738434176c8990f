"""The platform's rules as a merchant meets them: an install started from Shopify's admin while
logged out of the CRM, the store page saying what Shopify grants (scopes, plan, approvals),
and a store Shopify stopped accepting, connected again."""

import pytest

from integration.models import Store, StoreStatus
from integration.services import oauth_grant
from sync import services
from sync.adapters import scopes
from tests.browser.test_connect_store import log_in
from tests.conftest import APPROVED_APP

pytestmark = pytest.mark.django_db(transaction=True)

SHOP = "alpha.myshopify.com"


@pytest.fixture
def shopify(shopify_emulator, settings, live_server):
    """The emulator as Shopify: the app, with its App URL on the live server, asks the owner
    to approve (no auto-approval)."""
    client = shopify_emulator.client
    client.reset()
    client.add_app(
        settings.SHOPIFY_API_KEY,
        settings.SHOPIFY_API_SECRET,
        app_url=f"{live_server.url}/shopify/app/",
        **APPROVED_APP,
    )
    client.add_shop(SHOP, plan="plus", name="Alpha Goods", currency="SEK")
    settings.SHOPIFY_BASE_URL = f"{shopify_emulator.url}/{{shop}}"
    settings.APP_URL = live_server.url
    return client


def test_an_install_from_the_shopify_admin_logs_in_and_connects(
    live_server, page, superuser, shopify, shopify_emulator, tmp_path
):
    page.goto(f"{shopify_emulator.url}/{SHOP}/admin")
    page.get_by_role("link", name="Install app").click()

    page.wait_for_selector("#id_username")  # the CRM's login, the install waiting behind it
    assert "Log in to the CRM to finish connecting alpha.myshopify.com." in page.content()
    page.screenshot(path=tmp_path / "login.png")
    page.fill("#id_username", "root")
    page.fill("#id_password", "root-password")
    page.click("input[type=submit]")

    page.wait_for_selector("#install")  # Shopify's approval page
    page.click("#install")
    page.wait_for_selector("text=Alpha Goods is connected.")
    store = Store.objects.get()
    assert (store.status, store.credentials) == (StoreStatus.CONNECTED, "oauth")

    page.goto(f"{live_server.url}/admin/integration/store/{store.pk}/change/")
    text = page.inner_text("#content")
    page.screenshot(path=tmp_path / "store.png", full_page=True)
    assert "Shopify Plus" in text
    assert "read_all_orders" in text and "write_customers" in text
    assert "Shopify refuses the app nothing the syncs use" in page.inner_text("#store-access")


def test_the_store_page_says_what_shopify_does_not_grant(
    live_server, page, superuser, shopify, settings, tmp_path
):
    # A Basic store, and an app Shopify approved for neither old orders nor customer data.
    settings.SHOPIFY_APPROVED_SCOPES = []
    shopify.update_shop(SHOP, plan="basic")
    shopify.update_app(
        settings.SHOPIFY_API_KEY, approved_scopes=[], protected_data={"level": 0, "fields": []}
    )
    token = shopify.token(SHOP, settings.SHOPIFY_API_KEY, scopes())
    store = services.connect_store_token(shop_domain=SHOP, access_token=token)

    log_in(page, live_server)
    page.goto(f"{live_server.url}/admin/integration/store/{store.pk}/change/")
    page.screenshot(path=tmp_path / "limits.png", full_page=True)

    access = page.inner_text("#store-access")
    assert "Orders older than 60 days" in access
    assert "Protected customer data: Shopify has not approved the app for it" in access
    assert "customers/update" in access
    companies = page.inner_text("#sync-companies")
    assert "Not available: Companies (B2B) need Shopify Plus; the store is on Basic." in companies
    assert page.inner_text("#sync-products").count("Not set up") == 1


def test_a_store_to_reconnect_is_connected_again_from_its_page(
    live_server, page, superuser, shopify, settings, tmp_path
):
    answer = shopify.token_grant(
        SHOP, settings.SHOPIFY_API_KEY, ["read_products", "write_products"], expiring=True
    )
    store = services.connect_store(shop_domain=SHOP, grant=oauth_grant(answer), user=None)
    store.mark_reconnect_needed(
        "Shopify refused to renew the access token (invalid_grant): connect the store again."
    )
    store.save()

    log_in(page, live_server)
    page.goto(f"{live_server.url}/admin/integration/store/")
    assert "Reconnect needed" in page.inner_text("#result_list")
    page.goto(f"{live_server.url}/admin/integration/store/{store.pk}/change/")
    page.screenshot(path=tmp_path / "reconnect.png", full_page=True)
    assert "invalid_grant" in page.inner_text("#store-reconnect")
    page.get_by_role("button", name="Connect again").click()

    page.wait_for_selector("#install")
    page.click("#install")
    page.wait_for_selector("text=Alpha Goods is connected.")
    store.refresh_from_db()
    assert (store.status, store.status_detail) == (StoreStatus.CONNECTED, "")
    assert Store.objects.count() == 1
