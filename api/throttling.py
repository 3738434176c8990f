"""Requests per minute per application, counted in Redis so every web process shares the
count; over it, 429 with Retry-After (the seconds left in the minute)."""

import logging
import time

import django_rq
from redis.exceptions import RedisError
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)


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
            connection = django_rq.get_connection("default")
            with connection.pipeline() as pipe:
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
