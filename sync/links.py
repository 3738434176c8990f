"""The "Open in Shopify" link of a synced record, for the CRM's record pages (which know no
Shopify: crm.links asks whoever registered). Each pair says where its records live in Shopify's
admin."""

from integration.models import Store, shop_url
from sync import mappings
from sync.adapters import for_model


def shopify_links(record) -> list[tuple[str, str]]:
    adapter = for_model(type(record))
    store_domain = getattr(record, "source_store", None)
    if adapter is None or not store_domain:
        return []
    store = Store.objects.filter(shop_domain=store_domain).first()
    if store is None:
        return []
    mapping = mappings.of_store(store, adapter.object_type).filter(crm_id=record.pk).first()
    if mapping is None:
        return []
    url = f"{shop_url(store.shop_domain)}/admin/{adapter.admin_path}/{mapping.shopify_id}"
    return [("Open in Shopify", url)]
