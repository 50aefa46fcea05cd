"""The warmed entry point (`python -m tracker.warm`, what `make run` starts): it imports what the pages import, opens
the store, builds the connection and the maps' outlines before the first visitor, and then serves the app. Plain
`streamlit run app.py` still works (its first visitor does that work)."""

from __future__ import annotations

import asyncio
import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench.load import Session, health, start_server, stop_server
from tracker import warm

STEPS = re.compile(r"warm-up: imports ([\d.]+) s, store ([\d.]+) s, connection ([\d.]+) s, maps ([\d.]+) s, total ([\d.]+) s")


def test_the_warm_up_imports_what_app_and_pages_import():
    mods = warm.app_modules()
    assert mods[0] == "pandas"  # before plotly
    for m in ("streamlit", "polars", "queries", "tracker.charts", "tracker.dispatch", "tracker.geo", "tracker.ui", "tracker.analysis"):
        assert m in mods, m
    assert len(mods) == len(set(mods))


def test_without_a_warm_up_a_page_does_not_wait():
    assert not warm._started
    t = time.perf_counter()
    warm.wait()  # what app.py calls under plain `streamlit run` and AppTest
    assert time.perf_counter() - t < 0.05


def _overview(url: str):
    async def go():
        s = Session(url, 60)
        await s.open()
        try:
            return await s.load("overview", "")
        finally:
            await s.close()

    # in a thread of its own: a worker that ran a browser test still has playwright's loop running here
    with ThreadPoolExecutor(1) as ex:
        return ex.submit(asyncio.run, go()).result()


@pytest.mark.parametrize("entry", ["warmed", "plain"])
def test_a_visitor_arriving_during_the_warm_up_waits_for_its_imports(fixture_dir, tmp_path, entry):
    log = tmp_path / "server.log"
    # the warm-up starts 3 s late, so the visitor below surely arrives while it runs
    env = {"TRACKER_PREBUILD": "0", "TRACKER_TODAY": "2026-11-20", "TRACKER_WARM_PAUSE": "3"}
    proc, url = start_server(fixture_dir, log, env, entry=entry)
    try:
        rec = _overview(url)  # at once: the server answers its health check before the warm-up is done
        assert rec.status == "ok", rec.detail
        assert rec.deltas > 20  # the cards, the ranking, the charts
        assert health(url)
        deadline = time.time() + 60
        while entry == "warmed" and not STEPS.search(log.read_text()) and time.time() < deadline:
            time.sleep(0.2)
        text = log.read_text()
        if entry == "plain":
            assert "warm-up" not in text
            return
        waited = re.search(r"warm-up: a page waited ([\d.]+) s for the imports", text)
        assert waited and float(waited.group(1)) > 0.5, text[-2000:]
        steps = STEPS.search(text)
        assert steps, text[-2000:]
        assert "failed" not in text
        imports, store, connection, maps, total = (float(x) for x in steps.groups())
        assert total >= imports + store + connection + maps - 0.05
        assert text.index("a page waited") < text.index("warm-up: imports")  # the page ran before the warm-up ended
    finally:
        stop_server(proc)
