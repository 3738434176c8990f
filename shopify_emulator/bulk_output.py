"""The order of a bulk query's JSONL lines.

Since API 2026-01 `bulkOperationRunQuery(groupObjects:)` defaults to false ("Bulk operations
group objects default changed to false",
https://shopify.dev/changelog/bulk-operations-group-objects-default-changed-to-false): the
output no longer places child objects (`__parentId`) directly below their parents. Shopify
promises no other order, so ungrouped output here is shuffled — a child may come before its
parent, or far after it — and apps must assemble lines by `__parentId`. The shuffle is seeded
(the `bulk_shuffle_seed` knob, else the operation's number), so a run can be reproduced.

Grouped output (`groupObjects: true`) keeps every child right after its parent, and costs
time: "Enabling grouping slows down bulk operations and increases the likelihood of timeouts"
(the schema's description of `groupObjects`), modelled by the `bulk_group_delay_ms` knob.

Both write window by window, so memory stays flat whatever the export's size.
"""

from __future__ import annotations

import json
import random
import time

# Ungrouped: of the lines not yet written, up to this many are held back for later windows,
# so lines also move across windows (a parent can land after its children's window).
MAX_HELD_BACK = 2000


def _line(value: dict) -> str:
    return json.dumps(value, separators=(",", ":")) + "\n"


class GroupedWriter:
    """Lines as they come: each node followed by its children."""

    def __init__(self, file, delay_ms: int):
        self.file = file
        self.delay = delay_ms / 1000

    def write(self, lines: list[dict]):
        if self.delay:
            time.sleep(self.delay)
        self.file.writelines(_line(line) for line in lines)

    def close(self):
        pass


class ShuffledWriter:
    """Lines in a seeded random order unrelated to their parents."""

    def __init__(self, file, seed: int):
        self.file = file
        self.random = random.Random(seed)
        self.held: list[str] = []

    def write(self, lines: list[dict]):
        pending = self.held + [_line(line) for line in lines]
        self.random.shuffle(pending)
        keep = min(len(pending) // 2, MAX_HELD_BACK)
        self.file.writelines(pending[keep:])
        self.held = pending[:keep]

    def close(self):
        self.random.shuffle(self.held)
        self.file.writelines(self.held)
        self.held = []


def writer_for(file, shop, number: int, grouped: bool):
    """The writer for operation `number` of `shop`."""
    faults = shop.faults
    if grouped:
        return GroupedWriter(file, faults.bulk_group_delay_ms)
    seed = faults.bulk_shuffle_seed if faults.bulk_shuffle_seed is not None else number
    return ShuffledWriter(file, seed)
