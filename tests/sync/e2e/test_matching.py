"""One matching rule, whatever the arrival: Shopify records that match each other by the
pair's rule (a company's or a product's name, any case) join one CRM record whether they
arrive in one batch, in two, by bulk or by webhook, in either order."""

import pytest

from crm.models import Company, Product
from sync import engine, services
from sync.models import RecordMapping, SyncSetting
from tests.sync.e2e.conftest import SHOP, number, work

pytestmark = pytest.mark.django_db(transaction=True)

TWINS = {
    "companies": ("companies", "name", ("Twin Trading AB", "TWIN trading ab")),
    "products": ("products", "title", ("Twin mug", "twin MUG")),
}
MODELS = {"companies": Company, "products": Product}


def create(shopify, object_type, index):
    resource, field, names = TWINS[object_type]
    return number(shopify.call("POST", f"shops/{SHOP}/{resource}", {field: names[index]})["id"])


def by_bulk(store, object_type):
    if SyncSetting.objects.filter(store=store, object_type=object_type, enabled=True).exists():
        services.resync(store=store, object_type=object_type)
    else:
        services.turn_on(store=store, object_type=object_type)
    work()


def by_webhook(store, object_type, shopify_ids):
    """What a webhook delivery does: the records it names read again by id and applied."""
    engine.refresh(SyncSetting.objects.get(store=store, object_type=object_type), shopify_ids)


def joined(object_type, shopify_ids):
    return set(
        RecordMapping.objects.filter(
            object_type=object_type, shopify_id__in=shopify_ids
        ).values_list("crm_id", flat=True)
    )


def both_in_one_batch(shopify, store, object_type, settings):
    ids = [create(shopify, object_type, 0), create(shopify, object_type, 1)]
    by_bulk(store, object_type)
    return ids


def in_two_batches(shopify, store, object_type, settings):
    settings.SYNC_BATCH_SIZE = 1
    return both_in_one_batch(shopify, store, object_type, settings)


def bulk_then_webhook(shopify, store, object_type, settings):
    first = create(shopify, object_type, 0)
    by_bulk(store, object_type)
    second = create(shopify, object_type, 1)
    by_webhook(store, object_type, [second])
    return [first, second]


def webhook_then_bulk(shopify, store, object_type, settings):
    by_bulk(store, object_type)
    second = create(shopify, object_type, 1)
    by_webhook(store, object_type, [second])
    first = create(shopify, object_type, 0)
    by_bulk(store, object_type)  # a resync
    return [first, second]


def both_by_one_webhook_batch(shopify, store, object_type, settings):
    by_bulk(store, object_type)
    ids = [create(shopify, object_type, 1), create(shopify, object_type, 0)]
    by_webhook(store, object_type, ids)
    return ids


def one_webhook_each(shopify, store, object_type, settings):
    by_bulk(store, object_type)
    ids = [create(shopify, object_type, 0), create(shopify, object_type, 1)]
    for shopify_id in reversed(ids):
        by_webhook(store, object_type, [shopify_id])
    return ids


ARRIVALS = [
    both_in_one_batch,
    in_two_batches,
    bulk_then_webhook,
    webhook_then_bulk,
    both_by_one_webhook_batch,
    one_webhook_each,
]


@pytest.mark.parametrize("object_type", ["companies", "products"])
@pytest.mark.parametrize("arrival", ARRIVALS, ids=[arrival.__name__ for arrival in ARRIVALS])
def test_matching_records_join_one_crm_record_however_they_arrive(
    shopify, store, settings, object_type, arrival
):
    ids = arrival(shopify, store, object_type, settings)

    model = MODELS[object_type]
    field = "name"
    twins = model.objects.filter(**{f"{field}__iexact": TWINS[object_type][2][0]})
    assert twins.count() == 1
    assert joined(object_type, ids) == {twins.get().pk}
    primaries = RecordMapping.objects.filter(
        object_type=object_type, shopify_id__in=ids, is_primary=True
    )
    assert primaries.count() == 1
