"""The audit trail: who did what, when, for which area (logins, record views, exports, data and user changes).

Append-only JSON lines; each line carries the SHA-256 of the line before it, so an edited or deleted
line breaks the chain (`verify`). Writers append under an exclusive file lock (several processes may
write); nothing here rewrites the file. ID-shaped text is masked before it is written.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
from pathlib import Path

from tracker import settings
from tracker.ids import redact

FIELDS = ("ts", "who", "action", "area", "detail", "prev")


def path() -> Path:
    return Path(settings.SETTINGS["audit_file"].get() or settings.data_dir() / "audit" / "audit.jsonl")


def _last_hash(f) -> str:
    f.seek(0, os.SEEK_END)
    size = f.tell()
    if size == 0:
        return ""
    f.seek(max(0, size - 65536))
    last = f.read().rstrip(b"\n").rsplit(b"\n", 1)[-1]
    return hashlib.sha256(last).hexdigest()


def log(who: str, action: str, area: str = "", detail: str = "") -> None:
    p = path()
    p.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(p, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "r+b") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            rec = {"ts": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "who": redact(str(who))[:80],
                   "action": action, "area": redact(str(area))[:20], "detail": redact(str(detail))[:500],
                   "prev": _last_hash(f)}
            f.write(json.dumps(rec, ensure_ascii=False).encode() + b"\n")
            f.flush()
            os.fsync(f.fileno())
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def read() -> list[dict]:
    p = path()
    if not p.exists():
        return []
    return [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]


def verify() -> int | None:
    """The 1-based number of the first line whose chain link is wrong, or None when the log is intact."""
    p = path()
    if not p.exists():
        return None
    prev = ""
    for i, line in enumerate(p.read_bytes().splitlines(), 1):
        try:
            rec = json.loads(line)
        except ValueError:
            return i
        if rec.get("prev") != prev:
            return i
        prev = hashlib.sha256(line).hexdigest()
    return None
