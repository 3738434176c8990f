"""Cursor pagination by id: ids never change, so a client paging while records are created,
changed or deleted sees every record that existed throughout exactly once (new ones at the
end), which page numbers or an `updated_at` order cannot promise."""

import base64
import binascii
from urllib.parse import parse_qs

from rest_framework import serializers
from rest_framework.pagination import CursorPagination

from crm.inputs import is_whole_number


class StableCursor(CursorPagination):
    ordering = "id"
    page_size_query_param = "limit"
    max_page_size = 200
    invalid_cursor_message = "This cursor is not one the API gave; start again without it."

    def decode_cursor(self, request):
        raw = request.query_params.get(self.cursor_query_param)
        if raw is not None and not _is_ours(raw):
            raise self._invalid()
        try:
            return super().decode_cursor(request)
        except Exception as error:  # NotFound: a cursor is bad input, not a missing page
            raise self._invalid() from error

    def _invalid(self):
        return serializers.ValidationError(
            {self.cursor_query_param: [self.invalid_cursor_message]}, code="invalid_cursor"
        )

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not (is_whole_number(raw) and 1 <= int(raw) <= self.max_page_size):
            raise serializers.ValidationError(
                {"limit": [f"A whole number from 1 to {self.max_page_size}."]}
            )
        return super().get_page_size(request)

    def get_schema_operation_parameters(self, view):
        """`limit` with its bounds; the cursor as the API writes it (an opaque string)."""
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                }
            elif parameter["name"] == self.cursor_query_param:
                parameter["schema"] = {"type": "string", "maxLength": 200}
        return parameters

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


def _is_ours(raw: str) -> bool:
    """Whether a cursor has the shape of one this API writes (DRF's: base64 of `o=…&r=…&p=…`,
    the position an id). DRF itself reads leniently: any text decodes to some page, and a
    position that is no id reached the database."""
    if len(raw) > 200:
        return False
    try:
        text = base64.b64decode(raw.encode("ascii"), validate=True).decode("ascii")
        parts = parse_qs(text, keep_blank_values=True, strict_parsing=True)
    except (UnicodeError, binascii.Error, ValueError):
        return False
    if not parts or not set(parts) <= {"o", "r", "p"}:
        return False
    values = [value for values in parts.values() for value in values]
    return all(is_whole_number(value) for value in values)
