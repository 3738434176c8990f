"""The connected stores and the health of each sync (from whoever syncs: crm.sources)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from api.schema import UnpagedSchema
from api.views.records import Scoped
from crm import sources

_run = inline_serializer(
    "SyncRunSummary",
    {
        "kind": serializers.CharField(),
        "status": serializers.CharField(),
        "done": serializers.IntegerField(),
        "total": serializers.IntegerField(allow_null=True),
        "started_at": serializers.DateTimeField(allow_null=True),
        "finished_at": serializers.DateTimeField(allow_null=True),
    },
    allow_null=True,
)
_sync = inline_serializer(
    "SyncHealth",
    {
        "state": serializers.CharField(help_text="off, initial_sync, on or error"),
        "in_sync": serializers.IntegerField(),
        "excluded": serializers.IntegerField(),
        "failing": serializers.IntegerField(),
        "last_run": _run,
        "watermark": serializers.DateTimeField(allow_null=True),
    },
)
STORE = inline_serializer(
    "Store",
    {
        "shop": serializers.CharField(help_text="The shop's domain: orders' and carts' `store`"),
        "name": serializers.CharField(),
        "currency": serializers.CharField(),
        "timezone": serializers.CharField(),
        "status": serializers.CharField(help_text="connected, uninstalled or error"),
        "connected_at": serializers.DateTimeField(allow_null=True),
        "syncs": serializers.DictField(child=_sync, help_text="By object: contacts, companies, …"),
    },
)


class StoreViewSet(Scoped, viewsets.ViewSet):
    schema = UnpagedSchema()
    read_scope = "stores.read"
    lookup_field = "shop"
    lookup_value_regex = r"[^/]+"

    def _visible(self):
        application = self.request.auth.application
        return [store for store in sources.stores() if application.sees_store(store["shop"])]

    @extend_schema(
        operation_id="stores_list",
        summary="List the stores",
        responses=inline_serializer("StoreList", {"results": STORE.__class__(many=True)}),
    )
    def list(self, request):
        return Response({"results": self._visible()})

    @extend_schema(
        summary="One store",
        parameters=[OpenApiParameter("shop", str, OpenApiParameter.PATH, description="Its domain")],
        responses=STORE,
    )
    def retrieve(self, request, shop=None):
        for store in self._visible():
            if store["shop"] == shop:
                return Response(store)
        raise NotFound("No such store.")
