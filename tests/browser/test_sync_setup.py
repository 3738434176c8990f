"""Setting up a sync as a merchant does: the store page, Configure, Limit, Review, Save and
sync; then turning it off, editing it back on, and deleting it."""

import pytest

from crm.models import Contact
from sync import services
from sync.adapters import scopes
from sync.models import FieldMapping, RecordMapping, SyncSetting
from tests.browser.test_connect_store import log_in
from tests.conftest import APPROVED_APP
from tests.sync.e2e.conftest import SHOP, work

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def store(shopify_emulator, settings, live_server):
    client = shopify_emulator.client
    client.reset()
    client.add_app(settings.SHOPIFY_API_KEY, settings.SHOPIFY_API_SECRET, **APPROVED_APP)
    client.add_shop(SHOP, plan="plus", name="Alpha", currency="SEK")
    client.faults(SHOP, webhook_drop_rate=1.0)
    client.seed(SHOP, customers=30, seed=3)
    settings.SHOPIFY_BASE_URL = f"{shopify_emulator.url}/{{shop}}"
    settings.APP_URL = live_server.url
    token = client.token(SHOP, settings.SHOPIFY_API_KEY, scopes())
    return services.connect_store_token(shop_domain=SHOP, access_token=token, user=None)


def test_a_merchant_sets_up_turns_off_edits_and_deletes_the_contacts_sync(
    live_server, page, superuser, store, tmp_path, redis_connection
):
    log_in(page, live_server)
    page.goto(f"{live_server.url}/admin/integration/store/{store.pk}/change/")
    assert page.locator("#sync-contacts").inner_text().split("\t")[1] == "Not set up"
    page.get_by_role("link", name="Set up your sync").click()
    page.screenshot(path=tmp_path / "0-choose.png", full_page=True)
    page.get_by_label("Contacts").check()
    page.get_by_role("button", name="Next: Configure").click()

    # Configure: CRM wins conflicts; the note is not synced.
    page.wait_for_selector(".sync-steps .current:has-text('Configure')")
    page.select_option("#id_conflict_rule", "crm_wins")
    page.get_by_label("Sync Note").uncheck()
    page.screenshot(path=tmp_path / "1-configure.png", full_page=True)
    page.get_by_role("button", name="Next: Limit").click()

    page.wait_for_selector(".sync-steps .current:has-text('Limit')")
    assert page.get_by_label("Sync only contacts with an email address").is_checked()
    page.screenshot(path=tmp_path / "2-limit.png", full_page=True)
    page.get_by_role("button", name="Next: Review").click()

    page.wait_for_selector(".sync-steps .current:has-text('Review')")
    assert page.locator("#sync-count").inner_text().strip() == "30 contacts"
    review = page.locator(".sync-setup").inner_text()
    assert "CRM wins" in review and "Only contacts with an email address" in review
    assert "Note ⇄ Note" not in review and "Email ⇄ Email" in review
    page.screenshot(path=tmp_path / "3-review.png", full_page=True)
    page.get_by_role("button", name="Save and sync").click()

    page.wait_for_selector("text=is saved; it is syncing now")
    page.screenshot(path=tmp_path / "4-saved.png", full_page=True)
    setting = SyncSetting.objects.get(store=store, object_type="contacts")
    assert (setting.enabled, setting.conflict_rule) == (True, "crm_wins")
    assert not FieldMapping.objects.get(setting=setting, crm_field="note").enabled
    work()
    synced = Contact.objects.count()
    assert synced > 0

    page.get_by_role("button", name="Turn off sync").click()
    page.wait_for_selector("text=is off; its data stays")
    assert page.locator("#sync-contacts").inner_text().split("\t")[1] == "Off"
    assert not SyncSetting.objects.get(pk=setting.pk).enabled

    page.get_by_role("link", name="Edit sync settings").click()
    assert page.locator("#id_conflict_rule").input_value() == "crm_wins"
    assert not page.get_by_label("Sync Note").is_checked()
    page.get_by_role("button", name="Next: Limit").click()
    page.get_by_role("button", name="Next: Review").click()
    page.get_by_role("button", name="Save and sync").click()
    page.wait_for_selector("text=is saved; it is syncing now")
    assert SyncSetting.objects.get(pk=setting.pk).enabled
    work()
    assert Contact.objects.count() == synced

    page.get_by_role("link", name="Delete sync").click()
    page.screenshot(path=tmp_path / "5-delete.png", full_page=True)
    page.get_by_role("button", name="Yes, delete the sync").click()
    page.wait_for_selector("text=setting it up again duplicates nothing")
    assert page.locator("#sync-contacts").inner_text().split("\t")[1] == "Not set up"
    assert not SyncSetting.objects.filter(store=store, object_type="contacts").exists()
    assert Contact.objects.count() == synced
    assert RecordMapping.objects.filter(store=store, object_type="contacts").count() == 30
