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
from django.db import connection, transaction

log = logging.getLogger(__name__)

PREFIX = "sync_bulk_run_"
# Lines written to COPY at a time.
COPY_CHUNK = 2000
# One child connection of a record, as a read by id answers it: {"nodes": [...]}, by id.
CHILD_CONNECTION = (
    " || jsonb_build_object('{key}', jsonb_build_object('nodes', COALESCE(("
    "SELECT jsonb_agg(child.body - '__parentId' ORDER BY child.number, child.line) "
    "FROM {table} child WHERE child.parent = root.gid AND child.kind = '{kind}'"
    "), '[]'::jsonb)))"
)


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
        """COPY the export's lines into a fresh table of the run, in one transaction.
        Returns (lines loaded, lines refused: not a JSON object with an id)."""
        loaded = refused = 0
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
            cursor.execute(
                f"""CREATE UNLOGGED TABLE {self.table} (
                    line integer NOT NULL,
                    body jsonb NOT NULL,
                    gid text GENERATED ALWAYS AS (body ->> 'id') STORED,
                    parent text GENERATED ALWAYS AS (body ->> '__parentId') STORED,
                    kind text GENERATED ALWAYS AS (split_part(body ->> 'id', '/', 4)) STORED,
                    number bigint GENERATED ALWAYS AS (
                        substring(body ->> 'id' from '^gid://shopify/[A-Za-z]+/([0-9]{{1,18}})')::bigint
                    ) STORED
                )"""
            )
            with cursor.copy(f"COPY {self.table} (line, body) FROM STDIN") as copy:
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
            cursor.execute(f"CREATE INDEX ON {self.table} (parent, kind, number)")
            cursor.execute(f"CREATE INDEX ON {self.table} (line) WHERE parent IS NULL")
            cursor.execute(f"ANALYZE {self.table}")
        return loaded, refused

    # Reading ------------------------------------------------------------------------------

    def batches(self, after_line: int, size: int) -> Iterator[list[tuple[int, dict]]]:
        """The records after `after_line`, `size` at a time, each complete with its children:
        [(line of the record, node)]."""
        query = self._assembly_query()
        while True:
            with connection.cursor() as cursor:
                cursor.execute(query, [after_line, size])
                rows = cursor.fetchall()
            if not rows:
                return
            yield [(line, orjson.loads(node)) for line, node in rows]
            after_line = rows[-1][0]

    def _assembly_query(self) -> str:
        """One row per record: the root line with each child connection as {"nodes": [...]},
        its children ordered by id, `__parentId` dropped."""
        connections = self.adapter.child_connections.items()
        if not all(kind.isidentifier() and key.isidentifier() for kind, key in connections):
            raise ValueError("child connections are declared as identifiers")
        children = "".join(
            CHILD_CONNECTION.format(key=key, table=self.table, kind=kind)
            for kind, key in connections
        )
        return f"""
            SELECT root.line, ((root.body - '__parentId'){children})::text
            FROM {self.table} root
            WHERE root.parent IS NULL AND root.line > %s
            ORDER BY root.line
            LIMIT %s
        """  # noqa: S608 (our own table and the adapter's declared names)

    def orphans(self) -> int:
        """Child lines whose parent is not in the export (Shopify would not write them; the
        count is reported, they are not applied)."""
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
    """The COPY text row of one line, or None for a line that is not a JSON object with a
    string id. JSON has no raw tabs or newlines; its backslashes are doubled for COPY. NUL,
    which jsonb refuses, is taken out of the strings that carry it."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        log.warning("bulk line %s is not JSON: left out", number)
        return None
    if not isinstance(value, dict) or not isinstance(value.get("id"), str):
        log.warning("bulk line %s has no id: left out", number)
        return None
    if b"\\u0000" in raw:
        raw = orjson.dumps(_without_nul(value))
    return b"%d\t%s\n" % (number, raw.replace(b"\\", b"\\\\"))


def _without_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {key.replace("\x00", ""): _without_nul(item) for key, item in value.items()}
    return value
