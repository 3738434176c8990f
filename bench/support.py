"""What every benchmark needs: its own PostgreSQL database and Redis database, the emulator,
real worker processes, and their peak memory."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

ROOT = Path(__file__).resolve().parents[1]

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/crm_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
APP_KEY, APP_SECRET = "bench-app", "bench-app-secret"
# The app as Shopify approved it (read_all_orders, every protected customer field), on a Plus
# shop whose cost bucket is pinned to the standard plan's (2000 points, 100/s): the figures
# the earlier runs were measured with, so the numbers compare.
APPROVED_APP = {
    "approved_scopes": ["read_all_orders"],
    "protected_data": {"level": 2, "fields": ["name", "email", "phone", "address"]},
}
STANDARD_BUCKET = {"bucket_size": 2000, "restore_rate": 100}


def environment(shopify_base_url: str, **extra: str) -> dict[str, str]:
    """The settings of the benchmark's processes (no `.env`, no secrets of anyone's)."""
    return {
        **os.environ,
        "READ_ENV_FILE": "false",
        # As in production: DEBUG off (Django would otherwise keep every query in memory),
        # with keys made for this run only.
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "SHOPIFY_API_KEY": APP_KEY,
        "SHOPIFY_API_SECRET": APP_SECRET,
        "SHOPIFY_BASE_URL": shopify_base_url,
        # The app is approved for read_all_orders (APPROVED_APP): every order syncs, not only
        # the last 60 days.
        "SHOPIFY_APPROVED_SCOPES": "read_all_orders",
        # Webhooks go nowhere in a benchmark (the emulator drops them): the runs poll.
        "APP_URL": "http://127.0.0.1:9",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def fresh_database():
    """Drop and create the benchmark's database (never the app's or the tests')."""
    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    if not name.endswith("bench"):
        sys.exit(f"BENCH_DATABASE_URL must name a database ending in 'bench', not {name!r}")
    server = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def fresh_app():
    """A new benchmark database, migrated, an empty Redis, and Django set up on them (the
    environment must already hold `environment()`'s settings)."""
    from django.apps import apps

    if apps.ready:  # a second run in this process: its connection would be cut by the drop
        from django.db import connections

        connections.close_all()
    fresh_database()
    empty_redis()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    settle_disk()


def settle_disk():
    """Write out what earlier benchmarks left to be written (PostgreSQL's dirty buffers, then
    the system's dirty pages): otherwise the next measurement's commits wait behind gigabytes
    of another benchmark's writes, and measure those. (CHECKPOINT needs a superuser, which the
    benchmarks' database user is by default; without one, only the system's pages go.)"""
    from django.db import DatabaseError, connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    except DatabaseError:
        pass
    os.sync()


def empty_redis():
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


class Workers:
    """`manage.py rqworker` processes, as in production, except that each runs its jobs in
    itself (SimpleWorker) rather than in a forked child: its peak resident memory (VmHWM)
    is then the peak of every job it ran, read exactly at the end."""

    def __init__(
        self,
        count: int,
        env: dict[str, str],
        queues=("webhooks", "sync", "default"),
        label: str = "bench",
        nice: int = 0,
    ):
        """`nice`: the processes run at that lower CPU priority, as the Procfile runs the
        `syncworker` (`nice -n 10`)."""
        self.processes = [
            subprocess.Popen(  # noqa: S603 (our own manage.py, fixed arguments)
                [
                    sys.executable,
                    "manage.py",
                    "rqworker",
                    *queues,
                    "--with-scheduler",
                    "--worker-class",
                    "rq.worker.SimpleWorker",
                    "--name",
                    f"{label}-{index}-{os.getpid()}",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                preexec_fn=(lambda: os.nice(nice)) if nice else None,
            )
            for index in range(count)
        ]

    def peak_memory_mb(self) -> list[float]:
        return [peak_rss_mb(process.pid) for process in self.processes]

    def stop(self):
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wait_for(condition, *, timeout: float, every: float = 0.5, report=None):
    deadline = time.monotonic() + timeout
    last_report = time.monotonic()
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the benchmark did not finish in time")
        if report and time.monotonic() - last_report >= 10:
            report()
            last_report = time.monotonic()
        time.sleep(every)


RESULTS = ROOT / "var" / "bench"


def report(name: str, result: dict, text: str):
    """Print a benchmark's sentence and keep its figures (var/bench/NAME.json) for the table
    `python -m bench.summary` prints at the end of `make bench`."""
    import json

    print(text, flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2, default=str))
