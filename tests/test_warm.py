"""The warmed entry point (`python -m tracker.warm`, what `make run` starts): it imports what the pages import, opens
the store, builds the connection and the maps' outlines before the first visitor, and then serves the app."""

from __future__ import annotations

import asyncio
import re
import time

from bench.load import Session, health, start_server, stop_server
from tracker import warm


def test_the_warm_up_imports_what_app_and_pages_import():
    mods = warm.app_modules()
    assert mods[0] == "pandas"  # before plotly
    for m in ("streamlit", "polars", "queries", "tracker.charts", "tracker.dispatch", "tracker.geo", "tracker.ui", "tracker.analysis"):
        assert m in mods, m
    assert len(mods) == len(set(mods))


def test_a_warmed_server_serves_the_overview_after_its_warm_up(fixture_dir, tmp_path):
    log = tmp_path / "server.log"
    proc, url = start_server(fixture_dir, log, {"TRACKER_PREBUILD": "0", "TRACKER_TODAY": "2026-11-20"}, entry="warmed")
    try:
        deadline = time.time() + 60
        while "warm-up:" not in log.read_text() and time.time() < deadline:
            time.sleep(0.2)
        text = log.read_text()
        line = re.search(r"warm-up: imports ([\d.]+) s, store ([\d.]+) s, connection ([\d.]+) s, maps ([\d.]+) s, total ([\d.]+) s", text)
        assert line, text[-2000:]
        assert "warm-up failed" not in text
        steps = [float(x) for x in line.groups()]
        assert steps[-1] >= sum(steps[:-1]) - 0.05  # the total covers the steps

        async def overview():
            s = Session(url, 60)
            await s.open()
            try:
                return await s.load("overview", "")
            finally:
                await s.close()

        rec = asyncio.run(overview())
        assert rec.status == "ok", rec.detail
        assert rec.deltas > 20  # the cards, the ranking, the charts
        assert health(url)
    finally:
        stop_server(proc)
