"""Run ingest in a child process with a memory and a time limit: the app never ingests in its own memory.

The upload page calls `run`; it starts `python -m tracker.ingest … --max-memory-mb N --progress-lines
--json-out … --report …`, reads the progress lines from the child's stderr, kills the child at the time limit
and turns every ending into an `Outcome` with a zh/en message: done (the child's JSON result and its reject
report), timeout, memory (the address-space limit was hit) or died (any other abnormal end). A child that is
killed half-way leaves the live snapshot as it was (its swap is one rename); its temporary files are removed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tracker import settings

MEMORY_MB = settings.SETTINGS["ingest_memory_mb"]
TIMEOUT_S = settings.SETTINGS["ingest_timeout_s"]


@dataclass
class Outcome:
    status: str  # "done" | "timeout" | "memory" | "died"
    exit_code: int | None = None  # the child's exit code (see tracker.ingest), None if it did not finish
    result: dict = field(default_factory=dict)  # the child's JSON result (Result.to_json)
    report: bytes | None = None  # the reject report (xlsx), when the child wrote one
    zh: str = ""
    en: str = ""
    seconds: float = 0.0

    def message(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en


def _int(setting: settings.Setting, fallback: int) -> int:
    try:
        return max(1, int(float(setting.get())))
    except ValueError:
        return fallback


def cleanup(data_dir: Path, day: dt.date, pid: int) -> None:
    """Temporary files a killed child `pid` may have left (its archive copies, report, snapshot staging)."""
    for d, pattern in (
        (data_dir / "archive" / day.isoformat(), f".tmp-{pid}-*"),
        (data_dir / "rejects" / day.isoformat(), f"**/.tmp-{pid}-*"),
    ):
        if d.is_dir():
            for p in d.glob(pattern):
                p.unlink(missing_ok=True)
    staging = data_dir / ".staging"
    if staging.is_dir():
        for p in staging.glob(f"{day.isoformat()}-{pid}-*"):
            shutil.rmtree(p, ignore_errors=True)


def run(
    files: list[Path],
    day: dt.date,
    user: str | None = None,
    data_dir: Path | None = None,
    on_progress: Callable[[float, str], None] | None = None,
    memory_mb: int | None = None,
    timeout_s: float | None = None,
    scope: str | None = None,
) -> Outcome:
    """Ingest `files` for the week `day` in a child process; `scope` = the uploader's area (other counties' rows are
    refused)."""
    memory_mb = memory_mb or _int(MEMORY_MB, 4096)
    timeout_s = timeout_s or _int(TIMEOUT_S, 900)
    data_dir = Path(data_dir or settings.data_dir())
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ingest-") as tmp:
        out_json, report = Path(tmp) / "result.json", Path(tmp) / "rejects.xlsx"
        cmd = [
            sys.executable,
            "-m",
            "tracker.ingest",
            *[str(Path(f)) for f in files],
            "--snapshot-date",
            day.isoformat(),
            "--data-dir",
            str(data_dir),
            "--json-out",
            str(out_json),
            "--report",
            str(report),
            "--max-memory-mb",
            str(memory_mb),
            "--max-cpu-seconds",
            str(int(timeout_s) * 2 + 30),
            "--progress-lines",
        ]
        if user:
            cmd += ["--user", user]
        if scope:
            cmd += ["--scope", scope]
        env = os.environ.copy()
        env["PYTHONPATH"] = os.pathsep.join([str(settings.REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        proc = subprocess.Popen(
            cmd,
            cwd=settings.REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        lines: queue.Queue[str] = queue.Queue()
        tail: list[str] = []

        def pump() -> None:
            for raw in proc.stderr:  # type: ignore[union-attr]
                lines.put(raw.decode("utf-8", "replace").rstrip("\n"))

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        timed_out = False

        def drain() -> None:
            while True:
                try:
                    line = lines.get_nowait()
                except queue.Empty:
                    return
                if line.startswith("@progress "):
                    parts = line.split(" ", 2)
                    try:
                        frac = float(parts[1])
                    except (IndexError, ValueError):
                        continue
                    if on_progress:
                        on_progress(min(1.0, max(0.0, frac)), parts[2] if len(parts) > 2 else "")
                else:
                    tail.append(line)
                    del tail[:-40]

        while proc.poll() is None:
            drain()
            if time.monotonic() - t0 > timeout_s:
                timed_out = True
                proc.kill()
                break
            time.sleep(0.1)
        proc.wait()
        reader.join(5)
        drain()
        rc = proc.returncode
        result: dict = {}
        if out_json.exists():
            try:
                result = json.loads(out_json.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                result = {}
        data = report.read_bytes() if report.exists() else None
    secs = time.monotonic() - t0
    if timed_out:
        cleanup(data_dir, day, proc.pid)
        return Outcome(
            "timeout",
            None,
            {},
            None,
            f"导入超过时间限制（{timeout_s:.0f} 秒）已停止，未写入任何数据：请按县区拆分文件后分别导入，或联系技术人员。",
            f"Ingest exceeded its time limit ({timeout_s:.0f} s) and was stopped; nothing was written. "
            "Split the files (e.g. by county) or contact the technical team.",
            secs,
        )
    if result.get("exit_code") is not None and rc == result["exit_code"]:
        return Outcome("done", rc, result, data, "", "", secs)
    cleanup(data_dir, day, proc.pid)
    text = "\n".join(tail).lower()
    codes = {e.get("code") for e in result.get("file_errors") or []}
    memory = (
        rc in (-signal.SIGABRT, -signal.SIGSEGV, -signal.SIGKILL, -signal.SIGBUS)
        or "memory" in codes
        or any(w in text for w in ("memory", "alloc", "spawn", "resource temporarily unavailable"))
    )
    if memory:
        return Outcome(
            "memory",
            rc,
            result,
            None,
            f"导入进程超出内存限制（{memory_mb:,} MB）或被系统终止，未写入任何数据；其他用户不受影响。"
            "请检查文件是否异常（如极大的表格），或按县区拆分后分别导入。",
            f"The ingest process exceeded its memory limit ({memory_mb:,} MB) or was ended by the system; "
            "nothing was written and nobody else was affected. Check the file (e.g. a huge sheet) or split it.",
            secs,
        )
    return Outcome(
        "died",
        rc,
        result,
        None,
        f"导入进程意外结束（退出码 {rc}），未写入任何数据：请联系技术人员。",
        f"The ingest process ended unexpectedly (exit code {rc}); nothing was written. Contact the technical team.",
        secs,
    )
