import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_site_leads_staff_to_the_crm_home(live_server, page, superuser):
    page.goto(f"{live_server.url}/")
    page.fill("#id_username", "root")
    page.fill("#id_password", "root-password")
    page.click("input[type=submit]")

    page.wait_for_selector("h1:has-text('CRM home')")
    page.get_by_role("link", name="Admin", exact=True).click()
    page.wait_for_selector("#site-name")
    page.get_by_role("link", name="CRM home").click()
    page.wait_for_selector("h1:has-text('CRM home')")
    assert page.url == f"{live_server.url}/crm/"


def test_a_superuser_logs_in_and_sees_the_crm_records(live_server, page, superuser, tmp_path):
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "root")
    page.fill("#id_password", "root-password")
    page.click("input[type=submit]")

    page.wait_for_selector("#site-name")
    for model in ("Contacts", "Companies", "Products", "Orders", "Carts", "Pipelines"):
        assert page.get_by_role("link", name=model, exact=True).first.is_visible()

    page.get_by_role("link", name="Pipelines", exact=True).first.click()
    page.get_by_role("link", name="Orders", exact=True).last.click()
    page.wait_for_url("**/admin/crm/pipeline/*/change/")
    page.get_by_role("link", name="Edit stages").click()
    stages = page.locator("tr.stage-row input[type=text]").evaluate_all(
        "els => els.map(e => e.value)"
    )
    assert stages == ["Open", "Processed", "Shipped", "Cancelled"]
    page.screenshot(path=tmp_path / "pipeline.png", full_page=True)


def test_a_wrong_password_is_refused(live_server, page, superuser):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", "wrong")
    page.click("input[type=submit]")

    assert "Please enter the correct username and password" in page.content()
    assert page.url.startswith(f"{live_server.url}/admin/login/")
