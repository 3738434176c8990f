"""Shopify's search syntax for the `query:` argument, for the fields the emulator knows.

    updated_at:>'2026-01-01T00:00:00Z' AND email:ann@example.com
    vendor:Acme AND (status:draft OR status:archived) -tag:sale
    id:>9100000000000010 NOT shirt

Precedence, tightest first: `NOT`/`-`, then `AND` (explicit or by a space), then `OR`;
parentheses group. Values may be quoted; `*` ends a prefix. Times compare as instants
(`created_at:2026-01-01` means that day), ids as numbers, everything else as case-insensitive
text. A free word matches records whose main text fields contain it.

Like Shopify, the parser never rejects a query: a term on a field the resource does not know,
a bad value or broken syntax is ignored and reported as a warning (Shopify answers those in
`extensions.search`, not as errors).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from operator import eq, ge, gt, le, lt

from shopify_emulator import records

# Every non-space character starts some token, so tokenizing cannot fail. A quote left open
# runs to the end of the query (and is reported), rather than silently splitting the value.
TOKEN = re.compile(
    r"""\s*(?:
        (?P<paren>[()])
      | (?P<minus>-)
      | (?P<field>[\w.]+):(?P<op>>=|<=|>|<|=)?(?P<value>'[^']*'?|"[^"]*"?|[^\s()]*)
      | (?P<word>'[^']*'?|"[^"]*"?|[^\s()]+)
    )""",
    re.VERBOSE,
)
KEYWORDS = {"AND", "OR", "NOT"}  # case-sensitive in Shopify: `or` is an ordinary word
# Tokens that end an operand: what follows NOT, AND or OR must not be one of these.
ENDS = (None, ")", "OR", "AND")
COMPARISONS = {">": gt, ">=": ge, "<": lt, "<=": le, "": eq, "=": eq}
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _customer_email(shop, record):
    customer = shop.get("customers", record.get("_customerId"))
    return (customer or {}).get("email") or record.get("email") or record.get("_email")


# Per resource: search field → function(shop, record) returning the value to compare.
FIELDS: dict[str, dict[str, Callable]] = {
    "customers": {
        "email": lambda shop, r: r.get("email"),
        "first_name": lambda shop, r: r.get("firstName"),
        "last_name": lambda shop, r: r.get("lastName"),
        "phone": lambda shop, r: r.get("phone"),
        "state": lambda shop, r: r.get("state"),
        "country": lambda shop, r: (r.get("defaultAddress") or {}).get("countryCodeV2"),
    },
    "products": {
        "title": lambda shop, r: r.get("title"),
        "status": lambda shop, r: r.get("status"),
        "vendor": lambda shop, r: r.get("vendor"),
        "product_type": lambda shop, r: r.get("productType"),
        "handle": lambda shop, r: r.get("handle"),
        "sku": lambda shop, r: [variant.get("sku") for variant in r["variants"]],
    },
    "orders": {
        "name": lambda shop, r: r.get("name"),
        "email": _customer_email,
        "processed_at": lambda shop, r: r.get("processedAt"),
        "financial_status": lambda shop, r: r.get("displayFinancialStatus"),
        "fulfillment_status": lambda shop, r: r.get("displayFulfillmentStatus"),
        "customer_id": lambda shop, r: r.get("_customerId"),
        "status": lambda shop, r: (
            "cancelled" if r.get("cancelledAt") else "closed" if r.get("closedAt") else "open"
        ),
    },
    "checkouts": {
        "email": _customer_email,
        "status": lambda shop, r: "closed" if r.get("completedAt") else "open",
    },
    "companies": {
        "name": lambda shop, r: r.get("name"),
        "external_id": lambda shop, r: r.get("externalId"),
    },
    # events(query:) and deletionEvents(query:), as their arguments' descriptions list them.
    # There are no comment events, so `comments` (which only includes or leaves out comment
    # events) filters nothing with either value.
    "events": {
        "action": lambda shop, r: r.get("action"),
        "subject_type": lambda shop, r: r.get("subjectType"),
        "comments": lambda shop, r: ["true", "false"],
    },
    "deletion_events": {
        "occurred_at": lambda shop, r: r.get("createdAt"),
    },
}
COMMON = {
    "id": lambda shop, r: records.number_of(r["id"]),
    "created_at": lambda shop, r: r.get("createdAt"),
    "updated_at": lambda shop, r: r.get("updatedAt"),
    "tag": lambda shop, r: r.get("tags"),
}
TIME_FIELDS = {"created_at", "updated_at", "processed_at", "occurred_at"}
NUMBER_FIELDS = {"id", "customer_id"}
# Free words match these fields.
TEXT_FIELDS = {
    "customers": ("email", "firstName", "lastName"),
    "products": ("title",),
    "orders": ("name", "email"),
    "checkouts": ("name",),
    "companies": ("name",),
    "events": ("message",),
    "deletion_events": (),
}


Node = Callable[[object, dict], bool]  # (shop, record) -> whether the record matches


class Query:
    """A parsed `query:` string: `.matches(shop, record)`, plus the `.warnings` to report."""

    def __init__(self, resource: str, text: str | None):
        self.resource = resource
        self.warnings: list[str] = []
        self.tokens = [_token(match) for match in TOKEN.finditer(text or "")]
        self.position = 0
        try:
            self.root = self._parse()
        except RecursionError:  # absurdly deep nesting: report it rather than fail
            self.warnings.append("Search query is nested too deeply")
            self.root = None

    def matches(self, shop, record) -> bool:
        return self.root is None or self.root(shop, record)

    @property
    def is_empty(self) -> bool:
        return self.root is None

    # Recursive descent, one function per precedence level. Each returns a node, or None for
    # "nothing to test" (an ignored term), which the combinators below drop.

    def _parse(self) -> Node | None:
        root = self._or()
        while self._peek() == ")":  # only a stray `)` stops `_or` early: skip it, go on
            self.position += 1
            self.warnings.append("Unbalanced parenthesis in search query")
            root = _combine(all, [root, self._or()])
        return root

    def _or(self) -> Node | None:
        operands, empty = [], False
        while True:
            start = self.position
            operands.append(self._and())
            empty = empty or self.position == start
            if self._peek() != "OR":
                break
            self.position += 1
        if empty and len(operands) > 1:
            self.warnings.append("Missing search term next to OR")
        return _combine(any, operands)

    def _and(self) -> Node | None:
        operands: list[Node | None] = []
        while self._peek() not in (None, ")", "OR"):
            if self._peek() == "AND":
                self.position += 1
                if not operands or self._peek() in ENDS:
                    self.warnings.append("Missing search term next to AND")
                continue
            operands.append(self._unary())
        return _combine(all, operands)

    def _unary(self) -> Node | None:
        if self._peek() not in ("NOT", "-"):
            return self._primary()
        keyword = self.tokens[self.position][0]
        self.position += 1
        if self._peek() in ENDS:
            self.warnings.append(f"Missing search term after {keyword}")
            return None
        operand = self._unary()
        return None if operand is None else lambda shop, record: not operand(shop, record)

    def _primary(self) -> Node | None:
        kind, *parts = self.tokens[self.position]
        self.position += 1
        if kind == "(":
            start = self.position
            inner = self._or()
            if self.position == start:
                self.warnings.append("Empty parentheses in search query")
            if self._peek() == ")":
                self.position += 1
            else:
                self.warnings.append("Unbalanced parenthesis in search query")
            return inner
        if kind == "term":
            return self._term(*parts)
        return self._free_word(*parts)

    def _peek(self) -> str | None:
        return self.tokens[self.position][0] if self.position < len(self.tokens) else None

    def _free_word(self, raw: str) -> Node | None:
        keys = TEXT_FIELDS[self.resource]
        needle = self._unquote(raw).lower().strip("*")
        if not needle:
            self.warnings.append(f"Empty search term: {raw}")
            return None
        return lambda shop, record: any(
            needle in str(record.get(key) or "").lower() for key in keys
        )

    def _term(self, name: str, operator: str, raw: str) -> Node | None:
        getter = FIELDS[self.resource].get(name) or COMMON.get(name)
        if getter is None:
            self.warnings.append(f"Invalid search field for this query: {name}")
            return None
        value = self._unquote(raw)
        if not value:
            self.warnings.append(f"Missing search value for {name}")
            return None
        if name in TIME_FIELDS:
            compare = _time_comparison(operator, value)
        elif name in NUMBER_FIELDS:
            compare = _number_comparison(operator, value)
        else:
            compare = _text_comparison(operator, value)
        if compare is None:
            self.warnings.append(f"Invalid search value for {name}: {value}")
            return None
        return lambda shop, record: compare(getter(shop, record))

    def _unquote(self, raw: str) -> str:
        if raw[:1] not in ("'", '"'):
            return raw
        if len(raw) < 2 or raw[-1] != raw[0]:
            self.warnings.append(f"Unterminated quote in search query: {raw}")
            return raw[1:]
        return raw[1:-1]


def _token(match: re.Match) -> tuple[str, ...]:
    """("(",) ("-",) ("AND",) …, ("term", field, operator, raw value) or ("word", raw word)."""
    if match["field"]:
        return ("term", match["field"], match["op"] or "", match["value"])
    word = match["word"]
    if word is None:
        return (match["paren"] or match["minus"],)
    return (word,) if word in KEYWORDS else ("word", word)


def _combine(test: Callable, nodes: list[Node | None]) -> Node | None:
    """AND (test=all) or OR (test=any) of the nodes, ignoring the ignored ones."""
    nodes = [node for node in nodes if node is not None]
    if len(nodes) <= 1:
        return nodes[0] if nodes else None
    return lambda shop, record: test(node(shop, record) for node in nodes)


def _time_comparison(operator: str, value: str):
    try:
        start = records.format_time(records.parse_time(value))
    except (ValueError, OverflowError):  # OverflowError: year 1 shifted to UTC, and the like
        return None
    # Stored times are UTC strings that sort as text. A bare date is its whole day, so `>` means
    # after its last second and `<=` up to it, while `>=` and `<` use its first.
    end = value + "T23:59:59Z" if DATE.fullmatch(value) else start
    tests = {
        ">": lambda stored: stored > end,
        ">=": lambda stored: stored >= start,
        "<": lambda stored: stored < start,
        "<=": lambda stored: stored <= end,
    }
    test = tests.get(operator, lambda stored: start <= stored <= end)
    return lambda stored: stored is not None and test(stored)


def _number_comparison(operator: str, value: str):
    try:
        bound = records.number_of(value)
    except ValueError:  # digits int() refuses, such as "²"
        return None
    if bound is None:
        return None
    test = COMPARISONS[operator]

    def compare(stored):
        number = None if stored is None else records.number_of(stored)
        return number is not None and test(number, bound)

    return compare


def _text_comparison(operator: str, value: str):
    needle = value.lower()
    prefix = operator in ("", "=") and needle.endswith("*")
    test = COMPARISONS[operator]

    def one(item) -> bool:
        text = str(item).lower()
        return text.startswith(needle.rstrip("*")) if prefix else test(text, needle)

    def compare(stored):
        items = stored if isinstance(stored, list) else [stored]  # tags, SKUs: any of them
        return any(item is not None and one(item) for item in items)

    return compare
