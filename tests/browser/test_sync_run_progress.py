import pytest

from integration.models import Store
from sync.models import RunStatus, SyncRun

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_running_runs_page_follows_its_progress(live_server, page, superuser, tmp_path):
    store = Store.objects.create(shop_domain="alpha.myshopify.com", name="Alpha")
    run = SyncRun.objects.create(
        store=store, object_type="orders", kind="initial", status=RunStatus.RUNNING, total=20
    )
    page.goto(f"{live_server.url}/admin/sync/syncrun/{run.pk}/change/")
    page.fill("#id_username", "root")
    page.fill("#id_password", "root-password")
    page.click("input[type=submit]")
    page.wait_for_selector(".field-progress_column progress")

    SyncRun.objects.filter(pk=run.pk).update(seen=15, created=12, failed=3)
    page.wait_for_function(
        "document.querySelector('.sync-progress-text').textContent === '15 / 20 (75%)'"
    )
    assert page.locator(".field-created .readonly").text_content() == "12"
    assert page.locator(".field-progress_column progress").evaluate("bar => bar.value") == 15
    page.screenshot(path=tmp_path / "running.png", full_page=True)

    SyncRun.objects.filter(pk=run.pk).update(seen=20, status=RunStatus.SUCCEEDED)
    page.wait_for_function(
        "document.querySelector('.field-status .readonly').textContent.trim() === 'Succeeded'"
    )
    page.wait_for_load_state()
    assert page.locator(".sync-progress-text").text_content() == "20 / 20 (100%)"
