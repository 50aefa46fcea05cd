"""Re-ingest one snapshot week of a data directory while the app serves it (the load test's partition swap).

    python -m bench.reingest --data-dir DIR --date 2026-11-20 [--mode ingest|rewrite] [--scale 0.02]

`ingest`: the generator's ledger export of that week (synthetic IDs, Chinese headers, names instead of codes:
`tracker.ledger`) at the data's scale goes through `tracker.ingest.main`, the command line and upload page's
code path: validation, hashing, `write_snapshot` (atomic directory exchange), derived files, manifest.
Needs a directory made by the generator at `--scale` (the numbers of that week change a little: rejected
rows). The ledger file is written next to the data directory and its path printed (`ledger: PATH`).

`rewrite`: the week's own records written again through `generate.write_snapshot` and its derived files
rebuilt: the same numbers, a new directory swapped in. Safe for any data directory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path


def rewrite(data_dir: Path, day: dt.date) -> None:
    import polars as pl

    from tracker import generate

    src = data_dir / "snapshots" / f"snapshot_date={day.isoformat()}" / "records.parquet"
    frame = pl.read_parquet(src)
    generate.write_snapshot(frame, data_dir, day)
    generate._prebuild_dims(data_dir, [day])


def write_ledger(data_dir: Path, day: dt.date, scale: float, today: dt.date) -> Path:
    from tracker import demo_quotas, generate, hierarchy, ledger

    h = hierarchy.load()
    quotas = demo_quotas.build_years(h, today.year)
    recs = generate.placements(h, quotas, day.year, scale, current_year=today.year, keep_ids=True)
    frame = generate.snapshot_frame(recs, day, keep=("id18",))
    out = data_dir.parent / f"{data_dir.name}-ledger-{day.isoformat()}.csv"
    return ledger.write(ledger.to_ledger(frame, h), out, day)


def fresh(path: Path, since: float) -> bool:
    return path.exists() and path.stat().st_mtime >= since - 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--date", type=dt.date.fromisoformat, required=True)
    ap.add_argument("--mode", choices=["ingest", "rewrite"], default="ingest")
    ap.add_argument("--scale", type=float, default=0.02)
    ap.add_argument("--today", type=dt.date.fromisoformat, default=None)
    a = ap.parse_args(argv)
    data_dir = a.data_dir.resolve()
    os.environ["TRACKER_DATA_DIR"] = str(data_dir)
    t0, started = time.perf_counter(), time.time()
    if a.mode == "rewrite":
        rewrite(data_dir, a.date)
        print(f"rewrote {a.date} in {time.perf_counter() - t0:.1f} s")
        return 0
    from tracker import generate, ingest, settings

    os.environ.setdefault("TRACKER_SECRET_KEY", generate.DEMO_KEY.decode())  # the generator's person keys
    path = write_ledger(data_dir, a.date, a.scale, a.today or settings.today())
    print(f"ledger: {path}", flush=True)
    t1 = time.perf_counter()
    code = ingest.main([str(path), "--snapshot-date", a.date.isoformat(), "--data-dir", str(data_dir), "--user", "load-test"])
    manifest = data_dir / "snapshots" / f"snapshot_date={a.date.isoformat()}" / "manifest.json"
    print(
        f"ledger {t1 - t0:.1f} s, ingest {time.perf_counter() - t1:.1f} s, exit {code}, "
        f"manifest {'written' if fresh(manifest, started) else 'MISSING'}"
    )
    # exit 1 = some rows rejected (the generator plants bad IDs); the snapshot is written all the same
    return 0 if code in (0, 1) and fresh(manifest, started) else 2


if __name__ == "__main__":
    sys.exit(main())
