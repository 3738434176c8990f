"""What a token may do: each view names the scope each method needs. A scope counts only
while the app is still allowed it."""

from rest_framework import exceptions
from rest_framework.permissions import BasePermission


class InsufficientScope(exceptions.PermissionDenied):
    default_code = "insufficient_scope"

    def __init__(self, scope: str):
        super().__init__(f"This needs the {scope} scope, which the token lacks.")
        self.scope = scope


class TokenHasScope(BasePermission):
    def has_permission(self, request, view):
        token = request.auth
        if token is None:
            raise exceptions.NotAuthenticated()
        needed = view.scope_for(request.method)
        if needed not in granted_scopes(token):
            raise InsufficientScope(needed)
        return True


def granted_scopes(token) -> set[str]:
    return set(token.scope.split()) & set(token.application.allowed_scopes)


def acts_for_superadmin(request) -> bool:
    """Order and cart edits need a superadmin: a token a superadmin gave."""
    user = request.user
    return user is not None and user.is_active and user.is_superuser
