"""Relay connections as Shopify serves them: `first`/`last` (at most 250), opaque cursors,
`pageInfo`, `sortKey`, `reverse`, and the `query:` filter.

A root connection walks the shop's records in sort order from the cursor and stops once it has
the page (plus one, to know whether there is more), so a page costs the same on a shop of a
hundred records as on one of a million.
"""

from __future__ import annotations

import base64
import bisect
import json
from decimal import Decimal

from graphql import GraphQLError

from shopify_emulator import records
from shopify_emulator.search import Query

MAX_PAGE_SIZE = 250
# pageInfo's "is there anything on the other side" looks this far and then says no: the Relay
# spec lets a server answer false when it cannot tell cheaply.
LOOKAROUND = 1000


def _lower(field):
    return lambda record: (record.get(field) or "").lower()


def _customer_or_company_name(record):
    if record.get("name") is not None:
        return record["name"].lower()
    return " ".join(filter(None, (record.get("firstName"), record.get("lastName")))).lower()


# sortKey → the value a record sorts by (ties are broken by id). Keys a resource does not know
# (RELEVANCE, ID, …) sort by id.
SORT_VALUES = {
    "UPDATED_AT": lambda record: record.get("updatedAt") or "",
    "CREATED_AT": lambda record: record.get("createdAt") or "",
    "PROCESSED_AT": lambda record: record.get("processedAt") or "",
    "PUBLISHED_AT": lambda record: record.get("publishedAt") or "",
    "TITLE": _lower("title"),
    "NAME": _customer_or_company_name,
    "VENDOR": _lower("vendor"),
    "PRODUCT_TYPE": _lower("productType"),
    "ORDER_NUMBER": lambda record: record.get("number") or 0,
    "TOTAL_PRICE": lambda record: float(records.amount_of(record.get("totalPriceSet"))),
    "CURRENT_TOTAL_PRICE": lambda r: float(records.amount_of(r.get("currentTotalPriceSet"))),
    "INVENTORY_TOTAL": lambda record: sum(
        variant.get("inventoryQuantity", 0) for variant in record.get("variants", [])
    ),
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
    return first, last


def connection(items: list, keys: list, args: dict, *, bulk: bool = False, accept=None) -> dict:
    """A connection over `items`, already in order, `keys[i]` being item i's cursor key.
    `accept(item)` returns the node an item stands for, or None to skip it (a filter)."""
    accept = accept or (lambda item: item)
    first, last = page_size(args, bulk=bulk)
    start, end = 0, len(items)
    try:
        if args.get("after"):
            start = bisect.bisect_right(keys, decode_cursor(args["after"]))
        if args.get("before"):
            end = max(start, bisect.bisect_left(keys, decode_cursor(args["before"])))
    except TypeError:  # a cursor made for another sort order
        raise GraphQLError("Invalid cursor for current pagination sort.") from None

    if last is None or first is not None:
        chosen, more_after = _collect(items, accept, range(start, end), first)
        more_after = more_after or _any(items, accept, range(end, len(items)))
        more_before = _any(items, accept, range(start - 1, -1, -1))
        if last is not None and len(chosen) > last:
            chosen, more_before = chosen[-last:], True
    else:
        chosen, more_before = _collect(items, accept, range(end - 1, start - 1, -1), last)
        chosen.reverse()
        more_before = more_before or _any(items, accept, range(start - 1, -1, -1))
        more_after = _any(items, accept, range(end, len(items)))
    edges = [{"cursor": encode_cursor(keys[index]), "node": node} for index, node in chosen]
    return {
        "edges": edges,
        "nodes": [node for _, node in chosen],
        "pageInfo": {
            "hasNextPage": more_after,
            "hasPreviousPage": more_before,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def _collect(items, accept, indexes, limit):
    """Up to `limit` accepted (index, node) pairs along `indexes`, and whether there are more."""
    chosen = []
    for index in indexes:
        node = accept(items[index])
        if node is None:
            continue
        if limit is not None and len(chosen) == limit:
            return chosen, True
        chosen.append((index, node))
    return chosen, False


def _any(items, accept, indexes) -> bool:
    for looked, index in enumerate(indexes):
        if looked >= LOOKAROUND:
            return False
        if accept(items[index]) is not None:
            return True
    return False


def list_connection(items: list, args: dict, *, bulk: bool = False) -> dict:
    """A connection over a record's own list (variants, line items, addresses…): position order."""
    if args.get("reverse"):
        items = list(reversed(items))
    return connection(items, [(index,) for index in range(len(items))], args, bulk=bulk)


def sorted_numbers(shop, resource: str, sort_key: str | None, reverse: bool) -> tuple[list, list]:
    """Record numbers of `resource` in `sort_key` order, with their cursor keys; cached
    until the shop changes."""
    value_of = SORT_VALUES.get(sort_key or "ID")
    cache_key = (resource, sort_key if value_of else "ID", reverse)
    with shop.lock:
        cached = shop.sort_cache.get(cache_key)
        if cached and cached[0] == shop.version:
            return cached[1], cached[2]
        rows = shop.data[resource]
        if value_of is None:
            numbers = sorted(rows, reverse=reverse)
            keys = [(-number,) if reverse else (number,) for number in numbers]
        else:

            def key_of(number):
                return (value_of(rows[number]), number)

            numbers = sorted(rows, key=key_of, reverse=reverse)
            keys = [_reversible(key_of(number), reverse) for number in numbers]
        shop.sort_cache[cache_key] = (shop.version, numbers, keys)
        return numbers, keys


def _reversible(key: tuple, reverse: bool) -> tuple:
    """Cursor keys must ascend along the list for bisect; reversed lists negate them."""
    if not reverse:
        return key
    value, number = key
    if isinstance(value, (int, float, Decimal)):
        return (-value, -number)
    return (tuple(-ord(char) for char in str(value)) + (1,), -number)


def resource_connection(
    shop, resource: str, args: dict, *, bulk: bool = False, visible=None, info=None
) -> dict:
    """The connection for a root field such as `customers(first:, query:, sortKey:)`."""
    query = Query(resource, args.get("query"))
    if info is not None and query.warnings:
        info.context.warnings.extend(query.warnings)
    numbers, keys = sorted_numbers(shop, resource, args.get("sortKey"), bool(args.get("reverse")))
    rows = shop.data[resource]

    def accept(number):
        record = rows.get(number)
        if record is None or (visible is not None and not visible(record)):
            return None
        return record if query.is_empty or query.matches(shop, record) else None

    return connection(numbers, keys, args, bulk=bulk, accept=accept)


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
