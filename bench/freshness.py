"""Freshness: a change made in Shopify shows in the CRM within seconds. The emulator delivers
its webhooks over HTTP to the app's web server, two workers process them, and the merchant
changes customers at 50 per second: from each change to its CRM row, p50 and p95. Then the
webhook intake alone: how fast it answers (p95) and how many deliveries a second it takes.

    python -m bench.freshness [--rate 50] [--seconds 30] [--deliveries 2000]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

from bench import support

SHOP = "fresh.myshopify.com"
CUSTOMERS = 3000
MARK = "fresh-"
# Requests each gunicorn process takes at once, as the Procfile runs it (`WEB_THREADS`): an
# intake spends most of its time waiting for PostgreSQL and Redis.
WEB_THREADS = 4


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=int, default=50, help="changes per second")
    parser.add_argument("--seconds", type=int, default=30, help="how long the changes go on")
    parser.add_argument("--deliveries", type=int, default=2000, help="for the intake part")
    parser.add_argument("--workers", type=int, default=2)
    # `make bench` passes its --scale to every benchmark: this one's load is a rate, not a size.
    parser.add_argument("--scale", type=float, default=1.0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    return run(args.rate, args.seconds, args.deliveries, args.workers)


def run(rate: int, seconds: int, deliveries: int, worker_count: int) -> dict:
    from shopify_emulator.client import EmulatorProcess, free_port

    emulator = EmulatorProcess()
    web_url = f"http://127.0.0.1:{free_port()}"
    env = support.environment(f"{emulator.url}/{{shop}}", APP_URL=web_url)
    os.environ.update(env)
    web = workers = None
    try:
        support.fresh_app()
        shopify = emulator.client
        shopify.add_app(support.APP_KEY, support.APP_SECRET, **support.APPROVED_APP)
        shopify.add_shop(SHOP, plan="plus", name="Fresh", currency="EUR")
        shopify.faults(SHOP, **support.STANDARD_BUCKET)
        shopify.seed(SHOP, customers=CUSTOMERS, products=0, orders=0, checkouts=0, seed=3)
        web = _web_server(web_url, env)
        workers = support.Workers(worker_count, env)
        _connect_and_sync(shopify)
        latencies, lost = _freshness(shopify, rate, seconds)
        # The intake alone: gunicorn, PostgreSQL and Redis. The workers stop first (in
        # production they run elsewhere, and what they do with the deliveries is what the
        # freshness above measured); the deliveries wait for them in the queue.
        workers.stop()
        workers = None
        support.settle_disk()
        intake = _intake(shopify, web_url, deliveries)
        return {
            "rate": rate,
            "changes": rate * seconds,
            "lost": lost,
            "p50_s": statistics.median(latencies),
            "p95_s": _p95(latencies),
            "workers": worker_count,
            **intake,
        }
    finally:
        if workers:
            workers.stop()
        if web:
            web.terminate()
            web.wait(timeout=30)
        emulator.stop()


def _p95(values):
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def _web_server(url: str, env: dict, threads: int = WEB_THREADS) -> subprocess.Popen:
    """The app's web server as in production: the static files collected, gunicorn with three
    worker processes (`threads` requests at once in each), database connections kept between
    requests."""
    port = url.rsplit(":", 1)[1]
    # Production's release step: with DEBUG off, pages name the collected, hashed files.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=support.ROOT,
        env=env,
        check=True,
    )
    process = subprocess.Popen(  # noqa: S603 (our own app, fixed arguments)
        [
            *(sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}"),
            *("-w", "3", "--threads", str(threads)),
        ],
        cwd=support.ROOT,
        env={**env, "CONN_MAX_AGE": "60"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def up():
        try:
            return requests.get(f"{url}/admin/login/", timeout=5).status_code == 200
        except (requests.ConnectionError, requests.Timeout):
            # Not listening yet, or its first requests slow on a busy machine.
            return False

    try:
        support.wait_for(up, timeout=60)
    except BaseException:
        process.terminate()  # not left running when it never came up
        process.wait(timeout=30)
        raise
    return process


def _connect_and_sync(shopify):
    """Connect the shop (its webhooks now point at the web server) and sync its customers."""
    from sync import adapters, services
    from sync.models import RunStatus, SyncRun

    token = shopify.token(SHOP, support.APP_KEY, adapters.scopes())
    store = services.connect_store_token(shop_domain=SHOP, access_token=token, user=None)
    run = services.turn_on(store=store, object_type="contacts")
    finished = {RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED}
    support.wait_for(lambda: SyncRun.objects.get(pk=run.pk).status in finished, timeout=600)
    run.refresh_from_db()
    if run.status != RunStatus.SUCCEEDED:
        raise SystemExit(f"the contacts sync did not succeed: {run.error}")


def _freshness(shopify, rate: int, seconds: int) -> tuple[list[float], int]:
    """Change `rate` customers a second (each a different one, its note set to a mark), and
    watch the CRM for each mark: the time from the change to the row."""
    from crm.models import Contact

    listed = shopify.call("GET", f"shops/{SHOP}/customers")["customers"]
    # Customers the CRM holds one-to-one: with an email (the default filter skips the others)
    # that no other customer shares (those join one contact, where the last change wins).
    emails = Counter((customer["email"] or "").lower() for customer in listed)
    customers = [
        customer["legacyResourceId"]
        for customer in listed
        if customer["email"] and emails[customer["email"].lower()] == 1
    ]
    count = min(rate * seconds, len(customers))
    changed_at: dict[str, float] = {}
    session = threading.local()

    def change(index: int):
        if not hasattr(session, "http"):
            session.http = requests.Session()
            session.http.headers["Authorization"] = f"Bearer {shopify.control_token}"
        mark = f"{MARK}{index}"
        changed_at[mark] = time.monotonic()
        url = f"{shopify.url}/__emulator__/shops/{SHOP}/customers/{customers[index]}"
        session.http.patch(url, json={"note": mark}, timeout=30).raise_for_status()

    seen: dict[str, float] = {}
    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        for index in range(count):
            # On schedule: the n-th change at n / rate seconds, however long the others take.
            time.sleep(max(0.0, began + index / rate - time.monotonic()))
            pool.submit(change, index)
            _look(Contact, seen)
    deadline = time.monotonic() + 60
    while len(seen) < count and time.monotonic() < deadline:
        _look(Contact, seen)
        time.sleep(0.02)
    latencies = [seen[mark] - changed_at[mark] for mark in seen if mark in changed_at]
    return latencies, count - len(seen)


def _look(contact_model, seen: dict[str, float]):
    now = time.monotonic()
    for note in contact_model.objects.filter(note__startswith=MARK).values_list("note", flat=True):
        seen.setdefault(note, now)


def _intake(shopify, web_url: str, count: int) -> dict:
    """POST signed deliveries (real bodies the emulator sent, new webhook ids) from 8 clients
    at once, as Shopify's senders do: each answer's time, and deliveries a second overall."""
    bodies = [
        json.dumps(d["body"]).encode()
        for d in shopify.deliveries(SHOP)
        if d["topic"] == "customers/update"
    ][:200]
    session = threading.local()
    # Every tenth delivery is a retry of the one before (same webhook id), as Shopify resends
    # one it thinks was not received: stored once, never twice.
    ids = [str(uuid.uuid4()) for _ in range(count)]
    for index in range(10, count, 10):
        ids[index] = ids[index - 1]

    def deliver(index: int) -> float:
        if not hasattr(session, "http"):
            session.http = requests.Session()
        body = bodies[index % len(bodies)]
        signature = hmac.new(support.APP_SECRET.encode(), body, hashlib.sha256).digest()
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": "customers/update",
            "X-Shopify-Hmac-Sha256": base64.b64encode(signature).decode(),
            "X-Shopify-Shop-Domain": SHOP,
            "X-Shopify-Webhook-Id": ids[index],
            "X-Shopify-Event-Id": f"event-{ids[index]}",
            "X-Shopify-API-Version": "2026-10",
        }
        started = time.monotonic()
        response = session.http.post(f"{web_url}/shopify/webhooks", data=body, headers=headers)
        elapsed = time.monotonic() - started
        assert response.status_code == 200, response.status_code
        return elapsed

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(deliver, range(count)))
    wall = time.monotonic() - began
    from sync.models import WebhookDelivery

    unique = set(ids)
    stored = WebhookDelivery.objects.filter(webhook_id__in=unique).count()
    return {
        "deliveries": count,
        "intake_lost": len(unique) - stored,
        "intake_retries": count - len(unique),
        "intake_p50_ms": statistics.median(answers) * 1000,
        "intake_p95_ms": _p95(answers) * 1000,
        "intake_per_second": count / wall,
    }


def describe(result: dict) -> str:
    lost = f", {result['lost']} never arrived" if result["lost"] else ", none lost"
    return (
        f"freshness: {result['changes']:,} customer changes in Shopify at {result['rate']}/s "
        f"with {result['workers']} workers: visible in the CRM p50 {result['p50_s']:.2f} s, "
        f"p95 {result['p95_s']:.2f} s (targets < 1 s, < 3 s){lost}. Webhook intake, "
        f"{result['deliveries']:,} signed deliveries from 8 senders: p50 "
        f"{result['intake_p50_ms']:.0f} ms, p95 {result['intake_p95_ms']:.0f} ms (target < 50 ms), "
        f"{result['intake_per_second']:.0f} deliveries/s (target ≥ 300); "
        f"{result['intake_retries']} of them resent with the same id, "
        f"{result['intake_lost']} lost, none stored twice (the webhook id is unique)."
    )


if __name__ == "__main__":
    outcome = main()
    support.report("freshness", outcome, describe(outcome))
