"""督办事项: the follow-up items of the area, filters, the Excel list, one item's gap then and now, replies, closing."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from queries import snapshot_dates
from tracker import dispatch, followup, settings
from tracker.catalogue import METRICS
from tracker.followup_ui import open_form
from tracker.i18n import pick, t
from tracker.ui import current, current_user, data_table, export, header, unit_namer

state, h = current()
lang, area, day = state.lang, state.area, state.snapshot
L, u, today = pick(lang), current_user(), settings.today()
header(t("followup", lang), state, h)
st.caption(
    L(
        "领导和管理员对滞后单位发起督办（指标、要求、责任单位和责任人、期限），责任单位工作人员回复整改措施，"
        "每周对照发起时与本周的差距，办结须填写意见。所有操作记入审计日志。",
        "Leaders and administrators open items on lagging units (metrics, instruction, responsible unit and person, "
        "due date); the unit's staff reply with the measures taken; each week shows the gap at opening and now; "
        "closing needs a note. Everything is in the audit log.",
    )
)

if followup.may_open(u, area):
    with st.expander(L("发起督办", "Open a follow-up item"), icon=":material/add_task:"):
        d = dispatch.resolve_dates(day)
        ev = dispatch.evaluate(area, d, dispatch.measures(area, d), dispatch.quotas(area, day.year))
        lag = dispatch.laggards(ev)
        units = list(dict.fromkeys([*lag["unit_code"].to_list(), area, *h.children(area)]))
        lag_metrics = {c: lag.filter(unit_code=c)["metric"].to_list() for c in units}
        pick_unit = st.selectbox(
            L("被督办单位（滞后单位在前）", "Unit (lagging units first)"),
            units,
            format_func=lambda c: h.name(c, lang) + (L("（滞后）", " (lagging)") if lag_metrics[c] else ""),
            key="fu_unit",
        )
        open_form(pick_unit, lag_metrics[pick_unit], state, h, key="page")

all_items = followup.items(area, today)
c = st.columns(3)
states = {"": L("全部", "All"), **{k: v[0 if lang == "zh" else 1] for k, v in followup.STATES.items()}}
status = c[0].selectbox(L("状态", "Status"), list(states), format_func=states.get, key="fu_status")
owners = sorted(set(all_items["owner_unit"].to_list()))
owner = c[1].selectbox(
    L("责任单位", "Responsible unit"), ["", *owners], format_func=lambda x: h.name(x, lang) if x else L("全部", "All"), key="fu_owner_f"
)
# days ahead, not a date field: an empty date field shows Streamlit's yyyy/mm/dd, and a week or two is what is asked
within = c[2].selectbox(
    L("期限", "Due"),
    [0, 7, 14, 30],
    format_func=lambda n: L(f"{n}天内到期或已逾期", f"Due within {n} days or overdue") if n else L("全部", "All"),
    key="fu_due_f",
)
due_by = today + dt.timedelta(days=within) if within else None
df = all_items
if status:
    df = df.filter(state=status)
if owner:
    df = df.filter(owner_unit=owner)
if due_by:  # what is still to be done by then: a closed item is neither due nor overdue
    df = df.filter((pl.col("due") <= due_by) & (pl.col("state") != followup.CLOSED))

name = unit_namer(lang)
if df.height == 0:
    if all_items.height:
        st.info(L("没有符合条件的督办事项。", "No follow-up items match."))
    else:
        st.info(L("本区域尚无督办事项。", "No follow-up items in this area yet."))
    st.stop()
late = df.filter(state=followup.OVERDUE).height
if late:
    st.error(L(f"{late}项督办已逾期未办结。", f"{late} item(s) overdue."), icon=":material/alarm:")
shown = followup.table(df, name, lang)
state_col = followup.HEADERS["state"][0 if lang == "zh" else 1]
overdue_word = followup.STATES[followup.OVERDUE][0 if lang == "zh" else 1]
data_table(
    shown.to_pandas().style.apply(
        lambda r: ["color: #c62828; font-weight: bold" if r[state_col] == overdue_word else "" for _ in r], axis=1
    ),
    hide_index=True,
    key="fu_table",
)
area_name = h.short_name(area, lang)
export(
    L("导出Excel（督办清单）", "Excel (follow-up list)"),
    lambda: followup.workbook(df, name, lang, area_name, day),
    f"{L('督办事项', 'follow-up')}_{area_name}_{day.isoformat()}.xlsx",
    "dl_followup",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)

st.divider()
ids = df["id"].to_list()
iid = st.selectbox(
    L("查看事项", "Item"),
    ids,
    format_func=lambda i: f"#{i} " + h.name(df.filter(id=i)["unit"][0], lang),
    key="fu_item",
)
item = followup.get(iid)
st.markdown(f"**{L('督办要求', 'Instruction')}**")
st.text(item["instruction"])
st.caption(
    L(
        f"{item['snapshot']} 周发起，发起人 {item['opened_by']}；责任单位 {h.name(item['owner_unit'], lang)}"
        f"{'（' + item['owner_person'] + '）' if item['owner_person'] else ''}；期限 {item['due']}",
        f"Opened in the week of {item['snapshot']} by {item['opened_by']}; responsible: {h.name(item['owner_unit'], lang)}"
        f"{' (' + item['owner_person'] + ')' if item['owner_person'] else ''}; due {item['due']}",
    )
)
dates = [x for x in snapshot_dates() if x <= day]
prog = followup.progress(item, day, dates)
for r in prog.iter_rows(named=True):
    then, now = item["gap_at_open"].get(r["metric"], {}), {"gap": r["gap_now"], "status": r["status_now"]}
    now |= {"shortfall": r["short_now"]} if METRICS[r["metric"]].quota_kind != "minimum" else {"needed": r["short_now"]}
    moved = L("已脱离滞后", "no longer lagging") if r["moved_out"] else (L("仍滞后", "still lagging") if r["lagging_now"] else "")
    st.markdown(
        f"- {L('发起时：', 'At opening: ')}{followup.gap_text(r['metric'], then, lang)}  \n"
        f"  {L('本周：', 'This week: ')}{followup.gap_text(r['metric'], now, lang)}" + (f" · **{moved}**" if moved else "")
    )
wk = followup.weekly(item, dates)
if wk.height:
    with st.expander(L("逐周变化", "Week by week")):
        data_table(
            wk.with_columns(
                metric=pl.col("metric").replace_strict({k: m.label(lang) for k, m in METRICS.items()}),
                lagging=pl.when("lagging").then(pl.lit(L("滞后", "lagging"))).otherwise(pl.lit("")),
            ).rename(
                {
                    "week": L("周", "Week"),
                    "metric": L("指标", "Metric"),
                    "gap": L("差距(百分点)", "Gap (pp)"),
                    "shortfall": L("缺口", "Short"),
                    "needed": L("尚需", "Needed"),
                    "status": L("状态", "Status"),
                    "lagging": L("是否滞后", "Lagging"),
                }
            ),
            hide_index=True,
        )
st.markdown(f"**{L('办理记录', 'History')}**")
kinds = {"open": L("发起", "opened"), "reply": L("回复", "reply"), "close": L("办结", "closed")}
for e in followup.history(iid):
    when = followup.beijing(e["at"])
    st.caption(f"{when} · {e['who']} · {kinds.get(e['kind'], e['kind'])}")
    st.text(e["text"])

if followup.may_reply(u, item):
    with st.form("fu_reply", clear_on_submit=True):
        text = st.text_area(L("整改措施", "Measures taken"), max_chars=followup.MAX_TEXT)
        if st.form_submit_button(L("提交回复", "Reply"), type="primary"):
            try:
                followup.reply(u, iid, text)
                st.rerun()
            except followup.FollowupError as e:
                st.error(e.message(lang))
if item["status"] == followup.OPEN and followup.may_close(u, item):
    with st.form("fu_close"):
        note = st.text_area(L("办结意见（必填）", "Closing note (required)"), max_chars=followup.MAX_TEXT)
        if st.form_submit_button(L("办结", "Close the item")):
            try:
                followup.close(u, iid, note)
                st.rerun()
            except followup.FollowupError as e:
                st.error(e.message(lang))
if item["status"] == followup.CLOSED:
    st.success(L(f"已办结：{item['close_note']}", f"Closed: {item['close_note']}"))
