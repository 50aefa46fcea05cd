"""Counties send their ledgers at the same time (Monday morning): two ingest processes for the same week, each
merging its county into the week. Neither may overwrite the other's county (one writer at a time per data
directory, from reading the week to writing it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import polars as pl

from tests.test_submissions import KARUO
from tests.test_weekly_identity import W1, line, write

REPO = __import__("pathlib").Path(__file__).resolve().parents[1]


def test_two_counties_at_once_both_stay(tmp_path):
    key = tmp_path / "key.secret"
    key.write_bytes(b"test-key")
    key.chmod(0o600)
    env = {**os.environ, "TRACKER_SECRET_KEY_FILE": str(key), "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'state.db'}"}
    data = tmp_path / "data"
    rounds = [  # the second round: both counties re-send different files, at once again
        {"540329": [line(i) for i in range(1, 41)], "540302": [line(100 + i, **KARUO) for i in range(1, 31)]},
        {"540329": [line(i) for i in range(1, 36)], "540302": [line(100 + i, **KARUO) for i in range(1, 26)]},
    ]
    for rnd, sent in enumerate(rounds):
        files = [write(tmp_path / f"{county}-{rnd}.csv", rows) for county, rows in sent.items()]
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "tracker.ingest", str(f), "--snapshot-date", W1.isoformat(), "--data-dir", str(data)],
                env=env,
                cwd=REPO,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for f in files
        ]
        errs = [p.communicate(timeout=300)[1].decode() for p in procs]
        assert [p.returncode for p in procs] == [0, 0], errs
        part = data / "snapshots" / f"snapshot_date={W1}"
        got = pl.read_parquet(part / "records.parquet").group_by("county_code").len()
        assert dict(got.iter_rows()) == {c: len(rows) for c, rows in sent.items()}, f"round {rnd}"
        counties = json.loads((part / "manifest.json").read_text())["counties"]
        assert {c: (v["status"], v["rows"]) for c, v in counties.items()} == {c: ("submitted", len(r)) for c, r in sent.items()}
