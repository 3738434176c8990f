"""The control API under `/__emulator__/`: JSON in and out, for tests, demos and anyone checking
the product from outside. It acts as the merchant or a shopper (every change emits the webhooks
Shopify would), seeds and resets shops, and sets fault knobs.

    POST   /__emulator__/apps                                {"client_id", "client_secret", …}
    POST   /__emulator__/shops                       {"shop", "name", "currency", "timezone"}
    POST   /__emulator__/shops/{shop}/access_tokens          {"client_id", "scopes"}
    POST   /__emulator__/shops/{shop}/seed                   {"customers", …, "seed"}
    GET    /__emulator__/shops/{shop}/{resource}             list (customers, companies, products,
    POST   /__emulator__/shops/{shop}/{resource}             orders, checkouts); create
    GET|PATCH|DELETE /__emulator__/shops/{shop}/{resource}/{id}   (PATCH of an order: an edit)
    POST   /__emulator__/shops/{shop}/orders/{id}/{pay|fulfill|deliver|cancel|refund}
    POST   /__emulator__/shops/{shop}/checkouts/{id}/complete
    POST   /__emulator__/shops/{shop}/customers/{id}/redact, /__emulator__/shops/{shop}/redact
    POST   /__emulator__/shops/{shop}/uninstall              {"client_id"}
    GET    /__emulator__/shops/{shop}/webhook_deliveries
    GET|PUT /__emulator__/shops/{shop}/faults
    POST   /__emulator__/reset
"""

from __future__ import annotations

import re

from shopify_emulator import actions, records, seed
from shopify_emulator.state import RESOURCES, Faults

SHOP_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")


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


def handle(emulator, method: str, parts: list[str], body) -> tuple[int, dict]:
    """Route a control request; `parts` is the path after /__emulator__/."""
    try:
        return _route(emulator, method, parts, body)
    except ControlError as error:
        details = {"details": error.details} if error.details else {}
        return error.status, {"error": error.message, **details}
    except actions.UserErrors as error:
        return 422, {"error": str(error), "userErrors": error.errors}
    except actions.NotFound as error:
        return 404, {"error": str(error)}


def _route(emulator, method, parts, body):
    match (method, parts):
        case ("POST", ["reset"]):
            emulator.reset()
            return 200, {"reset": True}
        case ("POST", ["apps"]):
            return _add_app(emulator, _object(body))
        case ("GET", ["apps"]):
            return 200, {"apps": [{"client_id": app.client_id} for app in emulator.apps.values()]}
        case ("POST", ["shops"]):
            return _add_shop(emulator, _object(body))
        case ("GET", ["shops"]):
            return 200, {"shops": sorted(emulator.shops)}
        case (_, ["shops", domain, *rest]):
            return _shop_route(emulator, method, _shop(emulator, domain), rest, body)
    raise ControlError(404, "Unknown control endpoint")


def _add_app(emulator, body):
    client_id, client_secret = body.get("client_id"), body.get("client_secret")
    if not client_id or not client_secret:
        raise ControlError(400, "client_id and client_secret are required")
    app = emulator.add_app(
        client_id,
        client_secret,
        auto_approve=bool(body.get("auto_approve", False)),
        compliance_url=body.get("compliance_url"),
        redirect_urls=list(body.get("redirect_urls") or []),
    )
    return 201, {"client_id": app.client_id}


def _add_shop(emulator, body):
    domain = body.get("shop", "")
    if not SHOP_PATTERN.match(domain):
        raise ControlError(400, "shop must look like name.myshopify.com")
    currency = body.get("currency", "USD")
    if currency not in records.RATES_FROM_USD:
        raise ControlError(400, f"currency must be one of {sorted(records.RATES_FROM_USD)}")
    shop, created = emulator.add_shop(
        domain, body.get("name", ""), currency, body.get("timezone", "UTC")
    )
    return (201 if created else 200), {
        "shop": shop.domain,
        "name": shop.name,
        "currency": shop.currency,
        "timezone": shop.timezone,
    }


def _shop_route(emulator, method, shop, rest, body):
    match (method, rest):
        case ("POST", ["access_tokens"]):
            body = _object(body)
            if body.get("client_id") not in emulator.apps:
                raise ControlError(400, "Unknown client_id; register the app first")
            scopes = body.get("scopes") or []
            if isinstance(scopes, str):
                scopes = [scope for scope in scopes.split(",") if scope]
            grant = emulator.grant(shop, body["client_id"], scopes)
            return 201, {"access_token": grant.token, "scope": ",".join(grant.scopes)}
        case ("POST", ["seed"]):
            return _seed(shop, _object(body))
        case ("GET", ["faults"]):
            return 200, shop.faults.__dict__
        case ("PUT", ["faults"]):
            changes = _object(body)
            unknown = Faults().update(changes)
            if unknown:
                raise ControlError(400, f"Unknown fault knobs: {', '.join(unknown)}")
            shop.faults.update(changes)
            return 200, shop.faults.__dict__
        case ("GET", ["mutations"]):
            return 200, {"mutations": list(shop.mutation_log)}
        case ("GET", ["webhook_deliveries"]):
            deliveries = emulator.webhooks.log_for(shop.domain) if emulator.webhooks else []
            return 200, {"deliveries": deliveries}
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
