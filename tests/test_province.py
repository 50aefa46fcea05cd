"""A deployment for another province: TRACKER_PROVINCE=63 (青海省) with its own units (data/regions/units_63.csv), its
own words (全省, 省外 where Tibet says 全区, 区外), a chart where Tibet has its map (only Tibet's boundaries are shipped),
and the numbers of its own ledger (tests/fixture.build_qinghai, worked out by hand there). The province is read once
when a process starts, so the app runs in a process of its own."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from tests import fixture as F
from tests.conftest import REPO

SCRIPT = r"""
import json, re
from streamlit.testing.v1 import AppTest

def page(path=None, **qp):
    at = AppTest.from_file("app.py", default_timeout=90)
    for k, v in qp.items():
        at.query_params[k] = v
    at.run()
    if path:
        at.switch_page(path)
        at.run()
    text = [str(e.value) for k in ("title", "header", "subheader", "markdown", "caption", "info", "success", "warning", "error")
            for e in getattr(at, k)]
    cards = {}
    for m in at.markdown:
        got = re.search(r"data-metric='([a-z_]+)'", m.value)
        if got:
            plain = re.sub(r"<span class='tr-nb'>([^<]*)</span>", r"\1", m.value)
            cards[got.group(1)] = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", plain))
    frames = [df.value.astype(str).to_dict("records") for df in at.dataframe]
    metrics = [[m.label, m.value, m.delta] for m in at.metric]
    return {"exception": [str(e.value) for e in at.exception], "text": text, "cards": cards, "frames": frames, "metrics": metrics,
            "selects": [list(s.options) for s in at.selectbox]}

out = {
    "overview": page(),
    "prefecture": page(area="6302"),
    "destinations": page("app_pages/destinations.py"),
    "english": page(lang="en"),
    "quality": page("app_pages/quality.py"),
    "subsidies": page("app_pages/subsidies.py"),
    "quotas": page("app_pages/quotas.py"),
    "channels": page("app_pages/channels.py"),
}
from tracker import hierarchy
from tracker.bulletin import Letterhead
out["letterhead"] = Letterhead.default("63", hierarchy.load().name("63")).mark

# a county's export of its own ledger, read against Qinghai's units; a Tibetan county's row is not this province's
import datetime as dt, pathlib, tempfile
import polars as pl
from tests.test_ingest import HEAD, KEY, good_id
from tracker import ingest
tmp = pathlib.Path(tempfile.mkdtemp())
rows = [
    [good_id(1, "630102"), "城东区", "东关大街街道", "630102001001", "政府组织", "四川省成都市", "2026/3/1", "5", "8000"],
    [good_id(2, "630102"), "城东区", "东关大街街道", "630102001004", "自主就业", "青海省西宁市", "2026/4/1", "4", "6000"],
    [good_id(3, "630202"), "乐都区", "碾伯街道", "630202001001", "劳务经纪人", "西宁市", "2026/5/1", "3", "5000"],
    [good_id(4, "540329"), "洛隆县", "孜托镇", "540329100001", "政府组织", "四川省成都市", "2026/3/1", "5", "8000"],
]
f = tmp / "青海_1120.csv"
f.write_text("\n".join(",".join(r) for r in [HEAD, *rows]), encoding="utf-8")
r = ingest.ingest([f], dt.date(2026, 11, 20), tmp / "data", user="t", key=KEY)
week = pl.read_parquet(tmp / "data" / "snapshots" / "snapshot_date=2026-11-20" / "records.parquet")
cols = ("county_code", "home_code", "dest_scope", "dest_province_code")
out["ingest"] = {"rows_in": r.rows_in, "accepted": r.accepted, "rejected": r.rejected,
                 "rows": week.sort("county_code", "village_code").select(*cols).rows()}
print("RESULT " + json.dumps(out, ensure_ascii=False))
"""


@pytest.fixture(scope="module")
def qinghai(tmp_path_factory):
    data = F.build_qinghai(tmp_path_factory.mktemp("qinghai"))
    env = {**os.environ, "TRACKER_PROVINCE": "63", "TRACKER_DATA_DIR": str(data), "TRACKER_TODAY": "2026-11-22"}
    r = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(next(line for line in r.stdout.splitlines() if line.startswith("RESULT "))[7:])


def test_the_overview_counts_the_provinces_own_ledger(qinghai):
    o = qinghai["overview"]
    assert o["exception"] == []
    assert any(t.startswith("全省农牧民转移就业调度") for t in o["text"])
    total = o["cards"]["total"]
    assert "5人" in total and "任务 10人" in total and "完成率 50.0%" in total
    assert "2人" in o["cards"]["out_region"] and "2.6万元" in o["cards"]["income"]
    assert "60.0%" in o["cards"]["org_share"]  # Q1, Q2, Q5 of five
    rank = o["frames"][0]
    assert [r["单位"] for r in rank] == ["西宁市", "海东市"] and [r["完成"] for r in rank] == ["4人", "1人"]


def test_the_provinces_own_words_and_units(qinghai):
    o = qinghai["overview"]
    flat = " ".join(o["text"] + list(o["cards"].values()))
    assert "省外转移就业" in flat and "区外" not in flat and "全区" not in flat and "西藏" not in flat
    assert not any("拉萨" in " ".join(s) for s in o["selects"])  # its prefectures, not Tibet's
    assert any({"西宁市", "海东市"} <= set(s) for s in o["selects"])
    p = qinghai["prefecture"]
    assert p["exception"] == [] and any(t.startswith("海东市") for t in p["text"])
    assert [r["单位"] for r in p["frames"][0]] == ["乐都区"]
    d = qinghai["destinations"]
    assert d["exception"] == [] and any("省外：就业地省份" in t for t in d["text"]) and any("省内：就业地地市" in t for t in d["text"])
    assert qinghai["letterhead"] == "省农牧民转移就业工作调度通报"  # Tibet's: 自治区…
    e = qinghai["english"]
    assert e["exception"] == [] and any(t.startswith("Whole province") for t in e["text"])
    assert "Out-of-province" in " ".join(e["cards"].values())


def test_other_pages_in_the_provinces_words(qinghai):
    q = qinghai["quality"]
    assert q["exception"] == [] and any("全省只计一次" in t for t in q["text"])
    s = qinghai["subsidies"]  # Tibet's policy is not Qinghai's: nothing estimated until a policy is picked
    assert s["exception"] == [] and any("本省尚未设置补贴政策" in t for t in s["text"])
    assert not s["frames"]
    ch = qinghai["channels"]  # no floor set for Qinghai: none is assumed (Tibet's is 60%)
    share = next(m for m in ch["metrics"] if m[0] == "组织化率")
    assert ch["exception"] == [] and share[1] == "60.0%" and not share[2]  # Q1, Q2, Q5 of five; no gap to a floor
    assert next(m for m in ch["metrics"] if m[0].startswith("还需"))[1] == "—"
    quotas = qinghai["quotas"]
    assert quotas["exception"] == [] and not any("自治区" in t for t in quotas["text"])
    for page in qinghai.values():
        if isinstance(page, dict) and "text" in page:
            assert not any("西藏" in t or "全区" in t for t in page["text"]), page["text"][:3]


def test_a_countys_ledger_is_read_against_the_provinces_units(qinghai):
    got = qinghai["ingest"]
    assert (got["rows_in"], got["accepted"], got["rejected"]) == (4, 3, 1)  # 洛隆县 is Tibet's: refused, not lost
    assert [tuple(r) for r in got["rows"]] == [
        ("630102", "630102001001", "cross_province", "51"),
        ("630102", "630102001004", "cross_county", "63"),  # 城东区 is in 西宁市: another county of the same prefecture
        ("630202", "630202001001", "cross_prefecture", "63"),  # 乐都区 is in 海东市
    ]


def test_no_demo_of_tibet_is_made_for_another_province(tmp_path):
    env = {**os.environ, "TRACKER_PROVINCE": "63"}
    r = subprocess.run(
        [sys.executable, "-m", "tracker.generate", "--out", str(tmp_path / "d")], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert r.returncode != 0 and "演示数据只按西藏自治区生成" in r.stderr + r.stdout
    assert not (tmp_path / "d" / "snapshots").exists()
    assert re.search(r"province 63", r.stderr + r.stdout)


WORDS = """
import json
from tracker import catalogue, hierarchy, quotas
from tracker.bulletin import Letterhead
m = catalogue.METRICS
print(json.dumps({"workers": hierarchy.WORKERS_ZH, "letterhead": Letterhead.default(hierarchy.REGION, "").mark,
                  "share": m["project_labour_share"].zh, "share_en": m["project_labour_share"].en,
                  "out_header": quotas.METRIC_HEADERS["out_region"][0]}, ensure_ascii=False))
"""


HERDERS_EN, RURAL_EN = "Share of farmer-herder workers on public projects", "Share of rural migrant workers on public projects"


@pytest.mark.parametrize(
    "code, workers, letterhead, share, share_en, out_header",
    [
        ("54", "农牧民", "自治区农牧民转移就业工作调度通报", "政府投资项目农牧民工用工占比", HERDERS_EN, "区外转移就业"),
        ("63", "农牧民", "省农牧民转移就业工作调度通报", "政府投资项目农牧民工用工占比", HERDERS_EN, "省外转移就业"),
        ("41", "农村劳动力", "省农村劳动力转移就业工作调度通报", "政府投资项目农民工用工占比", RURAL_EN, "省外转移就业"),
        ("50", "农村劳动力", "市农村劳动力转移就业工作调度通报", "政府投资项目农民工用工占比", RURAL_EN, "市外转移就业"),
    ],
)
def test_whom_the_work_is_for_in_the_provinces_own_words(code, workers, letterhead, share, share_en, out_header):
    """农牧民 where the province's documents say so (the pastoral regions), 农村劳动力 as the national documents say."""
    env = {**os.environ, "TRACKER_PROVINCE": code}
    r = subprocess.run([sys.executable, "-c", WORDS], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert got == {"workers": workers, "letterhead": letterhead, "share": share, "share_en": share_en, "out_header": out_header}
