"""The pages of a refused or missing page, in the staff pages' frame (the admin and the API
answer their own). Django calls these for any PermissionDenied or Http404 with DEBUG off."""

from django.shortcuts import render


def permission_denied(request, exception=None):
    reason = str(exception) if exception and str(exception) else "You may not do this."
    return render(request, "403.html", {"title": "Not allowed", "reason": reason}, status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", {"title": "Not found"}, status=404)
