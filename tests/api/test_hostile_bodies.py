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


# What the fuzz suite and schemathesis found, kept as tests ----------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "²"},  # a digit to str.isdigit, no number to int()
        {"limit": "9" * 40},
        {"email": "a\x00b"},  # PostgreSQL refused the NUL: a 500
        {"a\x00b": "1"},
    ],
)
def test_query_values_that_answered_500_are_a_400(api, token, params):
    response = api("get", "/api/v1/contacts", token, params)

    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid"


def test_a_stage_that_is_no_id_is_a_400(api, make_token, staff_user):
    token = make_token(["orders.read"], user=staff_user)

    for stage in ("²", "9" * 19, "-1"):
        response = api("get", "/api/v1/orders", token, {"stage": stage})
        assert response.status_code == 400
        assert response.json()["error"]["field"] == "stage"


def test_an_offset_postgresql_refuses_is_read_in_utc(api, token, make_contact):
    """ISO 8601 allows -20:34; PostgreSQL refuses offsets past ±15:59 (a 500)."""
    make_contact()

    response = api("get", "/api/v1/contacts", token, {"updated_since": "0381-04-01T12:12:41-20:34"})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


@pytest.mark.parametrize(("start", "end"), [("0434-11-24", "0001-01-01"), (None, "0001-01-01")])
def test_a_report_period_no_order_can_have_is_a_400(api, make_token, staff_user, start, end):
    """The day before year 1 does not exist: the default start, or the previous period, was a
    500."""
    token = make_token(["reports.read"], user=staff_user)
    params = {"to": end, **({"from": start} if start else {})}

    response = api("get", "/api/v1/reports/orders", token, params)

    assert response.status_code == 400
    assert "Reports cover 1970-01-01 to 2199-12-31." in response.json()["error"]["message"]
