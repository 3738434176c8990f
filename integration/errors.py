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


class ShopifyUserError(ShopifyError):
    """A mutation's userErrors: Shopify understood and said no."""


class ReconnectNeeded(ShopifyAuthError):
    """Shopify refused to renew the store's token: the store must be connected again."""

    reason = ""  # Shopify's OAuth error ("invalid_grant"), when it gave one
