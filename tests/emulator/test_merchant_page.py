"""The "act as the merchant" page: each form does what it says in the shop, sends the
webhooks Shopify would, and a refused action says why and changes nothing."""

import html
import re

import pytest
import requests

from tests.emulator.conftest import SHOP, subscribe


@pytest.fixture
def seeded(shop):
    shop.control("POST", "seed", {"customers": 5, "products": 3, "orders": 4, "seed": 3})
    return shop


def act(shopify_emulator, **form):
    """Submit a form as the browser does, following the redirect back to the page."""
    response = requests.post(f"{shopify_emulator.url}/{SHOP}/admin", data=form, timeout=10)
    assert response.status_code == 200
    assert response.url.startswith(f"{shopify_emulator.url}/{SHOP}/admin?message=")
    return re.search(r"<p class=notice>(.*?)</p>", response.text).group(1)


def test_the_page_lists_the_newest_records_with_their_forms(shopify_emulator, seeded):
    page = requests.get(f"{shopify_emulator.url}/{SHOP}/admin", timeout=10)

    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    orders = seeded.control("GET", "orders")["orders"]
    for order in orders:
        assert order["name"] in page.text
    assert page.text.count("value=rename_customer") == 5
    assert page.text.count("value=pay>") == 4


def test_renaming_a_customer_changes_it_and_sends_customers_update(
    shopify_emulator, seeded, receiver
):
    subscribe(seeded, "CUSTOMERS_UPDATE", receiver.url)
    customer = seeded.control("GET", "customers")["customers"][0]

    message = act(shopify_emulator, action="rename_customer", id=customer["id"], first="Zelda")

    assert message == f"Done: rename customer {customer['id']}"
    assert seeded.control("GET", f"customers/{customer['legacyResourceId']}")["firstName"] == (
        "Zelda"
    )
    receiver.wait_for(1)
    assert receiver.received[0]["headers"]["X-Shopify-Topic"] == "customers/update"


def test_placing_paying_and_shipping_an_order(shopify_emulator, seeded):
    before = {o["id"] for o in seeded.control("GET", "orders")["orders"]}

    message = act(shopify_emulator, action="place_order")

    placed = [o for o in seeded.control("GET", "orders")["orders"] if o["id"] not in before]
    assert len(placed) == 1 and message == f"Done: place order {placed[0]['name']}"
    act(shopify_emulator, action="pay", id=placed[0]["id"])
    act(shopify_emulator, action="fulfill", id=placed[0]["id"])
    order = seeded.control("GET", f"orders/{placed[0]['id'].rsplit('/', 1)[1]}")
    assert (order["displayFinancialStatus"], order["displayFulfillmentStatus"]) == (
        "PAID",
        "FULFILLED",
    )


def test_a_refused_action_says_why_and_changes_nothing(shopify_emulator, seeded):
    order = seeded.control("GET", "orders")["orders"][0]
    act(shopify_emulator, action="cancel", id=order["id"])
    after_cancel = seeded.control("GET", "orders")

    message = act(shopify_emulator, action="cancel", id=order["id"])

    assert message.startswith("Refused: ")
    assert seeded.control("GET", "orders") == after_cancel


def test_text_from_the_shop_is_escaped(shopify_emulator, seeded):
    act(shopify_emulator, action="add_customer", email="x@example.com", first="<script>1</script>")

    page = requests.get(f"{shopify_emulator.url}/{SHOP}/admin", timeout=10).text

    assert "<script>1</script>" not in page
    assert "&lt;script&gt;1&lt;/script&gt;" in page


def test_an_unknown_shop_has_no_page(shopify_emulator, emulator):
    response = requests.get(f"{shopify_emulator.url}/nobody.myshopify.com/admin", timeout=10)

    assert response.status_code == 404


@pytest.mark.parametrize(
    "resource, title, kind",
    [
        ("customers", lambda c: f"{c['firstName']} {c['lastName']}", "Customer"),
        ("orders", lambda o: o["name"], "Order"),
        ("products", lambda p: p["title"], "Product"),
    ],
)
def test_a_records_admin_page_shows_it(shopify_emulator, seeded, resource, title, kind):
    """`/{shop}/admin/{resource}/{id}`: where Shopify's admin shows a record, and where the
    app's "Open in Shopify" links lead."""
    record = seeded.control("GET", resource)[resource][0]

    page = requests.get(
        f"{shopify_emulator.url}/{SHOP}/admin/{resource}/{record['legacyResourceId']}", timeout=10
    )

    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    heading = html.escape(title(record))
    assert f"<h1>{heading} <small>{kind} · {SHOP} · Shopify emulator</small></h1>" in page.text
    assert f"<tr><th>id</th><td>{record['id']}</td></tr>" in page.text
    assert f"<a href='/{SHOP}/admin'>" in page.text


def test_a_missing_records_admin_page_is_not_found(shopify_emulator, seeded):
    page = requests.get(f"{shopify_emulator.url}/{SHOP}/admin/orders/12345", timeout=10)

    assert page.status_code == 404
    assert "<h1>Order not found</h1>" in page.text
    assert (
        requests.get(f"{shopify_emulator.url}/{SHOP}/admin/refunds/1", timeout=10).status_code
        == 404
    )
    unknown_shop = requests.get(
        f"{shopify_emulator.url}/nope.myshopify.com/admin/orders/1", timeout=10
    )
    assert unknown_shop.status_code == 404
