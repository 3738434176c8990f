"""Registering an app in the admin: its scopes, stores and rate are saved as given; a store
that is not connected is refused and nothing is saved."""

from api.models import Application
from integration.models import Store


def add(client, **fields):
    form = {
        "name": "Warehouse",
        "client_id": "warehouse-client-id",
        "client_secret": "a-long-client-secret-for-the-admin-test",
        "hash_client_secret": "on",
        "client_type": "confidential",
        "authorization_grant_type": "client-credentials",
        "redirect_uris": "",
        "allowed_scopes": ["orders.read", "stores.read"],
        "stores": "Demo.myshopify.com\n\n",
        "rate_limit": "120",
        **fields,
    }
    return client.post("/admin/api/application/add/", form)


def test_an_app_is_registered_with_what_it_may_do(client, superuser):
    Store.objects.create(shop_domain="demo.myshopify.com", name="Demo")
    client.force_login(superuser)
    page = client.get("/admin/api/application/add/").content.decode()
    assert "orders.write: Change the custom properties of orders (superadmins only)" in page
    assert "Implicit" not in page  # only the two flows the API documents

    response = add(client)
    assert response.status_code == 302, response.content.decode()[-3000:]
    app = Application.objects.get()
    assert (app.allowed_scopes, app.stores, app.rate_limit) == (
        ["orders.read", "stores.read"],
        ["demo.myshopify.com"],
        120,
    )
    assert app.client_secret != "a-long-client-secret-for-the-admin-test"  # stored hashed


def test_a_store_that_is_not_connected_is_refused(client, superuser):
    Store.objects.create(shop_domain="demo.myshopify.com", name="Demo")
    client.force_login(superuser)
    response = add(client, stores="elsewhere.myshopify.com")
    assert response.status_code == 200
    assert "No such store: elsewhere.myshopify.com." in response.content.decode()
    assert not Application.objects.exists()
