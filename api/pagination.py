"""Cursor pagination by id: ids never change, so a client paging while records are created,
changed or deleted sees every record that existed throughout exactly once (new ones at the
end), which page numbers or an `updated_at` order cannot promise."""

from rest_framework import serializers
from rest_framework.pagination import CursorPagination


class StableCursor(CursorPagination):
    ordering = "id"
    page_size_query_param = "limit"
    max_page_size = 200
    invalid_cursor_message = "This cursor is not one the API gave; start again without it."

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except Exception as error:  # NotFound: a cursor is bad input, not a missing page
            raise serializers.ValidationError(
                {self.cursor_query_param: [self.invalid_cursor_message]}, code="invalid_cursor"
            ) from error

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not (raw.isdigit() and 1 <= int(raw) <= self.max_page_size):
            raise serializers.ValidationError(
                {"limit": [f"A whole number from 1 to {self.max_page_size}."]}
            )
        return super().get_page_size(request)

    def get_paginated_response_schema(self, schema):
        link = {"type": ["string", "null"], "format": "uri"}
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {**link, "description": "The next page; null on the last"},
                "previous": {**link, "description": "The page before; null on the first"},
                "results": schema,
            },
        }
