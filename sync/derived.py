"""Data derived from many synced records: customer totals, each contact's first-order mark,
guest orders and carts linked to the contact with their email, and what listens to
`store_records_changed` (the dashboards' aggregates).

A webhook or a refresh keeps it current record by record. A bulk run (a whole object) defers
it: recomputing the same contacts batch after batch cost more than writing the records, linking
guest orders per batch read every unlinked order of the store each time, and the aggregates
were rebuilt over and over while the batches came in. The run brings it up to date once, for
the whole store, after its last batch (`Adapter.after_bulk`); a run killed before that does it
when it resumes, so nothing is lost.
"""

from __future__ import annotations

import contextlib
import contextvars

from django.db.models import Max, Min

from crm.signals import store_records_changed

# Records announced per signal when a whole store is (a range of ids each).
ANNOUNCE_CHUNK = 5000

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


def announce_store(model, shop_domain: str, ids_argument: str) -> None:
    """Say that every `model` record of the store changed (`ids_argument`: the signal's
    argument for them), one range of ids at a time, so memory stays the same whatever the
    store's size."""
    records = model.objects.filter(source_store=shop_domain).order_by()
    bounds = records.aggregate(low=Min("id"), high=Max("id"))
    if bounds["low"] is None:
        return
    for start in range(bounds["low"], bounds["high"] + 1, ANNOUNCE_CHUNK):
        ids = list(
            records.filter(pk__gte=start, pk__lt=start + ANNOUNCE_CHUNK).values_list(
                "id", flat=True
            )
        )
        if ids:
            store_records_changed.send(sender=model, store=shop_domain, **{ids_argument: ids})
