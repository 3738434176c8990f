import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

ALL_SCOPES = [
    "read_customers",
    "write_customers",
    "read_products",
    "write_products",
    "read_orders",
    "read_all_orders",
    "read_checkouts",
    "read_companies",
    "write_companies",
    "read_fulfillments",
]
APP_ID, APP_SECRET = "test-app", "test-app-secret"
SHOP = "test-shop.myshopify.com"


@pytest.fixture
def emulator(shopify_emulator):
    """The emulator's control client, on an emulator emptied for this test."""
    client = shopify_emulator.client
    client.reset()
    return client


@dataclass
class ShopAccess:
    client: object
    domain: str
    token: str

    def graphql(self, query, variables=None, token=None):
        return self.client.graphql(self.domain, token or self.token, query, variables)

    def control(self, method, path, body=None):
        return self.client.call(method, f"shops/{self.domain}/{path}", body)


@pytest.fixture
def shop(emulator):
    """A Shopify Plus shop (B2B works there) with the test app installed with every scope the
    product asks for. The app has custom distribution, so protected customer data is open to
    it; tests of the public-app defaults register their own apps."""
    emulator.add_app(APP_ID, APP_SECRET, distribution="custom")
    emulator.add_shop(SHOP, plan="plus", name="Test Shop", currency="USD")
    return ShopAccess(emulator, SHOP, emulator.token(SHOP, APP_ID, ALL_SCOPES))


@dataclass
class WebhookReceiver:
    """An HTTP endpoint that records what it receives and answers with `statuses` in turn
    (200 once they run out)."""

    url: str = ""
    received: list = field(default_factory=list)
    statuses: list = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count, timeout=10):
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout)
        return list(self.received)


@pytest.fixture
def receiver():
    state = WebhookReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status = state.statuses.pop(0) if state.statuses else 200
            with state.arrived:
                state.received.append(
                    {"headers": dict(self.headers), "body": body, "status": status}
                )
                state.arrived.notify_all()
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/webhooks"
    yield state
    server.shutdown()
    server.server_close()


def subscribe(shop, topic, url):
    result = shop.graphql(
        """mutation($topic: WebhookSubscriptionTopic!, $uri: String!) {
          webhookSubscriptionCreate(topic: $topic, webhookSubscription: {uri: $uri}) {
            webhookSubscription { id topic uri }
            userErrors { field message }
          }
        }""",
        {"topic": topic, "uri": url},
    )
    payload = result["data"]["webhookSubscriptionCreate"]
    assert payload["userErrors"] == [], payload
    return payload["webhookSubscription"]


def body_of(delivery):
    return json.loads(delivery["body"])
