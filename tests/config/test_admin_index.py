"""The admin leads to the staff home and lists its apps for a merchant: stores and syncs
first, the CRM's records, the staff pages, who may get in; the OAuth toolkit's tokens and
the job queues last, folded under "Advanced"."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def app_names(page: str) -> list[str]:
    return re.findall(
        r'<caption>\s*(?:<a [^>]*class="section"[^>]*>|<span class="section">)([^<]+)<', page
    )


def test_the_admin_index_lists_apps_in_a_merchants_order(client, superuser):
    client.force_login(superuser)
    page = client.get(reverse("admin:index")).content.decode()

    assert app_names(page) == [
        "Shopify",
        "Data sync",
        "CRM",
        "Staff pages and dashboards",
        "Authentication and Authorization",
        "API",
        "Advanced",
    ]
    advanced = page[page.index('<details class="advanced-apps">') : page.index("</details>")]
    for name in ("API access tokens", "API refresh tokens", "API authorization grants"):
        assert name in advanced
    assert "Job queues" in advanced
    # Nowhere else: the toolkit's own names and django-rq's are gone from the list.
    assert "Id tokens" not in page
    assert "Django-RQ" not in page


def test_the_admin_links_to_the_staff_home(client, superuser):
    client.force_login(superuser)
    page = client.get(reverse("admin:index")).content.decode()

    assert '<a class="crm-home" href="/crm/">CRM home</a>' in page
    assert '<a href="/crm/">View site</a>' in page
    staff_pages = page[page.index('class="app-staff_pages') :]
    for name in ("dashboards:index", "crm:orders", "crm:carts", "crm:segments"):
        assert f'href="{reverse(name)}"' in staff_pages


def test_an_apps_own_page_is_left_as_django_lists_it(client, superuser):
    client.force_login(superuser)
    page = client.get(reverse("admin:app_list", args=["oauth2_provider"])).content.decode()
    assert 'class="app-oauth2_provider module' in page


def test_staff_without_permissions_see_no_advanced_section(client, staff_user):
    client.force_login(staff_user)
    page = client.get(reverse("admin:index")).content.decode()

    assert app_names(page) == ["Staff pages and dashboards"]
    assert "advanced-apps" not in page
