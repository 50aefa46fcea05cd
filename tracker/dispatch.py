"""The dispatch overview's numbers: named queries in, rules applied, plain frames out (no Streamlit).

Every page and the bulletin take their numbers from here, so they agree by construction.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import polars as pl

from queries import cached, snapshot_dates
from tracker import rules, settings
from tracker.catalogue import CARD_METRICS, METRICS, REPORTED_ITEMS, REPORTED_METRICS, measure_keys
from tracker.hierarchy import LEVEL_LEN, Hierarchy

PACED_KINDS = ("count", "money")


@dataclass
class Dates:
    snapshot: dt.date
    previous: dt.date | None  # the snapshot one week earlier, if any
    ly_same: dt.date | None  # same week last year
    ly_final: dt.date | None  # last snapshot of last year


def resolve_dates(snapshot: dt.date, dates: list[dt.date] | None = None) -> Dates:
    dates = snapshot_dates() if dates is None else dates
    ly = [d for d in dates if d.year == snapshot.year - 1]
    same = rules.same_week_last_year(snapshot)
    ly_same = max((d for d in ly if d <= same), default=None)
    from queries.derived import previous

    return Dates(snapshot, previous(snapshot, dates=dates), ly_same, ly[-1] if ly else None)


def child_len(area: str) -> int:
    lvl = {v: k for k, v in LEVEL_LEN.items()}[len(area)]
    return LEVEL_LEN.get(lvl + 1, len(area))


def weekly_query(area: str) -> str:
    """The weekly series file (one file, sorted by unit) where the area has children; a village, its own child,
    from the weekly rollups as before (the same rows either way: tests/test_queries.py)."""
    return "measures_by_week_series" if child_len(area) > len(area) else "measures_by_week"


def measures(area: str, d: Dates) -> pl.DataFrame:
    """Base measures per week (last year's and this year's to the snapshot), area + children, with the reported
    figures (填报指标) as of each week beside them (`last_reported`: the latest report's date)."""
    start = dt.date(d.snapshot.year - 1, 1, 1)
    wk = cached(weekly_query(area), area=area, child_len=child_len(area), from_date=start, to_date=d.snapshot)
    keys = ["snapshot_date", "unit_code", "is_area"]
    dates = sorted(set(wk["snapshot_date"].to_list()) | {d.snapshot})
    rep = cached("reported_by_week", area=area, child_len=child_len(area), dates=dates)
    items = list(REPORTED_ITEMS)
    if rep.height:
        wide = rep.pivot(on="item", index=keys, values="value").join(
            rep.group_by(keys).agg(last_reported=pl.col("last_as_of").max()), on=keys
        )
        wk = wk.join(wide, on=keys, how="full", coalesce=True).with_columns(
            [pl.col(c).fill_null(0) for c in measure_keys() if c in wk.columns]
        )
    missing = [c for c in [*items, "last_reported"] if c not in wk.columns]
    return wk.with_columns([pl.lit(None, dtype=pl.Date if c == "last_reported" else pl.Float64).alias(c) for c in missing])


def reported_metrics(q: pl.DataFrame, wk: pl.DataFrame) -> list[str]:
    """The reported metrics worth a card here: a quota in the area or a child unit, or a report."""
    quota_keys = set(q["metric"].to_list())
    out = []
    for k, m in REPORTED_METRICS.items():
        has_report = m.num in wk.columns and wk[m.num].drop_nulls().len() > 0
        if m.quota in quota_keys or has_report:
            out.append(k)
    return out


def quotas(area: str, year: int) -> pl.DataFrame:
    return cached("quotas_for", year=year, area=area, child_len=child_len(area))


def _by_unit(wk: pl.DataFrame, day: dt.date | None) -> dict[str, dict]:
    if day is None:
        return {}
    rows = wk.filter(pl.col("snapshot_date") == day)
    return {r["unit_code"]: r for r in rows.iter_rows(named=True)}


def evaluate(
    area: str,
    d: Dates,
    wk: pl.DataFrame,
    q: pl.DataFrame,
    metrics: list[str] | None = None,
    pace: str | None = None,
    thresholds: tuple[float, float, float] | None = None,
) -> pl.DataFrame:
    """One row per unit (the area and its children) and metric, with every rule applied.

    Columns: unit_code, is_area, metric, actual, quota, quota_kind, due_date, completion,
    linear, seasonal, expected, gap, status, new_week, yoy, ly_same, needed, shortfall, source_note.
    """
    metrics = metrics or CARD_METRICS
    pace = pace or settings.pace_method()
    thresholds = thresholds or settings.status_thresholds()
    now, prev = _by_unit(wk, d.snapshot), _by_unit(wk, d.previous)
    ly_same, ly_final = _by_unit(wk, d.ly_same), _by_unit(wk, d.ly_final)
    quota = {(r["unit_code"], r["metric"]): r for r in q.iter_rows(named=True)}
    units = [area] + sorted(u for u in now if u != area)
    if area not in now:  # no records at all yet: show zeros, not nothing
        now[area] = {k: 0 for k in measure_keys()}
    # children with a quota but no records yet still belong in the ranking
    units += sorted({u for (u, _m) in quota if u != area and u not in now})
    zeros = {k: 0 for k in measure_keys()}
    # a unit missing from an existing earlier snapshot had nobody yet: that is 0, not unknown
    prev_of = (lambda u: prev.get(u, zeros)) if d.previous else (lambda u: None)
    ly_of = (lambda u: ly_same.get(u, zeros)) if d.ly_same else (lambda u: None)
    out = []
    for u in units:
        m_now = now.get(u) or {k: 0 for k in measure_keys()}
        for key in metrics:
            met = METRICS[key]
            actual = met.value(m_now)
            reported = key in REPORTED_METRICS
            if reported and actual is None and met.den is None:
                actual = 0.0  # nothing reported yet: nothing done
            qr = quota.get((u, met.quota)) if met.quota else None
            target = qr["target"] if qr else None
            due = qr["due_date"] if qr else dt.date(d.snapshot.year, 12, 31)
            row = {
                "unit_code": u,
                "is_area": u == area,
                "metric": key,
                "actual": actual,
                "quota": target,
                "quota_kind": met.quota_kind if qr else None,
                "due_date": due,
                "source_note": qr["source_note"] if qr else None,
                "source": qr.get("source") if qr else None,
                "reported_as_of": m_now.get("last_reported") if reported else None,
                "reported": reported,
            }
            prev_v = met.value(prev_of(u)) if prev_of(u) is not None else None
            ly_v = met.value(ly_of(u)) if ly_of(u) is not None else None
            row["new_week"] = (actual - prev_v) if (prev_v is not None and actual is not None) else None
            row["ly_same"] = ly_v
            if met.kind == "share":
                row["yoy"] = (actual - ly_v) if (ly_v is not None and actual is not None) else None
            else:
                row["yoy"] = (actual / ly_v - 1) if ly_v and actual is not None else None
            row["linear"] = rules.time_progress(d.snapshot, due)
            seasonal = None
            if met.kind in PACED_KINDS and u in ly_final:
                seasonal = rules.seasonal_expected(ly_v, met.value(ly_final[u]))
            row["seasonal"] = seasonal
            if met.quota_kind == "minimum" and qr:
                row["completion"] = None
                row["expected"] = None
                row["gap"] = (actual - target) * 100 if actual is not None else None
                row["status"] = rules.share_status(actual, target)
                # what must be added to reach the floor now, and by the year's end against the denominator's quota
                row["needed"] = (
                    rules.organized_needed(int(m_now.get(met.num) or 0), int(m_now.get(met.den) or 0), target) if met.needed_zh else None
                )
                den_q = quota.get((u, met.den_quota)) if met.den_quota else None
                row["needed_year_end"] = rules.organized_needed_by_year_end(
                    int(m_now.get(met.num) or 0), den_q["target"] if den_q else None, target
                )
                row["shortfall"] = None
            else:
                comp = rules.completion(actual, target)
                expected = seasonal if (pace == "seasonal" and seasonal is not None) else row["linear"]
                row["completion"] = comp
                row["expected"] = expected
                row["gap"] = rules.gap_points(comp, expected)
                row["status"] = rules.status(row["gap"], thresholds)
                row["needed"] = None
                row["needed_year_end"] = None
                # whole persons: 0.3 of a person still behind is one more placement to make
                row["shortfall"] = float(math.ceil(max(0.0, expected * target - (actual or 0)) - 1e-9)) if comp is not None else None
            out.append(row)
    schema = {
        "unit_code": pl.String,
        "is_area": pl.Boolean,
        "metric": pl.String,
        "actual": pl.Float64,
        "quota": pl.Float64,
        "quota_kind": pl.String,
        "due_date": pl.Date,
        "source_note": pl.String,
        "source": pl.String,
        "reported_as_of": pl.Date,
        "reported": pl.Boolean,
        "new_week": pl.Float64,
        "ly_same": pl.Float64,
        "yoy": pl.Float64,
        "linear": pl.Float64,
        "seasonal": pl.Float64,
        "completion": pl.Float64,
        "expected": pl.Float64,
        "gap": pl.Float64,
        "status": pl.String,
        "needed": pl.Int64,
        "needed_year_end": pl.Int64,
        "shortfall": pl.Float64,
    }
    return pl.DataFrame(out, schema=schema)


def ranking(ev: pl.DataFrame, metric: str = "total") -> pl.DataFrame:
    """Child units for one metric, best first; units without a quota last, by actual."""
    kids = ev.filter(~pl.col("is_area") & (pl.col("metric") == metric))
    by = "gap" if METRICS[metric].quota_kind == "minimum" else "completion"
    kids = kids.sort([pl.col(by).is_null(), by, "actual"], descending=[False, True, True])
    return kids.with_columns(rank=pl.when(pl.col(by).is_not_null()).then(pl.col(by).rank("min", descending=True)).cast(pl.Int32))


def previous_ranks(area: str, d: Dates, wk: pl.DataFrame, q: pl.DataFrame, metric: str, dates: list[dt.date] | None = None) -> dict:
    """Each child unit's rank a week earlier on the same metric (empty in the year's first week): rank movement."""
    if d.previous is None or d.previous.year != d.snapshot.year:
        return {}
    before = evaluate(area, resolve_dates(d.previous, dates), wk, q, [metric])
    return {r["unit_code"]: r["rank"] for r in ranking(before, metric).iter_rows(named=True) if r["rank"] is not None}


LAG_ORDER = {rules.NOT_MET: 0, rules.SERIOUS: 1, rules.BEHIND: 2}  # a missed hard floor first: it is binary


def laggards(ev: pl.DataFrame, metric: str | None = None) -> pl.DataFrame:
    """Child units below a minimum share, seriously behind or behind: in that order, worst gap first within each.

    All quota metrics by default, one row per unit and metric, so a unit on pace for persons but
    far behind on income still appears; `metric` narrows it to one. A minimum share's gap (points below the
    floor) and a pace gap (points behind schedule) are not on one scale, so a missed floor never sinks below
    pace gaps.
    """
    kids = ev.filter(~pl.col("is_area"))
    if metric:
        kids = kids.filter(pl.col("metric") == metric)
    kids = kids.filter(pl.col("status").is_in(list(LAG_ORDER)))
    return kids.sort(pl.col("status").replace_strict(LAG_ORDER, return_dtype=pl.Int8), "gap", "unit_code")


def trend(area: str, d: Dates, wk: pl.DataFrame, q: pl.DataFrame, metric: str = "total") -> dict:
    """The area's cumulative curve this year and last, pace lines, projection and required rate."""
    met = METRICS[metric]
    rows = wk.filter(pl.col("is_area")).sort("snapshot_date")
    # a reported metric has no point in a week nobody reported it
    pts = [(r["snapshot_date"], met.value(r)) for r in rows.iter_rows(named=True)]
    this = [(dd, v) for dd, v in pts if v is not None and dd.year == d.snapshot.year]
    last = [(dd, v) for dd, v in pts if v is not None and dd.year == d.snapshot.year - 1]
    qr = q.filter((pl.col("unit_code") == area) & (pl.col("metric") == (met.quota or "")))
    target = qr["target"][0] if qr.height else None
    due = qr["due_date"][0] if qr.height else dt.date(d.snapshot.year, 12, 31)
    actual = this[-1][1] if this else 0
    rate = rules.run_rate(this, 4)
    ly_final = last[-1][1] if last else None
    return {
        "this_year": this,
        "last_year": last,
        "target": target,
        "due": due,
        "linear": [(dd, rules.time_progress(dd, due) * target) for dd, _ in this] if target else [],
        "seasonal": ([(dd, v / ly_final * target) for dd, v in last] if target and ly_final else []),
        "rate": rate,
        "projection": rules.projection(actual or 0, rate, d.snapshot, due),
        "required": rules.required_weekly(target, actual or 0, d.snapshot, due),
    }


def no_village(c: pl.Expr, h: Hierarchy) -> pl.Expr:
    """The row under a township that collects its records without a village (not a unit: it reports nothing)."""
    return (c.str.len_chars() == 12) & c.str.ends_with("000") & ~c.is_in(list(h._name))


def name_units(df: pl.DataFrame, h: Hierarchy, lang: str, area: str, col: str = "unit_code") -> pl.DataFrame:
    """Add a `name` column; under a township, the township's own code collects records without a village."""
    c = pl.col(col)
    return df.with_columns(
        name=pl.when(no_village(c, h))
        .then(h.name_expr(c.str.slice(0, 9), lang, short=False) + pl.lit("（未填村居）" if lang == "zh" else " (no village)"))
        .otherwise(h.name_expr(c, lang))
    )
