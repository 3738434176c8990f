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
from dataclasses import dataclass

import orjson
import requests
from django.conf import settings

from integration import documents
from integration.limiter import CostLimiter
from integration.models import SHOP_DOMAIN

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


class ShopifyError(Exception):
    """A request to Shopify failed. `retryable`: whether trying again later can help."""

    retryable = False

    def __init__(self, message: str, *, status: int | None = None, errors=None):
        super().__init__(message)
        self.status = status
        self.errors = errors or []


class ShopifyUnavailable(ShopifyError):
    """5xx, a timeout or a connection error: Shopify (or the network) had a bad moment."""

    retryable = True


class ShopifyThrottled(ShopifyError):
    """Still throttled after every retry: the store's budget is spent for now."""

    retryable = True


class ShopifyAuthError(ShopifyError):
    """401/403: the token is wrong, revoked, or lacks a scope. Retrying will not help."""


class ShopifyRequestError(ShopifyError):
    """Another 4xx: the request itself is wrong."""


class ShopifyQueryError(ShopifyError):
    """Shopify refused the GraphQL document or a field in it (errors in a 200 response)."""


class ShopifyUserError(ShopifyError):
    """A mutation's userErrors: Shopify understood and said no."""


def shop_url(shop_domain: str) -> str:
    """The base URL of a shop, from SHOPIFY_BASE_URL; refuses anything but a Shopify domain."""
    if not SHOP_DOMAIN.match(shop_domain):
        raise ValueError(f"Not a Shopify store domain: {shop_domain!r}")
    return settings.SHOPIFY_BASE_URL.format(shop=shop_domain).rstrip("/")


@dataclass
class Response:
    data: dict
    cost: dict | None


class ShopifyClient:
    def __init__(self, shop_domain: str, access_token: str, *, session=None, limiter=None):
        self.shop_domain = shop_domain
        self.endpoint = (
            f"{shop_url(shop_domain)}/admin/api/{settings.SHOPIFY_API_VERSION}/graphql.json"
        )
        self._access_token = access_token
        self.session = session or requests.Session()
        self.limiter = limiter or CostLimiter(shop_domain)
        self._costs: dict[str, int] = {}

    @classmethod
    def for_store(cls, store) -> ShopifyClient:
        return cls(store.shop_domain, store.access_token)

    def __repr__(self):
        return f"<ShopifyClient {self.shop_domain}>"  # never the token

    # GraphQL --------------------------------------------------------------------------------

    def execute(self, query: str, variables: dict | None = None, operation_name=None) -> dict:
        """Run a document (or one named operation of it) and return its `data`; raises
        ShopifyError subclasses."""
        return self.request(query, variables, operation_name).data

    def request(self, query: str, variables: dict | None = None, operation_name=None) -> Response:
        if operation_name:
            query = documents.operation(query, operation_name)
        digest = hashlib.sha1(query.encode(), usedforsecurity=False).hexdigest()
        is_mutation = query.lstrip().startswith("mutation")
        estimate = self._costs.get(digest, MUTATION_COST if is_mutation else DEFAULT_QUERY_COST)
        last_error = None
        for attempt in range(1, MAX_ATTEMPTS + 1):
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
            if errors:
                # With or without partial data: callers asked for every field they name, so a
                # refused one (a missing scope, a bad argument) is an error for them.
                raise ShopifyQueryError(
                    f"{self.shop_domain}: {errors[0].get('message', 'GraphQL error')}",
                    status=200,
                    errors=errors,
                )
            return Response(data=body.get("data") or {}, cost=cost)
        raise last_error

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
            body = response.json()
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
        """(line number, object) for each line of a bulk result from `start_line` on, read as
        a stream: the file is never held in memory. The URL comes from Shopify (a signed
        storage link), so no token is sent with it."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with self.session.get(
                    url, stream=True, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT)
                ) as response:
                    if response.status_code >= 400:
                        raise self._error_for(response)
                    lines = response.iter_lines(chunk_size=STREAM_CHUNK)
                    for number, line in enumerate(lines):
                        if number >= start_line and line:
                            yield number, orjson.loads(line)
                return
            except (requests.ConnectionError, requests.Timeout):
                if attempt == MAX_ATTEMPTS:
                    raise ShopifyUnavailable(f"{self.shop_domain}: bulk file unreachable") from None
                self._sleep(attempt, None)


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
