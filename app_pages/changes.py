"""周变动: compare two snapshots — new, late-reported, ended (returned home), restated, removed records."""

from __future__ import annotations

import polars as pl
import streamlit as st

import queries
from tracker import analysis, dispatch, fmt, schema
from tracker.i18n import pick, t
from tracker.labels import mapped, pairs
from tracker.schema import CHANNEL, DEST_SCOPE
from tracker.ui import can, current, data_table, download, drill_table, go, header, records_hidden, unit_namer

state, h = current()
lang, area, day = state.lang, state.area, state.snapshot
L = pick(lang)
unit_name = unit_namer(lang)
header(t("changes", lang), state, h)
earlier = [x for x in queries.snapshot_dates() if x < day and x.year == day.year]  # a year's ledger starts empty
if not earlier:
    st.info(
        L(
            "本期是本年度第一期快照，没有可比较的上一期。",
            "This is the year's first snapshot: there is no earlier week of the year to compare with.",
        )
    )
    st.stop()
a = state.compare if state.compare in earlier else earlier[-1]
st.session_state["w_cmp"] = a
pick = st.selectbox(L("对比快照（较早）", "Compare with (earlier)"), list(reversed(earlier)), key="w_cmp")
if pick != a:
    go(state.with_(compare=pick))

KINDS = {
    "new": ("新增记录", "New records"),
    "late": ("迟报（开工早于对比日）", "Late-reported"),
    "ended": ("返乡（结束务工）", "Ended"),
    "changed": ("更正", "Restated"),
    "removed": ("删除", "Removed"),
}
HELP = {
    "new": (
        "对比日以后开工、新录入的记录（条），不是人数：一人可有多条记录。调度总览的“本周净增”是人数的净变化。",
        "Records of placements that started after the comparison date (records, not persons). The overview's net change counts persons.",
    ),
    "late": ("新录入、但开工早于对比日的记录（补报）。", "New records of placements that started before the comparison date."),
    "ended": ("对比日时仍在务工、现已填写结束时间的记录。", "Records that now have an end date."),
    "changed": (
        "同一条记录的去向、渠道、行业、村居等被更正（收入和月数逐周增长，不算更正）。",
        "The same record with a corrected destination, channel, industry, village … (income and months grow every week and do not count).",
    ),
    "removed": ("对比快照中有、本期已不在台账中的记录。", "Records in the earlier snapshot that are gone now."),
}
s = dispatch.name_units(analysis.changes(area, a, day), h, lang, area)
top = s.filter(pl.col("is_area")).to_dicts()
top = top[0] if top else {k: 0 for k in KINDS}
cols = st.columns(len(KINDS))
for col, (k, (zh, en)) in zip(cols, KINDS.items(), strict=True):
    col.metric(zh if lang == "zh" else en, fmt.count(top.get(k, 0), lang, unit_zh="条"), help=HELP[k][0 if lang == "zh" else 1])
st.caption(
    L(
        f"{a.isoformat()} → {day.isoformat()}；记录按人员计数单位归属。",
        f"{a.isoformat()} → {day.isoformat()}; records belong to their person's counting unit.",
    )
)

kids = s.filter(~pl.col("is_area"))
if kids.height:
    table = kids.select(
        pl.col("name").alias(t("unit", lang)), *[pl.col(k).alias(zh if lang == "zh" else en) for k, (zh, en) in KINDS.items()]
    )
    drill_table(table, state, h, "chg_table", kids["unit_code"].to_list(), name="changes_by_unit")

if not can("records"):
    records_hidden(lang)
    st.stop()
kind = st.selectbox(
    L("明细类型", "List"),
    ["", *KINDS],
    key="w_kind",
    format_func=lambda k: (L("全部", "All")) if not k else KINDS[k][0 if lang == "zh" else 1],
)
FIELD_LABELS = {
    lg: {c.name: schema.label(c.name, lg) for c in schema.COLUMNS} | {"destination": "转移就业地点" if lg == "zh" else "Destination"}
    for lg in ("zh", "en")
}
lst = analysis.changes_list(area, a, day, kind or None, 500)
view = lst.with_columns(
    kind=pairs("kind", KINDS, lang),
    channel=CHANNEL.expr("channel", lang),
    dest_scope=DEST_SCOPE.expr("dest_scope", lang),
    county=unit_name("county_code"),
    start_date=pl.col("start_date").cast(pl.Date),
    end_date=pl.col("end_date").cast(pl.Date),
    reported_date=pl.col("reported_date").cast(pl.Date),
    fields=pl.col("fields").str.split(", ").list.eval(mapped(pl.element(), FIELD_LABELS[lang], null="")).list.join(L("、", ", ")),
).select(
    "kind",
    "record_id",
    "id_masked",
    "county",
    "channel",
    "dest_scope",
    "start_date",
    "end_date",
    "reported_date",
    "income_change",
    "fields",
)
view = view.rename(
    {
        "kind": L("类型", "Kind"),
        "record_id": schema.label("record_id", lang),
        "id_masked": schema.label("id_masked", lang),
        "county": schema.label("county_code", lang),
        "channel": schema.label("channel", lang),
        "dest_scope": schema.label("dest_scope", lang),
        "start_date": schema.label("start_date", lang),
        "end_date": schema.label("end_date", lang),
        "reported_date": schema.label("reported_date", lang),
        "income_change": L("收入变化(元)", "Income change (yuan)"),
        "fields": L("更正字段", "Fields restated"),
    }
)
data_table(view, hide_index=True)
download(view, "changes", lang, "dl_changes")
st.caption(L("最多显示500条。", "At most 500 rows are listed."))
