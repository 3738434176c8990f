"""Initial sync: a shop of 100k customers, 20k products, 100k orders (≈3 lines
each) and 20k abandoned checkouts, synced by real workers on PostgreSQL through bulk
operations. Prints records per second, the ratio to PostgreSQL `COPY` writing the same rows
in the same run, and the workers' peak memory.

    python -m bench.initial_sync [--scale 0.1] [--workers 2]
"""

from __future__ import annotations

import argparse
import io
import os
import time

from bench import support

SHOP = "bench.myshopify.com"
FULL = {"customers": 100_000, "products": 20_000, "orders": 100_000, "checkouts": 20_000}
OBJECTS = ("contacts", "products", "orders", "carts")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full shop")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    return run(args.scale, args.workers)


def run(scale: float, worker_count: int) -> dict:
    from shopify_emulator.client import EmulatorProcess

    counts = {name: max(1, int(count * scale)) for name, count in FULL.items()}
    emulator = EmulatorProcess()
    emulator.client.timeout = 1800
    env = support.environment(f"{emulator.url}/{{shop}}")
    os.environ.update(env)
    workers = None
    try:
        support.fresh_app()
        started = time.monotonic()
        shopify = emulator.client
        shopify.add_app(support.APP_KEY, support.APP_SECRET, **support.APPROVED_APP)
        shopify.add_shop(SHOP, plan="plus", name="Bench", currency="USD")
        shopify.faults(SHOP, webhook_drop_rate=1.0, **support.STANDARD_BUCKET)
        shopify.seed(SHOP, **counts, seed=7)
        seeded = time.monotonic() - started

        store = _connect(shopify)
        workers = support.Workers(worker_count, env)
        result = _sync(store)
        result.update(
            counts=counts,
            seed_seconds=seeded,
            workers=worker_count,
            peak_mb=workers.peak_memory_mb(),
        )
        workers.stop()
        workers = None
        result.update(_copy_same_rows())
        result["ratio"] = result["copy_seconds"] / result["apply_seconds"]
        return result
    finally:
        if workers:
            workers.stop()
        emulator.stop()


def _connect(shopify):
    from sync import adapters, services

    token = shopify.token(SHOP, support.APP_KEY, adapters.scopes())
    store = services.connect_store_token(shop_domain=SHOP, access_token=token, user=None)
    if not store.has_scope("read_all_orders"):  # else only 60 days of orders would sync
        raise SystemExit("the benchmark's store was not granted read_all_orders")
    return store


def _sync(store) -> dict:
    from sync import services
    from sync.models import RunStatus, SyncRun

    started = time.monotonic()
    run_ids = [services.turn_on(store=store, object_type=name).pk for name in OBJECTS]
    runs = SyncRun.objects.filter(pk__in=run_ids)
    finished = {RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED}

    def report():
        done = ", ".join(f"{r.object_type} {r.seen}/{r.total or '?'}" for r in runs.order_by("pk"))
        print(f"  … {time.monotonic() - started:.0f} s: {done}", flush=True)

    support.wait_for(
        lambda: all(r.status in finished for r in runs.all()), timeout=3600, report=report
    )
    seconds = time.monotonic() - started
    failed = [r for r in runs.all() if r.status != RunStatus.SUCCEEDED]
    if failed:
        raise SystemExit(f"sync runs did not succeed: {[(r.object_type, r.error) for r in failed]}")
    per_object = {r.object_type: _timings(r) for r in runs.all()}
    return {
        "seconds": seconds,
        "records": sum(item["records"] for item in per_object.values()),
        "per_object": per_object,
        # Worker time spent after Shopify had the files ready: downloading, parsing, writing.
        "apply_seconds": sum(item["apply_seconds"] for item in per_object.values()),
    }


def _timings(run) -> dict:
    from django.utils.dateparse import parse_datetime

    exported_at = parse_datetime(run.checkpoint["exported_at"])
    return {
        "records": run.seen,
        "seconds": (run.finished_at - run.started_at).total_seconds(),
        "export_seconds": (exported_at - run.started_at).total_seconds(),
        "apply_seconds": (run.finished_at - exported_at).total_seconds(),
    }


def _copy_same_rows() -> dict:
    """Write the rows the sync wrote again, with COPY, into empty tables shaped like the real
    ones (same columns, indexes and constraints but foreign keys), and time only the writing."""
    from django.db import connection
    from psycopg import sql

    tables = [
        table
        for table in connection.introspection.table_names()
        if table.startswith(("crm_", "sync_recordmapping"))
    ]
    rows = 0
    seconds = 0.0
    with connection.cursor() as cursor:
        raw = cursor.connection
        for table in tables:
            real = sql.Identifier(table)
            copy = sql.Identifier(f"bench_copy_{table}")
            count = raw.execute(sql.SQL("SELECT count(*) FROM {}").format(real)).fetchone()[0]
            if not count:
                continue
            data = io.BytesIO()
            out = sql.SQL("COPY {} TO STDOUT (FORMAT BINARY)").format(real)
            with raw.cursor().copy(out) as reading:
                for chunk in reading:
                    data.write(chunk)
            raw.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(copy))
            raw.execute(sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING ALL)").format(copy, real))
            raw.commit()
            began = time.monotonic()
            into = sql.SQL("COPY {} FROM STDIN (FORMAT BINARY)").format(copy)
            with raw.cursor().copy(into) as writing:
                writing.write(data.getvalue())
            raw.commit()
            seconds += time.monotonic() - began
            rows += count
            raw.execute(sql.SQL("DROP TABLE {}").format(copy))
            raw.commit()
    return {"copy_rows": rows, "copy_seconds": seconds}


def describe(result: dict) -> str:
    objects = "; ".join(
        f"{name} {item['records']:,} in {item['seconds']:.1f} s "
        f"(export {item['export_seconds']:.1f} s, apply {item['apply_seconds']:.1f} s)"
        for name, item in result["per_object"].items()
    )
    records = result["records"]
    return (
        f"initial sync: {records:,} records in {result['seconds']:.1f} s = "
        f"{records / result['seconds']:,.0f} records/s overall; applying them took the workers "
        f"{result['apply_seconds']:.1f} s = {records / result['apply_seconds']:,.0f} records/s "
        f"({objects}). COPY of the same {result['copy_rows']:,} rows: "
        f"{result['copy_seconds']:.1f} s, ratio {result['ratio']:.2f} to applying "
        f"(target ≥ 0.3), {result['copy_seconds'] / result['seconds']:.2f} to the whole sync "
        f"with Shopify's export. Worker peak memory {max(result['peak_mb']):.0f} MB "
        f"(target < 300 MB, {result['workers']} workers)."
    )


if __name__ == "__main__":
    outcome = main()
    support.report("initial_sync", outcome, describe(outcome))
