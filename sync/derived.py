"""Data derived from many synced records: customer totals, each contact's first-order mark, and
guest orders and carts linked to the contact with their email.

A webhook or a refresh keeps it current record by record. A bulk run (a whole object) defers
it: recomputing the same contacts batch after batch cost more than writing the records, and
linking guest orders per batch read every unlinked order of the store each time. The run brings
it up to date once, for the whole store, after its last batch (`Adapter.after_bulk`); a run
killed before that does it when it resumes, so nothing is lost.
"""

from __future__ import annotations

import contextlib
import contextvars

_deferred = contextvars.ContextVar("sync_derived_deferred", default=False)


@contextlib.contextmanager
def deferred():
    """Within it, batches leave derived data to the end of the bulk run."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


def is_deferred() -> bool:
    return _deferred.get()
