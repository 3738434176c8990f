"""The endpoints of /api/v1/. Records are read and written through the CRM's models and
services, so a change made here is what the same change in the admin would be (contacts,
companies and products then sync to Shopify)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS

from api import filters, serializers
from api.permissions import acts_for_superadmin
from crm.models import Cart, Company, Contact, Order, Product


class Scoped:
    """A view names the scope its reads need and the scope its writes need."""

    read_scope: str
    write_scope: str | None = None

    def scope_for(self, method: str) -> str:
        if method in SAFE_METHODS:
            return self.read_scope
        return self.write_scope or self.read_scope


def _filter_parameters(names):
    return [
        OpenApiParameter(name, str, description=filters.FILTERS[name][0], required=False)
        for name in names
    ]


class RecordViewSet(Scoped, viewsets.GenericViewSet):
    filters: tuple[str, ...] = ("updated_since",)
    # Orders and carts belong to a store; an app limited to some stores sees only theirs.
    per_store = False

    def get_queryset(self):
        queryset = self.queryset.all()
        application = self.request.auth.application
        if self.per_store and application.stores:
            queryset = queryset.filter(source_store__in=application.stores)
        if self.action == "list":
            queryset = filters.apply(queryset, self.request.query_params, self.filters)
        return queryset

    @classmethod
    def documented(cls, name: str, *, writes: bool = True):
        """The OpenAPI summaries of its operations, with its filters."""
        operations = {
            "list": extend_schema(
                summary=f"List {name}", parameters=_filter_parameters(cls.filters)
            ),
            "retrieve": extend_schema(summary=f"One of the {name}"),
        }
        if writes:
            operations["partial_update"] = extend_schema(summary=f"Change one of the {name}")
        if issubclass(cls, mixins.CreateModelMixin):
            operations["create"] = extend_schema(summary=f"Create one of the {name}")
        return extend_schema_view(**operations)(cls)


class EditableViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    RecordViewSet,
):
    http_method_names = ["get", "post", "patch", "head", "options"]


class ContactViewSet(EditableViewSet):
    queryset = Contact.objects.order_by("id")
    serializer_class = serializers.ContactSerializer
    read_scope, write_scope = "contacts.read", "contacts.write"
    filters = ("updated_since", "email")


class CompanyViewSet(EditableViewSet):
    queryset = Company.objects.order_by("id")
    serializer_class = serializers.CompanySerializer
    read_scope, write_scope = "contacts.read", "contacts.write"


class ProductViewSet(EditableViewSet):
    queryset = Product.objects.prefetch_related("variants").order_by("id")
    serializer_class = serializers.ProductSerializer
    read_scope, write_scope = "products.read", "products.write"


class PropertiesViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    RecordViewSet,
):
    """Orders and carts come from the stores: only their custom properties change here, and
    only by a superadmin's token."""

    http_method_names = ["get", "patch", "head", "options"]
    per_store = True

    def update(self, request, *args, **kwargs):
        # Refused before the body is even read: nothing about the record changes.
        if not acts_for_superadmin(request):
            raise PermissionDenied(
                "Only a token given by a superadmin may change orders and carts."
            )
        return super().update(request, *args, **kwargs)


class OrderViewSet(PropertiesViewSet):
    queryset = (
        Order.objects.select_related("pipeline_stage").prefetch_related("line_items").order_by("id")
    )
    serializer_class = serializers.OrderSerializer
    read_scope, write_scope = "orders.read", "orders.write"
    filters = ("updated_since", "store", "stage", "email")


class CartViewSet(PropertiesViewSet):
    queryset = Cart.objects.prefetch_related("line_items").order_by("id")
    serializer_class = serializers.CartSerializer
    read_scope, write_scope = "carts.read", "carts.write"
    filters = ("updated_since", "store", "email")


for viewset, name in [
    (ContactViewSet, "contacts"),
    (CompanyViewSet, "companies"),
    (ProductViewSet, "products"),
    (OrderViewSet, "orders"),
    (CartViewSet, "carts"),
]:
    viewset.documented(name)
