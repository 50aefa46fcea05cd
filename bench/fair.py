"""Fair baselines: the overview and the channels page computed by pandas and by polars from the same precomputed inputs
the dashboard reads, held in memory, against the dashboard's own functions, in one run.

    python -m bench.fair --data DIR [--runs 7]

`python -m bench` compares the dashboard with pandas reading the raw records, so its ratio is mostly the
precomputation (per-week rollups). Here both baselines get what a competent engineer would give them: every week's
village rollup (`rollup_village.parquet`, what the overview reads) and the week's dimension rollup
(`rollup_dims_*.parquet`, what the channels page reads) loaded once (load time reported apart), the quota table, and
then per call the page's numbers: for the area and each child unit the six ledger metrics this week, last week and
a year ago, quota, completion, gap to the time elapsed and status, the ranking, and the year's weekly curve
(overview); persons per channel for the area and per child unit, organized share per unit (channels). The numbers
are checked against the dashboard's (area persons, organized, income; persons per channel).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

from bench.__main__ import LEVELS, _child_len, dashboard_numbers, page_sets, warm_ms

MEASURES = ["persons", "organized", "org_xprov", "org_xpref", "out_region", "income"]
QUOTA_OF = {"total": "persons", "org_xprov": "org_xprov", "org_xpref": "org_xpref", "out_region": "out_region", "income": "income"}


def timed(fn, runs: int) -> float:
    fn()
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts) * 1000


def load(root: Path, day: dt.date):
    """The inputs, in memory, for both libraries: (polars frames, pandas frames, seconds to load each)."""
    import pandas as pd
    import polars as pl

    from queries import derived as dv
    from tracker import settings

    snaps = root / "snapshots"
    t = time.perf_counter()
    roll = pl.read_parquet(snaps / "*" / "rollup_village.parquet", hive_partitioning=True, hive_schema={"snapshot_date": pl.Date})
    dims = pl.read_parquet(dv.ensure_dims_rollup(day))  # built now if the week does not have it yet
    quotas = pl.read_csv(settings.quotas_file(), schema_overrides={"unit_code": pl.String, "due_date": pl.Date})
    pl_s = time.perf_counter() - t
    t = time.perf_counter()
    proll = pd.concat(
        [
            pd.read_parquet(p / "rollup_village.parquet").assign(snapshot_date=pd.Timestamp(p.name.split("=")[1]))
            for p in sorted(snaps.iterdir())
            if p.name.startswith("snapshot_date=")
        ],
        ignore_index=True,
    )
    pdims = pd.read_parquet(dv.ensure_dims_rollup(day))
    pquotas = quotas.to_pandas()
    pd_s = time.perf_counter() - t
    return (roll, dims, quotas), (proll, pdims, pquotas), pl_s, pd_s


def _dates(day: dt.date) -> tuple[dt.date | None, dt.date | None]:
    from tracker import dispatch

    d = dispatch.resolve_dates(day)
    return d.previous, d.ly_same


def pl_overview(inputs, area: str, day: dt.date) -> dict:
    import polars as pl

    from tracker import rules

    roll, _dims, quotas = inputs
    prev, ly = _dates(day)
    n = _child_len(area)
    mine = roll.filter(pl.col("home_code").str.starts_with(area))
    weeks = [x for x in (day, prev, ly) if x]
    now = (
        mine.filter(pl.col("snapshot_date").is_in(weeks))
        .with_columns(unit=pl.col("home_code").str.slice(0, n))
        .group_by("snapshot_date", "unit")
        .agg(pl.col(MEASURES).sum())
    )
    area_now = mine.filter(pl.col("snapshot_date").is_in(weeks)).group_by("snapshot_date").agg(pl.col(MEASURES).sum())
    rows = pl.concat([now, area_now.with_columns(unit=pl.lit(area)).select(now.columns)])
    long = rows.unpivot(index=["snapshot_date", "unit"], on=MEASURES, variable_name="measure", value_name="actual")
    cur = long.filter(pl.col("snapshot_date") == day).drop("snapshot_date")
    last = long.filter(pl.col("snapshot_date") == prev).select("unit", "measure", last=pl.col("actual")) if prev else None
    if last is not None:
        cur = cur.join(last, on=["unit", "measure"], how="left")
    q = quotas.filter((pl.col("year") == day.year) & pl.col("metric").is_in(list(QUOTA_OF))).with_columns(
        measure=pl.col("metric").replace_strict(QUOTA_OF)
    )
    ev = cur.join(q.select(unit="unit_code", measure="measure", target="target", due="due_date"), on=["unit", "measure"], how="left")
    tp = rules.time_progress(day, ev["due"].drop_nulls()[0]) if ev["due"].drop_nulls().len() else None
    ev = ev.with_columns(completion=pl.col("actual") / pl.col("target")).with_columns(gap=(pl.col("completion") - (tp or 0)) * 100)
    ev = ev.with_columns(
        status=pl.when(pl.col("gap") >= 0)
        .then(pl.lit("ahead"))
        .when(pl.col("gap") >= -5)
        .then(pl.lit("on_pace"))
        .when(pl.col("gap") >= -15)
        .then(pl.lit("behind"))
        .otherwise(pl.lit("far_behind"))
    )
    ev.filter((pl.col("unit") != area) & (pl.col("measure") == "persons")).sort("completion", "unit", nulls_last=True)  # ranking
    share = rows.filter(pl.col("snapshot_date") == day).with_columns(org_share=pl.col("organized") / pl.col("persons"))  # ≥ 60 %
    share.filter(pl.col("org_share") < 0.6)
    mine.filter(pl.col("snapshot_date").dt.year().is_in([day.year, day.year - 1])).group_by("snapshot_date").agg(
        pl.col("persons").sum()
    ).sort("snapshot_date")  # the curve, this year and last
    a = area_now.filter(pl.col("snapshot_date") == day).row(0, named=True)
    return {"persons": a["persons"], "organized": a["organized"], "income": a["income"]}


def pd_overview(inputs, area: str, day: dt.date) -> dict:
    import numpy as np
    import pandas as pd

    from tracker import rules

    roll, _dims, quotas = inputs
    prev, ly = _dates(day)
    n = _child_len(area)
    mine = roll[roll["home_code"].str.startswith(area)]
    weeks = [pd.Timestamp(x) for x in (day, prev, ly) if x]
    wk = mine[mine["snapshot_date"].isin(weeks)]
    now = wk.assign(unit=wk["home_code"].str[:n]).groupby(["snapshot_date", "unit"], as_index=False)[MEASURES].sum()
    area_now = wk.groupby("snapshot_date", as_index=False)[MEASURES].sum().assign(unit=area)
    rows = pd.concat([now, area_now[now.columns]], ignore_index=True)
    long = rows.melt(id_vars=["snapshot_date", "unit"], value_vars=MEASURES, var_name="measure", value_name="actual")
    cur = long[long["snapshot_date"] == pd.Timestamp(day)].drop(columns="snapshot_date")
    if prev:
        last = long[long["snapshot_date"] == pd.Timestamp(prev)].drop(columns="snapshot_date").rename(columns={"actual": "last"})
        cur = cur.merge(last, on=["unit", "measure"], how="left")
    q = quotas[(quotas["year"] == day.year) & quotas["metric"].isin(list(QUOTA_OF))].assign(measure=lambda x: x["metric"].map(QUOTA_OF))
    q = q.rename(columns={"unit_code": "unit"})[["unit", "measure", "target", "due_date"]]
    ev = cur.merge(q, on=["unit", "measure"], how="left")
    due = ev["due_date"].dropna()
    tp = rules.time_progress(day, pd.Timestamp(due.iloc[0]).date()) if len(due) else 0
    ev["completion"] = ev["actual"] / ev["target"]
    ev["gap"] = (ev["completion"] - (tp or 0)) * 100
    ev["status"] = np.select([ev["gap"] >= 0, ev["gap"] >= -5, ev["gap"] >= -15], ["ahead", "on_pace", "behind"], default="far_behind")
    ev[(ev["unit"] != area) & (ev["measure"] == "persons")].sort_values(["completion", "unit"])  # ranking
    share = rows[rows["snapshot_date"] == pd.Timestamp(day)]
    share[share["organized"] / share["persons"] < 0.6]
    cy = mine[mine["snapshot_date"].dt.year.isin([day.year, day.year - 1])]
    cy.groupby("snapshot_date")["persons"].sum().sort_index()
    a = area_now[area_now["snapshot_date"] == pd.Timestamp(day)].iloc[0]
    return {"persons": a["persons"], "organized": a["organized"], "income": a["income"]}


def pl_channels(inputs, area: str, day: dt.date) -> dict:
    import polars as pl

    _roll, dims, _q = inputs
    n = _child_len(area)
    ch = dims.filter((pl.col("dim") == "channel") & pl.col("home_code").str.starts_with(area))
    ch.with_columns(unit=pl.col("home_code").str.slice(0, n)).group_by("unit", "value").agg(pl.col("persons", "organized").sum())
    per_unit = ch.with_columns(unit=pl.col("home_code").str.slice(0, n)).group_by("unit").agg(pl.col("persons", "organized").sum())
    per_unit.with_columns(share=pl.col("organized") / pl.col("persons")).sort("share", "unit")
    scope = dims.filter((pl.col("dim") == "dest_scope") & pl.col("home_code").str.starts_with(area))
    scope.group_by("value").agg(pl.col("organized").sum())
    return dict(ch.group_by("value").agg(pl.col("persons").sum()).iter_rows())


def pd_channels(inputs, area: str, day: dt.date) -> dict:
    _roll, dims, _q = inputs
    n = _child_len(area)
    ch = dims[(dims["dim"] == "channel") & dims["home_code"].str.startswith(area)]
    ch = ch.assign(unit=ch["home_code"].str[:n])
    ch.groupby(["unit", "value"])[["persons", "organized"]].sum()
    per_unit = ch.groupby("unit")[["persons", "organized"]].sum()
    (per_unit["organized"] / per_unit["persons"]).sort_values()
    scope = dims[(dims["dim"] == "dest_scope") & dims["home_code"].str.startswith(area)]
    scope.groupby("value")["organized"].sum()
    return ch.groupby("value")["persons"].sum().to_dict()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.fair", description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=7)
    a = ap.parse_args(argv)
    os.environ["TRACKER_DATA_DIR"] = str(a.data)
    import queries

    queries.reset()
    queries.set_scope(queries.SYSTEM)
    day = queries.snapshot_dates()[-1]
    pl_in, pd_in, pl_s, pd_s = load(a.data, day)
    sets = page_sets()
    lines = [
        f"inputs in memory: polars {pl_s * 1000:,.0f} ms, pandas {pd_s * 1000:,.0f} ms to load "
        f"({pl_in[0].height:,} village-week rows, {pl_in[1].height:,} dimension rows)",
        "",
        "| page | level | dashboard ms | polars ms (same inputs) | pandas ms (same inputs) | same numbers |",
        "|---|---|---:|---:|---:|---|",
    ]
    for page, pl_fn, pd_fn in (("overview", pl_overview, pd_overview), ("channels", pl_channels, pd_channels)):
        for level, area in LEVELS.items():
            ours = warm_ms(sets[page], area, day, a.runs)
            p = timed(lambda pl_fn=pl_fn, area=area: pl_fn(pl_in, area, day), a.runs)
            q = timed(lambda pd_fn=pd_fn, area=area: pd_fn(pd_in, area, day), a.runs)
            want = {k: int(v) for k, v in dashboard_numbers(page, area, day).items()}
            same = (
                {k: int(v) for k, v in pl_fn(pl_in, area, day).items()} == want == {k: int(v) for k, v in pd_fn(pd_in, area, day).items()}
            )
            lines.append(f"| {page} | {level} | {ours:.1f} | {p:.1f} | {q:.1f} | {'yes' if same else '**NO**'} |")
            print(lines[-1], file=sys.stderr)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
