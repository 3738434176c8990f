"""What every object pair's adapter provides, and the pieces they share.

An adapter knows one Shopify object and the CRM record it becomes: its GraphQL document (a bulk
query for the initial sync, a page of ids and update times for reconciliation, a read by ids for
webhooks and resyncs), one parser from a GraphQL node to the CRM's fields (bulk lines and single
reads alike), its filters, its matching rule for new records, how it writes a batch, and its
deletion rule. The engine (engine.py) does the rest the same way for all five.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

import orjson
from django.utils.dateparse import parse_datetime

from integration.client import ShopifyClient, ShopifyUserError


@dataclass
class Parsed:
    """A Shopify record as the CRM will hold it."""

    shopify_id: int
    updated_at: datetime.datetime | None
    fields: dict
    # Rows owned by the record (order lines, variants), each a dict of CRM fields.
    children: list[dict] = field(default_factory=list)
    # Ids of related Shopify records (customer, company, variants…), resolved by the adapter.
    links: dict = field(default_factory=dict)
    # A second key Shopify uses for the record (a checkout's token).
    external_key: str = ""
    digest: str = ""
    # Two-way objects: the record's values by Shopify field (fieldmaps), kept as the last
    # synced values once applied.
    shopify_values: dict = field(default_factory=dict)

    def __post_init__(self):
        if not self.digest:
            self.digest = digest(self.fields, self.children, self.links, self.external_key)


def digest(*parts) -> str:
    """A fingerprint of what a record says, to tell a real change from a repeat."""
    text = orjson.dumps(parts, default=_plain, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(text).hexdigest()


def _plain(value):
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    raise TypeError(f"cannot fingerprint {type(value).__name__}")


def number(gid: str | None) -> int | None:
    """The number at the end of a GID: gid://shopify/Customer/123 → 123."""
    if not gid:
        return None
    return int(gid.rsplit("/", 1)[1].split("?", 1)[0])


def moment(text: str | None) -> datetime.datetime | None:
    return parse_datetime(text) if text else None


ZERO = Decimal("0")


def amount(bag: dict | None, side: str = "shopMoney") -> Decimal:
    """An amount from a MoneyBag ({"shopMoney": {"amount": "1.50", …}}), exactly."""
    money = bag.get(side) if bag else None
    return Decimal(money["amount"]) if money else ZERO


def currency(bag: dict | None, side: str = "shopMoney") -> str:
    return ((bag or {}).get(side) or {}).get("currencyCode") or ""


def text(value) -> str:
    return (value or "").strip() if isinstance(value, str) else ""


def lower(value: str | None) -> str:
    return (value or "").lower()


def updates_by_record(records: list[tuple[Parsed, int | None]]):
    """(record, crm id) of the records that update an existing CRM record."""
    return [(record, crm_id) for record, crm_id in records if crm_id is not None]


class Adapter:
    object_type: str
    model: type
    gid_type: str  # Shopify's type name, as in its GIDs
    document: str  # operations named "<X>Bulk", "<X>Changes", "<X>ByIds"
    bulk_operation: str
    changes_operation: str
    ids_operation: str
    root_field: str  # the root connection, e.g. "customers"
    # Bulk child lines, by the GID type of their id: which connection of the parent they are.
    child_connections: dict[str, str] = {}
    # Connections a single read may need to page through: key → (operation, path in data).
    child_pages: dict[str, tuple[str, tuple[str, ...]]] = {}
    # Nodes per read-by-ids request, so one request stays under Shopify's 1000-point limit.
    ids_per_request = 50
    # Two-way objects: (operation in `document`, mutation field, field of the record in its
    # payload) for creating and updating the Shopify record; None for one-way objects.
    create_operation: tuple[str, str, str] | None = None
    update_operation: tuple[str, str, str] | None = None

    def gid(self, shopify_id: int) -> str:
        return f"gid://shopify/{self.gid_type}/{shopify_id}"

    def push_variables(self, shopify_id: int | None, values: dict) -> dict:
        """The create (no id) or update mutation's variables, from values by input key."""
        raise NotImplementedError

    def outbound_exclusion(self, values: dict, filters: dict) -> str | None:
        """Why a CRM record (its values by CRM field) must not be created in Shopify."""
        return None

    def push_children(self, client: ShopifyClient, store, record, node: dict) -> dict | None:
        """Send rows the record owns (a product's variants) that changed in the CRM; the
        record's node afterwards, or None when nothing was sent."""
        return None

    def push(self, client: ShopifyClient, shopify_id: int | None, values: dict) -> dict:
        """Create or update the Shopify record; returns its node as a read by id would.
        Shopify's userErrors raise ShopifyUserError with its messages."""
        operation, field, key = self.update_operation if shopify_id else self.create_operation
        data = client.execute(self.document, self.push_variables(shopify_id, values), operation)
        result = data[field]
        if result["userErrors"]:
            message = "; ".join(
                f"{'.'.join(error['field'] or [])}: {error['message']}".lstrip(": ")
                for error in result["userErrors"]
            )
            raise ShopifyUserError(message, errors=result["userErrors"])
        return self._complete(client, result[key])

    def parse(self, node: dict) -> Parsed:
        raise NotImplementedError

    def exclusion_reason(self, parsed: Parsed, filters: dict) -> str | None:
        """Why the filters keep this record out of the CRM, or None when it syncs."""
        return None

    def match_existing(self, store, records: list[Parsed]) -> dict[int, int]:
        """For records the CRM has never seen from this store: the existing CRM records they
        are (shopify id → crm id), by the object's matching rule."""
        return {}

    def save(self, store, records: list[tuple[Parsed, int | None]]) -> dict[int, int]:
        """Create or update the CRM records (crm id None: create). Returns shopify id → crm id."""
        raise NotImplementedError

    def delete(self, store, crm_ids: list[int]) -> None:
        """Apply the object's deletion rule to CRM records whose Shopify record is gone."""

    def after_save(self, store, crm_ids: list[int]) -> None:
        """Keep derived data current (customer totals, links) after a batch."""

    def after_bulk(self, store) -> None:
        """Bring the derived data the run's batches deferred up to date for the whole store
        (sync.derived), after a bulk run's last batch. Runs again if the run resumes."""

    # Reading -------------------------------------------------------------------------------

    def read_nodes(self, client: ShopifyClient, shopify_ids: list[int]) -> dict[int, dict | None]:
        """The current nodes of these records (None: gone from Shopify), complete with every
        child even past the first page."""
        found: dict[int, dict | None] = {}
        for start in range(0, len(shopify_ids), self.ids_per_request):
            chunk = shopify_ids[start : start + self.ids_per_request]
            ids = [f"gid://shopify/{self.gid_type}/{shopify_id}" for shopify_id in chunk]
            nodes = client.execute(self.document, {"ids": ids}, self.ids_operation)["nodes"]
            for shopify_id, node in zip(chunk, nodes, strict=True):
                found[shopify_id] = self._complete(client, node) if node else None
        return found

    def _complete(self, client: ShopifyClient, node: dict) -> dict:
        for key, (operation, path) in self.child_pages.items():
            connection = node.get(key) or {}
            if not (connection.get("pageInfo") or {}).get("hasNextPage"):
                continue
            rest = client.paginate(
                self.document,
                {"id": node["id"]},
                path,
                operation,
                after=connection["pageInfo"]["endCursor"],
            )
            node = {**node, key: {"nodes": connection["nodes"] + list(rest)}}
        return node

    def assemble(self, lines):
        """Bulk JSONL lines → complete nodes: a node's child lines (`__parentId`) follow it, so
        each node is yielded with its children once the next node starts. Yields
        (line number of the node, node)."""
        current, current_line = None, None
        for line_number, line in lines:
            parent = line.pop("__parentId", None)
            if parent is None:
                if current is not None:
                    yield current_line, current
                current, current_line = line, line_number
                for key in self.child_connections.values():
                    current[key] = {"nodes": []}
                continue
            if current is None or parent != current["id"]:
                raise ValueError(f"line {line_number}: child of {parent} is not after its parent")
            kind = line["id"].split("/")[3]
            current[self.child_connections[kind]]["nodes"].append(line)
        if current is not None:
            yield current_line, current
