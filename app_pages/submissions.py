"""报送情况: which counties of the area sent their ledger for the week, when, late or missing, re-submitted."""

from __future__ import annotations

import polars as pl
import streamlit as st

from tracker import fmt, rejects, settings, submissions
from tracker.exports import signed
from tracker.i18n import pick, t
from tracker.labels import pairs
from tracker.ui import can, current, current_user, data_table, download, export, header, records_hidden

state, h = current()
lang, area, day = state.lang, state.area, state.snapshot
L = pick(lang)
header(t("submissions", lang), state, h)
due = submissions.deadline(day, settings.SETTINGS["submission_deadline"].get())
week, hist = submissions.week_state(day, settings.data_dir()), submissions.history(settings.data_dir(), day)
whole = submissions.loaded_whole(week, hist)  # a week loaded whole: no deadline, no submissions
if not whole:
    st.caption(
        L(
            f"本周报送截止：{fmt.date(due.date(), lang)}{due:%H:%M}。未报送的县区沿用上周数据，累计数不因迟报而归零。",
            f"This week's deadline: {fmt.date(due.date(), lang)}, {due:%H:%M}. Counties that have not submitted keep last week's data.",
        )
    )
counties = [
    c
    for c in (h.of_level(3, area[:6] if len(area) >= 6 else area)["code"].to_list())
    if current_user().covers(c) or c.startswith(current_user().area)
]
tab = submissions.week_table(counties, day, settings.data_dir(), due, state=week, hist=hist)
if whole:
    st.info(
        L(
            "本周数据为整周载入，未经各县区逐个报送，没有报送时间和报送人；有数据的县区记为“已入库（无报送记录）”。",
            "This week was loaded whole, not county by county: there is no submission time or sender; counties with "
            "data are shown as loaded (no submission record).",
        ),
        icon=":material/info:",
    )
counts = dict(tab["status"].value_counts().iter_rows())
tally = [(label, n) for i, (label, keys) in enumerate(submissions.TALLY) if (n := sum(counts.get(k, 0) for k in keys)) or i < 4]
for col, ((zh, en), n) in zip(st.columns(len(tally)), tally, strict=True):
    col.metric(L(zh, en), f"{n}" + L("个县区", " county" if n == 1 else " counties"))
view = tab.with_columns(
    county_code=h.name_expr("county_code", lang, short=False),
    status=pairs("status", submissions.STATUS, lang),
    time=pl.col("time").str.slice(0, 16).str.replace("T", " ").fill_null("—"),
    user=pl.col("user").fill_null("—"),
    carried_from=pl.col("carried_from").fill_null("—"),
    rows_change=signed(pl.col("rows_change")),
    persons_change=signed(pl.col("persons_change")),
).drop("report")
view = view.rename(
    {
        "county_code": L("县区", "County"),
        "status": L("状态", "Status"),
        "time": L("报送时间", "Time"),
        "user": L("报送人", "By"),
        "submissions": L("报送次数", "Submissions"),
        "rows": L("记录数", "Records"),
        "persons": L("人数", "Persons"),
        "rows_change": L("记录数较上次", "Records vs previous"),
        "persons_change": L("人数较上次", "Persons vs previous"),
        "rejected": L("拒收行数", "Rows rejected"),
        "carried_from": L("沿用自", "Carried from"),
    }
)
right = st.column_config.TextColumn(alignment="right")
changes = (L("记录数较上次", "Records vs previous"), L("人数较上次", "Persons vs previous"))
data_table(view, hide_index=True, column_config=dict.fromkeys(changes, right))
download(view, "submissions", lang, "dl_subm")
st.caption(
    L(
        "记录数、人数为各县区本周入库的行和人（含被其他县区先报、在别处计入的人）；调度总览和明细记录按户籍所在地计人、"
        "每人只计一次，因此两处数字可能不同（差额见数据质量页的重复报送）。",
        "Records and persons are what each county has in this week (persons first reported by another county included); "
        "the overview and the records count each person once, where they live, so the two may differ (see the "
        "repeats on the Data quality page).",
    )
)
reports = tab.filter(pl.col("report").is_not_null())
if reports.height and not can("records"):
    records_hidden(lang)
elif reports.height:
    st.markdown("#### " + L("拒收报告", "Reject reports"))
    c1, c2 = st.columns([2, 1])
    county = c1.selectbox(
        L("县区（最近一次报送）", "County (its latest submission)"),
        reports["county_code"].to_list(),
        format_func=lambda c: h.name(c, lang),
        key="subm_report_county",
    )
    row = reports.filter(pl.col("county_code") == county).row(0, named=True)
    name = h.name(county, lang)
    summary = [
        f"{L('县区', 'County')}: {name}",
        f"{L('快照日期', 'Week')}: {day.isoformat()}",
        f"{L('报送时间', 'Time')}: {(row['time'] or '')[:16].replace('T', ' ')}",
        f"{L('报送人', 'By')}: {row['user']}",
        f"{L('接收', 'Accepted')}: {row['rows'] or 0:,}",
        f"{L('拒收', 'Rejected')}: {row['rejected'] or 0:,}",
    ]
    path = settings.data_dir() / row["report"]
    with c2:
        st.write("")
        export(
            L(f"下载拒收报告（{row['rejected'] or 0:,}行）", f"Download ({row['rejected'] or 0:,} rows)"),
            lambda: rejects.stored_report(path, summary),
            f"{L('拒收报告', 'rejects')}_{name}_{day.isoformat()}.xlsx",
            "dl_subm_rejects",
            icon=":material/report:",
        )
if can("submit"):
    st.caption(
        L(
            "报送或更正本县台账：请到“导入台账”页面。回退某县区本周的报送（仅管理员）：同在“导入台账”页面。",
            "To send or correct a county's ledger: the Load ledger page. To roll back a county's submission "
            "(administrators only): the same page.",
        )
    )
