"""API bodies and parameters that answered 500 (finding 7): 400 in the API's error shape, and
nothing saved."""

import pytest

from crm.models import Contact


@pytest.fixture
def token(make_token, staff_user):
    return make_token(["contacts.read", "contacts.write"], user=staff_user)


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 10_000 + b"]" * 10_000,
        b'{"email": "a@example.com", "first_name": "A\\u0000B"}',
        b'{"email": "a@example.com", "first_name": "A\x00B"}',
        b'{"email": "a@example.com", "first_name": "\xff"}',
        b"{not json",
    ],
)
def test_a_body_no_field_can_take_is_a_400_and_saves_nothing(api, token, body):
    response = api("post", "/api/v1/contacts", token, body)

    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "malformed_json"
    assert Contact.objects.count() == 0


@pytest.mark.parametrize(
    "cursor",
    [
        "%%%",
        "bm90IGEgY3Vyc29y",  # "not a cursor"
        "x" * 5000,
        "\x00",
        "cD1hYmM=",  # p=abc: a position that is no id reached the database
        "bz05OTk5OTk5OTk5OTk5OTk5OTk5OQ==",  # an offset past any page
    ],
)
def test_a_cursor_the_api_did_not_give_is_a_400(api, token, cursor):
    response = api("get", "/api/v1/contacts", token, {"cursor": cursor})

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "cursor"


@pytest.mark.parametrize(
    "body",
    [
        {"email": "a@example.com", "country_code": 0},
        {"email": "a@example.com", "tags": [0]},
        {"email": "a@example.com", "first_name": ["A"]},
        {"email": 7},
    ],
)
def test_a_value_of_another_type_is_refused_not_coerced(api, token, body):
    """Finding 13: country_code 0 was stored as "0", tags [0] as ["0"]."""
    response = api("post", "/api/v1/contacts", token, body)

    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid_type"
    assert Contact.objects.count() == 0


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("patch", "/api/v1/contacts/0.5"),
        ("post", "/api/v1/nowhere"),
        ("delete", "/api/v1/contacts/x/y"),
        ("get", "/api/v1/"),
    ],
)
def test_every_path_under_the_api_answers_json(api, token, method, path):
    response = api(method, path, token, {} if method in ("post", "patch") else None)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"


def test_an_order_or_cart_without_email_says_null(
    api, make_token, staff_user, make_order, make_cart
):
    token = make_token(["orders.read", "carts.read"], user=staff_user)
    make_order(email="")
    make_cart(email="")

    orders = api("get", "/api/v1/orders", token).json()["results"]
    carts = api("get", "/api/v1/carts", token).json()["results"]

    assert [order["email"] for order in orders] == [None]
    assert [cart["email"] for cart in carts] == [None]
