"""`POST /{shop}/admin/api/2026-10/graphql.json`: authentication, faults, cost and the leaky
bucket, then graphql-core against Shopify's schema, with Shopify's error shapes and messages."""

from __future__ import annotations

import functools
import json
import random
import re
import time

from graphql import GraphQLError, execute, parse, validate

from shopify_emulator import tokens
from shopify_emulator.cost import MAX_QUERY_COST, CostCalculator
from shopify_emulator.resolvers import Context, default_resolver
from shopify_emulator.schema import load_schema
from shopify_emulator.version import API_VERSION

UNAUTHORIZED = "[API] Invalid API key or access token (unrecognized login or wrong password)"
_random = random.Random()
MAX_COST_MESSAGE = (
    "Query cost is {cost}, which exceeds the single query max cost limit ({limit}).\n\n"
    "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n"
    "cost of a query is calculated.\n\n"
    "To query larger amounts of data with fewer limits, bulk operations should be used "
    "instead.\nSee https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for "
    "usage details.\n"
)
MAX_COST_DOCUMENTATION = "https://shopify.dev/api/usage/limits#rate-limits"


@functools.lru_cache(maxsize=512)
def _prepare(query: str):
    """Parse and validate once per distinct query text: apps send the same few documents."""
    schema = load_schema()
    document = parse(query)
    return document, [ruby_style(error) for error in validate(schema, document)]


class Refusal(Exception):
    """An answer that ends the request early: (status, headers, body)."""

    def __init__(self, status: int, body, headers: dict | None = None):
        super().__init__(status)
        self.answer = (status, headers or {}, body)


def handle(emulator, shop_domain: str, version: str, headers, body: bytes):
    """Return (status, extra headers, JSON-able body)."""
    try:
        shop, grant = _admit(emulator, shop_domain, version, headers)
        query, variables, operation_name = _read_request(body)
        document = _prepare_document(query)
        calculator = CostCalculator(
            load_schema(), document, variables, operation_name, shop.faults.field_costs
        )
        requested, bucket = _charge(shop, grant, calculator, _wants_cost_debug(headers))
    except Refusal as refusal:
        return refusal.answer
    context = Context(emulator, shop, grant)
    result = execute(
        load_schema(),
        document,
        variable_values=variables,
        operation_name=operation_name,
        context_value=context,
        field_resolver=default_resolver,
    )
    actual = calculator.actual(result.data)
    bucket.refund(requested - actual)
    response = {}
    errors = [*(result.errors or ()), *context.denials]
    if errors:
        response["errors"] = [ruby_style(error) for error in errors]
    response["data"] = result.data  # present (maybe null) once execution started, as the spec says
    response["extensions"] = _cost(requested, actual, bucket)
    if calculator.trace is not None:
        response["extensions"]["cost"]["fields"] = calculator.trace
    if context.warnings:
        response["extensions"]["search"] = [
            {"warnings": [{"message": warning} for warning in context.warnings]}
        ]
    return 200, {}, response


def _admit(emulator, shop_domain, version, headers):
    """The shop and the token's grant, after the injected faults; or a refusal."""
    shop = emulator.shops.get(shop_domain)
    if shop is None or version != API_VERSION:
        raise Refusal(404, {"errors": "Not Found"})
    faults = shop.faults
    if faults.latency_ms:
        time.sleep(faults.latency_ms / 1000)
    if faults.error_rate and _random.random() < faults.error_rate:
        raise Refusal(_random.choice((500, 502, 503)), {"errors": "Internal Server Error"})
    if faults.throttle_429_rate and _random.random() < faults.throttle_429_rate:
        raise Refusal(429, {"errors": "Too Many Requests"}, {"Retry-After": "1.0"})
    # Unknown, revoked and expired tokens, and non-expiring ones under the 2027 rule, all get
    # Shopify's invalid-token answer (tokens.admit).
    grant = tokens.admit(emulator, shop, headers.get("X-Shopify-Access-Token"))
    if grant is None:
        raise Refusal(401, {"errors": UNAUTHORIZED})
    return shop, grant


def _read_request(body: bytes):
    """(query, variables, operationName) from the JSON body."""
    missing = Refusal(400, {"errors": {"query": "Required parameter missing or invalid"}})
    try:
        request = json.loads(body or b"{}")
    except ValueError:
        raise missing from None
    query = request.get("query") if isinstance(request, dict) else None
    if not isinstance(query, str) or not query.strip():
        raise missing
    variables = request.get("variables") or {}
    if isinstance(variables, str):  # some clients send the variables JSON-encoded
        try:
            variables = json.loads(variables)
        except ValueError:
            variables = None
    if not isinstance(variables, dict):
        raise Refusal(400, {"errors": {"variables": "Variables must be a JSON object"}})
    return query, variables, request.get("operationName")


def _prepare_document(query: str):
    try:
        document, errors = _prepare(query)
    except GraphQLError as error:
        raise Refusal(200, {"errors": [ruby_style(error)]}) from None
    if errors:
        raise Refusal(200, {"errors": errors})
    return document


def _wants_cost_debug(headers) -> bool:
    """`Shopify-GraphQL-Cost-Debug: 1` asks for the per-field cost breakdown ("GraphQL Admin
    API rate limits", https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits);
    older documentation named the header `X-GraphQL-Cost-Include-Fields: true`."""
    debug = (headers.get("Shopify-GraphQL-Cost-Debug") or "").strip()
    include = (headers.get("X-GraphQL-Cost-Include-Fields") or "").strip().lower()
    return debug == "1" or include == "true"


def _charge(shop, grant, calculator, debug: bool = False):
    """Take the requested cost from the app's bucket: (requested cost, bucket)."""
    bucket = shop.bucket(grant.client_id)
    try:
        requested = calculator.requested(trace=debug)
    except GraphQLError as error:  # bad variables, as graphql-ruby reports them
        raise Refusal(200, {"errors": [ruby_style(error)]}) from None
    if requested > MAX_QUERY_COST:
        # Refused before it runs and before the bucket is charged: no `data`, no cost
        # extension, just the error, as in Shopify's sample ("Sample 200 error responses",
        # https://shopify.dev/docs/api/admin-graphql/latest#status-and-error-codes).
        error = {
            "message": MAX_COST_MESSAGE.format(cost=requested, limit=MAX_QUERY_COST),
            "extensions": {
                "code": "MAX_COST_EXCEEDED",
                "cost": requested,
                "maxCost": MAX_QUERY_COST,
                "documentation": MAX_COST_DOCUMENTATION,
            },
        }
        raise Refusal(200, {"errors": [error]})
    if not bucket.take(requested):
        error = {
            "message": "Throttled",
            "extensions": {
                "code": "THROTTLED",
                "documentation": "https://shopify.dev/api/usage/rate-limits",
            },
        }
        raise Refusal(200, {"errors": [error], "extensions": _cost(requested, None, bucket)})
    return requested, bucket


def _cost(requested, actual, bucket) -> dict:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": bucket.status(),
        }
    }


# graphql-core and graphql-ruby (which Shopify runs) word the same errors differently; apps
# match on these texts and codes, so the common ones are reworded as Shopify sends them.
_RUBY_MESSAGES = [
    (
        re.compile(r"Cannot query field '(?P<field>\w+)' on type '(?P<type>\w+)'\..*"),
        "Field '{field}' doesn't exist on type '{type}'",
        lambda m: {"code": "undefinedField", "typeName": m["type"], "fieldName": m["field"]},
    ),
    (
        re.compile(r"Unknown argument '(?P<argument>\w+)' on field '\w+\.(?P<field>\w+)'\..*"),
        "Field '{field}' doesn't accept argument '{argument}'",
        lambda m: {
            "code": "argumentNotAccepted",
            "name": m["field"],
            "typeName": "Field",
            "argumentName": m["argument"],
        },
    ),
    (
        re.compile(
            r"Argument '\w+\.(?P<field>\w+)\((?P<argument>\w+):\)' of type '.+' is required, "
            r"but it was not provided\."
        ),
        "Field '{field}' is missing required arguments: {argument}",
        lambda m: {
            "code": "missingRequiredArguments",
            "className": "Field",
            "name": m["field"],
            "arguments": m["argument"],
        },
    ),
    (
        re.compile(
            r"Field '(?P<field>\w+)' of type '(?P<type>.+)' must have a selection of subfields\..*"
        ),
        "Field must have selections (field '{field}' returns {type} but has no selections. "
        "Did you mean '{field} {{ ... }}'?)",
        lambda m: {
            "code": "selectionMismatch",
            "nodeName": f"field '{m['field']}'",
            "typeName": m["type"],
        },
    ),
    (
        re.compile(
            r"Field '(?P<field>\w+)' must not have a selection since type '(?P<type>.+)' has no "
            r"subfields\."
        ),
        "Selections can't be made on scalars (field '{field}' returns {type} but has selections "
        "[...])",
        lambda m: {
            "code": "selectionMismatch",
            "nodeName": f"field '{m['field']}'",
            "typeName": m["type"],
        },
    ),
    (
        re.compile(r"Syntax Error: .*<EOF>\."),
        "Unexpected end of document",
        lambda m: {},
    ),
    (
        re.compile(r"Syntax Error: (?:Expected .+, found|Unexpected) '?(?P<token>[^'.]+)'?\.?"),
        'Parse error on "{token}"',
        lambda m: {},
    ),
    (
        re.compile(r"Variable '\$(?P<name>\w+)' got invalid value (?P<value>.+?); .*"),
        "Variable ${name} was provided invalid value",
        lambda m: {"value": m["value"], "problems": [{"path": [], "explanation": m[0]}]},
    ),
    (
        re.compile(
            r"Variable '\$(?P<name>\w+)' of required type '(?P<type>.+)' was not provided\."
        ),
        "Variable ${name} of type {type} was provided invalid value",
        lambda m: {
            "value": None,
            "problems": [{"path": [], "explanation": "Expected value to not be null"}],
        },
    ),
]


def ruby_style(error: GraphQLError) -> dict:
    formatted = error.formatted
    extensions = dict(formatted.get("extensions") or {})
    for pattern, template, make_extensions in _RUBY_MESSAGES:
        match = pattern.fullmatch(error.message)
        if match:
            formatted["message"] = template.format(**match.groupdict())
            extensions = {**make_extensions(match), **extensions}
            break
    if extensions:
        formatted["extensions"] = extensions
    else:
        formatted.pop("extensions", None)
    return formatted
