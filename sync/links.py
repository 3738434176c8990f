"""The "Open in Shopify" link of a synced order or cart, for the CRM's record pages (which
know no Shopify: crm.links asks whoever registered)."""

from crm.models import Cart, Order
from integration.client import shop_url
from integration.models import Store
from sync.models import RecordMapping

ADMIN_PATHS = {Order: ("orders", "orders"), Cart: ("carts", "checkouts")}


def shopify_links(record) -> list[tuple[str, str]]:
    kind = ADMIN_PATHS.get(type(record))
    if kind is None:
        return []
    object_type, path = kind
    store = Store.objects.filter(shop_domain=record.source_store).first()
    if store is None:
        return []
    mapping = RecordMapping.objects.filter(
        store=store, object_type=object_type, crm_id=record.pk
    ).first()
    if mapping is None:
        return []
    return [("Open in Shopify", f"{shop_url(store.shop_domain)}/admin/{path}/{mapping.shopify_id}")]
