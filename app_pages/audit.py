"""审计日志 (admin): who viewed or exported what, logins, refusals and data changes; filter and download."""

from __future__ import annotations

import polars as pl
import streamlit as st

from tracker import audit
from tracker.ui import current, current_user, download

state, h = current()
lang, me = state.lang, current_user()
L = (lambda zh, en: zh) if lang == "zh" else (lambda zh, en: en)
st.subheader(L("审计日志（管理员）", "Audit log (administrator)"))
broken = audit.verify()
if broken is None:
    st.success(L("日志链完整：未发现改动或删除。", "The log's chain is intact: nothing edited or removed."), icon=":material/verified:")
else:
    st.error(L(f"日志自第 {broken} 行起被改动或删除过。", f"The log was edited or cut from line {broken} on."))

rows = audit.read()
df = pl.DataFrame(rows, schema={f: pl.String for f in audit.FIELDS}).drop("prev") if rows else \
    pl.DataFrame(schema={f: pl.String for f in audit.FIELDS if f != "prev"})
# an administrator sees the lines of their own area (and lines with no area: logins, failures)
df = df.filter(pl.col("area").is_null() | (pl.col("area") == "") | pl.col("area").str.starts_with(me.area))
c = st.columns(3)
who = c[0].text_input(L("用户", "User"), key="au_who")
actions = sorted(df["action"].unique().to_list()) if df.height else []
act = c[1].multiselect(L("操作", "Action"), actions, key="au_act")
day = c[2].text_input(L("日期（如 2026-11）", "Date (e.g. 2026-11)"), key="au_day")
if who:
    df = df.filter(pl.col("who").str.contains(who, literal=True))
if act:
    df = df.filter(pl.col("action").is_in(act))
if day:
    df = df.filter(pl.col("ts").str.starts_with(day))
df = df.reverse()
st.caption(L(f"共 {df.height:,} 条（最新在前）", f"{df.height:,} entries (newest first)"))
st.dataframe(df.rename({"ts": L("时间", "Time"), "who": L("用户", "User"), "action": L("操作", "Action"),
                        "area": L("区划", "Area"), "detail": L("详情", "Detail")}), hide_index=True, height=480)
download(df, "audit_log", lang, "dl_audit")
