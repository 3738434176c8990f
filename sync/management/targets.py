"""Which store and objects an operator command (sync_on, sync_off, resync, sync_status) acts
on: reading SHOP and --objects, and saying clearly what is wrong."""

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from integration.models import Store, StoreStatus
from integration.services import normalize_shop_domain
from sync.adapters import ADAPTERS

ALL_OBJECTS = ",".join(ADAPTERS)


def add_shop_argument(parser):
    parser.add_argument(
        "shop", help="the store: your-store, your-store.myshopify.com or its admin URL"
    )


def add_objects_argument(parser, default_help: str = "all of them"):
    parser.add_argument(
        "--objects",
        help=f"comma-separated, from {ALL_OBJECTS} (default: {default_help})",
    )


def get_store(shop: str, *, connected: bool = False) -> Store:
    try:
        domain = normalize_shop_domain(shop)
    except ValidationError as error:
        raise CommandError(" ".join(error.messages)) from None
    store = Store.objects.filter(shop_domain=domain).first()
    if store is None:
        raise CommandError(
            f"No store {domain} is known here; `manage.py list_stores` lists the stores, "
            "`manage.py connect_store_token` connects one."
        )
    if connected and store.status != StoreStatus.CONNECTED:
        raise CommandError(
            f"{domain} is not connected (it is {store.get_status_display().lower()}); "
            "connect it again first."
        )
    return store


def parse_objects(text: str | None) -> list[str]:
    """`contacts,orders` → ["contacts", "orders"], in the given order; None → all of them."""
    if text is None:
        return list(ADAPTERS)
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in ADAPTERS]
    if unknown or not names:
        raise CommandError(
            f"Unknown object {', '.join(repr(name) for name in unknown) or '(none given)'}; "
            f"choose from {', '.join(ADAPTERS)}."
        )
    return list(dict.fromkeys(names))  # a name given twice is done once
