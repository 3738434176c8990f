"""The job queues' dashboard: for superusers and those who may run syncs, not for every staff
user (finding 5)."""

import django_rq
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from rq import Queue

from config import queues

pytestmark = pytest.mark.django_db

PAGES = [
    reverse("admin:django_rq_dashboard_changelist"),
    reverse("admin:django_rq_home"),
    reverse("admin:django_rq_home_json"),
    reverse("admin:django_rq_jobs", args=[0]),
    reverse("admin:django_rq_failed_jobs", args=[0]),
    reverse("admin:django_rq_workers", args=[0]),
]


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("staff", password="pw", is_staff=True)


@pytest.mark.parametrize("page", PAGES)
def test_staff_without_the_permission_cannot_see_or_run_the_queues(
    client, staff, page, redis_connection
):
    client.force_login(staff)

    assert client.get(page).status_code == 403


def test_staff_without_the_permission_cannot_empty_a_queue(client, staff, redis_connection):
    queue = queues.get_queue("default")
    Queue("default", connection=queue.connection).enqueue("builtins.print", "kept")
    client.force_login(staff)

    response = client.post(reverse("admin:django_rq_clear", args=[2]), {"post": "yes"})

    assert response.status_code == 403
    assert queue.count == 1


def test_the_admin_index_does_not_list_the_queues_without_the_permission(
    client, staff, redis_connection
):
    client.force_login(staff)

    assert "django_rq" not in client.get(reverse("admin:index")).content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_holders_of_the_sync_permission_and_superusers_see_the_queues(
    client, staff, superuser, page, redis_connection
):
    staff.user_permissions.add(Permission.objects.get(codename="manage_syncs"))
    for user in (staff, superuser):
        client.force_login(user)
        assert client.get(page).status_code == 200, (user, page)
    assert django_rq.get_queue("default").count == 0
