"""Applications (the apps that use the API) are registered by an administrator, who says which
scopes and stores each may have; django-oauth-toolkit's admin does the rest."""

import re

from django import forms
from django.conf import settings
from oauth2_provider.admin import ApplicationAdmin as ToolkitApplicationAdmin
from oauth2_provider.forms import ApplicationForm

from api.models import Application
from crm import sources

SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9.-]*$")


class ApplicationAdminForm(ApplicationForm):
    allowed_scopes = forms.MultipleChoiceField(
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="A token is never given more than these.",
    )
    stores = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One shop domain per line: the app sees only their orders, carts, reports and "
        "stores. Empty: every store.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "authorization_grant_type" in self.fields:
            # The two flows the API documents: a person's consent, or the app on its own.
            self.fields["authorization_grant_type"].choices = [
                (Application.GRANT_AUTHORIZATION_CODE, "Authorization code (acts for a person)"),
                (Application.GRANT_CLIENT_CREDENTIALS, "Client credentials (server to server)"),
            ]
        scopes = settings.OAUTH2_PROVIDER["SCOPES"]
        self.fields["allowed_scopes"].choices = [(s, f"{s}: {d}") for s, d in scopes.items()]
        self.initial["stores"] = "\n".join(self.instance.stores or [])

    def clean_stores(self):
        domains = [line.strip().lower() for line in self.cleaned_data["stores"].splitlines()]
        domains = [domain for domain in domains if domain]
        bad = [domain for domain in domains if not SHOP_DOMAIN.match(domain)]
        if bad:
            raise forms.ValidationError(f"Not shop domains: {', '.join(bad)}.")
        known = {store["shop"] for store in sources.stores()}
        unknown = [domain for domain in domains if known and domain not in known]
        if unknown:
            raise forms.ValidationError(f"No such store: {', '.join(unknown)}.")
        return sorted(set(domains))


class ApplicationAdmin(ToolkitApplicationAdmin):
    form = ApplicationAdminForm
    list_display = ["name", "user", "client_type", "authorization_grant_type", "rate_limit"]
    fieldsets = [
        (None, {"fields": ["name", "user", "client_type", "authorization_grant_type"]}),
        (
            "Credentials",
            {
                "fields": ["client_id", "client_secret", "hash_client_secret", "redirect_uris"],
                "description": "Copy the secret before saving: it is stored hashed.",
            },
        ),
        (
            "What it may do",
            {"fields": ["allowed_scopes", "stores", "rate_limit", "skip_authorization"]},
        ),
    ]
