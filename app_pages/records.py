"""明细记录: the placement records behind the numbers — masked IDs only, filter by any column, sort, page, export.

The filter, sort, page and the "own records only" switch live in the URL (`f`, `sort`, `pg`, `own`), so the records
behind a number can be sent as a link; the form is built from the catalogue's filters.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from tracker import analysis, catalogue, fmt, schema
from tracker.analysis import SORTABLE, RecordFilter
from tracker.cards import record_cards
from tracker.exports import csv_bytes, xlsx_bytes
from tracker.i18n import pick, t
from tracker.ui import audit_view, current, data_table, export, header, set_view, unit_namer

state, h = current()
lang, area, day, sl = state.lang, state.area, state.snapshot, state.slice
header(t("records", lang), state, h)
L = pick(lang)
unit_name = unit_namer(lang)
PAGE = 50
EXPORT_CAP = 200_000
FILTERS = catalogue.filters()
values = state.record_filter()  # from the URL, checked
YES_NO = {"": L("全部", "All"), "1": L("是", "Yes"), "0": L("否", "No")}
DECIMAL = {"months", "per_month"}  # number filters with decimals (the others are whole numbers)


def label(f: catalogue.Filter) -> str:
    if f.zh:
        return f.zh if lang == "zh" else f.en
    return schema.label(f.column, lang)


def widget_keys(f: catalogue.Filter) -> list[str]:
    return [f"rf_{p.removeprefix('f_')}" for p in f.params()]


def read_form() -> dict:
    """Every filter widget's value, as RecordFilter keyword arguments."""
    out: dict = {}
    for f in FILTERS:
        keys = widget_keys(f)
        if f.kind == "enum":
            out[f.key] = st.session_state.get(keys[0]) or None
        elif f.kind == "flag":
            v = st.session_state.get(keys[0], "")
            out[f.key] = None if v == "" else v == "1"
        elif f.kind in ("prefix", "contains"):
            out[f.key] = (st.session_state.get(keys[0]) or "").strip() or None
        elif f.kind == "date_range":
            rng = st.session_state.get(f"rf_{f.key}") or ()
            out[f"{f.key}_from"], out[f"{f.key}_to"] = (rng[0], rng[1]) if len(rng) == 2 else (None, None)
        else:
            out[f"{f.key}_min"], out[f"{f.key}_max"] = st.session_state.get(keys[0]), st.session_state.get(keys[1])
    return out


def form_changed() -> None:
    set_view(filters=catalogue.encode_filters(read_form()), page=1)


def seed_form() -> None:
    """The widgets show the URL's filter (a link opened fresh, the back button, a finding's link)."""
    for f in FILTERS:
        keys = widget_keys(f)
        if f.kind == "enum":
            st.session_state[keys[0]] = values.get(f.key, [])
        elif f.kind == "flag":
            v = values.get(f.key)
            st.session_state[keys[0]] = "" if v is None else "1" if v else "0"
        elif f.kind in ("prefix", "contains"):
            st.session_state[keys[0]] = values.get(f.key, "")
        elif f.kind == "date_range":
            lo, hi = values.get(f"{f.key}_from"), values.get(f"{f.key}_to")
            st.session_state[f"rf_{f.key}"] = (lo, hi) if lo and hi else ()
        else:
            cast = float if f.key in DECIMAL else int
            for k, v in zip(keys, (values.get(f"{f.key}_min"), values.get(f"{f.key}_max")), strict=True):
                st.session_state[k] = None if v is None else cast(v)


seed_form()
with st.expander(L("筛选条件（所有字段）", "Filters (every column)") + (f" · {len(values)}" if values else ""), expanded=bool(values)):
    groups = {"enum": 4, "flag": 4, "prefix": 4, "contains": 4, "date_range": 3, "number_range": 6}
    for kind, width in groups.items():
        mine = [f for f in FILTERS if f.kind == kind or (kind == "prefix" and f.kind == "contains")]
        if kind == "contains":
            continue
        cols = st.columns(width)
        i = 0
        for f in mine:
            keys = widget_keys(f)
            if f.kind == "enum":
                e = catalogue.ENUMS[f.column]
                cols[i % width].multiselect(
                    label(f),
                    list(e.values),
                    key=keys[0],
                    on_change=form_changed,
                    format_func=lambda v, e=e: e.label(v, lang),
                    placeholder=L("全部", "All"),
                )
            elif f.kind == "flag":
                cols[i % width].selectbox(label(f), list(YES_NO), key=keys[0], format_func=YES_NO.get, on_change=form_changed)
            elif f.kind in ("prefix", "contains"):
                hint = (
                    L("（单位代码，可只填前几位）", " (unit code, or its first digits)")
                    if f.kind == "prefix"
                    else L("（包含）", " (contains)")
                )
                cols[i % width].text_input(label(f) + hint, key=keys[0], max_chars=20, on_change=form_changed)
            elif f.kind == "date_range":
                cols[i % width].date_input(
                    label(f), key=f"rf_{f.key}", format="YYYY-MM-DD", on_change=form_changed, min_value=dt.date(2000, 1, 1)
                )
            else:
                lo, hi = f.lo, f.hi
                step = 1000 if f.key in ("income", "per_month") else 1.0 if f.key == "months" else 1
                cast = float if f.key in DECIMAL else int
                cols[i % width].number_input(
                    label(f) + "≥",
                    cast(lo) if lo is not None else None,
                    cast(hi) if hi is not None else None,
                    key=keys[0],
                    step=cast(step),
                    on_change=form_changed,
                )
                i += 1
                cols[i % width].number_input(
                    label(f) + "≤",
                    cast(lo) if lo is not None else None,
                    cast(hi) if hi is not None else None,
                    key=keys[1],
                    step=cast(step),
                    on_change=form_changed,
                )
            i += 1
    if values and st.button(L("清除全部筛选", "Clear every filter"), key="rf_clear"):
        set_view(filters="", page=1)
        st.rerun()

flt_kw = dict(values)
if len(area) > 2:
    st.session_state["rf_own"] = state.own
    st.toggle(
        L("只看本单位报送的记录（不含外县重复报送）", "Only records reported by this unit (no other county's duplicates)"),
        key="rf_own",
        on_change=lambda: set_view(own=st.session_state["rf_own"], page=1),
    )
    if state.own:  # the record's own codes start with the area (a person counted here may be reported elsewhere too)
        flt_kw[{4: "prefecture", 6: "county", 9: "township", 12: "village"}[len(area)]] = area
flt = RecordFilter(**flt_kw)

sort_col, _, sort_dir = (state.sort or "reported_date:desc").partition(":")  # newest first, like the ledger
sort_col = sort_col if sort_col in SORTABLE else "reported_date"
sort_dir = "asc" if sort_dir == "asc" else "desc"
c1, c2, c3 = st.columns([2, 1, 1])
st.session_state["rf_sort"], st.session_state["rf_dir"] = sort_col, sort_dir
c1.selectbox(
    L("排序", "Sort by"),
    SORTABLE,
    key="rf_sort",
    format_func=lambda c: schema.label(c, lang),
    on_change=lambda: set_view(sort=f"{st.session_state['rf_sort']}:{st.session_state['rf_dir']}", page=1),
)
c2.radio(
    L("方向", "Order"),
    ["asc", "desc"],
    horizontal=True,
    key="rf_dir",
    format_func=lambda d: L("升序", "Ascending") if d == "asc" else L("降序", "Descending"),
    on_change=lambda: set_view(sort=f"{st.session_state['rf_sort']}:{st.session_state['rf_dir']}", page=1),
)
n_rec, n_per = analysis.records_count(area, day, sl, flt)
pages = max(1, -(-n_rec // PAGE))
page = min(state.page, pages)
st.session_state["rf_page"] = page
c3.number_input(
    L(f"页码（共{pages:,}页）", f"Page (of {pages:,})"),
    1,
    pages,
    key="rf_page",
    on_change=lambda: set_view(page=int(st.session_state["rf_page"])),
)
st.markdown(
    L(
        f"共 **{n_rec:,}** 条记录，涉及 **{n_per:,}** 人（按人员计数单位归属）",
        f"**{n_rec:,}** records of **{n_per:,}** persons (by counting unit)",
    )
)

df = analysis.records(area, day, sl, flt, sort_col, sort_dir, page - 1, PAGE)
ENUM_COLS = [f.column for f in FILTERS if f.kind == "enum"]
BOOL_COLS = [c.name for c in schema.COLUMNS if c.dtype == pl.Boolean]


def readable(frame: pl.DataFrame) -> pl.DataFrame:
    """Codes to names, enum codes to labels, 是/否, Chinese/English headers; masked IDs only."""
    out = frame
    for c in ("prefecture_code", "county_code", "township_code", "village_code", "dest_province_code", "dest_prefecture_code"):
        own = not c.startswith("dest_")  # where the record was reported: named only inside the user's area
        out = out.with_columns(unit_name(c) if own else h.name_expr(c, lang, short=False).alias(c))
    for c in ENUM_COLS:
        out = out.with_columns(schema.BY_NAME[c].enum.expr(c, lang).alias(c))
    yes, no = L("是", "Yes"), L("否", "No")
    out = out.with_columns([pl.when(pl.col(c)).then(pl.lit(yes)).otherwise(pl.lit(no)).alias(c) for c in BOOL_COLS if c in out.columns])
    keep = [c.name for c in schema.COLUMNS if c.name in out.columns and c.name not in ("home_code",)]
    return out.select(keep).rename({c: schema.label(c, lang) for c in keep})


audit_view(  # the line an auditor reads: the week, the page and the filter in words
    "view_records",
    f"{day.isoformat()} 第{page}页 {catalogue.describe_filters(state.filters, 'zh')}" + (" 仅本单位" if state.own else ""),
)
shown_df = readable(df)
with st.container(key="tr_wide"):
    data_table(shown_df, hide_index=True, height=min(36 * (df.height + 1) + 3, 640))
with st.container(key="tr_narrow"):  # a phone: one card per record with the columns that matter there
    st.markdown(record_cards(shown_df, lang), unsafe_allow_html=True)


def export_frame() -> pl.DataFrame:
    return readable(analysis.records(area, day, sl, flt, sort_col, sort_dir, 0, EXPORT_CAP))


def records_xlsx() -> bytes:
    return xlsx_bytes({L("明细", "records"): export_frame()})


name = f"{L('明细记录', 'records')}_{h.short_name(area, lang)}_{day.isoformat()}"
c1, c2, _ = st.columns([1, 1, 4])
export(t("download_csv", lang), lambda: csv_bytes(export_frame()), f"{name}.csv", "dl_rec_csv", c1, mime="text/csv")
export(
    t("download_xlsx", lang),
    records_xlsx,
    f"{name}.xlsx",
    "dl_rec_xlsx",
    c2,
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
if n_rec > EXPORT_CAP:
    st.caption(L(f"导出最多{EXPORT_CAP:,}条；请缩小筛选范围。", f"Exports stop at {EXPORT_CAP:,} rows; narrow the filter."))
st.caption(
    t("data_as_of", lang, d=fmt.date(day, lang))
    + L("；身份证号仅显示前6位和后4位。", "; ID numbers show only the first 6 and last 4 digits.")
)
