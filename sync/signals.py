"""Every save of a record a two-way pair syncs — a contact, a company, a product or one of its
variants; the admin, staff pages, the API, commands — queues its push to Shopify
(services.crm_record_changed). A signal rather than calls at each place, so no way of changing
a record can forget it. The inbound sync writes with COPY and queryset updates, which send no
signal: what came from Shopify is never pushed back. The senders are the pairs' `changed_by`."""

from django.db.models.signals import post_save

from sync import services
from sync.adapters import ADAPTERS


def connect():
    for adapter in ADAPTERS.values():
        if not adapter.two_way:
            continue
        for model, attribute in adapter.changed_by.items():
            post_save.connect(
                _pusher(adapter.object_type, attribute),
                sender=model,
                weak=False,
                dispatch_uid=f"sync-push-{adapter.object_type}-{model.__name__}",
            )


def _pusher(object_type: str, attribute: str):
    def record_saved(sender, instance, raw=False, **kwargs):
        if raw:  # loaddata: not a change anyone made
            return
        services.crm_record_changed(object_type, getattr(instance, attribute))

    return record_saved
