"""A small client of the emulator's control API, for tests, benchmarks, the demo and the CLI."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from urllib.parse import quote

import requests


class ControlError(Exception):
    def __init__(self, status: int, body):
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


class EmulatorClient:
    def __init__(self, url: str, timeout: float = 60, control_token: str = ""):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.control_token = control_token

    def call(self, method: str, path: str, json=None):
        response = self.session.request(
            method,
            f"{self.url}/__emulator__/{path.lstrip('/')}",
            json=json,
            headers={"Authorization": f"Bearer {self.control_token}"}
            if self.control_token
            else None,
            timeout=self.timeout,
        )
        body = response.json()
        if response.status_code >= 400:
            raise ControlError(response.status_code, body)
        return body

    def reset(self):
        return self.call("POST", "reset")

    def add_app(self, client_id: str, client_secret: str, **options):
        """Register an app. Options (control.APP_OPTIONS): auto_approve, compliance_url,
        redirect_urls, app_url, token_lifetime, refresh_token_lifetime,
        client_credentials_lifetime, refresh_recovery_period, approved_scopes, protected_data,
        refuse_non_expiring, own_shop, scopes, distribution."""
        return self.call(
            "POST", "apps", {"client_id": client_id, "client_secret": client_secret, **options}
        )

    def update_app(self, client_id: str, **options):
        return self.call("PATCH", f"apps/{quote(client_id, safe='')}", options)

    def add_shop(self, shop: str, plan: str = "basic", **options):
        """Create a shop (name, currency, timezone, country, token_lifetime) on a plan: "basic",
        "advanced" or "plus"."""
        return self.call("POST", "shops", {"shop": shop, "plan": plan, **options})

    def update_shop(self, shop: str, **options):
        """Change a shop's plan, token_lifetime (null: the apps' own), name or country."""
        return self.call("PATCH", f"shops/{shop}", options)

    def token_grant(
        self, shop: str, client_id: str, scopes: list[str], expiring: bool = False
    ) -> dict:
        """What a merchant-made app gets: {"access_token", "scope"}, and with `expiring`
        also "expires_in", "refresh_token", "refresh_token_expires_in"."""
        return self.call(
            "POST",
            f"shops/{shop}/access_tokens",
            {"client_id": client_id, "scopes": scopes, "expiring": expiring},
        )

    def token(self, shop: str, client_id: str, scopes: list[str], expiring: bool = False) -> str:
        return self.token_grant(shop, client_id, scopes, expiring)["access_token"]

    def session_token(self, shop: str, client_id: str, **claims) -> str:
        """The ID token App Bridge would give the app embedded in `shop` (user_id, lifetime)."""
        body = self.call("POST", f"shops/{shop}/session_tokens", {"client_id": client_id, **claims})
        return body["id_token"]

    def set_installation_scopes(self, shop: str, client_id: str, scopes: list[str]) -> dict:
        return self.call(
            "PATCH", f"shops/{shop}/installations/{quote(client_id, safe='')}", {"scopes": scopes}
        )

    def install_url(self, shop: str, client_id: str) -> str:
        """The signed App URL Shopify opens when the merchant installs or opens the app."""
        path = f"shops/{shop}/install_url?client_id={quote(client_id, safe='')}"
        return self.call("GET", path)["url"]

    def seed(self, shop: str, **counts):
        return self.call("POST", f"shops/{shop}/seed", counts)

    def faults(self, shop: str, **knobs):
        """Set fault and platform-rule knobs (state.Faults documents each)."""
        return self.call("PUT", f"shops/{shop}/faults", knobs)

    def mutations(self, shop: str) -> list[dict]:
        """The mutations apps ran on the shop, oldest first."""
        return self.call("GET", f"shops/{shop}/mutations")["mutations"]

    def deliveries(self, shop: str) -> list[dict]:
        return self.call("GET", f"shops/{shop}/webhook_deliveries")["deliveries"]

    def subscriptions(self, shop: str) -> dict:
        """{"subscriptions": [...with consecutive_failures], "removed": [...]}: the shop's
        webhook subscriptions, and those deleted because their deliveries kept failing."""
        return self.call("GET", f"shops/{shop}/webhook_subscriptions")

    def graphql_url(self, shop: str) -> str:
        return f"{self.url}/{shop}/admin/api/2026-10/graphql.json"

    def graphql(self, shop: str, token: str, query: str, variables=None) -> dict:
        response = self.session.post(
            self.graphql_url(shop),
            json={"query": query, "variables": variables or {}},
            headers={"X-Shopify-Access-Token": token},
            timeout=self.timeout,
        )
        response.raise_for_status()
        return response.json()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class EmulatorProcess:
    """`python -m shopify_emulator serve` in a child process, for tests and benchmarks."""

    def __init__(self, port: int | None = None, *extra_args: str):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.control_token = secrets.token_urlsafe(24)
        # What the emulator starts in: development (DEBUG), pointed at by nothing else, with
        # a control token of this run's own.
        environment = {
            **os.environ,
            "DEBUG": "true",
            "SHOPIFY_BASE_URL": f"{self.url}/{{shop}}",
            "EMULATOR_CONTROL_TOKEN": self.control_token,
        }
        # A file, not a pipe: a chatty child must never block on a full pipe nobody reads.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(  # noqa: S603 (our own module, fixed arguments)
            [
                sys.executable,
                "-m",
                "shopify_emulator",
                "serve",
                "--port",
                str(self.port),
                *extra_args,
            ],
            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            env=environment,
        )
        self.client = EmulatorClient(self.url, control_token=self.control_token)
        self._wait_until_up()

    def _wait_until_up(self, seconds: float = 30):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"the emulator exited: {self.log.read().decode()}")
            try:
                self.client.call("GET", "shops")
                return
            except (requests.ConnectionError, ControlError):
                time.sleep(0.1)
        raise RuntimeError("the emulator did not start in time")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
