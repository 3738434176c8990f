"""What can go wrong talking to Shopify, each saying whether trying again later can help."""


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


class ShopifyTooCostly(ShopifyQueryError):
    """MAX_COST_EXCEEDED: the query asks for more than Shopify serves in one request (1,000
    points). The same thing asked in smaller parts can work. `cost` and `max_cost` as Shopify
    reported them (None when it did not).
    https://shopify.dev/docs/api/usage/limits#graphql-admin-api-rate-limits"""

    def __init__(self, message: str, *, cost=None, max_cost=None, errors=None):
        super().__init__(message, status=200, errors=errors)
        self.cost = cost if isinstance(cost, int) and cost > 0 else None
        self.max_cost = max_cost if isinstance(max_cost, int) and max_cost > 0 else None


class ShopifyUserError(ShopifyError):
    """A mutation's userErrors: Shopify understood and said no."""


class ReconnectNeeded(ShopifyAuthError):
    """Shopify refused to renew the store's token: the store must be connected again."""

    reason = ""  # Shopify's OAuth error ("invalid_grant"), when it gave one
