"""End-to-end sync tests: the emulator as Shopify over HTTP, a real RQ worker (in-process,
burst mode), PostgreSQL."""

import datetime

import django_rq
import pytest
from rq import SimpleWorker

from sync import services
from sync.adapters import scopes
from tests.conftest import APPROVED_APP

SHOP = "alpha.myshopify.com"
NOW = "2026-11-20T00:00:00Z"
SEED = {"customers": 80, "companies": 5, "products": 15, "orders": 90, "checkouts": 24}


def work():
    """Run every queued job, and the jobs they queue, until the queues are empty."""
    queues = [django_rq.get_queue(name) for name in ("webhooks", "sync", "default")]
    SimpleWorker(queues, connection=queues[0].connection).work(burst=True)


@pytest.fixture
def shopify(shopify_emulator, settings, redis_connection):
    """The emulator with one seeded shop; the app's settings point at it. Webhooks are
    dropped unless a test turns them back on (these tests run the jobs themselves)."""
    client = shopify_emulator.client
    client.reset()
    client.add_app(settings.SHOPIFY_API_KEY, settings.SHOPIFY_API_SECRET, **APPROVED_APP)
    client.add_shop(
        SHOP,
        plan="plus",
        name="Alpha",
        currency="SEK",
        timezone="Europe/Stockholm",
        country="SE",
    )
    client.faults(SHOP, webhook_drop_rate=1.0)
    client.seed(SHOP, **SEED, seed=13, now=NOW)
    settings.SHOPIFY_BASE_URL = f"{shopify_emulator.url}/{{shop}}"
    return client


@pytest.fixture
def store(shopify, settings, db):
    token = shopify.token(SHOP, settings.SHOPIFY_API_KEY, scopes())
    return services.connect_store_token(shop_domain=SHOP, access_token=token, user=None)


def shop_data(shopify, resource):
    return shopify.call("GET", f"shops/{SHOP}/{resource}")[resource]


def number(gid):
    return int(gid.rsplit("/", 1)[1])


def moment(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
