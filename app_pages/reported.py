"""填报指标: the figures units report themselves (urban new jobs, training person-times, new dispatch companies and
transfer bases, farmer-herder workers on public projects) — against their quotas like the ledger's metrics, entered
here or loaded from a table, every report kept with who and when."""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
import streamlit as st

import queries
from tracker import audit, dispatch, fmt, reported, rules, settings
from tracker.catalogue import REPORTED_ITEMS, REPORTED_METRICS, metric_label
from tracker.i18n import pick, status_expr, t
from tracker.labels import mapped
from tracker.ui import can, current, current_user, data_table, download, header

state, h = current()
lang, area, day = state.lang, state.area, state.snapshot
L = pick(lang)
header(t("reported", lang), state, h)
me = current_user()

d = dispatch.resolve_dates(day)
wk = dispatch.measures(area, d)
q = dispatch.quotas(area, state.year)
keys = list(REPORTED_METRICS)
ev = dispatch.name_units(dispatch.evaluate(area, d, wk, q, keys), h, lang, area)
shown = ev.filter(pl.col("quota").is_not_null() | (pl.col("reported_as_of").is_not_null()))
if shown.height:
    shown = shown.sort(pl.col("is_area").not_(), "unit_code", "metric")
    unit_of = {k: m.unit_zh for k, m in REPORTED_METRICS.items()}
    kinds = {k: m.kind for k, m in REPORTED_METRICS.items()}
    figures = [  # in their units (人, 人次, 家, %), the way the cards show them; a small table, formatted in Python
        (fmt.value(kinds[m], a, lang, unit_of[m]), fmt.value(kinds[m], qv, lang, unit_of[m]) if qv is not None else "—")
        for m, a, qv in shown.select("metric", "actual", "quota").iter_rows()
    ]
    shown = shown.with_columns(_a=pl.Series([f[0] for f in figures]), _q=pl.Series([f[1] for f in figures]))
    table = shown.select(
        pl.col("name").alias(t("unit", lang)),
        metric_label("metric", lang).alias(L("指标", "Metric")),
        pl.col("_a").alias(t("actual", lang)),
        pl.col("_q").alias(t("quota", lang)),
        (pl.col("completion") * 100).round(1).alias(L("完成率%", "Completion %")),
        pl.col("gap").round(1).alias(t("gap", lang)),
        status_expr("status", lang).alias(t("status", lang)),
        pl.col("reported_as_of").cast(pl.String).fill_null(L("尚未填报", "not reported")).alias(L("最近填报截至", "Latest report as of")),
    )
    data_table(table, hide_index=True)
    download(table, "reported", lang, "dl_reported")
else:
    st.info(L("本辖区还没有填报指标的任务或填报。", "No reported figures or quotas for them in this area yet."))

if can("report"):
    st.markdown("#### " + L("填报", "Report"))
    below = h.of_level(3, me.area)["code"].to_list() + h.of_level(4, me.area)["code"].to_list() if len(me.area) < 9 else []
    units = [me.area, *[c for c in below if c != me.area]]
    units = [u for u in units if u.startswith(area)] or [me.area]
    with st.form("rep_form", clear_on_submit=True):
        c = st.columns(3)
        unit = c[0].selectbox(t("unit", lang), units, format_func=lambda u: h.name(u, lang), key="rep_unit")
        as_of = c[1].date_input(
            L("截至日期", "As of"),
            value=min(settings.today(), day) if day.year == settings.today().year else day,
            key="rep_asof",
            format="YYYY-MM-DD",
        )
        note = c[2].text_input(L("说明（可选）", "Note (optional)"), max_chars=100, key="rep_note")
        cols = st.columns(4)
        values = {}
        for i, (k, it) in enumerate(REPORTED_ITEMS.items()):
            values[k] = cols[i % 4].number_input(
                f"{it.zh}（{it.unit_zh}）" if lang == "zh" else it.en,
                min_value=0,
                value=None,
                step=1,
                key=f"rep_{k}",
                help=it.desc_zh if lang == "zh" else it.desc_en,
            )
        sent = st.form_submit_button(L("提交", "Submit"), type="primary")
    if sent:
        rows = [{"unit_code": unit, "item": k, "value": v, "as_of": as_of} for k, v in values.items() if v is not None]
        if not rows:
            st.warning(L("没有填写任何数值。", "No value was entered."))
        else:
            out = reported.add(rows, me.username, "entry", h, me.area, settings.today(), note)
            audit.log(me.username, "report_entry", unit, f"{as_of.isoformat()} " + ", ".join(f"{r['item']}={r['value']}" for r in rows))
            queries.reset()
            if out.rejects:
                st.error("；".join(f"{r['column']}: {r['reason_zh'] if lang == 'zh' else r['reason_en']}" for r in out.rejects))
            if out.accepted:
                st.success(L(f"已填报{out.accepted}项。", f"{out.accepted} figures reported."))

    with st.expander(
        L("从表格导入（CSV/Excel：单位、截至日期、各指标一列）", "Load a table (CSV/Excel: unit, as-of date, one column per figure)")
    ):
        f = st.file_uploader(L("填报表", "Table"), type=["csv", "xlsx"], key="rep_file")
        default_day = rules.reporting_week(settings.today())
        imp_day = st.date_input(
            L("未写截至日期的行按此日期", "Rows without a date count as of"), value=default_day, key="rep_imp_day", format="YYYY-MM-DD"
        )
        if st.button(L("导入", "Load"), disabled=f is None, key="rep_imp_go"):
            with tempfile.TemporaryDirectory() as tmp:
                p = Path(tmp) / Path(f.name).name
                p.write_bytes(f.getvalue())
                try:
                    rows, bad = reported.read_table(p, h, imp_day)
                except Exception as e:  # an unreadable table: its message, nothing loaded
                    rows, bad = (
                        [],
                        [
                            {
                                "row": None,
                                "column": "",
                                "value": "",
                                "reason_zh": getattr(e, "zh", str(e)),
                                "reason_en": getattr(e, "en", str(e)),
                            }
                        ],
                    )
            out = reported.add(rows, me.username, "import", h, me.area, settings.today(), f.name)
            audit.log(me.username, "report_import", me.area, f"{f.name} accepted={out.accepted} rejected={len(bad) + len(out.rejects)}")
            queries.reset()
            st.success(
                L(
                    f"导入{out.accepted}项，拒收{len(bad) + len(out.rejects)}项。",
                    f"{out.accepted} figures loaded, {len(bad) + len(out.rejects)} refused.",
                )
            )
            rej = bad + out.rejects
            if rej:
                data_table(
                    pl.DataFrame(
                        [
                            {
                                L("行", "Row"): r["row"],
                                L("列", "Column"): r["column"],
                                L("值", "Value"): r["value"],
                                L("原因", "Reason"): r["reason_zh"] if lang == "zh" else r["reason_en"],
                            }
                            for r in rej
                        ]
                    ),
                    hide_index=True,
                )

st.markdown("#### " + L("填报记录", "Reports"))
hist = reported.history(area, state.year)
if hist.height:
    view = hist.head(500).select(
        h.name_expr("unit_code", lang, short=False).alias(t("unit", lang)),
        mapped("item", {k: (v.zh if lang == "zh" else v.en) for k, v in REPORTED_ITEMS.items()}).alias(L("指标", "Figure")),
        pl.col("as_of").cast(pl.String).alias(L("截至", "As of")),
        pl.col("value").alias(L("数值", "Value")),
        mapped("source", {k: v[0 if lang == "zh" else 1] for k, v in reported.SOURCES.items()}).alias(L("方式", "How")),
        pl.col("user").alias(L("填报人", "By")),
        pl.col("time").str.slice(0, 16).str.replace("T", " ").alias(L("时间", "Time")),
    )
    data_table(view, hide_index=True, height=300)
    st.caption(
        L(
            f"共{hist.height:,}条；同一单位同一指标以截至日期最新的一条为准，未填报的单位合计其下级的填报。",
            f"{hist.height:,} reports; the latest as-of date counts; a unit that has not reported sums the reports below it.",
        )
    )
else:
    st.caption(L("本年度还没有填报记录。", "No reports this year yet."))
st.caption(t("data_as_of", lang, d=fmt.date(day, lang)))
