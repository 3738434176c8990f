from django.urls import path, re_path
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.routers import SimpleRouter

from api.errors import not_found
from api.views.records import (
    CartViewSet,
    CompanyViewSet,
    ContactViewSet,
    OrderViewSet,
    ProductViewSet,
)
from api.views.reports import ReportViewSet
from api.views.stores import StoreViewSet

app_name = "api"

router = SimpleRouter(trailing_slash="")
router.register("contacts", ContactViewSet, basename="contact")
router.register("companies", CompanyViewSet, basename="company")
router.register("products", ProductViewSet, basename="product")
router.register("orders", OrderViewSet, basename="order")
router.register("carts", CartViewSet, basename="cart")
router.register("stores", StoreViewSet, basename="store")
router.register("reports", ReportViewSet, basename="report")

urlpatterns = [
    # The description of this API; public, as an API's documentation is.
    path(
        "openapi.json",
        SpectacularJSONAPIView.as_view(
            authentication_classes=[], permission_classes=[], throttle_classes=[]
        ),
        name="openapi",
    ),
    *router.urls,
    re_path(r"^.*$", not_found),
]
