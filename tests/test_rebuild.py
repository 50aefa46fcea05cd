"""`python -m tracker.rebuild`: every derived file of every week back in place, older builder versions removed."""

from __future__ import annotations

from queries import derived
from tests import fixture as F
from tracker import rebuild


def test_rebuild_restores_and_cleans(tmp_path):
    root = F.build(tmp_path / "d")
    part = derived.partition(F.CUR, root)
    (part / derived.file_name("rollup_dims")).unlink()
    (part / derived.file_name("diff_prev")).unlink()
    (part / "rollup_dims_v2.parquet").write_bytes(b"an older layout")
    assert rebuild.main(["--data-dir", str(root), "--week", F.CUR.isoformat()]) == 0
    names = {p.name for p in part.iterdir()}
    assert {derived.file_name("rollup_dims"), derived.file_name("diff_prev")} <= names
    assert "rollup_dims_v2.parquet" not in names
    assert not any(n.startswith(".") for n in names)
    r = rebuild.rebuild(root)
    assert r["weeks"] == 4 and r["removed"] == 0


def test_rebuild_upgrades_a_week_of_an_older_version(tmp_path):
    """A week written before `counted` and the rollup's `records` existed: the rebuild adds them, computed by the
    counting rules (R10 is E's placement reported again: not counted), and the rollup counts every record."""
    import polars as pl

    root = F.build(tmp_path / "d")
    part = derived.partition(F.CUR, root)
    pl.read_parquet(part / "records.parquet").drop("counted").write_parquet(part / "records.parquet")
    pl.read_parquet(part / "rollup_village.parquet").drop("records").write_parquet(part / "rollup_village.parquet")
    r = rebuild.rebuild(root)
    assert r["upgraded"] == 1
    df = pl.read_parquet(part / "records.parquet")
    assert df.filter(~pl.col("counted"))["record_id"].to_list() == ["R10"]
    assert pl.read_parquet(part / "rollup_village.parquet")["records"].sum() == 10
    assert rebuild.rebuild(root)["upgraded"] == 0
