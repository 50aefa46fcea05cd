"""Shared fixtures: the hand-checkable data set, a small generated demo, and a running app."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import queries
from tests import fixture

REPO = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 22)


# Most tests look at the numbers as the demo (everything visible); tests of logins and scopes switch it off.
os.environ.setdefault("TRACKER_DEMO", "1")
# apps started by the tests do not start the background build of older weeks' derived files: tests count and time
# those files themselves; tests/test_prebuild.py runs it
os.environ.setdefault("TRACKER_PREBUILD", "0")
# the keyed-hash secret and the audit anchors next to it stay in a temporary folder, not in the home directory
os.environ.setdefault("TRACKER_SECRET_KEY_FILE", os.path.join(tempfile.mkdtemp(prefix="tracker-key-"), "person_key.secret"))
# the app's own state (accounts, sessions, follow-ups) too: tests that need their own store set TRACKER_STORE_URL
os.environ.setdefault("TRACKER_STORE_URL", f"sqlite:///{os.path.join(tempfile.mkdtemp(prefix='tracker-store-'), 'state.db')}")


queries.set_scope(queries.SYSTEM)


def _scan_once():
    """Each new AppTest scans every installed package for Streamlit components (0.6 s here: ~700 packages' metadata
    parsed); the server does it once at start. The packages do not change during the run: scan once per process."""
    from streamlit.components.v2 import manifest_scanner as ms

    scan, memo = ms.scan_component_manifests, {}

    def once(max_workers=None):
        if "found" not in memo:
            memo["found"] = scan(max_workers)
        return list(memo["found"])

    ms.scan_component_manifests = once


_scan_once()


@pytest.fixture(autouse=True)
def system_scope():
    """Query-layer tests (and session fixtures) run as the operator; the app sets each run's scope from its
    user, in its own thread. Tests of scopes change it; the next test starts as the operator again."""
    yield
    queries.set_scope(queries.SYSTEM)


@pytest.fixture(scope="session", autouse=True)
def outputs(tmp_path_factory):
    """Everything the suite shows or writes outside tmp dirs lands here for the ID scan (test_zz_pii_scan):
    each AppTest run's rendered elements, and the log of every app server the tests start."""
    from streamlit.testing.v1 import AppTest

    out = tmp_path_factory.getbasetemp() / "outputs"
    out.mkdir(exist_ok=True)
    os.environ["TRACKER_TEST_OUTPUTS"] = str(out)
    orig = AppTest._run
    count = [0]

    def walk(node):
        if getattr(node, "proto", None) is not None:
            yield node.proto.SerializeToString()
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    def run_and_keep(self, *a, **kw):
        at = orig(self, *a, **kw)
        count[0] += 1
        (out / f"apptest-{count[0]:05d}.bin").write_bytes(b"\n".join(walk(at._tree)))
        return at

    AppTest._run = run_and_keep
    from tracker import ingest, ledger

    # ledgers fed to ingest are inputs: they hold full IDs by nature and are left out of the scan
    write, ing = ledger.write, ingest.ingest

    def write_and_mark(*a, **kw):
        return mark_input(write(*a, **kw))

    def ingest_and_mark(files, *a, **kw):
        for f in files:
            mark_input(f)
        return ing(files, *a, **kw)

    ledger.write, ingest.ingest = write_and_mark, ingest_and_mark
    yield out
    AppTest._run, ledger.write, ingest.ingest = orig, write, ing


def mark_input(path: Path) -> Path:
    """Note a file as test input (a source ledger), not output, for the ID scan."""
    out = os.environ.get("TRACKER_TEST_OUTPUTS")
    if out:
        with open(Path(out) / "inputs.txt", "a", encoding="utf-8") as f:
            f.write(f"{Path(path).resolve()}\n")
    return path


def _use(path: Path) -> None:
    os.environ["TRACKER_DATA_DIR"] = str(path)
    queries.reset()


@pytest.fixture(scope="session")
def fixture_dir(tmp_path_factory) -> Path:
    return fixture.build(tmp_path_factory.mktemp("fixture"))


@pytest.fixture
def fx(fixture_dir):
    """Point the query layer at the fixture data for one test."""
    _use(fixture_dir)
    yield fixture_dir
    os.environ.pop("TRACKER_DATA_DIR", None)
    queries.reset()


@pytest.fixture(scope="session")
def small_demo_dir(tmp_path_factory) -> Path:
    """The real generator at 2% scale: both years of weekly snapshots, quick to build."""
    from tracker import generate

    out = tmp_path_factory.mktemp("small_demo")
    generate.generate(out, TODAY, scale=0.02)
    return out


@pytest.fixture
def small_demo(small_demo_dir):
    _use(small_demo_dir)
    yield small_demo_dir
    os.environ.pop("TRACKER_DATA_DIR", None)
    queries.reset()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def audit_lines(db: Path | None = None) -> list[dict]:
    """The audit log of a SQLite store (an app's `state.db`; by default the suite's shared store) as records."""
    import json
    import sqlite3

    path = db or Path(os.environ["TRACKER_STORE_URL"].removeprefix("sqlite:///"))
    with sqlite3.connect(path) as c:
        return [json.loads(x) for (x,) in c.execute("select line from audit_lines order by seq")]


def accounts_env(d: Path, **extra) -> dict:
    """An app with logins: its own store, users file (import source) and audit log under `d`."""
    return {
        "TRACKER_DEMO": "0",
        "TRACKER_USERS_FILE": str(d / "users.json"),
        "TRACKER_STORE_URL": f"sqlite:///{d / 'state.db'}",
        "TRACKER_AUDIT_FILE": str(d / "audit.jsonl"),
        **extra,
    }


def start_app_with_accounts(data_dir: Path, d: Path, accounts: list[tuple], **extra):
    """`start_app` signed-in style: the accounts (auth.add_user arguments) are made in that app's store first."""
    from tracker import auth

    env = accounts_env(d, **extra)
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        for a in accounts:
            auth.add_user(*a)
    finally:
        for k, v in old.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    return start_app(data_dir, env)


# how the app is started: the warmed entry point of `make run` (tracker/warm.py), or plain `streamlit run app.py`
WARMED = ["-m", "tracker.warm"]
PLAIN = ["-m", "streamlit", "run", str(REPO / "app.py")]


def start_app(
    data_dir: Path, extra_env: dict | None = None, extra_args: list[str] | None = None, port: int | None = None, entry: list[str] = WARMED
):
    port = port or free_port()
    env = {**os.environ, "TRACKER_DATA_DIR": str(data_dir), "TRACKER_TODAY": TODAY.isoformat(), "TRACKER_DEMO": "1", **(extra_env or {})}
    out_dir = os.environ.get("TRACKER_TEST_OUTPUTS")  # the server's log joins the outputs scanned for IDs
    log = open(Path(out_dir) / f"server-{port}.log", "wb") if out_dir else subprocess.DEVNULL
    proc = subprocess.Popen(
        [
            sys.executable,
            *entry,
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            *(extra_args or []),
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("streamlit did not start")


@pytest.fixture(scope="session")
def browser():
    pw_mod = pytest.importorskip("playwright.sync_api")
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian chromium is missing: `make test` installs it")
    with pw_mod.sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


def click_map_unit(page, code: str) -> None:
    """Click one unit's marker on the status map (plotly's drag layer takes the clicks, so click its place)."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot')].some(g => (g.data || []).some(t => t.meta === 'markers'))"
    )
    xy = page.evaluate(
        """code => {
        const gd = [...document.querySelectorAll('.js-plotly-plot')].find(g => (g.data || []).some(t => t.meta === 'markers'));
        const k = gd.data.findIndex(t => t.meta === 'markers');
        const codes = gd.data[k].customdata.map(c => Array.isArray(c) ? c[0] : c);
        const pt = gd.querySelectorAll('.scatterlayer .trace')[k].querySelectorAll('.points path')[codes.indexOf(code)];
        pt.scrollIntoView({block: 'center'});
        const r = pt.getBoundingClientRect();
        return [r.x + r.width / 2, r.y + r.height / 2];
    }""",
        code,
    )
    page.mouse.click(*xy)


def select_ranking_row(page, label: str) -> None:
    """Select the ranking grid's row of one unit (by its row marker; the grid is a canvas, its rows are in a hidden
    table for screen readers)."""
    grid = page.locator(".st-key-tr_wide [data-testid=stDataFrame]")
    page.wait_for_function(  # the grid draws its rows after the script is idle: on a busy machine, a moment later
        "l => [...document.querySelectorAll('.st-key-tr_wide [data-testid=stDataFrame] table tr')].some(r => r.textContent.includes(l))",
        arg=label,
        timeout=15_000,
    )
    rows = grid.locator("table tr").evaluate_all("rs => rs.map(r => r.textContent)")
    i = next(k for k, r in enumerate(rows) if label in r)
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 12, box["y"] + 35 * i + 17)


def wait_idle(page, timeout: int = 30_000) -> None:
    """Wait until Streamlit has finished running the script."""
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=timeout)
    page.wait_for_timeout(300)
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=timeout)
