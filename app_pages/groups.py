"""重点群体: counts, shares, organized share and income per key group."""

from __future__ import annotations

import polars as pl
import streamlit as st

from tracker import analysis, catalogue, charts, dispatch
from tracker.catalogue import group_labels
from tracker.exports import wan
from tracker.i18n import pick, t
from tracker.labels import pairs
from tracker.ui import chart, current, data_table, download, drill_table, header

state, h = current()
lang, area, day, sl = state.lang, state.area, state.snapshot, state.slice
L = pick(lang)
header(t("groups", lang), state, h)

g = dispatch.name_units(analysis.groups(area, day, sl), h, lang, area)
GROUPS = group_labels()
label = pairs("key_group", GROUPS, lang)
top = g.filter(pl.col("is_area"))
allp = top.filter(pl.col("key_group") == "all_persons")["persons"][0]
tab = (
    top.filter(pl.col("key_group") != "all_persons")
    .sort("persons", descending=True)
    .select(
        label.alias(L("群体", "Group")),
        pl.col("persons").alias(t("persons", lang)),
        ((pl.col("persons") / allp * 100).round(1) if allp else pl.lit(None, pl.Float64)).alias(t("share", lang) + " %"),  # nobody: —
        (catalogue.ratio("organized", "persons") * 100).round(1).alias(t("org_share", lang) + " %"),
        wan(pl.col("income"), lang).alias(t("income", lang)),
        catalogue.ratio("income", "persons").round(0).alias(t("per_capita", lang)),
    )
)
left, right = st.columns([3, 2])
with left:
    data_table(tab, hide_index=True)
    download(tab, "key_groups", lang, "dl_groups")
with right:
    st.plotly_chart(
        charts.ranked_bars(tab[:, 0].to_list(), tab[:, 1].to_list(), lang, t("persons", lang)),
        key="grp_bars",
        config={"displayModeBar": False},
    )

kids = g.filter(~pl.col("is_area"))
if kids.height:
    groups = [k for k in GROUPS if k != "all_persons"]
    pick = st.selectbox(L("各单位：", "By unit:"), groups, format_func=lambda k: GROUPS[k][0 if lang == "zh" else 1], key="grp_pick")
    base = kids.filter(pl.col("key_group") == "all_persons").select("unit_code", pl.col("persons").alias("all"))
    sub = (
        kids.filter(pl.col("key_group") == pick)
        .join(base, on="unit_code")
        .with_columns(share=catalogue.ratio("persons", "all"))
        .sort("share", descending=True)
    )
    chart(
        charts.ranked_bars(
            sub["name"].to_list(),
            (sub["share"] * 100).to_list(),
            lang,
            f"{GROUPS[pick][0 if lang == 'zh' else 1]} · {t('share', lang)} %",
            codes=sub["unit_code"].to_list(),
            fmt_value=lambda v: f"{v:.1f}%",
        ),
        state,
        h,
        "grp_units",
    )
    table = sub.select(
        pl.col("name").alias(t("unit", lang)),
        pl.col("persons").alias(t("persons", lang)),
        (pl.col("share") * 100).round(1).alias(t("share", lang) + " %"),
        (catalogue.ratio("organized", "persons") * 100).round(1).alias(t("org_share", lang) + " %"),
        catalogue.ratio("income", "persons").round(0).alias(t("per_capita", lang)),
    )
    drill_table(table, state, h, "grp_table", sub["unit_code"].to_list(), name=f"group_{pick}")
