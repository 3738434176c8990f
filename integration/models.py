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


class StoreStatus(models.TextChoices):
    CONNECTED = "connected", "Connected"
    DISCONNECTED = "disconnected", "Disconnected"
    UNINSTALLED = "uninstalled", "Uninstalled"
    ERROR = "error", "Error"


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
    scopes = models.TextField(blank=True, help_text="The access scopes granted, comma-separated")
    api_version = models.CharField(max_length=16, default=settings.SHOPIFY_API_VERSION)
    currency = models.CharField(max_length=3, blank=True)
    timezone = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=16, choices=StoreStatus, default=StoreStatus.CONNECTED)
    status_detail = models.TextField(blank=True, help_text="Why the store is in error")
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
    def scope_list(self) -> list[str]:
        return [scope for scope in self.scopes.split(",") if scope]

    @property
    def admin_url(self) -> str:
        """The store's own Shopify admin (for links; never requested by the app)."""
        return f"https://admin.shopify.com/store/{self.shop_domain.removesuffix('.myshopify.com')}"

    def mark_connected(self, *, user, token: str, scopes: list[str], shop: dict):
        self.set_access_token(token)
        self.scopes = ",".join(scopes)
        self.name = shop.get("name") or self.name
        self.currency = shop.get("currencyCode") or self.currency
        self.timezone = shop.get("ianaTimezone") or self.timezone
        self.api_version = settings.SHOPIFY_API_VERSION
        self.status = StoreStatus.CONNECTED
        self.status_detail = ""
        self.connected_by = user
        self.connected_at = timezone.now()
        self.disconnected_at = None

    def mark_disconnected(self, status: str = StoreStatus.DISCONNECTED):
        self.set_access_token("")
        self.status = status
        self.disconnected_at = timezone.now()
