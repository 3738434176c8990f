"""What an object pair is, and the pieces every pair shares.

An object pair is one adapter class: everything about one Shopify object and the CRM record it
becomes is declared on it — the CRM model, the Shopify type, the webhook topics that name its
records, the access scopes it needs, the protected customer data it reads, whether it syncs both
ways, its filters, its field table, its matching rule, its page in Shopify's admin — together
with its GraphQL document (a bulk query for the initial sync, a page of ids and update times for
reconciliation, a read by ids for webhooks and resyncs), one parser from a GraphQL node to the
CRM's fields (bulk lines and single reads alike), how it writes a batch and its deletion rule.
The rest of the product derives from these declarations (`sync.registry`); the engine
(`sync.engine`) applies records the same way for every pair.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

import orjson
from django.db.models.functions import Lower

from integration import ids
from integration.client import ShopifyClient
from integration.errors import ShopifyTooCostly, ShopifyUserError
from sync import chunk_sizes, fieldmaps
from sync.filters import new_crm_records
from sync.models import Direction, FieldMapping, MapDirection

# The kinds of protected customer data Shopify approves one by one (level 2).
# https://shopify.dev/docs/apps/launch/protected-customer-data
NAME, EMAIL, PHONE, ADDRESS = "name", "email", "phone", "address"
# The CRM's address fields (crm.models.Address).
ADDRESS_FIELDS = ("address1", "address2", "city", "province", "postal_code", "country_code")
# Where read_nodes marks the fields Shopify withheld from a node (paths as protected_fields).
WITHHELD = "__withheld"


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
    # Two-way objects: the record's values by Shopify field (the field table), kept as the
    # last synced values once applied.
    shopify_values: dict = field(default_factory=dict)
    # CRM fields Shopify withheld (protected customer data the app is not approved for): what
    # they say is unknown, not empty, so the CRM keeps its values.
    withheld: frozenset = frozenset()

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


def _withheld_by_node(denied_paths) -> dict[int, set[str]]:
    """ACCESS_DENIED paths (["nodes", 3, "customer", "defaultEmailAddress"]) → node index →
    the withheld fields' paths without list indexes and connections ("customer.
    defaultEmailAddress"); "" when the whole node was withheld."""
    found: dict[int, set[str]] = {}
    for path in denied_paths:
        if len(path) < 2 or path[0] != "nodes" or not isinstance(path[1], int):
            continue
        names = [step for step in path[2:] if isinstance(step, str) and step != "nodes"]
        found.setdefault(path[1], set()).add(".".join(names))
    return found


def merge(record, fields: dict):
    """Shopify's values onto a CRM record, except that a blank never erases a value."""
    for name, value in fields.items():
        if value in ("", None, []) and getattr(record, name) not in ("", None, []):
            continue
        setattr(record, name, value)


def updates_by_record(records: list[tuple[Parsed, int | None]]):
    """(record, crm id) of the records that update an existing CRM record."""
    return [(record, crm_id) for record, crm_id in records if crm_id is not None]


class Adapter:
    # The pair ------------------------------------------------------------------------------
    object_type: str  # the key everywhere: settings, mappings, URLs ("orders")
    label: str  # as the screens name it ("Orders")
    model: type  # the CRM model
    gid_type: str  # Shopify's type name, as in its GIDs ("Order")
    two_way = False  # contacts, companies and products sync both ways
    # Shopify's admin page of a record: https://{shop}/admin/{admin_path}/{id}.
    admin_path: str
    # Mappings this pair keeps beside its records' own (object type → label): a product's
    # variants.
    child_mappings: dict[str, str] = {}
    # Its records sit in a pipeline's stages, which the Limit step maps to Shopify statuses.
    staged = False

    # Shopify access ------------------------------------------------------------------------
    read_scopes: tuple[str, ...] = ()  # without them the pair cannot sync
    write_scopes: tuple[str, ...] = ()  # without them it cannot push
    # Asked for, but the pair syncs without them (with less): e.g. orders older than 60 days.
    optional_scopes: tuple[str, ...] = ()
    # Scopes Shopify must approve for the app before it may ask for them (an authorize request
    # for one it did not approve ends on Shopify's error page): asked for only when
    # SHOPIFY_APPROVED_SCOPES says so.
    approval_scopes: tuple[str, ...] = ()
    # B2B: Shopify serves the pair on Shopify Plus only.
    requires_plus = False
    # Its topics Shopify serves on Plus only (a non-Plus store is not subscribed to them).
    plus_topics: frozenset[str] = frozenset()
    # The protected customer data the pair reads: the GraphQL field (a path from the record,
    # through connections) → (its kind: NAME, EMAIL, PHONE, ADDRESS; the CRM fields it fills).
    protected_fields: dict[str, tuple[str, tuple[str, ...]]] = {}
    # Webhook topics that name the pair's records → where their body says which: the keys to
    # try in turn, dots going into objects ("company.admin_graphql_api_id"); a number or a GID.
    topics: dict[str, tuple[str, ...]] = {}

    # GraphQL -------------------------------------------------------------------------------
    document: str  # operations named "<X>Bulk", "<X>Changes", "<X>ByIds", "<X>Ids"
    bulk_operation: str
    changes_operation: str
    ids_operation: str
    ids_list_operation: str
    root_field: str  # the root connection, e.g. "customers"
    count_field: str  # the root count, e.g. "customersCount"
    count_takes_query = True  # whether the count takes `query:` (created_at filters)
    # Bulk child lines, by the GID type of their id: which connection of the parent they are.
    child_connections: dict[str, str] = {}
    # Connections a single read may need to page through: key → (operation, path in data).
    child_pages: dict[str, tuple[str, tuple[str, ...]]] = {}
    # Nodes per read-by-ids request, so one request stays under Shopify's 1000-point limit.
    ids_per_request = 50
    # Two-way objects: (operation in `document`, mutation field, field of the record in its
    # payload) for creating and updating the Shopify record.
    create_operation: tuple[str, str, str] | None = None
    update_operation: tuple[str, str, str] | None = None

    # Set-up ---------------------------------------------------------------------------------
    filters: tuple = ()  # sync.filters.Filter, in the Limit step's order
    unfiltered = ""  # what the Limit step says of a pair without filters
    # The field table: Shopify's fields and the CRM's that mappings may name, and what a new
    # sync maps (CRM field, Shopify field).
    shopify_fields: dict[str, fieldmaps.ShopifyField] = {}
    crm_fields: dict[str, fieldmaps.CrmField] = {}
    default_maps: tuple[tuple[str, str], ...] = ()
    # The matching rule: which existing CRM record a record never seen joins, in words, and the
    # CRM fields it reads (their mappings cannot be turned off).
    matching_rule = ""
    matched_by: frozenset[str] = frozenset()
    # CRM models whose saves change this pair's records (pushed when it syncs both ways): model
    # → the attribute that holds the record's id.
    changed_by: dict = {}

    # Derived facts -------------------------------------------------------------------------

    @property
    def scopes(self) -> tuple[str, ...]:
        """Every scope the pair can use (the app asks for those Shopify lets it ask for)."""
        return (*self.read_scopes, *self.write_scopes, *self.optional_scopes)

    def missing_scopes(self, store, *, pushing: bool = False) -> list[str]:
        """The scopes the store did not grant that the pair needs to sync (and to push)."""
        needed = (*self.read_scopes, *(self.write_scopes if pushing else ()))
        return [scope for scope in needed if not store.has_scope(scope)]

    def unavailable(self, store) -> str:
        """Why the pair cannot sync with this store, in words; "" when it can."""
        if self.requires_plus and not store.shopify_plus:
            plan = store.plan or "this plan"
            return f"{self.label} (B2B) need Shopify Plus; the store is on {plan}."
        missing = self.missing_scopes(store)
        if missing:
            return f"Shopify did not grant the app {', '.join(missing)}."
        return ""

    def store_topics(self, store) -> list[str]:
        """The pair's topics a store is subscribed to (those Shopify serves on its plan)."""
        if self.requires_plus and not store.shopify_plus:
            return []
        return [t for t in self.topics if store.shopify_plus or t not in self.plus_topics]

    def directions(self) -> list[tuple[str, str]]:
        if self.two_way:
            return list(Direction.choices)
        return [(Direction.TO_CRM, Direction.TO_CRM.label)]

    def default_direction(self) -> str:
        return Direction.TWO_WAY if self.two_way else Direction.TO_CRM

    @property
    def limit_filters(self) -> tuple:
        """What the Limit step asks: the pair's filters and, for a pair that syncs both ways,
        whether records created in the CRM go to this store."""
        if not self.two_way:
            return tuple(self.filters)
        return (*self.filters, new_crm_records(self.label))

    def default_filters(self) -> dict:
        return {f.key: f.default for f in self.limit_filters if f.default is not None}

    def gid(self, shopify_id: int) -> str:
        return ids.gid(self.gid_type, shopify_id)

    def record_keys(self, topic: str, body: dict) -> list[str]:
        """Keys of the sync's own (mappings' `external_key`) a body names its records by when
        it names no id (the documented checkout bodies carry a token, not an id)."""
        return []

    def remember(self, store, topic: str, body: dict) -> None:
        """Keep what a webhook body says of its record that a read through GraphQL will not
        (a guest checkout's email); nothing, for most pairs."""

    def complete(self, store, records: list[Parsed]) -> None:
        """Add to records read from Shopify what only its webhooks told (see `remember`)."""

    def record_ids(self, topic: str, body: dict) -> list[int]:
        """The records of this pair a webhook body names (none when the topic is not one of
        its own, or the body says no number)."""
        found = []
        for path in self.topics.get(topic, ()):
            value = body
            for key in path.split("."):
                value = value.get(key) if isinstance(value, dict) else None
            number = ids.number_or_none(value)
            if number is not None:
                found.append(number)
                break
        return found

    # The field table -----------------------------------------------------------------------

    def mappable_crm_fields(self) -> dict[str, fieldmaps.CrmField]:
        """The CRM fields a mapping may name (orders add their custom properties)."""
        return self.crm_fields

    def map_direction(self, shopify_field: str) -> str:
        """A default mapping's direction: both ways when Shopify's field can be written."""
        writable = self.shopify_fields[shopify_field].input_key
        return MapDirection.BOTH if writable else MapDirection.TO_CRM

    def ensure_default_maps(self, setting) -> None:
        """Give a sync the pair's default mappings (once; turned-off ones stay off)."""
        if not self.default_maps:
            return
        FieldMapping.objects.bulk_create(
            [
                FieldMapping(
                    setting=setting,
                    crm_field=crm_field,
                    shopify_field=shopify_field,
                    direction=self.map_direction(shopify_field),
                    is_default=True,
                )
                for crm_field, shopify_field in self.default_maps
            ],
            ignore_conflicts=True,
        )

    def active_maps(self, setting) -> list[FieldMapping]:
        """The sync's mappings that are on (the defaults made on first use), each with the
        direction it can really flow: a mapping between kinds (a list to text) only one way,
        whatever was saved."""
        maps = list(setting.field_maps.all())
        if self.default_maps and not any(m.is_default for m in maps):
            self.ensure_default_maps(setting)
            maps = list(setting.field_maps.all())
        crm_fields, active = self.mappable_crm_fields(), []
        for m in maps:
            if not m.enabled:
                continue
            direction = fieldmaps.effective_direction(
                crm_fields.get(m.crm_field), self.shopify_fields.get(m.shopify_field), m.direction
            )
            if direction is not None:
                m.direction = direction
                active.append(m)
        return active

    def shopify_values(self, fields: dict) -> dict:
        """A parsed record's values by Shopify field (parsers give them by CRM field)."""
        return {
            shopify_field: fieldmaps.normal(fields.get(crm_field))
            for crm_field, shopify_field in self.default_maps
        }

    @functools.cache  # noqa: B019 (adapters live as long as the process; a batch converts thousands)
    def converter(self, crm_field: str):
        """What turns a Shopify value into the CRM field's type, looked up once."""
        return fieldmaps.converter(self.model, self.crm_fields[crm_field].kind, crm_field)

    def input_key(self, shopify_field: str) -> str | None:
        spec = self.shopify_fields.get(shopify_field)
        return spec.input_key if spec else None

    # Reading -------------------------------------------------------------------------------

    def parse(self, node: dict) -> Parsed:
        raise NotImplementedError

    def read_nodes(
        self, client: ShopifyClient, shopify_ids: list[int], unreadable: dict | None = None
    ) -> dict[int, dict | None]:
        """The current nodes of these records (None: gone from Shopify), complete with every
        child even past the first page. Fields Shopify withholds (protected customer data)
        come back null, listed under WITHHELD in their node; a node withheld as a whole is
        left out (it is not gone). Asked for in parts Shopify serves (`chunk_sizes`); a record
        too costly even alone is left out, with Shopify's refusal in `unreadable`."""
        found: dict[int, dict | None] = {}
        size = chunk_sizes.size_for(self)
        start = 0
        while start < len(shopify_ids):
            chunk = shopify_ids[start : start + size]
            try:
                response = client.request(
                    self.document,
                    {"ids": [self.gid(shopify_id) for shopify_id in chunk]},
                    self.ids_operation,
                    partial=True,
                )
            except ShopifyTooCostly as refused:
                if len(chunk) == 1:
                    if unreadable is None:
                        raise
                    unreadable[chunk[0]] = refused
                    start += 1
                    continue
                size = chunk_sizes.smaller(len(chunk), refused.cost, refused.max_cost)
                chunk_sizes.remember(self, size)
                continue
            found.update(self._nodes_of(client, chunk, response))
            start += len(chunk)
        return found

    def _nodes_of(self, client, chunk, response) -> dict[int, dict | None]:
        found: dict[int, dict | None] = {}
        withheld = _withheld_by_node(response.denied)
        for index, (shopify_id, node) in enumerate(zip(chunk, response.data["nodes"], strict=True)):
            if "" in withheld.get(index, ()):
                continue  # denied as a whole: out of sight, not gone
            if node is not None and index in withheld:
                node = {**node, WITHHELD: sorted(withheld[index])}
            found[shopify_id] = self._complete(client, node) if node else None
        return found

    def withheld_fields(self, node: dict, known=()) -> frozenset:
        """The CRM fields Shopify withheld from a node (those the read marked, and `known`:
        paths learned from earlier reads, as bulk lines carry no mark)."""
        paths = {*node.get(WITHHELD, ()), *known}
        return frozenset(
            crm_field
            for path in paths
            for crm_field in self.protected_fields.get(path, (None, ()))[1]
        )

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

    # Applying ------------------------------------------------------------------------------

    def exclusion_reason(self, parsed: Parsed, filters: dict) -> str | None:
        """Why the filters keep this record out of the CRM, or None when it syncs."""
        return None

    def match_key(self, record: Parsed) -> str | None:
        """What the matching rule compares of a record (its `matched_by` value, any case);
        None when the record matches nothing."""
        if not self.matched_by:
            return None
        [name] = self.matched_by
        return lower(record.fields.get(name)) or None

    def match_existing(self, store, records: list[Parsed]) -> dict[int, int]:
        """For records the CRM has never seen from this store: the existing CRM records they
        are (shopify id → crm id), by the pair's matching rule — by default the oldest CRM
        record whose `matched_by` field holds the same value, whatever its case."""
        if not self.matched_by:
            return {}
        [name] = self.matched_by
        wanted = {lower(record.fields[name]) for record in records if record.fields[name]}
        existing: dict[str, int] = {}
        for key, crm_id in (
            self.model.objects.annotate(key=Lower(name))
            .filter(key__any=wanted)
            .order_by("id")
            .values_list("key", "id")
        ):
            existing.setdefault(key, crm_id)
        return {
            record.shopify_id: existing[lower(record.fields[name])]
            for record in records
            if lower(record.fields[name]) in existing
        }

    def save(
        self, store, records: list[tuple[Parsed, int | None]], *, defer: bool = False
    ) -> dict[int, int]:
        """Create or update the CRM records (crm id None: create) and what the CRM derives from
        them. Returns shopify id → crm id. `defer`: a bulk run is writing the whole object and
        brings the derived data up to date once, at its end (`after_bulk`)."""
        raise NotImplementedError

    def after_bulk(self, store) -> None:
        """After a bulk run's last batch: the derived data its batches deferred, for the whole
        store. Runs again if the run resumes."""

    def delete(self, store, crm_ids: list[int]) -> None:
        """Apply the pair's deletion rule to CRM records whose Shopify record is gone."""

    # What Shopify hides from the app, in words, when some of the pair's records are hidden.
    out_of_sight = ""

    def sees_all(self, store) -> bool:
        return True

    def count_in_sight(self, store, mappings) -> int:
        """How many of these mappings' records Shopify counts for the app (its count leaves
        out what the app may not see)."""
        return mappings.count()

    def invisible(self, store, shopify_ids) -> set[int]:
        """Those of `shopify_ids` Shopify did not find because the app may not see them (not
        because they are gone): nothing may be deleted or changed for that."""
        return set()

    # Pushing (two-way pairs) ---------------------------------------------------------------

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
        operation, key, record_key = self.update_operation if shopify_id else self.create_operation
        data = client.execute(self.document, self.push_variables(shopify_id, values), operation)
        result = data[key]
        if result["userErrors"]:
            message = "; ".join(
                f"{'.'.join(error['field'] or [])}: {error['message']}".lstrip(": ")
                for error in result["userErrors"]
            )
            raise ShopifyUserError(message, errors=result["userErrors"])
        return self._complete(client, result[record_key])
