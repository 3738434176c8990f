"""The order of bulk output: since API 2026-01 `groupObjects` defaults to false and child lines
are not placed after their parents (a seeded shuffle here); `groupObjects: true` groups them,
and takes longer."""

import io
import json
import math
import time

import requests

from shopify_emulator.bulk_output import MAX_HELD_BACK, ShuffledWriter
from tests.emulator.test_bulk import ORDERS_WITH_LINES, run, wait

OMITTED = """mutation($query: String!) {
  bulkOperationRunQuery(query: $query) { bulkOperation { id } userErrors { message } }
}"""


def seed_orders(shop):
    shop.control("POST", "seed", {"customers": 60, "products": 20, "orders": 600, "seed": 4})


def children_apart_from_parents(lines) -> int:
    """How many child lines are not in their grouped place: right after their parent or a
    sibling."""
    apart, current = 0, None
    for line in lines:
        if "__parentId" not in line:
            current = line["id"]
        elif line["__parentId"] != current:
            apart += 1
    return apart


def before_their_parent(lines) -> int:
    seen, early = set(), 0
    for line in lines:
        if "__parentId" in line:
            early += line["__parentId"] not in seen
        else:
            seen.add(line["id"])
    return early


def assembled(lines) -> dict:
    """Each order with its line ids, put together by __parentId, whatever the order."""
    orders = {line["id"]: [] for line in lines if "__parentId" not in line}
    for line in lines:
        if "__parentId" in line:
            orders[line["__parentId"]].append(line["id"])
    return {order: sorted(children) for order, children in orders.items()}


def export(shop, group=None):
    if group is None:
        started = shop.graphql(OMITTED, {"query": ORDERS_WITH_LINES})
        operation_id = started["data"]["bulkOperationRunQuery"]["bulkOperation"]["id"]
    else:
        operation_id = run(shop, ORDERS_WITH_LINES, group=group)["bulkOperation"]["id"]
    finished = wait(shop, operation_id)
    assert finished["status"] == "COMPLETED"
    return finished, requests.get(finished["url"], timeout=30).content


def test_without_group_objects_children_are_not_placed_after_their_parents(shop):
    seed_orders(shop)

    finished, content = export(shop)  # groupObjects left out: false, as since 2026-01
    lines = [json.loads(line) for line in content.splitlines()]

    children = [line for line in lines if "__parentId" in line]
    assert len(children) > 500
    assert children_apart_from_parents(lines) > len(children) // 2
    assert before_their_parent(lines) > 0  # nothing promises a parent comes first
    # Nothing lost or changed: the same orders and lines as grouped output, counted the same.
    grouped, grouped_content = export(shop, group=True)
    grouped_lines = [json.loads(line) for line in grouped_content.splitlines()]
    assert assembled(lines) == assembled(grouped_lines)
    assert sorted(content.splitlines()) == sorted(grouped_content.splitlines())
    assert (finished["objectCount"], finished["rootObjectCount"]) == (
        grouped["objectCount"],
        grouped["rootObjectCount"],
    )
    assert finished["objectCount"] == str(len(lines))
    assert finished["rootObjectCount"] == str(len(lines) - len(children))


def test_group_objects_false_given_is_the_same_as_left_out(shop):
    seed_orders(shop)

    _, given = export(shop, group=False)

    lines = [json.loads(line) for line in given.splitlines()]
    assert children_apart_from_parents(lines) > 0


def test_grouped_output_keeps_each_child_after_its_parent(shop):
    seed_orders(shop)

    _, content = export(shop, group=True)
    lines = [json.loads(line) for line in content.splitlines()]

    assert children_apart_from_parents(lines) == 0
    assert before_their_parent(lines) == 0


def test_the_shuffle_is_reproducible_with_a_seed(shop):
    seed_orders(shop)
    shop.control("PUT", "faults", {"bulk_shuffle_seed": 1234})

    _, first = export(shop)
    _, second = export(shop)
    shop.control("PUT", "faults", {"bulk_shuffle_seed": 99})
    _, third = export(shop)

    assert first == second
    assert third != first
    assert sorted(third.splitlines()) == sorted(first.splitlines())


def test_without_a_seed_each_operation_shuffles_by_its_own_number(shop):
    seed_orders(shop)

    _, first = export(shop)
    _, second = export(shop)

    assert first != second
    assert sorted(first.splitlines()) == sorted(second.splitlines())


def test_grouping_is_slower(shop):
    seed_orders(shop)
    shop.control("PUT", "faults", {"bulk_group_delay_ms": 400})

    started = time.monotonic()
    finished, _ = export(shop, group=True)
    grouped = time.monotonic() - started

    # Each window of 250 root objects costs the grouping delay.
    windows = math.ceil(int(finished["rootObjectCount"]) / 250)
    assert windows >= 2
    assert grouped >= windows * 0.4


def test_a_shuffled_writer_moves_lines_across_windows():
    file = io.StringIO()
    writer = ShuffledWriter(file, seed=7)

    first = [{"id": f"first-{n}"} for n in range(300)]
    second = [{"id": f"second-{n}"} for n in range(300)]
    writer.write(first)
    written_after_one_window = file.getvalue().count("\n")
    writer.write(second)
    writer.close()
    order = [json.loads(line)["id"] for line in file.getvalue().splitlines()]

    assert sorted(order) == sorted(line["id"] for line in first + second)
    assert written_after_one_window == 150  # half held back for later windows
    # Lines of the first window end up after lines of the second.
    last_first = max(index for index, name in enumerate(order) if name.startswith("first"))
    first_second = min(index for index, name in enumerate(order) if name.startswith("second"))
    assert last_first > first_second
    assert MAX_HELD_BACK >= 150
