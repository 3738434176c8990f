"""How many records one read by id asks Shopify for, per object pair.

Each pair declares a size that keeps a read under Shopify's 1,000-point limit by the published
cost model, but real fields can cost more (Shopify says so), and a read over the limit is
refused whole (MAX_COST_EXCEEDED). A refused read is asked again in parts small enough by the
cost Shopify reported, down to one record, and the size that worked is remembered for every
worker (in Redis; without Redis, the declared size is tried first again).
https://shopify.dev/docs/api/usage/limits#graphql-admin-api-rate-limits
"""

from __future__ import annotations

import contextlib
import logging

import redis

from config import queues

log = logging.getLogger(__name__)

KEY = "sync:ids_per_request"


def size_for(adapter) -> int:
    """The size to ask for: the one that last worked, never more than the declared one."""
    try:
        remembered = queues.client().hget(KEY, adapter.object_type)
    except redis.RedisError:
        remembered = None
    if remembered is None:
        return adapter.ids_per_request
    try:
        return max(1, min(int(remembered), adapter.ids_per_request))
    except ValueError:
        return adapter.ids_per_request


def smaller(asked: int, cost: int | None, max_cost: int | None) -> int:
    """A size that fits, from a refused read of `asked` records: the part of it the reported
    cost allows (a tenth to spare), else half."""
    if cost and max_cost and cost > max_cost:
        fitting = int(asked * max_cost * 0.9 / cost)
    else:
        fitting = asked // 2
    return max(1, min(fitting, asked - 1))


def remember(adapter, size: int) -> None:
    log.info("reads of %s by id: %s records at a time from now on", adapter.object_type, size)
    # Without Redis, the next read starts from the declared size and shrinks again.
    with contextlib.suppress(redis.RedisError):
        queues.client().hset(KEY, adapter.object_type, size)
