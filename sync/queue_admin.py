"""The job queues' dashboard (django-rq's, inside the admin), for those who may run the syncs
only: it empties queues, stops and requeues jobs, and shows failed jobs' arguments, customer
data among them. django-rq itself lets any staff user in."""

from __future__ import annotations

from functools import wraps

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django_rq.admin import QueueAdmin
from django_rq.models import Dashboard

from sync.setup_views import can_manage


class GuardedQueueAdmin(QueueAdmin):
    """Superusers and holders of "Can turn syncs on and off and resync", on every view of the
    dashboard, its JSON and metrics included."""

    def has_module_permission(self, request):
        return can_manage(request.user)

    def has_view_permission(self, request, obj=None):
        return can_manage(request.user)

    def has_change_permission(self, request, obj=None):
        return can_manage(request.user)

    def get_urls(self):
        patterns = super().get_urls()
        for pattern in patterns:
            pattern.callback = _guarded(pattern.callback)
        return patterns


def _guarded(view):
    @wraps(view)
    def guarded(request, *args, **kwargs):
        # Staff without the permission are refused; anyone else meets the admin's own answer
        # (the login page), or the JSON views' (401 without django-rq's API token).
        if request.user.is_staff and not can_manage(request.user):
            raise PermissionDenied("Running the job queues needs the permission to run syncs")
        return view(request, *args, **kwargs)

    return guarded


def register(site=admin.site) -> None:
    if site.is_registered(Dashboard):
        site.unregister(Dashboard)
    site.register(Dashboard, GuardedQueueAdmin)
