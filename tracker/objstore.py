"""Object storage (s3://) as the home of the data; each process works on a local copy of it.

    python -m tracker.objstore push --data-dir DIR --uri s3://bucket/prefix   # publish a data directory
    python -m tracker.objstore pull --data-dir DIR --uri s3://bucket/prefix   # bring a local copy up to date
    python -m tracker.objstore withdraw --week 2026-11-20 [--data-dir DIR --uri …]   # take a week out everywhere

With `TRACKER_DATA_URI` set, `TRACKER_DATA_DIR` is the process's local copy: the app pulls when it starts and every
`TRACKER_SYNC_S` seconds after (new weeks, restated weeks, derived files the builder added), and a submission, a
rollback or a reported figure pulls, writes and pushes under the store's writer lock, so app processes on several
hosts never overwrite each other's counties (`tracker.submissions.writer`). Pages read the local copy (Parquet on a
local disk, as fast as without object storage); `python -m tracker.build --data s3://…` builds a week's derived files
from the object store and adds them to it.

A week is a unit: its files are stored once per generation (`snapshots/snapshot_date=D/g=<generation>/<file>`,
never rewritten by a later generation) and `snapshots/snapshot_date=D/_commit.json`, written last, names the
generation and its files. A puller takes a new generation whole (downloaded beside, then swapped in like an ingest's
write), so it never mixes two versions of a week, and files the builder added to the same generation one by one.
The other files (submissions, reject reports, the archive, quotas, reported figures) go file by file. What was last
pulled or pushed is kept in `.objstore.json` (an object's ETag, a file's size and time), so a pull lists the bucket
once and downloads only what changed. The state store
(accounts, audit, history) is not here: it is its own database (`TRACKER_STORE_URL`).

Credentials come from the environment only (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`);
`TRACKER_S3_ENDPOINT` names an S3-compatible server. DuckDB's httpfs extension is not used: it is downloaded at run
time, which a government network does not allow; s3fs (PyPI) is.
"""

from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import json
import logging
import os
import re
import shutil
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tracker import settings
from tracker.errors import TrackerError

log = logging.getLogger("tracker.objstore")

COMMIT = "_commit.json"
INDEX = ".objstore.json"
# the store's own files stay in the store; the staging area is private to a host; snapshots go by week
SKIP_TOP = {".staging", "state", "auth", "audit"}
WEEK = re.compile(r"^snapshots/snapshot_date=(\d{4}-\d{2}-\d{2})/([^/]+)$")  # a week's file here
WITHDRAWN = "_withdrawn.json"
WITHDRAWN_KEY = re.compile(r"^snapshots/snapshot_date=(\d{4}-\d{2}-\d{2})/_withdrawn\.json$")  # a week taken out
COMMIT_KEY = re.compile(r"^snapshots/snapshot_date=(\d{4}-\d{2}-\d{2})/_commit\.json$")  # a week's commit there


def _gen_key(rel_dir: str, gen: str, name: str) -> str:
    return f"{rel_dir}/g={gen}/{name}"


def configured() -> str | None:
    v = settings.SETTINGS["data_uri"].get().strip()
    return v or None


def bucket_path(uri: str) -> str:
    """s3://bucket/prefix → bucket/prefix (s3fs's form), refusing anything but s3://."""
    if not uri.startswith("s3://") or len(uri) <= 5:
        raise TrackerError(f"对象存储地址须以 s3:// 开头：{uri}", f"An object storage location starts with s3://: {uri}")
    return uri[5:].rstrip("/")


def filesystem():
    """s3fs on the configured endpoint, with the environment's credentials only (never a file, never the settings)."""
    import s3fs

    key, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    if not key or not secret:
        raise TrackerError(
            "对象存储缺少凭据：请设置环境变量 AWS_ACCESS_KEY_ID 和 AWS_SECRET_ACCESS_KEY。",
            "Object storage credentials missing: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.",
        )
    endpoint = settings.SETTINGS["s3_endpoint"].get().strip() or None
    return s3fs.S3FileSystem(
        key=key,
        secret=secret,
        token=os.environ.get("AWS_SESSION_TOKEN") or None,
        endpoint_url=endpoint,
        use_listings_cache=False,
        skip_instance_cache=True,
        config_kwargs={"retries": {"max_attempts": 5, "mode": "standard"}},
    )


@contextmanager
def _host_lock(data_dir: Path) -> Iterator[None]:
    """One pull or push at a time in a local copy (app processes of one host share it)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / ".objstore.lock", "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _load_index(data_dir: Path) -> dict[str, dict]:
    try:
        return json.loads((data_dir / INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _save_index(data_dir: Path, idx: dict[str, dict]) -> None:
    tmp = data_dir / f".{INDEX}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(idx, sort_keys=True), encoding="utf-8")
    os.replace(tmp, data_dir / INDEX)


def _etag(info: dict) -> str:
    return str(info.get("ETag") or info.get("etag") or "").strip('"')


def _stamp(p: Path) -> dict:
    st = p.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _changed_here(rec: dict | None, path: Path) -> bool:
    """Whether a local file differs from what the index says was last pulled or pushed."""
    return rec is None or {k: rec.get(k) for k in ("size", "mtime_ns")} != _stamp(path)


@contextmanager
def _session(data_dir: Path, uri: str) -> Iterator[tuple[str, object, dict]]:
    """(bucket path, file system, index) for one pull or push, with the host's lock held."""
    base, fs = bucket_path(uri), filesystem()
    with _host_lock(data_dir):
        yield base, fs, _load_index(data_dir)


def _shared(rel: str) -> bool:
    """Whether a data directory's file belongs in the object store."""
    parts = rel.split("/")
    if parts[0] in SKIP_TOP or any(x.startswith(".") for x in parts):
        return False  # hidden: locks, the index, temporary files of a write in progress
    return not (parts[0] == "snapshots" and not WEEK.match(rel))


def _local_files(data_dir: Path) -> dict[str, Path]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(data_dir):
        rel_dir = os.path.relpath(dirpath, data_dir).replace(os.sep, "/")
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and not (rel_dir == "." and d in SKIP_TOP)]
        for f in filenames:
            rel = f if rel_dir == "." else f"{rel_dir}/{f}"
            if _shared(rel):
                out[rel] = Path(dirpath) / f
    return out


def _download(fs, remote: str, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}-{time.monotonic_ns()}.part")
    try:
        fs.get_file(remote, str(tmp))
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def _unpublished(part: Path, idx: dict, rel_dir: str) -> bool:
    """A week written here since its last pull or push (an ingest whose push failed, or a write outside the lock)."""
    f = part / "records.parquet"
    return f.exists() and _changed_here(idx.get(f"{rel_dir}/records.parquet"), f)


def _base(idx: dict, rel_dir: str) -> str | None:
    """The generation this host's copy of a week was last pulled or pushed as (kept in the index: a write here
    replaces the week's directory and its commit file, not what it was based on)."""
    return idx.get(f"gen:{rel_dir}", {}).get("gen")


def pull(data_dir: Path, uri: str, weeks: set[dt.date] | None = None, tops: set[str] | None = None, names: set[str] | None = None) -> dict:
    """Bring the local copy up to date: {"weeks": weeks taken whole, "files": files downloaded, "kept": weeks written
    here on the store's current generation, not pushed yet, "deleted": weeks withdrawn from the store and so removed
    here}. A week written here on an older generation loses to the
    store's (someone published after it was read). `weeks`/`tops` limit the pull to those weeks / top-level names;
    `names` to those files of a week (a reader that needs only its records, not a host: the week is not whole then)."""
    from tracker.generate import _exchange

    data_dir = Path(data_dir)
    out = {"weeks": 0, "files": 0, "kept": [], "deleted": 0}
    with _session(data_dir, uri) as (base, fs, idx):
        try:
            found = fs.find(base, detail=True)
        except FileNotFoundError:
            found = {}
        remote = {name[len(base) + 1 :]: info for name, info in found.items() if info.get("type", "file") == "file"}
        commits = {}
        for rel, info in remote.items():
            m = COMMIT_KEY.match(rel)
            if m and (weeks is None or dt.date.fromisoformat(m.group(1)) in weeks):
                commits[m.group(1)] = info
        for day, info in sorted(commits.items()):
            rel_dir = f"snapshots/snapshot_date={day}"
            part = data_dir / rel_dir
            crel = f"{rel_dir}/{COMMIT}"
            known = idx.get(crel, {}).get("etag") == _etag(info) and (part / COMMIT).exists()
            commit = json.loads((part / COMMIT).read_text(encoding="utf-8")) if known else json.loads(fs.cat_file(f"{base}/{crel}"))
            local = None
            if part.exists() and _unpublished(part, idx, rel_dir):
                if _base(idx, rel_dir) == commit["generation"]:
                    out["kept"].append(dt.date.fromisoformat(day))  # published by the next write here (under the writer lock)
                    continue
                log.warning("pull: %s was written here on an older generation; the object store's week wins", rel_dir)
            elif (part / COMMIT).exists():
                local = json.loads((part / COMMIT).read_text(encoding="utf-8"))
            wanted = [n for n in commit["files"] if names is None or n in names]
            if local and local["generation"] == commit["generation"]:
                for name in wanted:
                    rel = f"{rel_dir}/{name}"
                    r = remote.get(_gen_key(rel_dir, commit["generation"], name))
                    if r is None or (idx.get(rel, {}).get("etag") == _etag(r) and (part / name).exists()):
                        continue
                    _download(fs, f"{base}/{_gen_key(rel_dir, commit['generation'], name)}", part / name)
                    idx[rel] = {"etag": _etag(r), **_stamp(part / name)}
                    out["files"] += 1
            else:  # a new or restated week: downloaded beside, then swapped in whole
                staging = data_dir / ".staging" / f"pull-{day}-{os.getpid()}-{time.monotonic_ns()}"
                staging.mkdir(parents=True)
                try:
                    for name in wanted:
                        key = _gen_key(rel_dir, commit["generation"], name)
                        if key not in remote:  # a generation removed since the listing: next time
                            raise FileNotFoundError(key)
                        fs.get_file(f"{base}/{key}", str(staging / name))
                    (staging / COMMIT).write_text(json.dumps(commit), encoding="utf-8")
                    part.parent.mkdir(parents=True, exist_ok=True)
                    if part.exists():
                        if not _exchange(staging, part):
                            old = staging.with_name(staging.name + "-old")
                            part.rename(old)
                            staging.rename(part)
                            staging = old
                    else:
                        staging.rename(part)
                except FileNotFoundError as e:
                    log.warning("pull: %s is not complete yet (%s)", rel_dir, e)
                    continue
                finally:
                    shutil.rmtree(staging, ignore_errors=True)
                for name in wanted:
                    rel = f"{rel_dir}/{name}"
                    idx[rel] = {"etag": _etag(remote[_gen_key(rel_dir, commit["generation"], name)]), **_stamp(part / name)}
                out["weeks"] += 1
                out["files"] += len(wanted)
            idx[crel] = {"etag": _etag(info), **_stamp(part / COMMIT)}
            idx[f"gen:{rel_dir}"] = {"gen": commit["generation"]}
            _save_index(data_dir, idx)  # week by week: a pull that stops half-way keeps what it took
        for rel, info in sorted(remote.items()):
            if rel.startswith("snapshots/") or not _shared(rel) or (tops is not None and rel.split("/")[0] not in tops):
                continue
            dest = data_dir / rel
            rec = idx.get(rel, {})
            if rec.get("etag") == _etag(info) and dest.exists():
                continue
            if dest.exists() and rec and _changed_here(rec, dest):
                log.warning("pull: %s changed here and there; the object store's copy wins", rel)
            _download(fs, f"{base}/{rel}", dest)
            idx[rel] = {"etag": _etag(info), **_stamp(dest)}
            out["files"] += 1
        out["deleted"] = _drop_withdrawn(data_dir, idx, remote, set(commits), weeks)
        _save_index(data_dir, idx)
    return out


def _drop_withdrawn(data_dir: Path, idx: dict, remote: dict, commits: set[str], weeks) -> int:
    """Remove here the weeks withdrawn from the store (`withdraw`: a `_withdrawn.json` and no commit), unless written
    here since (the next push publishes it again). Nothing is removed for being merely absent from a listing: a wrong
    prefix, an outage or a half-written week must never delete data."""
    n = 0
    for rel in sorted(remote):
        m = WITHDRAWN_KEY.match(rel)
        if not m or m.group(1) in commits or (weeks is not None and dt.date.fromisoformat(m.group(1)) not in weeks):
            continue
        rel_dir = f"snapshots/snapshot_date={m.group(1)}"
        part = data_dir / rel_dir
        if not part.exists() or _unpublished(part, idx, rel_dir):
            continue
        gone = data_dir / ".staging" / f"gone-{m.group(1)}-{os.getpid()}-{time.monotonic_ns()}"
        gone.parent.mkdir(parents=True, exist_ok=True)
        part.rename(gone)  # out of the readers' way at once, then deleted
        shutil.rmtree(gone, ignore_errors=True)
        for k in [k for k in idx if k == f"gen:{rel_dir}" or k.startswith(rel_dir + "/")]:
            del idx[k]
        log.info("pull: %s was withdrawn from the object store; removed here", rel_dir)
        n += 1
    return n


def withdraw(data_dir: Path, uri: str, day: dt.date) -> dict:
    """Take a week out of the store and out of this copy (a week loaded by mistake): a `_withdrawn.json` first, then
    the commit, then its generations; other hosts remove their copy at their next pull. Callers hold the store's
    writer lock (the command line takes it)."""
    data_dir = Path(data_dir)
    rel_dir = f"snapshots/snapshot_date={day.isoformat()}"
    with _session(data_dir, uri) as (base, fs, idx):
        note = {"time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "generation": _base(idx, rel_dir)}
        with fs.open(f"{base}/{rel_dir}/{WITHDRAWN}", "wb") as f:
            f.write(json.dumps(note).encode())
        try:
            fs.rm(f"{base}/{rel_dir}/{COMMIT}")  # pullers stop taking it before its files go
        except FileNotFoundError:
            pass
        try:
            for name in fs.ls(f"{base}/{rel_dir}", detail=False):
                if name.rsplit("/", 1)[-1].startswith("g="):
                    fs.rm(name, recursive=True)
        except FileNotFoundError:
            pass
        part = data_dir / rel_dir
        if part.exists():
            shutil.rmtree(part)
        for k in [k for k in idx if k == f"gen:{rel_dir}" or k.startswith(rel_dir + "/")]:
            del idx[k]
        _save_index(data_dir, idx)
    return {"withdrawn": day.isoformat()}


def push(data_dir: Path, uri: str, weeks: set[dt.date] | None = None) -> dict:
    """Publish what changed here since the last pull or push: {"weeks": weeks committed, "files": files uploaded,
    "stale": weeks not published}. Nothing is deleted there for being absent here (see `withdraw`).

    A week whose records changed gets a new generation (pullers take it whole; the old one's objects go); a week
    with only new derived files keeps its generation. Either only if the store's week is still the generation this
    copy was based on; else the week is stale here and the store's wins at the next pull. Two writers check and
    publish one at a time: callers hold the store's writer lock (`shared_write`, `tracker.build`)."""
    data_dir = Path(data_dir)
    out = {"weeks": 0, "files": 0, "stale": []}
    with _session(data_dir, uri) as (base, fs, idx):
        changed: dict[str | None, list[str]] = {}
        for rel, path in _local_files(data_dir).items():
            m = WEEK.match(rel)
            if m and (m.group(2) == COMMIT or (weeks is not None and dt.date.fromisoformat(m.group(1)) not in weeks)):
                continue
            if not _changed_here(idx.get(rel), path):
                continue
            changed.setdefault(m.group(1) if m else None, []).append(rel)

        def upload(rel: str, key: str | None = None) -> None:
            key = f"{base}/{key or rel}"
            fs.put_file(str(data_dir / rel), key)
            idx[rel] = {"etag": _etag(fs.info(key)), **_stamp(data_dir / rel)}
            out["files"] += 1

        for day, rels in sorted(changed.items(), key=lambda kv: kv[0] or ""):
            if day is None:
                continue
            rel_dir = f"snapshots/snapshot_date={day}"
            part = data_dir / rel_dir
            try:
                there = json.loads(fs.cat_file(f"{base}/{rel_dir}/{COMMIT}"))["generation"]
            except FileNotFoundError:
                there = None
            if there is not None and there != _base(idx, rel_dir):
                out["stale"].append(dt.date.fromisoformat(day))  # published by another host since this copy read it
                continue
            local = json.loads((part / COMMIT).read_text(encoding="utf-8")) if (part / COMMIT).exists() else None
            new_gen = there is None or local is None or f"{rel_dir}/records.parquet" in rels
            gen = uuid.uuid4().hex if new_gen else there
            names = sorted(p.name for p in part.iterdir() if p.is_file() and not p.name.startswith(".") and p.name != COMMIT)
            for name in names if new_gen else sorted(r.rsplit("/", 1)[1] for r in rels):
                upload(f"{rel_dir}/{name}", _gen_key(rel_dir, gen, name))
            if fs.exists(f"{base}/{rel_dir}/{WITHDRAWN}"):  # published again after a withdrawal: the week is back
                fs.rm(f"{base}/{rel_dir}/{WITHDRAWN}")
            commit = {"generation": gen, "files": names, "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
            tmp = part / f".{COMMIT}.{os.getpid()}.tmp"
            tmp.write_text(json.dumps(commit), encoding="utf-8")
            os.replace(tmp, part / COMMIT)
            upload(f"{rel_dir}/{COMMIT}")
            idx[f"gen:{rel_dir}"] = {"gen": gen}
            _save_index(data_dir, idx)
            if new_gen:  # older generations go once the commit names the new one (a puller halfway retries)
                try:
                    for name in fs.ls(f"{base}/{rel_dir}", detail=False):
                        leaf = name.rsplit("/", 1)[-1]
                        if leaf.startswith("g=") and leaf != f"g={gen}":
                            fs.rm(name, recursive=True)
                except FileNotFoundError:
                    pass
            out["weeks"] += 1
        for rel in sorted(changed.get(None, [])):
            upload(rel)
        _save_index(data_dir, idx)
    return out


def remote_weeks(uri: str) -> list[dt.date]:
    """The weeks committed in the object store, ascending."""
    base = bucket_path(uri)
    try:
        names = filesystem().glob(f"{base}/snapshots/snapshot_date=*/{COMMIT}")
    except FileNotFoundError:
        return []
    return sorted(dt.date.fromisoformat(m.group(1)) for n in names if (m := COMMIT_KEY.match(n[len(base) + 1 :])))


_follow: dict[str, threading.Thread] = {}
_follow_lock = threading.Lock()
_last: dict[str, object] = {}


def following(data_dir: Path | None = None) -> bool:
    """Whether this process already follows the object store (its first pull is done)."""
    uri = configured()
    return uri is not None and f"{uri}|{Path(data_dir or settings.data_dir())}" in _follow


def follow(data_dir: Path | None = None) -> dict | None:
    """In an app process: pull now (the first call waits for it), then every TRACKER_SYNC_S seconds in the
    background. None without object storage; else the first pull's result (or {"error": message})."""
    uri = configured()
    if uri is None:
        return None
    data_dir = Path(data_dir or settings.data_dir())
    key = f"{uri}|{data_dir}"
    with _follow_lock:
        if key in _follow:
            return _last.get(key)  # type: ignore[return-value]  (the latest pull's outcome)

        def once() -> None:
            try:
                _last[key] = pull(data_dir, uri)
            except Exception as e:  # the local copy serves meanwhile; the page says it may be old (detail in the log)
                log.warning("pull from %s failed: %s", uri, e)
                _last[key] = {"error": type(e).__name__}

        once()
        every = max(5.0, float(settings.SETTINGS["sync_s"].get() or 30))

        def loop() -> None:
            while True:
                time.sleep(every)
                once()

        t = threading.Thread(target=loop, name="objstore-follow", daemon=True)
        t.start()
        _follow[key] = t
        return _last[key]  # type: ignore[return-value]


class PublishError(TrackerError):
    """Written here, not published to the object store."""


def _is_home(data_dir: Path) -> bool:
    try:
        return Path(data_dir).resolve() == settings.data_dir().resolve()
    except OSError:
        return False


@contextmanager
def shared_write(data_dir: Path) -> Iterator[None]:
    """Around a write of the data (a submission, a rollback): with object storage, and only for the data directory
    that is the store's local copy (not a demo or a test written elsewhere), the store's writer lock across hosts,
    a pull before and a push after; else nothing. A failed push raises PublishError (the write stays here and is
    published by the next write, unless another host's week for that date came first)."""
    uri = configured()
    if uri is None or not _is_home(data_dir):
        yield
        return
    from tracker import store

    if store.engine().dialect.name == "sqlite":
        log.warning("object storage with a SQLite store: the writer lock holds on this host only (use PostgreSQL)")
    with store.writer_lock():
        pull(data_dir, uri)
        yield
        try:
            push(data_dir, uri)
        except Exception as e:
            log.warning("push to %s failed: %s", uri, e)
            raise PublishError(
                f"数据已在本服务器写入，但未能发布到对象存储（{type(e).__name__}），其他服务器暂时看不到；请稍后重新导入或联系管理员。",
                f"Written on this server but not published to the object storage ({type(e).__name__}): other servers do "
                "not see it yet; load it again later or ask the administrator.",
            ) from e


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tracker.objstore", description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=["push", "pull", "withdraw"])
    ap.add_argument("--week", type=dt.date.fromisoformat, default=None, help="withdraw: the week (YYYY-MM-DD)")
    ap.add_argument("--data-dir", type=Path, default=None, help="the local copy (default TRACKER_DATA_DIR)")
    ap.add_argument("--uri", default=None, help="s3://bucket/prefix (default TRACKER_DATA_URI)")
    a = ap.parse_args(argv)
    uri = a.uri or configured()
    if not uri:
        print("no object storage: give --uri or set TRACKER_DATA_URI", file=sys.stderr)
        return 2
    data_dir = a.data_dir or settings.data_dir()
    try:
        from tracker import store

        if a.action == "withdraw":
            if a.week is None:
                print("withdraw: give --week YYYY-MM-DD", file=sys.stderr)
                return 2
            with store.writer_lock():
                res = withdraw(data_dir, uri, a.week)
        elif a.action == "push":
            with store.writer_lock():  # as the app's writes: one publisher at a time across hosts
                res = push(data_dir, uri)
        else:
            res = pull(data_dir, uri)
    except TrackerError as e:
        print(e.zh, file=sys.stderr)
        return 2
    print(json.dumps(res, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
