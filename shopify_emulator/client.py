"""A small client of the emulator's control API, for tests, benchmarks, the demo and the CLI."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time

import requests


class ControlError(Exception):
    def __init__(self, status: int, body):
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


class EmulatorClient:
    def __init__(self, url: str, timeout: float = 60):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()

    def call(self, method: str, path: str, json=None):
        response = self.session.request(
            method, f"{self.url}/__emulator__/{path.lstrip('/')}", json=json, timeout=self.timeout
        )
        body = response.json()
        if response.status_code >= 400:
            raise ControlError(response.status_code, body)
        return body

    def reset(self):
        return self.call("POST", "reset")

    def add_app(self, client_id: str, client_secret: str, **options):
        return self.call(
            "POST", "apps", {"client_id": client_id, "client_secret": client_secret, **options}
        )

    def add_shop(self, shop: str, **options):
        return self.call("POST", "shops", {"shop": shop, **options})

    def token(self, shop: str, client_id: str, scopes: list[str]) -> str:
        body = self.call(
            "POST", f"shops/{shop}/access_tokens", {"client_id": client_id, "scopes": scopes}
        )
        return body["access_token"]

    def seed(self, shop: str, **counts):
        return self.call("POST", f"shops/{shop}/seed", counts)

    def faults(self, shop: str, **knobs):
        return self.call("PUT", f"shops/{shop}/faults", knobs)

    def mutations(self, shop: str) -> list[dict]:
        """The mutations apps ran on the shop, oldest first."""
        return self.call("GET", f"shops/{shop}/mutations")["mutations"]

    def deliveries(self, shop: str) -> list[dict]:
        return self.call("GET", f"shops/{shop}/webhook_deliveries")["deliveries"]

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
        )
        self.client = EmulatorClient(self.url)
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
