"""App memory and the trend query against the number of weeks kept: the weekly rollups read from disk by the weeks a
query names (now) against the same rollups loaded into one in-memory table (before), side by side in one run.

    python -m bench.weeks --data /tmp/demo [--weeks 10 99 203 515]

Directories of N weekly snapshots are made from the demo's weeks of this year (symbolic links, repeated back in
time), so only the number of weeks changes. Each measurement is a fresh process: resident memory after the
connection is made (views and small tables loaded), and the trend query (`measures_by_week` over this year, as
the overview runs it) at the region, a prefecture, a county and a township: the first run and the median of four.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
AREAS = ("54", "5403", "540329", "540329100")
OLD_TABLE = (
    "create or replace table rollup as\nselect * from read_parquet({rollup}, hive_partitioning = true, "
    "hive_types = {{'snapshot_date': date}})\norder by snapshot_date, home_code;"
)
NEW_VIEW = (
    "create or replace view rollup as\nselect * from read_parquet({rollup}, hive_partitioning = true, "
    "hive_types = {{'snapshot_date': date}});"
)

CHILD = r"""
import json, os, sys, time, datetime as dt, pathlib
mode = sys.argv[1]
real = pathlib.Path.read_text
if mode == "table":  # the layout before: every week's rollup in one table per process
    def read_text(self, *a, **k):
        text = real(self, *a, **k)
        return text.replace(NEW_VIEW, OLD_TABLE) if self.name == "_views.sql" else text
    pathlib.Path.read_text = read_text
import queries
from tracker.dispatch import child_len
queries.set_scope(queries.SYSTEM)
def rss():
    return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) // 1024
t = time.perf_counter(); queries.connection(); connect = time.perf_counter() - t
out = {"connect_ms": connect * 1000, "rss_mb": rss(), "areas": {}}
days = queries.snapshot_dates(); last = days[-1]
for area in AREAS:
    ts = []
    for _ in range(5):
        t = time.perf_counter()
        queries.run("measures_by_week", area=area, child_len=child_len(area), from_date=dt.date(last.year, 1, 1), to_date=last)
        ts.append((time.perf_counter() - t) * 1000)
    out["areas"][area] = {"first_ms": ts[0], "median_ms": sorted(ts[1:])[1]}
out["rss_after_mb"] = rss()
print(json.dumps(out))
"""


def make_dir(src: Path, n: int, root: Path) -> Path:
    out = root / f"weeks{n}"
    shutil.rmtree(out, ignore_errors=True)
    (out / "snapshots").mkdir(parents=True)
    shutil.copy(src / "quotas.csv", out / "quotas.csv")
    weeks = sorted(p for p in (src / "snapshots").iterdir() if p.name.startswith("snapshot_date="))
    this_year = [w for w in weeks if w.name[14:18] == weeks[-1].name[14:18]]  # snapshot_date=YYYY-…
    last = dt.date.fromisoformat(weeks[-1].name.split("=")[1])
    for i in range(n):
        day = last - dt.timedelta(days=7 * i)
        w = this_year[-1 - (i % len(this_year))]
        part = out / "snapshots" / f"snapshot_date={day.isoformat()}"
        part.mkdir()
        for f in ("records.parquet", "rollup_village.parquet"):
            os.symlink(w / f, part / f)
    return out


def measure(data: Path, mode: str) -> dict:
    code = f"NEW_VIEW = {NEW_VIEW!r}\nOLD_TABLE = {OLD_TABLE!r}\nAREAS = {AREAS!r}\n" + CHILD
    env = {**os.environ, "TRACKER_DATA_DIR": str(data), "PYTHONPATH": str(REPO), "TRACKER_PREBUILD": "0"}
    r = subprocess.run([sys.executable, "-c", code, mode], env=env, capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f"{mode} at {data}: {r.stderr[-2000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="a generated demo directory")
    ap.add_argument("--weeks", type=int, nargs="+", default=[10, 99, 203, 515])
    a = ap.parse_args(argv)
    text = (REPO / "queries" / "_views.sql").read_text(encoding="utf-8")
    assert NEW_VIEW in text, "the bench's idea of _views.sql is out of date"
    print("| weeks kept | layout | memory after connect | connect | trend query, region (first / median) | county | township |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in a.weeks:
            d = make_dir(a.data, n, Path(tmp))
            for mode, label in (("table", "one table of every week (before)"), ("view", "read by week (now)")):
                m = measure(d, mode)
                ar = m["areas"]
                cells = " | ".join(f"{ar[k]['first_ms']:.0f} / {ar[k]['median_ms']:.0f} ms" for k in ("54", "540329", "540329100"))
                print(f"| {n} | {label} | {m['rss_mb']} MB | {m['connect_ms']:.0f} ms | {cells} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
