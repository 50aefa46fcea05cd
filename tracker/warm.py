"""A server warmed before its first visitor: `python -m tracker.warm [streamlit run options]`.

Under plain `streamlit run app.py`, the first visitor's page load imports the app's modules (about 1.5 s on two
cores), opens the state store (0.3 s), builds the DuckDB connection (0.3 s) and reads the map's boundaries. This
entry point does that work in a thread that starts with the server, while the first browser is still loading
Streamlit's bundle and plotly.js, and then it is Streamlit's own `run`, in this process (one interpreter, so
the imported modules and the process-wide caches are the ones the app uses).

A script run waits for the warm-up (`wait()` at the top of app.py): two threads importing the same modules at
once can see each other's half-imported modules. Under plain `streamlit run` nothing was started and `wait()`
returns at once.
"""

from __future__ import annotations

import ast
import importlib
import logging
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
_done = threading.Event()
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
    t = time.perf_counter()
    for name in app_modules():
        _import(name)
    _import("alembic.command")  # the store's migration check, on the first page that reads the store
    seconds["imports"] = time.perf_counter() - t


def warm() -> None:
    """Import the app's modules, open the store, build the connection, load the hierarchy and the maps' outlines."""
    t0 = time.perf_counter()
    try:
        import_all()

        import queries
        from tracker import geo, hierarchy, store
        from tracker.hierarchy import REGION

        t = time.perf_counter()
        store.engine()
        seconds["store"] = time.perf_counter() - t
        t = time.perf_counter()
        h = hierarchy.load()
        if queries.snapshot_dates():
            queries.connection()
        seconds["connection"] = time.perf_counter() - t
        t = time.perf_counter()
        for area in [REGION, *h.children(REGION)]:  # the region's map and each prefecture's
            geo.warm_outlines(area)
        seconds["maps"] = time.perf_counter() - t
    except Exception:  # a warm-up never keeps the server from serving: the first page does the work instead
        log.exception("warm-up failed; the first page will do this work")
    finally:
        seconds["total"] = time.perf_counter() - t0
        _done.set()
        print("warm-up: " + ", ".join(f"{k} {v:.2f} s" for k, v in seconds.items()), file=sys.stderr, flush=True)


def start() -> threading.Thread:
    global _started
    _started = True
    th = threading.Thread(target=warm, name="tracker-warm-up", daemon=True)
    th.start()
    return th


def wait(timeout: float = 120) -> None:
    """Until the warm-up is done (at once when none was started)."""
    if _started:
        _done.wait(timeout)


def main(argv: list[str] | None = None) -> None:
    from streamlit.web import bootstrap, cli  # noqa: F401  Streamlit's own modules first, in this thread

    start()
    sys.argv = ["streamlit", "run", str(REPO / "app.py"), *(sys.argv[1:] if argv is None else argv)]
    cli.main()


if __name__ == "__main__":  # run as a script, this file is `__main__`: app.py must find the module it imports
    from tracker import warm as this

    this.main()
