"""National scale: the person registry across provinces, and an app process's memory with provinces beside its own.

    python -m bench.national --demo DIR [--provinces 18] [--copies 1] [--engines duckdb,spark] [--out DIR]
    python -m bench.national --demo DIR --large-province 17 [--engines duckdb,spark]

Builds a national root from the demo's latest week: province=54 is the demo's files (linked), every other province a
copy of that week's records with the codes moved to the province, new person keys and record ids, and 1% of Tibet's
persons also reported by it (the same person key and start date, reported a day earlier for half of them and a day
later for the rest; a different 1% per province). Measures, each in a process of its own:
- the registry's resolve (tracker.registry) per engine: wall, CPU and peak memory of its processes (Spark's JVM too);
- an app process serving Tibet (the overview at region, cold): its time and peak memory with the other provinces
  under the same root and without them.
With --large-province K: one province's week of K times Tibet's records (its persons distinct per copy) and every
derived file of it built per engine (`tracker.build`), the build a province's platform runs each week.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parent.parent
CODES = ("prefecture_code", "county_code", "township_code", "village_code", "home_code")


def latest_week(demo: Path) -> dt.date:
    days = [p.name.split("=", 1)[1] for p in (demo / "snapshots").glob("snapshot_date=*") if (p / "records.parquet").exists()]
    return dt.date.fromisoformat(max(days))


def province_copy(week: pl.DataFrame, code: str, i: int, copies: int = 1) -> pl.DataFrame:
    """Tibet's week as province `code` would report it (`copies` times over, each with persons of its own); the i-th 1%
    of Tibet's persons reported by both."""
    if copies > 1:
        more = [province_copy(other_persons(week, k), code, 100) for k in range(1, copies)]
        return pl.concat([province_copy(week, code, i), *more])
    shared = (pl.col("person_key").hash(seed=7) % 100) == i
    earlier = (pl.col("person_key").hash(seed=11) % 2) == 0
    moved = {c: pl.lit(code) + pl.col(c).str.slice(2) for c in CODES}
    return week.with_columns(
        **moved,
        record_id=pl.lit(code) + pl.col("record_id"),
        person_key=pl.when(shared).then(pl.col("person_key")).otherwise(pl.col("person_key").hash(seed=int(code)).reinterpret(signed=True)),
        reported_date=pl.when(shared & earlier)
        .then(pl.col("reported_date") - pl.duration(days=1))
        .when(shared)
        .then(pl.col("reported_date") + pl.duration(days=1))
        .otherwise(pl.col("reported_date")),
    )


def tibet_into(demo: Path, root: Path) -> None:
    """ROOT/province=54: the demo's files linked, so that the registry's national/ lands here, not in the demo."""
    mine = root / "province=54"
    mine.mkdir(parents=True)
    for p in demo.resolve().iterdir():
        if p.name not in ("national", "state"):  # the store stays per copy: a bench never writes the demo's
            (mine / p.name).symlink_to(p, target_is_directory=p.is_dir())


def national_root(demo: Path, out: Path, n: int, copies: int = 1) -> tuple[Path, dt.date, int]:
    """ROOT/province=54: the demo; n − 1 other provinces with the latest week. Returns (root, week, rows in all)."""
    day = latest_week(demo)
    root = out / f"national-{n}"
    if root.exists():
        shutil.rmtree(root)
    tibet_into(demo, root)
    week = pl.read_parquet(demo / "snapshots" / f"snapshot_date={day}" / "records.parquet")
    nat = pl.read_csv(REPO / "data" / "regions" / "national.csv", schema_overrides={"code": pl.String})
    others = [c for c in nat.filter(pl.col("level") == 1)["code"].to_list() if c != "54"][: n - 1]
    rows = week.height
    for i, code in enumerate(others, start=1):
        part = root / f"province={code}" / "snapshots" / f"snapshot_date={day}"
        part.mkdir(parents=True)
        copy = province_copy(week, code, i, copies)
        copy.write_parquet(part / "records.parquet", compression="zstd", row_group_size=128 * 1024)
        rows += copy.height
    return root, day, rows


def large_province(demo: Path, out: Path, copies: int) -> tuple[Path, dt.date, int]:
    """A data directory of one large province: Tibet's latest week `copies` times over (each copy with persons and
    record ids of its own, in Tibet's units), with the demo's quotas. Returns (directory, week, records)."""
    from tracker.generate import write_snapshot

    day = latest_week(demo)
    d = out / f"province-x{copies}"
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    shutil.copy(demo / "quotas.csv", d / "quotas.csv")
    big = times_over(pl.read_parquet(demo / "snapshots" / f"snapshot_date={day}" / "records.parquet"), copies)
    write_snapshot(big, d, day, derived=False)  # the derived files: timed per engine below
    return d, day, big.height


def other_persons(week: pl.DataFrame, k: int) -> pl.DataFrame:
    """The k-th copy of a week with persons and record ids of its own (the same person in every week: the keys are a
    function of the original)."""
    return week.with_columns(
        person_key=pl.col("person_key").hash(seed=2000 + k).reinterpret(signed=True),
        record_id=pl.lit(f"x{k}-") + pl.col("record_id"),  # not a digit: no run of 18 digits that reads as an ID
    )


def times_over(week: pl.DataFrame, copies: int) -> pl.DataFrame:
    """One province's week `copies` times over (`other_persons`), sorted as the snapshot files are."""
    more = [other_persons(week, k) for k in range(1, copies)]
    return pl.concat([week, *more]).sort("county_code", "township_code", "village_code", "record_id")


def engine_cost(engine: str, call: str, say: str) -> tuple[float, float, float]:
    """`call` (its result printed) in a process of its own, said as `say` ({out}, {wall}, {cpu}, {mb}): wall, CPU,
    peak MB."""
    wall, cpu, mb, out = in_process("import datetime as dt;from pathlib import Path;from tracker import build, registry;" + call)
    print(f"  {engine}: " + say.format(out=out.strip(), wall=wall, cpu=cpu, mb=mb), flush=True)
    return wall, cpu, mb


def build_cost(data: Path, day: dt.date, engine: str) -> tuple[float, float, float]:
    """Every derived file of the week (`tracker.build`)."""
    call = f"print(len(build.build(Path({str(data)!r}),dt.date.fromisoformat({day.isoformat()!r}),{engine!r})))"
    return engine_cost(engine, call, "{out} files in {wall:.1f} s wall, {cpu:.1f} s CPU, {mb:.0f} MB peak")


def _tree(root: int) -> dict[int, tuple[float, float]]:
    """pid → (CPU seconds, resident MB) of `root` and every process below it, from /proc."""
    tick, page = os.sysconf("SC_CLK_TCK"), os.sysconf("SC_PAGE_SIZE")
    stats = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    f_ = f.read().rsplit(")", 1)[1].split()
                stats[int(d)] = (int(f_[1]), (int(f_[11]) + int(f_[12])) / tick, int(f_[21]) * page / 2**20)
            except (OSError, IndexError, ValueError):
                continue
    out, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            out[pid] = stats[pid][1:]
            todo += [p for p, st in stats.items() if st[0] == pid]
    return out


def in_process(code: str, env: dict | None = None) -> tuple[float, float, float, str]:
    """Run `code` in a fresh Python: (wall s, CPU s of it and every process it starts (Spark's JVM too), the peak of
    their resident memory together in MB, its stdout). Sampled from /proc every 0.2 s."""
    t = time.perf_counter()
    p = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, text=True)
    cpu: dict[int, float] = {}
    peak = 0.0
    while p.poll() is None:
        now = _tree(p.pid)
        for pid, (c, _) in now.items():
            cpu[pid] = c
        peak = max(peak, sum(mb for _, mb in now.values()))
        time.sleep(0.2)
    out = p.stdout.read()
    if p.returncode != 0:
        raise RuntimeError(f"{code[:80]}… failed")
    return time.perf_counter() - t, sum(cpu.values()), peak, out


def resolve_cost(root: Path, day: dt.date, engine: str) -> tuple[float, float, float]:
    shutil.rmtree(root / "national", ignore_errors=True)  # every province published again: the whole cost
    call = (
        f"s=registry.resolve(Path({str(root)!r}),dt.date.fromisoformat({day.isoformat()!r}),engine={engine!r});"
        "print(int(s['persons_elsewhere'].sum()))"
    )
    return engine_cost(engine, call, "{wall:.1f} s wall, {cpu:.1f} s CPU, {mb:.0f} MB peak; persons counted elsewhere {out}")


def app_cost(data_dir: Path, day: dt.date) -> tuple[float, float]:
    from bench.__main__ import cold_ms

    return cold_ms(data_dir, "overview", "54", day)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.national", description=__doc__.split("\n\n")[0])
    ap.add_argument("--demo", type=Path, required=True, help="a generated demo (python -m tracker.generate --out DIR)")
    ap.add_argument("--provinces", type=int, default=18)
    ap.add_argument("--copies", type=int, default=1, help="each other province reports this many times Tibet's week")
    ap.add_argument("--engines", default="duckdb,spark")
    ap.add_argument("--out", type=Path, default=Path("/tmp/tracker-bench"))
    ap.add_argument("--large-province", type=int, default=0, metavar="K", help="instead: one province of K× Tibet's week, built per engine")
    a = ap.parse_args(argv)
    t = time.perf_counter()
    if a.large_province:
        d, day, rows = large_province(a.demo, a.out, a.large_province)
        print(f"large province {d}: week {day}, {rows:,} records, written in {time.perf_counter() - t:.0f} s")
        print(f"every derived file of the week ({os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}):")
        for engine in a.engines.split(","):
            build_cost(d, day, engine)
        return 0
    root, day, rows = national_root(a.demo, a.out, a.provinces, a.copies)
    print(f"national root {root}: {a.provinces} provinces, week {day}, {rows:,} records, written in {time.perf_counter() - t:.0f} s")
    print(f"registry resolve ({os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}):")
    for engine in a.engines.split(","):
        resolve_cost(root, day, engine)
    alone = a.out / "national-1"
    if alone.exists():
        shutil.rmtree(alone)
    tibet_into(a.demo, alone)
    print("app process serving Tibet, overview at region (cold: connection and first run):")
    for label, d in ((f"{a.provinces} provinces under the root", root), ("Tibet alone", alone)):
        ms, mb = app_cost(d / "province=54", day)
        print(f"  {label}: {ms:.0f} ms, peak {mb:.0f} MB")
    here = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"bench.national done in {time.perf_counter() - t:.0f} s; {here:.0f} MB in this process (the copies)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
