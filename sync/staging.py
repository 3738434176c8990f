"""A bulk export staged in PostgreSQL, and its records assembled there.

Shopify writes a bulk export's child lines (an order's line items, a company's locations) as
lines of their own with `__parentId`, and since 2026-01 does not group them under their parent
unless asked (`groupObjects: false` is the default, and Shopify asks apps not to group: it is
slower and times out more). A child may come anywhere in the file. So the file is COPied as it
streams into an unlogged table of the run, and each batch of records is assembled by one query:
its roots in file order, each with its children found by `__parentId` and ordered by their id
(as Shopify's connections order them), shaped exactly as a read by id answers, so the adapters
parse both the same way. Memory stays bounded by the batch, whatever the file's size.

The table lives as long as the run: loaded in one transaction (a load cut short leaves
nothing, and starts over), dropped when the run ends. Unlogged, because it can always be
loaded again from Shopify's file: a database crash empties it, and the run loads it again.
https://shopify.dev/docs/api/admin-graphql/latest/mutations/bulkOperationRunQuery (groupObjects)
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

import orjson
import psycopg
import psycopg.adapt
from django.db import connection, transaction

from integration import cleaning, ids

log = logging.getLogger(__name__)

PREFIX = "sync_bulk_run_"
# Lines written to COPY at a time.
COPY_CHUNK = 2000
# JSON whitespace COPY's text format would take for a delimiter or an escape.
COPY_SPECIAL = (b"\t", b"\r")
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


class _JsonLoader(psycopg.adapt.Loader):
    """Text that holds JSON, parsed by orjson straight from PostgreSQL's bytes."""

    def load(self, data):
        return orjson.loads(data)


def table_name(run_id: int) -> str:
    return f"{PREFIX}{int(run_id)}"


class StagedExport:
    """The staged lines of one run's export, for one object pair."""

    def __init__(self, run_id: int, adapter):
        self.table = table_name(run_id)
        self.adapter = adapter

    # Loading ------------------------------------------------------------------------------

    def is_loaded(self, lines: int | None) -> bool:
        """Whether the table holds the `lines` a load counted (a crash empties an unlogged
        table; a dropped one is gone)."""
        if lines is None:
            return False
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [self.table])
            if not cursor.fetchone()[0]:
                return False
            cursor.execute(f"SELECT count(*) FROM {self.table}")  # noqa: S608 (our own name)
            return cursor.fetchone()[0] == lines

    def load(self, lines: Iterable[tuple[int, bytes]]) -> tuple[int, int]:
        """COPY the export's lines into a fresh table of the run, in one transaction, as they
        stream. Returns (lines loaded, lines refused: not a JSON object with a string id).

        Each line is parsed here, once (orjson checks it is one JSON value, and gives its id
        and parent); it is stored as the text Shopify wrote, so reading it back costs one
        more parse and nothing else."""
        loaded = refused = 0
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
            cursor.execute(
                f"CREATE UNLOGGED TABLE {self.table} "
                "(line integer NOT NULL, gid text NOT NULL, parent text, body text NOT NULL)"
            )
            with cursor.copy(f"COPY {self.table} (line, gid, parent, body) FROM STDIN") as copy:
                chunk = []
                for number, raw in lines:
                    row = _copy_row(number, raw)
                    if row is None:
                        refused += 1
                        continue
                    chunk.append(row)
                    loaded += 1
                    if len(chunk) == COPY_CHUNK:
                        copy.write(b"".join(chunk))
                        chunk = []
                if chunk:
                    copy.write(b"".join(chunk))
            cursor.execute(f"CREATE INDEX ON {self.table} (parent)")
            cursor.execute(f"CREATE INDEX ON {self.table} (line) WHERE parent IS NULL")
            cursor.execute(f"ANALYZE {self.table}")
        if refused:
            log.warning("%s: %s lines are not records: left out", self.table, refused)
        return loaded, refused

    # Reading ------------------------------------------------------------------------------

    def batches(self, after_line: int, size: int) -> Iterator[list[tuple[int, dict]]]:
        """The records after `after_line`, `size` at a time, each complete with its children,
        shaped as a read by id answers: [(line of the record, node)]."""
        # Each root with its children as one JSON array, ordered by id (as Shopify's
        # connections order them: the ids of one kind share their prefix, so the shorter is
        # the smaller). Every line was checked to be one JSON object as it was loaded, so the
        # array holds exactly the child lines.
        query = f"""
            SELECT root.line, root.body, (
                SELECT '[' || string_agg(
                    child.body, ',' ORDER BY length(child.gid), child.gid, child.line
                ) || ']'
                FROM {self.table} child WHERE child.parent = root.gid
            )
            FROM {self.table} root
            WHERE root.parent IS NULL AND root.line > %s
            ORDER BY root.line
            LIMIT %s
        """  # noqa: S608 (our own table)
        while True:
            with connection.cursor() as cursor:
                cursor.cursor.adapters.register_loader("text", _JsonLoader)
                cursor.execute(query, [after_line, size])
                rows = cursor.fetchall()
            if not rows:
                return
            yield [(line, self._assembled(body, children)) for line, body, children in rows]
            after_line = rows[-1][0]

    def _assembled(self, body: dict, children: list[dict] | None) -> dict:
        """A record with each child connection as {"nodes": [...]}, `__parentId` dropped.
        Children of kinds the pair does not read are left out."""
        body.pop("__parentId", None)
        connections = self.adapter.child_connections
        for key in connections.values():
            body[key] = {"nodes": []}
        for child in children or ():
            key = connections.get(ids.kind(child.get("id")))
            if key is not None:
                child.pop("__parentId", None)
                body[key]["nodes"].append(child)
        return body

    def orphans(self) -> int:
        """Child lines whose parent is not in the export: no record takes them, so they are
        never applied (Shopify would not write them; for support and tests to count)."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT count(*) FROM {self.table} child
                    WHERE child.parent IS NOT NULL AND NOT EXISTS (
                        SELECT 1 FROM {self.table} root WHERE root.gid = child.parent
                    )"""  # noqa: S608
            )
            return cursor.fetchone()[0]

    def drop(self) -> None:
        drop(self.table)


def drop(table: str) -> None:
    if not table.startswith(PREFIX) or not table.removeprefix(PREFIX).isdigit():
        raise ValueError(f"not a staging table: {table}")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def staged_run_ids() -> list[int]:
    """The runs that have a staging table (for the sweep that drops those of ended runs)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename LIKE %s",
            [f"{PREFIX}%"],
        )
        names = [row[0] for row in cursor.fetchall()]
    return [int(name.removeprefix(PREFIX)) for name in names if name.removeprefix(PREFIX).isdigit()]


def _copy_row(number: int, raw: bytes) -> bytes | None:
    """The COPY row (line, id, parent, JSON) of one line, or None for a line that is not a
    JSON object with a string id. The line is kept as written unless it carries NUL (which
    the CRM's text refuses: taken out of the strings that hold it) or whitespace COPY would
    read as its own; then it is written again, compact, by orjson."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        log.info("bulk line %s is not JSON: left out", number)
        return None
    if not isinstance(value, dict) or not isinstance(value.get("id"), str):
        log.info("bulk line %s has no id: left out", number)
        return None
    if cleaning.ESCAPED_NUL in raw:
        value = cleaning.without_nul(value)
        raw = orjson.dumps(value)
    elif any(special in raw for special in COPY_SPECIAL):
        raw = orjson.dumps(value)
    parent = value.get("__parentId")
    parent = _copy_text(parent) if isinstance(parent, str) else rb"\N"
    return b"%d\t%s\t%s\t%s\n" % (
        number,
        _copy_text(value["id"]),
        parent,
        raw.replace(b"\\", b"\\\\"),
    )


def _copy_text(value: str) -> bytes:
    return value.translate(COPY_ESCAPES).encode()
