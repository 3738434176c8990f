"""A record deleted in Shopify whose webhook never came is deleted in the CRM (by the pair's
rule) within one reconciliation cycle: Shopify's count against the CRM's tells, and the drift
check finds which. An unchanged store costs one count per object and asks nothing more. The
drift check also runs from the admin."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from crm.models import Cart, Order, Product
from sync import runs, services
from sync.adapters import ADAPTERS
from sync.models import MappingState, RecordMapping, RunKind, SyncRun, SyncSetting
from tests.sync.e2e.conftest import SHOP, number, shop_data, work

pytestmark = pytest.mark.django_db(transaction=True)

OBJECTS = ("products", "orders", "carts")


@pytest.fixture
def synced(shopify, store):
    for object_type in OBJECTS:
        services.turn_on(store=store, object_type=object_type)
    work()
    return store


def reconcile_everything():
    for setting in SyncSetting.objects.all():
        runs.reconcile(setting.pk)
    work()


def mapping(object_type, gid):
    return RecordMapping.objects.get(object_type=object_type, shopify_id=number(gid))


def test_deletes_whose_webhooks_were_lost_arrive_within_one_reconciliation(shopify, synced):
    product = shop_data(shopify, "products")[0]
    order = shop_data(shopify, "orders")[0]
    cart = next(c for c in shop_data(shopify, "checkouts") if not c["completedAt"])
    crm_ids = {
        "products": mapping("products", product["id"]).crm_id,
        "orders": mapping("orders", order["id"]).crm_id,
        "carts": mapping("carts", cart["id"]).crm_id,
    }
    # Every webhook is dropped (the fixture): the deletes are known to Shopify only.
    for resource, record in (("products", product), ("orders", order), ("checkouts", cart)):
        shopify.call("DELETE", f"shops/{SHOP}/{resource}/{number(record['id'])}")

    reconcile_everything()

    assert not Product.objects.filter(pk=crm_ids["products"]).exists()
    assert not Order.objects.filter(pk=crm_ids["orders"]).exists()
    assert not Cart.objects.filter(pk=crm_ids["carts"]).exists()
    for object_type, record in (("products", product), ("orders", order), ("carts", cart)):
        assert mapping(object_type, record["id"]).state == MappingState.DELETED
    drift = SyncRun.objects.filter(kind=RunKind.DRIFT)
    assert sorted(drift.values_list("object_type", "deleted")) == [
        ("carts", 1),
        ("orders", 1),
        ("products", 1),
    ]
    assert Product.objects.count() == len(shop_data(shopify, "products"))
    assert Order.objects.count() == len(shop_data(shopify, "orders"))


def test_an_unchanged_store_costs_one_count_per_object_and_no_drift_check(shopify, synced):
    reconcile_everything()

    assert not SyncRun.objects.filter(kind=RunKind.DRIFT).exists()
    assert not SyncRun.objects.filter(kind=RunKind.RECONCILE).exists()
    assert list(SyncSetting.objects.values_list("count_gap_checked", flat=True)) == [None] * 3


def test_a_gap_the_drift_check_explained_is_not_checked_again(shopify, synced, monkeypatch):
    # The CRM counts one product more than Shopify does, and the drift check finds nothing
    # to delete (as when Shopify's count leaves out something the app sees).
    products = ADAPTERS["products"]
    counted = products.count_in_sight
    monkeypatch.setattr(products, "count_in_sight", lambda store, found: counted(store, found) + 1)

    reconcile_everything()
    reconcile_everything()

    drift = SyncRun.objects.filter(kind=RunKind.DRIFT)
    assert list(drift.values_list("object_type", "deleted")) == [("products", 0)]
    assert SyncSetting.objects.get(object_type="products").count_gap_checked == 1
    assert Product.objects.count() == len(shop_data(shopify, "products"))


def test_the_drift_check_runs_from_the_admin(shopify, synced, client, superuser):
    client.force_login(superuser)
    settings = list(SyncSetting.objects.order_by("pk"))

    answer = client.post(
        "/admin/sync/syncsetting/",
        {"action": "check_drift_selected", ACTION_CHECKBOX_NAME: [s.pk for s in settings]},
        follow=True,
    )
    work()

    assert "Drift check started" in answer.content.decode()
    drift = SyncRun.objects.filter(kind=RunKind.DRIFT)
    assert sorted(drift.values_list("object_type", "status")) == [
        ("carts", "succeeded"),
        ("orders", "succeeded"),
        ("products", "succeeded"),
    ]
