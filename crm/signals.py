"""What the CRM announces to whoever keeps something derived from its records (the report
aggregates). Senders are whatever writes orders and carts in bulk (the sync)."""

from django.dispatch import Signal

# A batch of a store's orders or carts was written, or is about to be deleted (sent before the
# delete, so receivers can still read them). Arguments: `store` (the shop's domain),
# `order_ids`, `cart_ids`, and `days`: dates orders left (their date changed).
store_records_changed = Signal()
