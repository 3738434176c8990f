"""Customer totals on contacts: orders count, total spent per currency, first and last order.
Cancelled orders do not count; refunds are taken off what was spent."""

from django.db.models import Count, F, Max, Min, Sum

from crm.models import Contact, Order


def recompute_contact_totals(contact_ids):
    contact_ids = list({contact_id for contact_id in contact_ids if contact_id})
    if not contact_ids:
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
