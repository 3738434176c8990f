"""The endpoints of /api/v1/. Records are read and written through the CRM's models and
services, so a change made here is what the same change in the admin would be (contacts,
companies and products then sync to Shopify; what the CRM derives from orders follows)."""

from __future__ import annotations

from collections.abc import Callable

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import SAFE_METHODS

from api import filters, serializers
from api.permissions import acts_for_superadmin
from crm import services
from crm.models import Cart, Company, Contact, Order, Product


class Scoped:
    """A view names the scope its reads need and the scope its writes need. Every view here
    refuses a query string holding NUL (no column can hold it; PostgreSQL refused it as a
    500) before anything else."""

    read_scope: str
    write_scope: str | None = None

    def initial(self, request, *args, **kwargs):
        for name, values in request.query_params.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                raise ValidationError(
                    {name.replace("\x00", ""): ["NUL is not allowed here."]}, code="invalid"
                )
        super().initial(request, *args, **kwargs)

    def scope_for(self, method: str) -> str:
        if method in SAFE_METHODS:
            return self.read_scope
        return self.write_scope or self.read_scope


def _filter_parameters(names):
    return [
        OpenApiParameter(
            name, filters.TYPES.get(name, str), description=filters.FILTERS[name][0], required=False
        )
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
        if issubclass(cls, mixins.DestroyModelMixin):
            operations["destroy"] = extend_schema(
                summary=f"Delete one of the {name}",
                description=(
                    "From the CRM, not from its store; the reports (and an order's contact "
                    "totals) follow. Only with a token a superadmin gave: 403 otherwise."
                ),
            )
        return extend_schema_view(**operations)(cls)


class EditableViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    RecordViewSet,
):
    # No DELETE: deleting customers or products from another app is a risk nobody asked for,
    # and a delete in the CRM never reaches Shopify anyway.
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


def _require_superadmin(request, doing: str) -> None:
    if not acts_for_superadmin(request):
        raise PermissionDenied(f"Only a token given by a superadmin may {doing} orders and carts.")


class PropertiesViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    RecordViewSet,
):
    """Orders and carts come from the stores: only their custom properties change here, and a
    delete removes them from the CRM, not from their store; both only by a superadmin's token.
    A delete goes through the CRM's service (`delete_records`), so what derives from the
    record — its contact's totals and first order, the reports — follows."""

    http_method_names = ["get", "patch", "delete", "head", "options"]
    per_store = True
    delete_records: Callable[[list[int]], int]

    def update(self, request, *args, **kwargs):
        # Refused before the body is even read: nothing about the record changes.
        _require_superadmin(request, "change")
        return super().update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        _require_superadmin(request, "delete")
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, instance):
        self.delete_records([instance.pk])


class OrderViewSet(PropertiesViewSet):
    queryset = (
        Order.objects.select_related("pipeline_stage").prefetch_related("line_items").order_by("id")
    )
    serializer_class = serializers.OrderSerializer
    read_scope, write_scope = "orders.read", "orders.write"
    delete_records = staticmethod(services.delete_orders)
    filters = ("updated_since", "store", "stage", "email")


class CartViewSet(PropertiesViewSet):
    queryset = Cart.objects.prefetch_related("line_items").order_by("id")
    serializer_class = serializers.CartSerializer
    read_scope, write_scope = "carts.read", "carts.write"
    delete_records = staticmethod(services.delete_carts)
    filters = ("updated_since", "store", "email")


for viewset, name in [
    (ContactViewSet, "contacts"),
    (CompanyViewSet, "companies"),
    (ProductViewSet, "products"),
    (OrderViewSet, "orders"),
    (CartViewSet, "carts"),
]:
    viewset.documented(name)
