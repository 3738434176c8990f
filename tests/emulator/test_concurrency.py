"""Concurrent changes through the control API and GraphQL: Shopify's rules hold for each."""

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from shopify_emulator.client import ControlError


def run_together(count, action):
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(lambda _: _attempt(action), range(count)))


def _attempt(action):
    try:
        action()
        return "ok"
    except ControlError as error:
        return error.status


def test_concurrent_refunds_never_refund_more_than_was_paid(shop):
    product = shop.control("POST", "products", {"title": "Cup", "variants": [{"price": "100"}]})
    order = shop.control(
        "POST", "orders", {"lineItems": [{"variantId": product["variants"][0]["id"]}]}
    )
    total = Decimal(order["totalPriceSet"]["shopMoney"]["amount"])
    part = (total * Decimal("0.4")).quantize(Decimal("0.01"))
    path = f"orders/{order['legacyResourceId']}/refund"

    outcomes = run_together(8, lambda: shop.control("POST", path, {"amount": str(part)}))

    assert outcomes.count("ok") == 2 and outcomes.count(422) == 6
    after = shop.control("GET", f"orders/{order['legacyResourceId']}")
    assert Decimal(after["totalRefundedSet"]["shopMoney"]["amount"]) == 2 * part
    assert len(after["refunds"]) == 2


def test_concurrent_creates_of_one_email_make_one_customer(shop):
    outcomes = run_together(
        8, lambda: shop.control("POST", "customers", {"email": "same@example.com"})
    )

    assert outcomes.count("ok") == 1 and outcomes.count(422) == 7
    assert len(shop.control("GET", "customers")["customers"]) == 1


def test_reads_during_writes_see_whole_records(shop):
    shop.control("POST", "seed", {"customers": 200, "seed": 1})
    shop.control("PUT", "faults", {"bucket_size": 100_000, "restore_rate": 10_000})

    def write():
        for index in range(30):
            shop.control("POST", "customers", {"email": f"w{index}@example.com"})

    def read():
        result = shop.graphql("{ customers(first: 250) { nodes { id email } } }")
        assert "errors" not in result, result

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(write)] + [pool.submit(read) for _ in range(20)]
        for future in futures:
            future.result()
