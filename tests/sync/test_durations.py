"""The health pages state the reconciliation interval as a person says it."""

import pytest

from sync import health
from sync.durations import every

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (1, "1 second"),
        (45, "45 seconds"),
        (60, "1 minute"),
        (90, "90 seconds"),
        (300, "5 minutes"),
        (3600, "1 hour"),
        (5400, "90 minutes"),
        (7200, "2 hours"),
        (86400, "1 day"),
    ],
)
def test_every_names_the_largest_unit_that_is_exact(seconds, said):
    assert every(seconds) == said


def test_a_sync_without_webhooks_says_how_often_it_reconciles(store, make_setting):
    store.webhook_topics = {"customers/update": "Approval needed"}
    store.save()
    setting = make_setting("contacts", reconcile_interval=600)

    lines = health.sync_access(setting)

    assert any("reconciliation every 10 minutes keeps it in sync" in line for line in lines), lines
    assert not any("seconds" in line for line in lines)
