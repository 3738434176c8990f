import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from integration.models import Store
from sync.adapters import topics

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_connect_store_token_does_what_the_callback_does(emulator, shop, token):
    output = run("connect_store_token", "https://alpha.myshopify.com/admin", token)

    store = Store.objects.get()
    assert output.strip() == "Alpha Goods (alpha.myshopify.com) is connected."
    assert (store.name, store.currency, store.access_token) == ("Alpha Goods", "SEK", token)
    subscriptions = emulator.graphql(
        shop, token, "{ webhookSubscriptions(first: 100) { nodes { topic } } }"
    )["data"]["webhookSubscriptions"]["nodes"]
    assert len(subscriptions) == len(topics())


def test_a_bad_token_is_refused_and_nothing_is_stored(emulator, shop):
    with pytest.raises(CommandError, match="The token does not work for alpha.myshopify.com"):
        run("connect_store_token", "alpha", "shpat_wrong")

    assert Store.objects.count() == 0


def test_a_bad_domain_is_refused(emulator):
    with pytest.raises(CommandError, match="not a Shopify store address"):
        run("connect_store_token", "evil.com", "shpat_x")


def test_list_stores(emulator, shop, token):
    assert run("list_stores").strip() == "No stores are connected."
    run("connect_store_token", "alpha", token)

    listed = json.loads(run("list_stores", "--json"))
    text = run("list_stores")

    assert [store["shop"] for store in listed["stores"]] == ["alpha.myshopify.com"]
    assert listed["stores"][0]["status"] == "connected"
    assert "read_customers" in listed["stores"][0]["scopes"]
    assert token not in text and token not in json.dumps(listed)


def test_connect_store_credentials_reads_the_secret_from_stdin(emulator, shop):
    emulator.add_app("own-app", "own-secret", own_shop=shop, scopes=["read_products"])
    out = StringIO()

    call_command(
        "connect_store_credentials", "alpha", "own-app", stdin=StringIO("own-secret\n"), stdout=out
    )

    store = Store.objects.get()
    assert out.getvalue().strip() == "Alpha Goods (alpha.myshopify.com) is connected."
    assert (store.credentials, store.client_id, store.client_secret) == (
        "client_credentials",
        "own-app",
        "own-secret",
    )
    assert store.scope_list == ["read_products"]
    assert store.access_token_expires_at is not None and store.refresh_token == ""


def test_connect_store_credentials_reads_the_secret_from_a_file(emulator, shop, tmp_path):
    emulator.add_app("own-app", "own-secret", own_shop=shop, scopes=["read_products"])
    secret = tmp_path / "secret"
    secret.write_text("own-secret\n")

    run("connect_store_credentials", "alpha", "own-app", "--client-secret-file", str(secret))

    assert Store.objects.get().client_secret == "own-secret"


def test_connect_store_credentials_refused_stores_nothing(emulator, shop):
    emulator.add_app("own-app", "own-secret", own_shop=shop, scopes=["read_products"])

    with pytest.raises(CommandError, match=r"\(invalid_client\)"):
        call_command("connect_store_credentials", "alpha", "own-app", stdin=StringIO("wrong"))
    with pytest.raises(CommandError, match="Give the client secret"):
        call_command("connect_store_credentials", "alpha", "own-app", stdin=StringIO(""))

    assert Store.objects.count() == 0
