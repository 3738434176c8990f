"""`make run`'s demo: connect a shop of the local Shopify emulator and turn every sync on, so a
newcomer sees the CRM fill up without clicking through the connect flow first."""

import os
import time
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from integration.services import ConnectError, oauth_grant
from sync import adapters, services
from sync.models import SyncSetting

DEFAULT_SHOP = "demo.myshopify.com"


class Command(BaseCommand):
    help = (
        "Connect a shop of the local Shopify emulator (not a real store) and turn every "
        "sync on. Running it again reconnects and starts nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--shop", default=DEFAULT_SHOP, help=f"default: {DEFAULT_SHOP}")
        parser.add_argument(
            "--wait",
            type=int,
            default=0,
            metavar="SECONDS",
            help="wait this long for the emulator to answer (it may still be starting)",
        )
        parser.add_argument(
            "--then-idle",
            action="store_true",
            help="stay running afterwards (a Procfile process that ends stops the others)",
        )

    def handle(self, *args, shop, wait, then_idle, **options):
        try:
            self._connect(shop, wait)
        except CommandError as error:
            if not then_idle:
                raise
            # Under `make run` the rest of the product stays up: say what is wrong and wait.
            self.stderr.write(self.style.ERROR(f"The demo store is not connected: {error}"))
        if then_idle:
            while True:
                time.sleep(3600)

    def _connect(self, shop: str, wait: int):
        emulator = emulator_url()
        self._wait_for(emulator, shop, wait)
        # What an OAuth install ends with (an expiring token and its refresh token), without
        # clicking through Shopify's approval page.
        response = requests.post(
            f"{emulator}/__emulator__/shops/{shop}/access_tokens",
            json={
                "client_id": settings.SHOPIFY_API_KEY,
                "scopes": adapters.scopes(),
                "expiring": True,
            },
            headers=control_headers(),
            timeout=10,
        )
        if not response.ok:
            raise CommandError(f"The emulator gave no token for {shop}: {response.text[:200]}")
        try:
            store = services.connect_store(
                shop_domain=shop, grant=oauth_grant(response.json()), user=None
            )
        except ConnectError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{store} ({shop}) is connected.")
        on = set(
            SyncSetting.objects.filter(store=store, enabled=True).values_list(
                "object_type", flat=True
            )
        )
        for object_type in adapters.ADAPTERS:
            if object_type in on:
                self.stdout.write(f"{object_type}: already on.")
                continue
            try:
                run = services.turn_on(store=store, object_type=object_type)
            except ValueError as cannot:
                self.stdout.write(f"{object_type}: not turned on. {cannot}")
                continue
            self.stdout.write(f"{object_type}: initial sync started (run {run.pk}).")
        self.stdout.write(
            self.style.SUCCESS(
                f"Act as the merchant at {emulator}/{shop}/admin and watch the change arrive."
            )
        )

    def _wait_for(self, emulator: str, shop: str, seconds: int):
        deadline = time.monotonic() + seconds
        while True:
            try:
                answer = requests.get(
                    f"{emulator}/__emulator__/shops/{shop}/faults",
                    headers=control_headers(),
                    timeout=5,
                )
            except requests.ConnectionError:
                answer = None
            if answer is not None and answer.status_code == 200:
                return
            if answer is not None and answer.status_code == 404:
                raise CommandError(f"The emulator at {emulator} has no shop {shop}.")
            if answer is not None and answer.status_code == 401:
                raise CommandError(
                    f"The emulator at {emulator} refused its control token: set "
                    "EMULATOR_CONTROL_TOKEN to the one it was started with."
                )
            if time.monotonic() >= deadline:
                raise CommandError(
                    f"No Shopify emulator answers at {emulator} (SHOPIFY_BASE_URL). Start it "
                    "with `python -m shopify_emulator serve --demo-shop demo.myshopify.com`."
                )
            time.sleep(0.5)


def control_headers() -> dict:
    """The emulator's control API answers only with the token it was started with (`make run`
    makes one per run and gives it to both)."""
    return {"Authorization": f"Bearer {os.environ.get('EMULATOR_CONTROL_TOKEN', '')}"}


def emulator_url() -> str:
    """The emulator's address, from SHOPIFY_BASE_URL (http://host:port/{shop}). A base URL with
    the shop in the host name is real Shopify: refused, this command is for the emulator."""
    base = settings.SHOPIFY_BASE_URL
    parts = urlsplit(base)
    if "{shop}" in parts.netloc or not parts.path.startswith("/{shop}"):
        raise CommandError(
            f"SHOPIFY_BASE_URL is {base}: that is not the local emulator "
            "(http://127.0.0.1:8765/{shop}). demo_store only connects emulator shops."
        )
    return f"{parts.scheme}://{parts.netloc}"
