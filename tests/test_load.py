"""Load: 16 simulated users on the real server (Streamlit's websocket protocol, `bench.load`) for
TRACKER_LOAD_SECONDS (20 by default; `make bench` runs the long load), one week re-ingested halfway through (the
load goes on at least 6 s after it ends, however long it takes, and some loads must read the new week): no failed load, the server
still healthy, its peak memory bounded. A frozen server fails the test within the per-load timeout (the
harness then prints the server's thread dump when py-spy is installed); the test itself never hangs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bench import load
from tests.conftest import TODAY, mark_input, start_app

SECONDS = float(os.environ.get("TRACKER_LOAD_SECONDS", "20"))
USERS = int(os.environ.get("TRACKER_LOAD_USERS", "16"))
MAX_RSS_MB = 2048
pytestmark = pytest.mark.serial  # latencies under load: not next to another test's work


def test_concurrent_users_with_a_reingest(small_demo_dir, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(small_demo_dir, data)  # the re-ingest changes a week: not in the shared demo directory
    (data / "ledger.id").unlink(missing_ok=True)  # a ledger of its own (its submissions are not the demo's)
    week = load.snapshot_dates(data)[-1]
    proc, url = start_app(data)
    out = os.environ.get("TRACKER_TEST_OUTPUTS")  # start_app logs the server there
    log = Path(out) / f"server-{url.rsplit(':', 1)[1]}.log" if out else None
    try:
        assert load.wait_healthy(url, 60), "the server does not answer /_stcore/health"
        r = load.run_load(
            url,
            USERS,
            SECONDS,
            seed=1,
            data_dir=data,
            server_pid=proc.pid,
            reingest=load.Reingest(week, "ingest", 0.02, TODAY),
            server_log=log,
        )
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except Exception:
            proc.kill()
            proc.wait(10)
    if r.reingest and r.reingest.get("ledger"):
        mark_input(Path(r.reingest["ledger"]))  # the ledger fed to ingest holds (synthetic) full IDs by nature
    print(f"\n{r.summary()}\n")
    assert not r.aborted, r.summary()
    assert r.reingest and r.reingest["ok"], r.summary()
    assert r.reingest["hot_after"] > 0, "no load read the re-ingested week after the swap"
    assert len(r.failed) == 0, r.summary()
    assert r.health, r.summary()
    assert len(r.loads) >= USERS
    assert r.peak_rss_mb < MAX_RSS_MB, r.summary()
