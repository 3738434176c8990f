"""The figures of the last `make bench`, each beside its target (var/bench/*.json, written by
each benchmark as it ends).

    python -m bench.summary
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from bench.support import RESULTS


@dataclass(frozen=True)
class Figure:
    benchmark: str
    name: str
    value: Callable[[dict], float]
    shown: str  # how the value reads: a format with {value}
    target: str
    met: Callable[[float], bool]


def _per_10k(result: dict) -> float:
    return result["refresh_seconds"] * 10_000 / max(1, result["refresh_orders"])


FIGURES = [
    Figure(
        "initial_sync",
        "Initial sync: COPY of the same rows ÷ applying them",
        lambda r: r["ratio"],
        "{value:.2f}",
        "≥ 0.30",
        lambda v: v >= 0.3,
    ),
    Figure(
        "initial_sync",
        "Initial sync: records a second, workers' part",
        lambda r: r["records"] / r["apply_seconds"],
        "{value:,.0f}/s",
        "—",
        lambda v: True,
    ),
    Figure(
        "initial_sync",
        "Initial sync: worker peak memory",
        lambda r: max(r["peak_mb"]),
        "{value:.0f} MB",
        "< 300 MB",
        lambda v: v < 300,
    ),
    Figure(
        "bulk_memory",
        "Bulk apply of 10× the shop: worker peak memory",
        lambda r: r["peak_mb"],
        "{value:.0f} MB",
        "< 300 MB",
        lambda v: v < 300,
    ),
    Figure(
        "bulk_memory",
        "Bulk apply: time of 10× the data ÷ time of 1×",
        lambda r: r["time_ratio"],
        "{value:.1f}×",
        "≤ 11×",
        lambda v: v <= 11,
    ),
    Figure(
        "tenants",
        "Twenty stores: the nineteen's freshness during the big sync, p95",
        lambda r: r["p95_s"],
        "{value:.2f} s",
        "< 3 s",
        lambda v: v < 3,
    ),
    Figure(
        "tenants",
        "Twenty stores: changes never seen",
        lambda r: r["lost"],
        "{value:.0f}",
        "0",
        lambda v: v == 0,
    ),
    Figure(
        "freshness",
        "Freshness at 50 changes/s, p95",
        lambda r: r["p95_s"],
        "{value:.2f} s",
        "< 1 s",
        lambda v: v < 1,
    ),
    Figure(
        "freshness",
        "Webhook intake: deliveries a second",
        lambda r: r["intake_per_second"],
        "{value:.0f}/s",
        "≥ 300/s",
        lambda v: v >= 300,
    ),
    Figure(
        "freshness",
        "Webhook intake: answer time, p95",
        lambda r: r["intake_p95_ms"],
        "{value:.0f} ms",
        "< 50 ms",
        lambda v: v < 50,
    ),
    Figure(
        "freshness",
        "Webhook intake: deliveries lost or stored twice",
        lambda r: r["intake_lost"],
        "{value:.0f}",
        "0",
        lambda v: v == 0,
    ),
    Figure(
        "dashboard",
        "Dashboard page, a year of every store's orders, p95",
        lambda r: r["p95_ms"],
        "{value:.0f} ms",
        "< 100 ms",
        lambda v: v < 100,
    ),
    Figure(
        "dashboard",
        "Dashboard refresh per 10k changed orders",
        _per_10k,
        "{value:.2f} s",
        "< 0.5 s",
        lambda v: v < 0.5,
    ),
]


def rows() -> list[tuple[str, str, str, str]]:
    """(figure, measured, target, verdict) for every figure; "not run" where its benchmark has
    no result yet."""
    results = {}
    for path in RESULTS.glob("*.json"):
        results[path.stem] = json.loads(path.read_text())
    table = []
    for figure in FIGURES:
        result = results.get(figure.benchmark)
        if result is None:
            table.append((figure.name, "not run", figure.target, ""))
            continue
        try:
            value = figure.value(result)
        except KeyError:  # a run without this part (bench.bulk_memory without --compare-with)
            table.append((figure.name, "not measured", figure.target, ""))
            continue
        verdict = "met" if figure.met(value) else "NOT MET"
        table.append((figure.name, figure.shown.format(value=value), figure.target, verdict))
    return table


def main():
    table = rows()
    widths = [max(len(row[column]) for row in table) for column in range(4)]
    for row in [("Figure", "Measured", "Target", ""), *table]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
