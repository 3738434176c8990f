"""The job queues: the table of every job the product queues (what it runs, on which queue, for
how long at most, and how it is retried), queueing them, and the Redis client and locks jobs
share. One module, so queueing works the same way everywhere.

A job is queued by its name in the table, never by importing the function that does it: the
code that asks for work and the code that does it need not know each other (the worker finds
the function by its dotted path, as rq itself does). Jobs are sent once the surrounding
transaction commits, so a worker never reads rows that are not there yet, or never will be.

Queues: `webhooks` (what Shopify sends, listed first by every worker), `sync` (long runs over a
whole object) and `default` (the rest).
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import gc
import secrets
from dataclasses import dataclass

import django_rq
import redis
from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string
from rq import Retry, Worker, get_current_job, worker_registration

MINUTE, HOUR = 60, 3600


@dataclass(frozen=True)
class Job:
    function: str  # its dotted path
    queue: str
    timeout: int  # seconds before the worker stops it
    retry: tuple[int, ...] = ()  # when it raises: the pauses before each new try


JOBS = {
    # A store's webhook deliveries, oldest first: the records they name are read and applied.
    "process_deliveries": Job("sync.deliveries.process_store", "webhooks", 10 * MINUTE),
    # Some records read and applied again on request (a failing record's resync).
    "refresh_records": Job("sync.engine.refresh_records", "webhooks", 10 * MINUTE),
    # A CRM change sent to Shopify; Shopify down or throttling: again a little later (the
    # sweep catches what the retries miss).
    "push_record": Job("sync.push.push_record", "default", 10 * MINUTE, retry=(10, 60, 300)),
    # A whole object through a bulk operation: an initial sync, a resync, a re-staging.
    "run_bulk": Job("sync.runs.run_bulk", "sync", 6 * HOUR),
    # What changed in Shopify since the watermark.
    "reconcile": Job("sync.runs.reconcile", "sync", HOUR),
    # A store's webhook subscriptions compared with its syncs' topics; what Shopify deleted
    # is created again.
    "check_subscriptions": Job("sync.subscriptions.check", "default", 10 * MINUTE),
    # Every id and update time compared with Shopify.
    "check_drift": Job("sync.runs.check_drift", "sync", 6 * HOUR),
    # The report aggregates of a store's changed days.
    "refresh_aggregates": Job("dashboards.refresh.refresh_store", "default", HOUR),
    # A follow-up rule's webhook: again after 30 s, 2 min, 10 min and 1 h, then it has failed.
    "send_trigger": Job("crm.triggers.send", "default", MINUTE, retry=(30, 120, 600, 3600)),
}

# A queued job's key outlives any normal wait in the queue; if the job is lost, the next
# trigger after this long queues a new one.
PENDING_KEY_TTL = 10 * MINUTE


def enqueue(name: str, *args, once: bool = False, delay: int = 0) -> None:
    """Queue the job `name` with `args` when the surrounding transaction commits (at once
    outside one), `delay` seconds later if given. `once`: not while the same job with the same
    arguments waits to start, so a burst of triggers shares one job; it counts as started as
    soon as it starts, since it may already have read what a later trigger is about. (Not a
    fixed job id: rq may still hold a dead worker's job under it.)"""
    job = JOBS[name]
    key = once_key(name, *args) if once else None

    def send():
        if key and not client().set(key, 1, nx=True, ex=PENDING_KEY_TTL + delay):
            return
        options = {
            "job_timeout": job.timeout,
            "retry": Retry(max=len(job.retry), interval=list(job.retry)) if job.retry else None,
            "description": f"{name}{args}",
        }
        queue = get_queue(job.queue)
        if delay:
            queue.enqueue_in(
                datetime.timedelta(seconds=delay), perform, name, key, *args, **options
            )
        else:
            queue.enqueue(perform, name, key, *args, **options)

    transaction.on_commit(send)


def once_key(name: str, *args) -> str:
    """The key a job queued `once` waits under."""
    return f"queued:{name}:{':'.join(str(arg) for arg in args)}"


def perform(name: str, key: str | None, *args):
    """What the worker runs for every job: lets the job's key go, then does the job."""
    _freeze_startup_heap()
    if key:
        client().delete(key)
    return import_string(JOBS[name].function)(*args)


@functools.cache
def _freeze_startup_heap():
    """Once per process (a forked job's or the worker's own): what the process holds when its
    first job starts (Django, the app, the worker) is moved out of the cyclic garbage
    collector's sight. It would otherwise walk all of it at each full collection, and a bulk
    run's batches, thousands of parsed records each, start one every few batches: freezing
    halves the time a run spends reading them. Garbage is still freed as it was (reference
    counts); only cycles among the frozen objects would never be.
    https://docs.python.org/3/library/gc.html#gc.freeze"""
    gc.freeze()


def get_queue(name: str):
    return django_rq.get_queue(name, connection=client())


def waiting(name: str) -> int:
    """How many jobs wait on the queue `name` (none are counted when Redis cannot say)."""
    try:
        return get_queue(name).count
    except redis.RedisError:
        return 0


def others_take(name: str) -> bool:
    """Whether a worker other than the one running this job listens on the queue `name`
    (rq's registry of workers; False when Redis cannot say)."""
    job = get_current_job()
    mine = f"{Worker.redis_worker_namespace_prefix}{job.worker_name}" if job else None
    try:
        listening = worker_registration.get_keys(get_queue(name))
    except redis.RedisError:
        return False
    return any(key != mine for key in listening)


# Let a lock go only if it is still this holder's (it may have expired and been taken).
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


@contextlib.contextmanager
def lock(key: str, seconds: int):
    """Whether this process holds `key` now: one holder at a time, until it lets go or
    `seconds` pass (its worker may be killed; then the next one takes over)."""
    token = secrets.token_hex(8)
    mine = bool(client().set(key, token, nx=True, ex=seconds))
    try:
        yield mine
    finally:
        if mine:
            client().eval(_RELEASE, 1, key, token)


def client() -> redis.Redis:
    """This process's Redis client (one connection pool)."""
    return _client(settings.REDIS_URL)


@functools.lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    # One client, and so one connection pool, per process: a client made per call opens a new
    # TCP connection for every webhook the intake queues.
    return redis.Redis.from_url(url, socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT)
