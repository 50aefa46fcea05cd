"""The 督办 page per role (AppTest on the fixture, real sessions in the store): a leader opens an item on the lagging
county, its staff reply, an analyst only reads, the leader closes it with a note; the list, the Excel list and the
overview's box show it."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from tests.test_auth import accounts, app_as, texts  # noqa: F401  (fixture)
from tracker import audit, followup

pytestmark = pytest.mark.usefixtures("accounts")


def test_open_reply_read_and_close_on_the_page():
    at = app_as("boss", "followup", area="5403")
    assert "发起督办" in texts(at)
    at.selectbox(key="fu_unit").set_value("540329").run()  # 洛隆县 is behind on persons: the laggard comes first
    assert at.multiselect(key="fu_metrics_page").value == ["total"]
    at.text_area(key="fu_text_page").input("两周内补齐缺口，报送整改措施")
    at.text_input(key="fu_person_page").input("张三")
    next(b for b in at.button if b.label == "发起督办").click().run()
    assert not at.exception and any("已发起督办" in s.value for s in at.success)
    at.run()
    table = at.dataframe[0].value
    assert table["被督办单位"].tolist() == ["洛隆县"] and table["督办指标"].tolist() == ["转移就业人数"]
    assert table["状态"].tolist() == ["督办中"] and table["责任人"].tolist() == ["张三"]
    body = texts(at)
    assert "发起时：转移就业人数：滞后序时，低于序时进度8.8个百分点，差1人" in body
    assert "仍滞后" in body

    staff = app_as("lhorong", "followup")
    assert {"发起督办", "办结"}.isdisjoint(b.label for b in staff.button) and "提交回复" in [b.label for b in staff.button]
    staff.text_area[0].input("已组织专场招聘会，新增输出 1 人")
    next(b for b in staff.button if b.label == "提交回复").click().run()
    assert not staff.exception and [x.value for x in staff.text] == [
        "两周内补齐缺口，报送整改措施",
        "两周内补齐缺口，报送整改措施",
        "已组织专场招聘会，新增输出 1 人",
    ]

    reader = app_as("chamdo", "followup", lang="en")
    body = texts(reader)
    assert {"Open the item", "Reply", "Close the item"}.isdisjoint(b.label for b in reader.button)
    assert reader.dataframe[0].value["Status"].tolist() == ["Open"]
    assert "At opening: Persons transferred: Behind" in body

    at = app_as("boss", "followup", area="5403")
    close_box = next(a for a in at.text_area if a.label == "办结意见（必填）")
    close_box.input("缺口缩小，转入常态调度")
    next(b for b in at.button if b.label == "办结").click().run()
    assert not at.exception and "已办结：缺口缩小，转入常态调度" in texts(at)
    acts = [(r["who"], r["action"]) for r in audit.read() if r["action"].startswith("followup")]
    assert acts == [("boss", "followup_open"), ("lhorong", "followup_reply"), ("boss", "followup_close")]


def test_filters_overdue_and_the_excel_list():
    from tests.fixture import CUR
    from tracker.auth import get_user

    boss, today = get_user("boss"), CUR
    gaps = followup.gaps_now("540329", CUR, ["total"])
    early = followup.open_item(boss, "540329", ["total"], "补齐缺口", "540329", "张三", CUR, CUR, gaps, today)
    later = followup.open_item(boss, "540302", ["total"], "保持进度", "540302", "", CUR.replace(day=30), CUR, {}, today)
    at = app_as("boss", "followup")  # TRACKER_TODAY is unset: the real today is after both due dates
    assert "2项督办已逾期未办结。" in texts(at)
    at.selectbox(key="fu_owner_f").set_value("540302").run()
    assert at.dataframe[0].value["编号"].tolist() == [later]
    df = followup.items("54", today)
    data = followup.workbook(df, lambda c: __import__("polars").col(c), "zh", "全区", CUR)
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws["A1"].value == "全区转移就业督办事项清单（截至2026-11-20）"
    assert [c.value for c in ws[3]][:4] == ["编号", "被督办单位", "督办指标", "督办要求"]
    assert [ws.cell(4, 1).value, ws.cell(4, 3).value, ws.cell(4, 8).value] == [early, "转移就业人数", "督办中"]
    assert "填表单位" in ws.cell(ws.max_row, 1).value


def test_the_due_filter_takes_days_ahead(monkeypatch):
    """期限: open items due within 7 / 14 days or already overdue, not a date field that shows yyyy/mm/dd; a closed
    item is neither due nor overdue."""
    from tests.fixture import CUR
    from tracker.auth import get_user

    monkeypatch.setenv("TRACKER_TODAY", "2026-11-18")
    boss = get_user("boss")
    gaps = followup.gaps_now("540329", CUR, ["total"])
    opened = CUR - dt.timedelta(days=10)
    soon = followup.open_item(boss, "540329", ["total"], "补齐缺口", "540329", "", CUR, CUR, gaps, opened)  # due 11-20
    later = followup.open_item(boss, "540302", ["total"], "保持进度", "540302", "", CUR.replace(day=30), CUR, {}, opened)
    late = followup.open_item(boss, "540302", ["total"], "上周事项", "540302", "", CUR - dt.timedelta(days=5), CUR, {}, opened)
    done = followup.open_item(boss, "540329", ["total"], "已落实", "540329", "", CUR - dt.timedelta(days=5), CUR, gaps, opened)
    followup.close(boss, done, "已落实")
    empty = app_as("boss", "followup", area="5401")  # 拉萨市 has none: said so, not "none match"
    assert "本区域尚无督办事项。" in [i.value for i in empty.info]
    at = app_as("boss", "followup")
    box = at.selectbox(key="fu_due_f")
    assert box.options == ["全部", "7天内到期或已逾期", "14天内到期或已逾期", "30天内到期或已逾期"]
    assert sorted(at.dataframe[0].value["编号"].tolist()) == sorted([soon, later, late, done])
    box.set_value(7).run()
    assert sorted(at.dataframe[0].value["编号"].tolist()) == sorted([soon, late])  # 11-13 overdue, 11-20 due
    at.selectbox(key="fu_due_f").set_value(14).run()
    assert sorted(at.dataframe[0].value["编号"].tolist()) == sorted([soon, later, late])
    at.selectbox(key="fu_owner_f").set_value("540302").run()
    at.selectbox(key="fu_status").set_value("closed").run()
    assert "没有符合条件的督办事项。" in [i.value for i in at.info]  # items exist, none match
    assert [d.key for d in at.date_input] == ["fu_due_page"]  # only the new item's due date, which always has a value


def _box_script():
    import queries
    from tests.fixture import CUR
    from tracker import followup_ui, hierarchy
    from tracker.state import State

    queries.set_scope(queries.SYSTEM)
    followup_ui.open_items_box(State(2026, CUR, "5403", "zh"), hierarchy.load(), by_unit=True)


def test_the_overview_box_lists_open_items_with_the_gap_then_and_now(monkeypatch):
    """What the overview and meeting mode show: the area's open items, overdue ones flagged, gap then → now."""
    from streamlit.testing.v1 import AppTest

    from tests.fixture import CUR, PREV
    from tracker.auth import get_user

    monkeypatch.setenv("TRACKER_TODAY", "2026-11-28")
    boss = get_user("boss")
    gaps = followup.gaps_now("540329", PREV, ["total"])
    followup.open_item(boss, "540329", ["total"], "补齐缺口", "540329", "", CUR.replace(day=27), PREV, gaps, PREV)
    followup.open_item(boss, "540302", ["total"], "保持", "540302", "", CUR.replace(day=30), PREV, {}, PREV)  # not overdue
    at = AppTest.from_function(_box_script, default_timeout=60).run()
    assert not at.exception
    assert [m.value for m in at.markdown] == [  # meeting mode: unit by unit (卡若区 540302 before 洛隆县 540329)
        "**督办事项** · 2项 · :red[逾期 1项]",
        "**卡若区** · 督办中 · 期限 2026-11-30 · 回复 0",
        "**洛隆县** · :red[**已逾期**] · 期限 2026-11-27 · 回复 0",
    ]
    assert [c.value for c in at.caption] == [
        "转移就业人数：发起时 — → 本周 快于序时 +11.2个百分点",  # opened without a gap on record; 1 of 1 now
        "转移就业人数：发起时 严重滞后 −26.8个百分点，差2人 → 本周 滞后序时 −8.8个百分点，差1人",
    ]


def _button_script():
    import streamlit as st

    import queries
    from tests.fixture import CUR
    from tracker import auth, followup_ui, hierarchy
    from tracker.state import State

    queries.set_scope(queries.SYSTEM)
    st.session_state["_user"] = auth.get_user(st.session_state.get("who", "boss"))
    followup_ui.open_button("540329", ["total"], State(2026, CUR, "5403", "zh"), hierarchy.load(), key="lag_540329_total")


def test_a_laggard_row_opens_an_item_in_a_dialog():
    """What a laggard row of the overview offers a leader: a button, a dialog with the gap, the item opened."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_button_script, default_timeout=60)
    at.session_state["who"] = "lhorong"
    at.run()
    assert not at.exception and not at.button  # staff reply; they do not open items
    at.session_state["who"] = "boss"
    at.run()
    at.button(key="fu_btn_lag_540329_total").click().run()
    assert at.multiselect(key="fu_metrics_lag_540329_total").value == ["total"]
    at.text_area(key="fu_text_lag_540329_total").input("两周内补齐缺口")
    next(b for b in at.button if b.label == "发起督办").click().run()
    assert not at.exception
    items = followup.items("5403", __import__("datetime").date(2026, 11, 22))
    assert items.select("unit", "metrics", "owner_unit").rows() == [("540329", ["total"], "540329")]
    assert followup.get(items["id"][0])["gap_at_open"]["total"]["shortfall"] == 1  # the week of 11-20: 4 of 5, one short
