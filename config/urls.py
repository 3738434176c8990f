from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from oauth2_provider import urls as oauth2_urls

from api.oauth import OwnTokenIntrospection
from config import admin_index

admin.site.site_header = "CRM administration"
admin.site.site_title = "CRM"
admin.site.index_title = "CRM and Shopify"
# "View site" leads to the staff home, not back to the admin.
admin.site.site_url = "/crm/"
# No app sidebar beside every admin page: it took a quarter of a 1280 px screen from the lists
# (the header, the breadcrumbs and the admin home lead everywhere it did).
admin.site.enable_nav_sidebar = False
admin_index.install(admin.site)

OAUTH2_ENDPOINTS = [
    pattern
    for pattern in oauth2_urls.base_urlpatterns
    if pattern.name in {"authorize", "token", "revoke-token"}
] + [
    # An application introspects its own tokens only (api/oauth.py).
    path("introspect/", OwnTokenIntrospection.as_view(), name="introspect"),
]

urlpatterns = [
    # The django-rq dashboard registers itself inside the admin (/admin/django_rq/dashboard/).
    path("admin/", admin.site.urls),
    # The staff pages: orders, carts, and the contacts and companies they belong to.
    path("crm/", include("crm.urls")),
    path("dashboards/", include("dashboards.urls")),
    # Shopify comes back to these: the OAuth callback and the webhook intake.
    path("shopify/", include("sync.urls")),
    # The CRM as an OAuth2 provider (authorize with PKCE, token, revoke, introspect) for the
    # apps of its API; applications are registered in the admin, not by the apps themselves.
    path("o/", include((OAUTH2_ENDPOINTS, "oauth2_provider"))),
    path("api/v1/", include("api.urls")),
    path("", RedirectView.as_view(pattern_name="crm:home", permanent=False)),
]

# Refused and missing pages in the staff pages' frame (crm/views/errors.py).
handler403 = "crm.views.errors.permission_denied"
handler404 = "crm.views.errors.page_not_found"
