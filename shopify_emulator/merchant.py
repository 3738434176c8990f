"""A small "act as the merchant" page, `/{shop}/admin`: the few things a merchant or shopper
does that a demo needs (add, rename and tag customers, place, pay, ship and cancel orders, rename
products, abandon and complete checkouts), as forms over the control API. Each action fires
the webhooks Shopify would, so the app's reaction can be watched.

Apps with an App URL are listed with an "Install app" link: as with Shopify-managed
installation, it opens the App URL with `shop`, `host`, `timestamp` and `hmac` (tokens.py),
signed at the moment of the click."""

from __future__ import annotations

import html
import random
from urllib.parse import quote, urlencode

from shopify_emulator import actions, control, oauth, tokens

SHOWN = 8  # newest records listed per kind


def page(emulator, shop, message: str = "") -> bytes:
    def newest(resource):
        rows = sorted(shop.data[resource].values(), key=lambda r: r["updatedAt"], reverse=True)
        return [control.public(row) for row in rows[:SHOWN]]

    base = f"/{shop.domain}/admin"
    sections = [
        _section(
            "Apps",
            "",
            [
                (
                    _e(app.client_id),
                    "installed" if app.client_id in shop.installations else "not installed",
                    f"<a class=button href='{_e(base)}/apps/{_e(quote(app.client_id, safe=''))}'>"
                    "Install app</a>",
                )
                for app in sorted(emulator.apps.values(), key=lambda app: app.client_id)
                if app.app_url
            ],
        ),
        _section(
            "Customers",
            _form(base, "add_customer", "Add customer", ("email", "Email"), ("first", "First")),
            [
                (
                    f"{_e(c.get('firstName'))} {_e(c.get('lastName'))}",
                    _e(c.get("email") or "no email")
                    + (f" · {_e(', '.join(c['tags']))}" if c.get("tags") else ""),
                    _form(base, "rename_customer", "Rename", ("first", "First name"), id=c["id"])
                    + " "
                    + _form(base, "tag_customer", "Tag", ("tag", "Tag"), id=c["id"]),
                )
                for c in newest("customers")
            ],
        ),
        _section(
            "Orders",
            _form(base, "place_order", "Place an order (random customer and product)"),
            [
                (
                    _e(o["name"]),
                    _e(
                        f"{o['displayFinancialStatus']} / {o['displayFulfillmentStatus']}"
                        + (" / CANCELLED" if o.get("cancelledAt") else "")
                    ),
                    " ".join(
                        _form(base, action, label, id=o["id"])
                        for action, label in (
                            ("pay", "Pay"),
                            ("fulfill", "Ship"),
                            ("deliver", "Deliver"),
                            ("cancel", "Cancel"),
                        )
                    ),
                )
                for o in newest("orders")
            ],
        ),
        _section(
            "Products",
            "",
            [
                (
                    _e(p["title"]),
                    _e(p["status"]),
                    _form(base, "rename_product", "Rename", ("title", "Title"), id=p["id"]),
                )
                for p in newest("products")
            ],
        ),
        _section(
            "Checkouts",
            _form(base, "abandon_checkout", "Abandon a checkout (random customer and product)"),
            [
                (
                    _e(c.get("email") or "no email"),
                    "completed" if c.get("completedAt") else "abandoned",
                    ""
                    if c.get("completedAt")
                    else _form(base, "complete_checkout", "Complete", id=c["id"]),
                )
                for c in newest("checkouts")
            ],
        ),
    ]
    notice = f"<p class=notice>{_e(message)}</p>" if message else ""
    return (
        "<!doctype html><meta charset=utf-8>"
        f"<title>{_e(shop.name)} · act as the merchant</title><style>{STYLE}</style>"
        f"<h1>{_e(shop.name)} <small>{_e(shop.domain)} · Shopify emulator</small></h1>"
        "<p>What you do here happens in the shop as in Shopify, and sends its webhooks.</p>"
        f"{notice}{''.join(sections)}"
    ).encode()


def act(emulator, shop, form: dict) -> str:
    """Do what the form says; the message to show (what happened, or why it did not)."""
    action, record = form.get("action", ""), form.get("id", "")
    number = record.rsplit("/", 1)[-1]
    match action:
        case "add_customer":
            request = (
                "POST",
                "customers",
                {"email": form.get("email") or None, "firstName": form.get("first") or None},
            )
        case "rename_customer":
            request = ("PATCH", f"customers/{number}", {"firstName": form.get("first", "")})
        case "tag_customer":
            customer = shop.get("customers", int(number)) if number.isdigit() else None
            tags = [*(customer or {}).get("tags", []), form.get("tag", "")]
            request = ("PATCH", f"customers/{number}", {"tags": tags})
        case "rename_product":
            request = ("PATCH", f"products/{number}", {"title": form.get("title", "")})
        case "pay" | "fulfill" | "deliver" | "cancel":
            request = ("POST", f"orders/{number}/{action}", {})
        case "place_order" | "abandon_checkout":
            request = (
                "POST",
                "orders" if action == "place_order" else "checkouts",
                _random_purchase(shop),
            )
        case "complete_checkout":
            request = ("POST", f"checkouts/{number}/complete", {})
        case _:
            return f"Unknown action {action!r}."
    method, path, body = request
    status, answer = control.handle(
        emulator, method, ["shops", shop.domain, *path.split("/")], body
    )
    if status >= 400:
        return f"Refused: {answer.get('error', status)}"
    done = answer.get("name") or answer.get("order", {}).get("name") or answer.get("id", "")
    return f"Done: {action.replace('_', ' ')} {done}".strip()


def open_app(emulator, shop, client_id: str) -> tuple[int, dict, bytes]:
    """The merchant clicked "Install app": on to the app's signed App URL."""
    app = emulator.apps.get(client_id)
    try:
        if app is None:
            raise actions.NotFound(f"No app {client_id}")
        return 302, {"Location": tokens.install_url(app, shop, oauth.signature)}, b""
    except actions.NotFound as error:
        return redirect_to_page(shop, f"Refused: {error}")


# What a record's page is titled by, per resource.
TITLES = {
    "customers": lambda c: (
        f"{c.get('firstName') or ''} {c.get('lastName') or ''}".strip() or c.get("email")
    ),
    "orders": lambda o: o.get("name"),
    "products": lambda p: p.get("title"),
    "checkouts": lambda c: c.get("email"),
    "companies": lambda c: c.get("name"),
}
SINGULAR = {
    "customers": "Customer",
    "orders": "Order",
    "products": "Product",
    "checkouts": "Abandoned checkout",
    "companies": "Company",
}


def record_page(shop, resource: str, number: int) -> tuple[int, dict, bytes]:
    """A record's page in the shop's admin, `/{shop}/admin/{resource}/{id}`: what Shopify's
    https://{shop}/admin/customers/{id} (and orders, products, checkouts, companies) opens,
    which Shopify itself forwards to admin.shopify.com/store/{handle}/…. Here a plain page of
    the record's own fields, so the app's "Open in Shopify" links lead somewhere."""
    headers = {"Content-Type": "text/html; charset=utf-8"}
    record = shop.get(resource, number)
    kind = SINGULAR[resource]
    back = f"<p><a href='/{_e(shop.domain)}/admin'>← {_e(shop.name)}</a></p>"
    if record is None:
        body = f"<h1>{kind} not found</h1><p>{_e(shop.domain)} has no {kind.lower()} {number}.</p>"
        return 404, headers, _document(f"{kind} not found", back + body)
    shown = control.public(record)
    title = TITLES[resource](shown) or f"{kind} {number}"
    rows = "".join(
        f"<tr><th>{_e(key)}</th><td>{_e(value)}</td></tr>"
        for key, value in shown.items()
        if value not in (None, "", [], {}) and not isinstance(value, (dict, list))
    )
    body = (
        f"<h1>{_e(title)} <small>{kind} · {_e(shop.domain)} · Shopify emulator</small></h1>"
        f"<section><table>{rows}</table></section>"
    )
    return 200, headers, _document(f"{title} · {kind}", back + body)


def _document(title: str, body: str) -> bytes:
    return (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        f"<title>{_e(title)}</title><style>{STYLE}</style>{body}"
    ).encode()


def redirect_to_page(shop, message: str) -> tuple[int, dict, bytes]:
    location = f"/{quote(shop.domain)}/admin?{urlencode({'message': message})}"
    return 303, {"Location": location}, b""


def _random_purchase(shop) -> dict:
    customers = [c for c in shop.data["customers"].values() if c.get("email")]
    variants = [
        variant["id"]
        for product in shop.data["products"].values()
        if product.get("status") == "ACTIVE"
        for variant in control.public(product).get("variants", [])
    ]
    if not variants:
        return {"lineItems": []}
    pick = random.Random()  # a demo's choice, not a secret
    purchase = {
        "lineItems": [
            {"variantId": variant, "quantity": pick.randint(1, 3)}
            for variant in pick.sample(variants, k=min(len(variants), pick.randint(1, 3)))
        ]
    }
    if customers:
        purchase["customerId"] = pick.choice(customers)["id"]
    return purchase


def _section(title: str, header: str, rows: list[tuple[str, str, str]]) -> str:
    body = "".join(f"<tr><td>{a}</td><td>{b}</td><td>{c}</td></tr>" for a, b, c in rows)
    return f"<section><h2>{title}</h2>{header}<table>{body}</table></section>"


def _form(base: str, action: str, label: str, *inputs: tuple[str, str], id: str = "") -> str:
    fields = "".join(
        f"<input name={name} placeholder='{_e(placeholder)}' required>"
        for name, placeholder in inputs
    )
    hidden = f"<input type=hidden name=id value='{_e(id)}'>" if id else ""
    return (
        f"<form method=post action='{_e(base)}'><input type=hidden name=action value={action}>"
        f"{hidden}{fields}<button>{_e(label)}</button></form>"
    )


def _e(value) -> str:
    return html.escape(str(value if value is not None else ""))


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; max-width: 70em; color: #202223; }
h1 small { font-size: .5em; color: #6d7175; font-weight: normal; }
section { border: 1px solid #e1e3e5; border-radius: .5em; padding: 0 1em 1em; margin: 1em 0; }
table { border-collapse: collapse; width: 100%; margin-top: .5em; }
td, th { border-top: 1px solid #f1f2f3; padding: .3em .5em; text-align: left; }
th { color: #6d7175; font-weight: normal; width: 14em; }
form { display: inline-flex; gap: .3em; margin: 0; }
input { padding: .2em .4em; }
button, a.button { background: #008060; color: white; border: 0; border-radius: .3em;
                  padding: .3em .7em; text-decoration: none; font-size: .9em; }
.notice { background: #f1f8f5; border-left: 4px solid #008060; padding: .6em 1em; }
"""
