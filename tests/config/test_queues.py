import django_rq
import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse


def test_the_three_queues_live_on_the_configured_redis():
    assert set(settings.RQ_QUEUES) == {"webhooks", "sync", "default"}
    for name in settings.RQ_QUEUES:
        kwargs = django_rq.get_queue(name).connection.connection_pool.connection_kwargs
        assert (kwargs["host"], kwargs["port"], kwargs["db"]) == ("127.0.0.1", 6379, 15)


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
def test_the_job_dashboard_is_in_the_admin_for_staff(client, staff_user, redis_connection):
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
