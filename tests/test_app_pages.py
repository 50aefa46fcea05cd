"""AppTest of every analyst page on the fixture: no exception and the hand-computed numbers on screen."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests import fixture as F
from tests.conftest import REPO


def open_page(page: str, **params) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page(f"app_pages/{page}.py")
    at.run()
    assert not at.exception, at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_records_page(fx):
    at = open_page("records", area="540329")
    assert any("共 **6** 条记录，涉及 **4** 人" in m.value for m in at.markdown)
    df = at.dataframe[0].value
    assert len(df) == 6 and "身份证号(脱敏)" in df.columns and "人员标识" not in df.columns
    assert df["身份证号(脱敏)"].str.match(r"^\d{6}\*{8}[0-9X]{4}$").all()
    assert df["记录编号"].tolist()[0] == "R6"  # newest report first (11-18)
    at.toggle(key="rf_own").set_value(True).run()
    assert any("共 **5** 条记录，涉及 **4** 人" in m.value for m in at.markdown)


def test_records_filter_by_channel(fx):
    at = open_page("records", area="54")
    at.multiselect(key="rf_channel").set_value(["self_found"]).run()
    assert any("共 **3** 条记录，涉及 **3** 人" in m.value for m in at.markdown)
    assert sorted(at.dataframe[0].value["记录编号"].tolist()) == ["R2", "R5", "R9"]


def test_channels_page(fx):
    at = open_page("channels")
    m = metrics(at)
    assert m["人数"] == "7人" and m["组织化率"] == "71.4%" and m["有组织转移"] == "5人" and m["还需有组织转移"] == "无需新增"
    from streamlit.proto.Metric_pb2 import Metric

    share_card = next(x for x in at.metric if x.label == "组织化率")
    assert share_card.delta.startswith("+") and share_card.proto.direction == Metric.MetricDirection.UP  # above the minimum
    share = at.dataframe[0].value
    assert share["单位"].tolist() == ["昌都市", "拉萨市"] and share["还需有组织转移"].tolist() == [0, 1]
    # as on the overview's card, the year's need too: ⌈60% × quota⌉ − organized (region ⌈6⌉ − 5; 昌都 ⌈3.6⌉ − 4; 拉萨 ⌈2.4⌉ − 1)
    assert m["按全年任务测算尚需有组织转移"] == "1人" and share["按全年任务测算尚需有组织转移"].tolist() == [0, 2]
    assert any("故各单位之和不等于本级数" in c.value for c in at.caption)  # 0 + 2 beside the region's 1: said why
    mix = next(d.value for d in at.dataframe if "组织方式" in d.value.columns)  # under both charts, the page's width
    assert dict(zip(mix["组织方式"], mix["人数"], strict=True))["自主就业"] == 3 and "劳务收入(万元)" in mix.columns


def test_destinations_page(fx):
    at = open_page("destinations")
    prov = at.dataframe[0].value
    assert prov["省份"].tolist() == ["四川省"] and prov["人数"].tolist() == [3]
    assert prov["劳务收入(万元)"].tolist() == [2.6]  # B 5,000 + F 12,000 + G 9,000 yuan
    headings = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert "#### 各单位转移范围" in headings and "#### 各单位区外去向（人）" in headings


def test_destinations_page_at_a_village_has_no_headings_over_nothing(fx):
    at = open_page("destinations", area=F.V_Z)  # a village: no units under it
    headings = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert headings == ["#### 区外：就业地省份", "#### 区内：就业地地市"]


def test_groups_page(fx):
    at = open_page("groups")
    g = at.dataframe[0].value
    row = dict(zip(g["群体"], g["人数"], strict=True))
    assert row["脱贫人口"] == 1 and row["女性"] == 1 and row["初中及以上文化程度"] == 7
    assert dict(zip(g["群体"], g["人均收入(元)"], strict=True))["女性"] == "12,000"  # a column with gaps: text, as written


def test_duration_income_page(fx):
    at = open_page("duration_income")
    m = metrics(at)
    assert m["不足3个月（1人）"] == "14.3%" and m["3至6个月（4人）"] == "57.1%" and m["6个月及以上（2人）"] == "28.6%"
    assert m["人均收入(元)"] == "8,286元" and m["人均收入中位数"] == "8,000元"


def test_industries_page(fx):
    at = open_page("industries", area="540329")
    m = metrics(at)
    assert m["产业吸纳就业"] == "4人"  # every fixture placement is industry absorption
    from streamlit.proto.Metric_pb2 import Metric

    assert {x.proto.direction for x in at.metric} == {Metric.MetricDirection.NONE}  # quotas and completion: no arrow


def test_changes_page(fx):
    at = open_page("changes")
    m = metrics(at)
    assert (m["新增记录"], m["迟报（开工早于对比日）"], m["返乡（结束务工）"], m["更正"], m["删除"]) == ("5条", "1条", "1条", "1条", "0条")
    lst = at.dataframe[-1].value
    assert sorted(lst["记录编号"].tolist()) == ["R1", "R10", "R3", "R4", "R5", "R6", "R7", "R9"]
    restated = dict(zip(lst["记录编号"], lst["更正字段"], strict=True))
    assert restated["R1"] == "所属行业" and restated["R3"] == ""  # R1's industry was restated; field names in Chinese
    cfg = json.loads(at.dataframe[-1].proto.columns)
    # dates as dates: the grid wrote "2026-11-20 00:00:00" for a date column left to its default
    assert cfg["开始务工时间"]["type_config"]["format"] == "YYYY-MM-DD" and cfg["开始务工时间"]["type_config"]["type"] == "date"


def test_slice_in_url_applies_to_analyst_pages(fx):
    at = open_page("channels", ch="government")
    assert metrics(at)["人数"] == "2人"
    assert any("当前切片" in i.value for i in at.info)


def test_pages_in_english(fx):
    at = open_page("groups", lang="en")
    assert "Poverty-alleviated" in at.dataframe[0].value["Group"].tolist()


def test_quality_page(fx):
    at = open_page("quality")
    m = metrics(at)
    assert m["记录数"] == "10" and m["缺少村(居)"] == "1" and m["身份证校验错误"] == "0"
    assert m["重复报送（只计一次）"] == "1"  # R10: E's placement reported again by 洛隆县
    dup = at.dataframe[1].value  # D (a second placement in 卡若区) and E (one placement reported by both)
    assert dup.to_dict("records") == [{"县区甲": "卡若区", "县区乙": "洛隆县", "人数": 2}]
    units = at.dataframe[0].value
    assert set(units["单位"]) == {"拉萨市", "昌都市"}
    assert any("没有收入异常记录" in s.value for s in at.success)


def test_quality_findings_link_to_their_records(fx):
    """Each finding is a link to the records view with its filter in the URL; the link opens exactly those records."""
    from urllib.parse import parse_qs

    at = open_page("quality")
    links = {p.proto.label: parse_qs(p.proto.query_string) for p in at.page_link if p.proto.page.endswith("records")}
    q = links["查看缺少村(居)的记录"]
    assert q["f"] == ["no_village:1"] and q["area"] == ["54"]
    assert links["查看重复报送（不计入统计）的记录"]["f"] == ["counted:0"]
    at = open_page("records", **{k: v[0] for k, v in q.items()})  # what a click (or the link sent on) opens
    assert any("共 **1** 条记录，涉及 **1** 人" in m.value for m in at.markdown)
    at = open_page("records", f="counted:0")
    assert at.dataframe[0].value["记录编号"].tolist() == ["R10"] and at.dataframe[0].value["计入统计"].tolist() == ["否"]


def test_quotas_page(fx):
    at = open_page("quotas", area="5403")
    table = at.dataframe[0].value
    row = table[(table["单位"] == "洛隆县") & (table["指标"] == "转移就业人数")].iloc[0]
    assert row["任务"] == "5人" and row["完成"] == "4人" and row["完成率%"] == "80.0"  # each row in its metric's unit
    # the fixture's quotas are only partly decomposed: the checks say so
    assert any("不一致" in w.value for w in at.warning)
    prev = at.dataframe[-1].value
    assert prev["分解结果"].sum() == 6  # Chamdo's 6 split exactly over its 11 counties
    assert at.number_input(key="dec_total").value == 6 and "6人" in [c.value for c in at.caption]  # the input's figure in words
    at.number_input(key="dec_total").set_value(615_000).run()
    assert "61.50万人" in [c.value for c in at.caption]  # the figure as the cards write it


@pytest.mark.parametrize(
    "lang, cited",
    [
        ("zh", "来源：《关于促进农牧民有组织跨区域转移就业的工作方案》（2020年7月17日）第二部分（七）至（九）。"),
        (
            "en",
            "Source: Work plan for promoting the organized cross-region transfer employment of farmers and herders "
            "(17 July 2020), part two, items (7) to (9) (《关于促进",
        ),
    ],
)
def test_the_subsidy_policy_is_cited_in_the_pages_language(fx, lang, cited):
    at = open_page("subsidies", lang=lang)
    assert any(c.value.startswith(cited) for c in at.caption), [c.value[:80] for c in at.caption]


def test_subsidies_page(fx):
    at = open_page("subsidies")
    by_rule = at.dataframe[0].value
    assert list(by_rule["项目"])[:2] == ["路费补贴（有组织跨地市）", "路费补贴（有组织跨省）"]
    # every placement has 5 months, but the year's months add up (the active reading is cumulative): B (3 + 5 months
    # of two placements, one of them organized cross-province) qualifies for the three cross-province rules
    assert by_rule["符合人数"].sum() == 3
    assert by_rule.set_index("项目").loc["路费补贴（有组织跨省）", "符合人数"] == 1
    assert int(by_rule["一个月内"].sum()) > 0
    # budget sums in 万元: B's 1,000 yuan cross-province transport subsidy is 0.1万元; two decimals, since a rule
    # of 500 yuan (0.05万元) would otherwise read as much as it
    assert by_rule.set_index("项目").loc["路费补贴（有组织跨省）", "金额(万元)"] == 0.1
    assert any(abs(v - round(v, 1)) > 1e-9 for v in by_rule["金额(万元)"])  # a sum in hundreds of yuan is there
    cfg = json.loads(at.dataframe[0].proto.columns)
    assert cfg["金额(万元)"]["type_config"]["format"] == "%,.2f" and cfg["符合人数"]["type_config"]["format"] == "%,d"
