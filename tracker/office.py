"""Word → PDF with one LibreOffice kept running per app process (through `uno_worker.py` under Debian's python3),
instead of starting LibreOffice for every PDF (about 3 s each). Where python3-uno is missing, or the worker fails,
each PDF falls back to `soffice --convert-to pdf`."""

from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

SYSTEM_PYTHON = "/usr/bin/python3"
WORKER = Path(__file__).with_name("uno_worker.py")
TIMEOUT_S = 180


class Converter:
    def __init__(self, soffice: str):
        self.soffice = soffice
        self.lock = threading.Lock()  # one document at a time through the one LibreOffice
        self.proc: subprocess.Popen | None = None
        self.profile = tempfile.mkdtemp(prefix="tracker-office-")
        self.usable = (
            Path(SYSTEM_PYTHON).exists() and subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True).returncode == 0
        )

    def _worker(self) -> subprocess.Popen:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen(
                [SYSTEM_PYTHON, str(WORKER), self.soffice, f"{self.profile}/profile"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                bufsize=1,
                start_new_session=True,  # its own process group: a stuck LibreOffice goes down with it
            )
        return self.proc

    def convert(self, src: Path, dst: Path) -> None:
        if not self.usable:
            return self.once(src, dst)
        with self.lock:
            p = self._worker()
            try:
                p.stdin.write(json.dumps({"src": str(src), "dst": str(dst)}) + "\n")
                p.stdin.flush()
                ready, _, _ = select.select([p.stdout], [], [], TIMEOUT_S)
                line = p.stdout.readline() if ready else ""
            except (BrokenPipeError, OSError):
                line = ""
            answer = json.loads(line) if line.strip() else {"ok": False, "error": "no answer"}
            if answer.get("ok") and dst.exists():
                return None
            if not line.strip():  # stuck or gone: a new worker next time
                self.close()
        return self.once(src, dst)  # the PDF still gets made, the slow way

    def once(self, src: Path, dst: Path) -> None:
        """LibreOffice started for this one file (its own profile)."""
        subprocess.run(
            [self.soffice, f"-env:UserInstallation=file://{src.parent}/profile", "--headless", "--convert-to", "pdf"]
            + ["--outdir", str(dst.parent), str(src)],
            check=True,
            capture_output=True,
            timeout=TIMEOUT_S,
        )
        made = dst.parent / f"{src.stem}.pdf"
        if made != dst:
            made.replace(dst)

    def close(self) -> None:
        p, self.proc = self.proc, None
        if p is not None and p.poll() is None:
            try:
                p.stdin.close()  # the worker stops LibreOffice and leaves
                p.wait(15)
            except (OSError, subprocess.TimeoutExpired):
                try:
                    os.killpg(p.pid, signal.SIGKILL)  # the worker and the LibreOffice it started
                except ProcessLookupError:
                    pass
                p.wait(5)
        shutil.rmtree(self.profile, ignore_errors=True)
        self.profile = tempfile.mkdtemp(prefix="tracker-office-")  # a next PDF starts clean


_converters: dict[str, Converter] = {}
_lock = threading.Lock()


def converter(soffice: str) -> Converter:
    with _lock:
        c = _converters.get(soffice)
        if c is None:
            c = _converters[soffice] = Converter(soffice)
            atexit.register(c.close)
        return c


def docx_to_pdf(docx: bytes, soffice: str) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "b.docx", Path(tmp) / "b.pdf"
        src.write_bytes(docx)
        converter(soffice).convert(src, dst)
        return dst.read_bytes()
