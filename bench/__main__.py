"""Benchmark of the query layer: every page's full query set against its floor and three baselines, one run.

    python -m bench [--scale tibet|national|tiny] [--out DIR] [--runs 7] [--base-runs 3] [--pages a,b]

Data is generated with the demo generator into a directory outside the repo (reused if present).
For every page and level (region, a prefecture, a county) it times the exact functions the page
calls, cold (a fresh process) and warm (median of --runs after a warm-up, result cache bypassed), and beside them:
- the floor: the time the page's own queries spend in their table scans, as DuckDB's profiler times them (each query
  recorded where every query passes, `queries.read_retrying`, and run again with the profiler on: the rows it reads,
  row groups skipped and filters pushed down as in the page);
- polars and pandas on the same inputs the page reads, held in memory (bench.fair; the load is reported apart);
- pandas on the raw records (`BASELINES`), which includes the precomputation the dashboard does once per week.
Every baseline's numbers are checked against the dashboard's. What a user feels (clicks, new sessions, several users)
is `bench.clicks` and `bench.load`. Prints one Markdown table and writes it to OUT/bench.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

SCALES = {  # name: (generator scale, weeks kept per year or None for all)
    "tiny": (0.01, None),
    "tibet": (1.0, None),
    "national": (17.0, 5),  # Tibet's weeks 17 times over (national_data), not the generator at scale 17
}
TODAY = dt.date(2026, 11, 22)
LEVELS = {"region": "54", "prefecture": "5403", "county": "540329"}
TOWNSHIP = "540329100"


def ensure_data(root: Path, scale: str) -> tuple[Path, float | None]:
    from tracker import generate

    out = root / scale
    if (out / "snapshots").exists() and any((out / "snapshots").iterdir()):
        return out, None
    factor, weeks = SCALES[scale]
    if scale == "national":
        return national_data(ensure_data(root, "tibet")[0], out, int(factor), weeks)
    t0 = time.perf_counter()
    generate.generate(
        out,
        TODAY,
        factor,
        progress=lambda f, m: print(f"\r  generating {scale}: {f:5.1%} {m[:40]:<40}", end="", file=sys.stderr),
        weeks=weeks,
    )
    print(file=sys.stderr)
    return out, time.perf_counter() - t0


def national_data(tibet: Path, out: Path, copies: int, weeks: int, today: dt.date = TODAY) -> tuple[Path, float]:
    """A province of a national deployment's size: the Tibet demo's (`tibet`) last `weeks` weeks and the same weeks
    last year, each `copies` times over (persons and record ids of their own per copy; bench.national.times_over), with every derived file.
    The generator itself at scale 17 no longer fits 24 GB: `generate.placements` holds about nine times the ledger
    it returns (numpy arrays of strings and Python objects per person)."""
    import polars as pl

    from bench.national import times_over
    from queries import snapshot_dates
    from tracker import demo_weeks, settings
    from tracker.generate import last_weeks, write_snapshot

    t0 = time.perf_counter()
    days = snapshot_dates(tibet)
    keep = last_weeks(days, weeks)  # as the generator keeps them: this year's last weeks and the same weeks last year
    staging = out.with_name(out.name + ".partial")  # a run cut short leaves no half data set behind as `out`
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    shutil.copy(tibet / "quotas.csv", staging / "quotas.csv")
    with settings.using_data_dir(staging):  # the derived files' inputs (the week before, the policy) are its own
        for i, day in enumerate(keep, 1):
            week = pl.read_parquet(tibet / "snapshots" / f"snapshot_date={day.isoformat()}" / "records.parquet")
            write_snapshot(times_over(week, copies), staging, day)
            print(f"\r  national: week {i}/{len(keep)} ({day})", end="", file=sys.stderr)
        demo_weeks.demo_reports(staging, today)  # the units' own figures, as the generator writes them
    print(file=sys.stderr)
    shutil.rmtree(out, ignore_errors=True)  # what a killed generator run left
    staging.rename(out)
    return out, time.perf_counter() - t0


# ---------------------------------------------------------------- the pages' query sets (what the pages call)


def page_sets():
    from tracker import analysis, dispatch, subsidy
    from tracker.analysis import RecordFilter, Slice

    def overview(area, day):
        d = dispatch.resolve_dates(day)
        wk, q = dispatch.measures(area, d), dispatch.quotas(area, day.year)
        ev = dispatch.evaluate(area, d, wk, q)
        dispatch.ranking(ev), dispatch.laggards(ev), dispatch.trend(area, d, wk, q)
        return ev.filter(ev["is_area"]).select("metric", "actual")

    def records(area, day):
        n = analysis.records_count(area, day, Slice(), RecordFilter())
        analysis.records(area, day, Slice(), RecordFilter(), "reported_date", "desc", 0, 50)
        return n

    def channels(area, day):
        d = dispatch.resolve_dates(day)
        analysis.measures(area, day)
        analysis.by_dimension(area, day, "channel")
        return dispatch.evaluate(area, d, dispatch.measures(area, d), dispatch.quotas(area, day.year), ["org_xpref", "org_xprov"])

    def destinations(area, day):
        for dim in ("dest_province_code", "dest_prefecture_code", "dest_scope"):
            analysis.by_dimension(area, day, dim)

    def industries(area, day):
        d = dispatch.resolve_dates(day)
        analysis.by_dimension(area, day, "industry")
        dispatch.evaluate(
            area, d, dispatch.measures(area, d), dispatch.quotas(area, day.year), ["src_industry", "src_project", "src_flexible"]
        )

    def groups(area, day):
        return analysis.groups(area, day)

    def duration_income(area, day):
        d = dispatch.resolve_dates(day)
        analysis.bands(area, day)
        if d.ly_same:
            analysis.bands(area, d.ly_same, median=False)
        analysis.income_hist(area, day)
        analysis.by_dimension(area, day, "dest_scope"), analysis.by_dimension(area, day, "industry")

    def changes(area, day):
        d = dispatch.resolve_dates(day)
        if d.previous:
            analysis.changes(area, d.previous, day), analysis.changes_list(area, d.previous, day, None, 500)

    def quality(area, day):
        analysis.dq_units(area, day), analysis.dq_cross_county(area, day), analysis.dq_outliers(area, day)

    def subsidies(area, day):
        subsidy.estimate(area, day, subsidy.load())

    return {
        "overview": overview,
        "records": records,
        "channels": channels,
        "destinations": destinations,
        "industries": industries,
        "groups": groups,
        "duration_income": duration_income,
        "changes": changes,
        "quality": quality,
        "subsidies": subsidies,
    }


# ---------------------------------------------------------------- pandas baseline (plain, not sabotaged)


def _snap(root: Path, day: dt.date, cols: list[str] | None = None, counted: bool = False):
    """One snapshot's records; `counted`: only the placements that count (a second county's report of a placement
    already reported is left out of every sum)."""
    import pandas as pd

    path = root / "snapshots" / f"snapshot_date={day.isoformat()}" / "records.parquet"
    if not counted:
        return pd.read_parquet(path, columns=cols)
    df = pd.read_parquet(path, columns=None if cols is None else [*cols, "counted"])
    return df[df["counted"]].drop(columns="counted")


def pandas_overview(root: Path, area: str, day: dt.date) -> dict:
    """Persons (distinct, at home), organized, income for the area at the snapshot, plus last week, last year's
    same week and the whole year's weekly curve — the overview's numbers, the way an analyst would get them."""
    import pandas as pd

    snaps = sorted(p for p in (root / "snapshots").iterdir() if p.name.startswith("snapshot_date="))
    curve = {}
    for p in snaps:
        d = dt.date.fromisoformat(p.name.split("=")[1])
        if d.year not in (day.year, day.year - 1) or d > day:
            continue
        df = pd.read_parquet(p / "records.parquet", columns=["person_key", "home_code", "organized", "income_yuan", "counted"])
        df = df[df["home_code"].str.startswith(area) & df["counted"]]
        per = df.groupby("person_key").agg(organized=("organized", "max"), income=("income_yuan", "sum"))
        curve[d] = {"persons": len(per), "organized": int(per["organized"].sum()), "income": int(per["income"].sum())}
    return curve[day]


def _child_len(area: str) -> int:
    return {2: 4, 4: 6, 6: 9, 9: 12, 12: 12}[len(area)]


def pandas_channels(root: Path, area: str, day: dt.date) -> dict:
    """The channels page: organized share per child unit, channel mix per unit and for the area."""
    df = _snap(root, day, ["person_key", "home_code", "channel", "organized", "dest_scope"], counted=True)
    df = df[df["home_code"].str.startswith(area)]
    df["unit"] = df["home_code"].str[: _child_len(area)]
    per = df.groupby(["unit", "person_key"]).agg(org=("organized", "max"))
    per.groupby("unit")["org"].agg(["size", "sum"])  # organized share per unit
    df.groupby(["unit", "channel"])["person_key"].nunique()  # channel mix per unit
    df[df["organized"]].groupby(["unit", "dest_scope"])["person_key"].nunique()  # organized by scope per unit
    return df.groupby("channel")["person_key"].nunique().to_dict()


def pandas_groups(root: Path, area: str, day: dt.date) -> dict:
    """The key-groups page: per group and child unit, persons, organized persons and income."""
    cols = [
        "person_key",
        "home_code",
        "organized",
        "income_yuan",
        "poverty_alleviated",
        "relocated",
        "disabled",
        "veteran",
        "two_after",
        "gender",
        "education",
    ]
    df = _snap(root, day, cols, counted=True)
    df = df[df["home_code"].str.startswith(area)]
    df["women"] = df["gender"] == "F"
    df["junior_plus"] = df["education"].isin(["junior", "senior", "college"])
    per = df.groupby("person_key").agg(
        home=("home_code", "first"),
        organized=("organized", "max"),
        income=("income_yuan", "sum"),
        poverty_alleviated=("poverty_alleviated", "max"),
        relocated=("relocated", "max"),
        disabled=("disabled", "max"),
        veteran=("veteran", "max"),
        two_after=("two_after", "max"),
        women=("women", "max"),
        junior_plus=("junior_plus", "max"),
    )
    per["unit"] = per["home"].str[: _child_len(area)]
    out = {}
    for g in ("poverty_alleviated", "relocated", "disabled", "veteran", "two_after", "women", "junior_plus"):
        sub = per[per[g]]
        sub.groupby("unit").agg(n=("organized", "size"), org=("organized", "sum"), inc=("income", "sum"))
        out[g] = len(sub)
    return {"poverty_alleviated": out["poverty_alleviated"], "women": out["women"]}


def pandas_records(root: Path, area: str, day: dt.date) -> tuple[int, int]:

    df = _snap(root, day)
    df = df[df["home_code"].str.startswith(area)]
    df.sort_values("reported_date", ascending=False).head(50)
    return len(df), df["person_key"].nunique()


def pandas_destinations(root: Path, area: str, day: dt.date) -> dict:
    """The destinations page: persons per destination province, prefecture and scope, per unit and area."""
    df = _snap(
        root,
        day,
        ["person_key", "home_code", "dest_scope", "dest_province_code", "dest_prefecture_code", "organized", "income_yuan"],
        counted=True,
    )
    df = df[df["home_code"].str.startswith(area)]
    df["unit"] = df["home_code"].str[: _child_len(area)]
    out = {}
    for dim in ("dest_province_code", "dest_prefecture_code", "dest_scope"):
        df.groupby(["unit", dim])["person_key"].nunique()
        out[dim] = df.groupby(dim)["person_key"].nunique()
    return out["dest_scope"].to_dict()


def pandas_industries(root: Path, area: str, day: dt.date) -> dict:
    """The industries page: persons per industry per unit and area; job source of each person's first placement."""
    df = _snap(root, day, ["person_key", "home_code", "industry", "job_source", "start_date"], counted=True)
    df = df[df["home_code"].str.startswith(area)]
    df["unit"] = df["home_code"].str[: _child_len(area)]
    df.groupby(["unit", "industry"])["person_key"].nunique()
    first = df.sort_values("start_date").groupby("person_key").first()
    first.groupby(["unit", "job_source"]).size()
    return df.groupby("industry")["person_key"].nunique().to_dict()


def _bands(df, area: str) -> dict:
    per = df.groupby("person_key").agg(home=("home_code", "first"), months=("months_employed", "sum"), income=("income_yuan", "sum"))
    per["months"] = per["months"].clip(upper=12)
    per["band"] = ["lt3" if m < 3 else "m3to6" if m < 6 else "ge6" for m in per["months"]]
    per["unit"] = per["home"].str[: _child_len(area)]
    per.groupby(["unit", "band"]).size()
    per.groupby("unit")["income"].median()
    counts = per["band"].value_counts()
    return {
        "lt3": counts.get("lt3", 0),
        "m3to6": counts.get("m3to6", 0),
        "ge6": counts.get("ge6", 0),
        "median_income": per["income"].median(),
        "hist_top": (per["income"] // 2000).clip(upper=14).eq(14).sum(),
    }


def pandas_duration_income(root: Path, area: str, day: dt.date) -> dict:
    """Duration & income: months bands and median income per unit (this week and the same week last year),
    the income histogram, persons by destination scope and industry."""
    cols = ["person_key", "home_code", "months_employed", "income_yuan", "dest_scope", "industry"]
    df = _snap(root, day, cols, counted=True)
    df = df[df["home_code"].str.startswith(area)]
    out = _bands(df, area)
    ly = root / "snapshots" / f"snapshot_date={(day - dt.timedelta(days=364)).isoformat()}"
    if ly.exists():
        old = _snap(root, day - dt.timedelta(days=364), cols, counted=True)
        _bands(old[old["home_code"].str.startswith(area)], area)
    for dim in ("dest_scope", "industry"):
        df.groupby(dim)["person_key"].nunique()
    return out


def _restatable() -> list[str]:
    from tracker.catalogue import restatable

    return restatable()


def pandas_changes(root: Path, area: str, day: dt.date) -> dict:
    """Week to week: records new, reported late, ended, restated and removed since the previous snapshot."""
    prev = day - dt.timedelta(days=7)
    cols = ["record_id", "home_code", "end_date", "income_yuan", *_restatable()]
    a, b = _snap(root, prev, cols), _snap(root, day, cols)
    a, b = a[a["home_code"].str.startswith(area)], b[b["home_code"].str.startswith(area)]
    m = a.merge(b, on="record_id", how="outer", suffixes=("_a", "_b"), indicator=True)
    new = m[m["_merge"] == "right_only"]
    late = (new["start_date_b"] <= prev).sum()
    both = m[m["_merge"] == "both"]
    ended = both["end_date_a"].isna() & both["end_date_b"].notna()
    diff = False
    for c in _restatable():
        x, y = both[c + "_a"], both[c + "_b"]
        diff = diff | ((x != y) & ~(x.isna() & y.isna()))
    return {
        "new": len(new) - late,
        "late": late,
        "ended": ended.sum(),
        "changed": (diff & ~ended).sum(),
        "removed": (m["_merge"] == "left_only").sum(),
    }


def pandas_quality(root: Path, area: str, day: dt.date) -> dict:
    """Data quality: completeness and freshness per reporting unit, persons reported by two counties,
    records whose income per month is above 20,000 yuan and 10 × the median."""
    df = _snap(
        root,
        day,
        [
            "record_id",
            "person_key",
            "home_code",
            "county_code",
            "township_code",
            "village_code",
            "education",
            "id_check_ok",
            "trained",
            "training_type",
            "reported_date",
            "start_date",
            "income_yuan",
            "months_employed",
        ],
    )
    own = df["village_code"].fillna(df["township_code"])
    mine = df[own.str.startswith(area)].copy()
    mine["unit"] = own[own.str.startswith(area)].str[: _child_len(area)]
    mine.groupby("unit").agg(
        records=("record_id", "size"),
        last=("reported_date", "max"),
        no_village=("village_code", lambda s: s.isna().sum()),
        no_education=("education", lambda s: s.isna().sum()),
        bad_id=("id_check_ok", lambda s: (~s).sum()),
    )
    near = df[df["county_code"].str.startswith(area) | df["home_code"].str.startswith(area)]["person_key"].unique()
    counties = df[df["person_key"].isin(near)].groupby("person_key")["county_code"].nunique()  # all their counties
    home = df[df["home_code"].str.startswith(area)]
    rate = home["income_yuan"] / home["months_employed"].clip(lower=0.5)
    limit = max(20_000.0, 10 * rate.median())
    return {
        "records": len(mine),
        "bad_id": int((~mine["id_check_ok"]).sum()),
        "cross": int((counties > 1).sum()),
        "outliers": int((rate > limit).sum()),
    }


def pandas_subsidies(root: Path, area: str, day: dt.date) -> dict:
    """Subsidies: per rule of the active policy, persons meeting its conditions whose months (the year's total over
    the placements that count, or one placement's, as the rule reads them) reach the minimum."""
    from tracker import subsidy

    df = _snap(
        root,
        day,
        [
            "person_key",
            "home_code",
            "organized",
            "dest_scope",
            "channel",
            "months_employed",
            "end_date",
            "poverty_alleviated",
            "relocated",
            "disabled",
            "veteran",
            "two_after",
            "gender",
            "education",
        ],
        counted=True,
    )
    year = df.groupby("person_key").agg(ym=("months_employed", "sum"), working=("end_date", lambda s: s.isna().any()))
    year["ym"] = year["ym"].clip(upper=12)
    df = df[df["home_code"].str.startswith(area)].join(year, on="person_key")
    df["women"] = df["gender"] == "F"
    df["junior_plus"] = df["education"].isin(["junior", "senior", "college"])
    left = subsidy.months_left(day)
    out = {}
    for r in subsidy.load().rules:
        ok = df["organized"] == r.organized if r.organized is not None else True
        ok = ok & df["dest_scope"].isin(r.dest_scope) if r.dest_scope else ok
        ok = ok & df["channel"].isin(r.channel) if r.channel else ok
        ok = ok & df[list(r.groups)].any(axis=1) if r.groups else ok
        sub = df[ok] if ok is not True else df
        cum = r.months == "cumulative"
        months = sub["ym"] if cum else sub["months_employed"]
        working = sub["working"] if cum else sub["end_date"].isna()
        sub = sub.assign(m=months, reach=months.where(~working, (months + left).clip(upper=12)))
        per = sub.groupby("person_key").agg(home=("home_code", "first"), best=("m", "max"), reach=("reach", "max"))
        per["unit"] = per["home"].str[: _child_len(area)]
        per["now"], per["year_end"] = per["best"] >= r.min_months, per["reach"] >= r.min_months
        per.groupby("unit")[["now", "year_end"]].sum()
        out[r.key] = int(per["now"].sum())
    return out


def dashboard_numbers(page: str, area: str, day: dt.date):
    import polars as pl

    from tracker import analysis
    from tracker.analysis import RecordFilter, Slice

    if page == "overview":
        from tracker import dispatch

        d = dispatch.resolve_dates(day)
        row = dispatch.measures(area, d).filter((dispatch.pl.col("snapshot_date") == day) & dispatch.pl.col("is_area")).to_dicts()[0]
        return {"persons": row["persons"], "organized": row["organized"], "income": row["income"]}
    if page == "channels":
        ch = analysis.by_dimension(area, day, "channel")
        return dict(ch.filter(ch["is_area"]).select("value", "persons").iter_rows())
    if page == "groups":
        g = analysis.groups(area, day)
        g = dict(g.filter(g["is_area"]).select("key_group", "persons").iter_rows())
        return {"poverty_alleviated": g["poverty_alleviated"], "women": g["women"]}
    if page == "records":
        return analysis.records_count(area, day, Slice(), RecordFilter())
    if page in ("destinations", "industries"):
        dim = "dest_scope" if page == "destinations" else "industry"
        t = analysis.by_dimension(area, day, dim)
        return dict(t.filter(t["is_area"]).select("value", "persons").iter_rows())
    if page == "duration_income":
        b = analysis.bands(area, day).filter(pl.col("is_area")).row(0, named=True)
        h = analysis.income_hist(area, day)
        return {
            "lt3": b["lt3"],
            "m3to6": b["m3to6"],
            "ge6": b["ge6"],
            "median_income": b["median_income"],
            "hist_top": h.filter(pl.col("bin") == 14)["persons"].sum(),
        }
    if page == "changes":
        c = analysis.changes(area, day - dt.timedelta(days=7), day).filter(pl.col("is_area")).row(0, named=True)
        return {k: c[k] for k in ("new", "late", "ended", "changed", "removed")}
    if page == "quality":
        u = analysis.dq_units(area, day).filter(pl.col("is_area")).row(0, named=True)
        dup = analysis.dq_cross_county(area, day)
        return {
            "records": u["records"],
            "bad_id": u["bad_id"],
            "cross": int(dup["persons_all"][0]) if dup.height else 0,  # persons, once each (a pair per row)
            "outliers": analysis.dq_outliers(area, day, limit=10_000_000).height,
        }
    if page == "subsidies":
        from tracker import subsidy

        e = subsidy.estimate(area, day, subsidy.load())
        return dict(e.filter(e["is_area"]).select("rule", "eligible").iter_rows())
    return None


BASELINES = {
    "overview": pandas_overview,
    "channels": pandas_channels,
    "groups": pandas_groups,
    "records": pandas_records,
    "destinations": pandas_destinations,
    "industries": pandas_industries,
    "duration_income": pandas_duration_income,
    "changes": pandas_changes,
    "quality": pandas_quality,
    "subsidies": pandas_subsidies,
}


def page_reads(fn, area: str, day: dt.date) -> list[tuple[str, dict]]:
    """Every query the page runs, as (SQL, parameters): recorded where each of them passes (`queries.read_retrying`),
    the result cache cleared first."""
    import queries

    seen: list[tuple[str, dict]] = []
    real = queries.read_retrying

    def recording(cursor, sql, params, attempts=queries.READ_ATTEMPTS):
        seen.append((sql, dict(params)))
        return real(cursor, sql, params, attempts)

    queries.clear_cache()
    queries.read_retrying = recording
    try:
        fn(area, day)
    finally:
        queries.read_retrying = real
    return seen


def _scans(node: dict) -> list[dict]:
    out = [node] if node.get("type") == "TABLE_SCAN" else []
    for c in node.get("children", []):
        out += _scans(c)
    return out


def scan_profile(reads: list[tuple[str, dict]]) -> tuple[float, int, int]:
    """The page's queries run once more each with DuckDB's profiler on: (seconds in their table scans, summed over
    DuckDB's threads; rows scanned; Parquet files read). The scans are what the queries read, row groups skipped and
    filters pushed down as in the page, so this is the floor a page's own reads set."""
    import queries

    seconds, rows, files = 0.0, 0, set()
    for sql, params in reads:
        cur = queries.connection().cursor()
        try:
            cur.execute("set enable_profiling = 'no_output'")
            cur.sql(sql, params=params).fetchall()
            prof = json.loads(cur.get_profiling_information(format="json"))
        finally:
            cur.close()
        for op in prof.get("operator", []):
            for sc in _scans(op):
                seconds += sc.get("timing", 0.0)
                rows += int(sc.get("rows_scanned", 0) or 0)
                names = sc.get("extra_info", {}).get("Filename(s)")
                files.update(names if isinstance(names, list) else [names] if names else [])
    return seconds, rows, len(files)


def floor_ms(reads: list[tuple[str, dict]], runs: int) -> tuple[float | None, int, int]:
    """Median over `runs` of the time the page's queries spend scanning (see scan_profile), with rows and files."""
    if not reads:
        return None, 0, 0
    scan_profile(reads)  # the files warm
    got = [scan_profile(reads) for _ in range(runs)]
    return statistics.median(g[0] for g in got) * 1000, got[-1][1], got[-1][2]


def warm_ms(fn, area: str, day: dt.date, runs: int) -> float:
    import queries

    fn(area, day)
    ts = []
    for _ in range(runs):
        queries.clear_cache()  # bypass the result cache; the connection and its small tables stay
        t = time.perf_counter()
        fn(area, day)
        ts.append(time.perf_counter() - t)
    return statistics.median(ts) * 1000


def cold_ms(root: Path, page: str, area: str, day: dt.date) -> tuple[float, float]:
    """A fresh process: imports excluded, connection + first run included. Returns (ms, peak MB)."""
    code = (
        "import time,datetime as dt,resource,os;import queries;from bench.__main__ import page_sets;"
        "queries.set_scope(queries.SYSTEM);"
        f"fn=page_sets()[{page!r}];t=time.perf_counter();fn({area!r},dt.date.fromisoformat({day.isoformat()!r}));"
        "hwm=[l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1];"
        "print((time.perf_counter()-t)*1000, int(hwm)/1024)"
    )  # VmHWM resets on exec; ru_maxrss does not
    env = {**os.environ, "TRACKER_DATA_DIR": str(root)}
    out = (
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True, cwd=Path(__file__).resolve().parent.parent
        )
        .stdout.splitlines()[-1]
        .split()
    )
    return float(out[0]), float(out[1])


def baseline_ms(page: str, root: Path, area: str, day: dt.date, runs: int = 3) -> tuple[float | None, bool | None]:
    """pandas on the raw records (the precomputation included): median of `runs` calls, the files warm."""
    from bench.fair import same as same_numbers

    fn = BASELINES.get(page)
    if fn is None:
        return None, None
    base = fn(root, area, day)
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        fn(root, area, day)
        ts.append(time.perf_counter() - t)
    return statistics.median(ts) * 1000, same_numbers(base, dashboard_numbers(page, area, day))


def fair_ms(page: str, inputs, area: str, day: dt.date, runs: int) -> tuple[float | None, float | None, bool | None]:
    """polars and pandas on the page's own inputs held in memory (bench.fair): (polars ms, pandas ms, same numbers)."""
    from bench.fair import FAIR, same, timed

    if inputs is None or page not in FAIR:
        return None, None, None
    pl_fn, pd_fn = FAIR[page]
    pl_in, pd_in = inputs
    want = dashboard_numbers(page, area, day)
    ok = same(pl_fn(pl_in, area, day), want) and same(pd_fn(pd_in, area, day), want)
    return timed(lambda: pl_fn(pl_in, area, day), runs), timed(lambda: pd_fn(pd_in, area, day), runs), ok


def ingest_seconds(root: Path, scale: str) -> float | None:
    """Ingest a ledger CSV of one snapshot's records (600k rows at Tibet scale)."""
    if scale == "national":
        return None
    from tracker import demo_quotas, generate, hierarchy, ingest, ledger

    h = hierarchy.load()
    factor, _ = SCALES[scale]
    recs = generate.placements(h, demo_quotas.build_years(h, TODAY.year), TODAY.year, factor, current_year=TODAY.year, keep_ids=True)
    day = generate.fridays(TODAY.year, TODAY)[-1]
    led = ledger.to_ledger(generate.snapshot_frame(recs, day, keep=("id18",)), h)
    path = root / "ledger.csv"
    ledger.write(led, path, day, encoding="gb18030")
    t = time.perf_counter()
    ingest.ingest([path], day, root / "ingested", user="bench", key=b"bench")
    return time.perf_counter() - t


def run(
    scale: str,
    root: Path,
    runs: int,
    pages: list[str] | None = None,
    with_ingest: bool = True,
    with_cold: bool = True,
    base_runs: int = 3,
    with_fair: bool = True,
) -> list[dict]:
    data, gen_s = ensure_data(root, scale)
    os.environ["TRACKER_DATA_DIR"] = str(data)
    import queries
    from bench import fair

    queries.reset()
    day = queries.snapshot_dates()[-1]
    sets = page_sets()
    if with_fair:  # every input in memory twice: at a national province's scale that is more than this machine has
        pl_in, pd_in, pl_load, pd_load = fair.load(data, day)
        held = {
            "polars_mb": sum(f.estimated_size() for f in pl_in.values()) / 2**20,
            "pandas_mb": sum(int(f.memory_usage(deep=True).sum()) for f in pd_in.values()) / 2**20,
        }
    else:
        pl_in = pd_in = pl_load = pd_load = None
        held = {}
    rows = []
    for page, fn in sets.items():
        if pages and page not in pages:
            continue
        for level, area in LEVELS.items():
            cold, mb = cold_ms(data, page, area, day) if with_cold else (None, None)
            warm = warm_ms(fn, area, day, runs)
            reads = page_reads(fn, area, day)
            floor, scanned, nfiles = floor_ms(reads, runs)
            pl_ms, pd_ms, fair_same = fair_ms(page, (pl_in, pd_in) if with_fair else None, area, day, runs)
            base, base_same = baseline_ms(page, data, area, day, base_runs)
            rows.append(
                {
                    "scale": scale,
                    "page": page,
                    "level": level,
                    "warm_ms": warm,
                    "cold_ms": cold,
                    "mb": mb,
                    "queries": len(reads),
                    "files": nfiles,
                    "rows_scanned": scanned,
                    "floor_ms": floor,
                    "polars_ms": pl_ms,
                    "pandas_mem_ms": pd_ms,
                    "baseline_ms": base,
                    "same": None if fair_same is None and base_same is None else bool(fair_same is not False and base_same is not False),
                }
            )
            print(
                f"  {scale:8} {page:16} {level:10} warm {warm:7.1f} cold {cold or 0:7.1f} floor {floor or 0:6.1f} "
                f"({len(reads)} queries, {nfiles} files, {scanned:,} rows)"
                f" polars {pl_ms or 0:6.1f} pandas {pd_ms or 0:6.1f} raw pandas {base or 0:8.1f} same {rows[-1]['same']}",
                file=sys.stderr,
            )
    if not pages or "records" in pages:
        w = warm_ms(sets["records"], TOWNSHIP, day, runs)
        reads = page_reads(sets["records"], TOWNSHIP, day)
        floor, scanned, nfiles = floor_ms(reads, runs)
        rows.append(
            {
                "scale": scale,
                "page": "records",
                "level": "township",
                "warm_ms": w,
                "queries": len(reads),
                "files": nfiles,
                "rows_scanned": scanned,
                "floor_ms": floor,
                "same": None,
            }
        )
    extra = {
        "generate_s": gen_s,
        "ingest_s": ingest_seconds(root, scale) if scale != "tiny" and with_ingest else None,
        "load_polars_s": pl_load,
        "load_pandas_s": pd_load,
        **held,
        "weeks": sum(1 for _ in (data / "snapshots").iterdir()),
    }
    rows.append({"scale": scale, "page": "_extra", **extra})
    return rows


def _ms(v) -> str:
    return f"{v:,.1f}" if v is not None else "—"


def markdown(rows: list[dict]) -> str:
    head = (
        "| scale | page | level | dashboard warm ms (median) | cold ms | queries | rows scanned | floor ms (their scans) | × floor "
        "| polars ms (same inputs in memory) | pandas ms (same inputs in memory) | pandas ms (raw records) | peak MB | same numbers |\n"
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    )
    lines = [head]
    for r in rows:
        if r["page"] == "_extra":
            continue
        above = f"{r['warm_ms'] / r['floor_ms']:.1f}×" if r.get("floor_ms") else "—"
        cold = f"{r['cold_ms']:,.0f}" if r.get("cold_ms") else "—"
        mb = f"{r['mb']:,.0f}" if r.get("mb") else "—"
        same = {True: "yes", False: "**NO**", None: "—"}[r.get("same")]
        lines.append(
            f"| {r['scale']} | {r['page']} | {r['level']} | {r['warm_ms']:,.1f} | {cold} | {r.get('queries', 0)} "
            f"| {r.get('rows_scanned', 0):,} | {_ms(r.get('floor_ms'))} | {above} "
            f"| {_ms(r.get('polars_ms'))} | {_ms(r.get('pandas_mem_ms'))} | {_ms(r.get('baseline_ms'))} | {mb} | {same} |"
        )
    for r in rows:
        if r["page"] == "_extra":
            bits = [f"{r['weeks']} weekly snapshots"]
            if r.get("generate_s"):
                bits.append(f"demo generation {r['generate_s']:.1f} s")
            if r.get("ingest_s"):
                bits.append(f"ingest of one snapshot's ledger CSV (GB18030) {r['ingest_s']:.1f} s")
            if r.get("load_polars_s") is not None:
                bits.append(
                    f"the baselines' inputs loaded once in {r['load_polars_s']:.2f} s (polars, {r['polars_mb']:,.0f} MB held) and "
                    f"{r['load_pandas_s']:.2f} s (pandas, {r['pandas_mb']:,.0f} MB held), not timed above"
                )
            lines.append(f"\n{r['scale']}: " + "; ".join(bits) + ".")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="tibet", help="comma list of: " + ", ".join(SCALES))
    ap.add_argument("--data", type=Path, default=Path("/tmp/tracker-bench"))
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--base-runs", type=int, default=3, help="calls of the raw-records pandas baseline (median)")
    ap.add_argument("--pages", default="")
    ap.add_argument("--no-ingest", action="store_true")
    ap.add_argument("--no-fair", action="store_true", help="leave out polars and pandas on the inputs in memory (national scale)")
    a = ap.parse_args(argv)
    import queries

    queries.set_scope(queries.SYSTEM)  # the benchmark reads every area, as the region-level operator
    load0, started = os.getloadavg()[0], dt.datetime.now(dt.UTC)
    rows = []
    for s in a.scale.split(","):
        pages = [p for p in a.pages.split(",") if p] or None
        rows += run(s, a.data, a.runs, pages, not a.no_ingest, base_runs=a.base_runs, with_fair=not a.no_fair)
    md = markdown(rows)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    ended = dt.datetime.now(dt.UTC)
    text = (
        f"Benchmark of {started:%Y-%m-%d %H:%M}–{ended:%H:%M} UTC on {machine}; load average {load0:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end\n\n{md}\n"
    )
    print(text)
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "bench.md").write_text(text, encoding="utf-8")
    (a.out / "bench.json").write_text(json.dumps(rows, default=str, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
