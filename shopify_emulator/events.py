"""Events apps can read: the record a deletion leaves behind.

A deleted product is gone from `products`; what remains is its event. Since API 2024-10 apps
read events with `events(query:)` ("Querying events through the events connection and
CommentEvent.subject becomes nullable",
https://shopify.dev/changelog/querying-events-through-the-events-connection-and-commentevent-subject-becomes-nullable),
for example `events(query: "action:'destroy' AND subject_type:'PRODUCT'")` (shopify.dev
`events` query example), filtered by `action`, `subject_type`, `created_at` and `id`.
The older `deletionEvents(subjectTypes: [PRODUCT], query: "occurred_at:>…")` is deprecated
("Use `events` instead.") but still served. Shopify documents deletion events for products and
collections (DeletionEventSubjectType); the emulator has no collections, so it records product
deletions only: a BasicEvent with action "destroy", subjectType PRODUCT, the product's GID as
subjectId and no subject (it no longer exists).
"""

from __future__ import annotations

from shopify_emulator import connections, records
from shopify_emulator.search import Query

# "Count of events. Limited to a maximum of 10000." (eventsCount in the schema)
EVENTS_COUNT_LIMIT = 10000
# The read scope that shows events of each subject type.
SUBJECT_SCOPES = {"PRODUCT": "read_products"}


def record_deletion(shop, subject_type: str, subject_id: str, title: str, app: str | None):
    """Note that `subject_id` was destroyed, by the app `app` or (None) by the merchant. The
    caller holds the shop's lock."""
    number = shop.allocate()
    shop.events.append(
        {
            "__typename": "BasicEvent",
            "id": records.gid("BasicEvent", number),
            "action": "destroy",
            "subjectType": subject_type,
            "subjectId": subject_id,
            "createdAt": records.now(),
            # Shopify does not document the wording of its messages.
            "message": f"{title} was deleted.",
            "appTitle": app,
            "attributeToApp": app is not None,
            "attributeToUser": app is None,
            "author": app,
            "criticalAlert": False,
            "hasAdditionalContent": False,
        }
    )
    shop.touch()


def _readable(shop, subject_types: set[str], query: Query) -> list[dict]:
    return [
        event
        for event in list(shop.events)
        if event["subjectType"] in subject_types and (query.is_empty or query.matches(shop, event))
    ]


def _ordered(items: list[dict], args: dict) -> dict:
    """A connection over events, oldest first (ids and times rise together, so sorting by
    ID or CREATED_AT is the same order)."""
    if args.get("reverse"):
        items = items[::-1]
        keys = [(-records.number_of(event["id"]),) for event in items]
    else:
        keys = [(records.number_of(event["id"]),) for event in items]
    return connections.connection(items, keys, args)


def events(shop, subject_types: set[str], args: dict, warnings: list) -> dict:
    """The `events` connection."""
    query = Query("events", args.get("query"))
    warnings.extend(query.warnings)
    return _ordered(_readable(shop, subject_types, query), args)


def events_count(shop, subject_types: set[str], args: dict) -> dict:
    total = len(_readable(shop, subject_types, Query("events", args.get("query"))))
    if total > EVENTS_COUNT_LIMIT:
        return {"count": EVENTS_COUNT_LIMIT, "precision": "AT_LEAST"}
    return {"count": total, "precision": "EXACT"}


def deletion_events(shop, subject_types: set[str], args: dict, warnings: list) -> dict:
    """The deprecated `deletionEvents` connection: DeletionEvents of the destroyed records."""
    query = Query("deletion_events", args.get("query"))
    warnings.extend(query.warnings)
    wanted = set(args.get("subjectTypes") or subject_types) & subject_types
    destroyed = [event for event in _readable(shop, wanted, query) if event["action"] == "destroy"]
    connection = _ordered(destroyed, args)
    for edge in connection["edges"]:
        edge["node"] = _deletion_event(edge["node"])
    connection["nodes"] = [edge["node"] for edge in connection["edges"]]
    return connection


def _deletion_event(event: dict) -> dict:
    return {
        "__typename": "DeletionEvent",
        "occurredAt": event["createdAt"],
        "subjectId": event["subjectId"],
        "subjectType": event["subjectType"],
    }


def find(shop, number: int | None, subject_types: set[str]) -> dict | None:
    for event in list(shop.events):
        if records.number_of(event["id"]) == number:
            return event if event["subjectType"] in subject_types else None
    return None
