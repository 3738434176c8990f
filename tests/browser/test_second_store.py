"""A second store, as a merchant sets it up: its Limit step says records created in the CRM do
not go to it (the first store takes them) and lets the merchant choose; and Failing records
name each failure by its record, with a link to the record's form."""

import pytest

from crm.models import Contact
from sync import services
from sync.adapters import scopes
from sync.filters import NEW_CRM_RECORDS
from sync.models import IssueDirection, SyncIssue, SyncSetting
from tests.browser.test_connect_store import log_in
from tests.conftest import APPROVED_APP
from tests.sync.e2e.conftest import SHOP, work

pytestmark = pytest.mark.django_db(transaction=True)

SECOND = "beta.myshopify.com"


@pytest.fixture
def stores(shopify_emulator, settings, live_server):
    client = shopify_emulator.client
    client.reset()
    client.add_app(settings.SHOPIFY_API_KEY, settings.SHOPIFY_API_SECRET, **APPROVED_APP)
    settings.SHOPIFY_BASE_URL = f"{shopify_emulator.url}/{{shop}}"
    settings.APP_URL = live_server.url
    connected = []
    for shop, name, seed in ((SHOP, "Alpha", 3), (SECOND, "Beta", 4)):
        client.add_shop(shop, plan="plus", name=name, currency="SEK")
        client.faults(shop, webhook_drop_rate=1.0)
        client.seed(shop, customers=10, seed=seed)
        token = client.token(shop, settings.SHOPIFY_API_KEY, scopes())
        connected.append(
            services.connect_store_token(shop_domain=shop, access_token=token, user=None)
        )
    return connected


def test_a_second_stores_sync_chooses_whether_crm_records_go_to_it(
    live_server, page, superuser, stores, tmp_path, redis_connection
):
    alpha, beta = stores
    services.turn_on(store=alpha, object_type="contacts")
    work()
    log_in(page, live_server)

    page.goto(f"{live_server.url}/admin/integration/store/{beta.pk}/syncs/contacts/configure/")
    page.get_by_role("button", name="Next: Limit").click()
    page.wait_for_selector(".sync-steps .current:has-text('Limit')")
    option = page.get_by_label("Send contacts created in the CRM to this store")
    assert not option.is_checked()
    page.screenshot(path=tmp_path / "1-limit-second-store.png", full_page=True)
    option.check()
    page.get_by_role("button", name="Next: Review").click()

    page.wait_for_selector(".sync-steps .current:has-text('Review')")
    assert page.locator("#sync-new-crm-records").inner_text() == (
        "Contacts created in the CRM are created in this store"
    )
    page.screenshot(path=tmp_path / "2-review-second-store.png", full_page=True)
    page.get_by_role("button", name="Save and sync").click()
    page.wait_for_selector("text=is saved; it is syncing now")
    assert SyncSetting.objects.get(store=beta, object_type="contacts").filters == {
        "require_email": True,
        NEW_CRM_RECORDS: True,
    }

    # A failure, named by its contact; its link opens the contact's form.
    anna = Contact.objects.create(email="anna.berg@example.se", first_name="Anna", last_name="Berg")
    SyncIssue.objects.create(
        store=alpha,
        object_type="contacts",
        crm_id=anna.pk,
        direction=IssueDirection.OUTBOUND,
        error="phone: Phone has already been taken",
    )
    page.goto(f"{live_server.url}/admin/sync/syncissue/")
    link = page.get_by_role("link", name="Contact Anna Berg")
    page.screenshot(path=tmp_path / "3-failing-records.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    results = page.locator("#changelist .results")
    assert results.evaluate("node => node.scrollWidth <= node.clientWidth")
    page.get_by_role("link", name="phone: Phone has already been taken").click()
    page.wait_for_selector("h2:has-text('Contact Anna Berg: phone: Phone has already been taken')")
    page.screenshot(path=tmp_path / "4-failing-record.png", full_page=True)
    page.go_back()
    link.click()
    page.wait_for_selector("#id_email")
    assert page.locator("#id_email").input_value() == "anna.berg@example.se"
