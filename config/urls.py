from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "CRM administration"
admin.site.site_title = "CRM"
admin.site.index_title = "CRM and Shopify"

urlpatterns = [
    # The django-rq dashboard registers itself inside the admin (/admin/django_rq/dashboard/).
    path("admin/", admin.site.urls),
    # The staff pages: orders, carts, and the contacts and companies they belong to.
    path("crm/", include("crm.urls")),
    path("dashboards/", include("dashboards.urls")),
    # Shopify comes back to these: the OAuth callback and the webhook intake.
    path("shopify/", include("integration.urls")),
    path("shopify/", include("sync.urls")),
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
]
