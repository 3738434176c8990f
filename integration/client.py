"""The one way the app talks to Shopify's Admin GraphQL API.

It owns the base URL (`SHOPIFY_BASE_URL`, `{shop}` replaced by a validated shop domain, so no
request ever goes to a host somebody typed), the API version, the auth header, timeouts, a cost
limiter per store shared by every worker through Redis, and retries: THROTTLED, 429, 5xx and
connection errors are retried with backoff (honouring Retry-After), other 4xx are not. Failures
raise a ShopifyError whose `retryable` says whether trying again later can help.

Access tokens never appear in logs or error messages.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import requests
from django.conf import settings
from django.utils import timezone
from requests.exceptions import ChunkedEncodingError

from integration import cleaning, documents, tokens
from integration.errors import (
    ShopifyAuthError,
    ShopifyError,
    ShopifyQueryError,
    ShopifyRequestError,
    ShopifyThrottled,
    ShopifyTooCostly,
    ShopifyUnavailable,
    ShopifyUserError,
)
from integration.limiter import CostLimiter
from integration.models import shop_url

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 5
READ_TIMEOUT = 30
MAX_ATTEMPTS = 6
# Bulk files are read in pieces this big (requests' default of 512 bytes is slow).
STREAM_CHUNK = 64 * 1024
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 30
# What a query is assumed to cost before Shopify has told us (then its real requested cost is
# remembered per document).
DEFAULT_QUERY_COST = 50
MUTATION_COST = 10


@dataclass
class Response:
    data: dict
    cost: dict | None
    # Paths of fields Shopify withheld (ACCESS_DENIED: protected customer data), when the
    # caller accepts partial data.
    denied: list = field(default_factory=list)


class ShopifyClient:
    def __init__(
        self, shop_domain: str, access_token: str, *, session=None, limiter=None, store=None
    ):
        self.shop_domain = shop_domain
        # Given, its token is renewed when due and when Shopify answers 401 (integration.tokens).
        self.store = store
        self.endpoint = (
            f"{shop_url(shop_domain)}/admin/api/{settings.SHOPIFY_API_VERSION}/graphql.json"
        )
        self._access_token = access_token
        self.session = session or requests.Session()
        self.limiter = limiter or CostLimiter(shop_domain)
        self._costs: dict[str, int] = {}

    @classmethod
    def for_store(cls, store) -> ShopifyClient:
        """A client with the store's token, which it keeps renewed. Raises ReconnectNeeded
        when the store must be connected again."""
        return cls(store.shop_domain, _token_for(store), store=store)

    def __repr__(self):
        return f"<ShopifyClient {self.shop_domain}>"  # never the token

    # GraphQL --------------------------------------------------------------------------------

    def execute(self, query: str, variables: dict | None = None, operation_name=None) -> dict:
        """Run a document (or one named operation of it) and return its `data`; raises
        ShopifyError subclasses."""
        return self.request(query, variables, operation_name).data

    def request(
        self, query: str, variables: dict | None = None, operation_name=None, *, partial=False
    ) -> Response:
        """`partial`: fields Shopify withholds (protected customer data it answers with
        ACCESS_DENIED beside the rest) come back null and listed in `denied`, instead of
        failing the whole request."""
        if operation_name:
            query = documents.operation(query, operation_name)
        digest = hashlib.sha1(query.encode(), usedforsecurity=False).hexdigest()
        is_mutation = query.lstrip().startswith("mutation")
        estimate = self._costs.get(digest, MUTATION_COST if is_mutation else DEFAULT_QUERY_COST)
        last_error = None
        renewed = False
        for attempt in range(1, MAX_ATTEMPTS + 1):
            self._renew_when_due()
            self.limiter.acquire(estimate)
            try:
                response = self.session.post(
                    self.endpoint,
                    json={"query": query, "variables": variables or {}},
                    headers={
                        "X-Shopify-Access-Token": self._access_token,
                        "Accept": "application/json",
                    },
                    timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
                )
            except requests.RequestException as error:
                last_error = ShopifyUnavailable(f"{self.shop_domain}: {type(error).__name__}")
                self._sleep(attempt, None)
                continue
            if response.status_code == 401 and self.store is not None and not renewed:
                # Expired or replaced: renewed (once), then asked again at once.
                self._access_token = _renew(self.store, self._access_token)
                renewed = True
                continue
            wait = self._retry_wait(response, attempt)
            if wait is not None:
                last_error = self._error_for(response)
                log.info(
                    "shopify %s: HTTP %s, retry %s in %.1fs",
                    self.shop_domain,
                    response.status_code,
                    attempt,
                    wait,
                )
                time.sleep(wait)
                continue
            body = self._json(response)
            cost = (body.get("extensions") or {}).get("cost")
            if cost:
                self.limiter.observe(cost.get("throttleStatus") or {})
                if cost.get("requestedQueryCost") is not None:
                    self._costs[digest] = cost["requestedQueryCost"]
                    estimate = cost["requestedQueryCost"]
            errors = body.get("errors") or []
            if any(_code(error) == "THROTTLED" for error in errors):
                last_error = ShopifyThrottled(f"{self.shop_domain}: throttled", errors=errors)
                time.sleep(_throttle_wait(cost))
                continue
            too_costly = next((e for e in errors if _code(e) == "MAX_COST_EXCEEDED"), None)
            if too_costly is not None:
                extensions = too_costly.get("extensions") or {}
                raise ShopifyTooCostly(
                    f"{self.shop_domain}: {str(too_costly.get('message', ''))[:200]}",
                    cost=extensions.get("cost"),
                    max_cost=extensions.get("maxCost"),
                    errors=errors,
                )
            denied = [error.get("path") for error in errors if _is_denied_field(error)]
            if errors and not (partial and len(denied) == len(errors) and body.get("data")):
                # Callers asked for every field they name, so a refused one (a missing scope,
                # a bad argument) is an error for them, unless they take what may be read.
                raise ShopifyQueryError(
                    f"{self.shop_domain}: {errors[0].get('message', 'GraphQL error')}",
                    status=200,
                    errors=errors,
                )
            return Response(data=body.get("data") or {}, cost=cost, denied=denied)
        raise last_error

    def _renew_when_due(self):
        store = self.store
        if store is not None and store.token_renew_at and store.token_renew_at <= _now():
            self._access_token = _token_for(store)

    def _retry_wait(self, response, attempt) -> float | None:
        """Seconds to wait before retrying this response, or None when it is final."""
        status = response.status_code
        if status == 429 or status >= 500:
            if attempt >= MAX_ATTEMPTS:
                raise self._error_for(response)
            return self._backoff(attempt, response.headers.get("Retry-After"))
        if status >= 400:
            raise self._error_for(response)
        return None

    def _error_for(self, response) -> ShopifyError:
        status = response.status_code
        detail = (
            response.text[:200].replace(self._access_token, "***") if self._access_token else ""
        )
        message = f"{self.shop_domain}: HTTP {status} {detail}".strip()
        if status in (401, 403):
            return ShopifyAuthError(message, status=status)
        if status == 429:
            return ShopifyThrottled(message, status=status)
        if status >= 500:
            return ShopifyUnavailable(message, status=status)
        return ShopifyRequestError(message, status=status)

    def _json(self, response) -> dict:
        try:
            body = cleaning.parse_json(response.content)
        except ValueError:
            raise ShopifyUnavailable(
                f"{self.shop_domain}: the response is not JSON", status=response.status_code
            ) from None
        if not isinstance(body, dict):
            raise ShopifyUnavailable(f"{self.shop_domain}: unexpected response shape")
        return body

    def _backoff(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return max(float(retry_after), 0.0)
            except ValueError:
                pass
        delay = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempt - 1))
        return delay * (0.5 + random.random() / 2)

    def _sleep(self, attempt: int, retry_after: str | None):
        if attempt < MAX_ATTEMPTS:
            time.sleep(self._backoff(attempt, retry_after))

    # Pagination -----------------------------------------------------------------------------

    def paginate(
        self,
        query: str,
        variables: dict,
        path: tuple[str, ...],
        operation_name=None,
        after: str | None = None,
    ) -> Iterator[dict]:
        """Every node of the connection at `path` in `data`, page after page (from the cursor
        `after`, when given). The query must take `$after: String` and select `nodes` and
        `pageInfo { hasNextPage endCursor }`."""
        while True:
            data = self.execute(query, {**variables, "after": after}, operation_name)
            connection = data
            for key in path:
                connection = connection[key]
            yield from connection["nodes"]
            if not connection["pageInfo"]["hasNextPage"]:
                return
            after = connection["pageInfo"]["endCursor"]

    # Bulk operations ------------------------------------------------------------------------

    def start_bulk_query(self, bulk_query: str) -> dict:
        """Start a bulk query; returns the BulkOperation {id, status}."""
        result = self.execute(BULK_RUN_QUERY, {"query": bulk_query})["bulkOperationRunQuery"]
        if result["userErrors"]:
            raise ShopifyUserError(
                f"{self.shop_domain}: {result['userErrors'][0]['message']}",
                errors=result["userErrors"],
            )
        return result["bulkOperation"]

    def bulk_operation(self, operation_id: str) -> dict | None:
        return self.execute(BULK_OPERATION_QUERY, {"id": operation_id})["node"]

    def stream_jsonl(self, url: str, start_line: int = 0) -> Iterator[tuple[int, dict]]:
        """(line number, object) for each line of a bulk result from `start_line` on."""
        for number, line in self.stream_lines(url, start_line):
            yield number, cleaning.parse_json(line)

    def stream_lines(self, url: str, start_line: int = 0) -> Iterator[tuple[int, bytes]]:
        """(line number, raw line) for each non-empty line of a bulk result from `start_line`
        on, read as a stream: the file is never held in memory. A connection lost midway is
        picked up again after the last line given, never from the start. The URL comes from
        Shopify (a signed storage link), so no token is sent with it."""
        next_line = start_line
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with self.session.get(
                    url, stream=True, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT)
                ) as response:
                    if response.status_code >= 400:
                        raise self._error_for(response)
                    lines = response.iter_lines(chunk_size=STREAM_CHUNK)
                    for number, line in enumerate(lines):
                        if number >= next_line:
                            next_line = number + 1
                            if line:
                                yield number, line
                return
            except (requests.ConnectionError, requests.Timeout, ChunkedEncodingError):
                if attempt == MAX_ATTEMPTS:
                    raise ShopifyUnavailable(f"{self.shop_domain}: bulk file unreachable") from None
                self._sleep(attempt, None)


def _is_denied_field(error: dict) -> bool:
    return _code(error) == "ACCESS_DENIED" and bool(error.get("path"))


def _token_for(store) -> str:
    try:
        return tokens.token_for(store)
    except tokens.ShopifyBusy as busy:
        raise ShopifyUnavailable(f"{store.shop_domain}: {busy}") from None


def _renew(store, refused_token: str) -> str:
    try:
        return tokens.renew(store, refused_token=refused_token)
    except tokens.ShopifyBusy as busy:
        raise ShopifyUnavailable(f"{store.shop_domain}: {busy}") from None


def _now():
    return timezone.now()


def _code(error: dict) -> str | None:
    return (error.get("extensions") or {}).get("code")


def _throttle_wait(cost: dict | None) -> float:
    """How long until the bucket holds the requested cost again."""
    if not cost:
        return 1.0
    status = cost.get("throttleStatus") or {}
    rate = float(status.get("restoreRate") or 50)
    missing = float(cost.get("requestedQueryCost") or 0) - float(
        status.get("currentlyAvailable") or 0
    )
    return max(missing / rate, 0.1)


BULK_RUN_QUERY = """
mutation RunBulkQuery($query: String!) {
  bulkOperationRunQuery(query: $query, groupObjects: false) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}
"""

BULK_OPERATION_QUERY = """
query BulkOperation($id: ID!) {
  node(id: $id) {
    ... on BulkOperation {
      id status errorCode objectCount rootObjectCount url partialDataUrl createdAt completedAt
    }
  }
}
"""
