"""Who may do what on the staff pages: every active staff user may look; only superadmins may
change or delete orders and carts."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse


def staff_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if not (user.is_active and user.is_staff):
            raise PermissionDenied("These pages are for staff.")
        return view(request, *args, **kwargs)

    return wrapped


def can_change_orders_and_carts(user) -> bool:
    return user.is_active and user.is_superuser


def require_superadmin(user, what: str):
    if not can_change_orders_and_carts(user):
        raise PermissionDenied(f"Only superadmins may {what}.")
