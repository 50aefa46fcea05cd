"""审计日志 (admin): who viewed or exported what, logins, refusals and data changes; the chain's state; filter
and download (CSV with formula-like text neutralised)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from tracker import audit, exports
from tracker.i18n import pick, t
from tracker.ui import current, current_user, data_table, export

state, h = current()
lang, me = state.lang, current_user()
L = pick(lang)
st.subheader(L("审计日志（管理员）", "Audit log (administrator)"))
chain = audit.status()
if chain.first_bad is None:
    st.success(audit.describe(chain, lang), icon=":material/verified:")
else:
    st.error(audit.describe(chain, lang), icon=":material/gpp_bad:")
if chain.damaged:
    shown = "、".join(map(str, chain.damaged[:20])) + ("…" if len(chain.damaged) > 20 else "")
    st.warning(L(f"无法解析的行：第{shown}行（以“损坏的行”列出）。", f"Lines that are not records: {shown} (listed as “Damaged line”)."))

rows = audit.read()
# an administrator sees the lines of their own area (and lines with no area: logins, failures, damage)
rows = [r for r in rows if not r["area"] or r["area"].startswith(me.area)]
c = st.columns(3)
who = c[0].text_input(L("用户", "User"), key="au_who")
codes = sorted({r["action"] for r in rows})
act = c[1].multiselect(
    L("操作", "Action"), codes, key="au_act", format_func=lambda a: audit.action_label(a, lang), placeholder=t("all", lang)
)
day = c[2].text_input(L("日期（北京时间，如 2026-11）", "Date (Beijing time, e.g. 2026-11)"), key="au_day")
df = audit.table(rows[::-1], lang)  # newest first
col = {k: L(*v) for k, v in {"who": ("用户", "User"), "action": ("操作", "Action"), "ts": ("时间", "Time")}.items()}
if who:
    df = df.filter(pl.col(col["who"]).str.contains(who, literal=True))
if act:
    df = df.filter(pl.col(col["action"]).is_in(act))
if day:
    df = df.filter(pl.col(col["ts"]).str.starts_with(day.strip()))
st.caption(L(f"共{df.height:,}条（最新在前；时间为北京时间）", f"{df.height:,} entries (newest first; Beijing time)"))
area_col = L("区划", "Area")
names = {c: (h.name(c, lang) if c and h.exists(c) else (c or "—")) for c in df[area_col].fill_null("").unique().to_list()}
shown = df.drop(col["action"]).with_columns(  # on screen: readable action names and area names, not codes
    pl.col(area_col).fill_null("").replace_strict(names, return_dtype=pl.String)
)
data_table(shown, hide_index=True, height=480)
export(t("download_csv", lang), lambda: exports.csv_bytes(df), "audit_log.csv", "dl_audit", mime="text/csv")
