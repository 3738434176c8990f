"""Connecting a store for the syncs: the admin's "Install app" page and Shopify's callback. They
ask Shopify for the scopes the object pairs need and subscribe the store to their topics; the
OAuth steps themselves are `integration.services`'."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from integration import services as integration
from integration.admin import can_connect
from integration.forms import ConnectStoreForm
from integration.models import Store
from sync import adapters, services


def connect(request):
    """Ask for the store's URL, then send the browser to Shopify to approve the app."""
    if not can_connect(request.user):
        raise PermissionDenied("Only administrators who may connect stores can do this.")
    form = ConnectStoreForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            return redirect(
                integration.begin_authorization(
                    request.session,
                    form.cleaned_data["shop"],
                    scopes=adapters.scopes(),
                    redirect_uri=f"{settings.APP_URL}{reverse('sync:callback')}",
                )
            )
        except integration.ConnectError as error:
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
        shop = integration.verify_callback(request.session, request.GET.dict())
        token, scopes = integration.exchange_code(shop, request.GET["code"])
        store = services.connect_store(
            shop_domain=shop, access_token=token, scopes=scopes, user=request.user
        )
    except integration.ConnectError as error:
        messages.error(request, str(error))
        return redirect(stores)
    messages.success(request, f"{store} is connected.")
    return redirect(stores)
