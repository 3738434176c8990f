"""Shopify's cost budget for one store, mirrored in Redis so every worker on every machine
paces itself by the same bucket.

Shopify gives each app on each store a leaky bucket of points (`throttleStatus`): it refills at
`restoreRate` points a second up to `maximumAvailable`, and each query costs points. Before a
request a worker reserves its estimated cost here, waiting as long as the bucket needs to hold
it; after the response it records what Shopify says is left, which corrects every estimate.
"""

from __future__ import annotations

import functools
import time

import redis
from django.conf import settings

# Before Shopify has answered once: the Standard plan's budget (100 points/s) in a small bucket.
DEFAULT_MAXIMUM = 1000.0
DEFAULT_RESTORE_RATE = 100.0
STATE_TTL_SECONDS = 3600

# Reserve `cost` points if the bucket (refilled since it was last seen) holds them: returns 0.
# Otherwise returns how many seconds until it will. Atomic, so concurrent workers never both
# spend the same points.
_RESERVE = """
local state = redis.call('HMGET', KEYS[1], 'available', 'maximum', 'rate', 'at')
local now = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
local maximum = tonumber(state[2]) or tonumber(ARGV[3])
local rate = tonumber(state[3]) or tonumber(ARGV[4])
local available = tonumber(state[1]) or maximum
local at = tonumber(state[4]) or now
available = math.min(maximum, available + math.max(now - at, 0) * rate)
cost = math.min(cost, maximum)
-- (a hair of slack: sums of float refills fall just short of the cost they reach)
local wait = 0
if available + 0.000001 >= cost then
  available = available - cost
else
  wait = (cost - available) / rate
end
redis.call('HSET', KEYS[1], 'available', available, 'maximum', maximum, 'rate', rate, 'at', now)
redis.call('EXPIRE', KEYS[1], ARGV[5])
return tostring(wait)
"""


@functools.cache
def _connection() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


class CostLimiter:
    def __init__(self, shop_domain: str, connection=None, clock=time.time, sleep=time.sleep):
        self.key = f"shopify:throttle:{shop_domain}"
        self.redis = connection or _connection()
        self._reserve = self.redis.register_script(_RESERVE)
        self.clock, self.sleep = clock, sleep

    def acquire(self, cost: float):
        """Wait until the store's bucket can pay `cost`, then take it."""
        while True:
            wait = float(
                self._reserve(
                    keys=[self.key],
                    args=[
                        self.clock(),
                        cost,
                        DEFAULT_MAXIMUM,
                        DEFAULT_RESTORE_RATE,
                        STATE_TTL_SECONDS,
                    ],
                )
            )
            if wait <= 0:
                return
            self.sleep(wait)

    def observe(self, throttle_status: dict):
        """Shopify's own account of the bucket, after a response: it replaces the estimate."""
        if not throttle_status:
            return
        self.redis.hset(
            self.key,
            mapping={
                "available": float(throttle_status["currentlyAvailable"]),
                "maximum": float(throttle_status["maximumAvailable"]),
                "rate": float(throttle_status["restoreRate"]),
                "at": self.clock(),
            },
        )
        self.redis.expire(self.key, STATE_TTL_SECONDS)
