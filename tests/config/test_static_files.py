"""With DEBUG off, as in production, static files are served by the web process itself
(WhiteNoise) from what `collectstatic` gathered: under names carrying their content's hash,
cacheable for ever, compressed for clients that take it. Pages name those files."""

import re
import urllib.request

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

HASHED = re.compile(r"\.[0-9a-f]{12}\.")


@pytest.mark.parametrize(
    "name, content_type",
    [
        ("admin/css/base.css", "text/css"),
        ("crm/staff.css", "text/css"),
        ("sync/run_progress.js", "text/javascript"),
        ("vendor/chartjs/chart.umd.min.js", "text/javascript"),
        ("favicon.svg", "image/svg+xml"),
    ],
)
def test_collected_files_are_served_under_hashed_names(collected_static, name, content_type):
    url = staticfiles_storage.url(name)
    assert HASHED.search(url), url

    response = Client().get(url, headers={"accept-encoding": "gzip"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert "max-age=315360000" in response["Cache-Control"]  # hashed: cacheable for ever
    assert response["Content-Encoding"] == "gzip"
    assert (collected_static / name).read_bytes()  # gathered, not found in the apps


def test_a_plain_name_is_not_cached_for_ever(collected_static):
    response = Client().get("/static/crm/staff.css")
    assert response.status_code == 200
    assert "max-age=315360000" not in response.get("Cache-Control", "")


def test_pages_name_the_hashed_files(collected_static, client, staff_user):
    login = client.get(reverse("admin:login")).content.decode()
    admin_css = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', login)
    assert admin_css, "the admin names its hashed stylesheet"
    assert Client().get(admin_css.group(1)).status_code == 200

    client.force_login(staff_user)
    home = client.get(reverse("crm:home")).content.decode()
    staff_css = re.search(r'href="(/static/crm/staff\.[0-9a-f]{12}\.css)"', home)
    assert staff_css
    assert Client().get(staff_css.group(1)).status_code == 200


def test_an_unknown_static_file_is_not_found(collected_static):
    assert Client().get("/static/crm/nothing.css").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_production_live_server_serves_the_chart_script(production_live_server):
    url = production_live_server.url + staticfiles_storage.url("vendor/chartjs/chart.umd.min.js")
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (our own server)
        assert response.status == 200
        assert b"window.Chart=" in response.read()
