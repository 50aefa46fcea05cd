"""The national person registry (tracker/registry.py) on the fixture's two provinces (tests/fixture.national): every
expected number is worked out by hand in the fixture's notes."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys

import polars as pl
import pytest

import queries
from tests import fixture as F
from tests.conftest import REPO
from tests.s3server import s3, s3_server  # noqa: F401  (fixtures)
from tests.test_app_pages import metrics, open_page
from tracker import objstore, registry, submissions
from tracker.generate import write_snapshot

TIBET = [
    {
        "province": "54",
        "placements": 9,
        "placements_elsewhere": 2,
        "placements_counted": 7,
        "persons": 7,
        "persons_elsewhere": 3,
        "persons_counted": 4,
    },
    {
        "province": "63",
        "placements": 5,
        "placements_elsewhere": 1,
        "placements_counted": 4,
        "persons": 5,
        "persons_elsewhere": 1,
        "persons_counted": 4,
    },
]


@pytest.fixture
def nat(tmp_path):
    return F.national(tmp_path / "nat")


def mine(root, province: str) -> pl.DataFrame:
    return pl.read_parquet(root / f"province={province}" / "national" / f"snapshot_date={F.CUR}.parquet")


def test_each_placement_and_person_counts_once_in_the_country(nat):
    assert registry.resolve(nat, F.CUR).to_dicts() == TIBET
    got = mine(nat, "54").select(
        "record_id", "first_province", "first_reported", "home_province", "placement_elsewhere", "person_elsewhere"
    )
    assert got.rows() == [
        ("R1", "63", dt.date(2026, 3, 28), "63", True, True),  # Q1 was reported first
        ("R8", "63", dt.date(2026, 4, 1), "63", True, True),  # the same day: Q5 < R8
        ("R9", "54", dt.date(2026, 11, 19), "63", False, True),  # its own placement counts here; G counts in Qinghai
    ]
    assert mine(nat, "63").select("record_id", "first_province", "home_province").rows() == [("Q2", "54", "54")]
    assert "national_home" not in mine(nat, "54").columns  # another province's village is not this one's business
    homes = pl.read_parquet(registry.week_dir(nat, F.CUR) / "elsewhere.parquet").select("record_id", "national_home")
    assert dict(homes.rows()) == {"R1": F.QH_V, "R8": F.QH_V, "R9": F.QH_V, "Q2": F.V_K}


def test_the_rule_is_the_one_of_one_ledger(nat):
    """Both provinces' weeks as one ledger through submissions.counting_units: each counted placement and each person
    lands in the province the registry says, and in the same counting unit."""
    weeks = [pl.read_parquet(registry._records(d, F.CUR)) for d in registry.provinces(nat).values()]
    one = submissions.counting_units(pl.concat(weeks).drop("home_code", "counted"))
    s = {r["province"]: r for r in registry.resolve(nat, F.CUR).to_dicts()}
    by_report = pl.col("record_id").str.slice(0, 1).replace_strict({"R": "54", "Q": "63"})  # who reported it
    counted = one.filter("counted").with_columns(province=by_report)
    assert dict(counted.group_by("province").len().rows()) == {p: s[p]["placements_counted"] for p in s} == {"54": 7, "63": 4}
    first = one.sort("reported_date", "record_id").unique("person_key", keep="first").with_columns(province=by_report)
    assert dict(first.group_by("province").len().rows()) == {p: s[p]["persons_counted"] for p in s} == {"54": 4, "63": 4}
    homes = dict(one.select("person_key", "home_code").unique().iter_rows())
    for r in pl.read_parquet(registry.week_dir(nat, F.CUR) / "elsewhere.parquet").iter_rows(named=True):
        assert homes[r["person_key"]] == r["national_home"]


def test_a_week_written_again_is_checked_again(nat):
    registry.resolve(nat, F.CUR)
    assert not registry.publish(nat, "54", F.CUR) and not registry.publish(nat, "63", F.CUR)  # nothing changed
    assert registry.checked(F.CUR, nat / "province=63")["stale"] is False
    write_snapshot(F.frame([r for r in F.qinghai() if r["record_id"] != "Q2"]), nat / "province=63", F.CUR)
    assert registry.checked(F.CUR, nat / "province=63")["stale"] is True
    assert registry.checked(F.CUR, nat / "province=54")["stale"] is False
    assert registry.publish(nat, "63", F.CUR) and not registry.publish(nat, "54", F.CUR)
    s = {r["province"]: r for r in registry.resolve(nat, F.CUR).to_dicts()}
    assert (s["63"]["placements"], s["63"]["placements_elsewhere"], s["63"]["persons_counted"]) == (4, 0, 4)
    assert (s["54"]["placements_counted"], s["54"]["persons_counted"]) == (7, 4)  # E now reported by Tibet only
    assert mine(nat, "63").height == 0 and registry.checked(F.CUR, nat / "province=63")["stale"] is False


def test_a_province_without_the_week_leaves_the_registry(nat):
    registry.resolve(nat, F.CUR)
    shutil.rmtree(nat / "province=63" / "snapshots" / f"snapshot_date={F.CUR}")
    s = registry.resolve(nat, F.CUR)
    assert s.to_dicts() == [{**TIBET[0], "placements_elsewhere": 0, "placements_counted": 9, "persons_elsewhere": 0, "persons_counted": 7}]
    assert not (registry.week_dir(nat, F.CUR) / "reports" / "63.parquet").exists()
    assert mine(nat, "54").height == 0


def test_command_line_in_official_units(nat, capsys):
    assert registry.main(["--root", str(nat)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "省份\t报送就业记录\t其中外省先报\t全国计入记录\t报送人数\t其中计入外省\t全国计入人数",
        "西藏自治区\t9条\t2条\t7条\t7人\t3人\t4人",
        "青海省\t5条\t1条\t4条\t5人\t1人\t4人",
        "全国\t14条\t3条\t11条\t12人\t4人\t8人",
    ]
    assert registry.main(["--root", str(nat), "--lang", "en"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "Country\t14\t3\t11\t12\t4\t8"
    assert registry.main(["--root", str(nat.parent / "nowhere")]) == 2
    assert "no province=XX/" in capsys.readouterr().err


@pytest.fixture
def tibet_of_nat(nat):
    registry.resolve(nat, F.CUR)
    os.environ["TRACKER_DATA_DIR"] = str(nat / "province=54")
    queries.reset()
    yield nat
    os.environ.pop("TRACKER_DATA_DIR", None)
    queries.reset()


def test_quality_page_lists_what_counts_in_another_province(tibet_of_nat):
    at = open_page("quality")
    m = metrics(at)
    assert (m["人员计入外省"], m["就业记录外省先报"], m["核对省份"]) == ("3", "2", "2")
    assert any("西藏自治区、青海省" in c.value and "同日按记录编号在先" in c.value and "全区的统计" in c.value for c in at.caption)
    view = at.dataframe[-1].value
    assert view["记录编号"].tolist() == ["R8", "R9", "R1"]  # by county: 城关区 540102 before 洛隆县 540329
    assert view["该次就业计入省份"].tolist() == ["青海省", "西藏自治区", "青海省"]
    assert view["该人计入省份"].tolist() == ["青海省"] * 3
    assert set(view["户籍县区"]) == {"城关区", "洛隆县"}
    assert not at.warning

    at = open_page("quality", area="540329")  # 洛隆县 sees its own: A's placement
    assert (metrics(at)["人员计入外省"], metrics(at)["就业记录外省先报"]) == ("1", "1")
    assert at.dataframe[-1].value["记录编号"].tolist() == ["R1"]

    at = open_page("quality", area="540302")  # 卡若区: E counts here, nothing elsewhere
    assert (metrics(at)["人员计入外省"], metrics(at)["就业记录外省先报"]) == ("0", "0")
    assert any("没有计入外省" in s.value for s in at.success)


def test_quality_page_says_when_the_check_is_out_of_date(tibet_of_nat):
    week = F.frame([r for r in F.current() if r["record_id"] != "R9"])
    write_snapshot(week, tibet_of_nat / "province=54", F.CUR)
    queries.reset()
    at = open_page("quality", lang="en")
    assert any("changed after the national check" in w.value for w in at.warning)
    assert "Persons counted elsewhere" in metrics(at)


def test_quality_page_says_when_nothing_was_compared(tibet_of_nat):
    shutil.rmtree(tibet_of_nat / "province=63" / "snapshots" / f"snapshot_date={F.CUR}")
    registry.resolve(tibet_of_nat, F.CUR)  # Qinghai has not sent the week
    at = open_page("quality")
    assert (metrics(at)["人员计入外省"], metrics(at)["核对省份"]) == ("0", "1")
    assert any("尚未与其他省份比对" in w.value for w in at.warning)
    assert not any("没有计入外省" in s.value for s in at.success)


def test_the_rows_need_the_records_right(tibet_of_nat):
    check = registry.checked(F.CUR, tibet_of_nat / "province=54")
    with queries.scoped(queries.Scope("54", False)), pytest.raises(queries.Denied):
        queries.run("national_elsewhere", path=check["path"], area="54")
    with queries.scoped(queries.Scope("540329", False)):
        assert queries.run("national_elsewhere_counts", path=check["path"], area="540329").rows() == [(1, 1)]


def test_on_object_storage_each_province_pulls_its_own(s3, tmp_path):  # noqa: F811
    """A national root in a bucket: each province published under province=XX/, the registry run as a command against
    the bucket, and a Tibetan host's ordinary pull brings its national file and nothing of Qinghai's."""
    root, env = s3
    local = F.national(tmp_path / "nat")
    for p in ("54", "63"):
        objstore.push(local / f"province={p}", f"{root}/province={p}")
    r = subprocess.run(
        [sys.executable, "-m", "tracker.registry", "--root", root],
        env={**os.environ, **env},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == "全国\t14条\t3条\t11条\t12人\t4人\t8人"
    # each province's records only, not its week's derived files
    assert re.findall(r"^(\d\d): fetched (\d+) files", r.stderr, re.M) == [("54", "1"), ("63", "1")], r.stderr
    host = tmp_path / "host54"
    objstore.pull(host, f"{root}/province=54")
    check = registry.checked(F.CUR, host)
    assert check["provinces"] == ["54", "63"] and check["stale"] is False
    assert pl.read_parquet(check["path"])["record_id"].to_list() == ["R1", "R8", "R9"]
    weeks = pl.scan_parquet(host / "snapshots" / "*" / "records.parquet")
    assert weeks.select(pl.col("county_code").str.slice(0, 2).unique()).collect().to_series().to_list() == ["54"]
    assert not list(host.rglob("*63.parquet"))  # the registry's own files stay at the national level
    r = subprocess.run(
        [sys.executable, "-m", "tracker.registry", "--root", root + "-nothing-here"],
        env={**os.environ, **env},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and "no province=XX/" in r.stderr and "Traceback" not in r.stderr
