"""The connect flow's two pages: the store URL form (inside the admin) and Shopify's callback."""

from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from integration import services
from integration.forms import ConnectStoreForm
from integration.models import Store


def can_connect(user) -> bool:
    return user.is_active and (user.is_superuser or user.has_perm("integration.connect_store"))


def connect(request):
    """Ask for the store's URL, then send the browser to Shopify to approve the app."""
    if not can_connect(request.user):
        raise PermissionDenied("Only administrators who may connect stores can do this.")
    form = ConnectStoreForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            return redirect(
                services.begin_authorization(request.session, form.cleaned_data["shop"])
            )
        except services.ConnectError as error:
            form.add_error(None, str(error))
    first = not Store.objects.exists()
    context = {
        **admin.site.each_context(request),
        "title": "Install app" if first else "Connect another store",
        "form": form,
        "opts": Store._meta,
        "first": first,
    }
    return render(request, "admin/integration/store/connect.html", context)


@require_GET
@login_required
def callback(request):
    """Shopify sends the browser back here after the owner approved (or not)."""
    if not can_connect(request.user):
        raise PermissionDenied("Only administrators who may connect stores can do this.")
    stores = reverse("admin:integration_store_changelist")
    try:
        shop = services.verify_callback(request.session, request.GET.dict())
        token, scopes = services.exchange_code(shop, request.GET["code"])
        store = services.connect_store(
            shop_domain=shop, access_token=token, scopes=scopes, user=request.user
        )
    except services.ConnectError as error:
        messages.error(request, str(error))
        return redirect(stores)
    messages.success(request, f"{store} is connected.")
    return redirect(stores)
