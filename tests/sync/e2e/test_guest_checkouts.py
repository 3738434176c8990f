"""A guest checkout's email, which Shopify gives only in its checkouts/create and
checkouts/update webhooks (GraphQL's AbandonedCheckout has no email, and a guest no
customer): the cart keeps it, joins the contact with that email, and staff find it by it."""

import time

import pytest
from django.urls import reverse

from crm.models import Cart, Contact
from sync import deliveries, services
from sync.adapters import scopes
from sync.checkout_emails import remember
from sync.models import CheckoutEmail, RecordMapping
from tests.sync.e2e.conftest import SHOP, number, shop_data, work

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def store(shopify, settings, live_server):
    """Connected with webhooks pointing at a live server, as in production."""
    settings.APP_URL = live_server.url
    token = shopify.token(SHOP, settings.SHOPIFY_API_KEY, scopes())
    return services.connect_store_token(shop_domain=SHOP, access_token=token, user=None)


@pytest.fixture
def synced(shopify, store):
    for object_type in ("contacts", "carts"):
        services.turn_on(store=store, object_type=object_type)
    work()
    shopify.faults(SHOP, webhook_drop_rate=0)
    return store


def settle(shopify, count, timeout=60):
    """Wait until Shopify delivered `count` webhooks since they were turned on (those before
    were dropped), then run the jobs they queued."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        deliveries = shopify.call("GET", f"shops/{SHOP}/webhook_deliveries")["deliveries"]
        delivered = [d for d in deliveries if d["status"] == "delivered"]
        if len(delivered) >= count and all(
            d["status"] in ("delivered", "dropped") for d in deliveries
        ):
            work()
            return
        time.sleep(0.05)
    raise AssertionError("webhooks were still on their way")


def guest_checkout(shopify, email):
    product = shop_data(shopify, "products")[0]
    return shopify.call(
        "POST",
        f"shops/{SHOP}/checkouts",
        {"email": email, "lineItems": [{"productId": product["id"]}]},
    )


def cart_of(checkout) -> Cart:
    mapping = RecordMapping.objects.get(object_type="carts", shopify_id=number(checkout["id"]))
    return Cart.objects.get(pk=mapping.crm_id)


def test_a_guest_checkout_gets_its_email_and_contact_and_is_found_by_it(
    shopify, synced, client, superuser
):
    contact = Contact.objects.exclude(email="").order_by("pk").first()
    known = guest_checkout(shopify, contact.email.upper())
    unknown = guest_checkout(shopify, "walk.in@example.com")
    settle(shopify, 2)

    assert (cart_of(known).email, cart_of(known).contact_id) == (contact.email.upper(), contact.pk)
    assert (cart_of(unknown).email, cart_of(unknown).contact) == ("walk.in@example.com", None)
    # GraphQL has no email for a guest checkout: it came from the webhook, kept by token.
    assert set(CheckoutEmail.objects.values_list("email", flat=True)) == {
        contact.email.upper(),
        "walk.in@example.com",
    }

    # The shopper corrects the address: the cart follows, a read of the checkout too.
    shopify.call(
        "PATCH", f"shops/{SHOP}/checkouts/{number(unknown['id'])}", {"email": "walk.in@example.org"}
    )
    settle(shopify, 3)
    assert cart_of(unknown).email == "walk.in@example.org"
    services.resync(store=synced, object_type="carts")
    work()
    assert cart_of(unknown).email == "walk.in@example.org"
    assert cart_of(known).contact_id == contact.pk

    client.force_login(superuser)
    page = client.get(reverse("crm:carts"), {"q": "Walk.In@example.org"})
    assert [cart.pk for cart, _ in page.context["rows"]] == [cart_of(unknown).pk]
    assert "walk.in@example.org" in page.content.decode()


def test_an_older_body_arriving_late_does_not_undo_a_newer_email(shopify, synced):
    checkout = guest_checkout(shopify, "first@example.com")
    settle(shopify, 1)
    token = CheckoutEmail.objects.get().token
    CheckoutEmail.objects.update(email="newer@example.com", given_at="2100-01-01T00:00:00Z")

    remember(synced, token, {"email": "first@example.com", "updated_at": "2026-01-01T00:00:00Z"})
    remember(synced, token, {"email": "not an email"})
    remember(synced, token, {"email": None, "updated_at": "2200-01-01T00:00:00Z"})

    assert CheckoutEmail.objects.get().email == "newer@example.com"
    assert cart_of(checkout).email == "first@example.com"


def test_an_erased_customer_email_does_not_come_back_with_a_resync(shopify, synced):
    checkout = guest_checkout(shopify, "erase.me@example.com")
    settle(shopify, 1)
    assert cart_of(checkout).email == "erase.me@example.com"

    deliveries.handle_customers_redact(synced, {"customer": {"email": "Erase.Me@example.com"}})
    services.resync(store=synced, object_type="carts")
    work()

    assert not CheckoutEmail.objects.exists()
    assert cart_of(checkout).email == ""
