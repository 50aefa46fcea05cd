"""The analyst pages' numbers: named queries over one snapshot's records, with the shared slices.

Persons are counted in their counting unit exactly as on the overview, so with no slice the
totals here equal the overview's (a test checks it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from queries import (
    cached,
    ensure_cross,
    ensure_diff_prev,
    ensure_dims_rollup,
    ensure_dq,
    ensure_medians,
    ensure_rates,
    run,
    snapshot_file,
)
from tracker import catalogue
from tracker.catalogue import CHANNEL, DIMENSIONS
from tracker.dispatch import child_len, weekly_query


@dataclass(frozen=True)
class Slice:
    """Optional analyst slices shared by all analyst pages (and kept in the URL)."""

    channels: tuple[str, ...] = ()
    group: str | None = None

    def params(self) -> dict:
        return {"channels": list(self.channels) or None, "grp": self.group}

    def active(self) -> bool:
        return bool(self.channels or self.group)

    @staticmethod
    def parse(ch: str | None, grp: str | None) -> Slice:
        chans = tuple(c for c in (ch or "").split(",") if c in CHANNEL.values)
        return Slice(chans, grp if grp in catalogue.groups() else None)


def with_area_row(df: pl.DataFrame, area: str) -> pl.DataFrame:
    """The area's own row is always there: an area with no rows this week gets zeros (and no median), so
    every page shows 0 instead of failing on a missing row."""
    counts = [c for c, t in df.schema.items() if t.is_numeric() and not c.startswith("median")]
    if df.filter(pl.col("is_area")).height:  # a sum over no rows is null: zero it
        return df.with_columns([pl.when(pl.col("is_area")).then(pl.col(c).fill_null(0)).otherwise(pl.col(c)).alias(c) for c in counts])
    row = {c: area if c == "unit_code" else True if c == "is_area" else 0 if t.is_numeric() else None for c, t in df.schema.items()}
    for c in ("median_income", "median_per_month"):
        if c in row:
            row[c] = None
    return pl.concat([pl.DataFrame([row], schema=df.schema), df])


def _common(area: str, day: dt.date, sl: Slice) -> dict:
    return {"path": snapshot_file(day), "area": area, "child_len": child_len(area), **sl.params()}


def measures(area: str, day: dt.date, sl: Slice = Slice(), raw: bool = False) -> pl.DataFrame:
    """Base measures per child unit; from the weekly series unless a slice is on (identical, tested)."""
    if sl.active() or raw:
        return with_area_row(cached("unit_measures_raw", **_common(area, day, sl)), area)
    wk = cached(weekly_query(area), area=area, child_len=child_len(area), from_date=day, to_date=day)
    return with_area_row(wk.drop("snapshot_date"), area)


def by_dimension(area: str, day: dt.date, dim: str, sl: Slice = Slice(), raw: bool = False) -> pl.DataFrame:
    """Persons per value of a dimension; from the snapshot's dimension rollup unless a slice is on."""
    if sl.active() or raw:
        return cached("slice_counts", idents={"dim": dim}, **_common(area, day, sl))
    if dim not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dim!r}")
    return cached("slice_counts_rollup", dims_path=ensure_dims_rollup(day), dim=dim, area=area, child_len=child_len(area))


def _rollup(area: str, day: dt.date, dim: str) -> pl.DataFrame:
    return cached("slice_counts_rollup", dims_path=ensure_dims_rollup(day), dim=dim, area=area, child_len=child_len(area))


def groups(area: str, day: dt.date, sl: Slice = Slice(), raw: bool = False) -> pl.DataFrame:
    if sl.active() or raw:
        r = cached("group_profile", **_common(area, day, sl)).select("unit_code", "is_area", "key_group", "persons", "organized", "income")
    else:
        r = _rollup(area, day, "key_group").rename({"value": "key_group"})
    units = with_area_row(r.select("unit_code", "is_area").unique(), area)
    full = units.join(pl.DataFrame({"key_group": list(catalogue.group_labels())}), how="cross")  # nobody: 0
    return (
        full.join(r, on=["unit_code", "is_area", "key_group"], how="left")
        .select("unit_code", "is_area", "key_group", *[pl.col(c).fill_null(0) for c in ("persons", "organized", "income")])
        .sort([pl.col("is_area").not_(), "unit_code", "key_group"])
    )


def bands(area: str, day: dt.date, sl: Slice = Slice(), raw: bool = False, median: bool = True) -> pl.DataFrame:
    """Persons by months band per unit; the median income (not additive: read from the records) only if asked."""
    if sl.active() or raw:
        return with_area_row(cached("person_bands", **_common(area, day, sl)), area)
    r = _rollup(area, day, "months_band")
    wide = r.pivot(on="value", index=["unit_code", "is_area"], values="persons").fill_null(0)
    keys = [b.key for b in catalogue.MONTHS_BANDS]
    for c in keys:
        if c not in wide.columns:
            wide = wide.with_columns(pl.lit(0, dtype=pl.Int64).alias(c))
    inc = r.group_by("unit_code").agg(pl.col("income").sum(), pl.col("persons").sum())
    med = income_medians(area, day) if median else r.select("unit_code").unique().with_columns(median_income=pl.lit(None, dtype=pl.Float64))
    out = (
        wide.join(inc, on="unit_code")
        .join(med, on="unit_code", how="left")
        .select("unit_code", "is_area", "persons", *keys, "income", "median_income")
        .sort([pl.col("is_area").not_(), "unit_code"])
    )
    return with_area_row(out, area)


def unit_medians(area: str, day: dt.date) -> pl.DataFrame:
    """Median income per person and per record-month of the area and its child units (precomputed per snapshot)."""
    return cached("unit_median_values", medians_path=ensure_medians(day), area=area, child_len=child_len(area))


def income_medians(area: str, day: dt.date) -> pl.DataFrame:
    return unit_medians(area, day).select("unit_code", "median_income")


def income_hist(area: str, day: dt.date, sl: Slice = Slice(), bin_yuan: int = 2000, nbins: int = 15, raw: bool = False) -> pl.DataFrame:
    if sl.active() or raw or (bin_yuan, nbins) != (2000, 15):
        p = _common(area, day, sl)
        p.pop("child_len")
        return cached("income_hist", bin=bin_yuan, nbins=nbins, **p)
    r = _rollup(area, day, "income_bin").filter(pl.col("is_area"))
    out = r.select(pl.col("value").cast(pl.Int64).alias("bin"), "persons").sort("bin")
    return out.select(
        "bin",
        (pl.col("bin") * bin_yuan).alias("lower"),
        pl.when(pl.col("bin") < nbins - 1).then((pl.col("bin") + 1) * bin_yuan).alias("upper"),
        "persons",
    )


def _is_previous(a: dt.date, b: dt.date) -> bool:
    from queries.derived import previous

    return previous(b) == a


def changes(area: str, a: dt.date, b: dt.date, raw: bool = False) -> pl.DataFrame:
    """Per unit counts of new / late / ended / restated / removed records between two snapshots; against the
    previous week (the default) from the snapshot's precomputed diff."""
    if not raw and _is_previous(a, b):
        return cached("changes_summary_fast", diff_path=ensure_diff_prev(b), area=area, child_len=child_len(area))
    return cached("changes_summary", path_a=snapshot_file(a), path_b=snapshot_file(b), date_a=a, area=area, child_len=child_len(area))


def changes_list(area: str, a: dt.date, b: dt.date, kind: str | None = None, limit: int = 500, raw: bool = False) -> pl.DataFrame:
    if not raw and _is_previous(a, b):
        return cached("changes_list_fast", diff_path=ensure_diff_prev(b), area=area, kind=kind, limit=limit)
    return cached("changes_list", path_a=snapshot_file(a), path_b=snapshot_file(b), date_a=a, area=area, kind=kind, limit=limit)


class RecordFilter:
    """The records view's filter: one value per parameter of the catalogue's filters (`catalogue.filters()`), None =
    off. Built from keyword arguments named like the parameters without `f_` (e.g. channel=[…], income_min=…)."""

    def __init__(self, **kw):
        names = [p.removeprefix("f_") for p in catalogue.filter_params()]
        unknown = set(kw) - set(names)
        if unknown:
            raise TypeError(f"unknown record filters: {sorted(unknown)}")
        self._v = {n: kw.get(n) for n in names}

    def __getattr__(self, name: str):
        try:
            return self.__dict__["_v"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __eq__(self, other) -> bool:
        return isinstance(other, RecordFilter) and self.params() == other.params()

    def __repr__(self) -> str:
        return f"RecordFilter({', '.join(f'{k}={v!r}' for k, v in self._v.items() if v is not None)})"

    def params(self) -> dict:
        out = {}
        for k, v in self._v.items():
            if isinstance(v, (list, tuple)):
                v = list(v) or None
            if isinstance(v, str):
                v = v.strip() or None
            out[f"f_{k}"] = v
        return out


SORTABLE = (
    "record_id",
    "id_masked",
    "gender",
    "birth_year",
    "education",
    "prefecture_code",
    "county_code",
    "township_code",
    "village_code",
    "dest_scope",
    "dest_province_code",
    "dest_prefecture_code",
    "organized",
    "channel",
    "job_source",
    "industry",
    "start_date",
    "end_date",
    "reported_date",
    "months_employed",
    "income_yuan",
    "trained",
    "training_type",
)


def records(
    area: str,
    day: dt.date,
    sl: Slice,
    flt: RecordFilter,
    sort: str = "record_id",
    direction: str = "asc",
    page: int = 0,
    page_size: int = 50,
) -> pl.DataFrame:
    p = _common(area, day, sl)
    p.pop("child_len")
    return run(
        "records_page",
        idents={"sort": sort if sort in SORTABLE else "record_id", "direction": "desc" if direction == "desc" else "asc"},
        limit=page_size,
        offset=max(0, page) * page_size,
        **p,
        **flt.params(),
    )


def records_count(area: str, day: dt.date, sl: Slice, flt: RecordFilter, raw: bool = False) -> tuple[int, int]:
    """(records, persons) behind the records view; unfiltered, straight from the rollup (no distinct count)."""
    if not raw and not sl.active() and all(v is None for v in flt.params().values()):
        top = measures(area, day).filter(pl.col("is_area"))
        return int(top["records"][0]), int(top["persons"][0])
    p = _common(area, day, sl)
    p.pop("child_len")
    r = cached("records_count", **p, **flt.params())
    return int(r["records"][0]), int(r["persons"][0])


def dq_units(area: str, day: dt.date) -> pl.DataFrame:
    return with_area_row(cached("dq_units", dq_path=ensure_dq(day), area=area, child_len=child_len(area)), area)


def dq_cross_county(area: str, day: dt.date, raw: bool = False) -> pl.DataFrame:
    return cached("dq_cross_county", path=snapshot_file(day) if raw else ensure_cross(day), area=area)


def dq_outliers(area: str, day: dt.date, floor: int = 20_000, factor: float = 10.0, limit: int = 500, raw: bool = False) -> pl.DataFrame:
    if raw:
        return cached("dq_outliers", path=snapshot_file(day), area=area, floor=floor, factor=factor, limit=limit)
    med = unit_medians(area, day).filter(pl.col("unit_code") == area)["median_per_month"]
    if med.is_empty() or med[0] is None:  # nobody in the area: the plain query answers (empty)
        return cached("dq_outliers", path=snapshot_file(day), area=area, floor=floor, factor=factor, limit=limit)
    return cached("dq_outliers_above", rates_path=ensure_rates(day), area=area, limit_yuan=max(float(floor), factor * med[0]), limit=limit)


def national_check(day: dt.date) -> dict | None:
    """The national registry's last check of this province's week (tracker/registry.py), or None."""
    from tracker import registry, settings

    return registry.checked(day, settings.data_dir())


def national_counts(area: str, check: dict) -> dict:
    """{"persons", "placements"} of the area that count in another province (aggregates: any role)."""
    return run("national_elsewhere_counts", path=check["path"], area=area).to_dicts()[0]


def national_elsewhere(area: str, check: dict) -> pl.DataFrame:
    """The area's reports that count in another province (person-level rows: the records right)."""
    return run("national_elsewhere", path=check["path"], area=area)
