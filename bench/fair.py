"""Fair baselines: every page computed by pandas and by polars from the same precomputed inputs the dashboard reads,
held in memory, against the dashboard's own functions, in one run.

    python -m bench.fair --data DIR [--runs 7]

`python -m bench` also times pandas on the raw records, whose ratio is mostly the precomputation (per-week rollups and
the week's derived files). Here both baselines get what a competent engineer would give them: the files the dashboard
reads, loaded once (load time reported apart): every week's village rollup, the week's dimension rollup, medians,
diff against last week, quality counts, cross-county persons, incomes per month, subsidy counts and records, and the
quota table. Then per call they compute what the page shows, for the area and each child unit: the six ledger
metrics this week, last week and a year ago with quota, completion, gap, status, ranking and the year's curve
(overview); persons per channel and organized share (channels); per destination province, prefecture and scope
(destinations); per industry with the job-source metrics (industries); per key group (groups); months bands, median
income, the income histogram (duration & income); the week's changes by kind (changes); freshness and completeness
counts, cross-county persons, outliers (quality); persons meeting each subsidy rule (subsidies); the record count and
the newest 50 records (records). Their numbers are checked against the dashboard's (`dashboard_numbers`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

from bench.__main__ import LEVELS, _child_len, fair_ms, page_sets, warm_ms

MEASURES = ["persons", "organized", "org_xprov", "org_xpref", "out_region", "income"]
QUOTA_OF = {"total": "persons", "org_xprov": "org_xprov", "org_xpref": "org_xpref", "out_region": "out_region", "income": "income"}
SOURCES = {"src_industry": "src_industry", "src_project": "src_project", "src_flexible": "src_flexible"}


def timed(fn, runs: int) -> float:
    fn()
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts) * 1000


def input_files(root: Path, day: dt.date) -> dict[str, Path]:
    """The week's files the pages read (built now where the week does not have them yet)."""
    from queries import derived as dv
    from tracker import dispatch, subsidy

    ly = dispatch.resolve_dates(day).ly_same
    return {
        **({"dims_ly": Path(dv.ensure_dims_rollup(ly))} if ly else {}),
        "dims": Path(dv.ensure_dims_rollup(day)),
        "medians": Path(dv.ensure_medians(day)),
        "diff": Path(dv.ensure_diff_prev(day)),
        "dq": Path(dv.ensure_dq(day)),
        "cross": Path(dv.ensure_cross(day)),
        "rates": Path(dv.ensure_rates(day)),
        "subsidy": Path(subsidy.ensure_file(day, subsidy.load())),
        "records": dv.partition(day, root) / "records.parquet",
    }


def load(root: Path, day: dt.date):
    """The inputs, in memory, for both libraries: (polars frames, pandas frames, seconds to load each)."""
    import pandas as pd
    import polars as pl

    from tracker import settings

    snaps = root / "snapshots"
    files = input_files(root, day)
    t = time.perf_counter()
    pl_in = {
        "roll": pl.read_parquet(snaps / "*" / "rollup_village.parquet", hive_partitioning=True, hive_schema={"snapshot_date": pl.Date}),
        "quotas": pl.read_csv(settings.quotas_file(), schema_overrides={"unit_code": pl.String, "due_date": pl.Date}),
        **{k: pl.read_parquet(f) for k, f in files.items()},
    }
    pl_s = time.perf_counter() - t
    t = time.perf_counter()
    pd_in = {
        "roll": pd.concat(
            [
                pd.read_parquet(p / "rollup_village.parquet").assign(snapshot_date=pd.Timestamp(p.name.split("=")[1]))
                for p in sorted(snaps.iterdir())
                if p.name.startswith("snapshot_date=")
            ],
            ignore_index=True,
        ),
        "quotas": pd.read_csv(settings.quotas_file(), dtype={"unit_code": str}, parse_dates=["due_date"]),
        **{k: pd.read_parquet(f) for k, f in files.items()},
    }
    for c in ("start_date", "end_date", "reported_date"):  # dates as datetime64 (pandas reads Parquet dates as objects)
        pd_in["records"][c] = pd.to_datetime(pd_in["records"][c])
    pd_s = time.perf_counter() - t
    return pl_in, pd_in, pl_s, pd_s


def _dates(day: dt.date) -> tuple[dt.date | None, dt.date | None]:
    from tracker import dispatch

    d = dispatch.resolve_dates(day)
    return d.previous, d.ly_same


def _status_pl(gap):
    import polars as pl

    from tracker import settings

    ahead, near, behind = settings.status_thresholds()  # the deployment's, as the dashboard's status rule reads them
    return (
        pl.when(gap >= ahead)
        .then(pl.lit("ahead"))
        .when(gap >= near)
        .then(pl.lit("on_pace"))
        .when(gap >= behind)
        .then(pl.lit("behind"))
        .otherwise(pl.lit("far_behind"))
    )


# ---------------------------------------------------------------- polars


def pl_evaluate(inp, area: str, day: dt.date, measures: list[str], quota_of: dict[str, str]):
    """Per unit (the area and its children) and measure: this week's and last week's figures, quota, completion, gap
    to the time elapsed and status."""
    import polars as pl

    from tracker import rules

    roll, quotas = inp["roll"], inp["quotas"]
    prev, ly = _dates(day)
    n = _child_len(area)
    mine = roll.filter(pl.col("home_code").str.starts_with(area) & pl.col("snapshot_date").is_in([x for x in (day, prev, ly) if x]))
    now = mine.with_columns(unit=pl.col("home_code").str.slice(0, n)).group_by("snapshot_date", "unit").agg(pl.col(measures).sum())
    area_now = mine.group_by("snapshot_date").agg(pl.col(measures).sum()).with_columns(unit=pl.lit(area)).select(now.columns)
    rows = pl.concat([now, area_now])
    long = rows.unpivot(index=["snapshot_date", "unit"], on=measures, variable_name="measure", value_name="actual")
    cur = long.filter(pl.col("snapshot_date") == day).drop("snapshot_date")
    if prev:
        cur = cur.join(
            long.filter(pl.col("snapshot_date") == prev).select("unit", "measure", last="actual"), on=["unit", "measure"], how="left"
        )
    q = quotas.filter((pl.col("year") == day.year) & pl.col("metric").is_in(list(quota_of))).with_columns(
        measure=pl.col("metric").replace_strict(quota_of)
    )
    ev = cur.join(q.select(unit="unit_code", measure="measure", target="target", due="due_date"), on=["unit", "measure"], how="left")
    due = ev["due"].drop_nulls()
    tp = rules.time_progress(day, due[0]) if due.len() else 0
    ev = ev.with_columns(completion=pl.col("actual") / pl.col("target")).with_columns(gap=(pl.col("completion") - tp) * 100)
    ev = ev.with_columns(status=_status_pl(pl.col("gap")))
    if ly:  # year on year, per unit and measure
        old = long.filter(pl.col("snapshot_date") == ly).select("unit", "measure", ly="actual")
        ev = ev.join(old, on=["unit", "measure"], how="left").with_columns(yoy=pl.col("actual") / pl.col("ly") - 1)
    return rows, ev


def pl_overview(inp, area: str, day: dt.date) -> dict:
    import polars as pl

    rows, ev = pl_evaluate(inp, area, day, MEASURES, QUOTA_OF)
    ev.filter((pl.col("unit") != area) & (pl.col("measure") == "persons")).sort("completion", "unit", nulls_last=True)  # ranking
    ev.filter(pl.col("status").is_in(["behind", "far_behind"])).sort("gap")  # laggards
    share = rows.filter(pl.col("snapshot_date") == day).with_columns(
        org_share=pl.col("organized") / pl.col("persons"),  # against its ≥ 60 % minimum, with the placements needed
        needed=((pl.col("persons") * 0.6).ceil() - pl.col("organized")).clip(lower_bound=0),
        per_capita=pl.col("income") / pl.col("persons"),
    )
    share.filter(pl.col("org_share") < 0.6)
    roll = inp["roll"]
    roll.filter(pl.col("home_code").str.starts_with(area) & pl.col("snapshot_date").dt.year().is_in([day.year, day.year - 1])).group_by(
        "snapshot_date"
    ).agg(pl.col("persons").sum()).sort("snapshot_date")  # the curve, this year and last
    a = rows.filter((pl.col("snapshot_date") == day) & (pl.col("unit") == area)).row(0, named=True)
    return {"persons": a["persons"], "organized": a["organized"], "income": a["income"]}


def _pl_dim(inp, area: str, dim: str, key: str = "dims"):
    import polars as pl

    d = inp[key].filter((pl.col("dim") == dim) & pl.col("home_code").str.starts_with(area))
    d.with_columns(unit=pl.col("home_code").str.slice(0, _child_len(area))).group_by("unit", "value").agg(
        pl.col("persons", "organized", "income").sum()
    )  # per child unit
    return d.group_by("value").agg(pl.col("persons", "organized", "income").sum())  # the area


def pl_channels(inp, area: str, day: dt.date) -> dict:
    import polars as pl

    ch = _pl_dim(inp, area, "channel")
    per_unit = (
        inp["dims"]
        .filter((pl.col("dim") == "channel") & pl.col("home_code").str.starts_with(area))
        .with_columns(unit=pl.col("home_code").str.slice(0, _child_len(area)))
        .group_by("unit")
        .agg(pl.col("persons", "organized").sum())
    )
    per_unit.with_columns(share=pl.col("organized") / pl.col("persons")).sort("share", "unit")  # organized share per unit
    pl_evaluate(inp, area, day, ["org_xpref", "org_xprov"], {"org_xpref": "org_xpref", "org_xprov": "org_xprov"})
    return dict(ch.select("value", "persons").iter_rows())


def pl_destinations(inp, area: str, day: dt.date) -> dict:
    out = {dim: _pl_dim(inp, area, dim) for dim in ("dest_province_code", "dest_prefecture_code", "dest_scope")}
    return dict(out["dest_scope"].select("value", "persons").iter_rows())


def pl_industries(inp, area: str, day: dt.date) -> dict:
    ind = _pl_dim(inp, area, "industry")
    pl_evaluate(inp, area, day, list(SOURCES), SOURCES)
    return dict(ind.select("value", "persons").iter_rows())


def pl_groups(inp, area: str, day: dt.date) -> dict:
    g = dict(_pl_dim(inp, area, "key_group").select("value", "persons").iter_rows())
    return {"poverty_alleviated": g.get("poverty_alleviated", 0), "women": g.get("women", 0)}


def _duration_numbers(bands: dict, hist: dict, median) -> dict:
    """The area's figures the page shows (as `dashboard_numbers` gives them): persons per months band, the median
    income, persons in the open top income bin."""
    return {
        "lt3": bands.get("lt3", 0),
        "m3to6": bands.get("m3to6", 0),
        "ge6": bands.get("ge6", 0),
        "median_income": median,
        "hist_top": hist.get("14", 0),
    }


def pl_duration_income(inp, area: str, day: dt.date) -> dict:
    import polars as pl

    bands = dict(_pl_dim(inp, area, "months_band").select("value", "persons").iter_rows())
    hist = dict(_pl_dim(inp, area, "income_bin").select("value", "persons").iter_rows())
    med = inp["medians"].filter(
        (pl.col("unit_code") == area)
        | ((pl.col("unit_code").str.len_chars() == _child_len(area)) & pl.col("unit_code").str.starts_with(area))
    )
    _pl_dim(inp, area, "dest_scope"), _pl_dim(inp, area, "industry")
    if "dims_ly" in inp:
        _pl_dim(inp, area, "months_band", "dims_ly")
    return _duration_numbers(bands, hist, med.filter(pl.col("unit_code") == area)["median_income"][0])


KINDS = ("new", "late", "ended", "changed", "removed")


def pl_changes(inp, area: str, day: dt.date) -> dict:
    import polars as pl

    d = inp["diff"].filter(pl.col("home_code").str.starts_with(area))
    d.with_columns(unit=pl.col("home_code").str.slice(0, _child_len(area))).group_by("unit", "kind").len()  # per child unit
    d.filter(pl.col("kind") == "new").head(500)  # the list
    got = dict(d.group_by("kind").len().iter_rows())
    return {k: got.get(k, 0) for k in KINDS}


def pl_quality(inp, area: str, day: dt.date) -> dict:
    import polars as pl

    dq = inp["dq"].filter(pl.col("own_code").str.starts_with(area))
    dq.with_columns(unit=pl.col("own_code").str.slice(0, _child_len(area))).group_by("unit").agg(
        pl.col("records", "no_village", "no_education", "bad_id").sum(), pl.col("last_reported").max()
    )
    cross = inp["cross"]
    mine = (
        cross.filter(pl.col("county_code").str.starts_with(area) | pl.col("home_code").str.starts_with(area)).select("person_key").unique()
    )
    counties = cross.join(mine, on="person_key", how="semi").group_by("person_key").agg(pl.col("county_code").n_unique())
    med = inp["medians"].filter(pl.col("unit_code") == area)["median_per_month"][0]
    limit = max(20_000.0, 10 * med)
    rates = inp["rates"].filter(pl.col("home_code").str.starts_with(area) & (pl.col("per_month") >= limit))
    return {
        "records": dq["records"].sum(),
        "bad_id": dq["bad_id"].sum(),
        "cross": counties.filter(pl.col("county_code") > 1).height,
        "outliers": rates.height,
    }


def pl_subsidies(inp, area: str, day: dt.date) -> dict:
    import polars as pl

    from tracker import subsidy

    s = inp["subsidy"].filter(pl.col("home_code").str.starts_with(area))
    s.with_columns(unit=pl.col("home_code").str.slice(0, _child_len(area))).group_by("rule", "unit").agg(
        pl.col("eligible", "within_month", "by_year_end").sum()
    )
    got = dict(s.group_by("rule").agg(pl.col("eligible").sum()).iter_rows())
    return {r.key: got.get(r.key, 0) for r in subsidy.load().rules}


def pl_records(inp, area: str, day: dt.date) -> tuple[int, int]:
    """The count line from the week's village figures (as the page takes it, unfiltered), the newest 50 records."""
    import polars as pl

    r = inp["records"].filter(pl.col("home_code").str.starts_with(area))
    r.top_k(50, by=["reported_date", "record_id"])
    top = inp["roll"].filter((pl.col("snapshot_date") == day) & pl.col("home_code").str.starts_with(area))
    return int(top["records"].sum()), int(top["persons"].sum())


# ---------------------------------------------------------------- pandas


def pd_evaluate(inp, area: str, day: dt.date, measures: list[str], quota_of: dict[str, str]):
    import numpy as np
    import pandas as pd

    from tracker import rules

    roll, quotas = inp["roll"], inp["quotas"]
    prev, ly = _dates(day)
    n = _child_len(area)
    weeks = [pd.Timestamp(x) for x in (day, prev, ly) if x]
    wk = roll[roll["home_code"].str.startswith(area) & roll["snapshot_date"].isin(weeks)]
    now = wk.assign(unit=wk["home_code"].str[:n]).groupby(["snapshot_date", "unit"], as_index=False)[measures].sum()
    area_now = wk.groupby("snapshot_date", as_index=False)[measures].sum().assign(unit=area)
    rows = pd.concat([now, area_now[now.columns]], ignore_index=True)
    long = rows.melt(id_vars=["snapshot_date", "unit"], value_vars=measures, var_name="measure", value_name="actual")
    cur = long[long["snapshot_date"] == pd.Timestamp(day)].drop(columns="snapshot_date")
    if prev:
        last = long[long["snapshot_date"] == pd.Timestamp(prev)].drop(columns="snapshot_date").rename(columns={"actual": "last"})
        cur = cur.merge(last, on=["unit", "measure"], how="left")
    q = quotas[(quotas["year"] == day.year) & quotas["metric"].isin(list(quota_of))].assign(measure=lambda x: x["metric"].map(quota_of))
    q = q.rename(columns={"unit_code": "unit"})[["unit", "measure", "target", "due_date"]]
    ev = cur.merge(q, on=["unit", "measure"], how="left")
    due = ev["due_date"].dropna()
    tp = rules.time_progress(day, pd.Timestamp(due.iloc[0]).date()) if len(due) else 0
    ev["completion"] = ev["actual"] / ev["target"]
    ev["gap"] = (ev["completion"] - tp) * 100
    from tracker import settings

    ahead, near, behind = settings.status_thresholds()
    ev["status"] = np.select(
        [ev["gap"] >= ahead, ev["gap"] >= near, ev["gap"] >= behind], ["ahead", "on_pace", "behind"], default="far_behind"
    )
    if ly:  # year on year, per unit and measure
        old = long[long["snapshot_date"] == pd.Timestamp(ly)].drop(columns="snapshot_date").rename(columns={"actual": "ly"})
        ev = ev.merge(old, on=["unit", "measure"], how="left")
        ev["yoy"] = ev["actual"] / ev["ly"] - 1
    return rows, ev


def pd_overview(inp, area: str, day: dt.date) -> dict:
    import numpy as np
    import pandas as pd

    rows, ev = pd_evaluate(inp, area, day, MEASURES, QUOTA_OF)
    ev[(ev["unit"] != area) & (ev["measure"] == "persons")].sort_values(["completion", "unit"])  # ranking
    ev[ev["status"].isin(["behind", "far_behind"])].sort_values("gap")  # laggards
    share = rows[rows["snapshot_date"] == pd.Timestamp(day)].copy()
    share["org_share"] = share["organized"] / share["persons"]  # against its ≥ 60 % minimum, with the placements needed
    share["needed"] = (np.ceil(share["persons"] * 0.6) - share["organized"]).clip(lower=0)
    share["per_capita"] = share["income"] / share["persons"]
    share[share["org_share"] < 0.6]
    roll = inp["roll"]
    cy = roll[roll["home_code"].str.startswith(area) & roll["snapshot_date"].dt.year.isin([day.year, day.year - 1])]
    cy.groupby("snapshot_date")["persons"].sum().sort_index()
    a = rows[(rows["snapshot_date"] == pd.Timestamp(day)) & (rows["unit"] == area)].iloc[0]
    return {"persons": a["persons"], "organized": a["organized"], "income": a["income"]}


def _pd_dim(inp, area: str, dim: str, key: str = "dims"):
    dims = inp[key]
    d = dims[(dims["dim"] == dim) & dims["home_code"].str.startswith(area)]
    d.assign(unit=d["home_code"].str[: _child_len(area)]).groupby(["unit", "value"])[["persons", "organized", "income"]].sum()
    return d.groupby("value")[["persons", "organized", "income"]].sum()


def pd_channels(inp, area: str, day: dt.date) -> dict:
    ch = _pd_dim(inp, area, "channel")
    dims = inp["dims"]
    d = dims[(dims["dim"] == "channel") & dims["home_code"].str.startswith(area)]
    per_unit = d.assign(unit=d["home_code"].str[: _child_len(area)]).groupby("unit")[["persons", "organized"]].sum()
    (per_unit["organized"] / per_unit["persons"]).sort_values()
    pd_evaluate(inp, area, day, ["org_xpref", "org_xprov"], {"org_xpref": "org_xpref", "org_xprov": "org_xprov"})
    return ch["persons"].to_dict()


def pd_destinations(inp, area: str, day: dt.date) -> dict:
    out = {dim: _pd_dim(inp, area, dim) for dim in ("dest_province_code", "dest_prefecture_code", "dest_scope")}
    return out["dest_scope"]["persons"].to_dict()


def pd_industries(inp, area: str, day: dt.date) -> dict:
    ind = _pd_dim(inp, area, "industry")
    pd_evaluate(inp, area, day, list(SOURCES), SOURCES)
    return ind["persons"].to_dict()


def pd_groups(inp, area: str, day: dt.date) -> dict:
    g = _pd_dim(inp, area, "key_group")["persons"].to_dict()
    return {"poverty_alleviated": g.get("poverty_alleviated", 0), "women": g.get("women", 0)}


def pd_duration_income(inp, area: str, day: dt.date) -> dict:
    bands = _pd_dim(inp, area, "months_band")["persons"].to_dict()
    hist = _pd_dim(inp, area, "income_bin")["persons"].to_dict()
    m = inp["medians"]
    med = m[(m["unit_code"] == area) | ((m["unit_code"].str.len() == _child_len(area)) & m["unit_code"].str.startswith(area))]
    _pd_dim(inp, area, "dest_scope"), _pd_dim(inp, area, "industry")
    if "dims_ly" in inp:
        _pd_dim(inp, area, "months_band", "dims_ly")
    return _duration_numbers(bands, hist, med.loc[med["unit_code"] == area, "median_income"].iloc[0])


def pd_changes(inp, area: str, day: dt.date) -> dict:
    diff = inp["diff"]
    d = diff[diff["home_code"].str.startswith(area)]
    d.assign(unit=d["home_code"].str[: _child_len(area)]).groupby(["unit", "kind"]).size()
    d[d["kind"] == "new"].head(500)
    got = d["kind"].value_counts().to_dict()
    return {k: got.get(k, 0) for k in KINDS}


def pd_quality(inp, area: str, day: dt.date) -> dict:
    dq = inp["dq"]
    dq = dq[dq["own_code"].str.startswith(area)]
    dq.assign(unit=dq["own_code"].str[: _child_len(area)]).groupby("unit").agg(
        records=("records", "sum"), no_village=("no_village", "sum"), bad_id=("bad_id", "sum"), last=("last_reported", "max")
    )
    cross = inp["cross"]
    mine = cross.loc[cross["county_code"].str.startswith(area) | cross["home_code"].str.startswith(area), "person_key"].unique()
    counties = cross[cross["person_key"].isin(mine)].groupby("person_key")["county_code"].nunique()
    m = inp["medians"]
    limit = max(20_000.0, 10 * m.loc[m["unit_code"] == area, "median_per_month"].iloc[0])
    r = inp["rates"]
    out = r[r["home_code"].str.startswith(area) & (r["per_month"] >= limit)]
    return {"records": dq["records"].sum(), "bad_id": dq["bad_id"].sum(), "cross": int((counties > 1).sum()), "outliers": len(out)}


def pd_subsidies(inp, area: str, day: dt.date) -> dict:
    from tracker import subsidy

    s = inp["subsidy"]
    s = s[s["home_code"].str.startswith(area)]
    s.assign(unit=s["home_code"].str[: _child_len(area)]).groupby(["rule", "unit"])[["eligible", "within_month", "by_year_end"]].sum()
    got = s.groupby("rule")["eligible"].sum().to_dict()
    return {r.key: got.get(r.key, 0) for r in subsidy.load().rules}


def pd_records(inp, area: str, day: dt.date) -> tuple[int, int]:
    import pandas as pd

    r = inp["records"]
    r = r[r["home_code"].str.startswith(area)]
    r.nlargest(50, "reported_date", keep="all").sort_values(["reported_date", "record_id"], ascending=False).head(50)
    roll = inp["roll"]
    top = roll[(roll["snapshot_date"] == pd.Timestamp(day)) & roll["home_code"].str.startswith(area)]
    return int(top["records"].sum()), int(top["persons"].sum())


FAIR = {  # page: (polars, pandas), each from the inputs in memory
    "overview": (pl_overview, pd_overview),
    "records": (pl_records, pd_records),
    "channels": (pl_channels, pd_channels),
    "destinations": (pl_destinations, pd_destinations),
    "industries": (pl_industries, pd_industries),
    "groups": (pl_groups, pd_groups),
    "duration_income": (pl_duration_income, pd_duration_income),
    "changes": (pl_changes, pd_changes),
    "quality": (pl_quality, pd_quality),
    "subsidies": (pl_subsidies, pd_subsidies),
}


def same(a, b) -> bool:
    """The page's numbers, compared as the page shows them (whole persons; a median to the yuan): the area's figures of
    `dashboard_numbers`, not every unit's row."""
    if not a or not b:
        return False  # nothing to compare is not agreement
    if isinstance(a, dict) and isinstance(b, dict):
        return {k: round(float(v)) for k, v in a.items()} == {k: round(float(v)) for k, v in b.items()}
    return tuple(int(x) for x in a) == tuple(int(x) for x in b)


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
        f"({pl_in['roll'].height:,} village-week rows, {pl_in['dims'].height:,} dimension rows, {pl_in['records'].height:,} records)",
        "",
        "| page | level | dashboard ms | polars ms (same inputs) | pandas ms (same inputs) | same numbers |",
        "|---|---|---:|---:|---:|---|",
    ]
    for page in FAIR:
        for level, area in LEVELS.items():
            ours = warm_ms(sets[page], area, day, a.runs)
            p, q, ok = fair_ms(page, (pl_in, pd_in), area, day, a.runs)  # the same timing and check as `python -m bench`
            lines.append(f"| {page} | {level} | {ours:.1f} | {p:.1f} | {q:.1f} | {'yes' if ok else '**NO**'} |")
            print(lines[-1], file=sys.stderr)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
