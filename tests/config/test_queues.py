from urllib.parse import urlsplit

import django_rq
import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import transaction
from django.urls import reverse
from django.utils.module_loading import import_string

from config import queues
from tests.conftest import queued


def test_the_three_queues_live_on_the_configured_redis():
    assert set(settings.RQ_QUEUES) == {"webhooks", "sync", "default"}
    configured = urlsplit(settings.REDIS_URL)  # the tests': TEST_REDIS_URL or db 15
    for name in settings.RQ_QUEUES:
        kwargs = django_rq.get_queue(name).connection.connection_pool.connection_kwargs
        assert (kwargs["host"], kwargs["port"], kwargs["db"]) == (
            configured.hostname,
            configured.port,
            int(configured.path.strip("/")),
        )


@pytest.mark.django_db(transaction=True)
def test_a_job_enqueued_in_a_transaction_is_sent_only_when_it_commits(redis_connection):
    queue = django_rq.get_queue("default")

    with transaction.atomic():
        queue.enqueue(print, "hello")
        assert queue.count == 0
    assert queue.count == 1


@pytest.mark.django_db(transaction=True)
def test_a_job_enqueued_in_a_rolled_back_transaction_is_never_sent(redis_connection):
    queue = django_rq.get_queue("default")

    with pytest.raises(RuntimeError), transaction.atomic():
        queue.enqueue(print, "hello")
        raise RuntimeError("rollback")

    assert queue.count == 0


@pytest.mark.django_db
def test_the_job_dashboard_is_in_the_admin_for_staff_who_run_syncs(
    client, staff_user, redis_connection
):
    staff_user.user_permissions.add(Permission.objects.get(codename="manage_syncs"))
    client.force_login(staff_user)

    dashboard = client.get(reverse("admin:django_rq_home"))

    assert dashboard.status_code == 200
    for queue in ("webhooks", "sync", "default"):
        assert queue in dashboard.content.decode()


@pytest.mark.django_db
def test_the_job_dashboard_is_linked_from_the_admin_index(admin_client):
    index = admin_client.get(reverse("admin:index"))

    assert reverse("admin:django_rq_home") in index.content.decode()


@pytest.mark.django_db
def test_the_job_dashboard_is_closed_to_non_staff(client, django_user_model):
    user = django_user_model.objects.create_user(username="shopper", password="pw-123456789")
    client.force_login(user)

    response = client.get(reverse("admin:django_rq_home"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


# config.queues: the table of jobs, queueing once, locks.


def test_every_job_of_the_table_names_a_function_and_a_queue():
    for name, job in queues.JOBS.items():
        assert callable(import_string(job.function)), name
        assert job.queue in settings.RQ_QUEUES, name
        assert job.timeout > 0, name


@pytest.mark.django_db(transaction=True)
def test_a_job_queued_once_waits_alone_until_it_starts(redis_connection):
    queues.enqueue("reconcile", 7, once=True)
    queues.enqueue("reconcile", 7, once=True)
    queues.enqueue("reconcile", 8, once=True)
    assert queued("sync") == [("reconcile", 7), ("reconcile", 8)]

    job = django_rq.get_queue("sync").jobs[0]
    job.delete()
    queues.perform(*job.args)  # no such sync: returns quietly, and lets its key go
    queues.enqueue("reconcile", 7, once=True)

    assert queued("sync") == [("reconcile", 8), ("reconcile", 7)]


@pytest.mark.django_db(transaction=True)
def test_a_job_declares_its_time_limit_and_retries(redis_connection):
    queues.enqueue("push_record", 1, 2)

    [job] = django_rq.get_queue("default").jobs
    assert (job.timeout, job.retries_left, job.retry_intervals) == (600, 3, [10, 60, 300])
    assert job.description == "push_record(1, 2)"


@pytest.mark.django_db(transaction=True)
def test_a_delayed_job_waits_in_the_schedule(redis_connection):
    queues.enqueue("run_bulk", 5, delay=30)

    queue = django_rq.get_queue("sync")
    assert queue.count == 0
    assert len(queue.scheduled_job_registry.get_job_ids()) == 1


def test_one_holder_of_a_lock_at_a_time_and_only_the_holder_lets_it_go(redis_connection):
    with queues.lock("test-lock", 60) as first:
        with queues.lock("test-lock", 60) as second:
            assert (first, second) == (True, False)
        assert redis_connection.exists("test-lock")  # the refused one let nothing go
    assert not redis_connection.exists("test-lock")

    with queues.lock("test-lock", 60) as held:
        redis_connection.set("test-lock", "someone else's, after this one expired")
    assert held
    assert redis_connection.get("test-lock") == b"someone else's, after this one expired"
