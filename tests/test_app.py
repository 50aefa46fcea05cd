"""AppTest of the overview page on the fixture: no exception and the real numbers on screen."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from tests import fixture as F
from tests.conftest import REPO


def run(**params) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def card(at: AppTest, metric: str) -> str:
    for m in at.markdown:
        if f"data-metric='{metric}'" in m.value:
            # a figure kept whole (tr-nb) reads as it is written; other tags part the words
            return re.sub(r"<[^>]+>", " ", re.sub(r"<span class='tr-nb'>([^<]*)</span>", r"\1", m.value))
    raise AssertionError(f"no card {metric}")


def test_region_cards(fx):
    at = run()
    total = card(at, "total")
    assert "7人" in total and "任务 10人  已下达" in total and "完成率  70.0%" in total  # the quota's source tag
    assert "序时进度 88.8%" in total and "季节进度 80.0%" in total
    assert "低于序时进度18.8个百分点" in total and "严重滞后" in total
    assert "本周净增 +3人" in total and "同比 +75.0%" in total
    share = card(at, "org_share")
    assert "71.4%" in share and "下限 60.0%" in share and "高于下限11.4个百分点" in share and "已达标" in share
    assert "按全年任务测算尚需有组织转移  1人" in share  # 60% of the region's quota of 10 is 6 organized; 5 so far
    assert "5.8万元" in card(at, "income") and "本周净增 +3.1万元" in card(at, "income")
    assert "8,286元" in card(at, "per_capita") and "无任务" in card(at, "per_capita")
    assert "2人" in card(at, "org_xprov") and "任务 4人" in card(at, "org_xprov")


def test_region_ranking_and_laggards(fx):
    at = run()
    df = at.dataframe[0].value
    assert df["单位"].tolist() == ["昌都市", "拉萨市"]
    assert df["完成"].tolist() == ["5人", "2人"] and df["任务"].tolist() == ["6人", "4人"]  # official style in every cell
    assert df["较序时(百分点)"].tolist() == ["−5.4", "−38.8"] and df["本周净增"].tolist() == ["+2人", "+1人"]
    assert [round(x, 1) for x in df["完成率"]] == [83.3, 50.0]
    lag = next(m.value for m in at.markdown if m.value.startswith("- **")).splitlines()
    assert lag == [  # a missed floor first (it is not on the pace scale), then seriously behind, then behind
        "- **拉萨市** 组织化率（未达标）：50.0%，低于下限10.0个百分点，还需有组织转移1人",
        "- **拉萨市** 有组织跨省转移（严重滞后）：完成33.3%，低于序时进度55.4个百分点，差2人",
        "- **拉萨市** 转移就业人数（严重滞后）：完成50.0%，低于序时进度38.8个百分点，差2人",
        "- **昌都市** 转移就业人数（滞后序时）：完成83.3%，低于序时进度5.4个百分点，差1人",
    ]


def test_prefecture_level(fx):
    at = run(area="5403")
    assert "5人" in card(at, "total") and "完成率  83.3%" in card(at, "total")
    df = at.dataframe[0].value
    assert df["单位"].tolist() == ["卡若区", "洛隆县"] and df["完成"].tolist() == ["1人", "4人"]


def test_county_level(fx):
    at = run(area="540329")
    total = card(at, "total")
    assert "4人" in total and "任务 5人" in total and "完成率  80.0%" in total and "本周净增 +1人" in total
    assert "75.0%" in card(at, "org_share")
    df = at.dataframe[0].value
    assert df["单位"].tolist() == ["硕督镇", "孜托镇"] and df["完成"].tolist() == ["2人", "2人"]
    assert [round(x, 1) for x in df["完成率"]] == [100.0, 66.7]


def test_township_level_ranks_villages_without_quotas_and_names_its_own_lags(fx):
    at = run(area="540329100")  # 孜托镇: 2 of 3 persons; its village has no quota
    df = at.dataframe[0].value
    assert df.columns.tolist() == ["排名", "单位", "完成", "本周净增", "明细"]  # nothing to pace: no None columns
    assert df["排名"].tolist() == ["1"] and df["完成"].tolist() == ["2人"] and df["本周净增"].tolist() == ["+0人"]
    assert "下级单位未下达任务，按完成数排列。" in [c.value for c in at.caption]
    assert "下级单位未下达任务，无法判断下级滞后。" in [i.value for i in at.info]
    own = next(m.value for m in at.markdown if m.value.startswith("本单位："))
    assert "**孜托镇** 转移就业人数（严重滞后）：完成66.7%，低于序时进度22.1个百分点，差1人" in own
    assert not at.get("plotly_chart") or all("完成率" not in str(c.proto.spec) for c in at.get("plotly_chart"))


def test_english(fx):
    at = run(area="540329", lang="en")
    total = card(at, "total")
    assert "Persons transferred" in total and "Completion  80.0%" in total and "8.8 pp behind schedule" in total
    assert at.dataframe[0].value["Unit"].tolist() == ["Shuodu Town", "Zituo Town"]
    assert "Demo user (Administrator) · Whole region" in [c.value for c in at.sidebar.caption]
    assert "演示用户（管理员）· 全区" in [c.value for c in run(area="540329").sidebar.caption]
    assert "Status is judged against: linear time elapsed · " in " ".join(shown_text(at))


def shown_text(at) -> list[str]:
    """What the page and its sidebar say in words (the style sheet is not text)."""
    page = [e.value for k in ("markdown", "caption", "subheader", "info", "warning", "success") for e in getattr(at, k)]
    page += [e.value for e in at.sidebar.caption]
    return [s for s in page if not s.lstrip().startswith("<style")]


@pytest.mark.parametrize("area", ["54", "5401", "540329", F.V_Z])
def test_english_pages_take_english_punctuation(fx, area):
    """拉萨市's own lags are listed when its units have no quotas; a village names its area in the sidebar."""
    at = run(area=area, lang="en")
    assert not at.exception
    text = shown_text(at)
    assert not [s for s in text if re.search(r"[：（）　，。；、]", s)]
    if area == "5401":
        assert any(s.startswith("This unit: ") for s in text)
    if area == F.V_Z:
        assert "Area: Zituo Community" in text  # the village's English name


def test_unknown_area_falls_back_with_message(fx):
    at = run(area="999999")
    assert any("未找到区域代码 999999" in w.value for w in at.warning)
    assert "7人" in card(at, "total")
    assert at.query_params["area"] == "54"


def test_missing_snapshot_date_takes_the_earlier_one(fx):
    at = run(snap="2026-11-18")
    assert any("2026-11-18" in w.value and "2026-11-13" in w.value for w in at.warning)
    assert "4人" in card(at, "total")


def test_garbage_parameters_do_not_crash(fx):
    at = run(area="54' or 1=1 --", snap="not-a-date", year="abc", metric="<script>")
    assert "7人" in card(at, "total")


def test_meeting_mode_hides_filter_bar(fx):
    at = run(meet="1")
    assert len(at.sidebar.selectbox) == 0 and "7人" in card(at, "total")
    normal = run()
    assert [s.label for s in normal.sidebar.selectbox][:3] == ["年度", "数据截至", "地市"]


def test_ranking_metric_in_url(fx):
    at = run(metric="org_xprov")
    df = at.dataframe[0].value
    assert df["单位"].tolist() == ["昌都市", "拉萨市"] and df["完成"].tolist() == ["1人", "1人"]


def test_no_data_message(tmp_path, monkeypatch):
    import queries

    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path))
    queries.reset()
    at = run()
    assert [i.value for i in at.info if "尚无数据" in i.value] == ["尚无数据。请在“导入台账”页面导入各县区台账。"]


@pytest.mark.parametrize("area", ["54", "5403", "540329", "540329100", "540329100001"])
def test_every_level_renders(fx, area):
    at = run(area=area)
    assert card(at, "total")


def test_demo_quotas_say_where_they_come_from(small_demo):
    """The demo's quotas are demo values: the overview says so and names what they were taken from, and each
    card's quota carries its source tag."""
    at = run(area="540329")
    caption = " ".join(c.value for c in at.caption)
    assert "演示说明：本页任务为演示值" in caption and "种子" not in caption
    assert "沿用洛隆县2022年农牧民转移就业实施方案已公布任务" in caption
    assert "任务 11,050人  演示值" in card(at, "total")
    assert at.dataframe[0].value["任务来源"].unique().tolist() == ["演示值"]


def test_the_submissions_page_of_a_week_loaded_whole_and_of_the_latest(small_demo):
    """The demo's older weeks were written whole: the page says so and counts their counties as in, not 78 missing;
    the latest week came county by county: its four counts, the refused 札达县 with the carried, as the overview says."""
    from tests.test_app_pages import open_page

    at = open_page("submissions", snap="2026-11-13")
    assert any("本周数据为整周载入，未经各县区逐个报送" in i.value for i in at.info)
    assert not any("本周报送截止" in c.value for c in at.caption)  # nobody had a deadline that week
    counts = {m.label: m.value for m in at.metric}
    assert counts["已报送"] == counts["迟报"] == counts["沿用上周数据"] == "0个县区"  # nobody sent that week
    loaded = int(counts["已入库（无报送记录）"].removesuffix("个县区"))
    assert loaded > 60 and counts["无本周数据"] == f"{78 - loaded}个县区"
    tab = at.dataframe[0].value
    assert set(tab["状态"]) <= {"已入库（无报送记录）", "未报送"}
    assert (tab.loc[tab["状态"] == "已入库（无报送记录）", "记录数"] > 0).all()  # its records, counted from the week
    at.query_params["snap"] = "2026-11-20"
    at.run()
    assert not at.exception, at.exception
    assert not any("整周载入" in i.value for i in at.info)
    counts = {m.label: m.value for m in at.metric}
    assert counts["沿用上周数据"] == "4个县区" and "已入库（无报送记录）" not in counts
    tab = at.dataframe[0].value.set_index("县区")
    assert tab.loc["札达县", "状态"] == "报送被拒（沿用上周）" and tab.loc["札达县", "报送次数"] == 1  # its refused file


def test_the_quota_check_says_the_levels_below_the_region(small_demo):
    """The region's quota page said 县（区）一级未下达任务 while every county (and township) of the demo has its quotas:
    it had looked at the region's children only."""
    from tests.test_app_pages import open_page

    at = open_page("quotas", area="54")
    said = [s.value for s in at.success]
    assert "下级任务合计与上级一致；任务下达到乡（镇）一级，村（居）一级未下达任务（进度排名按完成数排列）。" in said, said
