"""`manage.py demo_store`: what `make run` uses to connect the emulator's demo shop and turn
every sync on."""

import io

import django_rq
import pytest
from django.core.management import CommandError, call_command

from integration.models import Store
from sync.models import SyncRun, SyncSetting
from tests.conftest import APPROVED_APP

pytestmark = pytest.mark.django_db
SHOP = "demo.myshopify.com"
ALL = ["contacts", "companies", "products", "orders", "carts"]


@pytest.fixture
def emulator(shopify_emulator, settings, redis_connection, monkeypatch):
    monkeypatch.setenv("EMULATOR_CONTROL_TOKEN", shopify_emulator.control_token)
    client = shopify_emulator.client
    client.reset()
    client.add_app(settings.SHOPIFY_API_KEY, settings.SHOPIFY_API_SECRET, **APPROVED_APP)
    client.add_shop(SHOP, plan="plus", name="Demo", currency="USD")
    settings.SHOPIFY_BASE_URL = f"{shopify_emulator.url}/{{shop}}"
    return client


def demo_store(*args):
    out = io.StringIO()
    call_command("demo_store", *args, stdout=out)
    return out.getvalue()


def test_it_connects_the_demo_shop_and_turns_every_sync_on(
    emulator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        output = demo_store()

    store = Store.objects.get()
    assert (store.shop_domain, store.name, store.has_access_token) == (SHOP, "Demo", True)
    runs = {run.object_type: run.pk for run in SyncRun.objects.all()}
    assert output.splitlines()[:6] == [f"Demo ({SHOP}) is connected."] + [
        f"{name}: initial sync started (run {runs[name]})." for name in ALL
    ]
    assert sorted(
        SyncSetting.objects.filter(enabled=True).values_list("object_type", flat=True)
    ) == sorted(ALL)
    assert len(django_rq.get_queue("sync").jobs) == 5


def test_running_it_again_starts_nothing_twice(emulator):
    demo_store()

    output = demo_store()

    assert SyncRun.objects.count() == 5
    assert Store.objects.count() == 1
    assert [f"{name}: already on." for name in ALL] == output.splitlines()[1:6]


def test_real_shopify_is_refused_and_nothing_is_connected(settings):
    settings.SHOPIFY_BASE_URL = "https://{shop}"

    with pytest.raises(CommandError, match="not the local emulator"):
        demo_store()

    assert not Store.objects.exists()


def test_an_emulator_that_does_not_answer_is_explained(settings):
    settings.SHOPIFY_BASE_URL = "http://127.0.0.1:9/{shop}"

    with pytest.raises(CommandError, match="No Shopify emulator answers at http://127.0.0.1:9"):
        demo_store()

    assert not Store.objects.exists()


def test_an_emulator_without_the_shop_is_explained(emulator):
    with pytest.raises(CommandError, match="has no shop other.myshopify.com"):
        demo_store("--shop", "other.myshopify.com")
