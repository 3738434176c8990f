"""Worker memory over a bulk export far larger than the benchmark's shop: the orders of ten
times its shop (1M orders, their lines ungrouped, every child line after every record) staged
and applied by one worker process, whose peak resident memory is printed; and the same at the
benchmark's own size, so that the time of ten times the data can be set beside it (target: at
most eleven times as long).

The emulator holds its shops in memory and cannot hold ten times the benchmark's (it would need
more than this machine has), so the file is made from a real export of a small shop: its lines
repeated with every id and order name moved on, each copy's records first and all the children
at the end, the order an assembler that waits for its children finds hardest. The worker reads
it through the product's own path (`sync.runs._apply_file`), as it would read Shopify's.

    python -m bench.bulk_memory [--scale 10] [--compare-with 1]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time

from bench import support

SHOP = "memory.myshopify.com"
TEMPLATE_ORDERS = 1000
FULL_ORDERS = 100_000  # the benchmark's shop (bench.initial_sync)
GID = re.compile(rb"(gid://shopify/[A-Za-z]+/)([0-9]+)")
ORDER_NAME = re.compile(rb'("name":"#)([0-9]+)(")')
# Ids of one copy are moved on by this much (the emulator's ids are far below it).
ID_STEP = 10_000_000


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=10.0, help="times the benchmark's shop")
    parser.add_argument(
        "--compare-with", type=float, default=None, help="a smaller scale, timed the same way"
    )
    args = parser.parse_args(argv)
    result = {"scale": args.scale, **run(_copies(args.scale))}
    if args.compare_with:
        small = run(_copies(args.compare_with))
        result["compared"] = {"scale": args.compare_with, **small}
        # Per order, not per run: the copies are rounded to whole template exports.
        per_order = result["apply_seconds"] / result["orders"]
        result["time_ratio"] = (
            per_order
            / (small["apply_seconds"] / small["orders"])
            * (args.scale / args.compare_with)
        )
    return result


def _copies(scale: float) -> int:
    return max(1, round(FULL_ORDERS * scale / TEMPLATE_ORDERS))


def run(copies: int) -> dict:
    from shopify_emulator.client import EmulatorProcess

    emulator = EmulatorProcess()
    env = support.environment(f"{emulator.url}/{{shop}}")
    os.environ.update(env)
    from django.conf import settings

    # A second run in this process has an emulator of its own, on another port.
    settings.SHOPIFY_BASE_URL = env["SHOPIFY_BASE_URL"]
    template = support.ROOT / "var" / "bench-orders-template.jsonl"
    try:
        support.fresh_app()
        shopify = emulator.client
        shopify.add_app(support.APP_KEY, support.APP_SECRET, **support.APPROVED_APP)
        shopify.add_shop(SHOP, plan="plus", name="Memory", currency="USD")
        shopify.faults(SHOP, webhook_drop_rate=1.0)
        shopify.seed(SHOP, customers=TEMPLATE_ORDERS, products=200, orders=TEMPLATE_ORDERS, seed=7)
        run_id = _template_export(shopify, template)
    finally:
        emulator.stop()
    started = time.monotonic()
    worker = subprocess.run(  # noqa: S603 (this module, fixed arguments)
        [sys.executable, "-m", "bench.bulk_memory", "--worker", str(run_id), str(copies)],
        cwd=support.ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    template.unlink(missing_ok=True)
    if worker.returncode:
        raise SystemExit(f"the worker failed:\n{worker.stderr[-3000:]}")
    result = json.loads(worker.stdout.strip().splitlines()[-1])
    result["seconds"] = time.monotonic() - started
    return result


def _template_export(shopify, template) -> int:
    """Connect the store, turn its orders sync on (its job is not run), and keep the orders'
    bulk export of the small shop. Returns the run the worker applies the big file as."""
    from integration.client import ShopifyClient
    from integration.documents import operation
    from sync import adapters, services
    from sync.adapters import ADAPTERS

    token = shopify.token(SHOP, support.APP_KEY, adapters.scopes())
    store = services.connect_store_token(shop_domain=SHOP, access_token=token, user=None)
    run = services.turn_on(store=store, object_type="orders")
    adapter = ADAPTERS["orders"]
    client = ShopifyClient.for_store(store)
    started = client.start_bulk_query(operation(adapter.document, adapter.bulk_operation))
    support.wait_for(
        lambda: client.bulk_operation(started["id"])["status"] == "COMPLETED", timeout=600
    )
    url = client.bulk_operation(started["id"])["url"]
    template.parent.mkdir(exist_ok=True)
    with template.open("wb") as out:
        for _, line in client.stream_lines(url):
            out.write(line + b"\n")
    return run.pk


def _lines(template_lines: list[bytes], copies: int):
    """(number, line) of the big file: each copy's records, then every copy's children."""
    roots = [line for line in template_lines if b'"__parentId"' not in line]
    children = [line for line in template_lines if b'"__parentId"' in line]
    number = 0
    for group in (roots, children):
        for copy in range(copies):
            for line in group:
                yield number, _moved(line, copy)
                number += 1


def _moved(line: bytes, copy: int) -> bytes:
    if not copy:
        return line
    line = GID.sub(lambda m: m.group(1) + b"%d" % (int(m.group(2)) + copy * ID_STEP), line)
    return ORDER_NAME.sub(
        lambda m: m.group(1) + b"%d" % (int(m.group(2)) + copy * ID_STEP) + m.group(3), line
    )


def _worker(run_id: int, copies: int) -> dict:
    """In a process of its own, as a worker: apply the big file as the run's export."""
    import django

    django.setup()
    from django.conf import settings

    from sync import runs
    from sync.models import RunStatus, SyncRun, SyncSetting

    template = support.ROOT / "var" / "bench-orders-template.jsonl"
    template_lines = template.read_bytes().splitlines()

    class SyntheticExport:
        def stream_lines(self, url, start_line=0):
            return _lines(template_lines, copies)

    run = SyncRun.objects.get(pk=run_id)
    run.status, run.checkpoint = RunStatus.RUNNING, {"line": -1}
    run.save(update_fields=["status", "checkpoint"])
    setting = SyncSetting.objects.select_related("store").get(
        store=run.store, object_type=run.object_type
    )
    began = time.monotonic()
    runs._apply_file(run, setting, SyntheticExport(), "synthetic", run.checkpoint)
    run.refresh_from_db()
    return {
        "orders": run.seen,
        "lines": run.checkpoint["staged_lines"],
        "apply_seconds": time.monotonic() - began,
        "batch_size": settings.SYNC_BATCH_SIZE,
        "peak_mb": support.peak_rss_mb(os.getpid()),
    }


def describe(result: dict) -> str:
    text = (
        f"bulk memory: {result['orders']:,} orders ({result['lines']:,} lines, children "
        f"after every record) staged and applied by one worker in {result['apply_seconds']:.0f} s "
        f"({result['orders'] / result['apply_seconds']:,.0f} orders/s, batches of "
        f"{result['batch_size']}); worker peak memory {result['peak_mb']:.0f} MB "
        "(target < 300 MB)."
    )
    if "compared" in result:
        small = result["compared"]
        text += (
            f" At {small['scale']:g}× the shop, {small['orders']:,} orders in "
            f"{small['apply_seconds']:.0f} s, peak {small['peak_mb']:.0f} MB: "
            f"{result['scale'] / small['scale']:g}× the data took {result['time_ratio']:.1f}× "
            f"the time (target ≤ {result['scale'] / small['scale'] * 1.1:g}×)."
        )
    return text


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        print(json.dumps(_worker(int(sys.argv[2]), int(sys.argv[3]))))
    else:
        outcome = main()
        support.report("bulk_memory", outcome, describe(outcome))
