"""python -m shopify_emulator serve [--port 8765] [--state FILE] [--app ID:SECRET] [--auto-approve]
                                  [--demo-shop demo.myshopify.com …]
python -m shopify_emulator seed --shop demo.myshopify.com --customers N … [--seed 42] [--url URL]
                                 [--plan basic|advanced|plus]

The emulator stands for Shopify in development and tests, never in production: `serve` does not
start unless DEBUG is on and SHOPIFY_BASE_URL (when set) names this emulator, and its control
API answers only with the token in EMULATOR_CONTROL_TOKEN (or --control-token).
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import os
import signal
import sys
import threading
from urllib.parse import urlsplit

from shopify_emulator.client import ControlError, EmulatorClient

# The demo app is approved as a custom app is: all protected customer data, read_all_orders.
DEMO_APP = {
    "distribution": "custom",
    "protected_data": {"level": 2, "fields": ["name", "email", "phone", "address"]},
    "approved_scopes": ["read_all_orders"],
}
# What `--demo-shop` seeds: enough to look like a small, busy store.
DEMO_COUNTS = {"customers": 250, "companies": 12, "products": 40, "orders": 600, "checkouts": 80}
DEMO_CURRENCIES = ("USD", "EUR", "SEK")


TRUE = {"1", "true", "yes", "on"}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
TOKEN_VARIABLE = "EMULATOR_CONTROL_TOKEN"  # noqa: S105 (the variable's name)


def production_refusal(environ, port: int) -> str:
    """Why this environment is not one to run the emulator in ("" when it is)."""
    if environ.get("DEBUG", "").strip().lower() not in TRUE:
        return (
            "The Shopify emulator runs only in development and tests (DEBUG on): "
            "it does not start with DEBUG off."
        )
    base = environ.get("SHOPIFY_BASE_URL", "")
    if base:
        parts = urlsplit(base.replace("{shop}", "shop"))
        if parts.hostname not in LOCAL_HOSTS or parts.port != port:
            return (
                f"SHOPIFY_BASE_URL is {base}, not this emulator (http://127.0.0.1:{port}/{{shop}}):"
                " the app talks to another Shopify, and the emulator does not start beside it."
            )
    return ""


def serve(args):
    from shopify_emulator import seed as seeding
    from shopify_emulator.server import EmulatorServer

    refusal = production_refusal(os.environ, args.port)
    if refusal:
        sys.exit(refusal)
    token = args.control_token or os.environ.get(TOKEN_VARIABLE, "")
    if len(token) < 16:
        sys.exit(
            f"The control API needs a token of 16 characters or more: set {TOKEN_VARIABLE} "
            "(or --control-token)."
        )
    server = EmulatorServer(token, args.host, args.port, args.state, args.auto_approve)
    for app in args.app:
        client_id, _, secret = app.partition(":")
        if not client_id or not secret:
            sys.exit(f"--app wants CLIENT_ID:CLIENT_SECRET, not {app!r}")
        server.emulator.add_app(
            client_id,
            secret,
            compliance_url=args.compliance_url,
            app_url=args.app_url,
            **copy.deepcopy(DEMO_APP),
        )
    for index, domain in enumerate(args.demo_shop):
        if domain in server.emulator.shops:
            server.emulator.shops[domain].plan = "plus"  # also when a saved state predates plans
            continue
        name = domain.removesuffix(".myshopify.com").replace("-", " ").title()
        currency = DEMO_CURRENCIES[index % len(DEMO_CURRENCIES)]
        # On Shopify Plus, so the demo's companies (B2B) sync like the other objects.
        shop, _ = server.emulator.add_shop(domain, name, currency, "Europe/Stockholm", "plus")
        seeding.seed(shop, **DEMO_COUNTS, seed=42 + index)
        print(f"Seeded {domain} ({currency}): {DEMO_COUNTS}", flush=True)
    stop = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    print(f"Shopify emulator listening on {server.url}", flush=True)
    stop.wait()
    print("Shopify emulator stopping…", flush=True)
    server.stop()


def seed(args):
    client = EmulatorClient(args.url, timeout=600, control_token=os.environ.get(TOKEN_VARIABLE, ""))
    try:
        client.add_shop(args.shop, plan=args.plan, currency=args.currency, name=args.name or "")
        result = client.seed(
            args.shop,
            customers=args.customers,
            companies=args.companies,
            products=args.products,
            orders=args.orders,
            checkouts=args.checkouts,
            seed=args.seed,
        )
    except ControlError as error:
        sys.exit(f"The emulator refused: {error}")
    except OSError as error:
        sys.exit(f"No emulator answers at {args.url} ({error}); start one with `serve` first.")
    print(json.dumps(result))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m shopify_emulator")
    commands = parser.add_subparsers(dest="command", required=True)

    serve_parser = commands.add_parser("serve", help="run the emulator")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=8765)
    serve_parser.add_argument("--state", help="load state from FILE and save it there")
    serve_parser.add_argument(
        "--app", action="append", default=[], metavar="ID:SECRET", help="register an app"
    )
    serve_parser.add_argument("--compliance-url", help="where --app's compliance webhooks go")
    serve_parser.add_argument(
        "--app-url", help="--app's App URL, opened by the merchant page's Install app link"
    )
    serve_parser.add_argument(
        "--auto-approve", action="store_true", help="approve OAuth installs without the page"
    )
    serve_parser.add_argument(
        "--demo-shop",
        action="append",
        default=[],
        metavar="DOMAIN",
        help="create and seed this shop unless it exists (repeatable)",
    )
    serve_parser.add_argument(
        "--control-token", default="", help=f"the control API's token (default: ${TOKEN_VARIABLE})"
    )
    serve_parser.add_argument("--log-level", default="WARNING")
    serve_parser.set_defaults(run=serve)

    seed_parser = commands.add_parser("seed", help="seed a shop of a running emulator")
    seed_parser.add_argument("--url", default="http://127.0.0.1:8765")
    seed_parser.add_argument("--shop", required=True)
    seed_parser.add_argument("--name")
    seed_parser.add_argument("--currency", default="USD")
    seed_parser.add_argument(
        "--plan", default="basic", choices=("basic", "advanced", "plus"), help="a new shop's plan"
    )
    for name in ("customers", "companies", "products", "orders", "checkouts"):
        seed_parser.add_argument(f"--{name}", type=int, default=0)
    seed_parser.add_argument("--seed", type=int, default=42)
    seed_parser.set_defaults(run=seed, log_level="WARNING")

    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(message)s")
    args.run(args)


if __name__ == "__main__":
    main()
