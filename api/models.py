"""The apps that use the CRM's API: django-oauth-toolkit's Application, with what an
administrator allows each one (its scopes, its stores, its rate)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from oauth2_provider.models import AbstractApplication


def _all_scopes() -> dict[str, str]:
    return settings.OAUTH2_PROVIDER["SCOPES"]


class Application(AbstractApplication):
    allowed_scopes = models.JSONField(
        default=list,
        blank=True,
        help_text="The scopes this app may be given; a token never gets more.",
    )
    stores = models.JSONField(
        default=list,
        blank=True,
        help_text="Shop domains whose orders, carts, reports and store this app may read; "
        "none: every store.",
    )
    rate_limit = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Requests per minute; empty: the site's default.",
    )

    def clean(self):
        super().clean()
        unknown = sorted(set(self.allowed_scopes) - set(_all_scopes()))
        if unknown:
            raise ValidationError({"allowed_scopes": f"Unknown scopes: {', '.join(unknown)}."})

    def sees_store(self, store: str) -> bool:
        return not self.stores or store in self.stores

    @property
    def requests_per_minute(self) -> int:
        return self.rate_limit or settings.API_RATE_LIMIT_PER_MINUTE
