"""Relay connections as Shopify serves them: `first`/`last` (at most 250), opaque cursors,
`pageInfo`, `sortKey`, `reverse`, and the `query:` filter."""

from __future__ import annotations

import base64
import bisect
import json

from graphql import GraphQLError

from shopify_emulator import records
from shopify_emulator.search import Query

MAX_PAGE_SIZE = 250

# sortKey → the record field it orders by (ties are broken by id).
SORT_FIELDS = {
    "UPDATED_AT": "updatedAt",
    "CREATED_AT": "createdAt",
    "PROCESSED_AT": "processedAt",
    "TITLE": "title",
    "NAME": "name",
    "VENDOR": "vendor",
    "PRODUCT_TYPE": "productType",
    "ORDER_NUMBER": "number",
}


def encode_cursor(key) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str):
    try:
        return _tuples(json.loads(base64.urlsafe_b64decode(cursor.encode())))
    except (ValueError, TypeError):
        raise GraphQLError(f"Invalid cursor for current pagination sort: {cursor}") from None


def _tuples(value):
    """JSON gives lists back; keys compare as the tuples they were made from."""
    return tuple(_tuples(item) for item in value) if isinstance(value, list) else value


def page_size(args: dict, *, bulk: bool) -> tuple[int | None, int | None]:
    """(first, last) after Shopify's checks. Bulk queries page through everything."""
    first, last = args.get("first"), args.get("last")
    if bulk:
        return None, None
    if first is None and last is None:
        raise GraphQLError("you must provide one of first or last")
    for name, value in (("first", first), ("last", last)):
        if value is not None and value > MAX_PAGE_SIZE:
            raise GraphQLError(
                f"The value of the argument `{name}` must be less than or equal to {MAX_PAGE_SIZE}."
            )
        if value is not None and value < 0:
            raise GraphQLError(f"The value of the argument `{name}` must be positive.")
    if last is not None and args.get("before") is None and first is None:
        pass  # Shopify allows `last` alone: the end of the list
    return first, last


def connection(items: list, keys: list, args: dict, *, bulk: bool = False) -> dict:
    """A connection over `items` already in order, `keys[i]` being item i's cursor key."""
    first, last = page_size(args, bulk=bulk)
    start, end = 0, len(items)
    try:
        if args.get("after"):
            start = bisect.bisect_right(keys, decode_cursor(args["after"]))
        if args.get("before"):
            end = bisect.bisect_left(keys, decode_cursor(args["before"]))
    except TypeError:  # a cursor made for another sort order
        raise GraphQLError("Invalid cursor for current pagination sort.") from None
    end = max(start, end)
    window_start, window_end = start, end
    if first is not None:
        window_end = min(end, start + first)
    if last is not None:
        window_start = max(window_start, window_end - last)
    selected = items[window_start:window_end]
    selected_keys = keys[window_start:window_end]
    edges = [
        {"cursor": encode_cursor(key), "node": item}
        for item, key in zip(selected, selected_keys, strict=True)
    ]
    return {
        "edges": edges,
        "nodes": selected,
        "pageInfo": {
            "hasNextPage": window_end < len(items) and (first is not None or window_end < end),
            "hasPreviousPage": window_start > 0,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def list_connection(items: list, args: dict, *, bulk: bool = False) -> dict:
    """A connection over a record's own list (variants, line items, addresses…): position order."""
    if args.get("reverse"):
        items = list(reversed(items))
    return connection(items, [(index,) for index in range(len(items))], args, bulk=bulk)


def sorted_numbers(shop, resource: str, sort_key: str | None, reverse: bool) -> tuple[list, list]:
    """Record numbers of `resource` in `sort_key` order, with their cursor keys; cached
    until the shop changes."""
    field = SORT_FIELDS.get(sort_key or "ID")
    cache_key = (resource, field, reverse)
    with shop.lock:
        cached = shop.sort_cache.get(cache_key)
        if cached and cached[0] == shop.version:
            return cached[1], cached[2]
        rows = shop.data[resource]
        if field is None:
            numbers = sorted(rows, reverse=reverse)
            keys = [(-number,) if reverse else (number,) for number in numbers]
        else:

            def key_of(number):
                value = rows[number].get(field)
                return ("" if value is None else value, number)

            numbers = sorted(rows, key=key_of, reverse=reverse)
            keys = [_reversible(key_of(number), reverse) for number in numbers]
        shop.sort_cache[cache_key] = (shop.version, numbers, keys)
        return numbers, keys


def _reversible(key: tuple, reverse: bool) -> tuple:
    """Cursor keys must ascend along the list for bisect; reversed lists negate them."""
    if not reverse:
        return key
    value, number = key
    if isinstance(value, (int, float)):
        return (-value, -number)
    return (tuple(-ord(char) for char in str(value)) + (1,), -number)


def resource_connection(
    shop, resource: str, args: dict, *, bulk: bool = False, visible=None, info=None
) -> dict:
    """The connection for a root field such as `customers(first:, query:, sortKey:)`."""
    query = Query(resource, args.get("query"))
    if info is not None and query.warnings:
        warnings = info.context.warnings
        warnings.extend(query.warnings)
    numbers, keys = sorted_numbers(shop, resource, args.get("sortKey"), bool(args.get("reverse")))
    rows = shop.data[resource]
    items, item_keys = [], []
    for number, key in zip(numbers, keys, strict=True):
        record = rows.get(number)
        if record is None:
            continue
        if visible is not None and not visible(record):
            continue
        if query.is_empty or query.matches(shop, record):
            items.append(record)
            item_keys.append(key)
    return connection(items, item_keys, args, bulk=bulk)


def count(shop, resource: str, args: dict, visible=None) -> dict:
    """`customersCount(query:, limit:)`: Shopify caps counts at `limit` (10000 unless given;
    `limit: null` counts everything) and says AT_LEAST when it stopped there."""
    limit = args.get("limit", 10000)
    query = Query(resource, args.get("query"))
    total = 0
    for record in list(shop.data[resource].values()):
        if visible is not None and not visible(record):
            continue
        if query.is_empty or query.matches(shop, record):
            total += 1
    if limit is not None and total > limit:
        return {"count": limit, "precision": "AT_LEAST"}
    return {"count": total, "precision": "EXACT"}


def number_from_gid(value: str, kind: str) -> int | None:
    parsed = records.parse_gid(value)
    if not parsed or parsed[0] != kind:
        return None
    return parsed[1]
