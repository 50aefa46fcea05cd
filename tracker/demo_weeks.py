"""The demo's latest week, built the way a bureau builds it: every county sends its own export of the ledger
(xlsx or csv, Chinese headers, most without a 记录编号 column, some without 录入时间, rows in a different order each
week), and the files go through `tracker.ingest` submission by submission, on the days they arrive.

The story of the week (so that every part of the weekly workflow has something to show):
- Friday morning and afternoon the region's work group loads the files that have come in (two runs);
- 洛隆县's first file misses a township; its corrected file comes at 17:50 (a re-submission);
- 札达县 first sends a workbook whose ID column Excel turned into numbers (every row refused), then the right
  file on Monday (late);
- 双湖县 sends on Monday (late); 墨脱县 and 措勤县 send nothing (carried from last week).
Runs dated after `today` have not happened yet: their counties stay carried.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from tracker import hierarchy, ledger

WORK_GROUP = "自治区专班数据组"
RESUBMIT, REFUSED = "540329", "542522"  # 洛隆县, 札达县
LATE = {"540630": (3, "09:15"), REFUSED: (3, "10:40")}  # 双湖县, 札达县: Monday
MISSING = ("540423", "542527")  # 墨脱县, 措勤县
FIRST_RUN = ("5401", "5402", "5404", "5405")  # prefectures whose files are in by Friday morning


@dataclass(frozen=True)
class Run:
    when: dt.datetime
    user: str
    files: tuple[tuple[str, str], ...]  # (county, variant): "full", "no_township" or "numeric_ids"


def schedule(counties: list[str], day: dt.date, today: dt.date, names) -> list[Run]:
    """The week's submissions in the order they arrive (only those on or before `today`)."""
    regular = [c for c in counties if c not in LATE and c not in MISSING and c != RESUBMIT]
    friday = dt.datetime.combine(day, dt.time())
    runs = [
        Run(friday.replace(hour=11, minute=20), WORK_GROUP, tuple((c, "full") for c in regular if c.startswith(FIRST_RUN))),
        Run(
            friday.replace(hour=15, minute=10),
            WORK_GROUP,
            tuple((c, "full") for c in regular if not c.startswith(FIRST_RUN)) + ((RESUBMIT, "no_township"), (REFUSED, "numeric_ids")),
        ),
        Run(friday.replace(hour=17, minute=50), f"{names(RESUBMIT)}人社局", ((RESUBMIT, "full"),)),
    ]
    for c, (days, hhmm) in sorted(LATE.items(), key=lambda kv: kv[1]):
        h, m = (int(x) for x in hhmm.split(":"))
        runs.append(Run(friday + dt.timedelta(days=days, hours=h, minutes=m), f"{names(c)}人社局", ((c, "full"),)))
    return [r for r in runs if r.files and r.when.date() <= today]


def export(
    frame: pl.DataFrame, h: hierarchy.Hierarchy, county: str, day: dt.date, variant: str, folder: Path, i: int, xlsx: bool = False
) -> Path:
    """One county's export as its system writes it (`xlsx` or csv); `i` (its place in the list) picks the variation."""
    from tracker.generate import LEDGER_ID_PREFIX, SEED

    rows = frame.filter(pl.col("county_code") == county)
    if variant == "no_township":  # the first file misses the county's smallest township with anyone placed
        small = rows.group_by("township_code").len().sort("len", "township_code")["township_code"][0]
        rows = rows.filter(pl.col("township_code") != small)
    rng = np.random.default_rng(SEED + int(county) + day.toordinal())
    rows = rows[rng.permutation(rows.height)]  # another row order every week
    led = ledger.to_ledger(rows, h)
    if not county.startswith(LEDGER_ID_PREFIX):
        led = led.drop("记录编号")
    if i % 4 == 1:
        led = led.drop("录入时间")
    if i % 2:  # another column order
        cols = led.columns
        led = led.select(cols[:3] + cols[3:][::-1])
    name, stamp = h.name(county), f"{day:%m%d}"
    if variant == "numeric_ids":  # Excel turned the IDs into numbers: the last digits are gone
        led = led.with_columns(pl.col("公民身份号码").cast(pl.Float64, strict=False))
        return ledger.write(led, folder / f"{name}_{stamp}.xlsx", day)
    suffix = "_更正" if variant == "full" and county == RESUBMIT else ""
    base = [f"{name}_{stamp}{suffix}", f"{name}转移就业台账{day:%Y%m%d}{suffix}", f"{county}{name}第{day.isocalendar()[1]}周报送{suffix}"][
        i % 3
    ]
    if xlsx:
        return ledger.write(led, folder / f"{base}.xlsx", day)
    return ledger.write(led, folder / f"{base}.csv", day, encoding="gb18030" if i % 3 == 0 else "utf-8-sig")


def submit_week(recs: pl.DataFrame, day: dt.date, root: Path, today: dt.date, key: bytes, progress=None) -> list:
    """Write each county's file for `day` and ingest the week's submissions in order; the week's derived files are
    built once at the end. Returns each run's ingest result."""
    from tracker import ingest
    from tracker.generate import _prebuild_dims, snapshot_frame

    say = progress or (lambda f, m: None)
    h = hierarchy.load()
    frame = snapshot_frame(recs, day, keep=("id18",), ledger=True)
    sizes = dict(frame.group_by("county_code").len().iter_rows())
    counties = sorted(sizes)
    place = {c: i for i, c in enumerate(counties)}
    workbooks = set(sorted(counties, key=lambda c: (sizes[c], c))[:4])  # a few small counties send Excel files
    runs = schedule(counties, day, today, h.name)
    results = []
    folder = Path(tempfile.mkdtemp(prefix=".demo-exports-", dir=root))  # hidden: never part of the published data
    try:
        for n, run in enumerate(runs):
            say(n / max(1, len(runs)), f"{run.when:%m-%d %H:%M} {run.user}: {len(run.files)} 个县区报送 / submissions")
            files = [export(frame, h, c, day, v, folder, place[c], c in workbooks) for c, v in run.files]
            results.append(ingest.ingest(files, day, root, user=run.user, key=key, when=run.when, derived=False))
            for f in files:
                f.unlink(missing_ok=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    say(1.0, "派生文件 / derived files")
    _prebuild_dims(root, [day])
    return results


# the demo's reported figures (填报指标): 洛隆县 reports at each month's end, as a county bureau would
REPORT_PACE = [0.02, 0.05, 0.15, 0.30, 0.45, 0.55, 0.62, 0.70, 0.78, 0.86, 0.91, 1.0]  # share of the year by month end
LHORONG_YEAR = {"training_sessions": 1480, "urban_new_jobs": 470, "project_workers_total": 2900}


def demo_reports(root: Path, today: dt.date) -> int:
    """Month-end reports of the current year up to today, through `tracker.reported` (checked like any report):
    洛隆县 near its training target but short on the directed share, behind on urban jobs, its dispatch company set
    up in June, its transfer base not yet; 卡若区 reports urban jobs without a target."""
    from tracker import reported

    h = hierarchy.load()
    rows = []
    for m, share in enumerate(REPORT_PACE, start=1):
        day = (dt.date(today.year, m % 12 + 1, 1) if m < 12 else dt.date(today.year + 1, 1, 1)) - dt.timedelta(days=1)
        if day > today:
            break
        sessions = round(LHORONG_YEAR["training_sessions"] * share)
        workers = round(LHORONG_YEAR["project_workers_total"] * share)
        for unit, item, value in [
            ("540329", "training_sessions", sessions),
            ("540329", "training_directed", round(sessions * 0.31)),
            ("540329", "urban_new_jobs", round(LHORONG_YEAR["urban_new_jobs"] * share)),
            ("540329", "new_dispatch_companies", 1 if m >= 6 else 0),
            ("540329", "new_transfer_bases", 0),
            ("540329", "project_workers_total", workers),
            ("540329", "project_workers_local", round(workers * 0.638)),
            ("540302", "urban_new_jobs", round(330 * share)),
        ]:
            rows.append({"unit_code": unit, "item": item, "value": value, "as_of": day, "time": f"{day.isoformat()}T16:30:00"})
    out = reported.add(rows, "洛隆县人社局", "entry", h, "54", today, note="演示数据", data_dir=root)
    return out.accepted
