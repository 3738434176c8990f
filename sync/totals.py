"""Customer totals on contacts: orders count, total spent per currency, first and last order.
Cancelled orders do not count; refunds are taken off what was spent."""

from django.db import connection, transaction
from django.db.models import Count, F, Max, Min, Sum

from crm.models import Contact, Order
from crm.services import refresh_first_orders
from crm.signals import store_records_changed

# A range of contact ids brought up to date per transaction when a whole store is (after a
# bulk run).
STORE_CHUNK = 2000

# One statement for a whole batch of contacts: per contact and currency, then per contact.
TOTALS_SQL = """
WITH per_currency AS (
    SELECT contact_id, currency, count(*) AS n, min(processed_at) AS first,
           max(processed_at) AS last, sum(total - refunded) AS spent
    FROM crm_order
    WHERE contact_id = ANY(%(ids)s) AND cancelled_at IS NULL
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
    total_spent = coalesce(per_contact.spent, '{}'::jsonb)
FROM crm_contact AS wanted
LEFT JOIN per_contact ON per_contact.contact_id = wanted.id
WHERE crm_contact.id = wanted.id AND wanted.id = ANY(%(ids)s)
"""


def recompute_contact_totals(contact_ids):
    contact_ids = list({contact_id for contact_id in contact_ids if contact_id})
    if not contact_ids:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(TOTALS_SQL, {"ids": contact_ids})
        return
    orders = Order.objects.filter(contact_id__in=contact_ids, cancelled_at__isnull=True)
    counts = {
        row["contact_id"]: row
        for row in orders.values("contact_id").annotate(
            count=Count("id"), first=Min("processed_at"), last=Max("processed_at")
        )
    }
    spent: dict[int, dict] = {}
    for row in orders.values("contact_id", "currency").annotate(
        amount=Sum(F("total") - F("refunded"))
    ):
        spent.setdefault(row["contact_id"], {})[row["currency"]] = str(row["amount"])
    contacts = list(Contact.objects.filter(pk__in=contact_ids).only("pk"))
    for contact in contacts:
        row = counts.get(contact.pk, {})
        contact.orders_count = row.get("count", 0)
        contact.first_order_at = row.get("first")
        contact.last_order_at = row.get("last")
        contact.total_spent = spent.get(contact.pk, {})
    Contact.objects.bulk_update(
        contacts, ["orders_count", "first_order_at", "last_order_at", "total_spent"]
    )


def refresh_store_contacts(shop_domain: str) -> None:
    """Totals and first-order marks of every contact with orders in the store, one range of
    contact ids per transaction: each range is read through the orders' contact index, so the
    whole store costs one pass whatever its size (and memory stays that of one range). Orders
    whose mark moved are announced: their days' reports change."""
    orders = Order.objects.filter(source_store=shop_domain).order_by()
    bounds = orders.aggregate(low=Min("contact_id"), high=Max("contact_id"))
    if bounds["low"] is None:
        return
    for start in range(bounds["low"], bounds["high"] + 1, STORE_CHUNK):
        chunk = list(
            orders.filter(contact_id__gte=start, contact_id__lt=start + STORE_CHUNK)
            .values_list("contact_id", flat=True)
            .distinct()
        )
        if not chunk:
            continue
        with transaction.atomic():
            recompute_contact_totals(chunk)
            moved = refresh_first_orders(shop_domain, chunk)
            if moved:
                store_records_changed.send(sender=Order, store=shop_domain, order_ids=moved)
