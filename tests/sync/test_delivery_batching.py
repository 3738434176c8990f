"""Records named by webhooks wait together for one job per sync, which re-reads them in one
go; a record named again while it was being read stays for the next job, so no change is
missed; a job killed half-way leaves its records for the sweep."""

import django_rq
import pytest

from sync import jobs, services


def queued_refresh_jobs():
    queue = django_rq.get_queue("webhooks")
    return [job for job in queue.get_jobs() if job.func_name == "sync.jobs.refresh_pending"]


def test_a_burst_of_webhooks_queues_one_job(
    store, make_setting, redis_connection, django_capture_on_commit_callbacks
):
    setting = make_setting("contacts")
    with django_capture_on_commit_callbacks(execute=True):
        for shopify_id in (11, 12, 13, 11):
            services.enqueue_refresh(store, "contacts", shopify_id)
    assert len(queued_refresh_jobs()) == 1
    assert services.records_to_refresh(setting.pk, 10) == {11: b"2", 12: b"1", 13: b"1"}


def test_a_record_named_again_while_being_read_waits_for_the_next_job(
    store, make_setting, redis_connection, django_capture_on_commit_callbacks
):
    setting = make_setting("contacts")
    with django_capture_on_commit_callbacks(execute=True):
        services.enqueue_refresh(store, "contacts", 1)
        services.enqueue_refresh(store, "contacts", 2)
    taken = services.records_to_refresh(setting.pk, 10)
    # The job reads 1 and 2; meanwhile Shopify changes 2 again.
    with django_capture_on_commit_callbacks(execute=True):
        services.enqueue_refresh(store, "contacts", 2)
    services.refreshed(setting.pk, taken)
    assert services.records_to_refresh(setting.pk, 10) == {2: b"2"}


def test_records_of_a_killed_job_are_picked_up_by_the_sweep(
    store, make_setting, redis_connection, django_capture_on_commit_callbacks, monkeypatch
):
    setting = make_setting("contacts")
    with django_capture_on_commit_callbacks(execute=True):
        services.enqueue_refresh(store, "contacts", 7)
    job = queued_refresh_jobs()[0]
    read = []

    def killed(setting, ids, **kwargs):
        read.append(ids)
        raise SystemExit("worker killed")

    monkeypatch.setattr(jobs.engine, "refresh", killed)
    with pytest.raises(SystemExit):
        jobs.refresh_pending(*job.args)
    job.delete()
    assert read == [[7]]
    assert services.records_to_refresh(setting.pk, 10) == {7: b"1"}

    with django_capture_on_commit_callbacks(execute=True):
        services.sweep()
    assert len(queued_refresh_jobs()) == 1


def test_a_sync_turned_off_forgets_what_waited(
    store, make_setting, redis_connection, django_capture_on_commit_callbacks
):
    setting = make_setting("contacts")
    with django_capture_on_commit_callbacks(execute=True):
        services.enqueue_refresh(store, "contacts", 5)
    setting.enabled = False
    setting.save()
    jobs.refresh_pending(setting.pk)
    assert services.records_to_refresh(setting.pk, 10) == {}


def test_one_refresh_job_per_sync_at_a_time_and_it_looks_again_before_it_ends(
    store, make_setting, redis_connection, django_capture_on_commit_callbacks, monkeypatch
):
    setting = make_setting("contacts")
    with django_capture_on_commit_callbacks(execute=True):
        services.enqueue_refresh(store, "contacts", 1)
    read = []

    def refresh(setting, ids, **kwargs):
        read.append(sorted(ids))
        if len(read) == 1:
            # While this job reads, a webhook names 2, and its job finds this one at work.
            with django_capture_on_commit_callbacks(execute=True):
                services.enqueue_refresh(store, "contacts", 2)
            jobs.refresh_pending(setting.pk)

    monkeypatch.setattr(jobs.engine, "refresh", refresh)
    jobs.refresh_pending(setting.pk)

    assert read == [[1], [2]]
    assert services.records_to_refresh(setting.pk, 10) == {}
