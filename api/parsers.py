"""Request bodies read by orjson: strict UTF-8 JSON, nested at most 1024 deep (the standard
library's parser recursed until Python gave up on 10,000 nested arrays: a 500), and without
NUL, which no column of the CRM can hold."""

from __future__ import annotations

import orjson
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        if b"\x00" in raw or b"\\u0000" in raw:
            raise ParseError("The body holds a NUL character, which no field takes.")
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            raise ParseError(f"The body is not JSON: {str(error)[:200]}") from None
