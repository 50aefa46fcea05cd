"""County submissions (报送): a file set replaces exactly its counties' records for a week.

Counties send their ledgers one by one over several days. The week's snapshot is the union of each
county's latest accepted submission; a county that has not submitted yet keeps the previous week's
records, carried forward and marked so (cumulative numbers do not drop to zero because a file is late).
The state of every county for the week is kept in the week's manifest (`counties`).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl

SUBMITTED, CARRIED = "submitted", "carried"


def counting_units(df: pl.DataFrame) -> pl.DataFrame:
    """Each person counts once, in the village (township without a village) of their first-reported placement;
    recomputed over the whole week, so a person reported by two counties keeps one counting unit."""
    return df.sort("reported_date", "record_id").with_columns(
        home_code=pl.coalesce("village_code", "township_code").first().over("person_key"))


def _manifest(part: Path) -> dict:
    try:
        return json.loads((part / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def merge(new: pl.DataFrame, day: dt.date, data_dir: Path, when: str, user: str,
          replace_week: bool = False) -> tuple[pl.DataFrame, dict[str, dict]]:
    """(the week's records after this submission, every county's state for the week).

    `new` holds the submission's accepted rows (snapshot columns). Its counties replace their own rows; every other
    county's rows stay as they were this week, or come forward from the previous week when the county has not
    submitted for this week yet. `replace_week` makes the submission the whole week (the old behaviour).
    """
    from queries.derived import partition, previous

    mine = sorted(new["county_code"].unique().to_list())
    state = {c: {"status": SUBMITTED, "time": when, "user": user, "rows": int((new["county_code"] == c).sum()),
                 "this_run": True} for c in mine}
    if replace_week:
        return counting_units(new), state
    part = partition(day, data_dir)
    base, before = None, {}
    if (part / "records.parquet").exists():
        base, before = pl.read_parquet(part / "records.parquet"), _manifest(part).get("counties", {})
    else:
        prev = previous(day, data_dir)
        if prev is not None:
            base = pl.read_parquet(partition(prev, data_dir) / "records.parquet")
            before = {c: {"status": CARRIED, "from": prev.isoformat()} for c in base["county_code"].unique().to_list()}
    if base is None:
        return counting_units(new), state
    keep = base.filter(~pl.col("county_code").is_in(mine)).select(new.columns)
    for c in keep["county_code"].unique().to_list():
        was = before.get(c) or {"status": SUBMITTED, "time": None}  # a week ingested before submissions were kept
        state[c] = {k: v for k, v in was.items() if k != "this_run"}
    clash = new["record_id"].is_in(keep["record_id"].implode())  # a ledger id another county uses too
    new = new.with_columns(record_id=pl.when(clash).then(pl.col("record_id") + "#" + pl.col("county_code"))
                           .otherwise(pl.col("record_id")))
    out = counting_units(pl.concat([keep, new.select(keep.columns)]))
    return out.sort("county_code", "township_code", "village_code", "record_id", nulls_last=True), dict(sorted(state.items()))


def week_state(day: dt.date, data_dir: Path | None = None) -> dict[str, dict]:
    """Every county's state for the week, from its manifest (empty for demo weeks without one)."""
    from queries.derived import partition

    return _manifest(partition(day, data_dir)).get("counties", {})
