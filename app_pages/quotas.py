"""目标任务: the year's quotas with completion, consistency checks, decomposition (分解下达) and loading an issued table."""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
import streamlit as st

import queries
from tracker import audit, dispatch, fmt, quotas
from tracker.catalogue import METRICS, metric_label
from tracker.demo_quotas import note_text
from tracker.i18n import pick, status_expr
from tracker.ui import current, current_user, data_table, download, export, header

state, h = current()
lang, area, year = state.lang, state.area, state.year
L = pick(lang)
header(L("目标任务", "Quotas"), state, h)

d = dispatch.resolve_dates(state.snapshot)
q = dispatch.quotas(area, year)
with_quota = [k for k, m in METRICS.items() if m.quota]
ev = dispatch.name_units(dispatch.evaluate(area, d, dispatch.measures(area, d), q, with_quota), h, lang, area)
paced = ev.filter(pl.col("quota").is_not_null())
view = paced.select(
    pl.col("name").alias(L("单位", "Unit")),
    metric_label("metric", lang).alias(L("指标", "Metric")),
    pl.col("quota").alias(L("任务", "Quota")),
    pl.col("actual").round(3).alias(L("完成", "Actual")),
    (pl.col("completion") * 100).round(1).alias(L("完成率%", "Completion %")),
    status_expr("status", lang).alias(L("状态", "Status")),
    pl.col("source")
    .replace_strict({k: v[0 if lang == "zh" else 1] for k, v in quotas.SOURCES.items()}, default="—")
    .alias(L("任务来源", "Source")),
    pl.col("source_note")
    .replace_strict({n: note_text(n, lang) for n in paced["source_note"].drop_nulls().unique()}, default=None, return_dtype=pl.String)
    .alias(L("来源说明", "Source note")),
)
# each row in its metric's unit (11,050人, 60.0%, 6,408.0万元), one scale per metric down the column (7.38万人 for every
# unit when any is 100,000 or more): one number column would mix persons, shares and yuan
quota_txt, actual_txt = [""] * paced.height, [""] * paced.height
for key, part in paced.with_row_index("i").group_by("metric"):
    met_ = METRICS[key[0]]
    qs, acts = fmt.quota_actual(met_.kind, part["quota"].to_list(), part["actual"].to_list(), lang, met_.unit_zh)
    for i, qt, at in zip(part["i"].to_list(), qs, acts, strict=True):
        quota_txt[i], actual_txt[i] = qt, at
data_table(
    view.with_columns(
        pl.Series(L("任务", "Quota"), quota_txt, dtype=pl.String),
        pl.Series(L("完成", "Actual"), actual_txt, dtype=pl.String),
    ),
    hide_index=True,
    height=360,
    column_config={c: st.column_config.TextColumn(alignment="right") for c in (L("任务", "Quota"), L("完成", "Actual"))},
)
download(view, "quotas_with_completion", lang, "dl_q")  # the numbers themselves, for a spreadsheet

st.markdown("#### " + L("一致性检查", "Consistency checks"))
full = quotas.table(current_user().area)
CHECK_LABELS = quotas.CHECK_LABELS
METRICS_BY_QUOTA = {m.quota: m.label(lang) for m in METRICS.values() if m.quota}
found = [f for f in quotas.check(full, h, year) if f.unit_code.startswith(area) or area.startswith(f.unit_code)]
if found:
    st.warning(L(f"发现{len(found)}处不一致。", f"{len(found)} inconsistencies found."))
    data_table(
        pl.DataFrame(
            [
                {
                    L("检查", "Check"): CHECK_LABELS.get(f.check, (f.check, f.check))[0 if lang == "zh" else 1],
                    L("单位", "Unit"): h.name(f.unit_code, lang) if h.exists(f.unit_code) else f.unit_code,
                    L("指标", "Metric"): METRICS_BY_QUOTA.get(f.metric, f.metric),
                    L("说明", "Detail"): f.zh if lang == "zh" else f.en,
                }
                for f in found
            ]
        ),
        hide_index=True,
    )
else:
    st.success(quotas.consistent_text(full.filter(pl.col("year") == year), h, area, lang))  # every level below, not q

kids = h.children(area) if len(area) < 9 else []
if kids:
    st.markdown("#### " + L("任务分解（最大余数法，下级合计严格等于上级）", "Decompose (largest remainder: children sum exactly)"))
    c = st.columns(3)
    metric = c[0].selectbox(
        L("指标", "Metric"),
        list(quotas.SUM_METRICS[:5]),
        key="dec_metric",
        format_func=lambda m: METRICS.get(m).label(lang) if m in METRICS else m,
    )
    cur = {r["unit_code"]: r["target"] for r in q.filter(pl.col("metric") == metric).iter_rows(named=True)}
    total = c[1].number_input(L("本级任务", "Parent quota"), min_value=0, value=int(cur.get(area, 0)), step=100, key="dec_total")
    met = METRICS[metric]
    c[1].caption(fmt.value(met.kind, total, lang, met.unit_zh))  # the input has no digit grouping: 615000 is said as 61.50万人
    method = c[2].selectbox(
        L("权重", "Weights"),
        ["last_year", "current", "equal", "custom"],
        key="dec_method",
        format_func=lambda m: {
            "last_year": L("上年实绩", "Last year's actual"),
            "current": L("现有任务比例", "Current quotas"),
            "equal": L("平均分配", "Equal shares"),
            "custom": L("自定义", "Custom"),
        }[m],
    )
    ly = {}
    if d.ly_final:
        wk = dispatch.measures(area, d)
        ly = {
            r["unit_code"]: r["persons" if metric == "total" else ("income" if metric == "income" else metric)]
            for r in wk.filter(pl.col("snapshot_date") == d.ly_final).iter_rows(named=True)
        }
    base = {
        "last_year": [ly.get(k, 0) for k in kids],
        "current": [cur.get(k, 0) for k in kids],
        "equal": [1] * len(kids),
        "custom": [cur.get(k, 0) for k in kids],
    }[method]
    weights = pl.DataFrame(
        {L("单位代码", "Code"): kids, L("单位", "Unit"): [h.name(k, lang) for k in kids], L("权重", "Weight"): [float(x) for x in base]}
    )
    if method == "custom":
        weights = st.data_editor(weights, hide_index=True, disabled=[L("单位代码", "Code"), L("单位", "Unit")], key=f"dec_w_{area}")
    alloc = quotas.decompose(total, kids, weights[L("权重", "Weight")].to_list())
    preview = weights.with_columns(
        pl.Series(L("分解结果", "Allocated"), [alloc[k] for k in kids]), pl.Series(L("现有任务", "Current"), [cur.get(k) for k in kids])
    )
    data_table(preview, hide_index=True)
    st.caption(L(f"合计{sum(alloc.values()):,}（本级{total:,}）", f"Sum {sum(alloc.values()):,} (parent {total:,})"))
    b = st.columns(2)
    if b[0].button(L("保存为本年度任务", "Save as this year's quotas"), type="primary", key="dec_save"):
        due = q["due_date"][0] if q.height else None
        new = quotas.frame(
            [(year, k, metric, float(v), due, L("分解下达", "decomposed"), "decomposed") for k, v in [(area, total), *alloc.items()]]
        )
        quotas.store(new, current_user().area)
        audit.log(current_user().username, "quota_save", area, f"{year} {metric} decomposed to {len(alloc)} units")
        queries.reset()
        st.success(L("已保存。", "Saved."))
        st.rerun()
    export(
        L("导出分解下达表(Excel)", "Export the issuing table (Excel)"),
        lambda: quotas.issuing_xlsx(full, h, area, year, issuer=h.name(area) + "人力资源和社会保障局"),
        f"分解下达表_{h.short_name(area, lang)}_{year}.xlsx",
        "dec_export",
        b[1],
        icon=":material/table_view:",
    )

with st.expander(L("导入上级下达的任务表", "Load an issued quota table")):
    up = st.file_uploader(
        L("任务表（.xlsx/.csv：单位名称或代码 + 各指标列）", "Quota table (.xlsx/.csv: unit + metric columns)"),
        type=["xlsx", "csv"],
        key="q_upload",
    )
    if up is not None:
        with tempfile.TemporaryDirectory() as tmp:
            p = Path(tmp) / up.name
            p.write_bytes(up.getvalue())
            try:
                rows, rejects = quotas.read_issued(p, h, year)
            except Exception as e:  # a file-level problem, explained
                st.error(getattr(e, L("zh", "en"), str(e)))
                rows, rejects = None, []
        if rows is not None:
            st.write(L(f"识别{rows.height}条任务，{len(rejects)}行有问题。", f"{rows.height} quotas read, {len(rejects)} problems."))
            if rejects:
                data_table(pl.DataFrame(rejects), hide_index=True)
            data_table(rows, hide_index=True)
            if rows.height and st.button(L("保存", "Save"), key="q_save"):
                quotas.store(rows, current_user().area)
                audit.log(current_user().username, "quota_load", area, f"{year} {rows.height} rows from {up.name}")
                queries.reset()
                st.success(fmt.count(rows.height, lang, "条"))
