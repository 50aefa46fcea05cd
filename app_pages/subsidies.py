"""补贴测算: eligible persons and amounts per unit and payee from the active policy; budget warning; records."""

from __future__ import annotations

import polars as pl
import streamlit as st

from tracker import dispatch, fmt, subsidy
from tracker.exports import for_people, wan
from tracker.i18n import pick
from tracker.labels import pairs
from tracker.ui import can, current, data_table, download, drill_table, export, header, records_hidden, unit_namer

state, h = current()
lang, area, day = state.lang, state.area, state.snapshot
L = pick(lang)
unit_name = unit_namer(lang)
header(L("补贴测算", "Subsidy estimates"), state, h)

keys = subsidy.available()
active = subsidy.active_key()
if active is None:
    st.info(
        L(
            "本省尚未设置补贴政策。可选择下列政策文件作对照测算。",
            "No subsidy policy is set for this province. Pick a policy document below to estimate against it.",
        )
    )
pick = st.selectbox(
    L("补贴政策", "Policy"),
    keys,
    index=keys.index(active) if active in keys else None,
    key="sub_policy",
    placeholder=L("选择政策文件", "Choose a policy document"),
    format_func=lambda k: subsidy.load(k).name_zh if lang == "zh" else subsidy.load(k).name_en,
)
if pick is None:
    st.stop()
policy = subsidy.load(pick)
readings = sorted({r.months for r in policy.rules})
reading = (
    "；".join(subsidy.MONTHS_READINGS[x][0] for x in readings)
    if lang == "zh"
    else "; ".join(subsidy.MONTHS_READINGS[x][1] for x in readings)
)
st.caption(
    L(
        f"来源：{policy.cited(lang)}。每人每项最多补贴一次。务工月数口径：{reading}；同一次就业被两个县区报送只计一次。",
        f"Source: {policy.cited(lang)}. A person is paid at most once per rule. Months read as: {reading}; a placement "
        "reported by two counties counts once.",
    )
)
for n in policy.notes:
    st.caption(n["zh"] if lang == "zh" else n["en"])
if policy.not_modelled:
    with st.expander(L(f"本政策中未测算的项目（{len(policy.not_modelled)}项）", f"Not estimated ({len(policy.not_modelled)})")):
        for n in policy.not_modelled:
            st.markdown("- " + (n["zh"] if lang == "zh" else n["en"]))
est = dispatch.name_units(subsidy.estimate(area, day, policy), h, lang, area)
top = est.filter(pl.col("is_area"))
c = st.columns(3)
c[0].metric(L("当前符合条件金额", "Eligible now"), fmt.money(top["yuan"].sum(), lang))
c[1].metric(
    L("一个月内将符合（预算预警）", "Eligible within a month (budget warning)"),
    fmt.money(top["yuan_within_month"].sum(), lang),
    delta=L(f"{top['within_month'].sum():,}人次", f"{top['within_month'].sum():,} person-rules"),
    delta_color="off",
    delta_arrow="off",  # a count, not a change
)
c[2].metric(L("年底预计", "Projected by year end"), fmt.money(top["yuan_year_end"].sum(), lang))

st.markdown("#### " + L("按补贴项目", "By rule"))
by_rule = top.select(
    pl.col(L("label_zh", "label_en")).alias(L("项目", "Rule")),
    pairs("payee", subsidy.PAYEES, lang).alias(L("对象", "Payee")),
    pl.col("amount").alias(L("标准(元/人)", "Amount (yuan/person)")),
    pl.col("eligible").alias(L("符合人数", "Eligible")),
    wan(pl.col("yuan"), lang).alias(L("金额(万元)", "Yuan")),
    pl.col("within_month").alias(L("一个月内", "Within a month")),
    pl.col("by_year_end").alias(L("年底预计人数", "By year end")),
    wan(pl.col("yuan_year_end"), lang).alias(L("年底预计金额(万元)", "Yuan by year end")),
)
data_table(by_rule, hide_index=True)
download(by_rule, "subsidy_by_rule", lang, "dl_sub_rule")

kids = est.filter(~pl.col("is_area"))
if kids.height:
    st.markdown("#### " + L("按单位", "By unit"))
    per = (
        kids.group_by("unit_code", "name")
        .agg(pl.col("yuan").sum(), pl.col("yuan_within_month").sum(), pl.col("yuan_year_end").sum())
        .sort("yuan", descending=True)
    )
    for p_key in subsidy.PAYEES:
        per = per.join(
            kids.filter(pl.col("payee") == p_key).group_by("unit_code").agg(pl.col("yuan").sum().alias(p_key)), on="unit_code", how="left"
        )
    table = per.select(
        pl.col("name").alias(L("单位", "Unit")),
        wan(pl.col("yuan"), lang).alias(L("当前金额(万元)", "Now (yuan)")),
        *[wan(pl.col(k).fill_null(0), lang).alias(L(f"{v[0]}(万元)", f"{v[1]} (yuan)")) for k, v in subsidy.PAYEES.items()],
        wan(pl.col("yuan_within_month"), lang).alias(L("一个月内(万元)", "Within a month (yuan)")),
        wan(pl.col("yuan_year_end"), lang).alias(L("年底预计(万元)", "By year end (yuan)")),
    )
    drill_table(table, state, h, "sub_units", per["unit_code"].to_list(), name="subsidy_by_unit")

st.markdown("#### " + L("符合条件人员清单（财务核对用，身份证号脱敏）", "Eligible persons (for the finance office, masked)"))
if not can("records"):
    records_hidden(lang)
    st.stop()
rule = st.selectbox(L("补贴项目", "Rule"), list(policy.rules), key="sub_rule", format_func=lambda r: r.zh if lang == "zh" else r.en)
recs = subsidy.records(area, day, rule).with_columns(
    county_code=unit_name("county_code"),
    township_code=unit_name("township_code"),
    village_code=unit_name("village_code"),
    amount=pl.lit(int(rule.amount), dtype=pl.Int64),
)
recs = for_people(recs, lang).rename({"amount": L("金额(元)", "Yuan"), "rule_months": L("计补月数", "Months counted")})
st.caption(
    L(
        f"{recs.height:,}人，合计{fmt.money(recs.height * rule.amount, lang)}",
        f"{recs.height:,} persons, {fmt.money(recs.height * rule.amount, lang)} in all",
    )
)
data_table(recs.head(500), hide_index=True)


rule_name = rule.zh if lang == "zh" else rule.en


def subsidy_list() -> bytes:
    return subsidy.list_xlsx(recs, rule, h.name(area, lang), day, lang)


export(
    L("导出Excel", "Export to Excel"),
    subsidy_list,
    f"{L('补贴对象清单', 'subsidy_list')}_{rule_name}_{h.short_name(area, lang)}_{day.isoformat()}.xlsx",
    "dl_sub_xlsx",
)
