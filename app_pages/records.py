"""明细记录: the placement records behind the numbers — masked IDs only, filter by any column, sort, page, export."""

from __future__ import annotations

import polars as pl
import streamlit as st

from tracker import analysis, fmt, schema
from tracker.analysis import SORTABLE, RecordFilter
from tracker.exports import csv_bytes, xlsx_bytes
from tracker.i18n import t
from tracker.ui import audit_view, current, export, header, unit_namer

state, h = current()
lang, area, day, sl = state.lang, state.area, state.snapshot, state.slice
header(t("records", lang), state, h)
L = (lambda zh, en: zh) if lang == "zh" else (lambda zh, en: en)
unit_name = unit_namer(lang)
PAGE = 50
EXPORT_CAP = 200_000

ENUM_COLS = ["gender", "education", "dest_scope", "channel", "job_source", "industry", "training_type"]
BOOL_COLS = ["organized", "trained", "id_check_ok", "poverty_alleviated", "relocated", "disabled", "veteran", "two_after"]

with st.expander(L("筛选条件（所有字段）", "Filters (every column)"), expanded=False):
    kw: dict = {}
    cols = st.columns(4)
    for i, c in enumerate(ENUM_COLS):
        e = schema.BY_NAME[c].enum
        kw[c] = cols[i % 4].multiselect(schema.label(c, lang), list(e.values), key=f"rf_{c}",
                                        format_func=lambda v, e=e: e.label(v, lang)) or None
    yes_no = {"": L("全部", "All"), "1": L("是", "Yes"), "0": L("否", "No")}
    extra_bools = {"ended": L("已返乡(有结束时间)", "Ended"), "no_village": L("缺少村居", "No village")}
    for i, c in enumerate(BOOL_COLS + list(extra_bools)):
        label = extra_bools.get(c) or schema.label(c, lang)
        v = cols[i % 4].selectbox(label, list(yes_no), key=f"rf_{c}", format_func=yes_no.get)
        kw[c] = None if v == "" else v == "1"
    cols = st.columns(4)
    for i, (c, label) in enumerate([("prefecture", schema.label("prefecture_code", lang)),
                                    ("county", schema.label("county_code", lang)),
                                    ("township", schema.label("township_code", lang)),
                                    ("village", schema.label("village_code", lang)),
                                    ("dest_province", schema.label("dest_province_code", lang)),
                                    ("dest_prefecture", schema.label("dest_prefecture_code", lang)),
                                    ("record_id", schema.label("record_id", lang)),
                                    ("id_masked", schema.label("id_masked", lang))]):
        hint = L("（代码前缀）", " (code prefix)") if i < 6 else L("（包含）", " (contains)")
        kw[c] = cols[i % 4].text_input(label + hint, key=f"rf_{c}", max_chars=20) or None
    cols = st.columns(3)
    for col, c in zip(cols, ["start", "end", "reported"], strict=True):
        rng = col.date_input(schema.label(f"{c}_date", lang), value=(), key=f"rf_{c}", format="YYYY-MM-DD")
        if isinstance(rng, tuple) and len(rng) == 2:
            kw[f"{c}_from"], kw[f"{c}_to"] = rng
    cols = st.columns(6)
    kw["months_min"] = cols[0].number_input(L("务工月数≥", "Months ≥"), 0.0, 12.0, value=None, key="rf_mmin")
    kw["months_max"] = cols[1].number_input(L("务工月数≤", "Months ≤"), 0.0, 12.0, value=None, key="rf_mmax")
    kw["income_min"] = cols[2].number_input(L("收入≥(元)", "Income ≥"), 0, None, value=None, step=1000, key="rf_imin")
    kw["income_max"] = cols[3].number_input(L("收入≤(元)", "Income ≤"), 0, None, value=None, step=1000, key="rf_imax")
    kw["birth_min"] = cols[4].number_input(L("出生年份≥", "Born ≥"), 1900, 2100, value=None, key="rf_bmin")
    kw["birth_max"] = cols[5].number_input(L("出生年份≤", "Born ≤"), 1900, 2100, value=None, key="rf_bmax")
own = st.toggle(L("只看本单位报送的记录（不含外县重复报送）", "Only records reported by this unit (no other county's duplicates)"),
                key="rf_own") if len(area) > 2 else False
if own:  # the record's own codes start with the area (a person counted here may be reported elsewhere too)
    kw[{4: "prefecture", 6: "county", 9: "township", 12: "village"}[len(area)]] = area
flt = RecordFilter(**kw)

c1, c2, c3 = st.columns([2, 1, 1])
if "rf_sort" not in st.session_state:
    st.session_state["rf_sort"], st.session_state["rf_dir"] = "reported_date", "desc"  # newest first, like the ledger
sort = c1.selectbox(L("排序", "Sort by"), SORTABLE, key="rf_sort", format_func=lambda c: schema.label(c, lang))
direction = c2.radio(L("方向", "Order"), ["asc", "desc"], horizontal=True, key="rf_dir",
                     format_func=lambda d: L("升序", "Ascending") if d == "asc" else L("降序", "Descending"))
n_rec, n_per = analysis.records_count(area, day, sl, flt)
pages = max(1, -(-n_rec // PAGE))
page = c3.number_input(L(f"页码（共{pages}页）", f"Page (of {pages})"), 1, pages, 1, key="rf_page") - 1
st.markdown(L(f"共 **{n_rec:,}** 条记录，涉及 **{n_per:,}** 人（按人员计数单位归属）",
              f"**{n_rec:,}** records of **{n_per:,}** persons (by counting unit)"))

df = analysis.records(area, day, sl, flt, sort, direction, int(page), PAGE)


def readable(frame: pl.DataFrame) -> pl.DataFrame:
    """Codes to names, enum codes to labels, Chinese/English headers; masked IDs only."""
    out = frame
    for c in ("prefecture_code", "county_code", "township_code", "village_code", "dest_province_code",
              "dest_prefecture_code"):
        own = not c.startswith("dest_")  # where the record was reported: named only inside the user's area
        out = out.with_columns(unit_name(c) if own else h.name_expr(c, lang, short=False).alias(c))
    for c in ENUM_COLS:
        out = out.with_columns(schema.BY_NAME[c].enum.expr(c, lang).alias(c))
    keep = [c.name for c in schema.COLUMNS if c.name in out.columns and c.name not in ("home_code",)]
    return out.select(keep).rename({c: schema.label(c, lang) for c in keep})


audit_view("view_records", f"{day.isoformat()} page {int(page) + 1} "
           + str({k: v for k, v in flt.params().items() if v is not None}))
st.dataframe(readable(df), hide_index=True, height=min(36 * (df.height + 1) + 3, 640))


def export_frame() -> pl.DataFrame:
    return readable(analysis.records(area, day, sl, flt, sort, direction, 0, EXPORT_CAP))


def records_xlsx() -> bytes:
    return xlsx_bytes({L("明细", "records"): export_frame()})


name = f"records_{area}_{day.isoformat()}"
c1, c2, _ = st.columns([1, 1, 4])
export(t("download_csv", lang), lambda: csv_bytes(export_frame()), f"{name}.csv", "dl_rec_csv", c1, mime="text/csv")
export(t("download_xlsx", lang), records_xlsx, f"{name}.xlsx", "dl_rec_xlsx", c2,
       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
if n_rec > EXPORT_CAP:
    st.caption(L(f"导出最多 {EXPORT_CAP:,} 条；请缩小筛选范围。", f"Exports stop at {EXPORT_CAP:,} rows; narrow the filter."))
st.caption(fmt.date(day, lang) + L("；身份证号仅显示前6位和后4位。", "; ID numbers show only the first 6 and last 4 digits."))
