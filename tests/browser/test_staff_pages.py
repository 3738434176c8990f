"""Staff at work on synced data: find an order by email, open it, follow it to its contact and
its cart; a staff user who is not a superadmin cannot change it."""

import pytest

from crm.models import Cart, PropertyDefinition
from sync import services
from sync.adapters import scopes
from tests.conftest import APPROVED_APP
from tests.sync.e2e.conftest import SHOP, work

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def synced(shopify_emulator, settings, live_server, redis_connection):
    client = shopify_emulator.client
    client.reset()
    client.add_app(settings.SHOPIFY_API_KEY, settings.SHOPIFY_API_SECRET, **APPROVED_APP)
    client.add_shop(SHOP, plan="plus", name="Alpha", currency="SEK")
    client.faults(SHOP, webhook_drop_rate=1.0)
    client.seed(SHOP, customers=40, products=8, orders=80, checkouts=30, seed=21)
    settings.SHOPIFY_BASE_URL = f"{shopify_emulator.url}/{{shop}}"
    settings.APP_URL = live_server.url
    token = client.token(SHOP, settings.SHOPIFY_API_KEY, scopes())
    store = services.connect_store_token(shop_domain=SHOP, access_token=token, user=None)
    for object_type in ("contacts", "products", "orders", "carts"):
        services.turn_on(store=store, object_type=object_type)
    work()
    PropertyDefinition.objects.create(
        object_type="order",
        internal_name="channel",
        label="Channel",
        type="enumeration",
        options=["web", "phone"],
    )
    return store


def csrf_token(page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")


def log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/crm/orders/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_selector("h1:has-text('Orders')")


def test_staff_find_an_order_follow_it_and_cannot_change_it(
    live_server, page, synced, django_user_model, tmp_path
):
    django_user_model.objects.create_user("agent", password="agent-password", is_staff=True)
    cart = (
        Cart.objects.filter(recovered_order__contact__isnull=False)
        .select_related("recovered_order__contact")
        .first()
    )
    order = cart.recovered_order
    log_in(page, live_server, "agent", "agent-password")

    page.get_by_label("Search").fill(order.contact.email.upper())
    page.get_by_role("button", name="Filter").click()
    page.screenshot(path=tmp_path / "1-search.png", full_page=True)
    page.get_by_role("link", name=order.name, exact=True).click()
    page.wait_for_selector(f"h1:has-text('Order {order.name}')")
    page.screenshot(path=tmp_path / "2-order.png", full_page=True)
    # "Open in Shopify" leads to the order's page in the shop's admin (the emulator's).
    in_shopify = page.request.get(
        page.get_by_role("link", name="Open in Shopify").get_attribute("href")
    )
    assert in_shopify.status == 200
    assert f"<h1>{order.name} <small>Order · {order.source_store}" in in_shopify.text()

    page.locator("#summary").get_by_role("link", name=str(order.contact)).click()
    page.wait_for_selector(f"h1:has-text('{order.contact}')")
    assert order.name in page.locator("#orders").inner_text()
    page.screenshot(path=tmp_path / "3-contact.png", full_page=True)
    page.go_back()
    page.locator("#summary").get_by_role("link", name=f"Recovered cart {cart.pk}").click()
    page.wait_for_selector(f"h1:has-text('Cart {cart.pk}')")
    assert order.name in page.locator("#summary").inner_text()
    page.screenshot(path=tmp_path / "4-cart.png", full_page=True)

    # Not a superadmin: no form to change it, and a change sent anyway is refused, with why.
    page.goto(f"{live_server.url}/crm/orders/{order.pk}/")
    assert page.locator("#properties form").count() == 0
    assert "Only superadmins may change orders and carts." in page.content()
    response = page.request.post(
        f"{live_server.url}/crm/orders/{order.pk}/properties/",
        form={"channel": "phone"},
        headers={"X-CSRFToken": csrf_token(page)},
        fail_on_status_code=False,
    )
    assert response.status == 403
    assert "Only superadmins may change orders." in response.text()
    page.goto(f"{live_server.url}/admin/crm/order/{order.pk}/change/")
    assert page.locator("input[type=submit][name=_save]").count() == 0
    page.screenshot(path=tmp_path / "5-admin-read-only.png", full_page=True)
    order.refresh_from_db()
    assert order.properties == {}
