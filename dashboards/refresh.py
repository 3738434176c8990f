"""Keeping the aggregates current: whoever writes orders and carts announces it
(crm.signals.store_records_changed, sent by crm.services); the days touched are added to a
Redis set per store and one job per store (queued once) rebuilds them. The job reads the set,
rebuilds, then removes only what it rebuilt: killed halfway, the days are still there for the
next one."""

from __future__ import annotations

import datetime

from django.db import transaction

from config import queues
from dashboards import aggregates


def _days_key(store: str) -> str:
    return f"dashboards:days:{store}"


def records_changed(sender, *, store, order_ids=(), cart_ids=(), days=(), **kwargs):
    touched = aggregates.days_touched(store, order_ids, cart_ids) | set(days)
    # Stage counts follow too (a re-staging touches no day).
    transaction.on_commit(lambda: queue_days(store, touched))


def queue_days(store: str, days) -> None:
    if days:
        queues.client().sadd(_days_key(store), *[day.isoformat() for day in days])
    queues.enqueue("refresh_aggregates", store, once=True)


def refresh_store(store: str) -> int:
    """The job: rebuild the store's pending days. Returns how many."""
    connection = queues.client()
    pending = connection.smembers(_days_key(store))
    days = [datetime.date.fromisoformat(day.decode()) for day in pending]
    aggregates.rebuild_days(store, days)
    aggregates.rebuild_stages(store)
    if pending:
        connection.srem(_days_key(store), *pending)
    return len(days)


def rebuild_everything() -> None:
    """Nightly: every store from scratch (the same rows the incremental path keeps)."""
    for store in aggregates.stores():
        aggregates.rebuild_store(store)
