"""The control API: acting as the merchant and shoppers, with Shopify's rules and webhooks."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from shopify_emulator import tokens
from shopify_emulator.client import ControlError, EmulatorClient, EmulatorProcess, free_port
from shopify_emulator.state import Emulator

ROOT = Path(__file__).resolve().parents[2]


def test_creating_a_shop_twice_keeps_the_first(emulator):
    first = emulator.add_shop("twice.myshopify.com", name="First", currency="SEK")
    second = emulator.add_shop("twice.myshopify.com", name="Second")

    assert (
        first
        == second
        == {
            "shop": "twice.myshopify.com",
            "name": "First",
            "currency": "SEK",
            "timezone": "UTC",
            "country": "US",
            "plan": "basic",
            "token_lifetime": None,
            "bucket_size": 2000.0,
            "restore_rate": 100.0,
        }
    )


@pytest.mark.parametrize(
    "body",
    [{"shop": "evil.com"}, {"shop": "x.myshopify.com", "currency": "XXX"}, {}],
)
def test_bad_shops_are_refused(emulator, body):
    with pytest.raises(ControlError) as error:
        emulator.call("POST", "shops", body)

    assert error.value.status == 400
    assert emulator.call("GET", "shops") == {"shops": []}


def test_order_life_cycle_statuses(shop):
    product = shop.control("POST", "products", {"title": "Pen", "variants": [{"price": "2"}]})
    order = shop.control(
        "POST",
        "orders",
        {
            "lineItems": [{"variantId": product["variants"][0]["id"], "quantity": 2}],
            "displayFinancialStatus": "PENDING",
        },
    )
    number = order["legacyResourceId"]

    paid = shop.control("POST", f"orders/{number}/pay")
    fulfilled = shop.control("POST", f"orders/{number}/fulfill")
    delivered = shop.control("POST", f"orders/{number}/deliver")
    refunded = shop.control("POST", f"orders/{number}/refund")
    cancelled = shop.control("POST", f"orders/{number}/cancel")

    assert order["displayFinancialStatus"] == "PENDING"
    assert paid["displayFinancialStatus"] == "PAID"
    assert fulfilled["displayFulfillmentStatus"] == "FULFILLED"
    assert delivered["fulfillments"][0]["displayStatus"] == "DELIVERED"
    assert delivered["fulfillments"][0]["deliveredAt"] is not None
    assert refunded["displayFinancialStatus"] == "REFUNDED"
    assert refunded["totalRefundedSet"] == refunded["totalPriceSet"]
    assert cancelled["cancelledAt"] is not None and cancelled["closed"] is True


def test_partial_fulfilment(shop):
    product = shop.control("POST", "products", {"title": "Pen", "variants": [{"price": "2"}]})
    order = shop.control(
        "POST",
        "orders",
        {"lineItems": [{"variantId": product["variants"][0]["id"], "quantity": 3}]},
    )
    line_id = order["lineItems"][0]["id"]

    partly = shop.control(
        "POST",
        f"orders/{order['legacyResourceId']}/fulfill",
        {"lineItems": [{"id": line_id, "quantity": 1}]},
    )

    assert partly["displayFulfillmentStatus"] == "PARTIALLY_FULFILLED"
    assert partly["lineItems"][0]["unfulfilledQuantity"] == 2


def test_refusals_are_422_with_user_errors_and_change_nothing(shop):
    product = shop.control("POST", "products", {"title": "Pen", "variants": [{"price": "2"}]})
    order = shop.control(
        "POST", "orders", {"lineItems": [{"variantId": product["variants"][0]["id"]}]}
    )

    with pytest.raises(ControlError) as error:
        shop.control("POST", f"orders/{order['legacyResourceId']}/refund", {"amount": "999"})

    assert error.value.status == 422
    assert error.value.body["userErrors"][0]["message"] == (
        "Refund amount exceeds what can be refunded"
    )
    after = shop.control("GET", f"orders/{order['legacyResourceId']}")
    assert after["displayFinancialStatus"] == "PAID" and after["refunds"] == []


def test_a_completed_checkout_becomes_an_order_with_its_token(shop):
    customer = shop.control("POST", "customers", {"email": "cart@example.com"})
    product = shop.control("POST", "products", {"title": "Pen", "variants": [{"price": "2"}]})
    checkout = shop.control(
        "POST",
        "checkouts",
        {"customerId": customer["id"], "lineItems": [{"variantId": product["variants"][0]["id"]}]},
    )

    completed = shop.control("POST", f"checkouts/{checkout['legacyResourceId']}/complete")

    assert completed["checkout"]["completedAt"] is not None
    assert completed["order"]["checkoutToken"] == checkout["token"]
    assert completed["order"]["customerId"] == int(customer["legacyResourceId"])
    assert checkout["token"] in checkout["abandonedCheckoutUrl"]
    with pytest.raises(ControlError) as again:
        shop.control("POST", f"checkouts/{checkout['legacyResourceId']}/complete")
    assert again.value.status == 422


def test_companies_with_contacts_and_locations(shop):
    customer = shop.control("POST", "customers", {"email": "buyer@acme.example"})

    company = shop.control(
        "POST",
        "companies",
        {
            "name": "Acme",
            "externalId": "ACME-1",
            "contacts": [{"customerId": customer["id"], "title": "Buyer"}],
            "locations": [
                {
                    "name": "HQ",
                    "shippingAddress": {
                        "address1": "Main St 1",
                        "city": "Oslo",
                        "countryCode": "NO",
                    },
                }
            ],
        },
    )
    result = shop.graphql(
        """query($id: ID!) { company(id: $id) { name externalId
             mainContact { title customer { email } }
             contacts(first: 5) { nodes { isMainContact } }
             locations(first: 5) { nodes { name shippingAddress { city countryCode } } } } }""",
        {"id": company["id"]},
    )["data"]["company"]

    assert result == {
        "name": "Acme",
        "externalId": "ACME-1",
        "mainContact": {"title": "Buyer", "customer": {"email": "buyer@acme.example"}},
        "contacts": {"nodes": [{"isMainContact": True}]},
        "locations": {
            "nodes": [{"name": "HQ", "shippingAddress": {"city": "Oslo", "countryCode": "NO"}}]
        },
    }


def test_unknown_endpoints_and_records_are_404(shop):
    for method, path in [("GET", "customers/123"), ("POST", "orders/1/explode"), ("GET", "nope")]:
        with pytest.raises(ControlError) as error:
            shop.control(method, path)
        assert error.value.status == 404


def test_state_survives_a_restart(tmp_path):
    state = tmp_path / "state.json"
    first = EmulatorProcess(None, "--state", str(state))
    try:
        first.client.add_app("app", "secret", distribution="custom")
        first.client.add_shop("keep.myshopify.com", currency="EUR")
        token = first.client.token("keep.myshopify.com", "app", ["read_customers"])
        first.client.call("POST", "shops/keep.myshopify.com/customers", {"email": "k@x.se"})
    finally:
        first.stop()

    second = EmulatorProcess(None, "--state", str(state))
    try:
        result = second.client.graphql(
            "keep.myshopify.com", token, "{ customers(first: 5) { nodes { email } } }"
        )
    finally:
        second.stop()

    assert result["data"]["customers"]["nodes"] == [{"email": "k@x.se"}]
    assert json.loads(state.read_text())["shops"][0]["currency"] == "EUR"


def test_the_seed_command_seeds_a_running_emulator(shopify_emulator):
    shopify_emulator.client.reset()

    output = subprocess.run(
        [
            sys.executable,
            "-m",
            "shopify_emulator",
            "seed",
            "--url",
            shopify_emulator.url,
            "--shop",
            "cli.myshopify.com",
            "--customers",
            "12",
            "--products",
            "3",
            "--orders",
            "7",
            "--seed",
            "42",
        ],
        cwd=ROOT,
        env={**os.environ, "EMULATOR_CONTROL_TOKEN": shopify_emulator.control_token},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert output.returncode == 0, output.stderr
    result = json.loads(output.stdout)
    assert result["totals"]["customers"] == 12
    assert result["totals"]["products"] == 3
    assert result["totals"]["orders"] >= 7


def test_the_seed_command_says_when_no_emulator_runs():
    output = subprocess.run(
        [
            sys.executable,
            "-m",
            "shopify_emulator",
            "seed",
            "--url",
            "http://127.0.0.1:1",
            "--shop",
            "cli.myshopify.com",
            "--customers",
            "1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert output.returncode != 0
    assert "No emulator answers at http://127.0.0.1:1" in output.stderr


def test_a_client_for_a_missing_emulator_fails_clearly():
    client = EmulatorClient("http://127.0.0.1:1", timeout=2)

    with pytest.raises(OSError):
        client.call("GET", "shops")


def test_a_bad_content_length_is_refused(shopify_emulator):
    import socket

    for length in ("-5", "lots"):
        with socket.create_connection(("127.0.0.1", shopify_emulator.port), timeout=5) as raw:
            request = f"POST /__emulator__/reset HTTP/1.1\r\nContent-Length: {length}\r\n\r\n"
            raw.sendall(request.encode())
            assert raw.recv(100).startswith(b"HTTP/1.1 400")


def test_the_mutations_apps_ran_are_logged_for_tests_to_count(shop):
    create = "mutation($i: CustomerInput!) { customerCreate(input: $i) { userErrors { message } } }"
    shop.graphql(create, {"i": {"email": "ann@example.com"}})
    shop.graphql(create, {"i": {"email": "not an email"}})
    shop.graphql("{ shop { name } }")
    shop.control("POST", "customers", {"email": "merchant@example.com"})

    log = shop.client.mutations(shop.domain)

    assert [(m["mutation"], m["client_id"], m["user_errors"]) for m in log] == [
        ("customerCreate", "test-app", False),
        ("customerCreate", "test-app", True),
    ]


def test_app_options_are_shown_without_the_secret_and_can_be_changed(emulator):
    created = emulator.add_app(
        "configured",
        "configured-secret",
        app_url="https://crm.example.com/app",
        scopes="read_products,read_orders",
        protected_data={"level": 2, "fields": ["email"]},
    )

    changed = emulator.update_app("configured", token_lifetime=5, distribution="custom")

    assert "client_secret" not in created
    assert created["scopes"] == ["read_products", "read_orders"]
    assert created["token_lifetime"] == 3600
    assert created["refresh_token_lifetime"] == 90 * 24 * 3600
    assert created["client_credentials_lifetime"] == 86399
    assert created["approved_scopes"] == []
    assert (created["distribution"], created["own_shop"]) == ("public", None)
    assert created["refuse_non_expiring"] is False
    assert (changed["token_lifetime"], changed["distribution"]) == (5, "custom")
    assert changed["app_url"] == "https://crm.example.com/app"
    assert emulator.call("GET", "apps/configured") == changed


@pytest.mark.parametrize(
    "options",
    [
        {"protected_data": {"level": 3}},
        {"protected_data": {"level": 2, "fields": ["shoe size"]}},
        {"distribution": "secret"},
        {"own_shop": "not-a-shop"},
        {"token_lifetime": 0},
        {"colour": "blue"},
    ],
)
def test_bad_app_options_are_refused(emulator, options):
    with pytest.raises(ControlError) as error:
        emulator.add_app("bad", "bad-secret", **options)

    assert error.value.status == 400


def test_tokens_plans_and_app_settings_survive_a_restart(tmp_path):
    state = str(tmp_path / "state.json")
    first = Emulator(state_file=state)
    first.add_app(
        "app", "secret", approved_scopes=["read_all_orders"], own_shop="keep.myshopify.com"
    )
    shop, _ = first.add_shop("keep.myshopify.com", plan="advanced")
    shop.token_lifetime = 120
    pair = tokens.issue(first, shop, first.apps["app"], ["read_orders"], expiring=True)
    first.save()

    second = Emulator(state_file=state)
    kept = second.shops["keep.myshopify.com"]

    assert (kept.plan, kept.token_lifetime) == ("advanced", 120)
    assert second.apps["app"].approved_scopes == ["read_all_orders"]
    assert tokens.admit(second, kept, pair["access_token"]).kind == "offline"
    assert kept.installations["app"]["scopes"] == ["read_orders"]
    answer = tokens.refresh(second, kept, second.apps["app"], pair["refresh_token"])
    assert answer["refresh_token"] != pair["refresh_token"]


def test_a_state_file_from_before_plans_and_expiring_tokens_still_loads(tmp_path):
    state = tmp_path / "old-state.json"
    state.write_text(
        json.dumps(
            {
                "apps": [{"client_id": "app", "client_secret": "secret", "redirect_urls": []}],
                "shops": [
                    {
                        "domain": "old.myshopify.com",
                        "name": "Old",
                        "currency": "USD",
                        "timezone": "UTC",
                        "number": 60000001,
                        "created_at": "2026-01-01T00:00:00Z",
                        "data": {"customers": []},
                        "next_number": 9100000000000001,
                        "next_order_number": 1001,
                        "grants": [
                            {"token": "shpat_old", "client_id": "app", "scopes": ["read_orders"]}
                        ],
                        "installed_apps": ["app"],
                        "webhook_subscriptions": [],
                        "faults": {"bucket_size": 2000.0, "restore_rate": 100.0},
                    }
                ],
            }
        )
    )

    emulator = Emulator(state_file=str(state))
    shop = emulator.shops["old.myshopify.com"]

    assert shop.plan == "basic"
    assert emulator.apps["app"].distribution == "public"
    assert emulator.find_grant(shop, "shpat_old").expires_at is None
    assert shop.installations["app"]["scopes"] == ["read_orders"]
    assert shop.bucket_limits() == (2000.0, 100.0)


def test_the_demo_app_and_shops_sync_every_object():
    """`serve --app KEY:SECRET --demo-shop …` (what `make run` starts): the demo app is approved
    as a custom app is, and the demo shop is on Plus, so all five objects can be read."""
    process = EmulatorProcess(
        None, "--app", "demo-key:demo-secret", "--demo-shop", "d.myshopify.com"
    )
    try:
        client = process.client
        token = client.token(
            "d.myshopify.com",
            "demo-key",
            [
                "read_customers",
                "read_orders",
                "read_all_orders",
                "read_products",
                "read_checkouts",
                "read_companies",
            ],
        )
        result = client.graphql(
            "d.myshopify.com",
            token,
            """{ shop { plan { shopifyPlus } }
                 customers(first: 1) { nodes { email } } orders(first: 1) { nodes { email } }
                 products(first: 1) { nodes { id } } companies(first: 1) { nodes { id } }
                 abandonedCheckouts(first: 1) { nodes { id } } }""",
        )
        app = client.call("GET", "apps/demo-key")
    finally:
        process.stop()

    assert "errors" not in result, result["errors"]
    assert result["data"]["shop"]["plan"]["shopifyPlus"] is True
    assert all(
        result["data"][name]["nodes"]
        for name in ("customers", "orders", "products", "companies", "abandonedCheckouts")
    )
    assert result["data"]["customers"]["nodes"][0]["email"]
    assert app["approved_scopes"] == ["read_all_orders"]
    assert app["protected_data"]["level"] == 2


def test_a_shop_has_a_country_its_address_gives(emulator, shop):
    client = emulator
    client.add_shop("lund.myshopify.com", country="SE")
    assert client.call("GET", "shops/lund.myshopify.com")["country"] == "SE"
    client.update_shop("lund.myshopify.com", country="NO")
    assert client.call("GET", "shops/lund.myshopify.com")["country"] == "NO"

    with pytest.raises(ControlError) as refused:
        client.update_shop("lund.myshopify.com", country="Norway")
    assert refused.value.status == 400
    assert client.call("GET", "shops/lund.myshopify.com")["country"] == "NO"

    client.add_shop("boston.myshopify.com")
    assert client.call("GET", "shops/boston.myshopify.com")["country"] == "US"

    # Apps read it as the shop's address.
    answer = shop.graphql("{ shop { shopAddress { countryCodeV2 } } }")
    assert answer["data"]["shop"]["shopAddress"] == {"countryCodeV2": "US"}


# Never production (finding 6) ----------------------------------------------------------------


def test_the_control_api_answers_only_with_its_token(shopify_emulator):
    url = f"{shopify_emulator.url}/__emulator__/shops"
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Bearér x"}):
        answer = requests.post(url, json={"shop": "x.myshopify.com"}, headers=headers, timeout=5)
        assert answer.status_code == 401
    listed = shopify_emulator.client.call("GET", "shops")
    assert "x.myshopify.com" not in json.dumps(listed)

    token = {"Authorization": f"Bearer {shopify_emulator.control_token}"}
    assert requests.get(url, headers=token, timeout=5).status_code == 200


@pytest.mark.parametrize(
    ("environment", "refusal"),
    [
        ({"DEBUG": "false"}, "it does not start with DEBUG off"),
        ({"DEBUG": ""}, "it does not start with DEBUG off"),
        (
            {"DEBUG": "true", "SHOPIFY_BASE_URL": "https://{shop}/"},
            "the app talks to another Shopify",
        ),
        (
            {"DEBUG": "true", "SHOPIFY_BASE_URL": "http://127.0.0.1:9999/{shop}"},
            "the app talks to another Shopify",
        ),
        ({"DEBUG": "true", "EMULATOR_CONTROL_TOKEN": "short"}, "needs a token"),
        ({"DEBUG": "true", "EMULATOR_CONTROL_TOKEN": ""}, "needs a token"),
    ],
)
def test_serve_refuses_to_start_beside_production(environment, refusal):
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DEBUG", "SHOPIFY_BASE_URL", "EMULATOR_CONTROL_TOKEN")
    }
    env.update({"EMULATOR_CONTROL_TOKEN": "a-token-long-enough-for-it", **environment})

    done = subprocess.run(
        [sys.executable, "-m", "shopify_emulator", "serve", "--port", str(port)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode != 0
    assert refusal in done.stderr
