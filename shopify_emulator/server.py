"""The HTTP server: many shops in one threaded process, addressed as
`http://127.0.0.1:8765/{shop}/…` where `{shop}` is `name.myshopify.com`.

    GET|POST /{shop}/admin/oauth/authorize        approval page / approve
    POST     /{shop}/admin/oauth/access_token     code, refresh token, client credentials or
                                                  ID token → token (oauth.py, tokens.py)
    GET      /{shop}/admin/apps/{client_id}       "Install app": to the signed App URL
    POST     /{shop}/admin/api/2026-10/graphql.json
    *        /__emulator__/…                      control API (control.py)
    GET      /__emulator__/bulk/{file}.jsonl      bulk operation results
    GET|POST /{shop}/admin                        act as the merchant (merchant.py)
    GET      /{shop}/admin/{customers|orders|products|checkouts|companies}/{id}
                                                  a record's page in the shop's admin
    GET      /                                    what runs here
"""

from __future__ import annotations

import hmac
import html
import json
import logging
import os
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

from shopify_emulator import control, graphql_api, merchant, oauth
from shopify_emulator.bulk import BulkRunner
from shopify_emulator.schema import load_schema
from shopify_emulator.state import Emulator
from shopify_emulator.webhooks import Dispatcher

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 10 * 1024 * 1024
SHOP_PATH = re.compile(r"^/(?P<shop>[a-z0-9][a-z0-9-]*\.myshopify\.com)(?P<rest>/.*)$")
# A record's page in the shop's admin, where the app's "Open in Shopify" links lead.
RECORD_PAGE = re.compile(
    r"/admin/(?P<resource>customers|orders|products|checkouts|companies)/(?P<id>[0-9]{1,19})"
)
SAVE_EVERY_SECONDS = 5


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ShopifyEmulator/1.0"
    emulator: Emulator  # set on the subclass the server makes
    control_token: str  # likewise

    def log_message(self, format, *args):
        log.debug("%s " + format, self.address_string(), *args)

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_PATCH(self):
        self._dispatch("PATCH")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def _body(self) -> bytes | int:
        """The request body, or the status that refuses it."""
        length = self.headers.get("Content-Length") or "0"
        if not length.isdigit():  # also refuses a negative length
            return 400
        if int(length) > MAX_BODY_BYTES:
            return 413
        return self.rfile.read(int(length)) if int(length) else b""

    def _dispatch(self, method: str):
        url = urlsplit(self.path)
        body = self._body()
        if isinstance(body, int):
            self._send(body, {}, {"errors": "Bad Request" if body == 400 else "Payload Too Large"})
            self.close_connection = True
            return
        try:
            status, headers, payload = self._route(method, url, body)
        except Exception:
            log.exception("emulator error on %s %s", method, self.path)
            status, headers, payload = 500, {}, {"errors": "Internal Server Error"}
        self._send(status, headers, payload)

    def _route(self, method, url, body):
        emulator = self.emulator
        path = url.path
        if path.startswith("/__emulator__/bulk/") and method == "GET":
            return self._bulk_file(path.rsplit("/", 1)[-1])
        if path.startswith("/__emulator__/"):
            if not self._control_allowed():
                return (
                    401,
                    {},
                    {"error": "The control API needs its token: Authorization: Bearer …"},
                )
            parts = [part for part in path[len("/__emulator__/") :].split("/") if part]
            try:
                request = json.loads(body) if body else None
            except ValueError:
                return 400, {}, {"error": "The body is not JSON"}
            query = dict(parse_qsl(url.query))
            status, payload = control.handle(emulator, method, parts, request, query)
            return status, {}, payload
        if path == "/" and method == "GET":
            return 200, {"Content-Type": "text/html; charset=utf-8"}, self._index()
        match = SHOP_PATH.match(path)
        if not match:
            return 404, {}, {"errors": "Not Found"}
        shop, rest = match.group("shop"), match.group("rest")
        if rest == "/admin" and method in ("GET", "POST") and shop in emulator.shops:
            return self._merchant(method, emulator.shops[shop], url, body)
        if rest == "/admin/oauth/authorize":
            query = dict(parse_qsl(url.query))
            if method == "GET":
                return oauth.authorize(emulator, shop, query)
            if method == "POST":
                return oauth.approve(emulator, shop, dict(parse_qsl(body.decode())))
        record = RECORD_PAGE.fullmatch(rest)
        if record and method == "GET" and shop in emulator.shops:
            shop_state = emulator.shops[shop]
            return merchant.record_page(shop_state, record["resource"], int(record["id"]))
        install = re.fullmatch(r"/admin/apps/(?P<client_id>[^/]+)", rest)
        if install and method == "GET" and shop in emulator.shops:
            client_id = unquote(install.group("client_id"))
            return merchant.open_app(emulator, emulator.shops[shop], client_id)
        if rest == "/admin/oauth/access_token" and method == "POST":
            return oauth.access_token(emulator, shop, self._params(body))
        api = re.fullmatch(r"/admin/api/(?P<version>[\w-]+)/graphql\.json", rest)
        if api and method == "POST":
            return graphql_api.handle(emulator, shop, api.group("version"), self.headers, body)
        return 404, {}, {"errors": "Not Found"}

    def _control_allowed(self) -> bool:
        """The control API changes anything in any shop: only with the token the emulator was
        started with (the bulk files above are Shopify's signed URLs, and need none)."""
        given = self.headers.get("Authorization", "").encode("utf-8", "replace")
        return hmac.compare_digest(given, f"Bearer {self.control_token}".encode())

    def _merchant(self, method, shop, url, body):
        if method == "POST":
            return merchant.redirect_to_page(
                shop, merchant.act(self.emulator, shop, dict(parse_qsl(body.decode())))
            )
        message = dict(parse_qsl(url.query)).get("message", "")
        page = merchant.page(self.emulator, shop, message)
        return 200, {"Content-Type": "text/html; charset=utf-8"}, page

    def _params(self, body: bytes) -> dict:
        """Shopify takes the token request as JSON or as a form."""
        if "json" in (self.headers.get("Content-Type") or ""):
            try:
                data = json.loads(body or b"{}")
                return data if isinstance(data, dict) else {}
            except ValueError:
                return {}
        return dict(parse_qsl(body.decode()))

    def _bulk_file(self, name: str):
        if not re.fullmatch(r"[\w.-]+\.jsonl", name):
            return 404, {}, {"errors": "Not Found"}
        path = os.path.join(self.emulator.bulk_dir, name)
        if not os.path.exists(path):
            return 404, {}, {"errors": "Not Found"}
        return 200, {"Content-Type": "application/jsonl"}, _FileBody(path)

    def _index(self) -> bytes:
        rows = "".join(
            f"<li><a href='/{html.escape(domain)}/admin'><code>{html.escape(domain)}</code></a>"
            f" – {html.escape(shop.name)}: "
            + ", ".join(f"{len(rows)} {name}" for name, rows in shop.data.items())
            + "</li>"
            for domain, shop in sorted(self.emulator.shops.items())
        )
        return (
            "<!doctype html><meta charset=utf-8><title>Shopify emulator</title>"
            "<body style='font-family:sans-serif;margin:2em'><h1>Shopify emulator</h1>"
            f"<p>Admin API 2026-10. Shops:</p><ul>{rows or '<li>none yet</li>'}</ul>"
            "<p>Open a shop to act as its merchant. Control API: <code>/__emulator__/</code> "
            "(see the project README).</p>"
        ).encode()

    def _send(self, status: int, headers: dict, payload):
        if isinstance(payload, _FileBody):
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(payload.size))
            self.end_headers()
            payload.copy_to(self.wfile)
            return
        if isinstance(payload, (bytes, bytearray)):
            data = bytes(payload)
        else:
            data = json.dumps(payload).encode()
            headers = {"Content-Type": "application/json; charset=utf-8", **headers}
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _FileBody:
    """A file streamed to the client in chunks, never read whole into memory."""

    def __init__(self, path):
        self.path = path
        self.size = os.path.getsize(path)

    def copy_to(self, output):
        with open(self.path, "rb") as file:
            while chunk := file.read(1 << 16):
                output.write(chunk)


class EmulatorServer:
    """The emulator on a port, with its webhook dispatcher, bulk runner and state saver."""

    def __init__(
        self, control_token: str, host="127.0.0.1", port=8765, state_file=None, auto_approve=False
    ):
        if len(control_token) < 16:
            raise ValueError("the control API's token must be at least 16 characters")
        load_schema()  # build it before the first request, not during it
        self.emulator = Emulator(state_file=state_file, auto_approve=auto_approve)
        handler = type(
            "BoundHandler", (Handler,), {"emulator": self.emulator, "control_token": control_token}
        )
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://{host}:{self.port}"
        self.emulator.base_url = self.url
        self.emulator.webhooks = Dispatcher(self.emulator)
        self.emulator.bulk = BulkRunner(self.emulator)
        self._stopped = threading.Event()
        self._threads: list[threading.Thread] = []

    def serve_forever(self):
        if self.emulator.state_file:
            saver = threading.Thread(target=self._save_periodically, daemon=True)
            saver.start()
            self._threads.append(saver)
        self.httpd.serve_forever()

    def start(self):
        """Serve on a background thread (for tests)."""
        thread = threading.Thread(target=self.serve_forever, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def _save_periodically(self):
        saved = self.emulator.fingerprint()
        while not self._stopped.wait(SAVE_EVERY_SECONDS):
            current = self.emulator.fingerprint()
            if current != saved:
                self.emulator.save()
                saved = current

    def stop(self):
        self._stopped.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.emulator.webhooks.stop()
        self.emulator.save()
