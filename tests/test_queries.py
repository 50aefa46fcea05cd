"""Query layer on the hand-made fixture: exact numbers at every level, scope, loader checks."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import threading
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

import queries
from tests import fixture as F
from tracker import dispatch


def area_row(area: str, day: dt.date) -> dict:
    wk = queries.run("measures_by_week", area=area, child_len=dispatch.child_len(area), from_date=day, to_date=day)
    rows = wk.filter(pl.col("is_area")).to_dicts()
    return rows[0] if rows else {}


@pytest.mark.parametrize(
    ("area", "persons", "organized", "xprov", "xpref", "out_region", "income"),
    [
        ("54", 7, 5, 2, 2, 3, 58_000),
        ("5403", 5, 4, 1, 2, 1, 37_000),
        ("540329", 4, 3, 1, 1, 1, 30_000),
        ("540302", 1, 1, 0, 1, 0, 7_000),
        ("5401", 2, 1, 1, 0, 2, 21_000),
        ("540329100", 2, 2, 1, 1, 1, 18_000),
        ("540329101", 2, 1, 0, 0, 0, 12_000),
    ],
)
def test_measures_per_level(fx, area, persons, organized, xprov, xpref, out_region, income):
    r = area_row(area, F.CUR)
    assert (r["persons"], r["organized"], r["org_xprov"], r["org_xpref"], r["out_region"], r["income"]) == (
        persons,
        organized,
        xprov,
        xpref,
        out_region,
        income,
    )


def test_person_with_two_placements_counts_once_and_income_sums(fx):
    # B has two records in 孜托镇: one person, 8,000 yuan
    r = area_row(F.V_Z, F.CUR)
    assert r["persons"] == 2 and r["placements"] == 3 and r["income"] == 18_000


def test_cross_county_duplicate_counts_once_at_home(fx):
    # D reported by 洛隆县 and 卡若区: counted once region-wide, in 洛隆县 (first report)
    assert area_row("54", F.CUR)["persons"] == 7
    assert area_row("540329", F.CUR)["persons"] + area_row("540302", F.CUR)["persons"] == 5


def test_children_sum_to_parent(fx):
    wk = queries.run("measures_by_week", area="54", child_len=4, from_date=F.CUR, to_date=F.CUR)
    kids = wk.filter(~pl.col("is_area"))
    region = wk.filter(pl.col("is_area"))
    for col in ("persons", "organized", "org_xprov", "income"):
        assert kids[col].sum() == region[col][0]
    assert sorted(kids["unit_code"].to_list()) == ["5401", "5403"]


@pytest.mark.parametrize("area", ["54", "5401", "5403", "540102", "540302", "540329", "540102002", "540329100", F.V_Z, F.V_L])
def test_the_weekly_series_gives_the_rollups_rows(fx, area):
    """The overview reads the one weekly series file: the same rows, every week, as the weekly rollups summed (the
    fixture's four weeks, last year's included; 八廓街道's G, without a village, in its pseudo village)."""
    kw = {"area": area, "child_len": dispatch.child_len(area), "from_date": F.LY_SAME, "to_date": F.CUR}
    want = queries.run("measures_by_week", **kw)
    assert want.height >= 4  # something to compare: the area in each week
    assert queries.run(dispatch.weekly_query(area), **kw).equals(want)  # what the pages read
    if len(area) < 12:  # a village is its own child there: the pages read the rollups for it
        assert queries.run("measures_by_week_series", **kw).equals(want)


def test_a_rewritten_week_gets_a_new_series_at_once(tmp_path):
    from tracker.generate import write_snapshot

    root = shutil.copytree(F.build(tmp_path / "f"), tmp_path / "copy")
    os.environ["TRACKER_DATA_DIR"] = str(root)
    queries.reset()
    try:
        kw = {"area": "54", "child_len": 4, "from_date": F.CUR, "to_date": F.CUR}
        assert queries.run("measures_by_week_series", **kw).filter(pl.col("is_area"))["persons"].to_list() == [7]
        part = root / "snapshots" / f"snapshot_date={F.CUR.isoformat()}"
        frame = pl.read_parquet(part / "records.parquet")
        write_snapshot(frame.filter(pl.col("county_code") != "540102"), root, F.CUR)  # 城关区's F and G withdrawn
        got = queries.run("measures_by_week_series", **kw)
        assert dict(got.select("unit_code", "persons").iter_rows()) == {"54": 5, "5403": 5}
        assert len(list((root / ".series").glob("unit_series-*.parquet"))) == 2  # the old one stays a while
    finally:
        os.environ.pop("TRACKER_DATA_DIR")
        queries.reset()


def test_record_without_village_counts_in_its_township(fx):
    wk = queries.run("measures_by_week", area="540102002", child_len=12, from_date=F.CUR, to_date=F.CUR)
    kids = dict(wk.filter(~pl.col("is_area")).select("unit_code", "persons").iter_rows())
    assert kids == {"540102002000": 1, F.V_L: 1}


def test_scope_excludes_other_areas(fx):
    wk = queries.run("measures_by_week", area="5401", child_len=6, from_date=F.LY_SAME, to_date=F.CUR)
    assert all(c.startswith("5401") for c in wk["unit_code"].to_list())
    assert wk.filter(pl.col("is_area") & (pl.col("snapshot_date") == F.PREV))["persons"][0] == 1


def test_quotas_for_area_and_children(fx):
    q = queries.run("quotas_for", year=2026, area="5403", child_len=6)
    got = {(r["unit_code"], r["metric"]): r["target"] for r in q.iter_rows(named=True)}
    assert got == {
        ("5403", "total"): 6,
        ("5403", "org_share"): 0.6,
        ("5403", "org_xprov"): 1,
        ("540329", "total"): 5,
        ("540302", "total"): 1,
        ("540329", "org_share"): 0.6,
    }


def test_loader_rejects_missing_and_unknown_parameters(fx):
    with pytest.raises(TypeError, match="missing"):
        queries.run("quotas_for", year=2026, area="54")
    with pytest.raises(TypeError, match="unknown"):
        queries.run("quotas_for", year=2026, area="54", child_len=4, evil="1; drop table quotas")


def test_every_query_file_has_a_docstring_and_known_parameters():
    cat = queries.catalogue()
    assert {"measures_by_week", "quotas_for", "rollup_village"} <= cat.keys()
    for q in cat.values():
        assert q.doc and not q.doc.startswith("-")
    assert cat["measures_by_week"].params == {"area", "child_len", "from_date", "to_date"}


def test_injection_through_area_is_just_a_value(fx):
    r = queries.run("measures_by_week", area="54' or 1=1 --", child_len=4, from_date=F.CUR, to_date=F.CUR)
    assert r.height == 0
    assert area_row("54", F.CUR)["persons"] == 7


def test_snapshot_dates_and_data_version(fx):
    assert queries.snapshot_dates() == [F.LY_SAME, F.LY_FINAL, F.PREV, F.CUR]
    v = queries.data_version()
    assert v == queries.data_version() and "4" in v


def test_a_truncated_week_breaks_only_that_week(tmp_path):
    import os

    from tracker.errors import TrackerError

    root = F.build(tmp_path / "broken")
    bad = root / "snapshots" / f"snapshot_date={F.CUR.isoformat()}" / "rollup_village.parquet"
    bad.write_bytes(bad.read_bytes()[: bad.stat().st_size // 2])  # a half-copied file
    os.environ["TRACKER_DATA_DIR"] = str(root)
    queries.reset()
    try:
        prev = queries.run("measures_by_week", area="54", child_len=4, from_date=F.PREV, to_date=F.PREV)
        assert prev.filter(pl.col("is_area"))["persons"].to_list() == [4]  # the other weeks are unharmed
        assert queries.broken_snapshots() == {F.CUR}
        bad.write_bytes(b"not a parquet file")
        with pytest.raises(TrackerError) as e:  # a query naming the file says which file
            rest = queries.catalogue()["records_count"].params - {"path", "area"}
            queries.run("records_count", path=str(bad), area="54", **dict.fromkeys(rest))
        assert "rollup_village.parquet" in e.value.zh and "数据文件无法读取" in e.value.zh
    finally:
        os.environ.pop("TRACKER_DATA_DIR")
        queries.reset()


def test_rewriting_a_week_rebuilds_the_next_weeks_diff(tmp_path):
    """Re-ingesting a past week: the next week's precomputed diff is against the new data at once."""
    import os

    from tracker import analysis
    from tracker.generate import write_snapshot

    root = F.build(tmp_path / "rewrite")
    os.environ["TRACKER_DATA_DIR"] = str(root)
    queries.reset()
    try:

        def new_records() -> int:
            c = analysis.changes("54", F.PREV, F.CUR).filter(pl.col("is_area"))
            return int(c["new"][0])

        assert new_records() == 5  # R3, R5, R6, R7, R10 (fixture docstring)
        write_snapshot(F.frame(F.current()), root, F.PREV)  # the previous week restated as this week's ledger
        queries.reset()
        assert new_records() == 0
        names = {p.name for p in (root / "snapshots" / f"snapshot_date={F.PREV.isoformat()}").iterdir()}
        assert not any(n.startswith(".") for n in names)  # no temporary file left behind
    finally:
        os.environ.pop("TRACKER_DATA_DIR")
        queries.reset()


def _swapping(path: Path, sources: list[Path], every_s: float, stop: threading.Event) -> None:
    """Rename a fresh copy of each source over `path` in turn, as ingest and rebuild do."""
    i = 0
    while not stop.is_set():
        tmp = path.with_name(f".{path.stem}-{i}.parquet")
        shutil.copyfile(sources[i % len(sources)], tmp)
        os.replace(tmp, path)
        i += 1
        stop.wait(every_s)


def test_a_read_survives_a_file_renamed_into_place_under_it(tmp_path):
    """DuckDB reads a Parquet footer at planning and the data at the scan: a rename between the two used to
    fail the page ("Variable-length int over 10 bytes", seen in the load test); the read is retried."""
    con = duckdb.connect()
    sources = []
    for n, rows in enumerate((200_000, 50_000, 5)):
        src = tmp_path / f"src{n}.parquet"
        con.execute(f"copy (select range a, range * {n + 2} b from range({rows})) to '{src}'")
        sources.append(src)
    live = tmp_path / "live.parquet"
    shutil.copyfile(sources[0], live)
    sql = f"select count(*) n, sum(a) s from '{live}'"
    expected = {200_000: 19_999_900_000, 50_000: 1_249_975_000, 5: 10}

    def reads(attempts: int, seconds: float, every_s: float) -> tuple[int, int]:
        stop = threading.Event()
        t = threading.Thread(target=_swapping, args=(live, sources, every_s, stop))
        t.start()
        ok = failed = 0
        try:
            end = time.monotonic() + seconds
            while time.monotonic() < end and not (attempts == 1 and failed):
                try:
                    row = queries.read_retrying(con.cursor, sql, {}, attempts=attempts).row(0)
                    assert row[1] == expected[row[0]]  # one whole file, never a mix
                    ok += 1
                except duckdb.Error:
                    failed += 1
        finally:
            stop.set()
            t.join()
        return ok, failed

    # the premise: without a retry, swapping as fast as it can, a read fails within seconds
    assert reads(attempts=1, seconds=20, every_s=0)[1] == 1
    # a swap every 50 ms (far more often than any ingest): not one read fails
    ok, failed = reads(attempts=queries.READ_ATTEMPTS, seconds=2, every_s=0.05)
    assert failed == 0 and ok > 100
