"""A bulk run keeps PostgreSQL's planner statistics current as it writes: tables changed by more
than a fifth since their last ANALYZE are analyzed every few batches, others are left alone."""

import time

import pytest
from django.db import connection

from crm.models import Company
from sync import planner_statistics, staging
from sync.adapters import ADAPTERS
from sync.models import RunKind, SyncRun
from tests.sync.test_staging import apply_staged, company, numbered


def _flush_statistics():
    """This connection's pending table counts, sent to PostgreSQL's statistics now (they go
    at the end of a statement at most once a second otherwise)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT 1")


def _last_analyzed(table: str):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT greatest(last_analyze, last_autoanalyze), n_mod_since_analyze "
            "FROM pg_stat_user_tables WHERE relname = %s AND schemaname = current_schema()",
            [table],
        )
        return cursor.fetchone()


def _wait_for(condition, timeout=30):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the statistics never showed the change"
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_a_table_changed_by_more_than_a_fifth_is_analyzed_and_then_no_longer_stale(
    store, monkeypatch
):
    monkeypatch.setattr(planner_statistics, "MIN_CHANGES", 1_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE crm_company")
    analyzed_before = _last_analyzed("crm_company")[0]
    Company.objects.bulk_create(Company(name=f"Company {n}") for n in range(1_500))
    _flush_statistics()
    _wait_for(lambda: "crm_company" in planner_statistics.stale_tables())

    assert "crm_company" in planner_statistics.analyze_stale_tables()

    analyzed_after, changed_since = _last_analyzed("crm_company")
    assert analyzed_after > analyzed_before
    assert changed_since == 0
    assert "crm_company" not in planner_statistics.stale_tables()


@pytest.mark.django_db(transaction=True)
def test_a_small_change_and_a_staging_table_are_left_alone(store, monkeypatch):
    monkeypatch.setattr(planner_statistics, "MIN_CHANGES", 1_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE crm_company")
    # 900 rows: under the 1,000 (plus a fifth of the table) that make a table stale.
    Company.objects.bulk_create(Company(name=f"Company {n}") for n in range(900))
    run = SyncRun.objects.create(store=store, object_type="companies", kind=RunKind.INITIAL)
    staged = staging.StagedExport(run.pk, ADAPTERS["companies"])
    staged.load(numbered([company(n, f"Company {n}") for n in range(3_000)]))
    try:
        _flush_statistics()
        _wait_for(lambda: _last_analyzed("crm_company")[1] == 900)
        # The staging table's 3,000 new rows are more than a fifth of it: it is left alone as
        # a staging table (analyzed as it is loaded, and not changed after).
        assert _last_analyzed(staged.table)[1] == 3_000

        analyzed = planner_statistics.analyze_stale_tables()

        assert "crm_company" not in analyzed and staged.table not in analyzed
        assert _last_analyzed("crm_company")[1] == 900
    finally:
        staged.drop()


@pytest.mark.django_db
def test_a_bulk_run_looks_at_the_statistics_every_ten_batches(
    store, make_setting, settings, monkeypatch
):
    settings.SYNC_BATCH_SIZE = 100
    looks = []
    monkeypatch.setattr(
        planner_statistics, "analyze_stale_tables", lambda: looks.append(Company.objects.count())
    )
    apply_staged(store, make_setting("companies"), [company(n, f"C {n}") for n in range(1, 2_501)])

    # 25 batches of 100: a look after the 10th and the 20th, each after its batch committed.
    assert looks == [1_000, 2_000]
    assert Company.objects.count() == 2_500
