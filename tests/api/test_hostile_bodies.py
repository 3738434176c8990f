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
