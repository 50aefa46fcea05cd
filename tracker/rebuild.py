"""Rebuild every derived file of a data directory, week by week, and remove files of older builder versions.

    python -m tracker.rebuild [--data-dir DIR] [--week YYYY-MM-DD]

Each file is written to a temporary name and renamed into place, so the app may keep serving meanwhile. Weeks written
by an older version are upgraded first: a records file without a column the schema now has (e.g. `counted`) gets it
(computed by the counting rules) and the week's rollup is rebuilt.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from tracker import settings


def rebuild(root: Path, weeks: list[dt.date] | None = None, progress=None) -> dict:
    from queries import derived as dv
    from queries import snapshot_dates
    from tracker.generate import _subsidy_variants

    say = progress or (lambda f, m: None)
    days = snapshot_dates(root)
    todo = [d for d in days if weeks is None or d in weeks]
    current = {dv.file_name(k, "").removesuffix(".parquet") for k in dv.DERIVED}
    removed = 0
    t0 = time.perf_counter()
    upgraded = 0
    for i, d in enumerate(todo):
        say(i / max(1, len(todo)), f"{d.isoformat()}")
        part = dv.partition(d, root)
        upgraded += upgrade(part)
        variants = _subsidy_variants(d, root)
        dv.build_into(part, d, dv.previous_input(d, root), variants)
        keep = current | {dv.file_name("subsidy", v).removesuffix(".parquet") for v in variants.get("subsidy", {})}
        for f in part.glob("*.parquet"):
            stem = f.stem
            if stem in ("records", "rollup_village") or stem in keep:
                continue
            f.unlink(missing_ok=True)  # an older builder version (or another policy's subsidy file)
            removed += 1
    say(1.0, "完成 / done")
    return {"weeks": len(todo), "removed": removed, "upgraded": upgraded, "seconds": time.perf_counter() - t0}


def upgrade(part: Path) -> int:
    """Bring one week's records and rollup to the current schema in place (1 if anything was rewritten)."""
    import os

    import polars as pl
    import pyarrow.parquet as pq

    from queries import build_rollup
    from tracker import schema
    from tracker.submissions import counting_units

    records = part / "records.parquet"
    have = set(pq.read_schema(records).names)
    rollup_ok = "records" in set(pq.read_schema(part / "rollup_village.parquet").names)
    if have >= set(schema.POLARS_SCHEMA) and rollup_ok:
        return 0
    if not have >= set(schema.POLARS_SCHEMA):
        df = counting_units(pl.read_parquet(records)).select([c.name for c in schema.COLUMNS])
        tmp = part / ".records-upgrade.parquet"
        df.write_parquet(tmp, compression="zstd", compression_level=1, row_group_size=131_072)
        os.replace(tmp, records)
    tmp = part / ".rollup-upgrade.parquet"
    build_rollup(records, tmp)
    os.replace(tmp, part / "rollup_village.parquet")
    return 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=settings.data_dir())
    ap.add_argument("--week", type=dt.date.fromisoformat, action="append", default=None)
    a = ap.parse_args(argv)

    def bar(frac: float, msg: str) -> None:
        filled = int(frac * 30)
        print(f"\r[{'#' * filled}{'.' * (30 - filled)}] {frac:5.1%} {msg:<20}", end="", file=sys.stderr)

    r = rebuild(a.data_dir, a.week, bar)
    print(
        f"\n{r['weeks']} weeks rebuilt ({r['upgraded']} upgraded to the current schema), {r['removed']} old files "
        f"removed, {r['seconds']:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
