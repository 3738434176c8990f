"""Requests per minute per application, counted in Redis so every web process shares the
count; over it, 429 with Retry-After (the seconds left in the minute)."""

import functools
import logging
import time

import redis
from django.conf import settings
from redis.exceptions import RedisError
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    # One connection pool per process, not a new connection per request.
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


class PerApplication(BaseThrottle):
    def allow_request(self, request, view):
        token = request.auth
        if token is None:  # refused before this (401) or a public page
            return True
        application = token.application
        now = time.time()
        window = int(now // 60)
        self.remaining = 60 - now % 60
        key = f"api:rate:{application.pk}:{window}"
        try:
            with _client(settings.REDIS_URL).pipeline() as pipe:
                pipe.incr(key)
                pipe.expire(key, 120)
                count, _ = pipe.execute()
        except RedisError:
            # The limiter is down, not the API: serve the request.
            logger.warning("API rate limit not checked: Redis is unreachable")
            return True
        return count <= application.requests_per_minute

    def wait(self):
        return max(1, round(self.remaining))
