"""`python -m tracker.build`: the week's derived files are the ones the ingest writes (DuckDB engine; Spark's parity
is tests/test_spark.py)."""

from __future__ import annotations

import polars as pl

from queries import derived as dv
from tests import fixture as F
from tracker import build


def test_jobs_are_the_files_the_ingest_writes(tmp_path):
    root = F.build(tmp_path / "fx")  # its own: pages add files of other subsidy policies to the shared fixture
    part = dv.partition(F.CUR, root)
    written = {p.name for p in part.glob("*.parquet")} - {"records.parquet"}
    assert {j.file for j in build.jobs(root, F.CUR)} == written
    assert "diff_prev" not in {j.kind for j in build.jobs(root, F.LY_SAME)}


def test_cli_builds_a_week_like_the_ingest(fixture_dir, tmp_path, capsys):
    assert build.main(["--engine", "duckdb", "--data", str(fixture_dir), "--week", F.CUR.isoformat(), "--out", str(tmp_path)]) == 0
    out = tmp_path / f"snapshot_date={F.CUR.isoformat()}"
    part = dv.partition(F.CUR, fixture_dir)
    for job in build.jobs(fixture_dir, F.CUR):
        assert pl.read_parquet(out / job.file).equals(pl.read_parquet(part / job.file), null_equal=True), job.file
    assert f"{F.CUR} duckdb total" in capsys.readouterr().out


def test_cli_refuses_a_missing_week(fixture_dir, capsys):
    assert build.main(["--data", str(fixture_dir), "--week", "2026-01-02"]) == 2
    assert "no snapshot" in capsys.readouterr().err
