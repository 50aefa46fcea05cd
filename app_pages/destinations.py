"""去向分布: where people go — provinces outside the province, prefectures inside it — per origin unit."""

from __future__ import annotations

import polars as pl
import streamlit as st

from tracker import analysis, catalogue, charts, dispatch, fmt
from tracker.exports import for_people, wan
from tracker.hierarchy import IN_ZH, KIND_EN, OUT_ZH, REGION
from tracker.i18n import pick, t
from tracker.schema import DEST_SCOPE
from tracker.ui import chart, current, data_table, download, header

state, h = current()
lang, area, day, sl = state.lang, state.area, state.snapshot, state.slice
L = pick(lang)
header(t("destinations", lang), state, h)


def table(df: pl.DataFrame, label: str) -> pl.DataFrame:
    return df.select(
        pl.col("dest").alias(label),
        pl.col("persons").alias(t("persons", lang)),
        wan(pl.col("income"), lang).alias(t("income", lang)),
        catalogue.ratio("income", "persons").round(0).alias(t("per_capita", lang)),
    )


prov = analysis.by_dimension(area, day, "dest_province_code", sl).with_columns(dest=h.name_expr("value", lang, short=False))
pref = analysis.by_dimension(area, day, "dest_prefecture_code", sl).with_columns(dest=h.name_expr("value", lang, short=False))
out = prov.filter(pl.col("is_area") & (pl.col("value") != REGION)).sort("persons", descending=True)
inside = pref.filter(pl.col("is_area") & pl.col("value").str.starts_with(REGION)).sort("persons", descending=True)

st.caption(
    L(
        "按人员计：一人在几处务工时在各处分别计入，因此各去向合计可大于转移就业人数。",
        "Persons per destination: a person working in two places counts in each, so the destinations may add up to more than the total.",
    )
)
left, right = st.columns(2)
with left:
    st.markdown("#### " + (L(f"{OUT_ZH}：就业地省份", f"Outside the {KIND_EN}: provinces")))
    if out.height:
        st.plotly_chart(
            charts.ranked_bars(out["dest"].to_list(), out["persons"].to_list(), lang, t("persons", lang)),
            key="dest_prov",
            config={"displayModeBar": False},
        )
        d1 = table(out, L("省份", "Province"))
        data_table(d1, hide_index=True)
        download(d1, "destinations_provinces", lang, "dl_prov")
    else:
        st.info(L(f"没有{OUT_ZH}转移。", f"No placements outside the {KIND_EN}."))
with right:
    st.markdown("#### " + (L(f"{IN_ZH}：就业地地市", f"Inside the {KIND_EN}: prefectures")))
    st.plotly_chart(
        charts.ranked_bars(inside["dest"].to_list(), inside["persons"].to_list(), lang, t("persons", lang), color="#2E7D32"),
        key="dest_pref",
        config={"displayModeBar": False},
    )
    d2 = table(inside, L("地市", "Prefecture"))
    data_table(d2, hide_index=True)
    download(d2, "destinations_prefectures", lang, "dl_pref")

under = ~pl.col("is_area") & (pl.col("unit_code") != area)
sc = dispatch.name_units(analysis.by_dimension(area, day, "dest_scope", sl), h, lang, area).filter(under)
if sc.height:  # a village is its own only child: no table of one unit, no headings over nothing
    st.markdown("#### " + (L("各单位转移范围", "Destination scope by origin unit")))
    sc = sc.with_columns(category=DEST_SCOPE.expr("value", lang))
    chart(
        charts.stacked_bars(
            sc.select("unit_code", "name", "category", pl.col("persons").alias("value")),
            lang,
            L("转移范围占比", "Scope shares"),
            order=[DEST_SCOPE.label(c, lang) for c in DEST_SCOPE.values],
        ),
        state,
        h,
        "scope_stack",
        data=sc.pivot(on="category", index=["unit_code", "name"], values="persons").fill_null(0),
        name="scope_mix",
    )
    kids = dispatch.name_units(prov.filter(under & (pl.col("value") != REGION)), h, lang, area)
    if kids.height:
        st.markdown("#### " + (L(f"各单位{OUT_ZH}去向（人）", f"Out-of-{KIND_EN} destinations by origin (persons)")))
        mat = kids.pivot(on="dest", index=["unit_code", "name"], values="persons").fill_null(0)
        data_table(for_people(mat.drop("unit_code"), lang), hide_index=True)
        download(mat, "origin_by_province", lang, "dl_matrix")
st.caption(t("data_as_of", lang, d=fmt.date(day, lang)))
