"""Named queries: one `.sql` file per query, `$name` parameters, first `--` comment = docstring.

    from queries import run
    df = run("unit_measures", snapshot=d, area="5403", child_len=6)   # -> polars DataFrame

The loader knows each file's parameters and raises on a missing or unknown one. One DuckDB
connection per process; a cursor per query (DuckDB 2.0 raises when one connection is shared by
threads). Views over snapshots, rollups, quotas and regions are defined once, in `_views.sql`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb
import polars as pl

from tracker import settings
from tracker.errors import TrackerError

HERE = Path(__file__).parent
PARAM = re.compile(r"(?<![\w$:])\$([a-z_][a-z0-9_]*)")


IDENT = re.compile(r"^--\s*@ident\s+([a-z_]+)\s*:\s*(.+)$", re.M)
SLOT = re.compile(r"\{\{([a-z_]+)\}\}")
TAG = re.compile(r"^--\s*@(records|builder)\b", re.M)


@dataclass(frozen=True)
class Scope:
    """What the current user may read: every unit whose code starts with `area`, and person-level rows
    only if `records`. Set once per script run from the logged-in user's server-side record."""

    area: str
    records: bool
    who: str = ""


SYSTEM = Scope("", True, "system")  # command-line tools, builders and tests of the query layer
_scope: ContextVar[Scope | None] = ContextVar("tracker_scope", default=None)


def set_scope(scope: Scope | None) -> None:
    """The scope of every query this thread runs from now on (the app sets it at the top of each run)."""
    _scope.set(scope)


@contextmanager
def scoped(scope: Scope):
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)


class Denied(TrackerError):
    """A query outside the user's area or rights: refused before it reaches DuckDB."""


@dataclass(frozen=True)
class Query:
    name: str
    doc: str
    sql: str
    params: frozenset[str]
    idents: dict  # slot name -> allowed identifiers (columns chosen in the UI)
    tags: frozenset[str] = frozenset()  # records: returns person-level rows; builder: writes derived files only

    def render(self, idents: dict[str, str] | None = None) -> str:
        """SQL with each {{slot}} replaced by an allow-listed identifier; anything else raises."""
        idents = idents or {}
        if set(idents) != set(self.idents):
            raise TypeError(f"query {self.name}: identifiers {sorted(self.idents)} needed, got {sorted(idents)}")
        for k, v in idents.items():
            if v not in self.idents[k]:
                raise ValueError(f"query {self.name}: {v!r} is not an allowed {k}")
        return SLOT.sub(lambda m: idents[m.group(1)], self.sql)


def _strip(sql: str) -> str:
    """SQL without comments and string literals, for finding parameters."""
    sql = re.sub(r"--[^\n]*", "", sql)
    return re.sub(r"'(?:[^']|'')*'", "''", sql)


def parse(path: Path) -> Query:
    from tracker.catalogue import expand

    text = expand(path.read_text(encoding="utf-8"))  # the catalogue's column lists ({{@name}} blocks)
    first = text.lstrip().splitlines()[0] if text.strip() else ""
    if not first.startswith("--"):
        raise ValueError(f"{path.name}: the first line must be a `--` docstring")
    idents = {m.group(1): frozenset(x.strip() for x in m.group(2).split(",")) for m in IDENT.finditer(text)}
    slots = set(SLOT.findall(text))
    if slots != set(idents):
        raise ValueError(f"{path.name}: slots {sorted(slots)} need `-- @ident` allow-lists, have {sorted(idents)}")
    params, tags = frozenset(PARAM.findall(_strip(text))), frozenset(TAG.findall(text))
    if "area" not in params and "builder" not in tags:
        raise ValueError(f"{path.name}: every query takes the `$area` scope (or is a `-- @builder`)")
    return Query(path.stem, first[2:].strip(), text, params, idents, tags)


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Query]:
    return {p.stem: parse(p) for p in sorted(HERE.glob("*.sql")) if not p.stem.startswith("_")}


def check_params(q: Query, given: dict) -> None:
    missing, unknown = q.params - given.keys(), given.keys() - q.params
    if missing or unknown:
        raise TypeError(f"query {q.name}: missing {sorted(missing)}, unknown {sorted(unknown)}")


_lock = threading.Lock()  # guards the two dicts below only: never held across DuckDB or polars work
_con: dict[str, duckdb.DuckDBPyConnection] = {}
_building: dict[str, threading.Event] = {}
BUILD_WAIT_S = 120


def _sq(p: Path) -> str:
    return str(p).replace("'", "''")


def _new_connection() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(
        config={"threads": int(settings.SETTINGS["duckdb_threads"].get()), "memory_limit": settings.SETTINGS["duckdb_memory"].get()}
    )
    con.execute("set enable_progress_bar = false")  # never on stdout: the app and its tools print there
    create_views(con)
    return con


def connection() -> duckdb.DuckDBPyConnection:
    """The process's connection, with views bound to the current data directory and data version.

    A new snapshot (or quota file) changes the data version, and the next query gets a fresh
    connection whose small tables (rollups, quotas) are reloaded: no restart needed. One thread builds
    it; the others wait for that build (without holding a lock), then share it.
    """
    version = data_version()
    while True:
        with _lock:
            con = _con.get(version)
            if con is not None:
                return con
            ev = _building.get(version)
            mine = ev is None
            if mine:
                ev = _building[version] = threading.Event()
        if not mine:
            if not ev.wait(BUILD_WAIT_S):
                raise TrackerError("数据正在加载，请稍后刷新。", "The data is loading: refresh in a moment.")
            continue  # built (or failed: then this thread tries itself)
        try:
            con = _new_connection()
            with _lock:
                _con.clear()  # readers still holding the old connection's cursors finish on it
                _con[version] = con
            return con
        finally:
            with _lock:
                _building.pop(version, None)
            ev.set()


def macros_sql() -> str:
    """_macros.sql with the catalogue's blocks expanded."""
    from tracker.catalogue import expand

    return expand((HERE / "_macros.sql").read_text(encoding="utf-8"))


def create_macros(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(macros_sql())


_broken: set[dt.date] = set()
_footers: dict[tuple, bool] = {}


def _readable(p: Path) -> bool:
    """A Parquet file whose footer can be read (a truncated or half-copied file cannot), memoised by size and time."""
    import pyarrow.parquet as pq

    try:
        st = p.stat()
    except OSError:
        return False
    key = (str(p), st.st_size, st.st_mtime_ns)
    ok = _footers.get(key)
    if ok is None:
        try:
            pq.read_metadata(p)
            ok = True
        except Exception:
            ok = False
        if len(_footers) > 10_000:  # old versions of rewritten files
            _footers.clear()
        _footers[key] = ok
    return ok


def broken_snapshots() -> set[dt.date]:
    """Weeks whose records or rollup cannot be read: shown as an error for that week, the other weeks unharmed."""
    return set(_broken)


def _file_list(paths: list[Path]) -> str:
    return "[" + ", ".join(f"'{_sq(p)}'" for p in paths) + "]"


def _reported_select() -> str:
    cols = (
        "{'year': 'smallint', 'unit_code': 'varchar', 'item': 'varchar', 'as_of': 'date', 'value': 'double', "
        "'source': 'varchar', 'user': 'varchar', 'time': 'varchar', 'note': 'varchar'}"
    )
    p = settings.data_dir() / "reported" / "values.csv"
    if p.exists() and p.stat().st_size:
        return f"select * from read_csv('{_sq(p)}', header = true, columns = {cols})"
    return (
        "select null::smallint as year, null::varchar as unit_code, null::varchar as item, null::date as as_of, "
        'null::double as value, null::varchar as source, null::varchar as "user", null::varchar as time, '
        "null::varchar as note where false"
    )


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    create_macros(con)
    text = (HERE / "_views.sql").read_text(encoding="utf-8")
    good, bad = [], set()
    for d in snapshot_dates():
        part = settings.snapshots_dir() / f"snapshot_date={d.isoformat()}"
        if _readable(part / "records.parquet") and _readable(part / "rollup_village.parquet"):
            good.append(part)
        else:
            bad.add(d)
    _broken.clear()
    _broken.update(bad)
    qf = settings.quotas_file()
    head = qf.open(encoding="utf-8").readline() if qf.exists() else ""
    has = "source" in [c.strip() for c in head.strip().split(",")]
    text = text.format(
        reported_select=_reported_select(),
        quota_select="*"
        if has
        else (
            "*, case when source_note like '%已公布%' then 'published' "
            "when source_note like '%演示%' then 'demo' else 'issued' end as source"
        ),
        source_col=", 'source': 'varchar'" if has else "",
        records=_file_list([p / "records.parquet" for p in good]),
        rollup=_file_list([p / "rollup_village.parquet" for p in good]),
        quotas=_sq(settings.quotas_file()),
        units=_sq(settings.units_file()),
        national=_sq(settings.regions_dir() / "national.csv"),
        series=_sq(series := _series_file([p / "rollup_village.parquet" for p in good])),
    )
    for stmt in [s for s in text.split(";") if s.strip()]:
        if not good and ("records.parquet" in stmt or "rollup_village" in stmt or "read_parquet([]" in stmt or "unit_series" in stmt):
            continue  # no data yet: these views appear once snapshots exist
        if "view unit_series" in stmt and not series.exists():
            _build_series(con, series)
        con.execute(stmt)


def _series_file(rollups: list[Path]) -> Path:
    """The weekly series' file for these weekly rollups (named by their sizes, times and the query's text, so every
    process of a host finds the one it needs, and a new or restated week makes a new one)."""
    import hashlib

    h = hashlib.sha1(catalogue()["unit_series"].sql.encode())
    for p in rollups:
        try:
            st = p.stat()
            h.update(f"{p.parent.name}:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}|".encode())
        except OSError:
            h.update(f"{p.parent.name}:missing|".encode())
    return settings.data_dir() / ".series" / f"unit_series-{h.hexdigest()[:16]}.parquet"


def _build_series(con, out: Path) -> None:
    """Write the weekly series from the connection's rollup view (a temporary name renamed into place)."""
    if not isinstance(con, duckdb.DuckDBPyConnection):  # statements recorded for Spark (tests/sample_params.py)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.stem}-{os.getpid()}-{threading.get_ident()}.parquet")
    try:
        sql = catalogue()["unit_series"].render().rstrip().rstrip(";")
        # small row groups: a query's two levels are a few of them (the file is sorted by level)
        con.cursor().execute(f"copy ({sql}) to '{_sq(tmp)}' (format parquet, compression zstd, row_group_size 16384)")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    # the three newest stay (a process may still read the one before on its previous connection); older ones and
    # temporary files of a build that stopped go once they are ten minutes old
    now, files = time.time(), []
    for f in out.parent.glob("*unit_series-*.parquet"):
        try:
            files.append((f.stat().st_mtime, f))
        except OSError:
            pass
    done = sorted((x for x in files if not x[1].name.startswith(".")), reverse=True)
    for mtime, f in done[3:] + [x for x in files if x[1].name.startswith(".")]:
        if f != out and now - mtime > 600:
            f.unlink(missing_ok=True)


def reset() -> None:
    """Drop the connection (tests switch data directories; new views after new snapshots)."""
    with _lock:
        _con.clear()
    clear_cache()
    catalogue.cache_clear()
    from queries import derived

    derived.version.cache_clear()


def snapshot_dates(root: Path | None = None) -> list[dt.date]:
    """Snapshot dates present on disk (finished partitions only), ascending."""
    d = root / "snapshots" if root is not None else settings.snapshots_dir()
    if not d.exists():
        return []
    out = []
    for e in os.scandir(d):
        if e.name.startswith("snapshot_date=") and e.is_dir():
            try:
                out.append(dt.date.fromisoformat(e.name.split("=", 1)[1]))
            except ValueError:
                continue
    return sorted(out)


def data_version() -> str:
    """Changes whenever a snapshot partition is added or replaced: part of every cache key."""
    d = settings.snapshots_dir()
    if not d.exists():
        return "empty"
    parts = []  # the records file of each week (a derived file built on first use does not change the version)
    for e in os.scandir(d):
        if e.name.startswith("snapshot_date="):
            try:
                st = os.stat(os.path.join(e.path, "records.parquet"))
                parts.append((e.name, st.st_ino, st.st_mtime_ns))
            except OSError:
                parts.append((e.name, 0, 0))
    parts.sort()
    q = settings.quotas_file()
    r = settings.data_dir() / "reported" / "values.csv"  # a new report is a new version too
    stamp = [f.stat().st_mtime_ns if f.exists() else 0 for f in (q, r)]
    return f"{settings.data_dir()}|{len(parts)}|{hash(tuple(parts))}|{stamp[0]}|{stamp[1]}"


_FILE = re.compile(r"""(/[^\s"']+\.(?:parquet|csv))""")


def _translate(e: duckdb.Error) -> Exception:
    msg = str(e)
    m = _FILE.search(msg)
    if m and ("parquet" in msg.lower() or "csv" in msg.lower()):
        return TrackerError(f"数据文件无法读取：{m.group(1)}", f"Cannot read data file: {m.group(1)}", detail=msg)
    if "No files found" in msg:
        return TrackerError("尚无数据快照，请先生成或导入数据。", "No snapshots yet: generate or ingest data first.", detail=msg)
    return e


def authorize(q: Query, params: dict) -> Scope:
    """The scope check every query passes: `$area` inside the user's area, person rows only with the right."""
    scope = _scope.get()
    if scope is None:
        raise Denied("未确定访问范围，已拒绝查询。", "No access scope set: query refused.", detail=q.name)
    if "builder" in q.tags:
        raise Denied("内部查询不能直接运行。", "Internal query cannot be run directly.", detail=q.name)
    area = params.get("area")
    if not isinstance(area, str) or not area.startswith(scope.area):
        raise Denied(
            "无权限：所选地区不在您的管辖范围内。",
            "No permission: this area is outside your scope.",
            detail=f"{scope.who} asked {q.name} for {str(area)[:20]!r}, scope {scope.area!r}",
        )
    if "records" in q.tags and not scope.records:
        raise Denied(
            "无权限：您的角色不能查看人员明细。",
            "No permission: your role cannot view person-level records.",
            detail=f"{scope.who} asked {q.name}",
        )
    return scope


def run(name: str, idents: dict[str, str] | None = None, **params) -> pl.DataFrame:
    """Run a named query with bound parameters (and allow-listed identifiers, if it has slots).

    Every query is checked against the current scope first (`authorize`).
    Errors become one TrackerError with a zh/en message.
    """
    q = catalogue()[name]
    check_params(q, params)
    authorize(q, params)
    sql = q.render(idents)
    try:
        return read_retrying(lambda: connection().cursor(), sql, params)
    except duckdb.Error as e:
        raise _translate(e) from e


# Errors of a statement that would fail again whatever the files hold: never retried.
_STATEMENT_ERRORS = (duckdb.ParserException, duckdb.BinderException, duckdb.CatalogException, duckdb.ConversionException)
READ_ATTEMPTS = 5


def read_retrying(cursor, sql: str, params: dict, attempts: int = READ_ATTEMPTS) -> pl.DataFrame:
    """Run one read; retry when a file changed under it.

    DuckDB opens a Parquet file once to plan and again to scan: a derived file or a week's partition
    renamed into place between the two (a re-ingest, a rebuild) makes the scan read the new file with
    the old footer ("Variable-length int over 10 bytes", "Prefetch registered for bytes outside file").
    Renames are atomic, so the next attempt reads one consistent file.
    """
    for attempt in range(attempts):
        cur = None
        try:
            cur = cursor()  # a new data version builds its connection here, reading the rollups: the same race
            return cur.sql(sql, params=params).pl()
        except _STATEMENT_ERRORS:
            raise
        except duckdb.Error:
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
        finally:
            if cur is not None:
                cur.close()
    raise AssertionError("unreachable")


_cache: dict[tuple, tuple[pl.DataFrame, int]] = {}  # key -> (result, its estimated bytes); oldest first
_cache_bytes = 0
_CACHE_MAX = 256
_CACHE_MAX_BYTES = 192 << 20  # results are small (pages show aggregates); this bounds the process under load


def _key(v):
    return tuple(v) if isinstance(v, list) else v


def cached(name: str, idents: dict[str, str] | None = None, **params) -> pl.DataFrame:
    """`run`, memoised by query, identifiers, parameters, scope and data version: a new snapshot invalidates.

    The scope is checked before the cache is read, so a cached result reaches only a user who may ask for it. A
    result depends on the query and its parameters alone, not on who asked: users of one area share it.
    """
    q = catalogue()[name]
    check_params(q, params)
    authorize(q, params)
    key = (name, data_version(), tuple(sorted((idents or {}).items())), tuple(sorted((k, _key(v)) for k, v in params.items())))
    hit = _cache.get(key)
    if hit is not None:
        return hit[0]
    df = run(name, idents, **params)
    _remember(key, df)
    return df


def _remember(key: tuple, df: pl.DataFrame) -> None:
    """Keep a result, evicting the oldest ones (and every result of an older data version) past the bounds."""
    global _cache_bytes
    size = int(df.estimated_size())
    if size > _CACHE_MAX_BYTES // 8:
        return  # a large list is cheaper to rerun than to hold for every user
    with _lock:
        old = [k for k in _cache if k[1] != key[1]]
        for k in old:
            _cache_bytes -= _cache.pop(k)[1]
        while _cache and (len(_cache) >= _CACHE_MAX or _cache_bytes + size > _CACHE_MAX_BYTES):
            _cache_bytes -= _cache.pop(next(iter(_cache)))[1]
        if key not in _cache:
            _cache[key] = (df, size)
            _cache_bytes += size


def clear_cache() -> None:
    global _cache_bytes
    with _lock:
        _cache.clear()
        _cache_bytes = 0


VARIANT = re.compile(r"^[0-9a-f]{12}$")


def snapshot_file(day: dt.date, kind: str = "records", variant: str = "") -> str:
    """Path of one snapshot's file; the date is a validated date, never raw text. A variant (a hash of
    what the file depends on besides the snapshot, e.g. a policy's rules) is part of the name."""
    from queries import derived

    if (
        not isinstance(day, dt.date)
        or kind not in ({"records", "rollup_village"} | set(derived.DERIVED))
        or (variant and not VARIANT.match(variant))
    ):
        raise ValueError("snapshot_file takes a date, a known file kind and an optional 12-hex variant")
    return str(derived.partition(day) / derived.file_name(kind, variant))


def manifests() -> list[dict]:
    """The ingest manifests of all snapshots (newest first); demo snapshots have none."""
    import json

    out = []
    for d in reversed(snapshot_dates()):
        p = settings.snapshots_dir() / f"snapshot_date={d.isoformat()}" / "manifest.json"
        if p.exists():
            try:
                out.append(json.loads(p.read_text(encoding="utf-8")))
            except ValueError:
                out.append({"snapshot_date": d.isoformat(), "error": "unreadable manifest"})
    return out


# the derived per-snapshot files (building them, finding them): queries/derived.py
from queries.derived import (  # noqa: E402
    build_rollup,
    ensure_cross,
    ensure_diff_prev,
    ensure_dims_rollup,
    ensure_dq,
    ensure_medians,
    ensure_rates,
    ensure_subsidy,
    subsidy_variant,
)

__all__ = [
    "Denied",
    "Query",
    "Scope",
    "build_rollup",
    "cached",
    "catalogue",
    "connection",
    "ensure_cross",
    "ensure_diff_prev",
    "ensure_dims_rollup",
    "ensure_dq",
    "ensure_medians",
    "ensure_rates",
    "ensure_subsidy",
    "manifests",
    "reset",
    "run",
    "scoped",
    "set_scope",
    "snapshot_dates",
    "snapshot_file",
    "subsidy_variant",
]
