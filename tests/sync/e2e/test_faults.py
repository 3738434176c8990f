"""Faults end in the same state: a worker killed mid-bulk, Shopify's 5xx and 429 storms and a
tight budget, and a record Shopify sends that the CRM cannot hold."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import django_rq
import pytest
from django.db import connection
from django.utils import timezone
from rq.job import Job

from crm.models import Contact, Order, OrderLineItem
from sync import runs, services
from sync.adapters import scopes
from sync.models import MappingState, RecordMapping, RunStatus, SyncIssue, SyncRun
from tests.sync.e2e.conftest import SHOP, shop_data, work

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[3]


def values():
    """The CRM's records and mappings as values (no primary keys): two runs compare equal."""
    return {
        "contacts": sorted(Contact.objects.values_list("email", "first_name", "orders_count")),
        "orders": sorted(
            Order.objects.values_list("name", "total", "financial_status", "contact__email"),
            key=str,
        ),
        "lines": sorted(OrderLineItem.objects.values_list("order__name", "sku", "total"), key=str),
        "mappings": sorted(RecordMapping.objects.values_list("object_type", "shopify_id", "state")),
    }


def sync(store, *objects):
    for object_type in objects:
        services.turn_on(store=store, object_type=object_type)
    work_until_settled()


def work_until_settled(turns=20):
    """Run the jobs; a run that waits for Shopify (down past the client's retries, or busy)
    is queued for later: time passes, its later job runs now. Until no run waits."""
    for _ in range(turns):
        work()
        if not run_scheduled_jobs_now():
            return
    raise AssertionError("the runs were still waiting for Shopify")


def run_scheduled_jobs_now() -> int:
    queue = django_rq.get_queue("sync")
    registry = queue.scheduled_job_registry
    ids = registry.get_job_ids()
    for job_id in ids:
        registry.remove(job_id)
        queue.enqueue_job(Job.fetch(job_id, connection=queue.connection))
    return len(ids)


def test_shopify_storms_and_a_tight_budget_end_in_the_same_state(shopify, store):
    # Contacts, then orders, each to its end, in both runs: a run that waits out a storm must
    # not let the orders arrive first, since the first arrival of a person is what the
    # contact keeps (the matching rule), which is another state, not a fault's.
    sync(store, "contacts")
    sync(store, "orders")
    clean = values()
    for object_type in ("contacts", "orders"):
        services.turn_off(store=store, object_type=object_type)
    Order.objects.all().delete()
    Contact.objects.all().delete()
    RecordMapping.objects.all().delete()

    # A bucket an eighth of the smallest plan's, yet holding one read of an order by id (201
    # points, what a run asks before its export): Shopify's buckets always hold any single
    # query it accepts (1000 points at most).
    shopify.faults(SHOP, error_rate=0.25, throttle_429_rate=0.2, bucket_size=250, restore_rate=200)
    sync(store, "contacts")
    sync(store, "orders")

    assert values() == clean
    assert (
        list(
            SyncRun.objects.filter(status=RunStatus.SUCCEEDED).values_list("object_type", flat=True)
        ).count("orders")
        == 2
    )


def test_a_run_shopify_fails_past_the_clients_retries_waits_and_goes_on(
    shopify, store, monkeypatch
):
    from integration import client

    monkeypatch.setattr(client, "MAX_ATTEMPTS", 1)
    shopify.faults(SHOP, error_rate=1.0)
    run = services.turn_on(store=store, object_type="contacts")
    work()

    # Shopify answered 5xx to every try: the run waits for a later job, nothing failed.
    run.refresh_from_db()
    assert (run.status, run.error, Contact.objects.count()) == (RunStatus.PENDING, "", 0)
    queue = django_rq.get_queue("sync")
    later = [
        Job.fetch(i, connection=queue.connection)
        for i in queue.scheduled_job_registry.get_job_ids()
    ]
    assert [(job.args[0], *job.args[2:]) for job in later] == [("run_bulk", run.pk)]

    shopify.faults(SHOP, error_rate=0.0)
    work_until_settled()

    run.refresh_from_db()
    customers = shop_data(shopify, "customers")
    assert run.status == RunStatus.SUCCEEDED
    assert run.seen == run.total == len(customers)


def test_a_record_the_crm_cannot_hold_becomes_an_issue_and_the_rest_syncs(shopify, store):
    bad = shopify.call(
        "POST", f"shops/{SHOP}/customers", {"email": "long@example.com", "firstName": "x" * 300}
    )

    sync(store, "contacts")

    run = SyncRun.objects.get(object_type="contacts")
    issue = SyncIssue.objects.get()
    assert (issue.object_type, issue.shopify_id, issue.resolved_at) == (
        "contacts",
        int(bad["legacyResourceId"]),
        None,
    )
    assert "value too long" in issue.error
    assert run.failed == 1 and run.status == RunStatus.SUCCEEDED
    customers = [c for c in shop_data(shopify, "customers") if c["email"]]
    assert (
        RecordMapping.objects.filter(object_type="contacts", state="synced").count()
        == len(customers) - 1
    )
    mapping = RecordMapping.objects.get(shopify_id=issue.shopify_id)
    assert mapping.state == MappingState.FAILING

    shopify.call("PATCH", f"shops/{SHOP}/customers/{bad['legacyResourceId']}", {"firstName": "Ok"})
    services.resync_record(store=store, object_type="contacts", shopify_id=issue.shopify_id)
    work()

    issue.refresh_from_db()
    assert issue.resolved_at is not None
    assert Contact.objects.with_email("long@example.com").get().first_name == "Ok"


def test_a_worker_killed_mid_bulk_resumes_where_it_stopped(shopify, store, settings):
    shopify.seed(SHOP, customers=50, products=10, orders=1500, seed=5, now="2026-11-20T00:00:00Z")
    sync(store, "contacts", "products")
    run = services.turn_on(store=store, object_type="orders")
    worker = start_worker(batch_size=40)
    try:
        line = wait_for_progress(run)
        # The worker and the work horse it forked for the job (rq puts the horse in a process
        # group of its own), as the OOM killer or a host going down would.
        kill_with_children(worker.pid)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            kill_with_children(worker.pid)
            worker.wait(timeout=10)
    killed = SyncRun.objects.get(pk=run.pk)
    assert killed.status == RunStatus.RUNNING
    assert killed.checkpoint["line"] > 0 and killed.seen < killed.total
    assert line <= killed.checkpoint["line"]
    applied_before = killed.seen

    # Time passes: the sweep finds the run without a heartbeat and queues it again.
    SyncRun.objects.filter(pk=run.pk).update(
        heartbeat_at=timezone.now() - timezone.timedelta(minutes=10)
    )
    runs.restart_stalled()
    work()

    run.refresh_from_db()
    orders = shop_data(shopify, "orders")
    assert run.status == RunStatus.SUCCEEDED
    assert run.seen == run.total == len(orders)
    assert run.created == len(orders) and run.updated == 0
    assert applied_before < run.seen
    assert Order.objects.count() == len(orders)
    assert OrderLineItem.objects.count() == sum(len(o["lineItems"]) for o in orders)
    assert RecordMapping.objects.filter(object_type="orders").count() == len(orders)


def test_a_sync_waits_while_shopify_runs_its_limit_of_bulk_queries(
    shopify, store, settings, monkeypatch
):
    monkeypatch.setattr(runs, "BUSY_WAIT_SECONDS", 0)
    shopify.faults(SHOP, bulk_delay_ms=1500)
    token = shopify.token(SHOP, settings.SHOPIFY_API_KEY, scopes())
    start = "mutation($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id } } }"
    others = [
        shopify.graphql(SHOP, token, start, {"q": "{ products { edges { node { id } } } }"})
        for _ in range(5)
    ]
    assert all(o["data"]["bulkOperationRunQuery"]["bulkOperation"] for o in others)

    run = services.turn_on(store=store, object_type="contacts")
    work()

    # No room at Shopify: the job handed its worker back and comes again later.
    run.refresh_from_db()
    assert (run.status, run.checkpoint, Contact.objects.count()) == (RunStatus.PENDING, {}, 0)
    queue = django_rq.get_queue("sync")
    later = [
        Job.fetch(i, connection=queue.connection)
        for i in queue.scheduled_job_registry.get_job_ids()
    ]
    assert [(job.args[0], *job.args[2:]) for job in later] == [("run_bulk", run.pk)]

    # Shopify finishes one and says so (bulk_operations/finish): the run goes on at once.
    first = others[0]["data"]["bulkOperationRunQuery"]["bulkOperation"]["id"]
    poll = "query($id: ID!) { node(id: $id) { ... on BulkOperation { status } } }"
    deadline = time.monotonic() + 30
    while shopify.graphql(SHOP, token, poll, {"id": first})["data"]["node"]["status"] != (
        "COMPLETED"
    ):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    services.wake_bulk_runs(store, first)
    work()

    run.refresh_from_db()
    customers = shop_data(shopify, "customers")
    assert run.status == RunStatus.SUCCEEDED
    assert run.seen == run.total == len(customers)
    assert RecordMapping.objects.filter(object_type="contacts").count() == len(customers)


def start_worker(batch_size):
    """A real worker process on the test database, as in production."""
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "TEST_DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
            f"{database['NAME']}"
        ),
        "SYNC_BATCH_SIZE": str(batch_size),
        "SHOPIFY_BASE_URL": os.environ.get("SHOPIFY_BASE_URL", ""),
    }
    from django.conf import settings

    env["SHOPIFY_BASE_URL"] = settings.SHOPIFY_BASE_URL
    env["TEST_REDIS_URL"] = settings.REDIS_URL
    return subprocess.Popen(
        [sys.executable, "manage.py", "rqworker", "sync", "--burst"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def kill_with_children(pid):
    """SIGKILL a process and its children, and wait until the children are gone."""
    children = [
        int(child)
        for task in Path(f"/proc/{pid}/task").glob("*")
        for child in (task / "children").read_text().split()
    ]
    for victim in (pid, *children):
        with contextlib.suppress(ProcessLookupError):
            os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while any(alive(child) for child in children):
        if time.monotonic() > deadline:
            raise AssertionError(f"processes {children} survived SIGKILL")
        time.sleep(0.01)


def alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")  # a zombie holds no database connection


def wait_for_progress(run, timeout=60):
    """The checkpoint line once the worker has committed a few batches, but not all."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = SyncRun.objects.get(pk=run.pk)
        if current.checkpoint.get("line", 0) > 0 and current.total and current.seen >= 120:
            return current.checkpoint["line"]
        time.sleep(0.01)
    raise AssertionError("the worker made no progress")
