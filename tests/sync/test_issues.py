"""Failing records: one issue per record either way, its failures counted, resolved when it
syncs again; two workers failing the same record at once make one issue, counted twice."""

import pytest

from sync import issues
from sync.models import IssueDirection, MappingState, RecordMapping, SyncIssue

pytestmark = pytest.mark.django_db


def test_a_record_failing_again_is_one_issue_counted_again(make_setting):
    setting = make_setting("contacts")

    issues.record_inbound(setting, 7, None, ValueError("no email"), {"n": 1})
    issues.record_inbound(setting, 7, None, KeyError("id"), {"n": 2})

    issue = SyncIssue.objects.get()
    assert (issue.shopify_id, issue.attempts, issue.error, issue.payload) == (
        7,
        2,
        "KeyError: 'id'",
        {"n": 2},
    )
    mapping = RecordMapping.objects.get()
    assert (mapping.state, mapping.reason) == (MappingState.FAILING, "KeyError: 'id'")

    issues.resolve_inbound(setting, [7])
    assert SyncIssue.objects.get().resolved_at is not None
    issues.record_inbound(setting, 7, None, ValueError("again"), None)
    issue = SyncIssue.objects.get()
    assert (issue.attempts, issue.resolved_at) == (3, None)


def test_a_node_without_an_id_is_an_issue_only(make_setting):
    setting = make_setting("orders")

    issues.record_inbound(setting, None, None, ValueError("no id"), {"node": {}})

    assert SyncIssue.objects.get().shopify_id is None
    assert not RecordMapping.objects.exists()


def test_a_refused_push_is_one_issue_per_crm_record(make_setting):
    setting = make_setting("contacts")

    issues.record_outbound(setting, 11, "phone: Phone is invalid", {"phone": "x"})
    issues.record_outbound(setting, 11, "phone: Phone is invalid", {"phone": "y"})
    issues.record_outbound(setting, 12, "email: Email has already been taken", {})

    found = SyncIssue.objects.order_by("crm_id").values_list("crm_id", "attempts", "direction")
    assert list(found) == [(11, 2, IssueDirection.OUTBOUND), (12, 1, IssueDirection.OUTBOUND)]
    issues.resolve_outbound(setting, 11)
    assert list(SyncIssue.objects.filter(resolved_at=None).values_list("crm_id", flat=True)) == [12]


def test_two_workers_failing_one_record_at_once_make_one_issue_counted_twice(
    make_setting, monkeypatch
):
    setting = make_setting("contacts")
    count_again = issues._count_again

    def another_worker_first(key, values):
        found = count_again(key, values)
        if not found and not SyncIssue.objects.exists():
            # Between this worker's update (nothing yet) and its insert, the other one inserts.
            SyncIssue.objects.create(**key, **values)
        return found

    monkeypatch.setattr(issues, "_count_again", another_worker_first)
    issues.record_inbound(setting, 7, None, ValueError("bad"), None)

    assert SyncIssue.objects.get().attempts == 2


def test_a_failure_that_carries_nul_is_recorded_without_it(make_setting):
    """Finding 3: JSONB refuses NUL, so recording this failure used to fail too."""
    setting = make_setting("contacts")

    issues.record_inbound(
        setting, 7, None, ValueError("bad name 'A\x00B'"), {"first\x00Name": ["A\x00B"]}
    )
    issues.record_outbound(setting, 3, "Shopify: name \x00 is invalid", {"name": "\x00"})

    inbound, outbound = SyncIssue.objects.order_by("direction", "pk")
    assert (inbound.error, inbound.payload) == ("ValueError: bad name 'AB'", {"firstName": ["AB"]})
    assert (outbound.error, outbound.payload) == ("Shopify: name  is invalid", {"name": ""})
    assert RecordMapping.objects.get().reason == "ValueError: bad name 'AB'"
