"""组织化与渠道: organized share per unit against the minimum, channel mix, organized transfers vs quota."""

from __future__ import annotations

import polars as pl
import streamlit as st

from tracker import analysis, catalogue, charts, dispatch, fmt, rules, settings
from tracker.catalogue import METRICS
from tracker.exports import wan
from tracker.i18n import pick, t
from tracker.schema import CHANNEL
from tracker.ui import chart, current, data_table, drill_table, header

state, h = current()
lang, area, day, sl = state.lang, state.area, state.snapshot, state.slice
L = pick(lang)
header(t("channels", lang), state, h)

d = dispatch.resolve_dates(day)
q = dispatch.quotas(area, state.year)
share_q = {r["unit_code"]: r["target"] for r in q.filter(pl.col("metric") == "org_share").iter_rows(named=True)}
minimum = share_q.get(area, settings.org_share_min())

m = dispatch.name_units(analysis.measures(area, day, sl), h, lang, area)
top = m.filter(pl.col("is_area")).to_dicts()[0]
share = top["organized"] / top["persons"] if top["persons"] else None
total_q = {r["unit_code"]: r["target"] for r in q.filter(pl.col("metric") == "total").iter_rows(named=True)}
c1, c2, c3 = st.columns(3)  # two rows: five figures in one cut 55.90万人 to "55.90万…" at 1280 px
c4, c5 = st.columns(2)
c1.metric(t("persons", lang), fmt.persons(top["persons"], lang))
above = fmt.short_points((share - minimum) * 100, lang) if share and minimum is not None else None  # against the floor
c2.metric(t("org_share", lang), fmt.pct(share), delta=above, delta_arrow=fmt.arrow(above))
c3.metric(L("有组织转移", "Organized"), fmt.persons(top["organized"], lang))
needed = rules.organized_needed(top["organized"], top["persons"], minimum)
share_met = catalogue.METRICS["org_share"]
c4.metric(share_met.needed_label(lang), fmt.needed(needed, lang))  # not "0人" beside the year's need
# the overview's card says both: what the floor needs now, and once the year's total quota is met
year_end = rules.organized_needed_by_year_end(top["organized"], total_q.get(area), minimum)
c5.metric(share_met.needed_label(lang, year_end=True), fmt.needed(year_end, lang), help=t("needed_year_end_help", lang))

kids = m.filter(~pl.col("is_area")).with_columns(share=catalogue.ratio("organized", "persons")).sort("share", descending=True)
if kids.height:
    chart(
        charts.share_bars(kids, minimum, lang, f"{t('org_share', lang)} · {'各单位' if lang == 'zh' else 'by unit'}"),
        state,
        h,
        "share_bars",
    )
    table = kids.select(
        pl.col("name").alias(t("unit", lang)),
        pl.col("persons").alias(t("persons", lang)),
        pl.col("organized").alias(L("有组织", "Organized")),
        (pl.col("share") * 100).round(1).alias(t("org_share", lang) + " %"),
        pl.Series(
            share_met.needed_label(lang, short=True),  # English "Still needed": the long heading ran off the table
            [
                rules.organized_needed(o, p, share_q.get(u, minimum))
                for o, p, u in kids.select("organized", "persons", "unit_code").iter_rows()
            ],
            dtype=pl.Int64,
        ),
        pl.Series(
            share_met.needed_label(lang, year_end=True, short=True),
            [
                rules.organized_needed_by_year_end(o, total_q.get(u), share_q.get(u, minimum))
                for o, u in kids.select("organized", "unit_code").iter_rows()
            ],
            dtype=pl.Int64,
        ),
    )
    drill_table(table, state, h, "share_table", kids["unit_code"].to_list(), name="organized_share")
    st.caption(
        L(
            "按全年任务测算尚需数按各单位本级任务分别计算：已超过下限的单位不抵减其他单位，故各单位之和不等于本级数。",
            "The year's need is worked out for each unit against its own quota: a unit above the floor does not offset "
            "another, so the units' figures do not add up to the area's.",
        )
    )

st.markdown("#### " + (L("组织方式构成（按人员，一人多次按各渠道分别计）", "Channel mix (persons with a placement through each channel)")))
ch = dispatch.name_units(analysis.by_dimension(area, day, "channel", sl), h, lang, area)
ch = ch.with_columns(category=CHANNEL.expr("value", lang))
area_ch = ch.filter(pl.col("is_area")).sort("persons", descending=True)
kids_ch = ch.filter(~pl.col("is_area"))
data = area_ch.select(
    pl.col("category").alias(L("组织方式", "Channel")),
    pl.col("persons").alias(t("persons", lang)),
    pl.col("placements").alias(t("placements", lang)),
    wan(pl.col("income"), lang).alias(t("income", lang)),
)
left, right = st.columns([2, 3])
with left:
    st.plotly_chart(
        charts.ranked_bars(area_ch["category"].to_list(), area_ch["persons"].to_list(), lang, h.short_name(area, lang)),
        key="ch_area",
        config={"displayModeBar": False},
    )
with right:
    if kids_ch.height:
        chart(
            charts.stacked_bars(
                kids_ch.select("unit_code", "name", "category", pl.col("persons").alias("value")),
                lang,
                L("各单位渠道占比", "Channel shares by unit"),
                order=[CHANNEL.label(c, lang) for c in CHANNEL.values],
            ),
            state,
            h,
            "ch_stack",
            data=kids_ch.pivot(on="category", index=["unit_code", "name"], values="persons").fill_null(0),
            name="channel_mix",
        )
data_table(data, hide_index=True)  # the page's width: in the left column the English table lost its income column

st.markdown("#### " + (L("有组织跨地市、跨省转移与任务", "Organized cross-prefecture and cross-province vs quota")))
ev = dispatch.name_units(dispatch.evaluate(area, d, dispatch.measures(area, d), q, ["org_xpref", "org_xprov"]), h, lang, area)
if sl.active():
    st.caption(L("任务对比按全部人员计算，不受切片影响。", "Quota comparison counts everyone; slices do not apply."))
cols = st.columns(2)
for col, metric in zip(cols, ["org_xpref", "org_xprov"], strict=True):
    sub = ev.filter(pl.col("metric") == metric)
    kids_m = sub.filter(~pl.col("is_area"))
    tot = sub.filter(pl.col("is_area")).to_dicts()[0]
    label = METRICS[metric].label(lang)
    with col:
        st.metric(
            label,
            fmt.count(tot["actual"], lang),
            delta=(f"{t('completion', lang)} {fmt.pct(tot['completion'])}" if tot["completion"] is not None else t("no_quota", lang)),
            delta_color="off",
            delta_arrow="off",  # a completion, not a change
        )
        if kids_m.height:
            chart(
                charts.actual_vs_quota(
                    kids_m["name"].to_list(),
                    kids_m["actual"].to_list(),
                    kids_m["quota"].to_list(),
                    lang,
                    label,
                    kids_m["unit_code"].to_list(),
                ),
                state,
                h,
                f"q_{metric}",
                data=kids_m.select("unit_code", "name", "actual", "quota", "completion", "gap", "status"),
                name=metric,
            )
