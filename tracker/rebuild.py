"""Rebuild every derived file of a data directory, week by week, and remove files of older builder versions.

    python -m tracker.rebuild [--data-dir DIR] [--week YYYY-MM-DD]

Each file is written to a temporary name and renamed into place, so the app may keep serving meanwhile.
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
    for i, d in enumerate(todo):
        say(i / max(1, len(todo)), f"{d.isoformat()}")
        part = dv.partition(d, root)
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
    return {"weeks": len(todo), "removed": removed, "seconds": time.perf_counter() - t0}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=settings.data_dir())
    ap.add_argument("--week", type=dt.date.fromisoformat, action="append", default=None)
    a = ap.parse_args(argv)

    def bar(frac: float, msg: str) -> None:
        filled = int(frac * 30)
        print(f"\r[{'#' * filled}{'.' * (30 - filled)}] {frac:5.1%} {msg:<20}", end="", file=sys.stderr)

    r = rebuild(a.data_dir, a.week, bar)
    print(f"\n{r['weeks']} weeks rebuilt, {r['removed']} old files removed, {r['seconds']:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
