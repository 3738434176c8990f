"""The records a burst of webhooks names wait together for one job per store, which reads each
of them once; a record named again while it was being read is read again; a job killed half-way
leaves its deliveries for the sweep; one job per store at a time, and it looks again before it
ends."""

import django_rq
import pytest
from rq import SimpleWorker

from config import queues
from integration.models import Store
from sync import deliveries
from sync.models import DeliveryState, SyncSetting, SyncState, WebhookDelivery
from tests.conftest import queued

pytestmark = pytest.mark.django_db


def waiting():
    return list(
        WebhookDelivery.objects.filter(state=DeliveryState.RECEIVED).values_list(
            "webhook_id", flat=True
        )
    )


@pytest.fixture
def run_queued(django_capture_on_commit_callbacks):
    """Run the `webhooks` queue's jobs as a worker does, and those they queue, until none is
    left (the jobs they queue are sent when the callbacks run, as after a commit)."""

    def run():
        queue = django_rq.get_queue("webhooks")
        while queue.count:
            with django_capture_on_commit_callbacks(execute=True):
                SimpleWorker([queue], connection=queue.connection).work(burst=True)

    return run


@pytest.fixture
def reads(monkeypatch):
    """What the job reads from Shopify: (object type, sorted ids) per read."""
    done = []

    def refresh(setting, shopify_ids, **kwargs):
        done.append((setting.object_type, sorted(shopify_ids)))

    monkeypatch.setattr(deliveries.engine, "refresh", refresh)
    return done


def test_a_burst_of_webhooks_queues_one_job_which_reads_each_record_once(
    store, make_setting, deliver, redis_connection, reads, django_capture_on_commit_callbacks
):
    make_setting("contacts")
    with django_capture_on_commit_callbacks(execute=True):
        for shopify_id in (11, 12, 13, 11):
            deliver("customers/update", {"id": shopify_id})
    assert queued("webhooks") == [("process_deliveries", store.pk)]

    deliveries.process_store(store.pk)

    assert reads == [("contacts", [11, 12, 13])]
    assert waiting() == []


def test_a_record_named_again_while_being_read_is_read_again(
    store,
    make_setting,
    deliver,
    redis_connection,
    monkeypatch,
    run_queued,
    django_capture_on_commit_callbacks,
):
    make_setting("contacts")
    deliver("customers/update", {"id": 1}, webhook_id="first")
    deliver("customers/update", {"id": 2}, webhook_id="second")
    done = []

    def refresh(setting, shopify_ids, **kwargs):
        done.append(sorted(shopify_ids))
        if len(done) == 1:  # while the job reads 1 and 2, Shopify changes 2 again
            deliver("customers/update", {"id": 2}, webhook_id="again")

    monkeypatch.setattr(deliveries.engine, "refresh", refresh)
    with django_capture_on_commit_callbacks(execute=True):
        deliveries.process_store(store.pk)
    run_queued()  # the next turn

    assert done == [[1, 2], [2]]
    assert waiting() == []


def test_deliveries_of_a_killed_job_are_picked_up_by_the_sweep(
    store, make_setting, deliver, redis_connection, monkeypatch, django_capture_on_commit_callbacks
):
    make_setting("contacts")
    with django_capture_on_commit_callbacks(execute=True):
        deliver("customers/update", {"id": 7}, webhook_id="seven")
    job = django_rq.get_queue("webhooks").jobs[0]
    read = []

    def killed(setting, shopify_ids, **kwargs):
        read.append(sorted(shopify_ids))
        raise SystemExit("worker killed")

    monkeypatch.setattr(deliveries.engine, "refresh", killed)
    with pytest.raises(SystemExit):
        queues.perform(*job.args)
    job.delete()
    assert read == [[7]]
    assert waiting() == ["seven"]

    WebhookDelivery.objects.update(received_at=deliveries.timezone.now() - deliveries.STALE_AFTER)
    with django_capture_on_commit_callbacks(execute=True):
        deliveries.requeue_waiting()
    assert queued("webhooks") == [("process_deliveries", store.pk)]


def test_a_sync_turned_off_reads_nothing_for_what_waited(
    store, make_setting, deliver, redis_connection, reads
):
    make_setting("contacts", on=False)
    deliver("customers/update", {"id": 5})

    deliveries.process_store(store.pk)

    assert reads == []
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.error) == (DeliveryState.PROCESSED, deliveries.SYNC_OFF)


def test_one_job_per_store_at_a_time_and_it_looks_again_before_it_ends(
    store,
    make_setting,
    deliver,
    redis_connection,
    monkeypatch,
    run_queued,
    django_capture_on_commit_callbacks,
):
    make_setting("contacts")
    deliver("customers/update", {"id": 1})
    done = []

    def refresh(setting, shopify_ids, **kwargs):
        done.append(sorted(shopify_ids))
        if len(done) == 1:
            # While this job reads, a webhook names 2, and its job finds this one at work.
            deliver("customers/update", {"id": 2})
            deliveries.process_store(store.pk)

    monkeypatch.setattr(deliveries.engine, "refresh", refresh)
    with django_capture_on_commit_callbacks(execute=True):
        deliveries.process_store(store.pk)

    # Its turn was one batch: 2 is its successor's, queued behind the other stores' jobs.
    assert done == [[1]]
    assert queued("webhooks") == [("process_deliveries", store.pk)]
    run_queued()
    assert done == [[1], [2]]
    assert waiting() == []
    assert queued("webhooks") == []


def test_stores_take_turns_a_batch_each(
    store,
    make_setting,
    deliver,
    redis_connection,
    monkeypatch,
    run_queued,
    django_capture_on_commit_callbacks,
):
    """A store with more waiting than a batch holds the worker for one batch; then the other
    store's job runs, then the rest of the first store's, and none is left behind."""
    monkeypatch.setattr(deliveries, "BATCH", 2)
    other = Store(shop_domain="beta.myshopify.com", name="Beta", scopes=store.scopes)
    other.set_access_token("shpat_other")
    other.save()
    make_setting("contacts")
    SyncSetting.objects.create(
        store=other, object_type="contacts", enabled=True, state=SyncState.ON
    )
    for shopify_id in (1, 2, 3):
        deliver("customers/update", {"id": shopify_id})
    deliver("customers/update", {"id": 9}, shop=other.shop_domain)
    done = []

    def refresh(setting, shopify_ids, **kwargs):
        done.append((setting.store.shop_domain, sorted(shopify_ids)))

    monkeypatch.setattr(deliveries.engine, "refresh", refresh)
    with django_capture_on_commit_callbacks(execute=True):
        for each in (store, other):
            queues.enqueue("process_deliveries", each.pk, once=True)

    run_queued()

    assert done == [
        ("alpha.myshopify.com", [1, 2]),
        ("beta.myshopify.com", [9]),
        ("alpha.myshopify.com", [3]),
    ]
    assert waiting() == []


def test_a_read_that_fails_leaves_its_deliveries_and_not_the_others(
    store, make_setting, deliver, redis_connection, monkeypatch
):
    make_setting("contacts")
    make_setting("products")
    deliver("customers/update", {"id": 1}, webhook_id="customer")
    deliver("products/update", {"id": 2}, webhook_id="product")

    def refresh(setting, shopify_ids, **kwargs):
        if setting.object_type == "contacts":
            raise ConnectionError("Shopify is down")

    monkeypatch.setattr(deliveries.engine, "refresh", refresh)
    deliveries.process_store(store.pk)

    assert waiting() == ["customer"]
    assert WebhookDelivery.objects.get(webhook_id="product").state == DeliveryState.PROCESSED
    # Counted, and not tried again before its wait is over.
    customer = WebhookDelivery.objects.get(webhook_id="customer")
    assert (customer.attempts, customer.error) == (
        1,
        "Attempt 1: ConnectionError: Shopify is down",
    )
    deliveries.process_store(store.pk)
    customer.refresh_from_db()
    assert customer.attempts == 1


@pytest.mark.parametrize(
    "named", [-1, 0, -(2**70), 2**70, 2**63, "-1", "gid://shopify/Customer/-1"]
)
def test_an_id_shopify_cannot_have_fails_its_delivery_alone(
    store, make_setting, deliver, redis_connection, reads, named
):
    """Finding 3: such an id made Shopify refuse the whole read ("Invalid global id")."""
    make_setting("contacts")
    deliver("customers/update", {"id": named}, webhook_id="poison")
    deliver("customers/update", {"id": 5}, webhook_id="fine")

    deliveries.process_store(store.pk)

    assert reads == [("contacts", [5])]
    states = dict(WebhookDelivery.objects.values_list("webhook_id", "state"))
    assert states == {"poison": DeliveryState.FAILED, "fine": DeliveryState.PROCESSED}


def test_the_deliveries_read_are_marked_done_without_waiting_for_the_disk(
    store, make_setting, deliver, redis_connection, reads
):
    """Lost in a crash of PostgreSQL, the mark is lost with what came before it, and the
    delivery is processed again."""
    from django.db import connection

    make_setting("contacts")
    deliver("customers/update", {"id": 11})
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        deliveries.process_store(store.pk)

    marked = next(
        index
        for index, sql in enumerate(statements)
        if sql.startswith('UPDATE "sync_webhookdelivery" SET "state"')
    )
    assert "SET LOCAL synchronous_commit TO OFF" in statements[:marked]
    assert reads == [("contacts", [11])]
    assert waiting() == []
