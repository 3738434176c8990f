"""Many stores on one deployment: twenty connected stores, one running a full-size initial sync
while the other nineteen receive customer and order changes at 5 a second each. From each
change in Shopify to its row in the CRM, p50 and p95 for the nineteen (target p95 < 3 s), none
lost, and the big sync must still finish.

The processes are production's (the Procfile's, scaled as the README's "Scaling out" says):
gunicorn takes the webhooks, three `worker` processes run the webhook and short jobs
(`webhooks`, `default`), one `syncworker`, at a lower CPU priority (`nice`), the bulk syncs
(`sync`).

    python -m bench.tenants [--scale 1.0] [--stores 20] [--rate 5] [--seconds 60] [--workers 3]
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

from bench import support
from bench.freshness import _p95, _web_server
from bench.initial_sync import FULL

BIG = "big.myshopify.com"
MARK = "tenant-"
# Each small store: enough customers that every change is to a different one, and products
# for the new orders' lines.
SMALL = {"customers": 400, "products": 10, "orders": 50, "checkouts": 0}
# `worker` processes: a store's job waits while Shopify's cost bucket for that store refills,
# and the other stores' jobs go on meanwhile in the others.
WORKERS = 3
# The Procfile's `syncworker` priority: a bulk run's batches take the CPU only when the
# webhook work leaves it.
SYNC_NICE = 10


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="of the big store's size")
    parser.add_argument("--stores", type=int, default=20, help="the big one included")
    parser.add_argument("--rate", type=int, default=5, help="changes a second per small store")
    parser.add_argument("--seconds", type=int, default=60, help="how long the changes go on")
    parser.add_argument("--workers", type=int, default=WORKERS, help="`worker` processes")
    args = parser.parse_args(argv)
    return run(args.scale, args.stores, args.rate, args.seconds, args.workers)


def run(scale: float, stores: int, rate: int, seconds: int, worker_count: int = WORKERS) -> dict:
    from shopify_emulator.client import EmulatorProcess, free_port

    emulator = EmulatorProcess()
    emulator.client.timeout = 1800
    web_url = f"http://127.0.0.1:{free_port()}"
    env = support.environment(f"{emulator.url}/{{shop}}", APP_URL=web_url)
    os.environ.update(env)
    small = [f"tenant-{index:02d}.myshopify.com" for index in range(1, stores)]
    processes = []
    try:
        support.fresh_app()
        shopify = emulator.client
        shopify.add_app(support.APP_KEY, support.APP_SECRET, **support.APPROVED_APP)
        for index, shop in enumerate(small):
            shopify.add_shop(shop, plan="plus", name=f"Tenant {index + 1}", currency="EUR")
            shopify.faults(shop, **support.STANDARD_BUCKET)
            shopify.seed(shop, **SMALL, seed=index)
        shopify.add_shop(BIG, plan="plus", name="Big", currency="USD")
        # The big store's webhooks are dropped: its initial sync is the load, not its changes.
        shopify.faults(BIG, webhook_drop_rate=1.0, **support.STANDARD_BUCKET)
        counts = {name: max(1, int(count * scale)) for name, count in FULL.items()}
        shopify.seed(BIG, **counts, seed=7)

        processes.append(_web_server(web_url, env))
        workers = support.Workers(worker_count, env, queues=("webhooks", "default"), label="worker")
        sync_workers = support.Workers(1, env, queues=("sync",), label="syncworker", nice=SYNC_NICE)
        processes += [workers, sync_workers]

        for shop in small:
            _connect(shopify, shop, ("contacts", "orders"))
        _wait_for_runs(timeout=900)

        big = _connect(shopify, BIG, ("contacts", "products", "orders", "carts"))
        began = time.monotonic()
        still_syncing = []  # whether the big sync was still running when the changes ended
        latencies, lost, changes = _changes(
            shopify,
            small,
            rate,
            seconds,
            big,
            on_end=lambda: still_syncing.append(not _big_runs_finished(big)),
        )
        during = still_syncing[0]
        _wait_for_runs(timeout=7200)
        big_seconds = time.monotonic() - began
        return {
            "stores": stores,
            "workers": worker_count,
            "rate": rate,
            "changes": changes,
            "lost": lost,
            "p50_s": statistics.median(latencies),
            "p95_s": _p95(latencies),
            "big_records": sum(counts.values()),
            "big_seconds": big_seconds,
            "big_still_syncing_after_changes": during,
            "peak_mb": workers.peak_memory_mb() + sync_workers.peak_memory_mb(),
        }
    finally:
        for process in processes:
            if isinstance(process, support.Workers):
                process.stop()
            else:
                process.terminate()
                process.wait(timeout=30)
        emulator.stop()


def _connect(shopify, shop: str, objects):
    from sync import adapters, services

    token = shopify.token(shop, support.APP_KEY, adapters.scopes())
    store = services.connect_store_token(shop_domain=shop, access_token=token, user=None)
    for name in objects:
        services.turn_on(store=store, object_type=name)
    return store


def _wait_for_runs(timeout: float):
    from sync.models import RunStatus, SyncRun

    finished = {RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED}
    support.wait_for(
        lambda: not SyncRun.objects.exclude(status__in=finished).exists(), timeout=timeout
    )
    failed = SyncRun.objects.exclude(status=RunStatus.SUCCEEDED)
    if failed.exists():
        raise SystemExit(f"sync runs failed: {list(failed.values_list('object_type', 'error'))}")


def _big_runs_finished(store) -> bool:
    from sync.models import RunStatus, SyncRun

    return not SyncRun.objects.filter(store=store).exclude(status=RunStatus.SUCCEEDED).exists()


def _changes(shopify, shops, rate: int, seconds: int, big, on_end) -> tuple[list[float], int, int]:
    """Every small store, `rate` times a second: a customer's note changed, or a new order,
    in turn. Each change is watched for in the CRM: its contact's note, its order's name."""
    from django.utils import timezone

    from crm.models import Contact, Order

    plan = []  # (shop, kind, target) in the order they are made
    listed = {shop: shopify.call("GET", f"shops/{shop}/customers")["customers"] for shop in shops}
    # Customers the CRM holds one-to-one: with an email (the contacts sync's default filter)
    # that no other customer of any store shares (those join one contact, where the last
    # change wins, and another store's change would hide this one's mark).
    emails = Counter((c["email"] or "").lower() for customers in listed.values() for c in customers)
    for shop in shops:
        customers = [
            c["legacyResourceId"]
            for c in listed[shop]
            if c["email"] and emails[c["email"].lower()] == 1
        ]
        products = [p["id"] for p in shopify.call("GET", f"shops/{shop}/products")["products"]]
        for index in range(rate * seconds):
            if index % 2 == 0:
                plan.append((shop, "customer", customers[index // 2 % len(customers)]))
            else:
                plan.append((shop, "order", (customers[index % len(customers)], products)))
    # Interleaved so that every store changes at its rate through the whole period.
    per_shop = rate * seconds
    schedule = [plan[s * per_shop + i] for i in range(per_shop) for s in range(len(shops))]
    total_rate = rate * len(shops)

    made_at: dict[tuple[str, str], float] = {}
    session = threading.local()
    lock = threading.Lock()

    def http():
        if not hasattr(session, "http"):
            session.http = requests.Session()
            session.http.headers["Authorization"] = f"Bearer {shopify.control_token}"
        return session.http

    def change(index: int, shop: str, kind: str, target):
        base = f"{shopify.url}/__emulator__/shops/{shop}"
        if kind == "customer":
            mark = f"{MARK}{index}"
            started = time.monotonic()
            http().patch(f"{base}/customers/{target}", json={"note": mark}, timeout=60)
            with lock:
                made_at[(shop, mark)] = started
        else:
            customer, products = target
            line = {"productId": products[index % len(products)], "quantity": 1}
            started = time.monotonic()
            response = http().post(
                f"{base}/orders",
                json={"customerId": f"gid://shopify/Customer/{customer}", "lineItems": [line]},
                timeout=60,
            )
            response.raise_for_status()
            with lock:
                made_at[(shop, response.json()["name"])] = started

    seen: dict[tuple[str, str], float] = {}
    # New orders are processed now (the big store's are not watched), changed contacts updated
    # now: a minute's margin for the clocks of the emulator and the database.
    since = timezone.now() - datetime.timedelta(minutes=1)

    def look():
        now = time.monotonic()
        with lock:
            waiting = {key for key in made_at if key not in seen}
        if not waiting:
            return
        # Only contacts changed since the changes began (indexed): the watching, five times a
        # second, must not scan the big store's contacts and take the CPU it measures.
        marks = set(
            Contact.objects.filter(updated_at__gte=since, note__startswith=MARK).values_list(
                "note", flat=True
            )
        )
        orders = set(
            Order.objects.filter(processed_at__gte=since)
            .exclude(source_store=big.shop_domain)
            .values_list("source_store", "name")
        )
        for key in waiting:
            if key[1] in marks or key in orders:
                seen[key] = now

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        for index, (shop, kind, target) in enumerate(schedule):
            time.sleep(max(0.0, began + index / total_rate - time.monotonic()))
            pool.submit(change, index, shop, kind, target)
            if index % 20 == 0:
                look()
    on_end()
    deadline = time.monotonic() + 120
    while len(seen) < len(schedule) and time.monotonic() < deadline:
        look()
        time.sleep(0.1)
    latencies = [seen[key] - made_at[key] for key in seen]
    missing = [key for key in made_at if key not in seen]
    if missing:
        print(f"  never seen in the CRM: {missing[:10]}", flush=True)
    return latencies, len(schedule) - len(seen), len(schedule)


def describe(result: dict) -> str:
    lost = f", {result['lost']} never arrived" if result["lost"] else ", none lost"
    still = (
        "the big sync was still running when the changes ended"
        if result["big_still_syncing_after_changes"]
        else "the big sync had finished before the changes ended (raise --seconds or --scale)"
    )
    return (
        f"tenants: {result['stores']} stores; {result['stores'] - 1} of them changed "
        f"{result['rate']}/s each ({result['changes']:,} customer and order changes) while the "
        f"big one ran its initial sync of {result['big_records']:,} records: visible in the CRM "
        f"p50 {result['p50_s']:.2f} s, p95 {result['p95_s']:.2f} s (target p95 < 3 s){lost}; "
        f"{still}, and finished in {result['big_seconds']:.0f} s. Worker peak memory "
        f"{max(result['peak_mb']):.0f} MB."
    )


if __name__ == "__main__":
    outcome = main()
    support.report("tenants", outcome, describe(outcome))
