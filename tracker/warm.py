"""A server warmed before its first visitor: `python -m tracker.warm [streamlit run options]`.

Under plain `streamlit run app.py`, the first visitor's page load imports the app's modules (about 1.5 s on two
cores), opens the state store (0.3 s), builds the DuckDB connection (0.3 s) and reads the map's boundaries. This
entry point does that work in a thread that starts with the server, while the first browser is still loading
Streamlit's bundle and plotly.js, and then it is Streamlit's own `run`, in this process (one interpreter, so
the imported modules and the process-wide caches are the ones the app uses).

A script run waits for the warm-up's imports (`wait()` at the top of app.py): two threads importing the same
modules at once can see each other's half-imported modules. The store, the connection and the outlines need no
such wait (each has its own lock or is built whole before it is kept). Under plain `streamlit run` nothing was
started and `wait()` returns at once. Run it from the repository's directory (as `make run` does).
"""

from __future__ import annotations

import ast
import importlib
import logging
import os
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
_imported = threading.Event()
_started = False
log = logging.getLogger("tracker.warm")
seconds: dict[str, float] = {}  # what the warm-up took, step by step (the bench and the tests read it)


def app_modules() -> list[str]:
    """Every module app.py and the pages import (read from their source: the list is not kept by hand)."""
    found: list[str] = ["pandas"]  # first: plotly reads a half-imported pandas otherwise (see app.py)
    for path in [REPO / "app.py", *sorted((REPO / "app_pages").glob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            else:
                continue
            found += [n for n in names if n not in found]
    return found


def _import(name: str) -> None:
    try:
        importlib.import_module(name)
    except ImportError:  # `from x import function` names a function, not a module
        pass


def import_all() -> None:
    for name in app_modules():
        _import(name)
    _import("alembic.command")  # the store's migration check, on the first page that reads the store


def _step(name: str, fn) -> None:
    """One step of the warm-up, timed; a failure is logged and the next step still runs (the first page does it)."""
    t = time.perf_counter()
    try:
        fn()
    except Exception:
        log.exception("warm-up: %s failed; the first page will do it", name)
    seconds[name] = time.perf_counter() - t


def _store() -> None:
    from tracker import store

    store.engine()


def _connect() -> None:
    import queries
    from tracker import objstore

    if queries.snapshot_dates() and not objstore.configured():  # with object storage the first page pulls first
        queries.connection()


def _maps() -> None:
    from tracker import geo, hierarchy
    from tracker.hierarchy import REGION

    for area in [REGION, *hierarchy.load().children(REGION)]:  # the region's map and each prefecture's
        geo.warm_outlines(area)


def warm() -> None:
    """Import the app's modules (then a page may run), open the store, build the connection, the maps' outlines."""
    t0 = time.perf_counter()
    pause = float(os.environ.get("TRACKER_WARM_PAUSE", "0") or 0)  # tests: a visitor arriving during the warm-up
    try:
        time.sleep(pause)
        _step("imports", import_all)
    finally:
        _imported.set()  # whatever happened: a page must never wait for ever
    _step("store", _store)
    _step("connection", _connect)  # `queries.connection()` has one builder; a page asking meanwhile waits for it
    _step("maps", _maps)
    seconds["total"] = time.perf_counter() - t0 - pause
    print("warm-up: " + ", ".join(f"{k} {v:.2f} s" for k, v in seconds.items()), file=sys.stderr, flush=True)


def start() -> threading.Thread:
    global _started
    _started = True
    th = threading.Thread(target=warm, name="tracker-warm-up", daemon=True)
    th.start()
    return th


def wait() -> None:
    """Until the warm-up's imports are done (at once when none was started). No timeout: a page that imported
    alongside them could see a half-imported module; the imports end, failed or not."""
    if _started and not _imported.is_set():
        t = time.perf_counter()
        _imported.wait()
        print(f"warm-up: a page waited {time.perf_counter() - t:.2f} s for the imports", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> None:
    from streamlit.web import bootstrap, cli  # noqa: F401  Streamlit's own modules first, in this thread

    start()
    sys.argv = ["streamlit", "run", str(REPO / "app.py"), *(sys.argv[1:] if argv is None else argv)]
    cli.main()


if __name__ == "__main__":  # run as a script, this file is `__main__`: app.py must find the module it imports
    from tracker import warm as this

    this.main()
