"""The order pipeline as staff use it: add a stage in the editor, map a Shopify status to it on
the order sync's Limit step, review, save and sync, and see the orders move."""

import pytest

from crm.models import Order, Pipeline
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
    client.seed(SHOP, customers=20, products=5, orders=60, seed=11)
    settings.SHOPIFY_BASE_URL = f"{shopify_emulator.url}/{{shop}}"
    settings.APP_URL = live_server.url
    token = client.token(SHOP, settings.SHOPIFY_API_KEY, scopes())
    store = services.connect_store_token(shop_domain=SHOP, access_token=token, user=None)
    services.turn_on(store=store, object_type="orders")
    work()
    return store


def test_staff_add_a_delivered_stage_map_it_and_see_the_orders_move(
    live_server, page, superuser, store, tmp_path
):
    pipeline = Pipeline.objects.get(is_default=True)
    # Delivered orders, refunded ones too (no stage takes "refunded": they go where they
    # would be otherwise); cancelled ones stay in Cancelled.
    delivered = Order.objects.filter(
        fulfillment_status="fulfilled", delivered=True, cancelled_at=None
    ).count()
    assert delivered > 0
    log_in(page, live_server)

    page.goto(f"{live_server.url}/admin/crm/pipeline/{pipeline.pk}/stages/")
    page.get_by_label("Name of the new stage").fill("Delivered")
    page.get_by_label("Status of the new stage").select_option("closed")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=The stages of Orders are saved.")
    page.locator("#stage-delivered").hover()
    page.screenshot(path=tmp_path / "1-stages.png", full_page=True)
    assert page.locator("#stage-delivered code").get_attribute("title") == (
        "Internal name: delivered (never changes)"
    )

    page.goto(f"{live_server.url}/admin/integration/store/{store.pk}/change/")
    page.locator("#sync-orders").get_by_role("link", name="Edit sync settings").click()
    page.get_by_role("button", name="Next: Limit").click()
    page.get_by_label("Shopify order status of Delivered").select_option("delivered")
    page.screenshot(path=tmp_path / "2-limit.png", full_page=True)
    page.get_by_role("button", name="Next: Review").click()
    assert page.locator("#sync-restage").inner_text().strip() == f"{delivered} to Delivered"
    page.screenshot(path=tmp_path / "3-review.png", full_page=True)
    page.get_by_role("button", name="Save and sync").click()
    page.wait_for_selector("text=is saved; it is syncing now")
    work()

    stage = pipeline.stages.get(internal_name="delivered")
    page.goto(f"{live_server.url}/admin/crm/order/?pipeline_stage__id__exact={stage.pk}")
    page.screenshot(path=tmp_path / "4-orders.png", full_page=True)
    assert page.locator("#result_list tbody tr").count() == delivered
    assert Order.objects.filter(pipeline_stage=stage).count() == delivered

    order = Order.objects.filter(pipeline_stage=stage).first()
    page.goto(f"{live_server.url}/admin/crm/order/{order.pk}/change/")
    history = page.locator("#stage_changes-group").inner_text()
    assert "Shipped" in history and "Delivered" in history
    page.screenshot(path=tmp_path / "5-order.png", full_page=True)
