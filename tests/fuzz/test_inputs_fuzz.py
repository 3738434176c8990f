"""API bodies and query strings, and the staff pages' parameters, made of hostile values.
Properties: never a 5xx; a refused body saves nothing."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm.models import Contact
from tests.fuzz.strategies import hostile_text, hostile_value

pytestmark = pytest.mark.django_db

CONTACT_FIELDS = [
    "email",
    "first_name",
    "last_name",
    "phone",
    "address1",
    "city",
    "country_code",
    "tags",
    "note",
    "email_marketing_consent",
    "company",
    "id",
]
query_value = st.one_of(hostile_text, st.integers().map(str), st.sampled_from(["²", "-1", "0"]))


@pytest.fixture
def token(make_token, make_application, staff_user):
    """On an app whose rate limit thousands of cases a minute stay under."""
    application = make_application(rate_limit=1_000_000)
    return make_token(
        ["contacts.read", "contacts.write", "orders.read"], user=staff_user, application=application
    )


@given(
    body=st.one_of(
        st.dictionaries(st.sampled_from(CONTACT_FIELDS), hostile_value, max_size=5),
        hostile_value,
    )
)
def test_api_bodies_never_break_it_and_a_refused_one_saves_nothing(api, token, body):
    before = Contact.objects.count()

    response = api("post", "/api/v1/contacts", token, json.dumps(body))

    assert response.status_code in (201, 400), response.content
    assert response["Content-Type"] == "application/json"
    if response.status_code == 400:
        assert Contact.objects.count() == before


@given(
    params=st.dictionaries(
        st.sampled_from(["limit", "cursor", "updated_since", "q", "store", "stage", "status"]),
        query_value,
        max_size=3,
    )
)
def test_api_query_strings_never_break_it(api, token, params):
    for path in ("/api/v1/contacts", "/api/v1/orders"):
        response = api("get", path, token, params)
        assert response.status_code in (200, 400), (path, params, response.content)


@given(
    name=st.sampled_from(["crm:orders", "crm:carts", "crm:contacts", "crm:products"]),
    params=st.dictionaries(
        st.sampled_from(["page", "q", "sort", "since", "until", "store", "stage", "status"]),
        query_value,
        max_size=4,
    ),
)
def test_staff_page_parameters_never_break_them(admin_client, name, params):
    from django.urls import reverse

    response = admin_client.get(reverse(name), params)

    assert response.status_code in (200, 400), (name, params)
