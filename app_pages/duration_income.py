"""务工时长与收入: months-employed bands, income distribution, per capita by unit, scope and industry; YoY."""

from __future__ import annotations

import polars as pl
import streamlit as st

from tracker import analysis, catalogue, charts, dispatch, fmt
from tracker.i18n import paren, pick, t
from tracker.schema import DEST_SCOPE, INDUSTRY
from tracker.ui import chart, current, data_table, download, drill_table, header

state, h = current()
lang, area, day, sl = state.lang, state.area, state.snapshot, state.slice
L = pick(lang)
header(t("duration_income", lang), state, h)
d = dispatch.resolve_dates(day)

b = dispatch.name_units(analysis.bands(area, day, sl), h, lang, area)
top = b.filter(pl.col("is_area")).to_dicts()[0]
ly = analysis.bands(area, d.ly_same, sl, median=False).filter(pl.col("is_area")).to_dicts() if d.ly_same else []
ly = ly[0] if ly else None
BANDS = [(b.key, b.zh, b.en) for b in catalogue.MONTHS_BANDS]
cols = st.columns(5)
for col, (k, zh, en) in zip(cols, BANDS, strict=False):
    share = top[k] / top["persons"] if top["persons"] else None
    delta = None
    if share is not None and ly and ly["persons"]:  # nobody this year (or last): no comparison
        delta = fmt.short_points((share - ly[k] / ly["persons"]) * 100, lang) + (L(" 同比", " YoY"))
    label = L(zh, en) + paren(fmt.count(top[k], lang), lang)
    col.metric(label, fmt.pct(share), delta=delta, delta_color="off", delta_arrow=fmt.arrow(delta))
pc = top["income"] / top["persons"] if top["persons"] else None
ly_pc = ly["income"] / ly["persons"] if ly and ly["persons"] else None
pc_delta = (fmt.signed_pct(pc / ly_pc - 1) + L(" 同比", " YoY")) if ly_pc else None
cols[3].metric(t("per_capita", lang), fmt.yuan(pc, lang), delta=pc_delta, delta_arrow=fmt.arrow(pc_delta))
cols[4].metric(L("人均收入中位数", "Median per person"), fmt.yuan(top["median_income"], lang))

kids = b.filter(~pl.col("is_area"))
if kids.height:
    long = pl.concat(
        [
            kids.select("unit_code", "name", pl.lit(zh if lang == "zh" else en).alias("category"), pl.col(k).alias("value"))
            for k, zh, en in BANDS
        ]
    )
    bands = [zh if lang == "zh" else en for _, zh, en in BANDS]
    chart(charts.stacked_bars(long, lang, L("务工时长分布", "Months employed"), order=bands), state, h, "bands")
    table = kids.select(
        pl.col("name").alias(t("unit", lang)),
        pl.col("persons").alias(t("persons", lang)),
        *[(catalogue.ratio(k, "persons") * 100).round(1).alias((zh if lang == "zh" else en) + " %") for k, zh, en in BANDS],
        catalogue.ratio("income", "persons").round(0).alias(t("per_capita", lang)),
        pl.col("median_income").round(0).alias(L("中位数(元)", "Median (yuan)")),
    )
    drill_table(table, state, h, "bands_table", kids["unit_code"].to_list(), name="duration_income_by_unit")

left, right = st.columns(2)
with left:
    hist = analysis.income_hist(area, day, sl)
    st.plotly_chart(charts.histogram(hist, lang, L("人均劳务收入分布", "Income per person")), key="hist", config={"displayModeBar": False})
    download(hist, "income_distribution", lang, "dl_hist")
with right:
    for dim, enum, title in (
        ("dest_scope", DEST_SCOPE, L("按转移范围", "By destination scope")),
        ("industry", INDUSTRY, L("按行业", "By industry")),
    ):
        s = (
            analysis.by_dimension(area, day, dim, sl)
            .filter(pl.col("is_area"))
            .with_columns(label=enum.expr("value", lang), pc=catalogue.ratio("income", "persons"), pm=catalogue.ratio("income", "months"))
            .sort("pc", descending=True)
        )
        st.markdown(f"**{title}**")
        tb = s.select(
            pl.col("label").alias(title),
            pl.col("persons").alias(t("persons", lang)),
            pl.col("pc").round(0).alias(t("per_capita", lang)),
            pl.col("pm").round(0).alias(L("月均(元)", "Per month (yuan)")),
        )
        data_table(tb, hide_index=True)
        download(tb, f"per_capita_{dim}", lang, f"dl_{dim}")
