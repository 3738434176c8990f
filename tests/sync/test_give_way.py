"""A bulk run gives way to webhook work: between two batches it waits while jobs wait on the
`webhooks` queue (a bounded number of looks), where another worker takes them; it never waits
where no other worker would, and always finishes."""

import pytest

from config import queues
from crm.models import Company
from sync import runs
from tests.sync.test_staging import apply_staged, company


class _Job:
    worker_name = "sync-1"


def _register(connection, *names):
    connection.sadd("rq:workers:webhooks", *(f"rq:worker:{name}" for name in names))


def test_the_jobs_waiting_on_a_queue_are_counted(redis_connection):
    assert queues.waiting("webhooks") == 0
    queues.get_queue("webhooks").enqueue(print, "a")
    queues.get_queue("webhooks").enqueue(print, "b")
    queues.get_queue("default").enqueue(print, "c")

    assert queues.waiting("webhooks") == 2


def test_only_another_worker_on_the_queue_takes_its_jobs(redis_connection, monkeypatch):
    monkeypatch.setattr(queues, "get_current_job", lambda: _Job())
    assert queues.others_take("webhooks") is False

    _register(redis_connection, "sync-1")  # this job's own worker
    assert queues.others_take("webhooks") is False

    _register(redis_connection, "worker-2")
    assert queues.others_take("webhooks") is True


def test_outside_a_job_any_worker_on_the_queue_counts(redis_connection):
    _register(redis_connection, "worker-1")

    assert queues.others_take("webhooks") is True


def test_the_run_waits_while_webhook_jobs_wait_and_no_longer(monkeypatch):
    counts = iter([3, 2, 0, 5])
    slept = []
    monkeypatch.setattr(queues, "waiting", lambda name: next(counts))
    monkeypatch.setattr(runs.time, "sleep", slept.append)

    assert runs._give_way_to_webhooks() == 2
    assert slept == [runs.GIVE_WAY_POLL_SECONDS] * 2
    assert next(counts) == 5  # not looked at again once the queue was empty


def test_the_wait_is_bounded_under_a_steady_stream_of_webhooks(monkeypatch):
    slept = []
    monkeypatch.setattr(queues, "waiting", lambda name: 1)
    monkeypatch.setattr(runs.time, "sleep", slept.append)

    assert runs._give_way_to_webhooks() == runs.GIVE_WAY_MAX_POLLS
    assert len(slept) == runs.GIVE_WAY_MAX_POLLS


@pytest.mark.django_db
@pytest.mark.parametrize(("others", "pauses"), [(True, 3), (False, 0)])
def test_a_bulk_run_gives_way_after_each_batch_only_where_others_take_the_webhooks(
    store, make_setting, settings, monkeypatch, others, pauses
):
    settings.SYNC_BATCH_SIZE = 100
    monkeypatch.setattr(queues, "others_take", lambda name: others)
    given_way = []
    monkeypatch.setattr(
        runs, "_give_way_to_webhooks", lambda: given_way.append(Company.objects.count())
    )
    lines = [company(n, f"Company {n}") for n in range(1, 301)]

    run = apply_staged(store, make_setting("companies"), lines)

    # After each batch had committed, where other workers take the webhooks; never otherwise.
    assert given_way == [100, 200, 300][:pauses]
    assert (run.checkpoint["line"], run.created) == (299, 300)
