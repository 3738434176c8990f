import redis
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Check that Redis answers at REDIS_URL; say how to start it when it does not."

    def handle(self, *args, **options):
        connection = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2)
        try:
            connection.ping()
        except redis.RedisError as error:
            raise CommandError(
                f"Redis does not answer at {_without_password(settings.REDIS_URL)} ({error}).\n"
                "The workers and the cron process need it. Start a local Redis with:\n"
                "    redis-server --daemonize yes --port 6379 --save '' --appendonly no\n"
                "or point REDIS_URL (in .env) at a Redis that runs."
            ) from None
        self.stdout.write(f"Redis answers at {_without_password(settings.REDIS_URL)}.")


def _without_password(url):
    scheme, _, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return f"{scheme}://{rest}"
