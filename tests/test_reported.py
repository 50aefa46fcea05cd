"""Reported metrics (填报指标): figures the units report themselves, entered on the page or loaded from a table, paced,
ranked and flagged like the ledger's metrics, with their source shown.

Hand-computed on a copy of the fixture with training quotas 昌都市 2,000, 洛隆县 1,500, 卡若区 500 (person-times):
洛隆县 enters 1,200 on the page, 卡若区's 300 comes in a table. On 2026-11-20 the time elapsed is 324/365 = 88.77%:
洛隆县 80.0% (−8.8 points, behind), 卡若区 60.0% (−28.8, seriously behind), 昌都市 has not reported itself, so its
figure is the sum below it: 1,500 of 2,000 = 75.0% (−13.8, behind)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

import queries
from tests import fixture as F
from tests.conftest import REPO, mark_input
from tracker import dispatch, hierarchy, quotas, reported

DAY = F.CUR


@pytest.fixture
def data(tmp_path, monkeypatch):
    root = F.build(tmp_path / "d")
    q = pl.read_csv(root / "quotas.csv", schema=quotas.SCHEMA)
    extra = quotas.frame(
        [
            (2026, u, "training", float(v), dt.date(2026, 12, 31), "test", "issued")
            for u, v in (("5403", 2000), ("540329", 1500), ("540302", 500))
        ]
    )
    pl.concat([q, extra]).write_csv(root / "quotas.csv")
    monkeypatch.setenv("TRACKER_DATA_DIR", str(root))
    monkeypatch.setenv("TRACKER_TODAY", "2026-11-22")
    queries.reset()
    yield root
    queries.reset()


@pytest.mark.parametrize(
    "row, reason",
    [
        ({"unit_code": "549999", "item": "training_sessions", "value": 1, "as_of": DAY}, "unknown unit"),
        ({"unit_code": "540102", "item": "training_sessions", "value": 1, "as_of": DAY}, "outside your area"),
        ({"unit_code": "540329", "item": "persons", "value": 1, "as_of": DAY}, "not a reported item"),
        ({"unit_code": "540329", "item": "training_sessions", "value": -5, "as_of": DAY}, "the value is not a number ≥ 0"),
        ({"unit_code": "540329", "item": "training_sessions", "value": 1.5, "as_of": DAY}, "must be a whole number"),
        (
            {"unit_code": "540329", "item": "training_sessions", "value": 1, "as_of": dt.date(2027, 1, 1)},
            "the as-of date is not valid (not after today)",
        ),
    ],
)
def test_bad_reports_are_refused_with_a_reason(row, reason):
    good, bad = reported.check([row], hierarchy.load(), "5403", dt.date(2026, 11, 22))
    assert good == [] and [b["reason_en"] for b in bad] == [reason]


def test_entry_import_pacing_and_ranking(data, tmp_path):
    # 洛隆县's staff enters its figure on the page (the demo user here: an administrator of the whole region)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.query_params["area"] = "5403"
    at.run()
    at.switch_page("app_pages/reported.py")
    at.run()
    assert not at.exception, at.exception
    at.selectbox(key="rep_unit").set_value("540329")
    at.date_input(key="rep_asof").set_value(DAY)
    at.number_input(key="rep_training_sessions").set_value(1200)
    next(b for b in at.button if b.label == "提交").click().run()  # the form's submit button
    assert not at.exception, at.exception
    assert "已填报1项。" in [s.value for s in at.success]
    # 卡若区's figure comes in a table (with a bad row: an unknown unit)
    table = tmp_path / "填报.csv"
    # (城镇新增就业 has no target at 昌都市: a card at the desk, none on the projector)
    table.write_text("单位,截至日期,补贴性职业技能培训,城镇新增就业\n卡若区,2026-11-20,300,40\n火星县,2026-11-20,5,1\n", encoding="utf-8")
    mark_input(table)
    h = hierarchy.load()
    rows, bad = reported.read_table(table, h, DAY)
    out = reported.add(rows, "卡若区人社局", "import", h, "5403", dt.date(2026, 11, 22))
    assert out.accepted == 2 and [b["reason_en"] for b in bad] == ["unknown unit"]  # two figures of 卡若区
    queries.reset()

    d = dispatch.resolve_dates(DAY)
    wk = dispatch.measures("5403", d)
    q = dispatch.quotas("5403", 2026)
    assert "training_sessions" in dispatch.reported_metrics(q, wk)
    ev = dispatch.evaluate("5403", d, wk, q, ["training_sessions"])
    got = {
        r["unit_code"]: (r["actual"], round(r["completion"] * 100, 1), round(r["gap"], 1), r["status"]) for r in ev.iter_rows(named=True)
    }
    assert got == {"5403": (1500, 75.0, -13.8, "behind"), "540329": (1200, 80.0, -8.8, "behind"), "540302": (300, 60.0, -28.8, "serious")}
    rank = dispatch.ranking(ev, "training_sessions")
    assert rank["unit_code"].to_list() == ["540329", "540302"] and rank["rank"].to_list() == [1, 2]
    lag = dispatch.laggards(ev, "training_sessions")
    assert lag["unit_code"].to_list() == ["540302", "540329"]  # worst first

    # the overview shows the reported card with its source, and ranks by it
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.query_params["area"] = "5403"
    at.query_params["metric"] = "training_sessions"
    at.run()
    assert not at.exception, at.exception
    import re

    card = next(re.sub(r"<[^>]+>", "", m.value) for m in at.markdown if "data-metric='training_sessions'" in m.value)
    assert "1,500人次" in card and "任务 2,000人次" in card and "75.0%" in card and "单位填报 · 截至11月20日" in card
    assert "较上周" in card and "本周净增" not in card  # reports come monthly: the change since last week's figure

    def cards(at) -> set[str]:
        return set(re.findall(r"data-metric='(\w+)'", " ".join(m.value for m in at.markdown)))

    assert {"training_sessions", "urban_new_jobs"} <= cards(at)
    meet = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    meet.query_params.update(area="5403", meet="1")
    meet.run()
    assert not meet.exception and "training_sessions" in cards(meet) and "urban_new_jobs" not in cards(meet)
    df = at.dataframe[0].value
    assert df["单位"].tolist() == ["洛隆县", "卡若区"] and [round(x, 1) for x in df["完成率"]] == [80.0, 60.0]
    # whose reports make 昌都市's figure: said under the cards (a county's own page needs no such line)
    who = "填报单位：卡若区、洛隆县。未填报的单位以其下级的填报合计，因此本级数字只含已填报单位。"
    assert who in [c.value for c in at.caption]
    assert reported.coverage_note("540329", 2026, DAY, h.name) is None
    assert reported.coverage_note("5403", 2026, dt.date(2026, 11, 19), h.name) is None  # nothing reported by then
    # every report is kept with who and how; the entry is in the audit log
    hist = reported.history("5403", 2026)
    assert sorted(zip(hist["unit_code"], hist["source"], hist["user"], strict=True)) == [
        ("540302", "import", "卡若区人社局"),
        ("540302", "import", "卡若区人社局"),  # its two figures
        ("540329", "entry", "demo"),
    ]
    from tracker import audit

    assert any(r["action"] == "report_entry" and r["area"] == "540329" for r in audit.read())


def test_bulletin_says_the_reported_figures(data):
    h = hierarchy.load()
    reported.add(
        [
            {"unit_code": "540329", "item": "training_sessions", "value": 1200, "as_of": DAY},
            {"unit_code": "540302", "item": "training_sessions", "value": 300, "as_of": DAY},
        ],
        "demo",
        "entry",
        h,
        "5403",
        dt.date(2026, 11, 22),
    )
    queries.reset()
    from tracker import bulletin

    b = bulletin.build("5403", DAY, "zh", with_figures=False)
    line = next(p for p in b.paragraphs if p.startswith("单位填报指标"))
    assert line.startswith("单位填报指标（填报单位：卡若区、洛隆县）：补贴性职业技能培训1,500人次（截至11月20日）")  # whose sum
    assert "补贴性职业技能培训1,500人次（截至11月20日），完成年度任务的75.0%，低于序时进度13.8个百分点" in line
    # a county behind on a reported metric is in the laggards table, with person-times short (500 × 88.77% − 300)
    lag = b.tables["滞后单位"]
    row = lag.filter((pl.col("单位") == "卡若区") & (pl.col("指标") == "补贴性职业技能培训")).row(0, named=True)
    assert (round(row["较序时或下限(百分点)"], 1), row["差距"], row["状态"]) == (-28.8, "144人次", "严重滞后")
    assert "补贴性职业技能培训" not in b.laggards  # the paragraph names units by the headline metrics only
    en = bulletin.build("5403", DAY, "en", with_figures=False)
    assert any("1,500 person-times (as of 20 Nov 2026), 75.0% of the annual quota, 13.8 points behind schedule" in p for p in en.paragraphs)
    assert any(p.startswith("Figures reported by the units (Karuo District, Luolong County): ") for p in en.paragraphs)
