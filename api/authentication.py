"""Who is calling: an OAuth2 access token (`Authorization: Bearer …`) from /o/token/."""

from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework import exceptions


class BearerToken(OAuth2Authentication):
    """A token a person gave an app acts for that person, and works only while they are
    active staff (the CRM's pages have the same rule). An app's own token (client
    credentials) acts for no one."""

    www_authenticate_realm = "api"

    def authenticate(self, request):
        if "access_token" in request.query_params:
            # A token in a URL ends up in logs, browser history and Referer headers; oauthlib
            # would take it (RFC 6750 §2.3, which RFC 9700 §2.5 says not to use).
            request.oauth2_error = {"error": "invalid_request"}
            raise exceptions.AuthenticationFailed(
                "Send the token in the Authorization header, never in the URL.",
                code="invalid_request",
            )
        found = super().authenticate(request)
        if found is None:
            return None
        user, token = found
        if user is not None and not (user.is_active and user.is_staff):
            request.oauth2_error = {"error": "invalid_token"}
            raise exceptions.AuthenticationFailed(
                "The person this token acts for may no longer use the CRM.", code="invalid_token"
            )
        return user, token

    def authenticate_header(self, request):
        # The realm plus oauthlib's error ("invalid_token" for an expired or revoked token).
        error = getattr(request, "oauth2_error", {})
        attributes = {"realm": self.www_authenticate_realm, **error}
        return "Bearer " + ", ".join(f'{key}="{value}"' for key, value in attributes.items())
