"""Shopify's search syntax for the `query:` argument, for the fields the emulator knows.

    updated_at:>'2026-01-01T00:00:00Z' AND email:ann@example.com
    id:>9100000000000010 -status:archived
    tag:vip OR tag:wholesale

Terms are ANDed (explicitly or by a space); `OR` joins groups; a leading `-` or `NOT` negates a
term. Values may be quoted. Times compare as instants; `created_at:2026-01-01` means that day.
A term on a field the resource does not know is ignored and reported, as Shopify does (it
answers with a warning in `extensions.search`, not an error).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from shopify_emulator import records

TOKEN = re.compile(
    r"""\s*(?:
        (?P<paren>[()])
      | (?P<term>-?[\w.]+:(?:>=|<=|>|<|=)?(?:'[^']*'|"[^"]*"|[^\s()]*))
      | (?P<word>'[^']*'|"[^"]*"|[^\s()]+)
    )""",
    re.VERBOSE,
)


def _text(record: dict, *keys: str) -> str | None:
    for key in keys:
        if record.get(key) is not None:
            return str(record[key])
    return None


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
}
COMMON = {
    "id": lambda shop, r: records.number_of(r["id"]),
    "created_at": lambda shop, r: r.get("createdAt"),
    "updated_at": lambda shop, r: r.get("updatedAt"),
    "tag": lambda shop, r: r.get("tags"),
}
TIME_FIELDS = {"created_at", "updated_at", "processed_at"}
# Free words match these fields.
TEXT_FIELDS = {
    "customers": ("email", "firstName", "lastName"),
    "products": ("title",),
    "orders": ("name", "email"),
    "checkouts": ("name",),
    "companies": ("name",),
}


class Query:
    def __init__(self, resource: str, text: str | None):
        self.resource = resource
        self.warnings: list[str] = []
        self.groups = self._parse(text or "")

    def _parse(self, text: str) -> list[list[Callable]]:
        groups: list[list[Callable]] = [[]]
        negate_next = False
        position = 0
        while position < len(text):
            match = TOKEN.match(text, position)
            if not match or match.end() == position:
                break
            position = match.end()
            if match.group("paren"):
                continue  # grouping is flattened: enough for the queries apps send
            if match.group("word"):
                word = match.group("word").strip("'\"")
                if word == "OR":
                    groups.append([])
                elif word == "AND":
                    pass
                elif word == "NOT":
                    negate_next = True
                else:
                    groups[-1].append(self._free_word(word, negate_next))
                    negate_next = False
                continue
            term = self._term(match.group("term"), negate_next)
            negate_next = False
            if term:
                groups[-1].append(term)
        return [group for group in groups if group] or [[]]

    def _free_word(self, word: str, negate: bool) -> Callable:
        keys = TEXT_FIELDS[self.resource]
        needle = word.lower().strip("*")

        def matches(shop, record):
            found = any(needle in str(record.get(key) or "").lower() for key in keys)
            return found != negate

        return matches

    def _term(self, text: str, negate: bool) -> Callable | None:
        if text.startswith("-"):
            negate, text = not negate, text[1:]
        name, _, rest = text.partition(":")
        operator = next((op for op in (">=", "<=", ">", "<", "=") if rest.startswith(op)), "")
        value = rest[len(operator) :].strip("'\"")
        getter = FIELDS[self.resource].get(name) or COMMON.get(name)
        if getter is None:
            self.warnings.append(f"Invalid search field for this query: {name}")
            return None
        if name in TIME_FIELDS:
            compare = _time_comparison(operator, value)
        elif name == "id" or name == "customer_id":
            compare = _number_comparison(operator, value)
        else:
            compare = _text_comparison(operator, value)
        if compare is None:
            self.warnings.append(f"Invalid search value for {name}: {value}")
            return None

        def matches(shop, record):
            found = compare(getter(shop, record))
            return found != negate

        return matches

    def matches(self, shop, record) -> bool:
        return any(all(term(shop, record) for term in group) for group in self.groups)

    @property
    def is_empty(self) -> bool:
        return self.groups == [[]]


def _time_comparison(operator: str, value: str):
    try:
        moment = records.parse_time(value)
    except ValueError:
        return None
    bound = records.format_time(moment)
    is_day = re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None
    day_end = value + "T23:59:59Z" if is_day else bound

    def compare(stored):
        if stored is None:
            return False
        if operator == ">":
            return stored > (day_end if is_day else bound)
        if operator == ">=":
            return stored >= bound
        if operator == "<":
            return stored < bound
        if operator == "<=":
            return stored <= day_end
        return bound <= stored <= day_end if is_day else stored == bound

    return compare


def _number_comparison(operator: str, value: str):
    number = records.number_of(value)
    if number is None:
        return None
    operations = {
        ">": lambda stored: stored > number,
        ">=": lambda stored: stored >= number,
        "<": lambda stored: stored < number,
        "<=": lambda stored: stored <= number,
    }
    compare = operations.get(operator, lambda stored: stored == number)
    return lambda stored: stored is not None and compare(stored)


def _text_comparison(operator: str, value: str):
    needle = value.lower()
    prefix = needle.endswith("*")
    needle = needle.rstrip("*")

    def one(stored):
        if stored is None:
            return False
        text = str(stored).lower()
        return text.startswith(needle) if prefix else text == needle

    def compare(stored):
        if isinstance(stored, list):
            return any(one(item) for item in stored)
        return one(stored)

    return compare
