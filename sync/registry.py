"""The object pairs the sync knows — contacts, companies, products, orders, carts — by object type,
in the order the screens list them. `sync.adapters` fills it with one line per pair; the rest of
the code reads it: the models' choices, the topics a store subscribes to, the scopes the app asks
for, the set-up screens, the push signal's senders, the health pages.

It imports nothing of the sync, so the models can take their choices from it.
"""

# object type → its adapter (sync.adapters.base.Adapter; not imported here, see above)
ADAPTERS: dict = {}


def register(*adapters) -> dict:
    for adapter in adapters:
        ADAPTERS[adapter.object_type] = adapter
    return ADAPTERS


def object_choices() -> list[tuple[str, str]]:
    """The object types as model and form choices. A callable, read when asked: a new pair
    changes no migration."""
    return [(adapter.object_type, adapter.label) for adapter in ADAPTERS.values()]


def object_label(object_type: str) -> str:
    """An object type as the screens name it ("contacts" → "Contacts", "variants" → "Product
    variants"); an unknown one as it is stored."""
    for adapter in ADAPTERS.values():
        if adapter.object_type == object_type:
            return adapter.label
        if object_type in adapter.child_mappings:
            return adapter.child_mappings[object_type]
    return object_type
