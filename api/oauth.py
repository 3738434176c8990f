"""The OAuth2 provider as the OAuth 2.0 Security Best Current Practice asks (RFC 9700), where
django-oauth-toolkit leaves it open: PKCE with S256 only (`plain` shows the verifier to whoever
sees the authorization request), and a token introspected only by the application it was
issued to (django-oauth-toolkit answers any registered client about any token). Tokens in
query strings are refused by the API's authentication (`authentication.py`)."""

from __future__ import annotations

import base64
import binascii
import json
from urllib.parse import unquote_plus

import oauthlib.oauth2
from django.http import JsonResponse
from oauth2_provider.views import IntrospectTokenView


class Server(oauthlib.oauth2.Server):
    """oauthlib's server, its authorization-code grant taking S256 challenges only (a
    request without a method means `plain` to oauthlib: refused as well)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        methods = self.auth_grant._code_challenge_methods
        self.auth_grant._code_challenge_methods = {"S256": methods["S256"]}


class OwnTokenIntrospection(IntrospectTokenView):
    """RFC 7662 introspection for an authenticated client, about its own tokens: another
    application's token is answered as if it were not active (the RFC's answer for a token the
    server will not describe to this caller)."""

    def get(self, request, *args, **kwargs):
        return self._own(request, request.GET.get("token"))

    def post(self, request, *args, **kwargs):
        return self._own(request, request.POST.get("token"))

    def _own(self, request, token_value):
        response = self.get_token_response(token_value)
        if response.status_code != 200:
            return response
        data = json.loads(response.content)
        if data.get("active") and data.get("client_id") != _client_id(request):
            return JsonResponse({"active": False})
        return response


def _client_id(request) -> str | None:
    """The client that authenticated this request (the view let it in only if it did): HTTP
    Basic, or client_id in the body."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            decoded = base64.b64decode(header.removeprefix("Basic ").strip()).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        return unquote_plus(decoded.partition(":")[0])
    return request.POST.get("client_id")
