"""`make bench` ends with every figure beside its target, read from what each benchmark kept."""

import json

from bench import summary


def test_each_figure_is_shown_beside_its_target_and_judged(tmp_path, monkeypatch):
    monkeypatch.setattr(summary, "RESULTS", tmp_path)
    (tmp_path / "freshness.json").write_text(
        json.dumps(
            {
                "p95_s": 0.06,
                "intake_per_second": 441.2,
                "intake_p95_ms": 61.4,
                "intake_lost": 0,
            }
        )
    )
    (tmp_path / "dashboard.json").write_text(
        json.dumps({"p95_ms": 31, "refresh_seconds": 0.2, "refresh_orders": 8732})
    )

    (tmp_path / "bulk_memory.json").write_text(json.dumps({"peak_mb": 171.4}))

    rows = {row[0]: row[1:] for row in summary.rows()}

    assert rows["Freshness at 50 changes/s, p95"] == ("0.06 s", "< 1 s", "met")
    assert rows["Webhook intake: deliveries a second"] == ("441/s", "≥ 300/s", "met")
    assert rows["Webhook intake: answer time, p95"] == ("61 ms", "< 50 ms", "NOT MET")
    assert rows["Dashboard refresh per 10k changed orders"] == ("0.23 s", "< 0.5 s", "met")
    assert rows["Initial sync: worker peak memory"] == ("not run", "< 300 MB", "")
    assert rows["Bulk apply of 10× the shop: worker peak memory"] == ("171 MB", "< 300 MB", "met")
    # Run without the smaller size to compare with.
    assert rows["Bulk apply: time of 10× the data ÷ time of 1×"] == ("not measured", "≤ 11×", "")
