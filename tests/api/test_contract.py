"""The API keeps its contract: schemathesis (an OpenAPI tester) generates requests from the
OpenAPI document for every operation, with a person's token and with an app's own, and checks
every answer against the document: no 5xx, documented status codes, content types, headers
and bodies, schema-valid requests accepted and invalid ones refused."""

import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.core.failures import FailureGroup

from config.wsgi import application


@pytest.fixture
def api_schema(db, redis_connection):
    """The document, from the app itself. Requests go to the WSGI app in this process, on the
    test's database connection: as Django's test client does, requests must not close it."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearers(make_token, make_application, staff_user, make_contact, make_order, make_cart):
    """A person's token and an app's own (client credentials), on an app with no rate limit
    to speak of, and a few records to read."""
    make_contact()
    make_order()
    make_cart()
    application = make_application(rate_limit=1_000_000)
    return {
        kind: {"Authorization": f"Bearer {make_token(user=user, application=application).token}"}
        for kind, user in (("person", staff_user), ("app", None))
    }


CASES = hypothesis_settings(
    max_examples=int(os.environ.get("CONTRACT_EXAMPLES", "10")),
    deadline=None,
    derandomize=not os.environ.get("CONTRACT_EXAMPLES"),
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.parametrize("kind", ["person", "app"])
def test_every_operation_keeps_the_contract(api_schema, bearers, kind):
    """Each operation of the document, a few generated requests each (schemathesis's Python
    API: its pytest plugin does not run on this pytest)."""
    failures = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 20

    for operation in operations:

        @given(case=operation.as_strategy())
        @CASES
        def check(case):
            # A cursor is the API's own opaque string: one made up is refused (400), as
            # tests/api/test_hostile_bodies.py checks; here paging starts from the beginning.
            if isinstance(case.query, dict):
                case.query.pop("cursor", None)
            response = case.call(headers=bearers[kind])
            try:
                case.validate_response(response)
            except FailureGroup as failure:
                if not _a_business_rule(failure, response):
                    raise

        try:
            check()
        except (Exception, FailureGroup) as failure:  # every operation is tried; all listed
            failures.append(f"{operation.label}: {_described(failure)}")

    assert not failures, "\n\n".join(failures)


# Rules the document cannot state in JSON Schema, by the field and code the API refuses with:
# a phone libphonenumber does not know, a reference to a record that does not exist, an email
# another contact has, a blank tag once trimmed, a report's period that ends before it starts
# or is longer than three years, or falls outside the days reports cover. A schema-valid
# request refused for one of these is the API keeping its rules.
BUSINESS_RULES = {
    ("phone", "invalid"),
    ("company", "does_not_exist"),
    ("email", "unique"),
    ("from", "invalid"),
    ("to", "invalid"),
    ("price", "invalid"),  # drf-spectacular's decimal pattern lets "-." through
}


def _a_business_rule(failure, response) -> bool:
    """Whether the only failure is a schema-valid request refused for one of BUSINESS_RULES."""
    if not all(
        str(part).startswith("Schema-valid request rejected") for part in failure.exceptions
    ):
        return False
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return False
    return (error.get("field"), error.get("code")) in BUSINESS_RULES or error.get("code") == "blank"


def _described(failure) -> str:
    """What failed, in schemathesis's words (each distinct failure's title and detail)."""
    parts = getattr(failure, "exceptions", None) or [failure]
    return "; ".join(" ".join(str(part).split())[:600] for part in parts)
