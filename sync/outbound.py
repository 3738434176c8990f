"""Which stores a CRM change of a contact, company or product goes to.

A record some store knows — it came from that store, or was created there by a push — is
mapped to it (`RecordMapping`, in any state: a tombstone keeps it that store's record). Its
changes go to the stores it is mapped to, and to no other: editing a Demo Europe contact never
creates it in the US shop. A record no store knows yet was created in the CRM: it goes to the
stores whose sync says "Send … created in the CRM to this store" (the Limit step), and from
then on it is mapped to them.

A new sync has that option on when no other store syncs the object yet (a merchant with one
store gets the records made in the CRM in Shopify, as before), and off when another store
already does (a second store does not start receiving what the first one's people create;
its Limit step can turn it on).
"""

from __future__ import annotations

from sync.filters import NEW_CRM_RECORDS
from sync.models import RecordMapping, SyncSetting


def sends_new_records(setting) -> bool:
    """Whether records created in the CRM are created in this sync's store. A sync saved
    before the option existed and never given it is treated as on (migration 0010 gave it to
    every sync there was)."""
    return setting.filters.get(NEW_CRM_RECORDS, True) is not False


def default_sends_new_records(store, object_type: str) -> bool:
    """A new sync's default: on unless another store already syncs the object."""
    others = SyncSetting.objects.filter(object_type=object_type, enabled=True).exclude(store=store)
    return not others.exists()


def new_sync_filters(store, adapter) -> dict:
    """The filters a new sync of `adapter`'s pair starts with, for this store."""
    filters = adapter.default_filters()
    if adapter.two_way:
        filters[NEW_CRM_RECORDS] = default_sends_new_records(store, adapter.object_type)
    return filters


def stores_knowing(object_type: str, crm_id: int) -> set[int]:
    """The ids of the stores the CRM record is mapped to."""
    return set(
        RecordMapping.objects.filter(object_type=object_type, crm_id=crm_id).values_list(
            "store_id", flat=True
        )
    )


def targets(settings, object_type: str, crm_id: int) -> list:
    """Those of `settings` (syncs that push this object) a change of the record goes to."""
    known = stores_knowing(object_type, crm_id)
    if known:
        return [setting for setting in settings if setting.store_id in known]
    return [setting for setting in settings if sends_new_records(setting)]


def may_create(setting, crm_id: int) -> bool:
    """Whether a push may create the record in this sync's store, which has no live Shopify
    record of it: the store takes new CRM records, or the record is this store's (one it
    deleted in Shopify). A record another store created meanwhile (two stores take new
    records, one was quicker) still goes to a store that takes them."""
    return sends_new_records(setting) or setting.store_id in stores_knowing(
        setting.object_type, crm_id
    )
