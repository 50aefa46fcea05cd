"""Bound parameters for every named query of the catalogue on the fixture (tests/fixture.py): the determinism and
the Spark tests run each query with these. A new query without an entry here fails `test_every_query_has_sample_params`."""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
from pathlib import Path

import queries
from tests import fixture as F


def rules() -> tuple[list[dict], float]:
    """The shipped Tibet policy's rules as the subsidy builder takes them, and the months left on the fixture's week."""
    from tracker import subsidy

    policy = subsidy.load("tibet_2020")
    return [{"key": r.key, **r.params()} for r in policy.rules], subsidy.months_left(F.CUR)


def records(day: dt.date = F.CUR) -> str:
    return queries.snapshot_file(day)


@functools.cache
def national() -> Path:
    """The fixture's national root (tests/fixture.national), resolved once: the registry's queries read its files."""
    from tracker import registry

    root = F.national(Path(tempfile.mkdtemp(prefix="national-")))
    registry.resolve(root, F.CUR)
    return root


def params(name: str) -> list[tuple[dict, dict]]:
    """(identifiers, parameters) of each run of query `name` (the fixture's data directory must be in use)."""
    cur, prev = records(F.CUR), records(F.PREV)
    rs, left = rules()
    one_scope = {"path": cur, "channels": None, "grp": None}
    sliced = {"path": cur, "channels": ["government", "dispatch_company"], "grp": "women"}
    no_filters = dict.fromkeys(queries.catalogue()["records_count"].params - {"path", "area", "channels", "grp"})
    some_filters = {**no_filters, "f_county": "5403", "f_months_min": 1.0}
    diff = {"path_a": prev, "path_b": cur, "date_a": F.PREV}
    areas = [("54", 4), ("540329", 9)]
    table = {
        "changes_list": [({}, {**diff, "area": a, "kind": k, "limit": 100}) for a, _ in areas for k in (None, "new")],
        "changes_list_fast": [({}, {"diff_path": queries.ensure_diff_prev(F.CUR), "area": "54", "kind": None, "limit": 100})],
        "changes_summary": [({}, {**diff, "area": a, "child_len": n}) for a, n in areas],
        "changes_summary_fast": [({}, {"diff_path": queries.ensure_diff_prev(F.CUR), "area": a, "child_len": n}) for a, n in areas],
        "cross_records": [({}, {"path": cur})],
        "diff_prev": [({}, diff)],
        "dq_cross_county": [({}, {"path": cur, "area": "54"})],
        "dq_outliers": [({}, {"path": cur, "area": "54", "floor": 0.0, "factor": 0.5, "limit": 100})],
        "dq_outliers_above": [({}, {"rates_path": queries.ensure_rates(F.CUR), "area": "54", "limit_yuan": 500.0, "limit": 100})],
        "dq_units": [({}, {"dq_path": queries.ensure_dq(F.CUR), "area": a, "child_len": n}) for a, n in areas],
        "dq_village": [({}, {"path": cur, "snapshot": F.CUR})],
        "group_profile": [({}, {**s, "area": a, "child_len": n}) for s in (one_scope, sliced) for a, n in areas],
        "income_hist": [({}, {**s, "area": "54", "bin": 2000, "nbins": 10}) for s in (one_scope, sliced)],
        "income_median": [({}, {**s, "area": a, "child_len": n}) for s in (one_scope, sliced) for a, n in areas],
        "measures_by_week": [({}, {"area": a, "child_len": n, "from_date": F.LY_SAME, "to_date": F.CUR}) for a, n in areas],
        "measures_by_week_series": [
            ({}, {"area": a, "child_len": n, "from_date": F.LY_SAME, "to_date": F.CUR}) for a, n in [*areas, ("540102002", 12)]
        ],
        "unit_series": [({}, {})],
        "person_bands": [({}, {**s, "area": a, "child_len": n}) for s in (one_scope, sliced) for a, n in areas],
        "quota_table": [({}, {"area": "54"})],
        "quotas_for": [({}, {"area": a, "child_len": n, "year": 2026}) for a, n in areas],
        "rates": [({}, {"path": cur})],
        "records_count": [({}, {**s, **f, "area": "54"}) for s in (one_scope, sliced) for f in (no_filters, some_filters)],
        "records_page": [
            ({"sort": c, "direction": d}, {**one_scope, **f, "area": "54", "limit": 50, "offset": 0})
            for c in ("income_yuan", "county_code", "end_date")
            for d in ("asc", "desc")
            for f in (no_filters, some_filters)
        ],
        "national_elsewhere": [({}, {"path": str(_elsewhere("54")), "area": a}) for a, _ in areas],
        "national_elsewhere_counts": [({}, {"path": str(_elsewhere("54")), "area": a}) for a, _ in areas],
        "registry_national": [({}, {"path": str(_week() / "reports" / "*.parquet")})],
        "registry_reports": [({}, {"path": cur, "province": "54"})],
        "registry_summary": [({}, {"path": str(_week() / "reports" / "*.parquet"), "elsewhere": str(_week() / "elsewhere.parquet")})],
        "reported_by_week": [({}, {"area": a, "child_len": n, "dates": [F.PREV, F.CUR]}) for a, n in areas],
        "reported_history": [({}, {"area": "54", "year": 2026})],
        "rollup_dims": [({}, {"path": cur})],
        "rollup_village": [({}, {"path": cur})],
        "slice_counts": [({"dim": d}, {**one_scope, "area": "54", "child_len": 4}) for d in ("channel", "industry", "education")],
        "slice_counts_rollup": [
            ({}, {"dims_path": queries.ensure_dims_rollup(F.CUR), "area": a, "child_len": n, "dim": d})
            for a, n in areas
            for d in ("channel", "key_group", "months_band")
        ],
        "subsidy_records": [({}, {"path": cur, "area": "54", **{k: v for k, v in r.items() if k != "key"}}) for r in rs],
        "subsidy_units": [({}, {"sub_path": queries.ensure_subsidy(F.CUR, rs, left), "area": a, "child_len": n}) for a, n in areas],
        "subsidy_village": [({}, {"path": cur, "rules": rs, "months_left": left})],
        "unit_measures_raw": [({}, {**s, "area": a, "child_len": n}) for s in (one_scope, sliced) for a, n in areas],
        "unit_median_values": [({}, {"medians_path": queries.ensure_medians(F.CUR), "area": a, "child_len": n}) for a, n in areas],
        "unit_medians": [({}, {"path": cur})],
    }
    return table[name]


def _week() -> Path:
    from tracker import registry

    return registry.week_dir(national(), F.CUR)


def _elsewhere(province: str) -> Path:
    return national() / f"province={province}" / "national" / f"snapshot_date={F.CUR}.parquet"


def run(name: str, idents: dict, params: dict):
    """One query as a polars frame: through `queries.run` (scope checks and all), builders straight on a cursor."""
    q = queries.catalogue()[name]
    if "builder" not in q.tags:
        return queries.run(name, idents or None, **params)
    queries.check_params(q, params)
    cur = queries.connection().cursor()
    try:
        return cur.sql(q.render(idents or None), params=params).pl()
    finally:
        cur.close()


def view_statements() -> list[str]:
    """The statements `queries.create_views` runs for the current data directory (macros first)."""

    class Recorder:
        def __init__(self):
            self.stmts = []

        def execute(self, sql, *a):
            self.stmts.append(sql)

    rec = Recorder()
    queries.create_views(rec)
    return rec.stmts[1:]
