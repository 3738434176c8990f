"""What the CRM does with its records, reached from the admin, staff pages, jobs, the API and
the sync.

The CRM keeps data derived from its orders: each contact's totals, each order's "first order"
mark, guest orders and carts linked to the contact with their email, the stage history, and the
"records changed" signal the reports listen to. Whoever writes orders, carts or contacts — the
sync, the staff pages, the admin, the API — calls the service here that says so, and the derived
data follows; a bulk writer says `defer=True` and settles the whole store once at its end.
"""

from django.db import connection, transaction
from django.db.models import Case, Count, Max, Min, Q, Value, When
from django.utils import timezone
from django.utils.text import slugify

from crm.models import (
    Cart,
    CartStatus,
    Contact,
    Order,
    OrderStageChange,
    Pipeline,
    PipelineStage,
    PipelineState,
)
from crm.signals import store_records_changed

# A range of contact ids brought up to date per transaction when a whole store is settled.
CONTACTS_PER_STEP = 10_000
# Records announced per signal when a whole store is settled (a range of ids each).
ANNOUNCE_STEP = 5000


def unique_internal_name(label: str, taken: set[str]) -> str:
    """An internal name derived from `label` that is not in `taken`: "Ready to ship" →
    "ready_to_ship", then "ready_to_ship_2"… Names that would not start with a letter get a
    "stage_" prefix."""
    base = slugify(label).replace("-", "_") or "stage"
    if not base[0].isalpha():
        base = f"stage_{base}"
    name, counter = base, 2
    while name in taken:
        name, counter = f"{base}_{counter}", counter + 1
    return name


@transaction.atomic
def add_pipeline_stage(
    *, pipeline: Pipeline, label: str, state: str = PipelineState.OPEN
) -> PipelineStage:
    """Add a stage at the end of `pipeline`, with an internal name that will never change."""
    # Lock the pipeline so two concurrent additions cannot pick the same name or position.
    Pipeline.objects.select_for_update().filter(pk=pipeline.pk).first()
    stages = list(pipeline.stages.all())
    return PipelineStage.objects.create(
        pipeline=pipeline,
        label=label,
        state=state,
        internal_name=unique_internal_name(label, {stage.internal_name for stage in stages}),
        display_order=max((stage.display_order for stage in stages), default=-1) + 1,
    )


class StageEditRefused(ValueError):
    """A pipeline edit that cannot be made; `problems` say why, one sentence each."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


@transaction.atomic
def edit_stages(pipeline: Pipeline, *, stages: list[dict], new: list[dict]) -> None:
    """Apply the stage editor's Save at once, or nothing.

    `stages`: one dict per existing stage — id, label, state, position, delete, move_to (the
    stage its orders go to when it is deleted). `new`: stages to add — label, state. Internal
    names never change; a stage that holds orders is deleted only once they have somewhere to
    go, and each moved order's history says so."""
    existing = {stage.pk: stage for stage in pipeline.stages.select_for_update()}
    given = {item["id"]: item for item in stages if item["id"] in existing}
    problems = []
    for stage_id, stage in existing.items():
        item = given.get(stage_id)
        if item is None:
            continue
        if not item["label"].strip() and not item["delete"]:
            problems.append(f"The stage {stage.internal_name} needs a name.")
        if item["state"] not in PipelineState.values:
            problems.append(f"{item['state']!r} is not a stage status.")
    deleting = {stage_id for stage_id, item in given.items() if item["delete"]}
    holding = dict(
        Order.objects.filter(pipeline_stage_id__in=deleting)
        .values_list("pipeline_stage_id")
        .annotate(count=Count("id"))
    )
    for stage_id in sorted(deleting):
        count = holding.get(stage_id, 0)
        target = given[stage_id].get("move_to")
        if count and not target:
            problems.append(
                f"{existing[stage_id].label} holds {count} order{'s' if count != 1 else ''}: "
                "choose a stage to move them to before deleting it."
            )
        elif count and (target not in existing or target in deleting):
            problems.append(
                f"The orders of {existing[stage_id].label} must move to a stage that stays."
            )
    for item in new:
        if not item["label"].strip():
            problems.append("A new stage needs a name.")
        if item["state"] not in PipelineState.values:
            problems.append(f"{item['state']!r} is not a stage status.")
    if len(existing) - len(deleting) + len(new) == 0:
        problems.append("A pipeline needs at least one stage.")
    if problems:
        raise StageEditRefused(problems)

    now = timezone.now()
    for stage_id in deleting:
        target = given[stage_id].get("move_to")
        if holding.get(stage_id):
            _move_orders(existing[stage_id], existing[target], now)
        existing[stage_id].delete()
    kept = sorted(
        (item for stage_id, item in given.items() if stage_id not in deleting),
        key=lambda item: (item["position"], item["id"]),
    )
    for position, item in enumerate(kept):
        stage = existing[item["id"]]
        stage.label, stage.state = item["label"].strip(), item["state"]
        stage.display_order = position
        stage.save(update_fields=["label", "state", "display_order"])
    for item in new:
        add_pipeline_stage(pipeline=pipeline, label=item["label"].strip(), state=item["state"])


def _move_orders(stage: PipelineStage, target: PipelineStage, when) -> None:
    orders = list(Order.objects.filter(pipeline_stage=stage).values_list("id", "order_status"))
    stores = set(Order.objects.filter(pipeline_stage=stage).values_list("source_store", flat=True))
    Order.objects.filter(pipeline_stage=stage).update(pipeline_stage=target)
    for store in stores:  # the stores' orders-by-stage counts change
        store_records_changed.send(sender=Order, store=store)
    OrderStageChange.objects.bulk_create(
        [
            OrderStageChange(
                order_id=order_id,
                from_stage=None,  # the stage is about to go; its label stays
                to_stage=target,
                from_label=stage.label,
                to_label=target.label,
                order_status=status,
                changed_at=when,
            )
            for order_id, status in orders
        ]
    )


# Orders ------------------------------------------------------------------------------------


def orders_saved(
    store: str,
    order_ids,
    *,
    contact_ids=None,
    previous_contact_ids=(),
    previous_days=(),
    defer: bool = False,
) -> None:
    """Orders of `store` were written: their contacts' totals and first-order marks follow —
    those of the contacts they belonged to before (`previous_contact_ids`) too — and the
    reports hear of the orders and of the days they left (`previous_days`, when their date
    moved). `contact_ids`: the contacts they belong to now, when the caller knows them.
    `defer`: a bulk run writing the whole store settles it at its end
    (`store_orders_settled`); only the contacts the orders left are done now, since the end
    no longer sees them."""
    order_ids = list(order_ids)
    if contact_ids is None:
        contact_ids = Order.objects.filter(pk__in=order_ids).values_list("contact_id", flat=True)
    current, previous = set(contact_ids), set(previous_contact_ids)
    touched = previous - current if defer else previous | current
    moved = _contacts_changed(store, touched)
    announced = moved if defer else [*order_ids, *moved]
    if announced or previous_days:
        store_records_changed.send(
            sender=Order, store=store, order_ids=announced, days=list(previous_days)
        )


@transaction.atomic
def delete_orders(order_ids) -> int:
    """Delete orders from the CRM (not from their store) with what derives from them: their
    contacts' totals and first-order marks, and the reports of their days. Returns how many
    went."""
    orders = Order.objects.filter(pk__in=list(order_ids))
    rows = list(orders.values_list("id", "source_store", "contact_id"))
    by_store: dict[str, tuple[list, set]] = {}
    for order_id, store, contact_id in rows:
        ids, contacts = by_store.setdefault(store, ([], set()))
        ids.append(order_id)
        contacts.add(contact_id)
    # Said before the rows go: what derives from them can still read them.
    for store, (ids, _) in by_store.items():
        store_records_changed.send(sender=Order, store=store, order_ids=ids)
    orders.delete()
    for store, (_, contacts) in by_store.items():
        moved = _contacts_changed(store, contacts)
        if moved:  # another order became its contact's first
            store_records_changed.send(sender=Order, store=store, order_ids=moved)
    return len(rows)


def store_orders_settled(store: str) -> None:
    """After a bulk run wrote every order of `store` with `defer=True`: the totals and
    first-order marks of every contact with orders there, then every order announced."""
    _settle_contacts(store)
    _announce_store(Order, store, "order_ids")


def record_stage_changes(moves, when) -> None:
    """The stage history of orders that moved: `moves` are (order id, stage it had, stage it
    has now, the order status that moved it); those whose stage did not change are skipped.
    Labels are kept, so the history reads right after a stage goes. One statement however many
    orders moved (an initial sync places thousands per batch)."""
    moved = [move for move in moves if move[1] != move[2]]
    if not moved:
        return
    orders, olds, news, statuses = (list(column) for column in zip(*moved, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            STAGE_CHANGES_SQL,
            {"orders": orders, "olds": olds, "news": news, "statuses": statuses, "when": when},
        )


def orders_restaged(store: str) -> None:
    """Orders of `store` moved between stages in bulk: the orders-by-stage counts follow."""
    store_records_changed.send(sender=Order, store=store)


# Carts -------------------------------------------------------------------------------------


def carts_saved(store: str, cart_ids, *, defer: bool = False) -> None:
    """Carts of `store` were written: the reports hear of them (a bulk run, `defer`, settles
    the whole store at its end with `store_carts_settled`)."""
    if not defer:
        store_records_changed.send(sender=Cart, store=store, cart_ids=list(cart_ids))


def recover_carts(orders_by_cart: dict[int, int]) -> None:
    """Carts whose checkout became an order: recovered, pointing at it (unless another order
    recovered them first). One statement however many (a batch of an initial sync recovers
    hundreds)."""
    if not orders_by_cart:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            RECOVER_CARTS_SQL,
            {
                "carts": list(orders_by_cart),
                "orders": list(orders_by_cart.values()),
                "status": CartStatus.RECOVERED,
            },
        )


@transaction.atomic
def delete_carts(cart_ids) -> int:
    """Delete carts from the CRM (not from their store); the reports of their days follow."""
    carts = Cart.objects.filter(pk__in=list(cart_ids))
    by_store: dict[str, list] = {}
    for cart_id, store in carts.values_list("id", "source_store"):
        by_store.setdefault(store, []).append(cart_id)
    for store, ids in by_store.items():  # said before the rows go, as for orders
        store_records_changed.send(sender=Cart, store=store, cart_ids=ids)
    return carts.delete()[1].get(Cart._meta.label, 0)


def store_carts_settled(store: str) -> None:
    _announce_store(Cart, store, "cart_ids")


# Contacts ----------------------------------------------------------------------------------


def contacts_saved(contact_ids, *, store: str | None = None, defer: bool = False) -> None:
    """Contacts were created or changed: the orders and carts of `store` (of every store when
    None) that name one's email but belong to nobody yet — a guest checkout, or a customer
    synced after its orders — become theirs, and their totals and first-order marks follow.
    `defer`: a bulk run links the whole store once at its end (`store_contacts_settled`)."""
    contact_ids = [pk for pk in set(contact_ids) if pk is not None]
    if defer or not contact_ids:
        return
    for order_store, contacts in _link_guests(store, contact_ids).items():
        moved = _contacts_changed(order_store, contacts)
        if moved:
            store_records_changed.send(sender=Order, store=order_store, order_ids=moved)


def store_contacts_settled(store: str) -> None:
    """After a bulk run wrote a store's customers with `defer=True`: every guest order and
    cart of the store that names a contact's email becomes that contact's, in one pass."""
    if _link_store_guests(store):
        _settle_contacts(store)


@transaction.atomic
def delete_contacts(contact_ids) -> int:
    """Delete contacts. Their orders and carts stay, belonging to nobody: no longer anyone's
    first order nor a customer's, and the reports of their days follow."""
    orders = list(
        Order.objects.filter(contact_id__in=list(contact_ids)).values_list("id", "source_store")
    )
    deleted = Contact.objects.filter(pk__in=list(contact_ids)).delete()[1]
    Order.objects.filter(pk__in=[order_id for order_id, _ in orders]).update(first_order=False)
    by_store: dict[str, list] = {}
    for order_id, store in orders:
        by_store.setdefault(store, []).append(order_id)
    for store, ids in by_store.items():
        store_records_changed.send(sender=Order, store=store, order_ids=ids)
    return deleted.get(Contact._meta.label, 0)


# What the services above share -------------------------------------------------------------

# One statement for a whole batch of contacts: per contact and currency, then per contact.
# Cancelled orders do not count; refunds are taken off what was spent.
TOTALS_SQL_OF = """
WITH wanted AS ({wanted}), per_currency AS (
    SELECT contact_id, currency, count(*) AS n, min(processed_at) AS first,
           max(processed_at) AS last, sum(total - refunded) AS spent
    FROM crm_order
    WHERE contact_id IN (SELECT id FROM wanted) AND cancelled_at IS NULL
    GROUP BY contact_id, currency
), per_contact AS (
    SELECT contact_id, sum(n) AS n, min(first) AS first, max(last) AS last,
           jsonb_object_agg(currency, spent::text) AS spent
    FROM per_currency
    GROUP BY contact_id
)
UPDATE crm_contact SET
    orders_count = coalesce(per_contact.n, 0),
    first_order_at = per_contact.first,
    last_order_at = per_contact.last,
    total_spent = coalesce(per_contact.spent, '{{}}'::jsonb)
FROM wanted
LEFT JOIN per_contact ON per_contact.contact_id = wanted.id
WHERE crm_contact.id = wanted.id
"""
# The contacts given.
TOTALS_SQL = TOTALS_SQL_OF.format(wanted="SELECT unnest(%(ids)s::bigint[]) AS id")
# The contacts in a range of ids with orders in a store.
STORE_TOTALS_SQL = TOTALS_SQL_OF.format(
    wanted="""SELECT DISTINCT contact_id AS id FROM crm_order
    WHERE source_store = %(store)s AND contact_id >= %(low)s AND contact_id < %(high)s"""
)
# In a store, the first order of each contact in a range of ids (cancelled ones aside) is
# marked, the others not; the orders whose mark changed are returned. As refresh_first_orders.
STORE_FIRST_ORDERS_SQL = """
WITH firsts AS (
    SELECT DISTINCT ON (contact_id) id FROM crm_order
    WHERE source_store = %(store)s AND contact_id >= %(low)s AND contact_id < %(high)s
      AND cancelled_at IS NULL
    ORDER BY contact_id, processed_at, id
)
UPDATE crm_order SET first_order = NOT first_order
WHERE source_store = %(store)s AND contact_id >= %(low)s AND contact_id < %(high)s
  AND first_order <> (id IN (SELECT id FROM firsts))
RETURNING id
"""


def recompute_contact_totals(contact_ids) -> None:
    """Each contact's orders count, total spent per currency, first and last order, from its
    orders in every store."""
    contact_ids = [pk for pk in set(contact_ids) if pk is not None]
    if contact_ids:
        with connection.cursor() as cursor:
            cursor.execute(TOTALS_SQL, {"ids": contact_ids})


def refresh_first_orders(store: str, contact_ids) -> list[int]:
    """Mark each of these contacts' first order in `store` (cancelled ones aside) and unmark
    the rest; returns the orders whose mark changed (their days' reports change)."""
    contact_ids = [pk for pk in set(contact_ids) if pk is not None]
    if not contact_ids:
        return []
    orders = Order.objects.filter(source_store=store, contact_id__in=contact_ids)
    firsts = set(
        orders.filter(cancelled_at__isnull=True)
        .order_by("contact_id", "processed_at", "id")
        .distinct("contact_id")
        .values_list("id", flat=True)
    )
    wrong = list(
        orders.filter(
            Q(first_order=True) & ~Q(pk__in=firsts) | Q(first_order=False, pk__in=firsts)
        ).values_list("id", flat=True)
    )
    if wrong:
        Order.objects.filter(pk__in=wrong).update(
            first_order=Case(When(pk__in=firsts, then=Value(True)), default=Value(False))
        )
    return wrong


def _contacts_changed(store: str, contact_ids) -> list[int]:
    """Totals and first-order marks of contacts whose orders in `store` changed; the orders
    whose mark moved."""
    recompute_contact_totals(contact_ids)
    return refresh_first_orders(store, contact_ids)


def _settle_contacts(store: str) -> None:
    """Totals and first-order marks of every contact with orders in `store`, one range of
    contact ids per transaction, two statements each: the contacts are found by the database
    (through the orders' contact index), so none pass through Python, and each transaction
    holds a range's contacts only a moment. (The bulk run that calls it has kept the planner's
    statistics current: with a just-loaded store's stale ones, the planner joined contacts to
    their totals in a loop.)"""
    bounds = Order.objects.filter(source_store=store).aggregate(
        low=Min("contact_id"), high=Max("contact_id")
    )
    if bounds["low"] is None:
        return
    for low in range(bounds["low"], bounds["high"] + 1, CONTACTS_PER_STEP):
        contacts = {"store": store, "low": low, "high": low + CONTACTS_PER_STEP}
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(STORE_TOTALS_SQL, contacts)
            cursor.execute(STORE_FIRST_ORDERS_SQL, contacts)
            moved = [order_id for (order_id,) in cursor.fetchall()]
            if moved:
                store_records_changed.send(sender=Order, store=store, order_ids=moved)


def _in_ranges(records, field: str, step: int):
    """The distinct values of `field` (ids) among `records`, a range of `step` ids at a time,
    so memory stays that of one range whatever the store's size."""
    records = records.order_by()
    bounds = records.aggregate(low=Min(field), high=Max(field))
    if bounds["low"] is None:
        return
    for start in range(bounds["low"], bounds["high"] + 1, step):
        found = list(
            records.filter(**{f"{field}__gte": start, f"{field}__lt": start + step})
            .values_list(field, flat=True)
            .distinct()
        )
        if found:
            yield found


RECOVER_CARTS_SQL = """
UPDATE crm_cart SET recovered_order_id = recovered.order_id, status = %(status)s
FROM unnest(%(carts)s::bigint[], %(orders)s::bigint[]) AS recovered(cart_id, order_id)
WHERE crm_cart.id = recovered.cart_id
  AND (crm_cart.recovered_order_id IS NULL OR crm_cart.recovered_order_id = recovered.order_id)
"""

STAGE_CHANGES_SQL = """
INSERT INTO crm_orderstagechange
    (order_id, from_stage_id, to_stage_id, from_label, to_label, order_status, changed_at)
SELECT moved.order_id, moved.old, moved.new, coalesce(old.label, ''), coalesce(new.label, ''),
       moved.status, %(when)s
FROM unnest(%(orders)s::bigint[], %(olds)s::bigint[], %(news)s::bigint[], %(statuses)s::text[])
    AS moved(order_id, old, new, status)
LEFT JOIN crm_pipelinestage AS old ON old.id = moved.old
LEFT JOIN crm_pipelinestage AS new ON new.id = moved.new
"""

# Guest orders or carts (of one store, or of every store when it is NULL) that name the email
# of one of the given contacts become theirs. Contact emails are unique whatever their case,
# so each record finds one contact at most.
LINK_GUESTS_SQL = """
UPDATE {table} AS record SET contact_id = c.id
FROM crm_contact AS c
WHERE record.contact_id IS NULL AND record.email <> ''
  AND (%(store)s::text IS NULL OR record.source_store = %(store)s)
  AND c.id = ANY(%(contacts)s) AND lower(c.email) = lower(record.email)
RETURNING record.source_store, c.id
"""

# The same for every contact and one store, in one pass (after a bulk run).
LINK_STORE_GUESTS_SQL = """
UPDATE {table} AS record SET contact_id = c.id
FROM crm_contact AS c
WHERE record.contact_id IS NULL AND record.email <> '' AND record.source_store = %(store)s
  AND c.email <> '' AND lower(c.email) = lower(record.email)
"""


def _link_guests(store: str | None, contact_ids: list[int]) -> dict[str, set]:
    """By store, the contacts that guest orders now belong to (carts count for no totals)."""
    linked: dict[str, set] = {}
    with connection.cursor() as cursor:
        for table in ("crm_order", "crm_cart"):
            # The table names are constants; the values are parameters.
            cursor.execute(
                LINK_GUESTS_SQL.format(table=table),
                {"store": store, "contacts": contact_ids},
            )
            if table == "crm_order":
                for order_store, contact_id in cursor.fetchall():
                    linked.setdefault(order_store, set()).add(contact_id)
    return linked


def _link_store_guests(store: str) -> bool:
    """Whether any guest order or cart of the store found its contact."""
    linked = 0
    with connection.cursor() as cursor:
        for table in ("crm_order", "crm_cart"):
            cursor.execute(LINK_STORE_GUESTS_SQL.format(table=table), {"store": store})
            linked += cursor.rowcount
    return linked > 0


def _announce_store(model, store: str, ids_argument: str) -> None:
    """Say that every `model` record of the store changed, one range of ids at a time."""
    for ids in _in_ranges(model.objects.filter(source_store=store), "id", ANNOUNCE_STEP):
        store_records_changed.send(sender=model, store=store, **{ids_argument: ids})
