"""The benchmark's smoke version: it runs at a tiny scale and the baseline agrees with the dashboard.
No timing assertions: timings are for `make bench`, not for tests."""

from __future__ import annotations

import os


def test_bench_runs_and_baseline_agrees(tmp_path):
    import queries
    from bench.__main__ import markdown, run

    try:
        rows = run("tiny", tmp_path, runs=1, with_browser=False, with_cold=False)
    finally:
        os.environ.pop("TRACKER_DATA_DIR", None)
        queries.reset()
    timed = [r for r in rows if r["page"] != "_extra"]
    assert {(r["page"], r["level"]) for r in timed} >= {("overview", "region"), ("channels", "county"), ("records", "township")}
    # every page at every level has a pandas baseline, and it agrees with the dashboard
    bad = [(r["page"], r["level"]) for r in timed if r["level"] != "township" and r["same"] is not True]
    assert not bad and len(timed) == 31
    md = markdown(rows)
    assert md.startswith("| scale | page | level |") and "| tiny | overview | region |" in md
