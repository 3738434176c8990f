"""Redis restarts empty in the middle of a sync, as one without persistence that crashed does:
every queued job, lock and "queued once" key is gone. Shopify goes on sending webhooks
meanwhile. Once Redis is back, the workers (started again by their supervisor when they
exited) and the cron entries that find lost work bring the sync to its end, and the CRM holds
exactly what Shopify holds: nothing lost, nothing twice."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.db.models import Count

from config import queues
from crm.models import Contact, Order, OrderLineItem
from integration import limiter
from sync import deliveries, push, runs, services
from sync.adapters import scopes
from sync.models import (
    DeliveryState,
    RecordMapping,
    RunStatus,
    SyncRun,
    SyncSetting,
    SyncState,
    WebhookDelivery,
)
from tests.sync.e2e.conftest import NOW, SHOP, moment, number, shop_data

REDIS_SERVER = shutil.which("redis-server")
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed"),
]
ROOT = Path(__file__).resolve().parents[3]
# Generous: two cores shared with other suites running at the same time.
TIMEOUT = 120
BATCH_SIZE = 40


def test_a_redis_restart_mid_sync_loses_nothing_and_duplicates_nothing(
    shopify, store, redis_server, workers, monkeypatch
):
    shopify.seed(SHOP, customers=50, products=10, orders=1500, seed=5, now=NOW)
    # Webhooks reach the intake from now on; one it refuses comes again a second later.
    shopify.faults(SHOP, webhook_drop_rate=0, webhook_retry_scale=0.1)
    turn_on_and_wait(store, "contacts", "products")
    run = services.turn_on(store=store, object_type="orders")
    wait_for(lambda: mid_way(run), "the orders run to be mid-way")

    at_crash = SyncRun.objects.get(pk=run.pk)
    redis_server.crash()
    # The merchant works on while Redis is down: a customer renamed, an order paid. Redis
    # stays down until the intake has answered their webhooks and the run has gone as far
    # as it can without Redis (its end needs Redis: it queues the reports' refresh).
    customer = renamed_customer(shopify)
    paid = paid_order(shopify)
    wait_for(
        lambda: intake_said_200(webhooks_of(shopify, customer, paid)),
        "the intake to take the webhooks of the changes made while Redis was down",
    )
    wait_for(
        lambda: SyncRun.objects.get(pk=run.pk).status != RunStatus.RUNNING,
        "the orders run to stop running while Redis is down",
    )
    redis_server.start()  # on the same port, empty

    # Cron's minutes compressed into seconds: a turn every two seconds, and a delivery waits
    # four seconds, not two minutes, before the sweep takes it for one whose job was lost.
    monkeypatch.setattr(deliveries, "STALE_AFTER", deliveries.STALE_AFTER / 30)
    wait_for(lambda: recovered(workers), "every run and every webhook delivery to finish", every=2)

    assert_crm_holds_what_shopify_holds(shopify)
    assert_changes_arrived(customer, paid)
    # Each webhook taken at its first try (stored while Redis was down), and stored once.
    sent = webhooks_of(shopify, customer, paid)
    assert [d["attempts"] for d in sent] == [1] * len(sent)
    stored = WebhookDelivery.objects.filter(webhook_id__in=[d["webhook_id"] for d in sent])
    assert sorted(stored.values_list("state", flat=True)) == [DeliveryState.PROCESSED] * len(sent)
    run.refresh_from_db()
    assert at_crash.seen < at_crash.total
    assert run.status == RunStatus.SUCCEEDED
    assert run.seen == run.total == len(shop_data(shopify, "orders"))
    assert set(SyncRun.objects.values_list("status", flat=True)) == {RunStatus.SUCCEEDED}
    assert set(SyncSetting.objects.values_list("state", flat=True)) == {SyncState.ON}
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {DeliveryState.PROCESSED}


# The scenario ------------------------------------------------------------------------------


def turn_on_and_wait(store, *objects):
    started = [services.turn_on(store=store, object_type=name) for name in objects]
    wait_for(
        lambda: all(
            SyncRun.objects.get(pk=run.pk).status == RunStatus.SUCCEEDED for run in started
        ),
        f"the initial syncs of {', '.join(objects)}",
    )


def mid_way(run) -> bool:
    """A few batches committed, more still to come."""
    current = SyncRun.objects.get(pk=run.pk)
    return 3 * BATCH_SIZE <= current.seen < current.total


def renamed_customer(shopify) -> dict:
    """A customer whose email no other customer has (one contact, one name)."""
    customers = [c for c in shop_data(shopify, "customers") if c["email"]]
    emails = Counter(c["email"].lower() for c in customers)
    customer = next(c for c in customers if emails[c["email"].lower()] == 1)
    path = f"shops/{SHOP}/customers/{customer['legacyResourceId']}"
    shopify.call("PATCH", path, {"firstName": "Renamed during the outage"})
    return customer


def paid_order(shopify) -> dict:
    order = next(
        o
        for o in shop_data(shopify, "orders")
        if o["displayFinancialStatus"] == "PENDING" and not o["cancelledAt"]
    )
    shopify.call("POST", f"shops/{SHOP}/orders/{number(order['id'])}/pay")
    return order


def webhooks_of(shopify, customer, order) -> list[dict]:
    """What Shopify sent about the two changes (its delivery log)."""
    changes = {
        ("customers/update", int(customer["legacyResourceId"])),
        ("orders/updated", number(order["id"])),
    }
    return [
        delivery
        for delivery in shopify.call("GET", f"shops/{SHOP}/webhook_deliveries")["deliveries"]
        if (delivery["topic"], delivery["body"].get("id")) in changes
    ]


def intake_said_200(sent: list[dict]) -> bool:
    return {d["topic"] for d in sent} == {"customers/update", "orders/updated"} and all(
        d["status"] == "delivered" for d in sent
    )


def recovered(workers) -> bool:
    """One turn of what runs on its own in production: the supervisor starts again the
    workers that exited, and cron's every-minute entries that find lost work run (as
    sync/cron.py schedules them). True once nothing is left to do."""
    workers.keep_alive()
    for entry in CRON_ENTRIES:
        entry()
    return (
        not SyncRun.objects.exclude(status__in=[RunStatus.SUCCEEDED, RunStatus.FAILED]).exists()
        and not WebhookDelivery.objects.filter(state=DeliveryState.RECEIVED).exists()
    )


# sync/cron.py's every-minute entries that recover lost work.
CRON_ENTRIES = (
    runs.reconcile_due,
    runs.restart_stalled,
    runs.fail_abandoned,
    deliveries.requeue_waiting,
    push.requeue_waiting,
)


# What the CRM must hold ----------------------------------------------------------------------


def assert_crm_holds_what_shopify_holds(shopify):
    orders = shop_data(shopify, "orders")
    customers = shop_data(shopify, "customers")
    assert sorted(crm_orders()) == sorted(shopify_orders(orders))
    assert OrderLineItem.objects.count() == sum(len(o["lineItems"]) for o in orders)
    # One contact per email, whatever its case; every customer mapped (those without an
    # email as excluded).
    assert Contact.objects.count() == len({c["email"].lower() for c in customers if c["email"]})
    mapped = dict(RecordMapping.objects.values_list("object_type").annotate(Count("id")).order_by())
    assert mapped["orders"] == len(orders)
    assert mapped["contacts"] == len(customers)
    duplicated = (
        RecordMapping.objects.values("object_type", "shopify_id")
        .annotate(times=Count("id"))
        .filter(times__gt=1)
    )
    assert not duplicated.exists()


def shopify_orders(orders):
    return [
        (
            order["name"],
            Decimal(order["totalPriceSet"]["shopMoney"]["amount"]),
            order["displayFinancialStatus"].lower(),
            order["displayFulfillmentStatus"].lower(),
            moment(order["cancelledAt"]),
        )
        for order in orders
    ]


def crm_orders():
    return Order.objects.values_list(
        "name", "total", "financial_status", "fulfillment_status", "cancelled_at"
    )


def assert_changes_arrived(customer, order):
    contact = Contact.objects.with_email(customer["email"]).get()
    assert contact.first_name == "Renamed during the outage"
    assert Order.objects.get(name=order["name"]).financial_status == "paid"


# Redis, the workers and their supervisor --------------------------------------------------------


class RedisServer:
    """A redis-server of the test's own, without persistence: started again after a crash,
    it is empty, as a production Redis without persistence comes back."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        with (self.directory / "redis.log").open("a") as log:
            self.process = subprocess.Popen(
                [
                    REDIS_SERVER,
                    *("--port", str(self.port), "--bind", "127.0.0.1"),
                    *("--save", "", "--appendonly", "no", "--dir", str(self.directory)),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for(self.answers, "redis-server to answer")

    def crash(self):
        """SIGKILL, as the OOM killer or a host going down: no goodbye to its clients."""
        self.process.kill()
        self.process.wait(timeout=10)

    def answers(self) -> bool:
        probe = redis.Redis(port=self.port, socket_connect_timeout=1, retry=None)
        try:
            return probe.ping()
        except redis.RedisError:
            return False
        finally:
            probe.close()

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.crash()


@pytest.fixture
def redis_server(tmp_path, settings):
    """The app in this process on a Redis of the test's own: the settings (django_rq reads
    RQ_QUEUES at every call), and the clients config.queues and the cost limiter keep."""
    server = RedisServer(tmp_path)
    server.start()
    settings.REDIS_URL = server.url
    settings.RQ_QUEUES = {
        name: {**queue, "URL": server.url} for name, queue in settings.RQ_QUEUES.items()
    }
    forget_redis_clients()
    try:
        yield server
    finally:
        server.stop()
        forget_redis_clients()


def forget_redis_clients():
    queues._client.cache_clear()
    limiter._connection.cache_clear()


@pytest.fixture
def store(shopify, settings, live_server, redis_server):
    """Connected with webhooks pointing at a live server, as in production."""
    settings.APP_URL = live_server.url
    token = shopify.token(SHOP, settings.SHOPIFY_API_KEY, scopes())
    return services.connect_store_token(shop_domain=SHOP, access_token=token, user=None)


class Workers:
    """The Procfile's two workers, real processes on the test's database and Redis, under a
    supervisor that starts again any that exited, as systemd's Restart= does in production
    (rq's worker quits when Redis fails it while it watches a job)."""

    QUEUES = (("webhooks", "default"), ("sync",))
    RESTART_SECONDS = 2  # systemd's RestartSec: no tight loop while Redis is down

    def __init__(self, environment: dict, log_directory: Path):
        self.environment = environment
        self.log_directory = log_directory
        self.processes: dict[tuple, subprocess.Popen] = {}
        self.started_at: dict[tuple, float] = {}

    def keep_alive(self):
        for names in self.QUEUES:
            process = self.processes.get(names)
            if process is not None and process.poll() is None:
                continue
            if time.monotonic() - self.started_at.get(names, -1e9) < self.RESTART_SECONDS:
                continue
            self.processes[names] = self._start(names)
            self.started_at[names] = time.monotonic()

    def _start(self, names):
        with (self.log_directory / f"worker-{'-'.join(names)}.log").open("a") as log:
            return subprocess.Popen(
                [sys.executable, "manage.py", "rqworker", *names, "--with-scheduler"],
                cwd=ROOT,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                # A session of its own: the worker, its scheduler and the work horses it
                # forks (each in a process group of its own) are found by it, even orphaned.
                start_new_session=True,
            )

    def stop(self):
        sessions = {process.pid for process in self.processes.values()}
        for pid in processes_in_sessions(sessions):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for process in self.processes.values():
            process.wait(timeout=10)
        wait_for(lambda: not processes_in_sessions(sessions), "the workers to be gone")


@pytest.fixture
def workers(redis_server, settings, tmp_path, store):
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "TEST_DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
            f"{database['NAME']}"
        ),
        "TEST_REDIS_URL": redis_server.url,
        "SYNC_BATCH_SIZE": str(BATCH_SIZE),
        "SHOPIFY_BASE_URL": settings.SHOPIFY_BASE_URL,
        "APP_URL": settings.APP_URL,
    }
    supervisor = Workers(environment, tmp_path)
    supervisor.keep_alive()
    try:
        yield supervisor
    finally:
        supervisor.stop()


def processes_in_sessions(sessions) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) in sessions and fields[0] not in ("Z", "X"):
                found.append(int(stat.parent.name))
    return found


def where_things_stand() -> str:
    """The runs and the deliveries still waiting, for a failure's message."""
    run_rows = SyncRun.objects.order_by("pk").values_list(
        "object_type", "kind", "status", "seen", "total", "checkpoint", "error"
    )
    waiting = WebhookDelivery.objects.exclude(state=DeliveryState.PROCESSED).values_list(
        "topic", "state", "received_at"
    )
    return f"runs: {list(run_rows)}; deliveries not processed: {list(waiting)}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, what: str, timeout: float = TIMEOUT, every: float = 0.05):
    """Until `condition()` holds, asked `every` seconds; a failure after `timeout` seconds says
    what never came."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}; {where_things_stand()}")
        time.sleep(every)
