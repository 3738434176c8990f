"""A connected Shopify store. This app knows Shopify and nothing of the CRM or the sync."""

import re

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from integration import crypto

SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")
shop_domain_validator = RegexValidator(
    SHOP_DOMAIN, "Enter a Shopify store domain such as your-store.myshopify.com."
)


def shop_url(shop_domain: str) -> str:
    """The base URL of a shop, from SHOPIFY_BASE_URL; refuses anything but a Shopify domain, so
    no request ever goes to a host somebody typed."""
    if not SHOP_DOMAIN.match(shop_domain):
        raise ValueError(f"Not a Shopify store domain: {shop_domain!r}")
    return settings.SHOPIFY_BASE_URL.format(shop=shop_domain).rstrip("/")


class StoreStatus(models.TextChoices):
    CONNECTED = "connected", "Connected"
    # Shopify refused to renew the store's token: someone must connect it again.
    RECONNECT = "reconnect", "Reconnect needed"
    DISCONNECTED = "disconnected", "Disconnected"
    UNINSTALLED = "uninstalled", "Uninstalled"
    ERROR = "error", "Error"


class Credentials(models.TextChoices):
    """How the app gets its tokens for a store."""

    # The app's own client id and secret, through the authorization-code grant: an expiring
    # offline token and a refresh token that renews it.
    OAUTH = "oauth", "Installed with OAuth"
    # An app made in the Dev Dashboard for this store only: its client id and secret are the
    # store's, and the client-credentials grant gives tokens that expire and are asked for again.
    CLIENT_CREDENTIALS = "client_credentials", "App for this store (client credentials)"
    # A legacy custom app's Admin API token, pasted once; it does not expire. (None can be made
    # since 2026-01-01.)
    TOKEN = "token", "Custom app token"


class StoreQuerySet(models.QuerySet):
    def connected(self):
        return self.filter(status=StoreStatus.CONNECTED)


class Store(models.Model):
    shop_domain = models.CharField(
        "Shopify domain", max_length=255, unique=True, validators=[shop_domain_validator]
    )
    name = models.CharField(max_length=255, blank=True)
    # Fernet-encrypted; read and written only through access_token / set_access_token.
    encrypted_access_token = models.TextField(blank=True, editable=False)
    credentials = models.CharField(
        max_length=24, choices=Credentials, default=Credentials.OAUTH, editable=False
    )
    access_token_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When the token is renewed ahead of its expiry (a while before it).
    token_renew_at = models.DateTimeField(null=True, blank=True, editable=False)
    encrypted_refresh_token = models.TextField(blank=True, editable=False)
    refresh_token_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    # An app made for this store (client credentials): its own client id and secret.
    client_id = models.CharField(max_length=255, blank=True, editable=False)
    encrypted_client_secret = models.TextField(blank=True, editable=False)
    scopes = models.TextField(blank=True, help_text="The access scopes granted, comma-separated")
    plan = models.CharField(max_length=64, blank=True, help_text="The shop's Shopify plan")
    shopify_plus = models.BooleanField(default=False)
    # Each webhook topic the store was subscribed to → "" when Shopify took it, else its reason.
    webhook_topics = models.JSONField(default=dict, blank=True, editable=False)
    api_version = models.CharField(max_length=16, default=settings.SHOPIFY_API_VERSION)
    currency = models.CharField(max_length=3, blank=True)
    timezone = models.CharField(max_length=64, blank=True)
    # Where the shop is (its address in Shopify): the CRM reads phone numbers typed without a
    # country code as this country's.
    country = models.CharField(
        max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code of the shop's address, e.g. SE"
    )
    status = models.CharField(max_length=16, choices=StoreStatus, default=StoreStatus.CONNECTED)
    status_detail = models.TextField(
        blank=True, help_text="What is wrong, when the store is in error or must be connected again"
    )
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    connected_at = models.DateTimeField(null=True, blank=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StoreQuerySet.as_manager()

    class Meta:
        ordering = ["shop_domain"]
        verbose_name = "Shopify store"
        permissions = [("connect_store", "Can connect and disconnect Shopify stores")]

    def __str__(self):
        return self.name or self.shop_domain

    @property
    def access_token(self) -> str:
        """The decrypted token, "" when the store has none (disconnected or uninstalled)."""
        if not self.encrypted_access_token:
            return ""
        return crypto.decrypt(self.encrypted_access_token)

    def set_access_token(self, token: str):
        self.encrypted_access_token = crypto.encrypt(token) if token else ""

    @property
    def has_access_token(self) -> bool:
        return bool(self.encrypted_access_token)

    @property
    def refresh_token(self) -> str:
        return crypto.decrypt(self.encrypted_refresh_token) if self.encrypted_refresh_token else ""

    @property
    def client_secret(self) -> str:
        if not self.encrypted_client_secret:
            return ""
        return crypto.decrypt(self.encrypted_client_secret)

    @property
    def can_sync(self) -> bool:
        """Connected, with a token: what every read and push needs."""
        return self.status == StoreStatus.CONNECTED and self.has_access_token

    @property
    def scope_list(self) -> list[str]:
        return [scope for scope in self.scopes.split(",") if scope]

    def has_scope(self, scope: str) -> bool:
        """Whether Shopify granted `scope`: a `write_` scope includes its `read_`."""
        granted = set(self.scope_list)
        return scope in granted or (
            scope.startswith("read_") and f"write_{scope.removeprefix('read_')}" in granted
        )

    @property
    def refused_topics(self) -> dict[str, str]:
        """The webhook topics Shopify would not subscribe the store to, with its reason."""
        return {topic: reason for topic, reason in self.webhook_topics.items() if reason}

    def set_tokens(
        self,
        token: str,
        *,
        expires_at=None,
        renew_at=None,
        refresh_token="",
        refresh_expires_at=None,
    ):
        """A new access token (and, for OAuth, the refresh token that renews it)."""
        self.set_access_token(token)
        self.access_token_expires_at = expires_at
        self.token_renew_at = renew_at
        self.encrypted_refresh_token = crypto.encrypt(refresh_token) if refresh_token else ""
        self.refresh_token_expires_at = refresh_expires_at

    def set_client_credentials(self, client_id: str, client_secret: str):
        self.credentials = Credentials.CLIENT_CREDENTIALS
        self.client_id = client_id
        self.encrypted_client_secret = crypto.encrypt(client_secret)

    @property
    def admin_url(self) -> str:
        """The store's own Shopify admin (for links; never requested by the app)."""
        return f"https://admin.shopify.com/store/{self.shop_domain.removesuffix('.myshopify.com')}"

    def mark_connected(self, *, user, scopes: list[str], shop: dict):
        """Connected (its tokens set beforehand), with what Shopify says of the shop."""
        self.scopes = ",".join(scopes)
        self.name = shop.get("name") or self.name
        self.currency = shop.get("currencyCode") or self.currency
        self.timezone = shop.get("ianaTimezone") or self.timezone
        # Shopify may not know the address yet (null): the country known before stays. Its
        # CountryCode enum is two capital letters; anything else is not a country.
        country = (shop.get("shopAddress") or {}).get("countryCodeV2")
        if isinstance(country, str) and len(country) == 2 and country.isascii():
            self.country = country.upper() if country.isalpha() else self.country
        plan = shop.get("plan") or {}
        self.plan = plan.get("displayName") or self.plan
        self.shopify_plus = bool(plan.get("shopifyPlus"))
        self.api_version = settings.SHOPIFY_API_VERSION
        self.status = StoreStatus.CONNECTED
        self.status_detail = ""
        self.connected_by = user
        self.connected_at = timezone.now()
        self.disconnected_at = None

    def mark_disconnected(self, status: str = StoreStatus.DISCONNECTED):
        self.set_tokens("")
        self.encrypted_client_secret = ""
        self.status = status
        self.disconnected_at = timezone.now()

    def mark_reconnect_needed(self, reason: str):
        """Shopify refused to renew the token: the syncs pause (nothing is lost: they read
        from where they stopped) until someone connects the store again."""
        self.status = StoreStatus.RECONNECT
        self.status_detail = reason
