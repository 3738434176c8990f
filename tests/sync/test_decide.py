"""What applying a record does, from the record and its mapping alone (engine.decide)."""

import datetime
from types import SimpleNamespace

import pytest

from sync.adapters.base import Parsed
from sync.engine import Verdict, decide
from sync.models import MappingState

T0 = datetime.datetime(2026, 11, 20, 12, tzinfo=datetime.UTC)
T1 = T0 + datetime.timedelta(minutes=1)
T2 = T1 + datetime.timedelta(minutes=1)
RECORD = Parsed(shopify_id=7, updated_at=T1, fields={"email": "ann@example.com"})


def mapping(
    *, crm_id=70, state=MappingState.SYNCED, applied=T0, digest="older", push_pending=False
):
    return SimpleNamespace(
        crm_id=crm_id,
        state=state,
        shopify_updated_at=applied,
        pulled_hash=digest,
        push_pending=push_pending,
    )


SAME = RECORD.digest

CASES = [
    # (case, mapping, CRM record exists, exclusion, force, pushing) → (verdict, CRM id to save to)
    ("never seen: created", None, False, None, False, False, (Verdict.SAVE, None)),
    ("never seen, filtered out", None, False, "No email", False, False, (Verdict.EXCLUDED, None)),
    ("changed in Shopify: updated", mapping(), True, None, False, False, (Verdict.SAVE, 70)),
    ("older than what was applied", mapping(applied=T2), True, None, False, False,
     (Verdict.OLDER, None)),
    ("says what was applied", mapping(digest=SAME), True, None, False, False,
     (Verdict.UNCHANGED, None)),
    ("unchanged, but a resync", mapping(digest=SAME), True, None, True, False, (Verdict.SAVE, 70)),
    ("older, but a resync", mapping(applied=T2), True, None, True, False,
     (Verdict.SAVE, 70)),
    ("deleted in the CRM: a tombstone", mapping(), False, None, False, False,
     (Verdict.TOMBSTONE, None)),
    ("deleted in the CRM, resynced: made again", mapping(), False, None, True, False,
     (Verdict.SAVE, None)),
    ("a tombstone stays one", mapping(state=MappingState.DELETED), True, None, False, False,
     (Verdict.DELETED, None)),
    ("a tombstone resynced", mapping(state=MappingState.DELETED), True, None, True, False,
     (Verdict.SAVE, 70)),
    ("no longer passes the filters", mapping(), True, "No email", False, False,
     (Verdict.EXCLUDED, 70)),
    ("excluded before, passes now", mapping(state=MappingState.EXCLUDED, digest=SAME), True,
     None, False, False, (Verdict.SAVE, 70)),
    ("failing before, even if the same", mapping(state=MappingState.FAILING, digest=SAME), True,
     None, False, False, (Verdict.SAVE, 70)),
    ("the CRM changed it too: left to the push", mapping(push_pending=True), True, None, False,
     True, (Verdict.PUSH_PENDING, None)),
    ("a push pending, but the sync does not push", mapping(push_pending=True), True, None,
     False, False, (Verdict.SAVE, 70)),
    ("a push pending, and a resync", mapping(push_pending=True), True, None, True, True,
     (Verdict.SAVE, 70)),
    ("a push pending, and unchanged", mapping(push_pending=True, digest=SAME), True, None,
     False, True, (Verdict.UNCHANGED, None)),
    ("no update time to compare", mapping(applied=None), True, None, False, False,
     (Verdict.SAVE, 70)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("mapping", "exists", "exclusion", "force", "pushing", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_decide(mapping, exists, exclusion, force, pushing, expected):
    decided = decide(
        RECORD,
        mapping,
        crm_record_exists=exists,
        exclusion=exclusion,
        force=force,
        pushing=pushing,
    )

    assert decided == expected
