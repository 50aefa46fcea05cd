"""调度总览: cards per quota metric, ranking of child units, laggards, cumulative progress."""

from __future__ import annotations

import polars as pl
import streamlit as st

from tracker import charts, dispatch, fmt, followup, followup_ui, geo, hierarchy, quotas, rules, settings, submissions
from tracker import reported as reported_mod
from tracker.cards import CSS, card_html, ranking_html, ranking_list_html, ranking_rows
from tracker.catalogue import CARD_METRICS, METRICS, metric_records
from tracker.demo_quotas import note_text
from tracker.i18n import colon, gap, listing, paren, pick, status_expr, status_label, t
from tracker.style import DARK_CSS, MEETING_CSS
from tracker.texts import laggard_line
from tracker.ui import breadcrumb, can, current, current_user, data_table, go, meeting_bar, open_records, records_href, view_href

state, h = current()
lang, area = state.lang, state.area
L = pick(lang)
d = dispatch.resolve_dates(state.snapshot)
wk = dispatch.measures(area, d)
q = dispatch.quotas(area, state.year)
shown = CARD_METRICS + dispatch.reported_metrics(q, wk)  # the ledger's cards, then the reported ones that matter here
ev = dispatch.name_units(dispatch.evaluate(area, d, wk, q, shown), h, lang, area)
pace = settings.pace_method()

st.markdown(CSS + (MEETING_CSS if state.meeting else "") + (DARK_CSS if state.meeting and state.dark else ""), unsafe_allow_html=True)
if state.meeting:
    meeting_bar(state, h)
week = d.snapshot.isocalendar()[1]
st.subheader(
    L(
        f"{h.short_name(area, lang)}{hierarchy.WORKERS_ZH}转移就业调度 · 截至{fmt.date(d.snapshot, lang)}（第{week}周）",
        f"{h.short_name(area, lang)}: transfer employment as of {fmt.date(d.snapshot, lang)} (week {week})",
    )
)
if not state.meeting:
    with st.container(key="tr_crumbs"):
        breadcrumb(state, h)
demo_notes = sorted({note_text(n, lang) for n in q.filter(pl.col("source") == "demo")["source_note"].drop_nulls()})
if (
    demo_notes and not state.meeting
):  # in the meeting the cards' own 演示 tags say it  # say plainly which quotas are demo values and what they were taken from
    st.caption(
        ("演示说明：本页任务为演示值（" + "；".join(demo_notes) + "）。已公布任务按原文件年份保存，见目标任务页。")
        if lang == "zh"
        else (
            "Demo: the quotas on this page are demo values (" + "; ".join(demo_notes) + "). The published "
            "figures are kept under their own documents' years on the Quotas page."
        )
    )
note = submissions.carried_note(d.snapshot, area, lambda c: h.name(c, lang), lang)
if note:  # the numbers include carried-forward data: say whose
    st.warning(note, icon=":material/schedule:")

area_rows = {r["metric"]: r for r in ev.filter(pl.col("is_area")).iter_rows(named=True)}
reported = [k for k in shown if k not in CARD_METRICS]
if state.meeting:  # on the projector, the reported figures with a target here: the others have no progress to discuss
    reported = [k for k in reported if area_rows[k]["quota"] is not None]
chunks = [CARD_METRICS[:4], CARD_METRICS[4:]] + [reported[i : i + 4] for i in range(0, len(reported), 4)]


def card_href(key: str) -> str | None:
    """A ledger card's number opens the records behind it (or, for a role without person lists, the breakdown)."""
    if key not in CARD_METRICS:
        return None
    return records_href(metric_records(key))


with st.container(key="tr_cards"):
    for n, chunk in enumerate(chunks):
        if n == 2:
            st.markdown(
                "##### " + L("填报指标（各单位填报，不来自实名台账）", "Reported figures (reported by the units, not from the ledger)")
            )
            who = reported_mod.coverage_note(area, state.year, d.snapshot, lambda u: h.name(u, lang), lang)
            if who:
                st.caption(who)
        cols = st.columns(4)
        for c, key in zip(cols, chunk, strict=False):
            c.markdown(card_html(area_rows[key], lang, pace, href=card_href(key), compact=state.meeting), unsafe_allow_html=True)
basis = t("pace_linear" if pace == "linear" else "pace_seasonal", lang)
st.caption(
    f"{t('status_uses', lang)}{colon(lang)}{basis}{L('　', ' · ')}" + charts.legend_html(lang),
    unsafe_allow_html=True,
)

if ev.filter(~pl.col("is_area")).height:
    paced = [m for m in shown if METRICS[m].quota]
    metric = state.metric if state.metric in paced else "total"
    st.session_state["w_metric"] = metric
    choice = st.selectbox(t("ranking_metric", lang), paced, key="w_metric", format_func=lambda m: METRICS[m].label(lang))
    if choice != metric:
        go(state.with_(metric=choice))
    met = METRICS[metric]
    minimum = met.quota_kind == "minimum"
    rank = dispatch.ranking(ev, metric)
    moves = dispatch.previous_ranks(area, d, wk, q, metric)
    has_records = metric_records(metric) is not None
    no_quota = rank["quota"].is_null().all()  # e.g. villages: nothing to pace, rank by what was done

    def drill_href(code: str) -> str:
        return view_href(area=code)

    def value_href(code: str) -> str | None:
        return records_href(metric_records(metric), area=code) if has_records else None

    st.markdown(f"#### {t('ranking', lang)} · {met.label(lang)}")
    table_html = ranking_html(rank, metric, lang, moves, drill_href, value_href)
    if state.meeting:  # large type, movement, every row: the data grid is a canvas and would not grow
        st.markdown(table_html, unsafe_allow_html=True)
    else:
        with st.container(key="tr_print"):
            st.markdown(table_html, unsafe_allow_html=True)
        with st.container(key="tr_narrow"):
            st.markdown(ranking_list_html(rank, metric, lang, moves, drill_href), unsafe_allow_html=True)
        cells = ranking_rows(rank, metric, lang, moves)
        MOVE, RECS = L("变化", "Move"), L("明细", "Records")
        table = pl.DataFrame(
            {
                t("rank", lang): [str(i + 1) for i in range(len(cells))] if no_quota else [c["rank"] for c in cells],
                MOVE: [c["move"] for c in cells],
                t("unit", lang): [c["name"] or "—" for c in cells],
                t("minimum" if minimum else "quota", lang): [c["quota"] for c in cells],
                t("actual", lang): [c["actual"] for c in cells],
                t("completion", lang): (rank["completion"] * 100).to_list(),
                t("gap", lang): [c["gap"] for c in cells],
                t("vs_last_week" if minimum else "new_week", lang): [c["new_week"] for c in cells],
                t("status", lang): rank.select(status_expr("status", lang))["status"].fill_null("—").to_list(),
                t("quota_source", lang): rank["source"]
                .replace_strict({k: v[0 if lang == "zh" else 1] for k, v in quotas.SOURCES.items()}, default="—")
                .to_list(),
            },
            schema_overrides={t("completion", lang): pl.Float64},
        )
        if not moves:
            table = table.drop(MOVE)
        if minimum:
            table = table.drop(t("completion", lang)).with_columns(
                pl.Series(met.needed_label(lang), [c["needed"] or "—" for c in cells]),
                pl.Series(met.needed_label(lang, year_end=True), [c["needed_year_end"] or "—" for c in cells]),
            )
        if no_quota:
            table = table.drop(
                t("minimum" if minimum else "quota", lang),
                t("completion", lang),
                t("gap", lang),
                t("status", lang),
                t("quota_source", lang),
                strict=False,
            )
        if has_records:  # the unit's number opens the records behind it (a link per row, shown as the number)
            links = [f"{value_href(c)}#{fmt.count(v, lang)} ›" for c, v in zip(rank["unit_code"], rank["actual"], strict=True)]
            table = table.with_columns(pl.Series(RECS, links, dtype=pl.String))
        right = st.column_config.TextColumn(alignment="right")
        cfg = {c: right for c in table.columns if c not in (t("unit", lang), t("status", lang), t("quota_source", lang), RECS)}
        cfg[t("completion", lang)] = st.column_config.ProgressColumn(format="%.1f%%", min_value=0, max_value=100)
        cfg[RECS] = st.column_config.LinkColumn(display_text=r"#(.*)$", help=t("open_records_tip", lang))
        if no_quota:
            st.caption(L("下级单位未下达任务，按完成数排列。", "No quotas below this level: ranked by what was done."))
        with st.container(key="tr_wide"):
            sel = data_table(
                table,
                hide_index=True,
                column_config=cfg,
                on_select="rerun",
                selection_mode="single-row",
                key=f"rank_{area}_{metric}",
                height=min(35 * (table.height + 1) + 3, 600),
            )
            if h.level(area) < 5:
                st.caption(t("open_unit", lang))
        rows = sel.selection.rows if sel is not None else []
        if rows:
            code = rank["unit_code"][rows[0]]
            if h.exists(code) and code != area:
                go(state.with_(area=code))

    def laggard_list() -> None:
        with st.container(key="tr_laggards"):  # on a phone its lines break at punctuation, never in "差228人"
            _laggard_list()

    def _laggard_list() -> None:
        st.markdown(f"#### {t('laggards', lang)}")
        lag = dispatch.laggards(ev)
        kids_paced = ev.filter(~pl.col("is_area") & pl.col("quota").is_not_null()).height > 0
        if not kids_paced:  # nothing below to compare: say so, and what of this unit's own lags
            own = ev.filter(pl.col("is_area") & pl.col("status").is_in(list(dispatch.LAG_ORDER)))
            st.info(L("下级单位未下达任务，无法判断下级滞后。", "No quotas below this level: no laggards to name."))
            if own.height:
                lines = listing(lang).join(laggard_line(r, lang) for r in own.iter_rows(named=True))
                st.markdown(L("本单位", "This unit") + colon(lang) + lines)
        elif lag.height == 0:
            st.success(t("no_laggards", lang))
        else:
            lines = [laggard_line(r, lang) for r in lag.iter_rows(named=True)]
            top = 6 if state.meeting else 8  # about the height of the map or chart beside it; the rest one click away
            st.markdown("\n".join(f"- {x}" for x in lines[:top]))
            if len(lines) > top:
                with st.expander(t("more_laggards", lang, n=len(lines) - top)):
                    st.markdown("\n".join(f"- {x}" for x in lines[top:]))
            if not state.meeting and followup.may_open(current_user(), area):  # 督办: a lagging unit, its lagging metrics
                lagging = {}
                for r in lag.iter_rows(named=True):
                    lagging.setdefault(r["unit_code"], []).append(r["metric"])
                with st.container(key="tr_noprint"):
                    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
                    unit = c1.selectbox(
                        L("对滞后单位发起督办", "Open a follow-up item for"),
                        list(lagging),
                        format_func=lambda c: h.name(c, lang),
                        key="fu_unit",
                    )
                    followup_ui.open_button(unit, lagging[unit], state, h, key=f"lag_{unit}", where=c2)
        followup_ui.open_items_box(state, h, by_unit=state.meeting)

    def picked(event) -> str | None:
        pts = event.selection.points if event is not None else []
        code = pts[0].get("customdata") if pts else None
        code = code[0] if isinstance(code, list) else code
        return code if code and h.exists(code) and code != area else None

    def drill_on(event) -> None:  # the map: a click drills, like a ranking row
        code = picked(event)
        if code and h.level(area) < 5:
            go(state.with_(area=code))

    def records_on(event) -> None:  # a bar is a number: its click opens the records behind it
        code = picked(event)
        if code:
            open_records(metric_records(metric), area=code)

    gj = geo.level_geojson(area)
    if gj is not None:  # the region's prefectures or a prefecture's counties, coloured by status (a click drills)
        left, right = st.columns([3, 2] if state.meeting else [1, 1])
        with left:
            frame = geo.map_frame(rank, met.kind, lang, met.unit_zh, minimum)
            title = L(f"进度状态示意图 · {met.label(lang)}", f"Status map · {met.label(lang)}")
            fig = geo.fig_status_map(frame, gj, lang, title=title, height=560 if state.meeting else 460, big=state.meeting)
            if state.dark:
                fig = charts.on_dark(fig)
            drill_on(
                st.plotly_chart(
                    fig, key=f"map_{area}_{metric}", on_select="rerun", selection_mode="points", config={"displayModeBar": False}
                )
            )
            rest = geo.unmapped(frame, gj)
            if rest.height:  # the industrial parks have no boundary: listed beside the map
                st.caption(
                    L("未绘边界", "No boundary")
                    + colon(lang)
                    + listing(lang).join(
                        f"{r['unit_name']} {r['value']}{paren(status_label(r['status'], lang), lang)}" for r in rest.iter_rows(named=True)
                    )
                )
        with right:
            laggard_list()
    else:
        left, right = st.columns([1, 1])
        with left:
            laggard_list()
    # beside the laggards where there is no map (a county's townships, a township's villages), in meeting mode too;
    # below the map otherwise: completion against the time elapsed, a share against its floor, or what was done
    if gj is None or not state.meeting:
        big = state.meeting
        with right if gj is None else st.container():
            if no_quota:
                fig = charts.ranked_bars(
                    rank["name"].to_list(),
                    rank["actual"].fill_null(0).to_list(),
                    lang,
                    L(f"{met.label(lang)} · 各单位完成数", f"{met.label(lang)} by unit"),
                    codes=rank["unit_code"].to_list(),
                    fmt_value=lambda v: fmt.value(met.kind, v, lang, met.unit_zh),
                    big=big,
                )
            elif minimum:
                floors = rank["quota"].drop_nulls().unique()
                fig = charts.share_bars(
                    rank.select("unit_code", "name", share="actual", minimum="quota").drop_nulls("share"),
                    floors[0] if floors.len() == 1 else None,
                    lang,
                    f"{met.label(lang)} · {L('各单位', 'by unit')}",
                    big=big,
                )
            else:
                tp = rules.time_progress(d.snapshot, rank["due_date"][0]) if rank.height else None
                fig = charts.ranking_bars(rank, tp, lang, big=big)
            if state.dark:
                fig = charts.on_dark(fig)
            plain = {"displayModeBar": False}
            if state.meeting:  # on the projector a bar is not a link: a click would leave meeting mode for the records
                st.plotly_chart(fig, key=f"bars_{area}_{metric}", config=plain)
            else:
                records_on(st.plotly_chart(fig, key=f"bars_{area}_{metric}", on_select="rerun", selection_mode="points", config=plain))
                clickable = charts.has_points(fig) and (rank["actual"].fill_null(0) > 0).any()  # a bar one can see
                if clickable and has_records and can("records"):
                    st.caption(L("点击柱条查看该单位的明细记录。", "Click a bar for that unit's records."))
                elif clickable:
                    st.caption(L("点击柱条查看该单位的渠道分布。", "Click a bar for that unit's breakdown by channel."))

if not state.meeting:
    metric = state.metric if METRICS[state.metric].kind in ("count", "money") else "total"
    kind = METRICS[metric].kind
    tr = dispatch.trend(area, d, wk, q, metric)
    st.plotly_chart(
        charts.cumulative(tr, lang, f"{t('trend', lang)} · {METRICS[metric].label(lang)}"), key="trend", config={"displayModeBar": False}
    )
    bits = []
    if tr["projection"] is not None:
        bits.append(
            f"{t('projection', lang)}{colon(lang)}{fmt.value(kind, tr['projection'], lang)}"
            + (paren(fmt.pct(tr["projection"] / tr["target"]), lang) if tr["target"] else "")
        )
    if tr["required"] is not None:
        bits.append(f"{t('required', lang)}{colon(lang)}{fmt.value(kind, tr['required'], lang)}")
    if tr["rate"] is not None:
        bits.append(f"{t('recent_rate', lang)}{colon(lang)}{fmt.value(kind, tr['rate'], lang)}")
    if bits:
        st.markdown(gap(lang).join(bits))

if not state.meeting:
    from tracker.ui import bulletin_buttons

    bulletin_buttons(state)
