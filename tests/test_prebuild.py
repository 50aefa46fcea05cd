"""The background build of older weeks' derived files: what is missing, newest week first, built once (a second run
leaves at once), started by the app process in a niced child, so that no first visit to an older week builds them."""

from __future__ import annotations

import datetime as dt
import fcntl
import os

from queries import derived
from tests import fixture as F
from tracker import prebuild


def strip_older_weeks(root):
    """Only the latest week keeps its derived files (as the demo generator leaves older weeks)."""
    gone = 0
    for d in (F.LY_SAME, F.LY_FINAL, F.PREV):
        for f in derived.partition(d, root).glob("*.parquet"):
            if f.name not in ("records.parquet", "rollup_village.parquet"):
                f.unlink()
                gone += 1
    return gone


def test_missing_files_newest_week_first_then_built_once(tmp_path):
    root = F.build(tmp_path / "d")
    assert prebuild.missing(root) == []
    strip_older_weeks(root)
    todo = prebuild.missing(root)
    weeks = list(dict.fromkeys(d for d, _ in todo))
    assert weeks == [F.PREV, F.LY_FINAL, F.LY_SAME]  # this year first, newest first
    kinds = {d: {k for w, k in todo if w == d} for d in weeks}
    assert kinds[F.LY_FINAL] == {"rollup_dims", "cross", "dq", "rates", "medians", "diff_prev"}
    assert kinds[F.PREV] == kinds[F.LY_SAME] == kinds[F.LY_FINAL] - {"diff_prev"}  # a year's first week has no diff
    r = prebuild.run(root)
    assert (r["built"], r["weeks"]) == (len(todo), 3)
    assert prebuild.missing(root) == []
    assert (derived.partition(F.LY_FINAL, root) / derived.file_name("diff_prev")).exists()
    assert not any(p.name.startswith(".") and p.suffix == ".parquet" for p in derived.partition(F.PREV, root).iterdir())
    assert prebuild.run(root)["built"] == 0


def test_a_second_run_leaves_while_one_is_at_work(tmp_path):
    root = F.build(tmp_path / "d")
    strip_older_weeks(root)
    with open(root / ".prebuild.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another app process's run
        assert prebuild.run(root) == {"busy": True}
    assert len(prebuild.missing(root)) == 16


def test_the_app_process_starts_it_once_at_low_priority(tmp_path, monkeypatch):
    root = F.build(tmp_path / "d")
    strip_older_weeks(root)
    monkeypatch.setenv("TRACKER_PREBUILD", "0")
    assert prebuild.start(root) is None  # turned off
    monkeypatch.setenv("TRACKER_PREBUILD", "1")
    p = prebuild.start(root)
    assert p is not None and prebuild.start(root) is None  # once per process
    nice = os.getpriority(os.PRIO_PROCESS, p.pid)
    assert nice == 19 and p.wait(timeout=120) == 0
    assert prebuild.missing(root) == []
    log = (root / "logs" / "prebuild.log").read_text()
    assert "prebuild: 16 files for 3 weeks" in log
    assert dt.date.fromisoformat(log[:10]) and os.path.exists(root / ".prebuild.lock")


def test_it_stops_once_the_app_that_started_it_has_gone(tmp_path):
    root = F.build(tmp_path / "d")
    strip_older_weeks(root)
    assert prebuild.run(root, parent=os.getppid() + 1)["built"] == 0  # not our parent: as if the app had gone
    assert len(prebuild.missing(root)) == 16
    assert "TRACKER_DATA_DIR" not in os.environ or os.environ["TRACKER_DATA_DIR"] != str(root)  # left as it was
