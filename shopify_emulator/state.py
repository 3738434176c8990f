"""What the emulator holds: apps, shops and their records, access tokens, refresh tokens, app
installations, OAuth codes.

One `Emulator` per process. Each `Shop` has a lock: writes take it, and records are replaced
rather than mutated (see records.py), so readers only hold it long enough to take a snapshot.
How tokens are issued, refreshed and checked is tokens.py; this module only holds them.
"""

from __future__ import annotations

import collections
import json
import os
import re
import secrets
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field

from shopify_emulator import records

RESOURCES = ("customers", "products", "orders", "checkouts", "companies")
# Ids above 2**53: a client that squeezes them through a float gets them wrong at once.
FIRST_ID = 9_100_000_000_000_001


# Protected customer data a public app gets without Shopify's approval: none (level 0).
# https://shopify.dev/docs/apps/launch/protected-customer-data
PROTECTED_FIELDS = ("name", "email", "phone", "address")

# Each plan's GraphQL Admin API cost bucket: (bucket size, restore rate in points per second),
# its ShopPlan display name, and whether it is Shopify Plus. The restore rates are the published
# ones ("GraphQL Admin API rate limits": Standard 100, Advanced 200, Plus 1000 points/second,
# https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits); the bucket sizes are what
# Shopify reports as `throttleStatus.maximumAvailable` on such stores (2000, 4000, 20000).
PLANS = {
    "basic": {"bucket_size": 2000.0, "restore_rate": 100.0, "name": "Basic", "plus": False},
    "advanced": {"bucket_size": 4000.0, "restore_rate": 200.0, "name": "Advanced", "plus": False},
    "plus": {"bucket_size": 20000.0, "restore_rate": 1000.0, "name": "Shopify Plus", "plus": True},
}
DEFAULT_PLAN = "basic"
# A new development store's address is where its owner is; the emulator's default is the US.
DEFAULT_COUNTRY = "US"
COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")


@dataclass
class App:
    """An app as its Partner/Dev Dashboard configuration describes it. The defaults are a
    public app as Shopify treats one: no protected customer data, no approved gated scopes,
    tokens with Shopify's documented lifetimes (tokens.py)."""

    client_id: str
    client_secret: str
    auto_approve: bool = False
    # Where compliance webhooks (customers/redact, shop/redact, customers/data_request) go; on
    # Shopify this is app configuration, not a subscription.
    compliance_url: str | None = None
    redirect_urls: list[str] = field(default_factory=list)
    # Shopify-managed installation opens this URL, signed, to start an install (tokens.py).
    app_url: str | None = None
    # Seconds an expiring offline access token and its refresh token live (shops may override
    # the first: Shop.token_lifetime), how long a client-credentials token lives, and how long
    # a spent refresh token may be retried while its replacement is unused.
    token_lifetime: float = 3600
    refresh_token_lifetime: float = 90 * 24 * 3600
    client_credentials_lifetime: float = 86399
    refresh_recovery_period: float = 30 * 24 * 3600
    # Scopes that need Shopify's approval (read_all_orders) and that Shopify approved.
    approved_scopes: list[str] = field(default_factory=list)
    # Protected customer data approved: {"level": 0|1|2, "fields": [name, email, phone, address]}.
    protected_data: dict = field(default_factory=lambda: {"level": 0, "fields": []})
    # The 2027 rule: Admin API requests with non-expiring offline tokens are refused.
    refuse_non_expiring: bool = False
    # A Dev Dashboard app made for the merchant's own store: the client-credentials grant works
    # there, and only there.
    own_shop: str | None = None
    # The access scopes the app's configuration (Dev Dashboard version, shopify.app.toml) asks
    # for: what client credentials and token exchange grant.
    scopes: list[str] = field(default_factory=list)
    # "public" or "custom": custom-distribution apps always have protected customer data.
    distribution: str = "public"

    def protected_access(self) -> tuple[int, frozenset]:
        """(level, approved fields): custom-distribution apps and apps made for the merchant's
        own store have all of it ("Protected customer data": always available to custom apps)."""
        if self.distribution == "custom" or self.own_shop:
            return 2, frozenset(PROTECTED_FIELDS)
        data = self.protected_data or {}
        level = int(data.get("level", 0))
        fields = frozenset(data.get("fields") or ()) if level >= 2 else frozenset()
        return level, fields

    @property
    def exempt_from_expiry_rule(self) -> bool:
        """Custom apps and merchant-made apps are outside the 2027 expiring-token rule."""
        return self.distribution == "custom" or bool(self.own_shop)


@dataclass
class Grant:
    """An access token: which app it belongs to, what it may do, and until when.

    `kind` is "offline" (authorization code, token exchange, the control API), "online" (token
    exchange for a user) or "client_credentials"; `expires_at` (epoch seconds) is None for a
    non-expiring token."""

    token: str
    client_id: str
    scopes: list[str]
    kind: str = "offline"
    expires_at: float | None = None


@dataclass
class Faults:
    """Per-shop knobs: injected faults, and platform rules a test may need set otherwise than
    Shopify's default (each says which rule; the rule's module cites its source)."""

    latency_ms: int = 0
    error_rate: float = 0.0
    throttle_429_rate: float = 0.0
    # None: the shop's plan decides (PLANS); a number overrides it.
    bucket_size: float | None = None
    restore_rate: float | None = None
    webhook_drop_rate: float = 0.0
    webhook_duplicate_rate: float = 0.0
    webhook_delay_ms: int = 0
    webhook_reorder: bool = False
    # Multiplies Shopify's retry schedule (8 tries over ~4 hours); 0.0001 makes it seconds.
    webhook_retry_scale: float = 1.0
    # Consecutive failed deliveries after which an API-made subscription is deleted
    # (webhooks.py); 0 never deletes.
    webhook_removal_threshold: int = 8
    # How long a bulk operation waits in CREATED before it runs, as in Shopify's queue.
    bulk_delay_ms: int = 0
    # Ungrouped bulk output is shuffled with this seed; None: the operation's own number, so
    # every run is reproducible (bulk_output.py).
    bulk_shuffle_seed: int | None = None
    # What grouping costs a bulk query with groupObjects: true, per window of 250 root objects.
    bulk_group_delay_ms: int = 5
    # Extra cost points per object of a type ("LineItem") or per resolved field
    # ("Order.lineItems"), on top of the default cost model (cost.py).
    field_costs: dict = field(default_factory=dict)
    # checkouts/create and checkouts/update carry `id` again, as before API 2026-04 (payloads.py).
    checkout_webhook_id: bool = False
    # False accepts any customer phone as given (still unique), as a shop holds numbers from
    # before Shopify checked them or that its rules take and libphonenumber does not (phones.py).
    phone_validation: bool = True

    def update(self, changes: dict) -> list[str]:
        """Apply known knobs; return the unknown ones (the caller reports them)."""
        unknown = []
        for name, value in changes.items():
            if name not in self.__dataclass_fields__:
                unknown.append(name)
            elif name in _PLAN_KNOBS:
                setattr(self, name, None if value is None else float(value))
            elif name == "bulk_shuffle_seed":
                setattr(self, name, None if value is None else int(value))
            elif name == "field_costs":
                if not isinstance(value or {}, dict):
                    raise ValueError("field_costs must be an object")
                setattr(self, name, {str(key): int(cost) for key, cost in (value or {}).items()})
            else:
                kind = type(getattr(Faults, name))
                setattr(self, name, kind(value) if kind is not bool else bool(value))
        return unknown


_PLAN_KNOBS = {"bucket_size", "restore_rate"}


class LeakyBucket:
    """Shopify's cost bucket for one app on one shop: it refills continuously at
    `restore_rate` points per second up to `size`."""

    def __init__(self, size: float, restore_rate: float):
        self.size = size
        self.restore_rate = restore_rate
        self.available = size
        self.updated = time.monotonic()
        self.lock = threading.Lock()

    def _refill(self):
        moment = time.monotonic()
        self.available = min(
            self.size, self.available + (moment - self.updated) * self.restore_rate
        )
        self.updated = moment

    def take(self, cost: float) -> bool:
        with self.lock:
            self._refill()
            if cost > self.available:
                return False
            self.available -= cost
            return True

    def refund(self, points: float):
        with self.lock:
            self._refill()
            self.available = min(self.size, self.available + max(points, 0))

    def status(self) -> dict:
        with self.lock:
            self._refill()
            return {
                "maximumAvailable": float(self.size),
                "currentlyAvailable": int(self.available),
                "restoreRate": float(self.restore_rate),
            }


class Shop:
    def __init__(
        self,
        domain: str,
        name: str,
        currency: str,
        timezone: str,
        number: int,
        plan: str = DEFAULT_PLAN,
        country: str = DEFAULT_COUNTRY,
    ):
        self.domain = domain
        self.name = name
        self.currency = currency
        self.timezone = timezone
        self.number = number
        self.plan = plan
        # The country of the shop's address (Settings > Store details), ISO 3166-1 alpha-2.
        self.country = country
        # Overrides every app's access-token lifetime on this shop (seconds), for tests.
        self.token_lifetime: float | None = None
        self.created_at = records.now()
        self.lock = threading.RLock()
        self.data: dict[str, dict[int, dict]] = {resource: {} for resource in RESOURCES}
        self.next_number = FIRST_ID
        self.next_order_number = 1001
        self.grants: dict[str, Grant] = {}
        # Refresh tokens of expiring offline tokens, by token (tokens.py describes the fields).
        self.refresh_tokens: dict[str, dict] = {}
        # The apps installed now: client_id → {"id": installation number, "scopes": [...]}.
        self.installations: dict[str, dict] = {}
        # Every app ever installed: compliance webhooks (shop/redact comes 48 hours after the
        # uninstall) still go to apps that no longer hold a token.
        self.installed_apps: set[str] = set()
        self.webhook_subscriptions: dict[int, dict] = {}
        # Consecutive failed deliveries per subscription, and the subscriptions Shopify deleted
        # for failing (webhooks.py); for the control API, not persisted.
        self.webhook_failures: dict[int, int] = {}
        self.removed_subscriptions: collections.deque = collections.deque(maxlen=1000)
        self.bulk_operations: dict[int, dict] = {}
        # Events apps can read (`events`, `deletionEvents`), oldest first (events.py).
        self.events: list[dict] = []
        # The mutations apps ran, newest last, for tests and demos to count (not persisted).
        self.mutation_log: collections.deque = collections.deque(maxlen=10_000)
        self.faults = Faults()
        self.buckets: dict[str, LeakyBucket] = {}
        # Buckets have their own lock: a long write (a big seed) must not stall every request.
        self.buckets_lock = threading.Lock()
        # Bumped on every record write: cached sort orders are valid while it stays the same.
        self.version = 0
        # Bumped on every change worth saving (records, tokens, subscriptions, bulk operations).
        self.changes = 0
        self.sort_cache: dict[tuple, tuple[int, list]] = {}
        # Indexes kept by store() and remove(): variant → product, customer → orders.
        self.variant_products: dict[int, int] = {}
        self.customer_orders: dict[int, set[int]] = {}

    def allocate(self, count: int = 1) -> int:
        """Reserve `count` consecutive record numbers and return the first."""
        with self.lock:
            first = self.next_number
            self.next_number += count
            return first

    def store(self, resource: str, record: dict):
        with self.lock:
            number = _number(record)
            self._unindex(resource, self.data[resource].get(number))
            self.data[resource][number] = record
            self._index(resource, record)
            self.version += 1
            self.changes += 1

    def remove(self, resource: str, number: int) -> dict | None:
        with self.lock:
            record = self.data[resource].pop(number, None)
            self._unindex(resource, record)
            self.version += 1
            self.changes += 1
            return record

    def _index(self, resource: str, record: dict):
        number = _number(record)
        if resource == "products":
            for variant in record["variants"]:
                self.variant_products[records.number_of(variant["id"])] = number
        elif resource == "orders" and record["_customerId"] is not None:
            self.customer_orders.setdefault(record["_customerId"], set()).add(number)

    def _unindex(self, resource: str, record: dict | None):
        if record is None:
            return
        number = _number(record)
        if resource == "products":
            for variant in record["variants"]:
                self.variant_products.pop(records.number_of(variant["id"]), None)
        elif resource == "orders" and record["_customerId"] is not None:
            self.customer_orders.get(record["_customerId"], set()).discard(number)

    def get(self, resource: str, number: int | None) -> dict | None:
        return self.data[resource].get(number) if number is not None else None

    def variant(self, number: int | None) -> tuple[dict, dict] | tuple[None, None]:
        """(product, variant) for a variant number, or (None, None)."""
        product = self.get("products", self.variant_products.get(number))
        if product is None:
            return None, None
        for variant in product["variants"]:
            if records.number_of(variant["id"]) == number:
                return product, variant
        return None, None

    def touch(self):
        """Note a change that is not a record's (tokens, subscriptions, bulk operations), so
        the state saver sees it."""
        with self.lock:
            self.changes += 1

    @property
    def is_plus(self) -> bool:
        return PLANS[self.plan]["plus"]

    def bucket_limits(self) -> tuple[float, float]:
        """(bucket size, restore rate): the plan's unless a fault knob overrides them."""
        plan = PLANS[self.plan]
        size = self.faults.bucket_size
        rate = self.faults.restore_rate
        return (
            plan["bucket_size"] if size is None else size,
            plan["restore_rate"] if rate is None else rate,
        )

    def bucket(self, client_id: str) -> LeakyBucket:
        size, rate = self.bucket_limits()
        with self.buckets_lock:
            bucket = self.buckets.get(client_id)
            if bucket is None or (bucket.size, bucket.restore_rate) != (size, rate):
                bucket = LeakyBucket(size, rate)
                self.buckets[client_id] = bucket
            return bucket

    def describe(self) -> dict:
        """The shop as the control API shows it."""
        size, rate = self.bucket_limits()
        return {
            "shop": self.domain,
            "name": self.name,
            "currency": self.currency,
            "timezone": self.timezone,
            "country": self.country,
            "plan": self.plan,
            "token_lifetime": self.token_lifetime,
            "bucket_size": size,
            "restore_rate": rate,
        }

    def shop_record(self) -> dict:
        return {
            "__typename": "Shop",
            "id": records.gid("Shop", self.number),
            "name": self.name,
            "email": f"owner@{self.domain}",
            "contactEmail": f"owner@{self.domain}",
            "myshopifyDomain": self.domain,
            "url": f"https://{self.domain}",
            "currencyCode": self.currency,
            "enabledPresentmentCurrencies": sorted(records.RATES_FROM_USD),
            "ianaTimezone": self.timezone,
            "shopAddress": {
                "__typename": "ShopAddress",
                "id": records.gid("ShopAddress", self.number),
                "countryCodeV2": self.country,
                "coordinatesValidated": False,
                "formatted": [self.country],
            },
            "createdAt": self.created_at,
            "updatedAt": self.created_at,
            "taxesIncluded": False,
            "taxShipping": False,
            "setupRequired": False,
            "checkoutApiSupported": True,
            "orderNumberFormatPrefix": "#",
            "customerAccounts": "OPTIONAL",
            "unitSystem": "METRIC_SYSTEM",
            "weightUnit": "KILOGRAMS",
            "orderNumberFormatSuffix": "",
            "primaryDomain": {
                "__typename": "Domain",
                "id": records.gid("Domain", self.number),
                "host": self.domain,
                "url": f"https://{self.domain}",
                "sslEnabled": True,
            },
            "plan": {
                "__typename": "ShopPlan",
                "displayName": PLANS[self.plan]["name"],
                "publicDisplayName": PLANS[self.plan]["name"],
                "partnerDevelopment": False,
                "shopifyPlus": self.is_plus,
            },
        }

    # Persistence: everything but locks, buckets and transient bulk files.
    def dump(self) -> dict:
        with self.lock:
            return {
                "domain": self.domain,
                "name": self.name,
                "currency": self.currency,
                "timezone": self.timezone,
                "country": self.country,
                "number": self.number,
                "plan": self.plan,
                "token_lifetime": self.token_lifetime,
                "created_at": self.created_at,
                "data": {resource: list(rows.values()) for resource, rows in self.data.items()},
                "next_number": self.next_number,
                "next_order_number": self.next_order_number,
                "grants": [asdict(grant) for grant in self.grants.values()],
                "refresh_tokens": list(self.refresh_tokens.values()),
                "installations": self.installations,
                "installed_apps": sorted(self.installed_apps),
                "webhook_subscriptions": list(self.webhook_subscriptions.values()),
                "bulk_operations": list(self.bulk_operations.values()),
                "events": list(self.events),
                "faults": asdict(self.faults),
            }

    @classmethod
    def load(cls, saved: dict) -> Shop:
        shop = cls(
            saved["domain"],
            saved["name"],
            saved["currency"],
            saved["timezone"],
            saved["number"],
            saved.get("plan", DEFAULT_PLAN),
            saved.get("country", DEFAULT_COUNTRY),
        )
        shop.token_lifetime = saved.get("token_lifetime")
        shop.created_at = saved["created_at"]
        for resource, rows in saved["data"].items():
            for row in rows:
                shop.store(resource, row)
        shop.next_number = saved["next_number"]
        shop.next_order_number = saved["next_order_number"]
        shop.grants = {grant["token"]: Grant(**grant) for grant in saved["grants"]}
        shop.refresh_tokens = {row["token"]: row for row in saved.get("refresh_tokens", [])}
        shop.installed_apps = set(saved.get("installed_apps", []))
        shop.installations = saved.get("installations") or _installations_of(shop)
        shop.webhook_subscriptions = {
            records.number_of(row["id"]): row for row in saved["webhook_subscriptions"]
        }
        for operation in saved.get("bulk_operations", []):
            if operation["status"] in {"CREATED", "RUNNING", "CANCELING"}:
                # It was running when the emulator stopped: it will never finish now.
                operation = {**operation, "status": "FAILED", "errorCode": "INTERNAL_SERVER_ERROR"}
            shop.bulk_operations[records.number_of(operation["id"])] = operation
        shop.events = list(saved.get("events", []))
        shop.faults.update(saved.get("faults", {}))
        return shop


def _installations_of(shop: Shop) -> dict:
    """Installations of a state saved before they were kept: the apps holding tokens, with the
    scopes of their tokens."""
    installations: dict[str, dict] = {}
    for grant in shop.grants.values():
        installation = installations.setdefault(
            grant.client_id, {"id": shop.allocate(), "scopes": []}
        )
        installation["scopes"] += [s for s in grant.scopes if s not in installation["scopes"]]
    return installations


def _number(record: dict) -> int:
    # legacyResourceId is the number already; parsing the GID is the slow path.
    legacy = record.get("legacyResourceId")
    return int(legacy) if legacy is not None else records.number_of(record["id"])


class Emulator:
    def __init__(self, state_file: str | None = None, auto_approve: bool = False):
        self.apps: dict[str, App] = {}
        self.shops: dict[str, Shop] = {}
        self.codes: dict[str, dict] = {}
        self.lock = threading.RLock()
        self.state_file = state_file
        self.auto_approve = auto_approve
        self.base_url = "http://127.0.0.1"  # the server sets the real one when it binds
        # Bulk results live beside the state file, so their URLs outlive a restart.
        if state_file:
            self.bulk_dir = f"{state_file}.bulk"
            os.makedirs(self.bulk_dir, exist_ok=True)
        else:
            self.bulk_dir = tempfile.mkdtemp(prefix="shopify-emulator-bulk-")
        # Set by the server: the webhook dispatcher and the bulk runner.
        self.webhooks = None
        self.bulk = None
        if state_file and os.path.exists(state_file):
            self.load(state_file)

    def add_app(self, client_id: str, client_secret: str, **options) -> App:
        with self.lock:
            app = App(client_id=client_id, client_secret=client_secret, **options)
            self.apps[client_id] = app
            return app

    def add_shop(
        self,
        domain: str,
        name: str = "",
        currency: str = "USD",
        timezone: str = "UTC",
        plan: str = DEFAULT_PLAN,
        country: str = DEFAULT_COUNTRY,
    ):
        with self.lock:
            if domain in self.shops:
                return self.shops[domain], False
            number = 60_000_000 + len(self.shops) + 1
            shop = Shop(
                domain,
                name or domain.split(".")[0].title(),
                currency,
                timezone,
                number,
                plan,
                country,
            )
            self.shops[domain] = shop
            return shop, True

    def grant(
        self,
        shop: Shop,
        client_id: str,
        scopes: list[str],
        kind: str = "offline",
        expires_at: float | None = None,
    ) -> Grant:
        """Store a new access token for `client_id` on `shop`. Installing the app, revoking the
        tokens it replaces and refresh tokens are tokens.py's part."""
        token = Grant(
            token=f"shpat_{secrets.token_hex(16)}",
            client_id=client_id,
            scopes=list(scopes),
            kind=kind,
            expires_at=expires_at,
        )
        with shop.lock:
            shop.grants[token.token] = token
            shop.installed_apps.add(client_id)
            shop.changes += 1
        return token

    def find_grant(self, shop: Shop, token: str | None) -> Grant | None:
        if not token:
            return None
        for known, grant in list(shop.grants.items()):
            if secrets.compare_digest(known, token):
                return grant
        return None

    def reset(self):
        with self.lock:
            self.apps.clear()
            self.shops.clear()
            self.codes.clear()
            if self.webhooks:
                self.webhooks.clear()

    def fingerprint(self) -> tuple:
        """Changes whenever something worth saving changed."""
        with self.lock:
            return (
                tuple(sorted(str(asdict(app)) for app in self.apps.values())),
                tuple((domain, shop.changes) for domain, shop in sorted(self.shops.items())),
            )

    def save(self, path: str | None = None):
        path = path or self.state_file
        if not path:
            return
        with self.lock:
            state = {
                "apps": [asdict(app) for app in self.apps.values()],
                "shops": [shop.dump() for shop in self.shops.values()],
            }
        # Write then rename, so a crash never leaves half a state file.
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".emulator-state-")
        with os.fdopen(handle, "w") as file:
            json.dump(state, file)
        os.replace(temporary, path)

    def load(self, path: str):
        with open(path) as file:
            state = json.load(file)
        with self.lock:
            self.apps = {app["client_id"]: App(**app) for app in state["apps"]}
            self.shops = {saved["domain"]: Shop.load(saved) for saved in state["shops"]}
