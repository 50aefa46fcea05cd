"""Deterministic, vectorised demo data: a year of placements per county, cut into weekly snapshots.

    python -m tracker.generate [--out DIR] [--today YYYY-MM-DD] [--scale 1.0]

Writes DIR/quotas.csv and, for the current year and the one before, every Friday's snapshot
DIR/snapshots/snapshot_date=YYYY-MM-DD/{records,rollup_village}.parquet. Each partition is written to
a temporary directory and renamed into place, so readers never see half a snapshot.

The story: ≈570,000 persons a year region-wide (seed 000's baseline), ≈3.5 billion yuan labour income,
a spring hiring peak, most units near their quotas, a handful clearly behind, ≈8% with a second
placement, returns home, late reports; planted defects for the data-quality pages: ≈1% of persons
reported by a second county, a few hundred bad ID check digits and records without a village.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import polars as pl

from tracker import catalogue, demo_quotas, hierarchy, ids, schema, settings
from tracker.errors import TrackerError
from tracker.hierarchy import REGION

SEED = 20_260
DEMO_KEY = b"demo-person-key-not-secret"  # demo IDs are synthetic; real ingest uses the secret key
DEST_PROVINCES = {  # cross-province destinations, weighted (Sichuan, Qinghai and the aid provinces)
    "51": 0.22,
    "63": 0.12,
    "44": 0.10,
    "33": 0.08,
    "32": 0.07,
    "11": 0.06,
    "31": 0.05,
    "50": 0.06,
    "53": 0.05,
    "62": 0.04,
    "61": 0.04,
    "35": 0.03,
    "12": 0.03,
    "42": 0.03,
    "37": 0.02,
}
PREF_DEST_WEIGHT = {"5401": 0.40, "5402": 0.14, "5403": 0.10, "5404": 0.14, "5405": 0.12, "5406": 0.06, "5425": 0.04}
WAGE = {
    "construction": 1.25,
    "transport": 1.2,
    "domestic": 0.85,
    "catering": 0.9,
    "handicraft": 0.8,
    "manufacturing": 1.1,
    "agriculture": 0.7,
    "other": 0.9,
}
SCOPE_WAGE = {"local": 0.85, "cross_county": 1.0, "cross_prefecture": 1.15, "cross_province": 1.6}
INDUSTRY_BY_SOURCE = {
    "industry": {
        "manufacturing": 0.18,
        "agriculture": 0.22,
        "handicraft": 0.14,
        "catering": 0.14,
        "transport": 0.12,
        "construction": 0.10,
        "domestic": 0.05,
        "other": 0.05,
    },
    "project": {"construction": 0.82, "transport": 0.10, "other": 0.08},
    "flexible": {"catering": 0.25, "transport": 0.22, "domestic": 0.18, "handicraft": 0.15, "agriculture": 0.10, "other": 0.10},
}

FIXES = {
    "industry": "industry_before",
    "dest_scope": "dest_scope_before",
    "dest_province_code": "dest_province_before",
    "dest_prefecture_code": "dest_prefecture_before",
    "channel": "channel_before",
    "organized": "organized_before",
    "village_code": "village_before",
}  # corrected field -> its value before the correction
LEDGER_ID_PREFIX = "5401"  # Lhasa's counties export the ledger with its own 记录编号; the others have none
Progress = Callable[[float, str], None]


def _choice(rng, options: dict, n: int) -> np.ndarray:
    keys = list(options)
    p = np.array([options[k] for k in keys], dtype=float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=n, p=p / p.sum())]


def _str(a) -> pl.Series:
    """numpy object/str array (None allowed) -> polars String series."""
    a = np.asarray(a)
    return pl.Series(a.tolist() if a.dtype == object else a.astype(str), dtype=pl.String)


def fridays(year: int, until: dt.date) -> list[dt.date]:
    d = dt.date(year, 1, 1)
    d += dt.timedelta(days=(4 - d.weekday()) % 7)
    out = []
    while d.year == year and d <= until:
        out.append(d)
        d += dt.timedelta(days=7)
    return out


def last_weeks(days: list[dt.date], weeks: int) -> list[dt.date]:
    """The last `weeks` Fridays of the latest year among `days` and the same weeks (52 weeks earlier) of the year
    before, in order: what the benchmarks at national scale keep (this week against the same week last year)."""
    latest = max(d.year for d in days)
    this = [d for d in days if d.year == latest][-weeks:]
    same = {d - dt.timedelta(days=364) for d in this}
    return [d for d in days if d in same] + this


def _season_pmf(days: int) -> np.ndarray:
    d = np.arange(1, days + 1)
    f = 0.22 + 1.7 * np.exp(-(((d - 95) / 30) ** 2)) + 0.8 * np.exp(-(((d - 175) / 40) ** 2)) + 0.35 * np.exp(-(((d - 255) / 35) ** 2))
    f[d > days - 25] *= 0.3  # hardly anyone starts a job in the last weeks of the year
    return f / f.sum()


def _story(h: hierarchy.Hierarchy) -> pl.DataFrame:
    """Per-county behaviour, fixed across years: attainment, seasonal shift, organized rate."""
    rng = np.random.default_rng(SEED)
    counties = h.of_level(3)["code"].to_list()
    n = len(counties)
    perf = np.clip(rng.normal(0.955, 0.07, n), 0.82, 1.15)
    laggards = rng.choice(n, size=7, replace=False)
    perf[laggards] = rng.uniform(0.70, 0.80, 7)
    # a prefecture-level story too: Nagqu lags this year, Lhasa is close to the line
    pref_factor = np.array([{"5406": 0.86, "5401": 0.95}.get(c[:4], 1.0) for c in counties])
    perf = perf * pref_factor
    return pl.DataFrame(
        {
            "county_code": counties,
            "perf": perf,
            "perf_prev": perf * rng.uniform(0.90, 1.10, n),
            "shift": rng.normal(0, 9, n).round(),
            "org_rate": rng.uniform(0.50, 0.74, n),
            "xprov_att": np.clip(rng.normal(0.98, 0.18, n), 0.5, 1.4),
            "xpref_att": np.clip(rng.normal(0.97, 0.14, n), 0.5, 1.4),
            "income_att": rng.uniform(0.90, 1.08, n),
        }
    )


def placements(
    h: hierarchy.Hierarchy,
    quotas: pl.DataFrame,
    year: int,
    scale: float = 1.0,
    key: bytes = DEMO_KEY,
    current_year: int | None = None,
    keep_ids: bool = False,
) -> pl.DataFrame:
    """Every placement of the year as it will stand on 31 December, sorted for the snapshot files.

    Columns are the schema's plus `wage` (monthly yuan) and the full-year `end_full`, from which each
    snapshot derives end date, months and income as of its own date.
    """
    rng = np.random.default_rng(SEED + year)
    prev = year < (current_year or settings.today().year)
    story = _story(h)
    q = quotas.filter(pl.col("year") == year)
    qc = (
        q.filter(pl.col("unit_code").str.len_chars() == 6)
        .pivot(on="metric", index="unit_code", values="target")
        .rename({"unit_code": "county_code"})
    )
    qt = q.filter((pl.col("unit_code").str.len_chars() == 9) & (pl.col("metric") == "total"))
    st = story.join(qc, on="county_code")
    st = st.with_columns(n=((pl.col("total") * (pl.col("perf_prev") if prev else pl.col("perf")) * scale).round().cast(pl.Int64)))
    counties = st["county_code"].to_numpy()
    n_c = st["n"].to_numpy()
    N = int(n_c.sum())
    county = np.repeat(counties, n_c)
    ci = np.repeat(np.arange(len(counties)), n_c)

    # hukou township and village: townships by quota × noise, villages uniform-ish
    town_of = np.empty(N, dtype=object)
    vill_of = np.empty(N, dtype=object)
    units = h.units
    villages = dict(units.filter(pl.col("level") == 5).group_by("parent_code").agg("code").rows())
    for j, c in enumerate(counties):
        idx = np.flatnonzero(ci == j)
        tq = qt.filter(pl.col("unit_code").str.starts_with(c))
        tcodes = tq["unit_code"].to_numpy()
        w = tq["target"].to_numpy() * np.exp(rng.normal(0, 0.18, len(tcodes)))
        t = tcodes[rng.choice(len(tcodes), size=len(idx), p=w / w.sum())]
        town_of[idx] = t
        for tc in tcodes:
            ti = idx[t == tc]
            vs = np.array(villages.get(tc, []), dtype=object)
            vw = rng.uniform(0.5, 1.5, len(vs))
            vill_of[ti] = vs[rng.choice(len(vs), size=len(ti), p=vw / vw.sum())] if len(vs) else None

    # people
    two_after = rng.random(N) < catalogue.groups()["two_after"].demo_share
    age = np.where(two_after, rng.integers(16, 23, N), np.clip(rng.gamma(6, 5.5, N) + 16, 18, 62).astype(int))
    birth_year = (year - age).astype(np.int16)
    gender = np.where(rng.random(N) < 0.38, "F", "M")
    education = _choice(rng, {"primary": 0.44, "junior": 0.35, "senior": 0.14, "college": 0.07}, N)
    education[two_after] = "junior"

    # first placement
    org_rate = st["org_rate"].to_numpy()[ci]
    organized = rng.random(N) < org_rate
    n_org = np.bincount(ci, weights=organized, minlength=len(counties))
    att_x = st["xprov_att"].to_numpy() * (0.93 if prev else 1)
    att_p = st["xpref_att"].to_numpy() * (0.93 if prev else 1)
    p_xprov = np.clip(st["org_xprov"].to_numpy() * att_x * scale / np.maximum(n_org, 1), 0, 0.3)[ci]
    p_xpref = np.clip(st["org_xpref"].to_numpy() * att_p * scale / np.maximum(n_org, 1), 0, 0.6)[ci]
    u = rng.random(N)
    scope_org = np.where(
        u < p_xprov,
        "cross_province",
        np.where(u < p_xprov + p_xpref, "cross_prefecture", np.where(rng.random(N) < 0.45, "local", "cross_county")),
    )
    u2 = rng.random(N)
    scope_free = np.where(
        u2 < 0.004, "cross_province", np.where(u2 < 0.10, "cross_prefecture", np.where(u2 < 0.45, "cross_county", "local"))
    )
    dest_scope = np.where(organized, scope_org, scope_free)
    channel = np.where(
        organized,
        _choice(rng, {"government": 0.36, "dispatch_company": 0.26, "cooperative": 0.20, "broker": 0.18}, N),
        _choice(rng, {"enterprise": 0.45, "self_found": 0.55}, N),
    )

    pmf = _season_pmf(366 if year % 4 == 0 else 365)
    shift = st["shift"].to_numpy()[ci]
    doy = np.clip(rng.choice(len(pmf), size=N, p=pmf) + shift, 0, len(pmf) - 1).astype(int)
    y0 = np.datetime64(f"{year}-01-01")
    start = y0 + doy.astype("timedelta64[D]")
    ends = rng.random(N) < 0.36
    dur = rng.integers(25, 240, N)
    end_full = np.where(ends, start + dur.astype("timedelta64[D]"), np.datetime64("NaT"))
    year_end = np.datetime64(f"{year}-12-31")
    end_full = np.where(end_full > year_end, np.datetime64("NaT"), end_full)

    base = pl.DataFrame(
        {
            "pi": np.arange(N),
            "county_code": _str(county),
            "township_code": _str(town_of),
            "village_code": _str(vill_of),
            "gender": _str(gender),
            "birth_year": birth_year,
            "education": _str(education),
            "two_after": two_after,
            # the other key groups that are ledger columns, at their demo shares (the catalogue's)
            **{g.key: rng.random(N) < g.demo_share for g in catalogue.GROUP_LIST if g.column and g.key != "two_after"},
            "dest_scope": _str(dest_scope),
            "organized": organized,
            "channel": _str(channel),
            "start_date": pl.Series(start, dtype=pl.Date),
            "end_full": pl.Series(end_full, dtype=pl.Date),
            "ci": ci,
        }
    )

    # second placements (≈8% of persons), after the first one ended
    has_end = ~np.isnat(end_full)
    second = has_end & (rng.random(N) < 0.08 / max(has_end.mean(), 1e-9))
    si = np.flatnonzero(second)
    s_start = end_full[si] + rng.integers(7, 45, len(si)).astype("timedelta64[D]")
    keep = s_start <= year_end - np.timedelta64(5, "D")
    si, s_start = si[keep], s_start[keep]
    s_org = rng.random(len(si)) < org_rate[si]
    s_end = np.where(rng.random(len(si)) < 0.3, s_start + rng.integers(20, 120, len(si)).astype("timedelta64[D]"), np.datetime64("NaT"))
    s_end = np.where(s_end > year_end, np.datetime64("NaT"), s_end)
    sec = base[si].with_columns(
        organized=pl.Series(s_org),
        channel=_str(np.where(s_org, _choice(rng, {"government": 0.4, "dispatch_company": 0.3, "broker": 0.3}, len(si)), "enterprise")),
        dest_scope=_str(
            np.where(
                s_org,
                _choice(rng, {"cross_prefecture": 0.3, "cross_county": 0.4, "local": 0.3}, len(si)),
                _choice(rng, {"local": 0.6, "cross_county": 0.4}, len(si)),
            )
        ),
        start_date=pl.Series(s_start, dtype=pl.Date),
        end_full=pl.Series(s_end, dtype=pl.Date),
    )
    recs = pl.concat([base, sec])
    M = recs.height

    # job source, industry, destination, training, wage
    job_source = _choice(rng, {"industry": 0.53, "project": 0.28, "flexible": 0.19}, M)
    industry = np.empty(M, dtype=object)
    for src, mix in INDUSTRY_BY_SOURCE.items():
        m = job_source == src
        industry[m] = _choice(rng, mix, int(m.sum()))
    scope = recs["dest_scope"].to_numpy()
    home_pref = recs["county_code"].str.slice(0, 4).to_numpy()
    dest_prov = np.where(scope == "cross_province", _choice(rng, DEST_PROVINCES, M), REGION)
    prov_first_city = h.national.filter(pl.col("level") == 2).group_by("parent_code").agg(pl.col("code").min()).rows()
    first_city = dict(prov_first_city)
    other_pref = _choice(rng, PREF_DEST_WEIGHT, M)
    clash = other_pref == home_pref
    other_pref[clash] = np.where(home_pref[clash] == "5401", "5402", "5401")
    dest_pref = np.where(
        scope == "cross_province", np.vectorize(first_city.get)(dest_prov), np.where(scope == "cross_prefecture", other_pref, home_pref)
    )
    trained = rng.random(M) < 0.24
    training_type = np.where(trained, _choice(rng, {"order": 0.2, "work_for_training": 0.18, "other": 0.62}, M), None)
    wage = 1450 * np.vectorize(WAGE.get)(industry) * np.vectorize(SCOPE_WAGE.get)(scope) * rng.lognormal(0, 0.33, M)
    outlier = np.zeros(M, bool)  # implausible incomes for the data-quality page (a few even at a small scale)
    outlier[rng.choice(M, size=max(5, round(M * 0.0001)), replace=False)] = True
    wage[outlier] *= rng.uniform(15, 40, int(outlier.sum()))
    recs = recs.with_columns(
        job_source=_str(job_source),
        industry=_str(industry),
        dest_province_code=_str(dest_prov),
        dest_prefecture_code=_str(dest_pref),
        trained=pl.Series(trained),
        training_type=_str(training_type),
        wage=pl.Series(wage),
    )
    # calibrate wages per county so year-end income meets quota × attainment
    months_full = _months(recs["start_date"], recs["end_full"], dt.date(year, 12, 31))
    inc = recs["wage"].to_numpy() * months_full.to_numpy()
    ci_r = recs["ci"].to_numpy()
    got = np.bincount(ci_r, weights=inc, minlength=len(counties))
    want = st["income"].to_numpy() * st["income_att"].to_numpy() * (st["perf_prev" if prev else "perf"].to_numpy())
    want = want * scale * (0.93 if prev else 1.0)
    recs = recs.with_columns(wage=pl.col("wage") * pl.Series((want / np.maximum(got, 1))[ci_r]))

    # reporting lag: mostly days, some weeks late
    late = rng.random(M) < 0.06
    lag = np.where(late, rng.integers(14, 60, M), rng.geometric(0.3, M) - 1)
    recs = recs.with_columns(reported_date=pl.col("start_date") + pl.duration(days=pl.Series(lag)))

    # IDs: hukou county prefix (3% moved), birth date, unique sequence with gender parity, check digit
    ident = _national_ids(rng, recs.filter(pl.col("pi").is_first_distinct()), counties)
    recs = recs.join(ident, on="pi", how="left")

    # planted defects: cross-county duplicates (1% of persons), bad check digits, missing villages
    firsts = recs.filter(pl.col("pi").is_first_distinct())
    dup = firsts.sample(fraction=0.01, seed=SEED + year)
    by_pref = {p: [c for c in counties if c.startswith(p)] for p in {c[:4] for c in counties}}
    new_c = np.array([_other(rng, by_pref[c[:4]], c) for c in dup["county_code"].to_list()], dtype=object)
    t_of = {c: qt.filter(pl.col("unit_code").str.starts_with(c))["unit_code"].to_list() for c in set(new_c)}
    new_t = np.array([t_of[c][rng.integers(len(t_of[c]))] for c in new_c], dtype=object)
    vmap = {t: villages.get(t, []) for t in set(new_t)}
    new_v = np.array([vmap[t][rng.integers(len(vmap[t]))] if vmap[t] else None for t in new_t], dtype=object)
    dup = dup.with_columns(
        county_code=_str(new_c),
        township_code=_str(new_t),
        village_code=_str(new_v),
        reported_date=pl.col("reported_date") + pl.duration(days=pl.Series(rng.integers(7, 40, dup.height))),
    )
    recs = pl.concat([recs, dup])
    M = recs.height
    bad = np.zeros(M, bool)
    bad[rng.choice(M, size=max(1, round(300 * scale)), replace=False)] = True
    novill = np.zeros(M, bool)
    novill[rng.choice(M, size=max(1, round(300 * scale)), replace=False)] = True
    recs = recs.with_columns(
        id18=pl.when(pl.Series(bad))
        .then(pl.col("id18").str.slice(0, 17) + pl.when(pl.col("id18").str.slice(17) == "0").then(pl.lit("1")).otherwise(pl.lit("0")))
        .otherwise(pl.col("id18")),
        village_code=pl.when(pl.Series(novill)).then(None).otherwise(pl.col("village_code")),
    )
    recs = recs.with_columns(
        person_key=ids.person_keys(recs["id18"], key),
        id_check_ok=pl.Series(~bad),
        id_masked=ids.mask_expr("id18"),
        prefecture_code=pl.col("county_code").str.slice(0, 4),
    )
    recs = _corrections(rng, recs, M)
    # record ids: Lhasa's system exports its own 记录编号; elsewhere the identity rule's derived id (tracker.ids)
    recs = recs.sort("reported_date", "county_code", "pi")
    own = pl.lit(f"{year}") + pl.col("county_code") + pl.int_range(pl.len()).cast(pl.String).str.zfill(7)
    recs = recs.with_columns(
        record_id=pl.when(pl.col("county_code").str.starts_with(LEDGER_ID_PREFIX))
        .then(own)
        .otherwise(ids.placement_ids(recs["person_key"], recs["start_date"], recs["county_code"]))
    )
    from tracker.submissions import counting_units  # the same rule ingest applies to every week

    recs = counting_units(recs)
    if not keep_ids:  # synthetic IDs, but the snapshot never holds an ID: only ledger exports do
        recs = recs.drop("id18")
    return recs.sort("county_code", "township_code", "village_code", "record_id", nulls_last=True)


def _corrections(rng, recs: pl.DataFrame, M: int) -> pl.DataFrame:
    """What weekly ledgers really show, applied by `snapshot_frame` as of each date: a wrong industry (≈0.5%),
    destination (≈0.3%) or channel (≈0.3%) corrected `fix_after` days after the record was reported; persons
    whose hukou village was corrected (≈0.2%); records entered by mistake and removed weeks later (≈0.1%)."""
    single = pl.col("pi").count().over("pi") == 1  # persons with one record: a move or a removal changes only it
    shuffled = recs.with_columns(_r=pl.Series(rng.random(M))).sort("_r")
    other = shuffled.select(  # another record of the same county (township): plausible wrong values
        "pi",
        "start_date",
        "county_code",
        pl.col("industry").shift(1).over("county_code").alias("industry_before"),
        pl.col("dest_scope").shift(1).over("county_code").alias("_ds"),
        pl.col("dest_province_code").shift(1).over("county_code").alias("_dp"),
        pl.col("dest_prefecture_code").shift(1).over("county_code").alias("_df"),
        pl.col("channel").shift(1).over("county_code").alias("_ch"),
        pl.col("organized").shift(1).over("county_code").alias("_org"),
        pl.col("village_code").shift(1).over("township_code").alias("_vi"),
    )
    recs = recs.join(other, on=["pi", "start_date", "county_code"], how="left").with_columns(_k=pl.Series(rng.random(M)))
    k = pl.col("_k")
    wrong_ind, wrong_dest, wrong_ch = (k < 0.005), (k >= 0.005) & (k < 0.008), (k >= 0.008) & (k < 0.011)
    moved = (k >= 0.011) & (k < 0.013)
    gone = (k >= 0.013) & (k < 0.014)
    return (
        recs.with_columns(
            industry_before=pl.when(wrong_ind).then(pl.col("industry_before")).otherwise(pl.col("industry")).fill_null(pl.col("industry")),
            dest_scope_before=pl.when(wrong_dest).then(pl.col("_ds")).otherwise(pl.col("dest_scope")).fill_null(pl.col("dest_scope")),
            dest_province_before=pl.when(wrong_dest)
            .then(pl.col("_dp"))
            .otherwise(pl.col("dest_province_code"))
            .fill_null(pl.col("dest_province_code")),
            dest_prefecture_before=pl.when(wrong_dest)
            .then(pl.col("_df"))
            .otherwise(pl.col("dest_prefecture_code"))
            .fill_null(pl.col("dest_prefecture_code")),
            channel_before=pl.when(wrong_ch).then(pl.col("_ch")).otherwise(pl.col("channel")).fill_null(pl.col("channel")),
            organized_before=pl.when(wrong_ch).then(pl.col("_org")).otherwise(pl.col("organized")).fill_null(pl.col("organized")),
            village_before=pl.when(moved & single & pl.col("village_code").is_not_null() & pl.col("_vi").is_not_null())
            .then(pl.col("_vi"))
            .otherwise(pl.col("village_code")),
            _fix=pl.Series(rng.integers(7, 36, M)),
            gone_on=pl.when(gone & single).then(pl.col("reported_date") + pl.duration(days=pl.Series(rng.integers(7, 29, M)))),
        )
        .drop("_ds", "_dp", "_df", "_ch", "_org", "_vi", "_k")
        .with_columns(
            fixed_on=pl.when(pl.any_horizontal([pl.col(a).ne_missing(pl.col(b)) for a, b in FIXES.items()])).then(
                pl.col("reported_date") + pl.duration(days=pl.col("_fix"))
            )
        )
        .drop("_fix")
    )


def _other(rng, options: list[str], not_this: str) -> str:
    rest = [o for o in options if o != not_this] or options
    return rest[rng.integers(len(rest))]


def _national_ids(rng, people: pl.DataFrame, counties: np.ndarray) -> pl.DataFrame:
    n = people.height
    own = people["county_code"].to_numpy()
    moved = rng.random(n) < 0.03
    prefix = np.where(moved, counties[rng.integers(len(counties), size=n)], own)
    df = pl.DataFrame(
        {
            "pi": people["pi"],
            "p": _str(prefix),
            "y": people["birth_year"].cast(pl.Int32),
            "m": rng.integers(1, 13, n),
            "d": rng.integers(1, 29, n),
            "g": people["gender"],
        }
    )
    df = df.with_columns(
        b=pl.concat_str(pl.col("y").cast(pl.String), pl.col("m").cast(pl.String).str.zfill(2), pl.col("d").cast(pl.String).str.zfill(2))
    )
    # 3-digit sequence: odd for men, even for women (GB 11643)
    df = df.with_columns(k=pl.int_range(pl.len()).over("p", "b", "g"))
    first17 = df.select(
        pl.concat_str("p", "b", ((pl.col("k") * 2 + (pl.col("g") == "M").cast(pl.Int64)) % 1000).cast(pl.String).str.zfill(3))
    )[:, 0]
    digits = np.frombuffer("".join(first17.to_list()).encode(), dtype=np.uint8).reshape(n, 17) - 48
    return pl.DataFrame({"pi": df["pi"], "id18": first17 + pl.Series(ids.check_chars(digits))})


def _months(start: pl.Series, end: pl.Series, on: dt.date) -> pl.Series:
    """Months worked from start to min(end, on), one decimal, 0-12."""
    frame = pl.DataFrame({"s": start, "e": end})
    return frame.select(
        ((pl.min_horizontal(pl.col("e").fill_null(on), pl.lit(on)) - pl.col("s")).dt.total_days() + 1)
        .truediv(30.4)
        .clip(0, 12)
        .round(1)
        .alias("m")
    )["m"]


def snapshot_frame(recs: pl.DataFrame, on: dt.date, keep: tuple[str, ...] = (), ledger: bool = False) -> pl.DataFrame:
    """The ledger as it stood on `on`: reported records only, year-to-date months and income, corrections made
    by then. `ledger=True` is the counties' own export (rows with a mistyped ID included, which ingest rejects);
    the default is what ingest accepts of it."""
    keep_cols = {c.name for c in schema.COLUMNS} | set(keep) | {"end_full", "wage"}
    extra = [c for c in ("gone_on", "fixed_on", *FIXES.values()) if c in recs.columns]
    cond = pl.col("reported_date") <= on
    if "gone_on" in recs.columns:  # entered by mistake, removed weeks later
        cond &= pl.col("gone_on").is_null() | (pl.col("gone_on") > on)
    if not ledger:
        cond &= pl.col("id_check_ok")
    part = recs.lazy().select([c for c in recs.columns if c in keep_cols or c in extra]).filter(cond)
    if "fixed_on" in recs.columns:  # the few records not corrected yet show their first, wrong values
        todo = (pl.col("fixed_on") > on).fill_null(False)
        part = part.with_columns(
            **{a: pl.when(todo).then(pl.col(b)).otherwise(pl.col(a)) for a, b in FIXES.items()},
            home_code=pl.when(todo & pl.col("village_before").ne_missing(pl.col("village_code")))
            .then(pl.coalesce("village_before", "township_code"))
            .otherwise(pl.col("home_code")),
        )
    part = part.collect()
    m = (pl.min_horizontal(pl.col("end_full").fill_null(on), pl.lit(on)) - pl.col("start_date")).dt.total_days() + 1
    months = (m / 30.4).clip(0, 12).round(1)
    return part.with_columns(
        end_date=pl.when(pl.col("end_full") <= on).then(pl.col("end_full")),
        months_employed=months,
        income_yuan=(pl.col("wage") * months).round().cast(pl.Int64),
    ).select([pl.col(c.name).cast(c.dtype) for c in schema.COLUMNS] + [pl.col(k) for k in keep])


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directories (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def write_snapshot(
    frame: pl.DataFrame,
    root: Path,
    on: dt.date,
    extra_files: dict[str, bytes] | None = None,
    derived: bool = True,
    threads: int | None = None,
) -> Path:
    """Write records + rollup + every derived file (+ e.g. a manifest) to a staging directory and move it into place.

    A new date is a plain rename. Re-writing a date exchanges the two directories atomically, so a reader
    opening the snapshot's files at any moment finds the old or the new one, never nothing and never a mix
    (files it already has open stay readable). Staging lives outside snapshots/ so no glob ever sees it.
    The next week's diff (against this week) is rebuilt afterwards. `derived=False` leaves the derived files
    to be built on first use (the generator's old weeks, written two at a time, each with `threads=1`).
    """
    from queries import build_rollup
    from queries import derived as dv

    snaps = root / "snapshots"
    snaps.mkdir(parents=True, exist_ok=True)
    staging = root / ".staging"
    staging.mkdir(exist_ok=True)
    dv.clean_staging(root)
    final = snaps / f"snapshot_date={on.isoformat()}"
    tmp = staging / f"{on.isoformat()}-{os.getpid()}-{time.monotonic_ns()}"
    tmp.mkdir()
    try:
        # zstd level 1: as small as the default level here (hashed record ids dominate), a third faster to write
        frame.write_parquet(tmp / "records.parquet", compression="zstd", compression_level=1, row_group_size=131_072)
        build_rollup(tmp / "records.parquet", tmp / "rollup_village.parquet", threads=threads)
        if derived:
            dv.build_into(tmp, on, dv.previous_input(on, root), _subsidy_variants(on, root))
        for name, data in (extra_files or {}).items():
            (tmp / name).write_bytes(data)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if final.exists():
        if _exchange(tmp, final):
            shutil.rmtree(tmp)  # now holds the old snapshot
        else:  # no renameat2: a short window without the directory remains
            old = staging / f"old-{tmp.name}"
            final.rename(old)
            tmp.rename(final)
            shutil.rmtree(old)
    else:
        tmp.rename(final)
    if derived:
        dv.rebuild_next(on, root)
    return final


def _subsidy_variants(day: dt.date, root: Path) -> dict:
    """The active policy's subsidy file for a week (a broken policy file is left for the page to report)."""
    from queries import subsidy_variant
    from tracker import subsidy

    try:
        policy = subsidy.load()
    except (OSError, ValueError, KeyError):
        return {}
    rules, left = [{"key": r.key, **r.params()} for r in policy.rules], subsidy.months_left(day)
    return {"subsidy": {subsidy_variant(rules, left): {"rules": rules, "months_left": left}}}


def generate(out: Path, today: dt.date, scale: float = 1.0, progress: Progress | None = None, weeks: int | None = None) -> dict:
    """Quotas + both years' weekly snapshots into `out`. Returns counts and timings.

    `weeks` keeps only the last N Fridays of this year and the same weeks last year (benchmarks at
    national scale); None writes every Friday.
    """
    if REGION != "54":  # the demo's quotas, destinations and ledgers are Tibet's (published targets, real counties)
        raise TrackerError(
            f"演示数据只按西藏自治区生成；本部署服务的省份为 {REGION}，请导入该省的台账。",
            f"The demo data exist for Tibet only; this deployment serves province {REGION}: load its ledgers.",
        )
    t0 = time.perf_counter()
    say = progress or (lambda f, msg: None)
    h = hierarchy.load()
    out.mkdir(parents=True, exist_ok=True)
    quotas = demo_quotas.build_years(h, today.year)
    quotas.write_csv(out / "quotas.csv")
    plan = [(y, fridays(y, today)) for y in (today.year - 1, today.year)]
    if weeks:
        kept = set(last_weeks([d for _, days in plan for d in days], weeks))
        plan = [(y, [d for d in days if d in kept]) for y, days in plan]
    total_snaps = sum(len(f) for _, f in plan)
    done, rows, persons, lock = [0], [0], {}, threading.Lock()

    def count(n: int) -> int:
        with lock:
            rows[0] += n
            done[0] += 1
            return done[0]

    def one(d: dt.date, recs: pl.DataFrame, threads: int | None = 1) -> None:
        frame = snapshot_frame(recs, d)
        write_snapshot(frame, out, d, derived=False, threads=threads)  # two weeks at a time: one DuckDB thread each
        say(count(frame.height) / total_snaps, f"{d.isoformat()}: {frame.height:,} 条记录 / records")

    def year_ledger(year: int) -> pl.DataFrame:
        say(done[0] / total_snaps, f"{year}: 生成全年台账 / building the year's ledger")
        recs = placements(h, quotas, year, scale, current_year=today.year, keep_ids=year == today.year)
        persons[year] = recs.filter(pl.col("id_check_ok"))["person_key"].n_unique()
        return recs

    (ly, ly_days), (cy, cy_days) = plan
    # polars and DuckDB release the GIL while working: two threads keep both cores busy. The week before this year's
    # latest is written first: the latest arrives as the counties' files on top of it (the longest job), while the
    # other weeks of both years are written.
    with ThreadPoolExecutor(max_workers=2) as pool:
        sub, jobs = None, []
        if cy_days:
            recs = year_ledger(cy)
            if len(cy_days) > 1:
                one(cy_days[-2], recs, threads=None)  # alone, before the pool: both cores
            from tracker import demo_weeks

            def latest_week(recs=recs, day=cy_days[-1]) -> None:
                demo_weeks.submit_week(recs, day, out, today, key=DEMO_KEY, progress=lambda f, m: say(done[0] / total_snaps, m))
                n = pl.scan_parquet(out / "snapshots" / f"snapshot_date={day.isoformat()}" / "records.parquet")
                count(n.select(pl.len()).collect().item())

            sub = pool.submit(latest_week)
            jobs += [pool.submit(one, d, recs) for d in cy_days[:-2]]
        recs_ly = year_ledger(ly)
        jobs += [pool.submit(one, d, recs_ly) for d in ly_days]
        for j in [*jobs, *([sub] if sub else [])]:
            j.result()
    from tracker import demo_weeks

    demo_weeks.demo_reports(out, today)  # the units' own figures (填报指标) for the year so far
    # the analyst pages' year-on-year view reads the same week last year: prebuild its dimension rollup
    if plan[1][1]:
        latest = plan[1][1][-1]
        _prebuild_dims(out, [d for d in plan[0][1] if d == latest - dt.timedelta(days=364)], full=False)
    return {"snapshots": total_snaps, "rows": rows[0], "persons": persons, "seconds": time.perf_counter() - t0}


def _prebuild_dims(root: Path, days: list[dt.date], full: bool = True) -> None:
    """Derived files of these snapshots (dimension rollup; with `full` also person incomes and the week diff)."""
    import queries

    with settings.using_data_dir(root):
        for d in days:
            queries.ensure_dims_rollup(d)
            if full:
                queries.ensure_cross(d)
                queries.ensure_dq(d)
                queries.ensure_rates(d)
                queries.ensure_medians(d)
                queries.ensure_diff_prev(d)
                _prebuild_subsidy(d)


def _prebuild_subsidy(day: dt.date) -> None:
    """The active policy's subsidy file; a broken policy file is left for the page to report."""
    from tracker import subsidy

    try:
        policy = subsidy.load()
    except (OSError, ValueError, KeyError):
        return
    subsidy.ensure_file(day, policy)


def ensure_demo(progress: Progress | None = None) -> dict | None:
    """Generate the demo data into the data directory when it has no snapshots yet."""
    snaps = settings.snapshots_dir()
    if snaps.exists() and any(p.name.startswith("snapshot_date=") for p in snaps.iterdir()):
        return None
    return generate(settings.data_dir(), settings.today(), float(settings.SETTINGS["demo_scale"].get()), progress)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=settings.data_dir())
    ap.add_argument("--today", type=dt.date.fromisoformat, default=settings.today())
    ap.add_argument("--scale", type=float, default=float(settings.SETTINGS["demo_scale"].get()))
    ap.add_argument("--if-missing", action="store_true", help="do nothing when snapshots already exist")
    a = ap.parse_args(argv)
    snaps = a.out / "snapshots"
    if a.if_missing and snaps.exists() and any(p.name.startswith("snapshot_date=") for p in snaps.iterdir()):
        print(f"demo data present in {a.out}", file=sys.stderr)
        return 0
    if argv is None and __name__ == "__main__":
        _with_allocator()  # only when there is something to generate (make run checks at every start)
    print(f"generating demo data into {a.out} (first start, about a minute) …", file=sys.stderr)
    # the directory written is the data directory: its store (submission history of the demo's latest week) goes
    # under it too, unless TRACKER_STORE_URL names another
    os.environ["TRACKER_DATA_DIR"] = str(a.out.resolve())
    last = [0.0]

    def bar(frac: float, msg: str) -> None:
        if frac - last[0] >= 0.02 or frac >= 1:
            last[0] = frac
            filled = int(frac * 30)
            print(f"\r[{'#' * filled}{'.' * (30 - filled)}] {frac:5.1%} {msg:<45}", end="", file=sys.stderr)

    try:
        r = generate(a.out, a.today, a.scale, bar)
    except TrackerError as e:
        print(f"{e.zh}\n{e.en}", file=sys.stderr)
        return 2
    print(f"\n{r['snapshots']} snapshots, {r['rows']:,} rows, persons {r['persons']}, {r['seconds']:.1f} s", file=sys.stderr)
    return 0


# polars' allocator gives freed memory back to the system after 0.5–1 s (the defaults polars sets); the generator
# frees and takes again the same few hundred MB for each of its 101 weeks, and those page faults cost 20 s of system
# time. Kept 30 s: 88–92 s of CPU instead of 100 s (and 4–6 s less wall time) for about 1 GB more at the peak
# (3.4–3.6 GB), measured on 2026-12-04. The allocator reads its settings when polars is first imported (polars writes
# its defaults into the variable then, with any value already there appended, which wins): hence a fresh process.
ALLOCATOR = ("_RJEM_MALLOC_CONF", "dirty_decay_ms:30000,muzzy_decay_ms:30000")
REEXEC = "TRACKER_GENERATE_ALLOCATOR"  # set in the fresh process: never a second exec


def _with_allocator() -> None:
    """Run this command again in a fresh process with the allocator setting (interpreter flags kept). A setting of
    the user's own comes after ours, so it wins."""
    if os.environ.get(REEXEC):
        return
    key, ours = ALLOCATOR
    theirs = os.environ.get(key, "").split(",")
    theirs = [x for x in theirs if x and x not in ("dirty_decay_ms:500", "muzzy_decay_ms:1000")]  # polars' own defaults
    env = {**os.environ, REEXEC: "1", key: ",".join([ours, *theirs])}
    os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], env)


if __name__ == "__main__":
    raise SystemExit(main())
