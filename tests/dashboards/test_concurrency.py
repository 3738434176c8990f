"""Two writers of one store's aggregates at once (a refresh and the nightly rebuild, or a
refresh queued while another ran) both finish, and leave the rows one rebuild gives."""

import threading

import pytest
from django.db import connection

from dashboards import aggregates
from dashboards.models import DailyOrderStats, DailyProductStats, WeeklyProductStats
from tests.dashboards.conftest import D1, D2, D3, A

pytestmark = pytest.mark.django_db(transaction=True)


def rows():
    return [
        sorted(model.objects.filter(store=A).values_list(*fields))
        for model, fields in (
            (DailyOrderStats, ("day", "currency", "orders", "revenue")),
            (DailyProductStats, ("day", "product_id", "quantity", "revenue")),
            (WeeklyProductStats, ("week", "product_id", "quantity", "revenue")),
        )
    ]


def side_by_side(*works) -> list[Exception]:
    """Run each in its own thread (its own database connection), all starting at once."""
    errors = []
    start = threading.Barrier(len(works))

    def run(work):
        try:
            start.wait()
            work()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_rebuilds_of_one_store_side_by_side_all_finish(shop):
    expected = rows()
    for _ in range(5):
        errors = side_by_side(
            lambda: aggregates.rebuild_days(A, [D1, D2, D3]),
            lambda: aggregates.rebuild_days(A, [D2, D3]),
            lambda: aggregates.rebuild_store(A),
        )
        assert errors == []
        assert rows() == expected
