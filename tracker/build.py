"""Build every derived file of a week with DuckDB or Apache Spark.

    python -m tracker.build --engine spark --data DIR [--week 2026-11-20] [--out DIR]
    python -m tracker.build --engine duckdb --data s3://bucket/prefix [--week 2026-11-20]

The builders are the same named queries (`queries/*.sql`, `-- @builder`) on either engine: DuckDB runs them as the
app does (queries/derived.py); Spark runs their Spark SQL form (tracker/portable.py). Spark's place is the build on
a cluster a provincial data platform already runs (`TRACKER_SPARK_MASTER`, `local[*]` by default): it cannot serve
pages. Spark's executors write a result's rows (a per-record file of a large province does not fit the driver's
memory as one Arrow table), and the parts are then joined in their order into one Parquet file in whole row groups
(the driver holds at most two), so the app reads either engine's file the same way. The parts go to a directory
beside the file: on a cluster that is a path every executor and the driver see (a shared mount), as the records
they read must be.

With an s3:// location (tracker/objstore.py) the week and the week before are fetched into a temporary directory,
built there by either engine, and the new files are added to the week's generation in the object store; a week
restated meanwhile is left alone (its own ingest built its files) and reported as stale.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from queries import derived as dv

ENGINES = ("duckdb", "spark")


@dataclass(frozen=True)
class Job:
    """One derived file of a week: the builder query, its parameters and its file name in the partition."""

    kind: str
    query: str
    params: dict
    file: str


def jobs(root: Path, day: dt.date) -> list[Job]:
    """Every derived file of the week `day` under data directory `root`, as `write_snapshot` builds them (the rollup
    of the week too; the subsidy file of the active policy; no diff for the first week of a year)."""
    from tracker.generate import _subsidy_variants

    part = dv.partition(day, root)
    records = str(part / "records.parquet")
    out = [Job("rollup_village", "rollup_village", {"path": records}, dv.file_name("rollup_village"))]
    prev = dv.previous_input(day, root)
    for kind, d in dv.DERIVED.items():
        if kind == "subsidy":
            continue
        params = d.params(records, day, prev)
        if params is not None:
            out.append(Job(kind, d.query, params, dv.file_name(kind)))
    for variant, extra in _subsidy_variants(day, root).get("subsidy", {}).items():
        out.append(Job("subsidy", "subsidy_village", {"path": records, **extra}, dv.file_name("subsidy", variant)))
    return out


_spark = None


def spark_session(conf: dict[str, str] | None = None):
    """One SparkSession per process (starting one costs 10–30 s): the master from the settings, no UI. `conf` applies
    when the session starts (JVM options, e.g. the tests' for a short-lived JVM)."""
    global _spark
    if _spark is None:
        from pyspark.sql import SparkSession

        from tracker import settings

        warehouse = tempfile.mkdtemp(prefix="tracker-spark-")  # temporary views only: no spark-warehouse/ in the cwd
        builder = SparkSession.builder
        for k, v in (conf or {}).items():
            builder = builder.config(k, v)
        _spark = (
            builder.master(settings.SETTINGS["spark_master"].get())
            .appName("tracker-build")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.warehouse.dir", warehouse)
            .config("spark.driver.memory", settings.SETTINGS["spark_driver_memory"].get())
            # enough partitions for a province's week (a partition's aggregation must fit); adaptive execution
            # coalesces them again for a small one
            .config("spark.sql.shuffle.partitions", str(max(64, 4 * (os.cpu_count() or 2))))
            .config("spark.sql.ansi.enabled", "false")  # DuckDB's integer division and casts, not ANSI errors
            .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")  # not INT96: the files' readers' type
            .getOrCreate()
        )
        _spark.sparkContext.setLogLevel("ERROR")
    return _spark


def spark_views(jobs_: list[Job]) -> dict[str, str]:
    """The records files the jobs read, each read once and cached as a Spark view (every builder reads its week's
    records, several of them many times: rollup_dims scans them once per dimension). {file: view name}."""
    s = spark_session()
    views = {}
    for j in jobs_:
        for k, v in j.params.items():
            if k in ("path", "path_a", "path_b") and v not in views:
                views[v] = f"records_{len(views)}"
                s.read.parquet(v).cache().createOrReplaceTempView(views[v])
    return views


def drop_views(views: dict[str, str]) -> None:
    s = spark_session()
    for name in views.values():
        s.catalog.dropTempView(name)  # also releases the cached data


def build_file(engine: str, job: Job, out: Path, views: dict[str, str] | None = None) -> None:
    """Write one derived file (atomically: a temporary name renamed into place). Spark reads the records through
    `views` where given (see `spark_views`)."""
    tmp = out.with_name(f".{out.stem}-{os.getpid()}-{time.monotonic_ns()}.parquet")
    try:
        if engine == "duckdb":
            dv.build_rollup(None, tmp, job.query, job.params)
        elif engine == "spark":
            from tracker import portable

            spark_write(spark_session().sql(portable.query_sql(job.query, job.params, views=views)), tmp)
        else:
            raise ValueError(f"engine {engine!r}: one of {ENGINES}")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


ROW_GROUP = 122_880  # DuckDB's row group: the app prunes either engine's files alike


def spark_write(df, out: Path) -> None:
    """Write a Spark result as one Parquet file `out`: the executors write parts (in the order of the query's ORDER
    BY: part files are numbered by range partition), which are appended in that order in whole row groups, so the
    driver holds at most two row groups, not the result."""
    import shutil

    import pyarrow as pa
    import pyarrow.parquet as pq

    parts_dir = out.with_name(out.name + ".parts")
    try:
        df.write.mode("overwrite").option("compression", "zstd").parquet(str(parts_dir))
        # part-00000-<uuid>-c000.zstd.parquet: in the order of the range partitions (Spark writes partition 0's part
        # even for an empty result, so none here means the parts went where the driver cannot see them)
        parts = sorted(parts_dir.glob("part-*.parquet"), key=lambda f: int(f.name.split("-")[1]))
        if not parts or not (parts_dir / "_SUCCESS").exists():
            raise RuntimeError(f"Spark wrote no parts the driver can read under {parts_dir} (a path every executor must share)")
        schema = pq.read_schema(parts[0]).remove_metadata()  # not Spark's own row metadata
        with pq.ParquetWriter(out, schema, compression="zstd") as w:
            held, n = [], 0
            for part in parts:
                for batch in pq.ParquetFile(part).iter_batches(batch_size=ROW_GROUP):
                    held.append(batch)
                    n += batch.num_rows
                    if n >= ROW_GROUP:  # whole row groups out, the rest carried to the next part's rows
                        t = pa.Table.from_batches(held, schema)
                        whole = n // ROW_GROUP * ROW_GROUP
                        w.write_table(t.slice(0, whole), row_group_size=ROW_GROUP)
                        held, n = t.slice(whole).to_batches(), n - whole
            if held:
                w.write_table(pa.Table.from_batches(held, schema), row_group_size=ROW_GROUP)
    finally:
        shutil.rmtree(parts_dir, ignore_errors=True)


def build(root: Path, day: dt.date, engine: str = "duckdb", out: Path | None = None, kinds: set[str] | None = None) -> dict:
    """Build the week's derived files into `out` (default: the week's own partition). Returns {file name: seconds}."""
    target = out or dv.partition(day, root)
    target.mkdir(parents=True, exist_ok=True)
    times = {}
    todo = [j for j in jobs(root, day) if kinds is None or j.kind in kinds]
    views = spark_views(todo) if engine == "spark" else None
    try:
        for job in todo:
            t0 = time.perf_counter()
            build_file(engine, job, target / job.file, views)
            times[job.file] = time.perf_counter() - t0
    finally:
        if views:
            drop_views(views)
    return times


def build_remote(uri: str, day: dt.date, engine: str = "duckdb") -> dict:
    """Build the week's derived files from the object store and add them to it: {file name: seconds}, plus
    "_stale": True when the week was restated while building (nothing published then)."""
    from tracker import objstore, settings, store

    weeks = objstore.remote_weeks(uri)
    if day not in weeks:
        raise FileNotFoundError(f"no snapshot {day} under {uri}")
    prev = dv.previous(day, dates=weeks)
    with tempfile.TemporaryDirectory(prefix="tracker-build-") as tmp:
        root = Path(tmp)
        objstore.pull(root, uri, weeks={day} | ({prev} if prev else set()), tops={"quotas.csv", "policy", "regions"})
        with settings.using_data_dir(root):  # the week's policy and quotas are the store's, not this machine's
            times = build(root, day, engine)
        with store.writer_lock():  # checked and published while no submission publishes (the shared PostgreSQL store)
            res = objstore.push(root, uri, weeks={day})
    if day in res["stale"]:
        times["_stale"] = True
    return times


def main(argv: list[str] | None = None) -> int:
    from queries import snapshot_dates

    ap = argparse.ArgumentParser(prog="python -m tracker.build", description=__doc__.splitlines()[0])
    ap.add_argument("--engine", choices=ENGINES, default="duckdb")
    ap.add_argument("--data", required=True, help="data directory (with snapshots/) or s3://bucket/prefix")
    ap.add_argument("--week", type=dt.date.fromisoformat, help="snapshot date (default: every week)")
    ap.add_argument("--out", type=Path, help="write here instead of into the week's partition (comparisons)")
    a = ap.parse_args(argv)
    if a.data.startswith("s3://"):
        return _main_remote(a)
    a.data = Path(a.data)
    weeks = [a.week] if a.week else snapshot_dates(a.data)
    if not weeks or not all(dv.partition(w, a.data).is_dir() for w in weeks):
        print(f"no snapshot {a.week or ''} under {a.data}", file=sys.stderr)
        return 2
    for w in weeks:
        t0 = time.perf_counter()
        times = build(a.data, w, a.engine, a.out / f"snapshot_date={w.isoformat()}" if a.out else None)
        for name, s in times.items():
            print(f"{w} {a.engine} {name} {s:.2f} s")
        print(f"{w} {a.engine} total {time.perf_counter() - t0:.2f} s")
    return 0


def _main_remote(a) -> int:
    from tracker import objstore
    from tracker.errors import TrackerError

    if a.out:
        print("--out is for a local data directory", file=sys.stderr)
        return 2
    try:
        weeks = [a.week] if a.week else objstore.remote_weeks(a.data)
        if not weeks or not set(weeks) <= set(objstore.remote_weeks(a.data)):
            print(f"no snapshot {a.week or ''} under {a.data}", file=sys.stderr)
            return 2
        stale = 0
        for w in weeks:
            t0 = time.perf_counter()
            times = build_remote(a.data, w, a.engine)
            this = bool(times.pop("_stale", False))
            stale += this
            for name, s in times.items():
                print(f"{w} {a.engine} {name} {s:.2f} s")
            note = " (restated meanwhile: not published)" if this else ""
            print(f"{w} {a.engine} total {time.perf_counter() - t0:.2f} s{note}")
    except TrackerError as e:
        print(e.zh, file=sys.stderr)
        return 2
    return 3 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
