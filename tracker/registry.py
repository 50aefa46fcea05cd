"""The national person registry: a placement reported by two provinces counts once in the country.

    python -m tracker.registry --root ROOT [--week 2026-11-20] [--engine duckdb|spark] [--lang zh|en]

A national deployment keeps one data directory per province under one root, so that a province's app hosts read
(and, on object storage, pull) their own province only, and an app process's memory depends on its province:

    ROOT/province=54/                       Tibet's data directory (snapshots/, submissions/, quotas.csv, …)
    ROOT/province=63/                       another province's
    ROOT/national/snapshot_date=D/          the registry of week D: reports/XX.parquet (each province's counted
                                            placements, a few columns, no ID), elsewhere.parquet, summary.parquet

The rule is the one a province's ledger applies between its counties (`submissions.counting_units`), across
provinces: a placement (person key and start date) counts once in the country, in the province that reported it
first; a person counts once, where their first-reported placement is (ties: the smaller record id, then the smaller
province code). Each province keeps counting its own reports against its own quotas; the registry says which of them
count elsewhere in the national total, and writes them back into the province's own directory
(`national/snapshot_date=D.parquet` and `.json`), where its quality page lists them. Person keys must be made with one
national key (the same `TRACKER_SECRET_KEY_FILE` in every province): the registry compares keys, never ID numbers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import hashlib
import json
import os
import re
import sys
import time
from pathlib import Path

import polars as pl

from tracker.audit import BEIJING

PROVINCE_DIR = re.compile(r"^province=(\d{2})$")
NATIONAL = "national"


def provinces(root: Path) -> dict[str, Path]:
    """Province code → its data directory under the national root."""
    out = {}
    for p in sorted(Path(root).iterdir()) if Path(root).is_dir() else []:
        m = PROVINCE_DIR.match(p.name)
        if m and p.is_dir():
            out[m.group(1)] = p
    return out


def _records(data_dir: Path, day: dt.date) -> Path:
    return data_dir / "snapshots" / f"snapshot_date={day.isoformat()}" / "records.parquet"


def signature(records: Path) -> str:
    """What a week's records file was when checked: its SHA-256, remembered per file version (a restatement can keep
    the size and the row count)."""
    st = records.stat()
    return _digest(str(records), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=64)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def week_dir(root: Path, day: dt.date) -> Path:
    return Path(root) / NATIONAL / f"snapshot_date={day.isoformat()}"


def _atomic(out: Path, write) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}-{time.monotonic_ns()}.part")
    try:
        write(tmp)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def _build(name: str, params: dict, out: Path, engine: str = "duckdb") -> None:
    from tracker import build

    out.parent.mkdir(parents=True, exist_ok=True)
    build.build_file(engine, build.Job(name, name, params, out.name), out)  # atomic: a temporary name renamed


def publish(root: Path, province: str, day: dt.date, engine: str = "duckdb") -> bool:
    """Write the province's counted placements of the week into the registry, unless already there for the same
    records file (its signature beside, in reports/XX.json). True if written."""
    rec = _records(provinces(root)[province], day)
    out = week_dir(root, day) / "reports" / f"{province}.parquet"
    sig_file = out.with_suffix(".json")
    sig = signature(rec)
    if out.exists() and sig_file.exists() and json.loads(sig_file.read_text(encoding="utf-8")).get("signature") == sig:
        return False
    _build("registry_reports", {"path": str(rec), "province": province}, out, engine)
    _atomic(sig_file, lambda tmp: tmp.write_text(json.dumps({"signature": sig}), encoding="utf-8"))
    return True


def resolve(root: Path, day: dt.date, progress=None, engine: str = "duckdb") -> pl.DataFrame:
    """Apply the national rule to every province that has week `day`; write the registry's files and each
    province's own file. Returns the summary (one row per province). `engine`: duckdb, or spark (tracker.build's
    session: a cluster where `TRACKER_SPARK_MASTER` says so)."""
    root = Path(root)
    say = progress or (lambda msg: None)
    every = provinces(root)
    have = {p: d for p, d in every.items() if _records(d, day).exists()}
    if not have:
        raise FileNotFoundError(f"no province under {root} has the week {day}")
    wd = week_dir(root, day)
    reports = wd / "reports"
    sigs = {}
    for p in sorted(have):
        t = time.perf_counter()
        wrote = publish(root, p, day, engine)
        sigs[p] = json.loads((reports / f"{p}.json").read_text(encoding="utf-8"))["signature"]  # as the rule reads it
        say(f"{p}: {'published' if wrote else 'unchanged'} in {time.perf_counter() - t:.1f} s")
    if len(have) < len(every):
        say(f"without the week {day}: {', '.join(sorted(set(every) - set(have)))} (not checked against them)")
    for stale in reports.glob("*.parquet"):  # a province whose week was withdrawn since
        if stale.stem not in have:
            stale.unlink()
            stale.with_suffix(".json").unlink(missing_ok=True)
    glob = str(reports / "*.parquet")
    t = time.perf_counter()
    _build("registry_national", {"path": glob}, wd / "elsewhere.parquet", engine)
    _build("registry_summary", {"path": glob, "elsewhere": str(wd / "elsewhere.parquet")}, wd / "summary.parquet", engine)
    say(f"national rule in {time.perf_counter() - t:.1f} s")
    away = pl.scan_parquet(wd / "elsewhere.parquet")
    checked = dt.datetime.now(BEIJING).isoformat(timespec="seconds")
    for p, d in have.items():
        out = d / NATIONAL / f"snapshot_date={day.isoformat()}.parquet"
        mine = (  # the province is the directory's: no column of that name (Spark would read one from the path)
            away.filter(pl.col("province") == p)
            .with_columns(
                placement_elsewhere=pl.col("first_province") != pl.col("province"),
                person_elsewhere=pl.col("home_province") != pl.col("province"),
            )
            .drop("province", "national_home")  # the other province's village is not this province's business
            .collect()
        )
        _atomic(out, lambda tmp, mine=mine: mine.write_parquet(tmp, compression="zstd"))
        note = {"checked_at": checked, "provinces": sorted(have), "signature": sigs[p]}
        _atomic(out.with_suffix(".json"), lambda tmp, note=note: tmp.write_text(json.dumps(note), encoding="utf-8"))
    return pl.read_parquet(wd / "summary.parquet")


def resolve_remote(uri: str, day: dt.date, progress=None, engine: str = "duckdb") -> pl.DataFrame:
    """`resolve` for a national root on object storage (s3://bucket/prefix with province=XX/ prefixes, each a
    province's data location as tracker.objstore publishes it): each province's committed week is fetched into a
    temporary directory, the rule runs there, and the registry's files go back to `national/` and to each province's
    own `national/` (which its hosts then pull with the rest of their province, and nothing of another's)."""
    import tempfile

    from tracker import objstore

    base, fs = objstore.bucket_path(uri), objstore.filesystem()
    say = progress or (lambda msg: None)
    codes = _remote_provinces(fs, base)
    with tempfile.TemporaryDirectory(prefix="registry-") as tmp:
        root = Path(tmp)
        for p in codes:
            t = time.perf_counter()
            # the rule reads each province's records only, not the week's derived files (most of its bytes)
            got = objstore.pull(root / f"province={p}", f"s3://{base}/province={p}", weeks={day}, tops=set(), names={"records.parquet"})
            say(f"{p}: fetched {got['files']} files in {time.perf_counter() - t:.1f} s")
        s = resolve(root, day, progress, engine)
        ups = [(f, f.relative_to(root).as_posix()) for f in (root / NATIONAL).rglob("*") if f.is_file()]
        for p, d in provinces(root).items():
            ups += [(f, f"province={p}/{NATIONAL}/{f.name}") for f in (d / NATIONAL).glob(f"snapshot_date={day.isoformat()}.*")]
        for f, rel in ups:
            fs.put_file(str(f), f"{base}/{rel}")
        here = {rel for _, rel in ups}
        prefix = f"{base}/{week_dir(Path(''), day).as_posix()}/reports/"
        try:  # a province whose week was withdrawn since: its old reports go, as they do on a disk
            for key in fs.find(prefix):
                if key[len(base) + 1 :] not in here:
                    fs.rm_file(key)
        except FileNotFoundError:
            pass
    return s


def _remote_provinces(fs, base: str) -> list[str]:
    try:
        entries = fs.ls(base, detail=False)
    except FileNotFoundError:  # an empty or missing prefix
        return []
    return sorted(m.group(1) for e in entries if (m := PROVINCE_DIR.match(e.rstrip("/").rsplit("/", 1)[-1])))


def remote_latest_week(uri: str) -> dt.date | None:
    from tracker import objstore

    base, fs = objstore.bucket_path(uri), objstore.filesystem()
    days = [d for p in _remote_provinces(fs, base) for d in objstore.remote_weeks(f"s3://{base}/province={p}")]
    return max(days, default=None)


def checked(day: dt.date, data_dir: Path) -> dict | None:
    """The last national check of this province's week, or None where none was made (a one-province deployment):
    {"path", "checked_at", "provinces", "stale": the week was written again since}."""
    out = Path(data_dir) / NATIONAL / f"snapshot_date={day.isoformat()}.parquet"
    try:
        note = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not out.exists():
        return None
    rec = _records(Path(data_dir), day)
    stale = not rec.exists() or signature(rec) != note.get("signature")
    return {"path": str(out), "checked_at": note.get("checked_at", ""), "provinces": note.get("provinces", []), "stale": stale}


def checked_text(check: dict, lang: str = "zh") -> str:
    """When the national check ran, as a page says it: 12月4日 15:55."""
    from tracker import fmt

    if not check.get("checked_at"):
        return "—"
    when = dt.datetime.fromisoformat(check["checked_at"]).astimezone(BEIJING)  # as the app says times
    return f"{fmt.date(when.date(), lang)} {when:%H:%M}"


def elsewhere_view(rows: pl.DataFrame, h, lang: str = "zh") -> pl.DataFrame:
    """The rows of `national_elsewhere` (unit names already in) as the quality page and its export show them."""
    from tracker.exports import for_people

    zh = lang == "zh"
    names = {p: h.name(p, lang) for p in {*rows["first_province"], *rows["home_province"]}}
    prov = lambda c: pl.col(c).replace_strict(names, default=pl.col(c))
    cols = ["county_code", "township_code", "record_id", "start_date", "reported_date"]
    out = for_people(rows.select(*cols, prov("first_province"), "first_reported", prov("home_province")), lang)
    return out.rename(
        {
            "first_province": "该次就业计入省份" if zh else "Placement counts in",
            "first_reported": "首次报送录入时间" if zh else "First reported on",
            "home_province": "该人计入省份" if zh else "Person counts in",
        }
    )


def summary_text(s: pl.DataFrame, lang: str = "zh") -> str:
    """The summary as a tab-separated table for the terminal, each column in one unit, the country last."""
    from tracker import fmt, hierarchy

    h = hierarchy.load()
    zh = lang == "zh"
    cols = [  # (column, zh header, en header, unit)
        ("placements", "报送就业记录", "Placements", "条"),
        ("placements_elsewhere", "其中外省先报", "First reported elsewhere", "条"),
        ("placements_counted", "全国计入记录", "Counted", "条"),
        ("persons", "报送人数", "Persons", "人"),
        ("persons_elsewhere", "其中计入外省", "Counted elsewhere", "人"),
        ("persons_counted", "全国计入人数", "Counted", "人"),
    ]
    names = [h.name(p, lang) for p in s["province"]] + ["全国" if zh else "Country"]
    body = [names] + [fmt.column("count", [*s[c].to_list(), int(s[c].sum())], lang, unit) for c, _, _, unit in cols]
    head = ["省份" if zh else "Province"] + [z if zh else e for _, z, e, _ in cols]
    return "\n".join("\t".join(r) for r in [head, *zip(*body, strict=True)])


def latest_week(root: Path) -> dt.date | None:
    days = None
    for d in provinces(root).values():
        parts = (d / "snapshots").glob("snapshot_date=*")
        mine = {dt.date.fromisoformat(p.name.split("=", 1)[1]) for p in parts if (p / "records.parquet").exists()}
        days = mine if days is None else days | mine  # the latest any province has
    return max(days) if days else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tracker.registry", description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", required=True, help="the national root (a directory or s3://bucket/prefix): one province=XX/ each")
    ap.add_argument("--week", type=dt.date.fromisoformat, help="the week (default: the latest any province has)")
    ap.add_argument("--lang", choices=("zh", "en"), default="zh")
    ap.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb", help="what runs the rule (as tracker.build)")
    a = ap.parse_args(argv)
    remote = a.root.startswith("s3://")
    day = a.week or (remote_latest_week(a.root) if remote else latest_week(Path(a.root)))
    if day is None:
        print(f"{a.root}: no province=XX/ data directory with a week", file=sys.stderr)
        return 2
    t = time.perf_counter()
    try:
        say = lambda m: print(m, file=sys.stderr, flush=True)
        s = resolve_remote(a.root, day, say, a.engine) if remote else resolve(Path(a.root), day, say, a.engine)
    except FileNotFoundError as e:
        print(str(e), file=sys.stderr)
        return 2
    print(summary_text(s, a.lang))
    print(f"{day}: {s.height} provinces in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
