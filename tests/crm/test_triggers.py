"""Follow-up triggers: each event reaches its rule's webhook once, signed, and a failing
receiver gets it again after a pause until it answers."""

import base64
import datetime
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import django_rq
import pytest
from django.urls import reverse
from django.utils import timezone

from crm import triggers
from crm.models import (
    DeliveryStatus,
    FollowUpRule,
    OrderStageChange,
    PipelineStage,
    PropertyDefinition,
    TriggerDelivery,
)

pytestmark = pytest.mark.django_db


class Receiver:
    """A tool on the other side: answers with `statuses` in turn (then 200), keeps what came."""

    def __init__(self, statuses=()):
        self.statuses = list(statuses)
        self.received = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receiver():
    made = []

    def make(statuses=()):
        made.append(Receiver(statuses))
        return made[-1]

    yield make
    for item in made:
        item.close()


@pytest.fixture
def queue(redis_connection):
    return django_rq.get_queue("default")


def run_queued(queue):
    """Run what is queued now (not what waits for its retry pause)."""
    for job in queue.jobs:
        queue.remove(job)
        job.func(*job.args)


def shipped_rule(url):
    return FollowUpRule.objects.create(
        name="Shipped",
        event="order_entered_stage",
        url=url,
        secret="s3cret",
        stage=PipelineStage.objects.get(internal_name="shipped"),
    )


def move(order, to, status="fulfilled"):
    """The order moves from its stage to `to`, as the sync records it."""
    stage = PipelineStage.objects.get(internal_name=to)
    change = OrderStageChange.objects.create(
        order=order,
        from_stage=order.pipeline_stage,
        from_label=order.pipeline_stage.label if order.pipeline_stage else "",
        to_stage=stage,
        to_label=stage.label,
        order_status=status,
        changed_at=timezone.now(),
    )
    type(order).objects.filter(pk=order.pk).update(pipeline_stage=stage)  # as the sync does
    order.pipeline_stage = stage
    return change


def cancelled_rule(url):
    return FollowUpRule.objects.create(
        name="Cancelled",
        event="order_entered_stage",
        url=url,
        secret="s3cret",
        stage=PipelineStage.objects.get(internal_name="cancelled"),
    )


def test_an_order_entering_the_stage_is_delivered_once_and_signed(
    receiver, queue, make_order, django_capture_on_commit_callbacks
):
    hook = receiver()
    rule = shipped_rule(hook.url)
    order = make_order()
    move(order, "processed")
    move(order, "shipped")

    with django_capture_on_commit_callbacks(execute=True):
        assert triggers.scan() == 1
        assert triggers.scan() == 0
    run_queued(queue)

    [(headers, body)] = hook.received
    expected = base64.b64encode(hmac.new(b"s3cret", body, hashlib.sha256).digest()).decode()
    assert headers["X-CRM-Signature"] == expected
    assert headers["X-CRM-Event"] == "order_entered_stage"
    payload = json.loads(body)
    assert (payload["order"]["name"], payload["to_stage"]) == ("#1001", "Shipped")
    delivery = TriggerDelivery.objects.get(rule=rule)
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 1, 200)


def test_a_failing_receiver_gets_it_again_after_a_pause(
    receiver, queue, make_order, django_capture_on_commit_callbacks
):
    hook = receiver(statuses=[500, 503])
    shipped_rule(hook.url)
    move(make_order(), "shipped")
    with django_capture_on_commit_callbacks(execute=True):
        triggers.scan()
    [job] = queue.jobs
    assert (job.retries_left, job.retry_intervals) == (4, triggers.RETRY_INTERVALS)

    delivery = TriggerDelivery.objects.get()
    with pytest.raises(triggers.DeliveryFailed):
        triggers.send(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("failed", 1, 500)
    with pytest.raises(triggers.DeliveryFailed):
        triggers.send(delivery.pk)
    triggers.send(delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 3, 200)
    assert len(hook.received) == 3
    triggers.send(delivery.pk)  # a job run twice sends nothing twice
    assert len(hook.received) == 3


def test_a_receiver_that_never_answers_is_given_up_on(receiver, make_order):
    hook = receiver(statuses=[500] * 10)
    rule = shipped_rule(hook.url)
    delivery = TriggerDelivery.objects.create(rule=rule, key="k", payload={})
    for _ in range(len(triggers.RETRY_INTERVALS) + 1):
        with pytest.raises(triggers.DeliveryFailed):
            triggers.send(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.GAVE_UP, 5)


def test_a_cart_abandoned_long_enough_is_delivered_once(
    receiver, queue, make_cart, django_capture_on_commit_callbacks
):
    hook = receiver()
    rule = FollowUpRule.objects.create(
        name="Abandoned 24 h", event="cart_abandoned", hours=24, url=hook.url, secret="x"
    )
    now = timezone.now()
    FollowUpRule.objects.filter(pk=rule.pk).update(created_at=now - datetime.timedelta(days=2))
    old = make_cart(checkout_updated_at=now - datetime.timedelta(hours=30), email="a@example.com")
    make_cart(checkout_updated_at=now - datetime.timedelta(hours=2))
    make_cart(checkout_updated_at=now - datetime.timedelta(hours=30), status="recovered")

    with django_capture_on_commit_callbacks(execute=True):
        assert triggers.scan() == 1
        assert triggers.scan() == 0
    run_queued(queue)

    [(_, body)] = hook.received
    assert json.loads(body)["cart"]["id"] == old.pk


def test_a_property_changed_by_a_superadmin_is_delivered(
    receiver, queue, client, superuser, make_order, django_capture_on_commit_callbacks
):
    hook = receiver()
    channel = PropertyDefinition.objects.create(
        object_type="order", internal_name="channel", label="Channel", type="text"
    )
    FollowUpRule.objects.create(
        name="Channel", event="property_changed", property=channel, url=hook.url, secret="x"
    )
    order = make_order(properties={"channel": "web"})
    client.force_login(superuser)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("crm:order_properties", args=[order.pk]), {"channel": "phone"})
        client.post(reverse("crm:order_properties", args=[order.pk]), {"channel": "phone"})
    run_queued(queue)

    [(_, body)] = hook.received  # the second save changed nothing
    payload = json.loads(body)
    assert (payload["property"], payload["before"], payload["after"]) == ("channel", "web", "phone")


def test_a_new_rule_acts_only_on_stage_entries_after_it_was_made(
    receiver, queue, make_order, django_capture_on_commit_callbacks
):
    hook = receiver()
    past = [make_order(name=f"#{1001 + n}") for n in range(3)]
    for order in past:
        move(order, "cancelled", status="cancelled")
    # A store connected later brings an order cancelled two years ago: recorded after the
    # rule, but what it tells happened long before.
    long_ago = timezone.now() - datetime.timedelta(days=730)

    cancelled_rule(hook.url)
    imported = make_order(
        name="#0900", processed_at=long_ago, cancelled_at=long_ago, pipeline_stage=None
    )
    move(imported, "cancelled", status="cancelled")
    with django_capture_on_commit_callbacks(execute=True):
        assert triggers.scan() == 0
    assert not TriggerDelivery.objects.exists()

    fresh = make_order(name="#1100")
    change = move(fresh, "cancelled", status="cancelled")
    with django_capture_on_commit_callbacks(execute=True):
        assert triggers.scan() == 1
        assert triggers.scan() == 0
    run_queued(queue)

    [(_, body)] = hook.received
    assert json.loads(body)["order"]["name"] == "#1100"
    assert TriggerDelivery.objects.get().key == f"stage-change:{change.pk}"


def test_a_new_rule_sends_nothing_for_carts_abandoned_before_it(
    receiver, queue, make_cart, django_capture_on_commit_callbacks
):
    hook = receiver()
    now = timezone.now()
    make_cart(checkout_updated_at=now - datetime.timedelta(days=30), email="old@example.com")
    FollowUpRule.objects.create(
        name="Abandoned 24 h", event="cart_abandoned", hours=24, url=hook.url, secret="x"
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert triggers.scan() == 0
    assert not TriggerDelivery.objects.exists()


def test_a_rules_webhook_typed_without_a_scheme_is_taken_as_https(admin_client):
    add = reverse("admin:crm_followuprule_add")
    assert admin_client.get(add).status_code == 200

    response = admin_client.post(
        add,
        {
            "name": "Cancelled",
            "event": "cart_abandoned",
            "property": "",
            "hours": "4",
            "stage": "",
            "url": "hooks.example.com/crm",
            "secret": "s" * 32,
            "active": "on",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert FollowUpRule.objects.get().url == "https://hooks.example.com/crm"
