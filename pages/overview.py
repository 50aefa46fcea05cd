"""调度总览: cards per quota metric, ranking of child units, laggards, cumulative progress."""

from __future__ import annotations

import polars as pl
import streamlit as st

from tracker import charts, dispatch, fmt, rules, settings
from tracker.cards import CSS, MEETING_CSS, card_html
from tracker.i18n import status_label, t
from tracker.metrics import CARD_METRICS, METRICS
from tracker.ui import current, go

state, h = current()
lang, area = state.lang, state.area
d = dispatch.resolve_dates(state.snapshot)
wk = dispatch.measures(area, d)
q = dispatch.quotas(area, state.year)
ev = dispatch.name_units(dispatch.evaluate(area, d, wk, q), h, lang, area)
pace = settings.pace_method()

st.markdown(CSS + (MEETING_CSS if state.meeting else ""), unsafe_allow_html=True)
week = d.snapshot.isocalendar()[1]
title = (f"{h.short_name(area, lang)}农牧民转移就业调度 · 截至{fmt.date(d.snapshot, lang)}（第{week}周）"
         if lang == "zh" else
         f"{h.short_name(area, lang)}: transfer employment as of {fmt.date(d.snapshot, lang)} (week {week})")
st.subheader(title)

# breadcrumb: region > prefecture > county > township > village
crumbs = h.ancestors(area)
if len(crumbs) > 1 and not state.meeting:
    cols = st.columns(len(crumbs) + 4)
    for i, code in enumerate(crumbs):
        if code == area:
            cols[i].markdown(f"**{h.short_name(code, lang)}**")
        elif cols[i].button(h.short_name(code, lang), key=f"crumb_{code}"):
            go(state.with_(area=code))

area_rows = {r["metric"]: r for r in ev.filter(pl.col("is_area")).iter_rows(named=True)}
for chunk in (CARD_METRICS[:4], CARD_METRICS[4:]):
    cols = st.columns(4)
    for c, key in zip(cols, chunk, strict=False):
        c.markdown(card_html(area_rows[key], lang, pace), unsafe_allow_html=True)
st.caption(f"{t('status_uses', lang)}：{t('pace_linear' if pace == 'linear' else 'pace_seasonal', lang)}　"
           + charts.legend_html(lang), unsafe_allow_html=True)

kids = ev.filter(~pl.col("is_area"))
if kids.height:
    paced = [m for m in CARD_METRICS if METRICS[m].quota]
    st.session_state["w_metric"] = state.metric if state.metric in paced else "total"
    metric = st.selectbox(t("ranking_metric", lang), paced, key="w_metric",
                          format_func=lambda m: METRICS[m].label(lang))
    if metric != state.metric:
        go(state.with_(metric=metric))
    rank = dispatch.ranking(ev, metric)
    lag = dispatch.laggards(ev, metric)
    left, right = st.columns([3, 2]) if not state.meeting else st.columns([1, 1])
    with left:
        st.markdown(f"#### {t('ranking', lang)}")
        kind = METRICS[metric].kind
        minimum = METRICS[metric].quota_kind == "minimum"
        table = rank.select(
            pl.col("rank").alias(t("rank", lang)),
            pl.col("name").alias(t("unit", lang)),
            pl.col("quota").alias(t("minimum" if minimum else "quota", lang)),
            pl.col("actual").alias(t("actual", lang)),
            (pl.col("completion") * 100).alias(t("completion", lang)),
            pl.col("gap").round(1).alias(t("gap", lang)),
            pl.col("new_week").alias(t("new_week", lang)),
            pl.col("status").map_elements(lambda s: status_label(s, lang), return_dtype=pl.String)
            .alias(t("status", lang)),
        )
        if minimum or kind == "share":
            table = table.with_columns(pl.col(t("actual", lang)) * 100, pl.col(t("minimum", lang)) * 100,
                                       pl.col(t("new_week", lang)) * 100)
        num_fmt = "%.1f%%" if (minimum or kind == "share") else "%.0f"
        cfg = {
            t("completion", lang): st.column_config.ProgressColumn(format="%.1f%%", min_value=0, max_value=100),
            t("actual", lang): st.column_config.NumberColumn(format=num_fmt),
            t("quota", lang): st.column_config.NumberColumn(format=num_fmt),
            t("minimum", lang): st.column_config.NumberColumn(format=num_fmt),
            t("new_week", lang): st.column_config.NumberColumn(format="%+.1f" if minimum else "%+.0f"),
            t("gap", lang): st.column_config.NumberColumn(format="%+.1f"),
        }
        if minimum:
            table = table.drop(t("completion", lang))
        sel = st.dataframe(table, hide_index=True, column_config=cfg, on_select="rerun",
                           selection_mode="single-row", key=f"rank_{area}_{metric}",
                           height=min(38 * (table.height + 1) + 4, 640))
        if h.level(area) < 5 and not state.meeting:
            st.caption(t("open_unit", lang))
        rows = sel.selection.rows if sel is not None else []
        if rows:
            code = rank["unit_code"][rows[0]]
            if h.exists(code) and code != area:
                go(state.with_(area=code))
    with right:
        st.markdown(f"#### {t('laggards', lang)}")
        if lag.height == 0:
            st.success(t("no_laggards", lang))
        else:
            for r in lag.iter_rows(named=True):
                if minimum:
                    extra = (f"{fmt.pct(r['actual'])}，低于下限{abs(r['gap']):.1f}个百分点，还需有组织转移"
                             f"{fmt.count(r['needed'], lang)}" if lang == "zh" else
                             f"{fmt.pct(r['actual'])}, {abs(r['gap']):.1f} pp below the minimum; "
                             f"{fmt.count(r['needed'], lang)} more organized placements needed")
                else:
                    extra = (f"完成{fmt.pct(r['completion'])}，{fmt.points(r['gap'], lang)}，"
                             f"差{fmt.count(r['shortfall'], lang)}" if lang == "zh" else
                             f"{fmt.pct(r['completion'])} done, {fmt.points(r['gap'], lang)}, "
                             f"{fmt.count(r['shortfall'], lang)} short")
                st.markdown(f"- **{r['name']}**（{status_label(r['status'], lang)}）：{extra}"
                            if lang == "zh" else f"- **{r['name']}** ({status_label(r['status'], lang)}): {extra}")
    if not minimum:
        tp = rules.time_progress(d.snapshot, rank["due_date"][0]) if rank.height else None
        ev_bars = st.plotly_chart(charts.ranking_bars(rank, tp, lang, state.meeting), key=f"bars_{area}_{metric}",
                                  on_select="rerun", selection_mode="points", config={"displayModeBar": False})
        pts = ev_bars.selection.points if ev_bars is not None else []
        if pts and h.level(area) < 5:
            code = pts[0].get("customdata")
            code = code[0] if isinstance(code, list) else code
            if code and h.exists(code) and code != area:
                go(state.with_(area=code))

if not state.meeting:
    metric = state.metric if METRICS[state.metric].kind in ("count", "money") else "total"
    tr = dispatch.trend(area, d, wk, q, metric)
    st.plotly_chart(charts.cumulative(tr, lang, f"{t('trend', lang)} · {METRICS[metric].label(lang)}"),
                    key="trend", config={"displayModeBar": False})
    kind = METRICS[metric].kind
    bits = []
    if tr["projection"] is not None:
        bits.append(f"{t('projection', lang)}：{fmt.value(kind, tr['projection'], lang)}"
                    + (f"（{fmt.pct(tr['projection'] / tr['target'])}）" if tr["target"] else ""))
    if tr["required"] is not None:
        bits.append(f"{t('required', lang)}：{fmt.value(kind, tr['required'], lang)}"
                    + (f"；{t('previous', lang)}4周平均 {fmt.value(kind, tr['rate'], lang)}" if lang == "zh" and tr["rate"]
                       else (f"; last 4 weeks averaged {fmt.value(kind, tr['rate'], lang)}" if tr["rate"] else "")))
    if bits:
        st.markdown("　·　".join(bits))
