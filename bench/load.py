"""Load test of the real Streamlit server: simulated users speaking Streamlit's websocket protocol, no browser.

    python -m bench.load [--users 1,4,16,32] [--seconds 60] [--data-dir DIR] [--reingest auto|ingest|rewrite|none]

Each simulated user opens a session on ws://HOST/_stcore/stream (subprotocol "streamlit") and loops: a random
page, a random area (the region, a prefecture, a county or a township of `tracker.hierarchy`), a random
snapshot of the data directory (the re-ingested week more often: `hot`), sends a `BackMsg.rerun_script` with
that query string and reads ForwardMsgs until the run's `script_finished`. A load fails when the page shows
an exception element, the script does not compile, the page is not found or another page ran, the socket
closes, or no `script_finished` arrives within the timeout. Halfway through, one week is re-ingested in a
subprocess (`bench.reingest`), so readers see a partition swap under load. The server's RSS is sampled from
/proc during the run; `/_stcore/health` is asked at the end. On the first timeout the server's threads are
dumped with py-spy (when installed) and the run stops early if the server no longer answers its health check.

The command starts its own server per user count (demo mode, loopback, a free port) on the data directory:
the demo data in data/ when present, else a small generated one (scale 0.02, cached under $TMPDIR), and
prints a Markdown table: users, loads, failed, p50, p95, max, peak RSS.

Protocol (Streamlit 1.67, starlette server; see streamlit/web/server/starlette/starlette_websocket.py and
runtime/app_session.py): the server waits for the client's first `rerun_script`; every run then sends
`new_session`, deltas, the `navigation` message of `st.navigation` (every page's `page_script_hash` and
`url_pathname`, and the hash of the page that runs) and `script_finished` (0 FINISHED_SUCCESSFULLY,
1 FINISHED_WITH_COMPILE_ERROR, 2 FINISHED_EARLY_FOR_RERUN: `st.rerun()`, another run follows,
3 FINISHED_FRAGMENT_RUN_SUCCESSFULLY). An uncaught exception ends the run with 0 and an `exception` element.
A page is chosen by `page_name` = its url_path (what a browser sends for a typed URL; the default page's is
"", the root: /overview answers `page_not_found`) until the session has seen the navigation message, then by
`page_script_hash` (what a page link sends).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import math
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tracker import nav

REPO = Path(__file__).resolve().parent.parent
PAGES = tuple(p or "overview" for p in nav.DATA_PAGES)  # the pages that read the week's data (tracker/nav.py)
URL_PATH = {"overview": ""}  # st.navigation's default page lives at the root: /overview is "page not found"
TIMEOUT = 30.0  # seconds from rerun request to script_finished
TODAY = dt.date(2026, 11, 22)  # the generated data's "today", as in the tests
SMALL_SCALE = 0.02
AFTER_SWAP_S = 6.0  # the load goes on this long (at least) after a re-ingest ends, so the new week is read


# ---------------------------------------------------------------- what users ask for


@dataclass(frozen=True)
class Plan:
    """What a user can ask for: areas by level and the data's snapshot dates."""

    areas: dict[str, list[str]]  # level name -> codes
    dates: list[dt.date]
    hot: dt.date | None = None  # the re-ingested week, asked for with probability `hot_p`
    hot_p: float = 0.0
    pages: tuple[str, ...] = PAGES

    @classmethod
    def from_data(cls, data_dir: Path, hot: dt.date | None = None, hot_p: float = 0.3, pages=PAGES) -> Plan:
        from tracker import hierarchy

        h = hierarchy.load()
        areas = {"region": [hierarchy.REGION]}
        for level, name in ((2, "prefecture"), (3, "county"), (4, "township")):
            areas[name] = sorted(h.of_level(level)["code"].to_list())
        return cls(areas, snapshot_dates(data_dir), hot, hot_p if hot else 0.0, tuple(pages))

    def pick(self, rng: random.Random) -> tuple[str, str]:
        page = rng.choice(self.pages)
        area = rng.choice(self.areas[rng.choice(list(self.areas))])
        day = self.hot if self.hot and rng.random() < self.hot_p else rng.choice(self.dates)
        return page, f"year={day.year}&snap={day.isoformat()}&area={area}"


def snapshot_dates(data_dir: Path) -> list[dt.date]:
    snaps = Path(data_dir) / "snapshots"
    return sorted(dt.date.fromisoformat(p.name.split("=", 1)[1]) for p in snaps.glob("snapshot_date=*") if p.is_dir())


# ---------------------------------------------------------------- one simulated browser tab


@dataclass
class Load:
    user: int
    page: str
    query: str
    at: float  # seconds since the run started
    seconds: float
    status: str  # ok | exception | compile_error | page_not_found | wrong_page | timeout | closed | connect
    detail: str = ""
    errors: list[str] = field(default_factory=list)  # st.error boxes shown (not failures by themselves)
    deltas: int = 0
    bytes: int = 0  # the run's messages as received from the websocket

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def nearest_rank(sorted_lat: list[float], q: float) -> float:
    """The q-quantile of sorted latencies by nearest rank (nan when there are none)."""
    if not sorted_lat:
        return float("nan")
    return sorted_lat[min(len(sorted_lat) - 1, max(0, math.ceil(q * len(sorted_lat)) - 1))]


class Session:
    """One websocket session, i.e. one browser tab on the app."""

    def __init__(self, url: str, timeout: float = TIMEOUT):
        self.http = url.rstrip("/")
        self.ws_url = self.http.replace("http", "ws", 1) + "/_stcore/stream"
        self.timeout = timeout
        self.ws = None
        self.hashes: dict[str, str] = {}  # url_pathname -> page_script_hash, from the navigation message

    async def open(self) -> None:
        from websockets.asyncio.client import connect

        self.ws = await connect(
            self.ws_url, subprotocols=["streamlit"], open_timeout=self.timeout, close_timeout=2, ping_interval=None, max_size=None
        )

    async def close(self) -> None:
        if self.ws is not None:
            ws, self.ws = self.ws, None
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), 3)

    def request(self, page: str, query: str) -> bytes:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = query
        path = URL_PATH.get(page, page)
        if path in self.hashes:
            cs.page_script_hash = self.hashes[path]
        else:
            cs.page_name = path
        cs.widget_states.SetInParent()
        ci = cs.context_info
        ci.locale, ci.timezone, ci.timezone_offset = "zh-CN", "Asia/Shanghai", -480
        ci.url = f"{self.http}/{path}?{query}"
        return msg.SerializeToString()

    async def load(self, page: str, query: str, user: int = 0, started: float = 0.0) -> Load:
        from streamlit.proto.Alert_pb2 import Alert
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        t0 = time.monotonic()
        rec = Load(user, page, query, t0 - started, 0.0, "ok")
        try:
            await self.ws.send(self.request(page, query))
        except Exception as e:
            rec.status, rec.detail = "closed", f"{type(e).__name__}: {e}"[:300]
            return rec
        deadline, ran = t0 + self.timeout, None
        while True:
            left = deadline - time.monotonic()
            try:
                if left <= 0:
                    raise TimeoutError
                data = await asyncio.wait_for(self.ws.recv(), left)
            except TimeoutError:
                rec.status, rec.detail = "timeout", f"no script_finished after {self.timeout:.0f} s"
                break
            except Exception as e:  # connection closed by the server
                rec.status, rec.detail = "closed", f"{type(e).__name__}: {e}"[:300]
                break
            if isinstance(data, str):
                continue
            rec.bytes += len(data)
            fm = ForwardMsg.FromString(data)
            kind = fm.WhichOneof("type")
            if kind == "delta":
                rec.deltas += 1
                if fm.delta.WhichOneof("type") == "new_element":
                    el = fm.delta.new_element
                    which = el.WhichOneof("type")
                    if which == "exception" and rec.status == "ok":
                        rec.status = "exception"
                        redacted = not el.exception.type and "redacted" in el.exception.message
                        rec.detail = (
                            "exception element (details redacted by client.showErrorDetails; see the tracebacks from the server log)"
                            if redacted
                            else f"{el.exception.type}: {el.exception.message}"[:500]
                        )
                    elif which == "alert" and el.alert.format == Alert.ERROR:
                        rec.errors.append(el.alert.body[:200])
            elif kind == "navigation":
                self.hashes.update({p.url_pathname: p.page_script_hash for p in fm.navigation.app_pages})
                ran = fm.navigation.page_script_hash
            elif kind == "page_not_found" and rec.status == "ok":
                rec.status, rec.detail = "page_not_found", page
            elif kind == "session_event" and fm.session_event.WhichOneof("type") == "script_compilation_exception":
                e = fm.session_event.script_compilation_exception
                rec.status, rec.detail = "compile_error", f"{e.type}: {e.message}"[:500]
            elif kind == "script_finished":
                if fm.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # st.rerun(): the next run of the same request follows
                if fm.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR and rec.status == "ok":
                    rec.status = "compile_error"
                break
        rec.seconds = time.monotonic() - t0
        if rec.status == "ok" and ran is not None and self.hashes.get(URL_PATH.get(page, page)) not in (None, ran):
            rec.status, rec.detail = "wrong_page", f"asked for {page}, another page ran"
        return rec


# ---------------------------------------------------------------- the server process: memory, health, thread dump


def _status(pid: int) -> dict[str, int]:
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    out[line.split(":")[0]] = int(line.split()[1]) * 1024
    except OSError:
        pass
    return out


def _children(pid: int) -> list[int]:
    kids = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            kids += [int(x) for x in (task / "children").read_text().split()]
    return kids


def rss(pid: int) -> tuple[int, int, int]:
    """(RSS of the process, peak RSS of the process (VmHWM), RSS of the process and all its descendants)."""
    own = _status(pid)
    tree, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        tree += _status(p).get("VmRSS", 0)
        todo += _children(p)
    return own.get("VmRSS", 0), own.get("VmHWM", 0), tree


def health(url: str, timeout: float = 10.0) -> bool:
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/_stcore/health", timeout=timeout) as r:
            return r.status == 200
    except Exception:
        return False


def wait_healthy(url: str, seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if health(url, 2.0):
            return True
        time.sleep(0.3)
    return False


def py_spy() -> str | None:
    exe = Path(sys.executable).parent / "py-spy"
    return str(exe) if exe.exists() else shutil.which("py-spy")


def thread_dump(pid: int, native: bool = False, timeout: float = 60.0) -> str:
    """`py-spy dump` of the server (every Python thread's stack), or why there is none."""
    exe = py_spy()
    if not exe:
        return "(py-spy not installed: `.venv/bin/pip install py-spy` for thread dumps)"
    try:
        r = subprocess.run(
            [exe, "dump", "--pid", str(pid), *(["--native"] if native else [])], capture_output=True, text=True, timeout=timeout
        )
        return r.stdout + (f"\n[stderr] {r.stderr}" if r.returncode else "")
    except subprocess.TimeoutExpired:
        return "(py-spy dump timed out)"


def dump_summary(dump: str, frames: int = 4) -> str:
    """Per thread: its name and the innermost frames (function (file:line)), one line per thread."""
    out, cur = [], None
    for line in dump.splitlines():
        if line.startswith("Thread "):
            cur = [line.strip()]
            out.append(cur)
        elif cur is not None and line.startswith("    ") and len(cur) <= frames:
            cur.append(line.strip())
    return "\n".join(" | ".join(t) for t in out)


def log_tracebacks(log: Path | None, since: int = 0) -> dict[str, int]:
    """Distinct tracebacks in the server's log from byte `since` on: "innermost app frame: exception line" -> count.
    (The app shows no error details to users, client.showErrorDetails = "none"; the log has them.)"""
    if not log or not Path(log).exists():
        return {}
    with open(log, "rb") as f:
        f.seek(since)
        lines = f.read().decode("utf-8", "replace").splitlines()
    out: dict[str, int] = {}
    i = 0
    while i < len(lines):
        if lines[i].startswith("Traceback (most recent call last):"):
            where, i = "?", i + 1
            while i < len(lines) and (lines[i].startswith(" ") or not lines[i].strip()):
                ln = lines[i].strip()
                if ln.startswith('File "') and str(REPO) in ln and "/.venv/" not in ln:
                    where = ln.split('"')[1].replace(str(REPO) + "/", "") + ":" + ln.split("line ")[1].split(",")[0]
                i += 1
            key = f"{where}: {lines[i].strip() if i < len(lines) else '?'}"[:300]
            out[key] = out.get(key, 0) + 1
        i += 1
    return out


# ---------------------------------------------------------------- the re-ingest in the middle


@dataclass(frozen=True)
class Reingest:
    date: dt.date
    mode: str = "ingest"  # ingest (ledger -> tracker.ingest) | rewrite (the week's records, write_snapshot)
    scale: float = SMALL_SCALE
    today: dt.date | None = None
    timeout: float = 300.0

    def run(self, data_dir: Path) -> dict:
        cmd = [
            sys.executable,
            "-m",
            "bench.reingest",
            "--data-dir",
            str(data_dir),
            "--date",
            self.date.isoformat(),
            "--mode",
            self.mode,
            "--scale",
            str(self.scale),
        ] + (["--today", self.today.isoformat()] if self.today else [])
        t0 = time.monotonic()
        try:
            r = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=self.timeout)
            out, ok = r.stdout, r.returncode == 0
            err = "" if ok else r.stderr[-2000:]
        except subprocess.TimeoutExpired:
            out, ok, err = "", False, f"re-ingest timed out after {self.timeout:.0f} s"
        ledger = next((ln.split(": ", 1)[1].strip() for ln in out.splitlines() if ln.startswith("ledger: ")), None)
        return {
            "date": self.date.isoformat(),
            "mode": self.mode,
            "ok": ok,
            "seconds": time.monotonic() - t0,
            "ledger": ledger,
            "output": out.strip().splitlines()[-1:] if out.strip() else [],
            "error": err,
        }


# ---------------------------------------------------------------- the run


@dataclass
class Report:
    users: int
    seconds: float
    loads: list[Load]
    rss_samples: list[tuple[float, int, int]] = field(default_factory=list)  # (t, own RSS, tree RSS)
    hwm: int = 0
    health: bool | None = None
    reingest: dict | None = None
    dumps: list[str] = field(default_factory=list)
    aborted: str = ""
    tracebacks: dict[str, int] = field(default_factory=dict)  # from the server's log during the run
    processes: int = 1
    cpu_s: float | None = None  # the server processes' CPU (user + system) from the first user to the last load

    @property
    def cpu_ms_per_load(self) -> float:
        return self.cpu_s * 1000 / len(self.loads) if self.cpu_s is not None and self.loads else float("nan")

    @property
    def kib_per_load(self) -> float:
        sizes = sorted(x.bytes for x in self.loads if x.ok)
        return statistics.median(sizes) / 1024 if sizes else float("nan")

    @property
    def failed(self) -> list[Load]:
        return [x for x in self.loads if not x.ok]

    def _lat(self) -> list[float]:
        return sorted(x.seconds for x in self.loads if x.status not in ("timeout", "closed", "connect"))

    def pct(self, q: float) -> float:
        return nearest_rank(self._lat(), q)

    @property
    def p50(self) -> float:
        lat = self._lat()
        return statistics.median(lat) if lat else float("nan")

    @property
    def p95(self) -> float:
        return self.pct(0.95)

    def later(self) -> tuple[float, float]:
        """p50 and p95 of the loads after each user's first (the first is a new session, and 30 users opening the
        app within two seconds queue behind each other: that wave alone can set the run's p95)."""
        first: dict[int, float] = {}
        for x in self.loads:
            first[x.user] = min(first.get(x.user, x.at), x.at)
        lat = sorted(x.seconds for x in self.loads if x.at > first[x.user] and x.status not in ("timeout", "closed", "connect"))
        return nearest_rank(lat, 0.5), nearest_rank(lat, 0.95)

    @property
    def pmax(self) -> float:
        lat = self._lat()
        return lat[-1] if lat else float("nan")

    @property
    def peak_rss_mb(self) -> float:
        """The server process's peak: its VmHWM (the kernel's high-water mark, nothing missed between samples)."""
        return max([self.hwm, *(s[1] for s in self.rss_samples)]) / 2**20

    @property
    def peak_tree_mb(self) -> float:
        return max((s[2] for s in self.rss_samples), default=0) / 2**20

    def error_boxes(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for x in self.loads:
            for e in x.errors:
                out[e] = out.get(e, 0) + 1
        return out

    def by_page(self) -> dict[str, tuple[int, float, float]]:
        out = {}
        for p in sorted({x.page for x in self.loads}):
            lat = sorted(x.seconds for x in self.loads if x.page == p and x.ok)
            if lat:
                out[p] = (len(lat), statistics.median(lat), nearest_rank(lat, 0.95))
        return out

    def row(self) -> str:
        l50, l95 = self.later()
        return (
            f"| {self.processes} | {self.users} | {len(self.loads)} | {len(self.failed)} | {self.p50:.2f} | {self.p95:.2f} "
            f"| {l50:.2f} | {l95:.2f} | {self.pmax:.2f} | {self.cpu_ms_per_load:.0f} | {self.kib_per_load:.0f} | {self.peak_rss_mb:.0f} |"
        )

    def summary(self) -> str:
        l50, l95 = self.later()
        lines = [
            f"{self.users} users, {self.seconds:.0f} s: {len(self.loads)} loads, {len(self.failed)} failed; "
            f"p50 {self.p50:.2f} s, p95 {self.p95:.2f} s, max {self.pmax:.2f} s (after each user's first load: p50 "
            f"{l50:.2f} s, p95 {l95:.2f} s); server CPU {self.cpu_ms_per_load:.0f} ms and {self.kib_per_load:.0f} KiB sent per "
            f"load (median); peak RSS {self.peak_rss_mb:.0f} MB "
            f"(VmHWM; sampled every 0.5 s: {max((s[1] for s in self.rss_samples), default=0) / 2**20:.0f} MB, "
            f"with child processes {self.peak_tree_mb:.0f} MB); health at the end: {self.health}"
        ]
        if self.reingest:
            r = self.reingest
            lines.append(
                f"re-ingest {r['date']} ({r['mode']}) at {r.get('at', 0):.0f} s: "
                f"{'ok' if r['ok'] else 'FAILED'} in {r['seconds']:.1f} s {r['output']} {r['error']}".rstrip()
            )
            if "hot_loads" in r:
                lines.append(f"loads of the re-ingested week: {r['hot_loads']} ({r['hot_after']} after the swap, {r['hot_failed']} failed)")
        if self.aborted:
            lines.append(f"ABORTED: {self.aborted}")
        kinds: dict[str, int] = {}
        for x in self.failed:
            kinds[x.status] = kinds.get(x.status, 0) + 1
        if kinds:
            lines.append("failures: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
            seen = set()
            for x in self.failed:
                if (x.status, x.detail) in seen or len(seen) >= 8:
                    continue
                seen.add((x.status, x.detail))
                lines.append(f"  [{x.status}] /{x.page}?{x.query} at {x.at:.0f} s: {x.detail}")
        if self.tracebacks:
            lines.append(
                "tracebacks in the server log (innermost app frame: exception): "
                + "; ".join(f"{v}× {k}" for k, v in list(self.tracebacks.items())[:6])
            )
        boxes = self.error_boxes()
        if boxes:
            lines.append("st.error boxes shown: " + "; ".join(f"{v}× {k}" for k, v in list(boxes.items())[:5]))
        pages = self.by_page()
        if pages:
            lines.append("per page (ok loads, p50, p95 s): " + ", ".join(f"{p} {n} {a:.2f}/{b:.2f}" for p, (n, a, b) in pages.items()))
        for d in self.dumps:
            lines.append("server thread dump (innermost frames):\n" + dump_summary(d))
        return "\n".join(lines)


def run_load(
    url: str | list[str],
    users: int,
    seconds: float,
    think: tuple[float, float] = (0.0, 0.5),
    seed: int = 0,
    *,
    data_dir: Path | None = None,
    plan: Plan | None = None,
    server_pid: int | list[int] | None = None,
    timeout: float = TIMEOUT,
    max_loads: int | None = None,
    reingest: Reingest | None = None,
    hot_p: float = 0.3,
    abort_on_freeze: bool = True,
    server_log: Path | None = None,
) -> Report:
    """`users` simulated users against the app at `url` for `seconds` (each stops after `max_loads` loads too).

    Never hangs: each load has `timeout`, connects too, and the whole run is cancelled `timeout + 30` s after
    `seconds`. With `server_pid` the server's RSS is sampled and the server dumped (py-spy) on the first timeout;
    with `server_log` the tracebacks it logs during the run are reported.
    """
    log_at = Path(server_log).stat().st_size if server_log and Path(server_log).exists() else 0
    if plan is None:
        from tracker import settings

        plan = Plan.from_data(Path(data_dir or settings.data_dir()), hot=reingest.date if reingest else None, hot_p=hot_p)
    job = _run(
        url,
        users,
        seconds,
        think,
        seed,
        plan,
        server_pid,
        timeout,
        max_loads,
        reingest,
        Path(data_dir) if data_dir else None,
        abort_on_freeze,
    )
    rep = _in_own_loop(job)
    rep.tracebacks = log_tracebacks(server_log, log_at)
    return rep


def _in_own_loop(job):
    """asyncio.run in a thread of its own: the caller may already run an event loop (Playwright's sync API
    in the same test session does)."""
    import threading

    out: dict = {}

    def main() -> None:
        try:
            out["value"] = asyncio.run(job)
        except BaseException as e:
            out["error"] = e

    t = threading.Thread(target=main, name="load-run")
    t.start()
    t.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


async def _run(url, users, seconds, think, seed, plan, pid, timeout, max_loads, reingest, data_dir, abort_on_freeze) -> Report:
    urls = [url] if isinstance(url, str) else list(url)  # several app processes: user i on process i mod n (sticky)
    pids = [] if not pid else [pid] if isinstance(pid, int) else list(pid)
    rep = Report(users, seconds, [], processes=len(urls))
    started = time.monotonic()
    end = started + seconds  # a re-ingest that ends late pushes it back: loads must read the new week too
    after = max(AFTER_SWAP_S, seconds / 4)  # how long the load goes on after a re-ingest ends
    stop = asyncio.Event()
    dumped = asyncio.Lock()

    async def on_timeout(rec: Load) -> None:
        """A load timed out: dump the server's threads (once); stop the run when the server no longer answers."""
        if stop.is_set():
            return
        k = rec.user % len(urls)
        if pids and not dumped.locked() and not rep.dumps:
            async with dumped:
                rep.dumps.append(await asyncio.to_thread(thread_dump, pids[k % len(pids)]))
        if not await asyncio.to_thread(health, urls[k], 5.0) and abort_on_freeze and not stop.is_set():
            rep.aborted = f"server froze at {rec.at:.0f} s: a load timed out and /_stcore/health does not answer"
            stop.set()

    async def user(i: int) -> None:
        rng = random.Random(seed * 1_000_003 + i)
        s, n = None, 0
        await asyncio.sleep(rng.uniform(0, min(2.0, seconds / 10)))  # tabs do not open in the same millisecond
        while time.monotonic() < end and not stop.is_set() and (max_loads is None or n < max_loads):
            page, query = plan.pick(rng)
            if s is None:
                s = Session(urls[i % len(urls)], timeout)
                t0 = time.monotonic()
                try:
                    await s.open()
                except Exception as e:
                    rep.loads.append(Load(i, page, query, t0 - started, time.monotonic() - t0, "connect", f"{type(e).__name__}: {e}"[:300]))
                    n += 1
                    s = None
                    await asyncio.sleep(1.0)
                    continue
            rec = await s.load(page, query, i, started)
            rep.loads.append(rec)
            n += 1
            if rec.status in ("timeout", "closed"):
                await s.close()  # a fresh tab; the old session's run is abandoned
                s = None
                if rec.status == "timeout":
                    await on_timeout(rec)
            await asyncio.sleep(rng.uniform(*think))
        if s is not None:
            await s.close()

    def rss_all() -> tuple[int, int, int]:
        got = [rss(p) for p in pids]
        return tuple(sum(g[j] for g in got) for j in range(3))  # the processes together

    async def sample() -> None:
        while not stop.is_set():
            own, hwm, tree = rss_all()
            if own:
                rep.rss_samples.append((time.monotonic() - started, own, tree))
                rep.hwm = max(rep.hwm, hwm)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)

    async def swap() -> None:
        nonlocal end
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds / 2)
        if stop.is_set():
            return
        at = time.monotonic() - started
        end = max(end, time.monotonic() + reingest.timeout)  # users keep going while it runs
        rep.reingest = await asyncio.to_thread(reingest.run, data_dir)
        rep.reingest["at"] = at
        rep.reingest["done_at"] = time.monotonic() - started
        end = max(started + seconds, time.monotonic() + after)

    def cpu() -> float:
        """Seconds of CPU (user + system) of the server processes and their children so far."""
        tick, total = os.sysconf("SC_CLK_TCK"), 0
        for p in pids:
            with contextlib.suppress(OSError):
                f = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
                total += sum(int(x) for x in f[11:15])  # utime, stime, cutime, cstime
        return total / tick

    cpu0 = cpu() if pids else None
    side = []
    if pids:
        side.append(asyncio.create_task(sample()))
    if reingest is not None and data_dir is not None:
        side.append(asyncio.create_task(swap()))
    tasks = [asyncio.create_task(user(i)) for i in range(users)]
    try:
        budget = seconds + timeout + 90 + (reingest.timeout + after if reingest else 0)
        results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), budget)
        bugs = [r for r in results if isinstance(r, BaseException)]
        if bugs:  # a bug of the harness, not of the app: say so loudly
            rep.aborted = rep.aborted or f"harness error in {len(bugs)} user(s): {type(bugs[0]).__name__}: {bugs[0]}"
    except TimeoutError:
        rep.aborted = rep.aborted or "the run did not end in time; users cancelled"
    stop.set()
    for t in side:
        try:
            await asyncio.wait_for(t, (reingest.timeout + 10) if reingest else 10)
        except (TimeoutError, asyncio.CancelledError):
            pass
    rep.seconds = time.monotonic() - started
    if cpu0 is not None:
        rep.cpu_s = cpu() - cpu0
    rep.health = all([await asyncio.to_thread(health, u, 10.0) for u in urls])
    if pids:
        own, hwm, tree = rss_all()
        if own:
            rep.rss_samples.append((rep.seconds, own, tree))
            rep.hwm = max(rep.hwm, hwm)
        if not rep.health and not rep.dumps:
            rep.dumps.append(await asyncio.to_thread(thread_dump, pids[0]))
    if rep.reingest and plan.hot:
        hot = [x for x in rep.loads if f"snap={plan.hot.isoformat()}" in x.query]
        done = rep.reingest.get("done_at", rep.seconds)
        rep.reingest.update(hot_loads=len(hot), hot_after=sum(x.at >= done for x in hot), hot_failed=sum(not x.ok for x in hot))
    return rep


# ---------------------------------------------------------------- the command


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


ENTRIES = {  # how a server is started: as `make run` does (warmed before its first visitor), or plain
    "warmed": ["-m", "tracker.warm"],
    "plain": ["-m", "streamlit", "run", str(REPO / "app.py")],
}


def start_server(
    data_dir: Path, log: Path, env: dict | None = None, port: int | None = None, entry: str = "warmed"
) -> tuple[subprocess.Popen, str]:
    """The app on loopback in demo mode (`make run`'s entry point, or plain `streamlit run app.py`); waits for
    /_stcore/health."""
    port = port or free_port()
    env = {**os.environ, "TRACKER_DATA_DIR": str(data_dir), "TRACKER_DEMO": "1", **(env or {})}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                *ENTRIES[entry],
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}; log: {log}")
        if health(url, 2.0):
            return proc, url
        time.sleep(0.3)
    stop_server(proc)
    raise RuntimeError(f"streamlit did not start; log: {log}")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def default_data(scale: float = SMALL_SCALE) -> tuple[Path, bool]:
    """(data directory, generated here): data/ with snapshots, else a small generated demo (cached)."""
    demo = REPO / "data"
    if snapshot_dates(demo):
        return demo, False
    out = Path(tempfile.gettempdir()) / "tracker-load" / f"small-{scale}"
    if not snapshot_dates(out):
        from tracker import generate

        print(f"generating a small demo (scale {scale}) into {out} …", file=sys.stderr)
        generate.generate(out, TODAY, scale)
    return out, True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", default="1,4,16,32", help="comma-separated user counts, one server each")
    ap.add_argument("--processes", default="1", help="comma-separated app process counts (each user sticks to one process)")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--timeout", type=float, default=TIMEOUT, help="per load")
    ap.add_argument("--data-dir", type=Path, default=None, help="default: data/ if it has snapshots, else a small generated one")
    ap.add_argument("--scale", type=float, default=SMALL_SCALE, help="of the generated data (and the re-ingested ledger)")
    ap.add_argument(
        "--reingest",
        choices=["auto", "ingest", "rewrite", "none"],
        default="auto",
        help="auto: ingest on generated data, rewrite (same numbers) on a given or the demo directory",
    )
    ap.add_argument(
        "--entry", default="warmed", help="comma-separated, one run each: warmed (tracker.warm, as make run), plain (streamlit run)"
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--think", default="0,0.5", help="pause between a user's loads: min,max seconds")
    ap.add_argument("-v", "--verbose", action="store_true", help="the full summary of each run on stderr")
    a = ap.parse_args(argv)
    generated = False
    if a.data_dir is None:
        data_dir, generated = default_data(a.scale)
    else:
        data_dir = a.data_dir.resolve()
    env = {"TRACKER_TODAY": TODAY.isoformat()} if generated else {}
    mode = a.reingest if a.reingest != "auto" else ("ingest" if generated else "rewrite")
    dates = snapshot_dates(data_dir)
    if not dates:
        print(f"no snapshots in {data_dir}", file=sys.stderr)
        return 2
    think = tuple(float(x) for x in a.think.split(","))
    logs = Path(tempfile.gettempdir()) / "tracker-load"
    logs.mkdir(parents=True, exist_ok=True)
    rows, worst = [], 0
    print(f"data: {data_dir} ({len(dates)} snapshots), {a.seconds:.0f} s per run, re-ingest: {mode}", file=sys.stderr)
    runs = [(e, k, n) for e in a.entry.split(",") for k in map(int, a.processes.split(",")) for n in map(int, a.users.split(","))]
    for entry, k, n in runs:
        slogs = [logs / f"server-{n}users-{k}proc-{j}.log" for j in range(k)]
        servers = []
        try:
            for lg in slogs:  # one after another: each builds its connection before the next starts
                servers.append(start_server(data_dir, lg, env, entry=entry))
            ri = None if mode == "none" else Reingest(dates[-1], mode, a.scale, TODAY if generated else None)
            r = run_load(
                [u for _, u in servers],
                n,
                a.seconds,
                think,
                a.seed,
                data_dir=data_dir,
                server_pid=[pr.pid for pr, _ in servers],
                timeout=a.timeout,
                reingest=ri,
                server_log=slogs[0] if k == 1 else None,
            )
        finally:
            for pr, _ in servers:
                stop_server(pr)
        rows.append(f"| {entry} " + r.row())
        worst = max(worst, len(r.failed) + (0 if r.health else 1))
        print(r.summary() if a.verbose or r.failed or not r.health else r.row(), file=sys.stderr)
        if r.failed or not r.health:
            print(f"server logs: {', '.join(map(str, slogs))}", file=sys.stderr)
    print(
        "| start | processes | users | loads | failed | p50 s | p95 s | p50 s after the first load | p95 s after the first load | max s "
        "| server CPU ms per load | KiB sent per load (median) | peak RSS MB (all processes) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    return 1 if worst else 0


if __name__ == "__main__":
    sys.exit(main())
