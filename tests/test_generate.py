"""The demo generator (2% scale) and data-contract checks on the fixture and on generated snapshots."""

from __future__ import annotations

import datetime as dt
import json
import re

import polars as pl
import pytest

from tests import fixture as F
from tests.conftest import TODAY
from tracker import contracts, generate, hierarchy


@pytest.fixture(scope="module")
def h():
    return hierarchy.load()


def read(root, day: dt.date) -> pl.DataFrame:
    return pl.read_parquet(root / "snapshots" / f"snapshot_date={day.isoformat()}" / "records.parquet")


def test_fixture_satisfies_the_contract(fixture_dir, h):
    for day in (F.CUR, F.PREV, F.LY_SAME, F.LY_FINAL):
        assert contracts.check_snapshot(read(fixture_dir, day), h) == []


def test_contract_catches_planted_faults(h):
    bad = F.frame(F.current()).with_columns(
        record_id=pl.when(pl.col("record_id") == "R2").then(pl.lit("R1")).otherwise(pl.col("record_id")),
        channel=pl.when(pl.col("record_id") == "R4").then(pl.lit("magic")).otherwise(pl.col("channel")),
        township_code=pl.when(pl.col("record_id") == "R7").then(pl.lit("540329100")).otherwise(pl.col("township_code")),
    )
    found = {(v.check, v.column) for v in contracts.check_snapshot(bad, h)}
    assert {("unique", "record_id"), ("accepted_values", "channel"), ("prefix", "village_code")} <= found


def test_fridays_of_the_year():
    days = generate.fridays(2026, TODAY)
    assert days[0] == dt.date(2026, 1, 2) and days[-1] == dt.date(2026, 11, 20) and len(days) == 47
    assert len(generate.fridays(2025, TODAY)) == 52


def test_every_snapshot_written_with_rollup(small_demo_dir):
    parts = sorted(p.name for p in (small_demo_dir / "snapshots").iterdir())
    assert len(parts) == 99 and all(p.startswith("snapshot_date=") for p in parts)
    # the subsidy file's name carries a hash of the active policy's rules
    from queries import derived

    kinds = {"records", "rollup_village"} | {
        derived.file_name(k, "<rules>" if k == "subsidy" else "").removesuffix(".parquet") for k in derived.DERIVED
    }

    def kind(name: str) -> str:
        return re.sub(r"_[0-9a-f]{12}$", "_<rules>", name.removesuffix(".parquet"))

    for p in (small_demo_dir / "snapshots").iterdir():
        files = {kind(f.name) for f in p.iterdir()}  # derived files appear on first use (and for the latest week at once)
        assert {"records", "rollup_village"} <= files - {"manifest.json"} <= kinds
    latest = {kind(f.name) for f in (small_demo_dir / "snapshots" / parts[-1]).iterdir()}
    assert latest == kinds | {"manifest.json"}  # all built with the latest week (which came in through ingest)


def test_generated_snapshots_satisfy_the_contract(small_demo_dir, h):
    for day in (dt.date(2026, 1, 2), dt.date(2026, 6, 5), dt.date(2026, 11, 20), dt.date(2025, 12, 26)):
        assert contracts.check_snapshot(read(small_demo_dir, day), h) == []


def test_snapshots_are_cumulative_and_sorted(small_demo_dir):
    a, b = read(small_demo_dir, dt.date(2026, 11, 13)), read(small_demo_dir, dt.date(2026, 11, 20))
    assert set(a["record_id"].to_list()) <= set(b["record_id"].to_list())
    assert b.height > a.height
    keys = b.select("county_code", "township_code").rows()
    assert keys == sorted(keys)
    inc = a.join(b, on="record_id", suffix="_b")
    assert (inc["income_yuan_b"] >= inc["income_yuan"]).all()


def test_story_proportions(small_demo_dir):
    b = read(small_demo_dir, dt.date(2026, 11, 20))
    persons = b["person_key"].n_unique()
    second = b.group_by("person_key", "county_code").len().filter(pl.col("len") > 1).height / persons
    dup = b.group_by("person_key").agg(pl.col("county_code").n_unique().alias("n")).filter(pl.col("n") > 1).height
    assert 0.03 < second < 0.12  # ≈8% with a second placement (fewer by November's snapshot)
    assert 0.004 < dup / persons < 0.02  # ≈1% reported by two counties
    assert b["id_check_ok"].all() and b["village_code"].null_count() >= 1  # mistyped IDs are refused at ingest
    runs = json.loads((small_demo_dir / "snapshots" / "snapshot_date=2026-11-20" / "manifest.json").read_text())["runs"]
    assert sum(r["rejected_by_reason"].get("id_check", 0) + r["rejected_by_reason"].get("id_numeric", 0) for r in runs) >= 1
    org = b.filter(pl.col("organized"))["person_key"].n_unique() / persons
    assert 0.5 < org < 0.75
    assert 3000 < b["income_yuan"].sum() / persons < 7000  # yuan per capita by November


def test_generator_is_deterministic(tmp_path, h):
    from tracker import demo_quotas

    q = demo_quotas.build_years(h, 2026)
    a = generate.placements(h, q, 2026, 0.005, current_year=2026)
    b = generate.placements(h, q, 2026, 0.005, current_year=2026)
    assert a.equals(b)


def test_ids_are_valid_except_the_planted_ones(h):
    from tracker import demo_quotas, ids

    q = demo_quotas.build_years(h, 2026)
    rng_recs = generate.placements(h, q, 2026, 0.01, current_year=2026)
    ident = generate._national_ids(
        __import__("numpy").random.default_rng(1), rng_recs.filter(pl.col("pi").is_first_distinct()), h.of_level(3)["code"].to_numpy()
    )
    sample = ident["id18"].to_list()[:500]
    assert all(ids.is_valid(s) for s in sample) and len(set(ident["id18"].to_list())) == ident.height


def test_the_latest_week_came_in_as_county_submissions(small_demo_dir, h):
    """The demo's latest week is the counties' files through ingest: on time, a re-submission, a refused file (its
    county carried), counties that have not sent yet (carried); the Monday files are still to come on TODAY."""
    from tracker import demo_weeks, submissions

    day = dt.date(2026, 11, 20)
    due = submissions.deadline(day, "")
    counties = h.of_level(3)["code"].to_list()
    tab = submissions.week_table(counties, day, small_demo_dir, due)
    status = dict(tab.select("county_code", "status").iter_rows())
    assert status[demo_weeks.RESUBMIT] == "resubmitted" and status[demo_weeks.REFUSED] == "refused_carried"
    assert status["540630"] == "carried" and all(status[c] == "carried" for c in demo_weeks.MISSING)  # 双湖县: Monday
    assert {v for c, v in status.items() if c not in (demo_weeks.RESUBMIT, demo_weeks.REFUSED, "540630", *demo_weeks.MISSING)} <= {
        "on_time",
        "missing",
    }
    lhorong = tab.filter(pl.col("county_code") == demo_weeks.RESUBMIT).to_dicts()[0]
    assert lhorong["submissions"] == 2 and lhorong["rows_change"] > 0  # the corrected file has the missing township
    hist = submissions.history(small_demo_dir, day)
    names = {f["file"] for s_ in hist for f in s_["files"]}
    assert any(n.endswith(".xlsx") for n in names) and any(n.endswith(".csv") for n in names)
    b = read(small_demo_dir, day)
    ledger_ids = b.filter(pl.col("county_code").str.starts_with("5401"))["record_id"]
    assert ledger_ids.str.contains(r"^\d{17}$").all()  # Lhasa's exports carry their own 记录编号
    assert b.filter(~pl.col("county_code").str.starts_with("5401"))["record_id"].str.contains(r"^L[0-9a-f]{15}$").all()


def test_the_overview_and_the_submissions_page_name_the_same_carried_counties(small_demo_dir, h, monkeypatch):
    """The overview's carried line and the submissions page's 沿用上周 count agree: 墨脱县, 措勤县, 双湖县 (Monday) and
    札达县, whose file was refused whole (so last week's data stands), said so on both."""
    from tracker import demo_weeks, submissions

    monkeypatch.setenv("TRACKER_DATA_DIR", str(small_demo_dir))
    day = dt.date(2026, 11, 20)
    tab = submissions.week_table(h.of_level(3)["code"].to_list(), day, small_demo_dir, submissions.deadline(day, ""))
    carried_keys = dict((zh, keys) for (zh, _), keys in submissions.TALLY)["沿用上周数据"]
    on_page = sorted(tab.filter(pl.col("status").is_in(carried_keys))["county_code"].to_list())
    assert on_page == sorted([*demo_weeks.MISSING, "540630", demo_weeks.REFUSED])
    note = submissions.carried_note(day, "54", lambda c: h.name(c, "zh"), "zh")
    assert [c for c in h.of_level(3)["code"].to_list() if h.name(c, "zh") + "（" in note] == sorted(on_page)
    assert f"{h.name(demo_weeks.REFUSED, 'zh')}（报送被拒，沿用11月13日数据）" in note
    assert "（报送被拒" not in note.replace(f"{h.name(demo_weeks.REFUSED, 'zh')}（报送被拒", "")
    en = submissions.carried_note(day, "54", lambda c: h.name(c, "en"), "en")
    assert f"{h.name(demo_weeks.REFUSED, 'en')} (file refused, data of 13 Nov 2026)" in en


def test_a_week_loaded_whole_says_it_has_no_submission_record(small_demo_dir, h):
    """An older demo week was written whole, not county by county: its counties with data are 已入库（无报送记录）, not
    未报送, and the page knows the week has no submission record."""
    from tracker import submissions

    day = dt.date(2026, 11, 13)
    counties = h.of_level(3)["code"].to_list()
    tab = submissions.week_table(counties, day, small_demo_dir, submissions.deadline(day, ""))
    having = set(submissions.week_counties(day, small_demo_dir))
    assert len(having) > 60 and not submissions.by_county(day, small_demo_dir)
    assert dict(tab.select("county_code", "status").iter_rows()) == {c: "no_record" if c in having else "missing" for c in counties}
    assert submissions.by_county(dt.date(2026, 11, 20), small_demo_dir)


def test_the_demo_tells_the_truth(small_demo_dir, h):
    """What ingest made of the counties' files is the generator's ledger for that week (submitted counties) or the
    week before (carried ones): the same records, values and record ids, nothing lost or invented."""
    from tracker import demo_quotas, submissions

    day, prev = dt.date(2026, 11, 20), dt.date(2026, 11, 13)
    recs = generate.placements(h, demo_quotas.build_years(h, 2026), 2026, 0.02, current_year=2026)
    cols = [
        "record_id",
        "person_key",
        "county_code",
        "township_code",
        "village_code",
        "channel",
        "organized",
        "dest_scope",
        "dest_province_code",
        "dest_prefecture_code",
        "industry",
        "start_date",
        "end_date",
        "months_employed",
        "income_yuan",
        "trained",
        "training_type",
        "poverty_alleviated",
        "education",
    ]
    state = submissions.week_state(day, small_demo_dir)
    carried = sorted(c for c, v in state.items() if v["status"] == "carried")
    got = read(small_demo_dir, day).select(cols).sort("record_id")
    want = pl.concat(
        [
            generate.snapshot_frame(recs, day).filter(~pl.col("county_code").is_in(carried)).select(cols),
            read(small_demo_dir, prev).filter(pl.col("county_code").is_in(carried)).select(cols),
        ]
    ).sort("record_id")
    assert len(carried) == 4 and got.height > 10_000  # 墨脱县, 措勤县, 札达县 (refused), 双湖县 (Monday)
    assert got.equals(want)


def test_the_demo_has_corrections_removals_and_moves(small_demo_dir):
    """Week to week the demo shows what real ledgers do: records removed, destinations and channels restated,
    persons whose village was corrected."""
    days = [dt.date(2026, 1, 2) + dt.timedelta(days=7 * i) for i in range(47)]
    removed = dest = channel = moved = 0
    keys = ["record_id", "village_code", "channel", "dest_prefecture_code"]
    a = read(small_demo_dir, days[0]).select(keys)
    for d in days[1:]:
        b = read(small_demo_dir, d).select(keys)
        removed += a.join(b, on="record_id", how="anti").height
        j = a.join(b, on="record_id", suffix="_b")
        dest += j.filter(pl.col("dest_prefecture_code") != pl.col("dest_prefecture_code_b")).height
        channel += j.filter(pl.col("channel") != pl.col("channel_b")).height
        moved += j.filter(pl.col("village_code") != pl.col("village_code_b")).height
        a = b
    assert min(removed, dest, channel, moved) >= 1, (removed, dest, channel, moved)


def test_the_command_runs_once_more_with_the_allocator_setting_and_the_users_own(tmp_path):
    """`python -m tracker.generate` starts itself again with polars' allocator keeping freed memory (less system time),
    keeps interpreter flags and a setting of the user's own (after ours: it wins), and does so once. Province 63
    stops it right after (the demo is Tibet's), so nothing is generated."""
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    probe = tmp_path / "probe"
    probe.mkdir()
    (probe / "sitecustomize.py").write_text(
        "import os, sys\n"
        "if 'tracker.generate' in sys.orig_argv:\n"
        "    print('PROBE', os.environ.get('_RJEM_MALLOC_CONF'), sys.flags.utf8_mode, file=sys.stderr)\n"
    )
    env = {**os.environ, "PYTHONPATH": f"{probe}{os.pathsep}{REPO}", "_RJEM_MALLOC_CONF": "narenas:2", "TRACKER_PROVINCE": "63"}
    env.pop("TRACKER_GENERATE_ALLOCATOR", None)
    r = subprocess.run(
        [sys.executable, "-X", "utf8", "-m", "tracker.generate", "--out", str(tmp_path / "d")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    probes = [line.split(" ", 1)[1] for line in r.stderr.splitlines() if line.startswith("PROBE ")]
    assert probes == ["narenas:2 1", "dirty_decay_ms:30000,muzzy_decay_ms:30000,narenas:2 1"], r.stderr
    assert r.returncode == 2 and "演示数据只按西藏自治区生成" in r.stderr
