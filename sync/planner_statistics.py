"""PostgreSQL's planner statistics kept current while a bulk run writes.

An initial sync takes the CRM's tables from a few rows to millions in minutes, and PostgreSQL
plans each batch's lookups (mappings by id, orders by name, contacts by email) from what the
last ANALYZE saw. Autovacuum analyzes a table once a tenth of it changed, looking at each
database once a minute at most, and not at all where it is turned off: a run can spend most of
its time in plans made for tables a fraction of their size. PostgreSQL's advice after a bulk
load is to ANALYZE (https://www.postgresql.org/docs/current/populate.html#POPULATE-ANALYZE);
a bulk run takes it as it goes: every few batches, the tables changed by more than a fifth since
their last ANALYZE (whoever ran it: this, autovacuum, a person) are analyzed. Each ANALYZE reads
a sample of the table (30,000 rows at most), so this costs a fraction of a second at a time,
and, as the threshold grows with the table, a handful of times per table over a whole run.
"""

from __future__ import annotations

import logging

from django.db import connection

from sync import staging

log = logging.getLogger(__name__)

# Batches between two looks at the statistics (each look is one query of pg_stat_user_tables).
BATCHES_PER_LOOK = 10
# A table is analyzed once it changed by this share of its rows, plus MIN_CHANGES (so a small
# table is not analyzed again and again while it fills).
SHARE_CHANGED = 0.2
MIN_CHANGES = 5_000


def stale_tables() -> list[str]:
    """The tables of this schema changed enough since their last ANALYZE to be analyzed again.
    A run's staging table is analyzed when it is loaded, and not changed after."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT relname FROM pg_stat_user_tables
            WHERE schemaname = current_schema()
              AND n_mod_since_analyze > %s + %s * greatest(n_live_tup, 0)
              AND relname NOT LIKE %s
            ORDER BY relname
            """,
            [MIN_CHANGES, SHARE_CHANGED, f"{staging.PREFIX}%"],
        )
        return [row[0] for row in cursor.fetchall()]


def analyze_stale_tables() -> list[str]:
    """ANALYZE the tables `stale_tables` names, each in its own statement (outside a batch's
    transaction: it takes a lock that only other ANALYZEs and schema changes wait for).
    Returns their names."""
    tables = stale_tables()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {quote(table)}")
    if tables:
        log.info("analyzed %s", ", ".join(tables))
    return tables
