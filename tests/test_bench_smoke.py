"""The benchmark's smoke version: it runs at a tiny scale and the baseline agrees with the dashboard.
No timing assertions: timings are for `make bench`, not for tests."""

from __future__ import annotations

import os


def test_bench_runs_and_baseline_agrees(tmp_path):
    import queries
    from bench.__main__ import markdown, run

    try:
        rows = run("tiny", tmp_path, runs=1, with_cold=False, base_runs=1)
        # the check can fail: a baseline that loses one village's channel rows no longer gives the page's numbers
        import polars as pl

        from bench import fair
        from bench.__main__ import dashboard_numbers

        day = queries.snapshot_dates()[-1]
        pl_in, pd_in, _, _ = fair.load(tmp_path / "tiny", day)
        want = dashboard_numbers("channels", "54", day)
        assert fair.same(fair.pl_channels(pl_in, "54", day), want) and fair.same(fair.pd_channels(pd_in, "54", day), want)
        village = pl_in["dims"].filter(pl.col("dim") == "channel")["home_code"][0]
        pl_in["dims"] = pl_in["dims"].filter(pl.col("home_code") != village)
        pd_in["dims"] = pd_in["dims"][pd_in["dims"]["home_code"] != village]
        assert not fair.same(fair.pl_channels(pl_in, "54", day), want) and not fair.same(fair.pd_channels(pd_in, "54", day), want)
        assert not fair.same({}, {})  # nothing on either side is no agreement
    finally:
        os.environ.pop("TRACKER_DATA_DIR", None)
        queries.reset()
    timed = [r for r in rows if r["page"] != "_extra"]
    assert {(r["page"], r["level"]) for r in timed} >= {("overview", "region"), ("channels", "county"), ("records", "township")}
    # every page at every level has its three baselines (polars and pandas on the inputs in memory, pandas on the raw
    # records), and they agree with the dashboard
    bad = [(r["page"], r["level"]) for r in timed if r["level"] != "township" and r["same"] is not True]
    assert not bad and len(timed) == 31
    assert all(r["polars_ms"] and r["pandas_mem_ms"] and r["baseline_ms"] for r in timed if r["level"] != "township")
    # the floor is the page's own queries' scans: the records page's count comes from the weekly figures and its rows
    # from the week's records (two queries, two files); the channels page reads the dimension rollup more than once
    assert all(r["floor_ms"] and r["queries"] and r["rows_scanned"] for r in timed)
    by = {(r["page"], r["level"]): r for r in timed}
    assert by[("records", "county")]["queries"] == 2 and by[("records", "county")]["files"] == 2
    assert by[("channels", "county")]["queries"] > 2
    md = markdown(rows)
    assert md.startswith("| scale | page | level | dashboard warm ms") and "| tiny | overview | region |" in md
    assert "same inputs in memory" in md and "raw records" in md and "**NO**" not in md


def test_clicks_bench_runs_in_a_real_browser(fixture_dir, capsys):
    """`bench.clicks` at its smallest: one of each click, the app as configured, on the fixture."""
    import re
    from concurrent.futures import ThreadPoolExecutor

    from bench import clicks
    from tests.conftest import TODAY

    args = ["--data", str(fixture_dir), "--n", "1", "--configs", "1", "--today", TODAY.isoformat()]
    # in a thread of its own: playwright's sync API refuses a thread where another test's browser loop runs
    with ThreadPoolExecutor(1) as ex:
        assert ex.submit(clicks.main, args).result() == 0
    table = capsys.readouterr().out
    got = {}
    for line in table.splitlines():
        m = re.match(r"\| as configured \(postScriptGC off\) \| ([^|]+) \| (\d+) \| ([\d,]+) ms \| ([\d,]+) ms \|", line)
        if m:
            got[m.group(1).strip()] = (int(m.group(2)), int(m.group(3).replace(",", "")))
    assert set(got) >= {"cold server, first page", "new session, warm server", "area change", "breadcrumb", "page switch"}
    assert all(n == 1 and ms > 0 for n, ms in got.values())
    assert 0 < got["new session, warm server: headline cards"][1] <= got["new session, warm server"][1]
    assert 0 < got["cold server, first page: headline cards"][1] <= got["cold server, first page"][1]
    assert re.search(r"\| area change \| 1 \| [\d,]+ ms \| [\d,]+ ms \| \d+ ms \| \d+ KiB \|", table)  # server CPU and bytes


def test_national_bench_counts_the_persons_it_shares(small_demo_dir, tmp_path, capsys):
    """`bench.national` at its smallest: Tibet and two provinces, each also reporting its own 1% of Tibet's persons,
    half of them a day earlier (they count there) and half a day later (they count in Tibet): every shared person
    counts elsewhere in exactly one province."""
    import re

    import polars as pl

    from bench import national

    assert national.main(["--demo", str(small_demo_dir), "--provinces", "3", "--engines", "duckdb", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    day = national.latest_week(small_demo_dir)
    tibet = pl.read_parquet(small_demo_dir / "snapshots" / f"snapshot_date={day}" / "records.parquet").filter("counted")
    shared = tibet.filter(pl.col("person_key").hash(seed=7) % 100 <= 2, pl.col("person_key").hash(seed=7) % 100 >= 1)
    assert int(re.search(r"persons counted elsewhere (\d+)", out).group(1)) == shared["person_key"].n_unique() > 0
    assert "3 provinces under the root" in out and "Tibet alone" in out


def test_the_national_scale_is_the_demo_many_times_over(small_demo_dir, tmp_path):
    """`python -m bench --scale national` at its smallest: this year's last 2 weeks and the same weeks last year, each
    3 times over, with persons of their own per copy and every derived file; a week's counts are three times the
    demo's."""
    import datetime as dt

    import polars as pl

    from bench.__main__ import national_data
    from queries import snapshot_dates
    from tracker import reported

    out, _ = national_data(small_demo_dir, tmp_path / "national", copies=3, weeks=2)
    assert snapshot_dates(out) == [dt.date(2025, 11, 14), dt.date(2025, 11, 21), dt.date(2026, 11, 13), dt.date(2026, 11, 20)]
    for day in snapshot_dates(out):
        part = f"snapshot_date={day.isoformat()}"
        demo = pl.read_parquet(small_demo_dir / "snapshots" / part / "records.parquet")
        big = pl.read_parquet(out / "snapshots" / part / "records.parquet")
        assert big.height == 3 * demo.height and big["person_key"].n_unique() == 3 * demo["person_key"].n_unique()
        assert big["record_id"].n_unique() == big.height
        assert big.filter("counted").height == 3 * demo.filter("counted").height
        files = {f.name.split("_")[0] for f in (out / "snapshots" / part).glob("*.parquet")}
        assert {"rollup", "rates", "cross", "dq", "unit", "subsidy"} <= files
    assert (out / "quotas.csv").read_text() == (small_demo_dir / "quotas.csv").read_text()
    # the units' own reported figures, as in the demo
    assert reported.store_path(out).read_bytes() == reported.store_path(small_demo_dir).read_bytes()
    assert not (tmp_path / "national.partial").exists()
