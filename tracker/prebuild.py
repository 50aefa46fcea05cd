"""Derived files for every week, built in the background, so that nobody's first visit to an older week waits.

    python -m tracker.prebuild [--data-dir DIR]      # what the app starts by itself (niced), one at a time

Ingest builds the derived files of the week it writes; the demo generator writes older weeks with records and
rollup only (building all of them would take minutes). The app therefore starts this command once per process,
at the lowest CPU priority: newest weeks first (the ones people open), this year before last year, each file
built through `queries.derived.ensure` (safe against a week swapped by an ingest meanwhile). A lock file makes a
second run (another app process) leave at once; it stops between two files once the app process that started it has
gone. `TRACKER_PREBUILD=0` turns it off.
"""

from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from tracker import settings

_started: dict[str, subprocess.Popen] = {}
_lock = threading.Lock()


def order(days: list[dt.date]) -> list[dt.date]:
    """The weeks in the order people open them: the latest year newest first, then the earlier years likewise."""
    return sorted(days, key=lambda d: (-d.year, -d.toordinal()))


def missing(root: Path) -> list[tuple[dt.date, str]]:
    """(week, kind) of every derived file (current builder version) a week does not have yet."""
    from queries import derived as dv
    from queries import snapshot_dates

    days = snapshot_dates(root)
    out = []
    for d in order(days):
        part = dv.partition(d, root)
        first = dv.previous(d, root, days) is None
        for kind in dv.DERIVED:
            if kind == "subsidy" or (kind == "diff_prev" and first):
                continue
            if not (part / dv.file_name(kind)).exists():
                out.append((d, kind))
    return out


def run(root: Path, progress=None, parent: int | None = None) -> dict:
    """Build what is missing; {"built": n, "seconds": s} or {"busy": True} when another run holds the lock. With
    `parent`, stop between two files once that process (the app that started it) has gone."""
    from queries import derived as dv
    from tracker.generate import _prebuild_subsidy

    say = progress or (lambda f, m: None)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".prebuild.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return {"busy": True}
        with settings.using_data_dir(root):  # `ensure` builds under the configured data directory
            t0 = time.perf_counter()
            todo = missing(root)
            weeks = order(list({d for d, _ in todo}))
            built = 0
            for i, (d, kind) in enumerate(todo):
                if parent is not None and os.getppid() != parent:
                    print("prebuild: the app process has gone; stopping.", file=sys.stderr, flush=True)
                    break
                say(i / max(1, len(todo)), f"{d.isoformat()} {kind}")
                try:
                    dv.ensure(d, kind)
                    built += 1
                except Exception as e:  # a damaged week: the page reports it; the others still get their files
                    print(f"prebuild: {d} {kind}: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
            for d in weeks:
                _prebuild_subsidy(d)  # the active policy's file (its own variant name; cheap when present)
            say(1.0, "done")
            return {"built": built, "weeks": len(weeks), "seconds": time.perf_counter() - t0}


def start(root: Path | None = None) -> subprocess.Popen | None:
    """Start the background build once per process (and data directory); None when turned off or already started."""
    if settings.SETTINGS["prebuild"].get() != "1":
        return None
    root = Path(root or settings.data_dir()).resolve()
    with _lock:
        if str(root) in _started:
            return None
        log = root / "logs"
        log.mkdir(parents=True, exist_ok=True)
        with open(log / "prebuild.log", "ab") as err:
            p = subprocess.Popen(
                [sys.executable, "-m", "tracker.prebuild", "--data-dir", str(root), "--parent", str(os.getpid())],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,  # not stopped by a Ctrl-C meant for the app: it stops after its file instead
            )
        threading.Thread(target=p.wait, name="prebuild-reaper", daemon=True).start()  # no zombie when it ends
        try:
            os.setpriority(os.PRIO_PROCESS, p.pid, 19)  # the lowest: users' clicks come first
        except OSError:
            pass  # it already finished
        _started[str(root)] = p
        return p


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=settings.data_dir())
    ap.add_argument("--parent", type=int, default=None, help="stop once this process has gone (the app sets it)")
    a = ap.parse_args(argv)
    os.setpriority(os.PRIO_PROCESS, 0, 19)  # also when started by hand or by cron
    r = run(a.data_dir.resolve(), parent=a.parent)
    if r.get("busy"):
        print("prebuild: another run is at work; leaving.", file=sys.stderr)
    else:
        stamp = dt.datetime.now().isoformat(timespec="seconds")
        print(f"{stamp} prebuild: {r['built']} files for {r['weeks']} weeks in {r['seconds']:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
