"""The control API under `/__emulator__/`: JSON in and out, for tests, demos and anyone checking
the product from outside. It acts as the merchant or a shopper (every change emits the webhooks
Shopify would), seeds and resets shops, and sets fault knobs.

    POST   /__emulator__/apps                                {"client_id", "client_secret", …}
    GET    /__emulator__/apps, GET|PATCH /__emulator__/apps/{client_id}    (APP_OPTIONS below)
    POST   /__emulator__/shops         {"shop", "name", "currency", "timezone", "country", "plan"…}
    GET|PATCH /__emulator__/shops/{shop}            {"plan", "token_lifetime", "name", "country"}
    POST   /__emulator__/shops/{shop}/access_tokens          {"client_id", "scopes", "expiring"}
    POST   /__emulator__/shops/{shop}/session_tokens         {"client_id"} → {"id_token"}
    GET    /__emulator__/shops/{shop}/install_url?client_id=…             → {"url"}
    GET    /__emulator__/shops/{shop}/installations
    PATCH  /__emulator__/shops/{shop}/installations/{client_id}           {"scopes"}
    POST   /__emulator__/shops/{shop}/seed                   {"customers", …, "seed"}
    GET    /__emulator__/shops/{shop}/{resource}             list (customers, companies, products,
    POST   /__emulator__/shops/{shop}/{resource}             orders, checkouts); create
    GET|PATCH|DELETE /__emulator__/shops/{shop}/{resource}/{id}   (PATCH of an order: an edit)
    POST   /__emulator__/shops/{shop}/orders/{id}/{pay|fulfill|deliver|cancel|refund}
    POST   /__emulator__/shops/{shop}/checkouts/{id}/complete
    POST   /__emulator__/shops/{shop}/customers/{id}/redact, /__emulator__/shops/{shop}/redact
    POST   /__emulator__/shops/{shop}/uninstall              {"client_id"}
    GET    /__emulator__/shops/{shop}/webhook_deliveries
    GET    /__emulator__/shops/{shop}/webhook_subscriptions   (consecutive failures, removals)
    GET|PUT /__emulator__/shops/{shop}/faults
    POST   /__emulator__/reset
"""

from __future__ import annotations

import re
from dataclasses import asdict

from shopify_emulator import actions, oauth, records, seed, tokens
from shopify_emulator.cost import check_field_costs
from shopify_emulator.schema import load_schema
from shopify_emulator.state import (
    COUNTRY_CODE,
    DEFAULT_COUNTRY,
    PLANS,
    PROTECTED_FIELDS,
    RESOURCES,
    Faults,
)

SHOP_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")
# What an app's configuration may set (state.App documents each), with its default:
#   auto_approve False, compliance_url None, redirect_urls [], app_url None,
#   token_lifetime 3600, refresh_token_lifetime 7776000 (90 days),
#   client_credentials_lifetime 86399, refresh_recovery_period 2592000 (30 days),
#   approved_scopes [], protected_data {"level": 0, "fields": []}, refuse_non_expiring False,
#   own_shop None, scopes [], distribution "public".
APP_OPTIONS = (
    "auto_approve",
    "compliance_url",
    "redirect_urls",
    "app_url",
    "token_lifetime",
    "refresh_token_lifetime",
    "client_credentials_lifetime",
    "refresh_recovery_period",
    "approved_scopes",
    "protected_data",
    "refuse_non_expiring",
    "own_shop",
    "scopes",
    "distribution",
)
LIFETIMES = (
    "token_lifetime",
    "refresh_token_lifetime",
    "client_credentials_lifetime",
    "refresh_recovery_period",
)


class ControlError(Exception):
    def __init__(self, status: int, message: str, details=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details


def public(record: dict) -> dict:
    """A record as the control API shows it: GraphQL field names, internal links as ids."""
    result = {}
    for key, value in record.items():
        if key == "_orderLines":
            continue
        if key.startswith("_") and not key.startswith("__"):
            result[key[1:]] = value
        elif isinstance(value, list):
            result[key] = [public(item) if isinstance(item, dict) else item for item in value]
        else:
            result[key] = value
    return result


def _shop(emulator, domain: str):
    shop = emulator.shops.get(domain)
    if shop is None:
        raise ControlError(404, f"No shop {domain}")
    return shop


def _number(value: str) -> int:
    number = records.number_of(value)
    if number is None:
        raise ControlError(404, f"Not a record id: {value}")
    return number


def _object(body) -> dict:
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ControlError(400, "The body must be a JSON object")
    return body


def handle(emulator, method: str, parts: list[str], body, query=None) -> tuple[int, dict]:
    """Route a control request; `parts` is the path after /__emulator__/, `query` its query
    string's parameters."""
    try:
        return _route(emulator, method, parts, body, query or {})
    except ControlError as error:
        details = {"details": error.details} if error.details else {}
        return error.status, {"error": error.message, **details}
    except actions.UserErrors as error:
        return 422, {"error": str(error), "userErrors": error.errors}
    except actions.NotFound as error:
        return 404, {"error": str(error)}


def _route(emulator, method, parts, body, query):
    match (method, parts):
        case ("POST", ["reset"]):
            emulator.reset()
            return 200, {"reset": True}
        case ("POST", ["apps"]):
            return _add_app(emulator, _object(body))
        case ("GET", ["apps"]):
            return 200, {"apps": [_app_view(app) for app in emulator.apps.values()]}
        case ("GET", ["apps", client_id]):
            return 200, _app_view(_app(emulator, client_id))
        case ("PATCH", ["apps", client_id]):
            app = _app(emulator, client_id)
            changes = _app_options(_object(body))
            with emulator.lock:
                for name, value in changes.items():
                    setattr(app, name, value)
            return 200, _app_view(app)
        case ("POST", ["shops"]):
            return _add_shop(emulator, _object(body))
        case ("GET", ["shops"]):
            return 200, {"shops": sorted(emulator.shops)}
        case ("GET", ["shops", domain]):
            return 200, _shop(emulator, domain).describe()
        case ("PATCH", ["shops", domain]):
            shop = _shop(emulator, domain)
            _change_shop(shop, _object(body))
            return 200, shop.describe()
        case (_, ["shops", domain, *rest]):
            return _shop_route(emulator, method, _shop(emulator, domain), rest, body, query)
    raise ControlError(404, "Unknown control endpoint")


def _app(emulator, client_id: str):
    app = emulator.apps.get(client_id)
    if app is None:
        raise ControlError(404, f"No app {client_id}")
    return app


def _app_view(app) -> dict:
    view = asdict(app)
    view.pop("client_secret")
    return view


def _scope_list(value, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [scope.strip() for scope in value.split(",") if scope.strip()]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ControlError(400, f"{name} must be a list of scopes or a comma-separated string")
    return list(value)


def _app_options(body: dict) -> dict:
    """The app options in `body`, checked; unknown keys are refused."""
    unknown = sorted(set(body) - set(APP_OPTIONS) - {"client_id", "client_secret"})
    if unknown:
        raise ControlError(400, f"Unknown app options: {', '.join(unknown)}")
    options = {}
    for name in APP_OPTIONS:
        if name not in body:
            continue
        value = body[name]
        if name in {"auto_approve", "refuse_non_expiring"}:
            value = bool(value)
        elif name in LIFETIMES:
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise ControlError(400, f"{name} must be a positive number of seconds")
        elif name in {"scopes", "approved_scopes", "redirect_urls"}:
            value = _scope_list(value, name)
        elif name == "protected_data":
            value = _protected_data(value)
        elif name == "distribution" and value not in {"public", "custom"}:
            raise ControlError(400, "distribution must be public or custom")
        elif name == "own_shop" and value is not None and not SHOP_PATTERN.match(str(value)):
            raise ControlError(400, "own_shop must look like name.myshopify.com")
        options[name] = value
    return options


def _protected_data(value) -> dict:
    if not isinstance(value, dict):
        raise ControlError(400, 'protected_data must be {"level": 0|1|2, "fields": [...]}')
    level = value.get("level", 0)
    fields = value.get("fields") or []
    if level not in (0, 1, 2):
        raise ControlError(400, "protected_data.level must be 0, 1 or 2")
    if not isinstance(fields, list) or set(fields) - set(PROTECTED_FIELDS):
        raise ControlError(
            400, f"protected_data.fields must be a subset of {list(PROTECTED_FIELDS)}"
        )
    return {"level": level, "fields": list(fields)}


def _add_app(emulator, body):
    client_id, client_secret = body.get("client_id"), body.get("client_secret")
    if not client_id or not client_secret:
        raise ControlError(400, "client_id and client_secret are required")
    app = emulator.add_app(client_id, client_secret, **_app_options(body))
    return 201, {"client_id": app.client_id, **_app_view(app)}


def _plan(value) -> str:
    if value not in PLANS:
        raise ControlError(400, f"plan must be one of {list(PLANS)}")
    return value


def _country(value):
    if not isinstance(value, str) or not COUNTRY_CODE.match(value):
        raise ControlError(400, "country must be a two-letter country code such as SE")
    return value


def _lifetime(value):
    if value is None:
        return None
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
        raise ControlError(400, "token_lifetime must be a positive number of seconds or null")
    return value


def _change_shop(shop, body: dict):
    unknown = sorted(set(body) - {"plan", "token_lifetime", "name", "country"})
    if unknown:
        raise ControlError(400, f"Unknown shop options: {', '.join(unknown)}")
    with shop.lock:
        if "plan" in body:
            shop.plan = _plan(body["plan"])
        if "token_lifetime" in body:
            shop.token_lifetime = _lifetime(body["token_lifetime"])
        if body.get("name"):
            shop.name = str(body["name"])
        if "country" in body:
            shop.country = _country(body["country"])
        shop.touch()


def _add_shop(emulator, body):
    domain = body.get("shop", "")
    if not SHOP_PATTERN.match(domain):
        raise ControlError(400, "shop must look like name.myshopify.com")
    currency = body.get("currency", "USD")
    if currency not in records.RATES_FROM_USD:
        raise ControlError(400, f"currency must be one of {sorted(records.RATES_FROM_USD)}")
    plan = _plan(body.get("plan", "basic"))
    lifetime = _lifetime(body.get("token_lifetime"))
    country = _country(body.get("country", DEFAULT_COUNTRY))
    shop, created = emulator.add_shop(
        domain, body.get("name", ""), currency, body.get("timezone", "UTC"), plan, country
    )
    if created and lifetime is not None:
        shop.token_lifetime = lifetime
    return (201 if created else 200), shop.describe()


def _client(emulator, body: dict, field: str = "client_id"):
    app = emulator.apps.get(body.get(field) or "")
    if app is None:
        raise ControlError(400, "Unknown client_id; register the app first")
    return app


def _shop_route(emulator, method, shop, rest, body, query):
    match (method, rest):
        case ("POST", ["access_tokens"]):
            # What a merchant-made (legacy custom) app gets: a token with the scopes asked
            # for, non-expiring unless "expiring" says otherwise.
            body = _object(body)
            app = _client(emulator, body)
            scopes = _scope_list(body.get("scopes"), "scopes")
            answer = tokens.issue(
                emulator, shop, app, scopes, expiring=tokens.is_true(body.get("expiring"))
            )
            return 201, answer
        case ("POST", ["session_tokens"]):
            body = _object(body)
            app = _client(emulator, body)
            lifetime = body.get("lifetime", tokens.SESSION_TOKEN_LIFETIME)
            if not isinstance(lifetime, (int, float)) or isinstance(lifetime, bool):
                raise ControlError(400, "lifetime must be a number of seconds")
            user = str(body.get("user_id", "1"))
            return 201, {"id_token": tokens.session_token(shop, app, user, lifetime)}
        case ("GET", ["install_url"]):
            app = _client(emulator, query)
            return 200, {"url": tokens.install_url(app, shop, oauth.signature)}
        case ("GET", ["installations"]):
            return 200, {
                "installations": [
                    {"client_id": client_id, **installation}
                    for client_id, installation in sorted(shop.installations.items())
                ]
            }
        case ("PATCH", ["installations", client_id]):
            scopes = _scope_list(_object(body).get("scopes"), "scopes")
            installation = tokens.set_installation_scopes(emulator, shop, client_id, scopes)
            return 200, {"client_id": client_id, **installation}
        case ("POST", ["seed"]):
            return _seed(shop, _object(body))
        case ("GET", ["faults"]):
            return 200, shop.faults.__dict__
        case ("PUT", ["faults"]):
            changes = _fault_changes(_object(body))
            shop.faults.update(changes)
            return 200, shop.faults.__dict__
        case ("GET", ["mutations"]):
            return 200, {"mutations": list(shop.mutation_log)}
        case ("GET", ["webhook_deliveries"]):
            deliveries = emulator.webhooks.log_for(shop.domain) if emulator.webhooks else []
            return 200, {"deliveries": deliveries}
        case ("GET", ["webhook_subscriptions"]):
            return 200, _subscriptions_view(shop)
        case ("POST", ["uninstall"]):
            client_id = _object(body).get("client_id")
            if client_id not in emulator.apps:
                raise ControlError(400, "Unknown client_id")
            actions.uninstall(emulator, shop, client_id)
            return 200, {"uninstalled": client_id}
        case ("POST", ["redact"]):
            actions.redact_shop(emulator, shop)
            return 200, {"redacted": shop.domain}
        case (_, [resource, *tail]) if resource in RESOURCES:
            return _resource_route(emulator, method, shop, resource, tail, body)
    raise ControlError(404, "Unknown control endpoint")


def _fault_changes(changes: dict) -> dict:
    """The knobs of a PUT faults body, checked on a scratch copy before any is applied."""
    try:
        unknown = Faults().update(changes)
    except (TypeError, ValueError) as error:
        raise ControlError(400, f"Bad fault knob value: {error}") from None
    if unknown:
        raise ControlError(400, f"Unknown fault knobs: {', '.join(unknown)}")
    if "field_costs" in changes:
        try:
            changes = {
                **changes,
                "field_costs": check_field_costs(changes["field_costs"] or {}, load_schema()),
            }
        except ValueError as error:
            raise ControlError(400, str(error)) from None
    return changes


def _subscriptions_view(shop) -> dict:
    """The shop's webhook subscriptions with their consecutive failed deliveries, and those
    Shopify deleted for failing (webhooks.subscription_health)."""
    with shop.lock:
        subscriptions = [
            {
                "id": subscription["id"],
                "topic": subscription["topic"],
                "uri": subscription["uri"],
                "client_id": subscription["_clientId"],
                "consecutive_failures": shop.webhook_failures.get(number, 0),
            }
            for number, subscription in sorted(shop.webhook_subscriptions.items())
        ]
        return {"subscriptions": subscriptions, "removed": list(shop.removed_subscriptions)}


def _seed(shop, body):
    counts = {name: int(body.get(name, 0)) for name in RESOURCES}
    if any(count < 0 for count in counts.values()):
        raise ControlError(400, "Counts must not be negative")
    now = body.get("now")
    moment = records.parse_time(now) if now else None
    added = seed.seed(shop, **counts, seed=int(body.get("seed", 42)), now=moment)
    return 201, {"added": added, "totals": {name: len(shop.data[name]) for name in RESOURCES}}


CREATE = {
    "customers": lambda emulator, shop, body: actions.create_customer(emulator, shop, body),
    "products": lambda emulator, shop, body: actions.create_product(
        emulator, shop, body, body.get("variants")
    ),
    "orders": lambda emulator, shop, body: actions.create_order(emulator, shop, body),
    "checkouts": lambda emulator, shop, body: actions.create_checkout(emulator, shop, body),
    "companies": lambda emulator, shop, body: actions.create_company(
        emulator, shop, body, body.get("contacts"), body.get("locations")
    ),
}
UPDATE = {
    "customers": actions.update_customer,
    "products": actions.update_product,
    "checkouts": actions.update_checkout,
    "companies": actions.update_company,
}
DELETE = {
    "customers": actions.delete_customer,
    "products": actions.delete_product,
    "orders": actions.delete_order,
    "checkouts": actions.delete_checkout,
    "companies": actions.delete_company,
}
ORDER_ACTIONS = {
    "pay": lambda emulator, shop, number, body: actions.pay_order(emulator, shop, number),
    "fulfill": actions.fulfill_order,
    "deliver": lambda emulator, shop, number, body: actions.deliver_order(emulator, shop, number),
    "cancel": actions.cancel_order,
    "refund": actions.refund_order,
}


def _resource_route(emulator, method, shop, resource, tail, body):
    match (method, tail):
        case ("GET", []):
            rows = sorted(shop.data[resource].items())
            return 200, {resource: [public(record) for _, record in rows]}
        case ("POST", []):
            record = CREATE[resource](emulator, shop, _object(body))
            return 201, public(record)
        case ("GET", [number]):
            record = shop.get(resource, _number(number))
            if record is None:
                raise ControlError(404, f"No such {resource[:-1]}")
            return 200, public(record)
        case ("PATCH", [number]) if resource in UPDATE:
            record = UPDATE[resource](emulator, shop, _number(number), _object(body))
            return 200, public(record)
        case ("PATCH", [number]) if resource == "orders":
            record = actions.edit_order(emulator, shop, _number(number), _object(body))
            return 200, public(record)
        case ("DELETE", [number]):
            DELETE[resource](emulator, shop, _number(number))
            return 200, {"deleted": number}
        case ("POST", [number, action]) if resource == "orders" and action in ORDER_ACTIONS:
            record = ORDER_ACTIONS[action](emulator, shop, _number(number), _object(body))
            return 200, public(record)
        case ("POST", [number, "complete"]) if resource == "checkouts":
            checkout, order = actions.complete_checkout(emulator, shop, _number(number))
            return 200, {"checkout": public(checkout), "order": public(order)}
        case ("POST", [number, "redact"]) if resource == "customers":
            actions.redact_customer(emulator, shop, _number(number))
            return 200, {"redacted": number}
    raise ControlError(404, "Unknown control endpoint")
