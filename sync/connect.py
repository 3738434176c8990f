"""Connecting a store for the syncs. Three ways in:

- the admin's "Install app" page: the store's URL, then Shopify's approval page (OAuth);
- an install that starts at Shopify (the App Store, an install link, the Shopify admin): Shopify
  opens the App URL (`launch`) with a signed `shop`; it goes on into the same authorization,
  through the CRM's login when nobody is logged in, without losing the shop;
- an app made in the Dev Dashboard for one store: its client id and secret (client
  credentials).

They ask Shopify for the scopes the object pairs need and subscribe the store to their topics;
the OAuth steps themselves are `integration.services`'."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from integration import services as integration
from integration.admin import can_connect
from integration.forms import ClientCredentialsForm, ConnectStoreForm
from integration.models import Store
from sync import adapters, services

# The shop of an install that started at Shopify, kept across the CRM's login.
LAUNCH_KEY = "shopify_launch"


def connect(request):
    """Ask for the store's URL, then send the browser to Shopify to approve the app."""
    _require_can_connect(request)
    form = ConnectStoreForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            return redirect(_authorize(request, form.cleaned_data["shop"]))
        except integration.ConnectError as error:
            form.add_error(None, str(error))
    first = not Store.objects.exists()
    title = "Install app" if first else "Connect another store"
    return _page(request, "admin/integration/store/connect.html", title, form=form, first=first)


def connect_credentials(request):
    """Connect a store whose app was made in the Dev Dashboard for it: its client id and
    secret give tokens by the client-credentials grant."""
    _require_can_connect(request)
    form = ClientCredentialsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        shop = form.cleaned_data["shop"]
        try:
            grant = integration.client_credentials_grant(
                shop, form.cleaned_data["client_id"], form.cleaned_data["client_secret"]
            )
            store = services.connect_store(shop_domain=shop, grant=grant, user=request.user)
        except integration.ConnectError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{store} is connected.")
            return redirect("admin:integration_store_change", store.pk)
    return _page(
        request,
        "admin/integration/store/connect_credentials.html",
        "Connect an app made for one store",
        form=form,
    )


@require_POST
def reconnect(request, store_id):
    """A store Shopify stopped accepting: through Shopify's approval again (OAuth), which
    connects it anew; its syncs go on from where they stopped."""
    _require_can_connect(request)
    store = get_object_or_404(Store, pk=store_id)
    try:
        return redirect(_authorize(request, store.shop_domain))
    except integration.ConnectError as error:
        messages.error(request, str(error))
        return redirect("admin:integration_store_change", store.pk)


@require_GET
def launch(request):
    """The App URL: Shopify opens it with a signed `shop` when an install or reinstall
    starts at Shopify. Verified, the shop waits in the session while the person logs in to
    the CRM (when they must), then the authorization goes on."""
    try:
        shop = integration.verify_launch(request.GET.dict())
    except integration.ConnectError as error:
        return HttpResponseBadRequest(str(error))
    request.session[LAUNCH_KEY] = shop
    return resume(request)


@require_GET
def resume(request):
    """After the CRM's login: the install that started at Shopify goes on to its approval."""
    shop = request.session.get(LAUNCH_KEY)
    if not shop:
        return HttpResponseBadRequest("No install from Shopify is waiting: start it again there.")
    if not request.user.is_authenticated:
        messages.info(request, f"Log in to the CRM to finish connecting {shop}.")
        return redirect_to_login(reverse("sync:resume"), reverse("admin:login"))
    del request.session[LAUNCH_KEY]
    store = Store.objects.filter(shop_domain=shop).first()
    if store is not None and store.can_sync and all(map(store.has_scope, adapters.scopes())):
        # Opened from the Shopify admin with nothing to approve: the store's page.
        return redirect("admin:integration_store_change", store.pk)
    _require_can_connect(request)
    try:
        return redirect(_authorize(request, shop))
    except integration.ConnectError as error:
        messages.error(request, str(error))
        return redirect("admin:integration_store_changelist")


@require_GET
def callback(request):
    """Shopify sends the browser back here after the owner approved (or not)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    _require_can_connect(request)
    stores = reverse("admin:integration_store_changelist")
    try:
        shop = integration.verify_callback(request.session, request.GET.dict())
        grant = integration.exchange_code(shop, request.GET["code"])
        store = services.connect_store(shop_domain=shop, grant=grant, user=request.user)
    except integration.ConnectError as error:
        messages.error(request, str(error))
        return redirect(stores)
    # On to the new store's page, where setting up its syncs comes next.
    messages.success(request, f"{store} is connected. Set up what it syncs below.")
    return redirect("admin:integration_store_change", store.pk)


def _authorize(request, shop: str) -> str:
    return integration.begin_authorization(
        request.session,
        shop,
        scopes=adapters.scopes(),
        redirect_uri=f"{settings.APP_URL}{reverse('sync:callback')}",
    )


def _require_can_connect(request):
    if not can_connect(request.user):
        raise PermissionDenied("Only administrators who may connect stores can do this.")


def _page(request, template, title, **context):
    return render(
        request,
        template,
        {**admin.site.each_context(request), "title": title, "opts": Store._meta, **context},
    )
