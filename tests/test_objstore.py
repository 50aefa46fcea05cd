"""Object storage (s3://) against a real S3-compatible server on loopback (moto's server, tests/s3server.py): a data
directory published and pulled back byte for byte, a restated week taken whole, the builder adding a week's derived
files in the bucket, two hosts sending counties at once without losing either, the app serving a bucket's data."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from tests import fixture
from tests.conftest import REPO, start_app, wait_idle
from tests.pgserver import pg_server  # noqa: F401  (fixture)
from tests.s3server import s3, s3_server  # noqa: F401  (fixtures)
from tests.test_submissions import KARUO
from tests.test_weekly_identity import W1, line, write
from tracker import ingest, objstore
from tracker.errors import TrackerError

CUR = fixture.CUR


def files(d: Path) -> dict[str, bytes]:
    return {rel: p.read_bytes() for rel, p in objstore._local_files(d).items()}


def copy(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest)
    return dest


def test_push_then_pull_gives_the_same_files_and_a_second_pull_fetches_nothing(fixture_dir, s3, tmp_path):  # noqa: F811
    uri, _ = s3
    here = copy(fixture_dir, tmp_path / "here")
    pushed = objstore.push(here, uri)
    assert pushed["weeks"] == 4  # the fixture's four weeks, each with its commit
    assert objstore.remote_weeks(uri) == [dt.date(2025, 11, 21), dt.date(2025, 12, 26), fixture.PREV, CUR]
    there = tmp_path / "there"
    got = objstore.pull(there, uri)
    assert got["weeks"] == 4 and got["kept"] == []
    assert files(there) == files(here)  # every week's records, rollup, derived files and manifest, and quotas.csv
    assert sorted(r for r in files(here) if not r.endswith(objstore.COMMIT)) == sorted(
        files(fixture_dir)
    )  # nothing of the data directory left behind
    assert objstore.pull(there, uri) == {"weeks": 0, "files": 0, "kept": [], "deleted": 0}  # nothing changed: nothing downloaded
    assert objstore.push(here, uri) == {"weeks": 0, "files": 0, "stale": []}  # nor uploaded


def test_a_restated_week_is_taken_whole_and_its_old_generation_goes(fixture_dir, s3, tmp_path):  # noqa: F811
    from tracker.generate import write_snapshot

    uri, _ = s3
    a = copy(fixture_dir, tmp_path / "a")
    objstore.push(a, uri)
    b = tmp_path / "b"
    objstore.pull(b, uri)
    part = a / "snapshots" / f"snapshot_date={CUR}"
    frame = pl.read_parquet(part / "records.parquet")
    restated = frame.with_columns(
        pl.when(pl.col("income_yuan") == 12_000).then(13_000).otherwise(pl.col("income_yuan")).alias("income_yuan")
    )
    write_snapshot(restated.cast(frame.schema), a, CUR)  # F's income restated: the week rewritten on host a
    assert objstore.push(a, uri)["weeks"] == 1
    got = objstore.pull(b, uri)
    assert got["weeks"] == 1
    mine = pl.read_parquet(b / "snapshots" / f"snapshot_date={CUR}" / "records.parquet")
    assert mine["income_yuan"].sum() == frame["income_yuan"].sum() + 1_000
    assert files(b) == files(a)  # the rollup and every derived file of the new generation with it
    fs = objstore.filesystem()
    gens = [p.rsplit("/", 1)[-1] for p in fs.ls(f"{objstore.bucket_path(uri)}/snapshots/snapshot_date={CUR}", detail=False)]
    assert sorted(g.startswith("g=") for g in gens) == [False, True]  # one generation left, and its commit


def test_a_withdrawn_week_goes_everywhere_and_nothing_goes_for_being_absent(fixture_dir, s3, tmp_path):  # noqa: F811
    uri, _ = s3
    a = copy(fixture_dir, tmp_path / "a")
    objstore.push(a, uri)
    b, c = tmp_path / "b", tmp_path / "c"
    objstore.pull(b, uri), objstore.pull(c, uri)
    old_week = dt.date(2025, 11, 21)
    old = f"snapshots/snapshot_date={old_week}"
    # a week missing here (a crash between two renames, a disk cleaned by hand) is not a deletion: a push leaves the
    # store's copy, and the next pull brings it back
    shutil.rmtree(b / old)
    assert objstore.push(b, uri) == {"weeks": 0, "files": 0, "stale": []}
    assert old_week in objstore.remote_weeks(uri)
    assert objstore.pull(b, uri)["weeks"] == 1 and files(b) == files(a)
    # nor is a listing without it (another deployment's prefix): nothing here is removed
    assert objstore.pull(b, uri + "-elsewhere")["deleted"] == 0 and (b / old).exists()
    # withdrawn on purpose on host a: gone from the store (no generation left) and from b at its next pull
    assert objstore.withdraw(a, uri, old_week) == {"withdrawn": old_week.isoformat()}
    fs = objstore.filesystem()
    assert old_week not in objstore.remote_weeks(uri) and not (a / old).exists()
    assert [p.rsplit("/", 1)[-1] for p in fs.ls(f"{objstore.bucket_path(uri)}/{old}", detail=False)] == [objstore.WITHDRAWN]
    assert objstore.pull(b, uri)["deleted"] == 1 and not (b / old).exists() and files(b) == files(a)
    assert objstore.pull(b, uri)["deleted"] == 0  # once
    # host c had rewritten that week since its pull: its copy stays, and its push publishes the week again
    from tracker.generate import write_snapshot

    frame = pl.read_parquet(c / old / "records.parquet")
    write_snapshot(frame.with_columns(pl.col("income_yuan") + 1).cast(frame.schema), c, old_week)
    assert objstore.pull(c, uri)["deleted"] == 0 and (c / old).exists()
    assert objstore.push(c, uri)["weeks"] == 2 and old_week in objstore.remote_weeks(uri)  # and the next week's diff
    assert objstore.pull(b, uri)["weeks"] == 1 and (b / old).exists()  # back everywhere, the withdrawal cleared


def test_the_builder_adds_a_weeks_derived_files_in_the_bucket(s3, tmp_path):  # noqa: F811
    uri, env = s3
    a = fixture.build(tmp_path / "a")  # its own: pages add files of other subsidy policies to the shared fixture
    part = a / "snapshots" / f"snapshot_date={CUR}"
    built = {p.name: pl.read_parquet(p) for p in part.glob("*.parquet") if p.name not in ("records.parquet", "rollup_village.parquet")}
    for name in built:
        (part / name).unlink()  # the week as an ingest that left its derived files to be built
    objstore.push(a, uri)
    r = subprocess.run(
        [sys.executable, "-m", "tracker.build", "--engine", "duckdb", "--data", uri, "--week", CUR.isoformat()],
        env={**os.environ, **env, "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'build-state.db'}"},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert f"{CUR} duckdb total" in r.stdout
    got = objstore.pull(tmp_path / "b", uri)
    assert got["weeks"] == 4
    mine = tmp_path / "b" / "snapshots" / f"snapshot_date={CUR}"
    for name, df in built.items():  # the same files as the fixture's own build, row for row
        assert pl.read_parquet(mine / name).equals(df), name
    objstore.pull(a, uri)  # the host that sent the week gets them too, in the same generation
    assert {p.name for p in part.glob("*.parquet")} >= set(built)


def test_two_hosts_send_counties_at_once_and_both_stay(s3, pg_server, tmp_path):  # noqa: F811
    uri, env = s3
    key = tmp_path / "key.secret"
    key.write_bytes(b"test-key")
    key.chmod(0o600)
    shared = {
        **os.environ,
        **env,
        "TRACKER_DATA_URI": uri,
        "TRACKER_SECRET_KEY_FILE": str(key),
        "TRACKER_STORE_URL": pg_server.new_database(),
    }
    sent = {
        "540329": write(tmp_path / "洛隆县.csv", [line(i) for i in range(1, 41)]),
        "540302": write(tmp_path / "卡若区.csv", [line(100 + i, **KARUO) for i in range(1, 31)]),
    }
    for rnd in range(2):  # each county on its own host (its own local copy), both at the same moment
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "tracker.ingest", str(f), "--snapshot-date", W1.isoformat()],
                env={**shared, "TRACKER_DATA_DIR": str(tmp_path / f"host-{county}")},
                cwd=REPO,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for county, f in sent.items()
        ]
        errs = [p.communicate(timeout=300)[1].decode() for p in procs]
        assert [p.returncode for p in procs] == [0, 0], errs
        third = tmp_path / f"reader-{rnd}"
        objstore.pull(third, uri)
        part = third / "snapshots" / f"snapshot_date={W1}"
        got = pl.read_parquet(part / "records.parquet").group_by("county_code").len()
        assert dict(got.iter_rows()) == {"540302": 30, "540329": 40}, f"round {rnd}"
        counties = json.loads((part / "manifest.json").read_text())["counties"]
        assert {c: v["status"] for c, v in counties.items()} == {"540302": "submitted", "540329": "submitted"}
    # each county's submitted rows and reject report reached the bucket from its own host
    assert sorted(p.name for p in (third / "submissions" / W1.isoformat()).iterdir()) == ["540302", "540329"]


def test_a_week_written_here_is_published_only_on_the_stores_current_generation(fixture_dir, s3, tmp_path):  # noqa: F811
    from tracker.generate import write_snapshot

    uri, _ = s3
    a = copy(fixture_dir, tmp_path / "a")
    objstore.push(a, uri)
    b = tmp_path / "b"
    objstore.pull(b, uri)
    frame = pl.read_parquet(b / "snapshots" / f"snapshot_date={CUR}" / "records.parquet")
    write_snapshot(frame.head(3), b, CUR)  # host b writes the week and does not publish it (a push that failed)
    assert objstore.pull(b, uri)["kept"] == [CUR]  # nobody published since: b's week stays, for b's next push
    write_snapshot(frame.head(5), a, CUR)  # host a restates the week and publishes it
    assert objstore.push(a, uri)["weeks"] == 1
    assert objstore.push(b, uri)["stale"] == [CUR]  # b's week was written on the older generation: not published
    assert objstore.pull(b, uri)["kept"] == []  # and the store's week wins on b
    assert pl.read_parquet(b / "snapshots" / f"snapshot_date={CUR}" / "records.parquet").height == 5
    c = tmp_path / "c"
    objstore.pull(c, uri)
    assert pl.read_parquet(c / "snapshots" / f"snapshot_date={CUR}" / "records.parquet").height == 5


def test_only_the_stores_own_copy_is_synced(fixture_dir, s3, tmp_path, monkeypatch):  # noqa: F811
    """A demo or a test written into another directory (generate --out) never touches the object store."""
    uri, _ = s3
    monkeypatch.setenv("TRACKER_DATA_URI", uri)
    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path / "home"))
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'state.db'}")
    other = copy(fixture_dir, tmp_path / "other")
    res = ingest.ingest([write(tmp_path / "洛隆县.csv", [line(i) for i in range(1, 6)])], W1, other, user="t", key=b"k")
    assert res.accepted == 5 and res.write_error is None
    assert objstore.remote_weeks(uri) == []  # nothing published
    assert not (tmp_path / "home").exists()  # and nothing pulled


def test_a_failed_publish_is_said_not_hidden(s3, tmp_path, monkeypatch):  # noqa: F811
    uri, _ = s3
    home = tmp_path / "home"
    monkeypatch.setenv("TRACKER_DATA_URI", uri)
    monkeypatch.setenv("TRACKER_DATA_DIR", str(home))
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'state.db'}")

    def unreachable(*a, **k):  # the object store going away between the pull and the push
        raise ConnectionError("connection reset")

    monkeypatch.setattr(objstore, "push", unreachable)
    res = ingest.ingest([write(tmp_path / "洛隆县.csv", [line(i) for i in range(1, 6)])], W1, home, user="t", key=b"k")
    assert res.write_error["zh"].startswith("数据已在本服务器写入，但未能发布到对象存储（ConnectionError）")
    assert res.exit_code == 3  # the page and the command line report it as an error
    assert (home / "snapshots" / f"snapshot_date={W1}" / "records.parquet").exists()  # written here, as it says


def test_credentials_come_from_the_environment_only(monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    with pytest.raises(TrackerError) as e:
        objstore.filesystem()
    assert e.value.zh == "对象存储缺少凭据：请设置环境变量 AWS_ACCESS_KEY_ID 和 AWS_SECRET_ACCESS_KEY。"
    with pytest.raises(TrackerError):
        objstore.bucket_path("/data/tibet")  # a local path is not an object storage location


def test_the_app_serves_a_buckets_data_from_an_empty_local_copy(fixture_dir, s3, tmp_path, browser):  # noqa: F811
    uri, env = s3
    objstore.push(copy(fixture_dir, tmp_path / "published"), uri)
    cache = tmp_path / "cache"  # a new host: nothing on its disk
    proc, url = start_app(cache, {**env, "TRACKER_DATA_URI": uri, "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'state.db'}"})
    try:
        page = browser.new_page(viewport={"width": 1500, "height": 1100}, locale="zh-CN")
        page.goto(url + "/?area=5403")
        wait_idle(page)
        card = page.locator(".tr-card[data-metric=total] .tr-value")
        assert card.inner_text() == "5人"  # 昌都市's five persons, read from the bucket's weeks
        assert (cache / "snapshots" / f"snapshot_date={CUR}" / "records.parquet").exists()
        page.close()
    finally:
        proc.terminate()
        proc.wait(10)
