"""A bulk export staged in PostgreSQL: records assembled whatever the order of the lines, in
batches, children ordered by id; what is not a record is left out; a lost table is noticed;
the tables of ended runs are dropped."""

import orjson
import pytest
from django.db import connection

from sync import runs, staging
from sync.adapters import ADAPTERS
from sync.models import RunKind, RunStatus, SyncRun

pytestmark = pytest.mark.django_db


def line(**fields) -> bytes:
    return orjson.dumps(fields)


def numbered(lines):
    """The lines as the client streams them: (number, bytes)."""
    return iter(list(enumerate(lines)))


def company(number, name):
    return line(id=f"gid://shopify/Company/{number}", name=name)


def contact(number, parent):
    return line(
        id=f"gid://shopify/CompanyContact/{number}", __parentId=f"gid://shopify/Company/{parent}"
    )


def location(number, parent, city):
    return line(
        id=f"gid://shopify/CompanyLocation/{number}",
        __parentId=f"gid://shopify/Company/{parent}",
        city=city,
    )


def apply_staged(store, setting, lines) -> SyncRun:
    """A running initial sync of `setting`'s object whose export is `lines`, staged, then
    applied batch by batch as a bulk run applies it; the run, its staging table dropped."""
    run = SyncRun.objects.create(
        store=store, object_type=setting.object_type, kind=RunKind.INITIAL, status=RunStatus.RUNNING
    )
    staged = staging.StagedExport(run.pk, ADAPTERS[setting.object_type])
    loaded, _ = staged.load(numbered(lines))
    run.checkpoint = {"staged_lines": loaded, "line": -1}
    run.save()
    try:
        runs._apply_file(run, setting, None, "unused: the export is staged", run.checkpoint)
    finally:
        staged.drop()
    run.refresh_from_db()
    return run


@pytest.fixture
def export(store):
    run = SyncRun.objects.create(store=store, object_type="companies", kind=RunKind.INITIAL)
    staged = staging.StagedExport(run.pk, ADAPTERS["companies"])
    yield staged
    staged.drop()


def test_children_anywhere_in_the_file_join_their_parent_ordered_by_id(export):
    lines = [
        location(31, 1, "Lund"),  # before its parent
        company(1, "Acme"),
        contact(12, 1),
        company(2, "Bolt"),
        contact(11, 1),
        location(30, 1, "Malmö"),
        contact(20, 2),
    ]

    assert export.load(numbered(lines)) == (7, 0)
    [batch] = list(export.batches(-1, 10))

    assert batch == [
        (
            1,
            {
                "id": "gid://shopify/Company/1",
                "name": "Acme",
                "contacts": {
                    "nodes": [
                        {"id": "gid://shopify/CompanyContact/11"},
                        {"id": "gid://shopify/CompanyContact/12"},
                    ]
                },
                "locations": {
                    "nodes": [
                        {"id": "gid://shopify/CompanyLocation/30", "city": "Malmö"},
                        {"id": "gid://shopify/CompanyLocation/31", "city": "Lund"},
                    ]
                },
            },
        ),
        (
            3,
            {
                "id": "gid://shopify/Company/2",
                "name": "Bolt",
                "contacts": {"nodes": [{"id": "gid://shopify/CompanyContact/20"}]},
                "locations": {"nodes": []},
            },
        ),
    ]
    assert export.orphans() == 0


def test_records_come_in_batches_from_after_a_line(export):
    export.load(numbered([company(n, f"C{n}") for n in range(1, 6)]))

    batches = [[line_number for line_number, _ in batch] for batch in export.batches(1, 2)]

    assert batches == [[2, 3], [4]]


# Lines that are no record are left out as they come; JSON with whitespace around it or
# between its tokens (tabs and carriage returns among them, which COPY would take for its own)
# is a record.
@pytest.mark.parametrize(
    ("bad", "kept"),
    [
        (b"{not json", []),
        (b"\xff", []),
        (b'{"id":"gid://shopify/Company/4",oops}', []),
        (b'{"id":"gid://shopify/Company/5","name":"\\ud800"}', []),  # a lone surrogate
        # Two objects on one line, the second a child: not one JSON value, so neither.
        (
            b'{"id":"gid://shopify/Company/6"},{"id":"gid://shopify/CompanyContact/1",'
            b'"__parentId":"gid://shopify/Company/2"}',
            [],
        ),
        (b'{"id": "gid://shopify/Company/3"}\t', [None]),
        (b'{"id":\t"gid://shopify/Company/3",\r\n"name":"Tab"}', ["Tab"]),
    ],
)
def test_lines_that_are_not_records_are_left_out_and_nul_is_taken_out(export, bad, kept):
    lines = [
        company(1, "Acme\u0000 AB"),
        bad,
        b"[1, 2]",
        b'"a string"',
        b"null",
        line(name="no id"),
        line(id=7, name="a number for an id"),
        line(id="gid://shopify/Company/2", name='Quote " and back\\slash\ttab'),
    ]

    assert export.load(numbered(lines)) == (2 + len(kept), 6 - len(kept))
    [batch] = list(export.batches(-1, 10))

    assert [(number, node.get("name")) for number, node in batch] == [
        (0, "Acme AB"),
        *[(1, name) for name in kept],
        (7, 'Quote " and back\\slash\ttab'),
    ]
    assert batch[-1][1]["contacts"] == {"nodes": []}


def test_a_lost_table_is_noticed_and_loaded_again(export):
    loaded, _ = export.load(numbered([company(1, "Acme"), company(2, "Bolt")]))
    assert export.is_loaded(loaded)

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {export.table}")  # what a crash does to an unlogged table

    assert not export.is_loaded(loaded)
    export.load(numbered([company(1, "Acme"), company(2, "Bolt")]))
    assert export.is_loaded(loaded)
    export.drop()
    assert not export.is_loaded(loaded)


def test_orphans_are_counted_and_not_applied(export):
    export.load(numbered([company(1, "Acme"), contact(12, 9)]))

    [batch] = list(export.batches(-1, 10))

    assert export.orphans() == 1
    assert batch[0][1]["contacts"] == {"nodes": []}


def test_the_sweep_drops_the_staged_exports_of_ended_runs(store):
    def staged(status):
        run = SyncRun.objects.create(
            store=store, object_type="orders", kind=RunKind.INITIAL, status=status
        )
        staging.StagedExport(run.pk, ADAPTERS["orders"]).load(numbered([company(1, "x")]))
        return run.pk

    running, pending = staged(RunStatus.RUNNING), staged(RunStatus.PENDING)
    failed, cancelled = staged(RunStatus.FAILED), staged(RunStatus.CANCELLED)
    deleted = staged(RunStatus.SUCCEEDED)
    SyncRun.objects.filter(pk=deleted).delete()

    runs.fail_abandoned()

    assert sorted(staging.staged_run_ids()) == sorted([running, pending])
    assert failed not in staging.staged_run_ids() and cancelled not in staging.staged_run_ids()
    for run_id in (running, pending):
        staging.drop(staging.table_name(run_id))


def test_only_staging_tables_can_be_dropped():
    with pytest.raises(ValueError, match="not a staging table"):
        staging.drop("crm_contact")


def test_a_staged_record_that_cannot_be_parsed_fails_alone_and_the_rest_apply(store, make_setting):
    from crm.models import Company
    from sync.models import SyncIssue

    lines = [company(n, f"Company {n}") for n in range(1, 2500)]
    lines[1200] = line(id="gid://shopify/Company/not-a-number", name="Broken")

    # Three batches: the broken record is in the second.
    run = apply_staged(store, make_setting("companies"), lines)

    assert (run.checkpoint["line"], run.seen, run.created, run.failed) == (2498, 2498, 2498, 0)
    assert Company.objects.count() == 2498
    issue = SyncIssue.objects.get()
    assert issue.shopify_id is None and issue.object_type == "companies"
    assert issue.payload["node"]["name"] == "Broken"
