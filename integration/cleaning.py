"""What comes from outside made fit to store: PostgreSQL's text and JSONB refuse NUL, so a NUL
in a name Shopify sent (`\u0000` in its JSON) would fail the write of a whole batch, and then
the bookkeeping of that failure. Every JSON read from Shopify or a webhook goes through
`parse_json`, so none reaches the CRM; reasons recorded go through `clean`."""

from __future__ import annotations

import orjson

ESCAPED_NUL = b"\\u0000"


def parse_json(raw: bytes | str):
    """JSON as orjson reads it (UTF-8 only, nesting at most 1024 deep: raises
    orjson.JSONDecodeError otherwise), with NUL taken out of every string and key."""
    value = orjson.loads(raw)
    escaped = ESCAPED_NUL if isinstance(raw, bytes | bytearray | memoryview) else "\\u0000"
    return without_nul(value) if escaped in raw else value


def without_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    if isinstance(value, dict):
        return {key.replace("\x00", ""): without_nul(item) for key, item in value.items()}
    return value


def clean(text: str, limit: int) -> str:
    """A text to record (an error, a reason): without NUL, at most `limit` characters."""
    text = str(text).replace("\x00", "")
    return text if len(text) <= limit else text[: limit - 1] + "…"
