"""Derived per-snapshot files: what each one is built from, its version, and building it safely.

Each file declares its inputs (its own week's records; the diff also the previous week's) and is named
by a hash of the SQL that builds it (and of the shared macros), so a changed builder writes a new file
and an old one is never read. A week's files are built in the staging directory with the records and
swap into place together; writing a week also rebuilds the next week's diff. Files missing for an old
week are built on first use, and a file built while its partition was swapped is thrown away.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import threading
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb

from tracker import settings


@dataclass(frozen=True)
class Derived:
    kind: str
    stem: str
    query: str
    inputs: tuple[str, ...] = ("records",)  # "records" = its own week, "previous" = the week before

    def params(self, records: str, day: dt.date, prev: tuple[str, dt.date] | None) -> dict | None:
        """Bound parameters for the builder; None where an input is missing (a diff of the first week)."""
        if self.kind == "diff_prev":
            return None if prev is None else {"path_a": prev[0], "path_b": records, "date_a": prev[1]}
        if self.kind == "dq":
            return {"path": records, "snapshot": day}
        return {"path": records}


DERIVED = {
    d.kind: d
    for d in [
        Derived("rollup_dims", "rollup_dims", "rollup_dims"),
        Derived("cross", "cross_records", "cross_records"),
        Derived("dq", "dq_village", "dq_village"),
        Derived("rates", "rates", "rates"),
        Derived("medians", "unit_medians", "unit_medians"),
        Derived("diff_prev", "diff_prev", "diff_prev", ("records", "previous")),
        Derived("subsidy", "subsidy", "subsidy_village"),  # one file per policy: the variant is a hash of its rules
    ]
}
HERE = Path(__file__).parent


@cache
def version(kind: str) -> str:
    """A hash of the builder's SQL and the macros it may use, as expanded from the catalogue: part of the file
    name."""
    from queries import catalogue, macros_sql

    d = DERIVED[kind]
    text = catalogue()[d.query].sql + macros_sql()  # expanded: a new key group or measure is a new version
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def file_name(kind: str, variant: str = "") -> str:
    if kind == "records":
        return "records.parquet"
    if kind == "rollup_village":
        return "rollup_village.parquet"
    return f"{DERIVED[kind].stem}_{version(kind)}" + (f"_{variant}" if variant else "") + ".parquet"


def partition(day: dt.date, root: Path | None = None) -> Path:
    return (root or settings.data_dir()) / "snapshots" / f"snapshot_date={day.isoformat()}"


def previous(day: dt.date, root: Path | None = None, dates: list[dt.date] | None = None) -> dt.date | None:
    """The one definition of "the previous snapshot": the latest one before `day` in the same year. A year's ledger
    starts empty, so the first week of a year has none (no week-to-week change, no carried counties)."""
    from queries import snapshot_dates

    earlier = [d for d in (snapshot_dates(root) if dates is None else dates) if d < day and d.year == day.year]
    return earlier[-1] if earlier else None


def following(day: dt.date, root: Path | None = None) -> dt.date | None:
    """The snapshot whose previous one is `day` (the next week of the same year), if any."""
    from queries import snapshot_dates

    later = [d for d in snapshot_dates(root) if d > day and d.year == day.year]
    return later[0] if later else None


def previous_input(day: dt.date, root: Path | None = None) -> tuple[str, dt.date] | None:
    """The previous week's records path and date (the diff's second input), or None for the first week."""
    prev = previous(day, root)
    return (str(partition(prev, root) / "records.parquet"), prev) if prev else None


def _write(out: Path, query: str, params: dict, staging: Path) -> Path:
    """Build into a temporary file under `staging`; the caller moves it into place."""
    staging.mkdir(parents=True, exist_ok=True)
    tmp = staging / f".{out.stem}-{os.getpid()}-{threading.get_ident()}-{time.monotonic_ns()}.parquet"
    try:
        build_rollup(None, tmp, query, params)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def build_into(part: Path, day: dt.date, prev: tuple[str, dt.date] | None, variants: dict | None = None) -> None:
    """Every derived file of one week into `part` (a staging directory before the swap, or the live one)."""
    records = str(part / "records.parquet")
    for kind, d in DERIVED.items():
        if kind == "subsidy":
            continue
        params = d.params(records, day, prev)
        if params is not None:
            out = part / file_name(kind)
            os.replace(_write(out, d.query, params, part), out)
    for variant, extra in (variants or {}).get("subsidy", {}).items():
        out = part / file_name("subsidy", variant)
        os.replace(_write(out, "subsidy_village", {"path": records, **extra}, part), out)


def ensure(day: dt.date, kind: str, variant: str = "", extra: dict | None = None) -> str:
    """The file, built on first use if missing; safe against a partition swap while it is built."""
    part = partition(day)
    out = part / file_name(kind, variant)
    for attempt in range(3):
        if out.exists():
            return str(out)
        try:
            ino = part.stat().st_ino
        except FileNotFoundError:
            break
        prev = previous_input(day) if "previous" in DERIVED[kind].inputs else None
        params = DERIVED[kind].params(str(part / "records.parquet"), day, prev)
        if params is None:
            return ""
        try:
            tmp = _write(out, DERIVED[kind].query, {**params, **(extra or {})}, settings.data_dir() / ".staging")
        except duckdb.Error:
            try:
                same = part.stat().st_ino == ino
            except FileNotFoundError:
                same = False
            if attempt == 2 or same:
                raise  # not a swap under the build: the file itself is bad
            time.sleep(0.1)  # the week was swapped while it was read: build from the new one
            continue
        try:
            if part.stat().st_ino == ino:  # still the partition it was built from
                os.replace(tmp, out)
                return str(out)
        except FileNotFoundError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return str(out)  # the reader gets the usual "cannot read data file" message


def rebuild_next(day: dt.date, root: Path) -> dt.date | None:
    """After `day` was (re)written: the next week's diff is against the new `day`, so rebuild it."""
    nxt = following(day, root)
    if nxt is None:
        return None
    part = partition(nxt, root)
    d = DERIVED["diff_prev"]
    out = part / file_name("diff_prev")
    params = d.params(str(part / "records.parquet"), nxt, (str(partition(day, root) / "records.parquet"), day))
    os.replace(_write(out, d.query, params, part), out)
    return nxt


def clean_staging(root: Path, older_than_s: float = 3600) -> int:
    """Remove temporary files and directories left by a crashed writer (older than an hour)."""
    import shutil

    n = 0
    now = time.time()
    places = [root / ".staging", *(p for p in (root / "snapshots").glob("snapshot_date=*") if p.is_dir())]
    for place in places:
        if not place.is_dir():
            continue
        for e in place.iterdir():
            is_tmp = place.name == ".staging" or e.name.startswith(".")
            try:
                if is_tmp and now - e.stat().st_mtime > older_than_s:
                    shutil.rmtree(e) if e.is_dir() else e.unlink()
                    n += 1
            except FileNotFoundError:
                continue
    return n


# ---------------------------------------------------------------- building and finding the files (the pages' side)


def ensure_dims_rollup(day: dt.date) -> str:
    """Per counting unit × dimension value."""
    return ensure(day, "rollup_dims")


def ensure_cross(day: dt.date) -> str:
    """The records of persons reported by more than one county (the cross-county table reads only these)."""
    return ensure(day, "cross")


def ensure_dq(day: dt.date) -> str:
    """Data-quality counts per reporting unit (the freshness and completeness table sums these)."""
    return ensure(day, "dq")


def ensure_rates(day: dt.date) -> str:
    """Every record with its income per month, sorted by it (the income outlier list)."""
    return ensure(day, "rates")


def ensure_medians(day: dt.date) -> str:
    """Median income per person and per record-month of every unit at every level (not additive, so kept whole)."""
    return ensure(day, "medians")


def subsidy_variant(rules: list[dict], months_left: float) -> str:
    import json

    return hashlib.sha256(json.dumps([rules, months_left], sort_keys=True, default=str).encode()).hexdigest()[:12]


def ensure_subsidy(day: dt.date, rules: list[dict], months_left: float) -> str:
    """Persons meeting each rule of one policy per counting unit (the subsidy page sums these). The rules'
    conditions are part of the file name, so a changed policy file gets a new file."""
    return ensure(day, "subsidy", subsidy_variant(rules, months_left), {"rules": rules, "months_left": months_left})


def ensure_diff_prev(day: dt.date) -> str | None:
    """The diff against the previous snapshot (the week-to-week page's default), or None for the first one."""
    return ensure(day, "diff_prev") or None


def build_rollup(
    records: Path | None, out: Path, name: str = "rollup_village", params: dict | None = None, threads: int | None = None
) -> None:
    """Write a rollup of one snapshot file (per counting unit; used by the generator, ingest and on demand).
    `threads=1` where the caller already runs one build per core (a quarter less CPU than two threads each)."""
    import duckdb

    from queries import _sq, catalogue, check_params, create_macros

    q = catalogue()[name]
    params = params if params is not None else {"path": str(records)}
    check_params(q, params)
    cur = duckdb.connect(config={"threads": threads} if threads else {})
    cur.execute("set enable_progress_bar = false")
    try:
        create_macros(cur)
        cur.execute(f"copy ({q.render().rstrip().rstrip(';')}) to '{_sq(out)}' (format parquet, compression zstd)", params)
    finally:
        cur.close()
