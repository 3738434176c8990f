"""Keeping the aggregates current: a sync batch announces what it wrote
(crm.signals.store_records_changed); the days it touched are added to a Redis set per store and
one job per store (coalesced) rebuilds them. The job reads the set, rebuilds, then removes
only what it rebuilt: killed halfway, the days are still there for the next one."""

from __future__ import annotations

import datetime

import django_rq
import redis
from django.conf import settings
from django.db import transaction

from dashboards import aggregates

PENDING_TTL = 600


def _redis():
    return redis.Redis.from_url(settings.REDIS_URL)


def _days_key(store: str) -> str:
    return f"dashboards:days:{store}"


def _job_key(store: str) -> str:
    return f"dashboards:refresh-pending:{store}"


def records_changed(sender, *, store, order_ids=(), cart_ids=(), days=(), **kwargs):
    touched = aggregates.days_touched(store, order_ids, cart_ids) | set(days)
    # Stage counts follow too (a re-staging touches no day).
    transaction.on_commit(lambda: queue_days(store, touched))


def queue_days(store: str, days) -> None:
    connection = _redis()
    if days:
        connection.sadd(_days_key(store), *[day.isoformat() for day in days])
    if connection.set(_job_key(store), 1, nx=True, ex=PENDING_TTL):
        django_rq.get_queue("default").enqueue(refresh_store, store, job_timeout=3600)


def refresh_store(store: str) -> int:
    """The job: rebuild the store's pending days. Returns how many."""
    connection = _redis()
    connection.delete(_job_key(store))  # from now on, new days queue a new job
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
