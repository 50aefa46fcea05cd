"""行业与就业来源: industry mix, and industry absorption / projects / self-flexible against their quotas."""

from __future__ import annotations

import polars as pl
import streamlit as st

from tracker import analysis, catalogue, charts, dispatch, fmt
from tracker.catalogue import METRICS, metric_label
from tracker.exports import for_people, wan
from tracker.i18n import pick, t
from tracker.schema import INDUSTRY, JOB_SOURCE
from tracker.ui import chart, current, data_table, download, header

state, h = current()
lang, area, day, sl = state.lang, state.area, state.snapshot, state.slice
L = pick(lang)
header(t("industries", lang), state, h)

ind = dispatch.name_units(analysis.by_dimension(area, day, "industry", sl), h, lang, area).with_columns(
    category=INDUSTRY.expr("value", lang)
)
top = ind.filter(pl.col("is_area")).sort("persons", descending=True)
left, right = st.columns([2, 3])
with left:
    st.plotly_chart(
        charts.ranked_bars(top["category"].to_list(), top["persons"].to_list(), lang, L("行业构成（人）", "Industry mix (persons)")),
        key="ind_area",
        config={"displayModeBar": False},
    )
    data = top.select(
        pl.col("category").alias(L("行业", "Industry")),
        pl.col("persons").alias(t("persons", lang)),
        wan(pl.col("income"), lang).alias(t("income", lang)),
        catalogue.ratio("income", "persons").round(0).alias(t("per_capita", lang)),
    )
    data_table(data, hide_index=True)
    download(data, "industries", lang, "dl_ind")
with right:
    kids = ind.filter(~pl.col("is_area"))
    if kids.height:
        chart(
            charts.stacked_bars(
                kids.select("unit_code", "name", "category", pl.col("persons").alias("value")),
                lang,
                L("各单位行业占比", "Industry shares by unit"),
            ),
            state,
            h,
            "ind_stack",
            data=kids.pivot(on="category", index=["unit_code", "name"], values="persons").fill_null(0),
            name="industry_mix",
        )

st.markdown("#### " + (L("就业来源与任务（产业吸纳 / 项目带动 / 自主灵活就业）", "Job sources against their quotas")))
d = dispatch.resolve_dates(day)
q = dispatch.quotas(area, state.year)
src = ["src_industry", "src_project", "src_flexible"]
ev = dispatch.name_units(dispatch.evaluate(area, d, dispatch.measures(area, d), q, src), h, lang, area)
tot = ev.filter(pl.col("is_area"))
cols = st.columns(3)
for col, r in zip(cols, tot.iter_rows(named=True), strict=False):
    col.metric(
        METRICS[r["metric"]].label(lang),
        fmt.persons(r["actual"], lang),  # 29.61万人, as the overview's cards
        delta=(
            f"{t('quota', lang)} {fmt.persons(r['quota'], lang)} · {t('completion', lang)} {fmt.pct(r['completion'])}"
            if r["quota"]
            else t("no_quota", lang)
        ),
        delta_color="off",
        delta_arrow="off",  # a quota and a completion, not a change
    )
if tot["quota"].is_not_null().any():
    st.plotly_chart(
        charts.actual_vs_quota(
            [METRICS[m].label(lang) for m in tot["metric"].to_list()],
            tot["actual"].to_list(),
            tot["quota"].to_list(),
            lang,
            h.short_name(area, lang),
        ),
        key="src_quota",
        config={"displayModeBar": False},
    )
kids = ev.filter(~pl.col("is_area"))
if kids.height:
    mat = kids.with_columns(src=metric_label("metric", lang)).pivot(on="src", index=["unit_code", "name"], values="actual")
    data_table(for_people(mat.drop("unit_code"), lang), hide_index=True)
    download(mat, "job_sources", lang, "dl_src")
st.caption(
    L(
        f"就业来源（{'、'.join(JOB_SOURCE.label(k, lang) for k in JOB_SOURCE.values)}）按每人首次务工的来源计，三项之和等于转移就业人数。"
        "行业构成中，一人在几个行业务工时在各行业分别计入，合计可大于转移就业人数。",
        f"Job sources ({', '.join(JOB_SOURCE.label(k, lang) for k in JOB_SOURCE.values)}): each person counts under the source "
        "of their first placement, so the three add up to the total. In the industry mix a person working in two "
        "industries counts in each, so it may add up to more than the total.",
    )
)
