"""Every CSV and Excel file the tool writes goes through here: text that a spreadsheet would run as a
formula is neutralised (OWASP "CSV injection": a leading = + - @ tab or CR gets a ' in front), and
Excel text cells are written as strings, never as formulas, URLs or numbers.
"""

from __future__ import annotations

import io

import polars as pl

from tracker.hierarchy import IN_ZH

# a plain number (e.g. "-5", "-6.1%", "+1,134") cannot be a formula: left as it is
_DANGER = r"^[=+\-@\t\r]"
# a signed figure with its unit (+3人, +1.2万元) is not a formula: left as it is
_NUMBER = r"^[+\-]?[\d,]*\.?\d+(%|人|人次|家|元|万人|万元|亿元|个百分点| pp)?$"
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False, "nan_inf_to_errors": True}


def safe_text(expr: pl.Expr) -> pl.Expr:
    """A text column with formula-like cells prefixed by an apostrophe."""
    return pl.when(expr.str.contains(_DANGER) & ~expr.str.contains(_NUMBER)).then(pl.lit("'") + expr).otherwise(expr)


def safe_value(v: str) -> str:
    """The same rule for one value (audit lines, single cells)."""
    return safe_frame(pl.DataFrame({"v": [v]}, schema={"v": pl.String}))["v"][0]


def safe_frame(df: pl.DataFrame) -> pl.DataFrame:
    """Every text column (and column name) neutralised; numbers and dates untouched."""
    df = df.with_columns([safe_text(pl.col(c)).alias(c) for c, t in df.schema.items() if t == pl.String])
    names = {c: ("'" + c if c[:1] in "=+-@\t\r" else c) for c in df.columns}
    return df.rename(names) if any(k != v for k, v in names.items()) else df


LONG_DIGITS = r"^\d{12,}$"


def keep_as_text(df: pl.DataFrame) -> pl.DataFrame:
    """Long digit strings (record numbers, 12-digit codes) with a leading tab: Excel and WPS keep 15 significant
    digits of a number and would turn 54010220261120000123 into 5.40102E+19; a tab makes them open it as text."""
    cols = [c for c, t in df.schema.items() if t == pl.String and df[c].str.contains(LONG_DIGITS).any()]
    return df.with_columns(
        [pl.when(pl.col(c).str.contains(LONG_DIGITS)).then("\t" + pl.col(c)).otherwise(pl.col(c)).alias(c) for c in cols]
    )


def csv_bytes(df: pl.DataFrame) -> bytes:
    """CSV with a BOM so that Excel opens the Chinese headers correctly; formula-like text neutralised; long ids
    kept as text."""
    return "\ufeff".encode() + keep_as_text(safe_frame(df)).write_csv().encode("utf-8")


def workbook(target):
    """An xlsxwriter workbook that writes text as text (never a formula, URL or number)."""
    import xlsxwriter

    return xlsxwriter.Workbook(target, WORKBOOK_OPTIONS)


# columns of years: 2026, not 2,026 (exact headers: 年底预计人数 keeps its 2,050)
YEAR_HEADERS = ("出生年份", "Birth year", "年度", "年份", "年", "Year", "year")


def xlsx_bytes(sheets: dict[str, pl.DataFrame], **write_kw) -> bytes:
    """One workbook, a sheet per frame, each frame neutralised; whole numbers with separators, years without."""
    buf = io.BytesIO()
    kw = {"autofit": True, "freeze_panes": (1, 0)} | write_kw
    with workbook(buf) as wb:
        for name, df in sheets.items():
            years = {c: "0" for c in df.columns if c in YEAR_HEADERS and df[c].dtype.is_integer()}
            fmts = years | kw.get("column_formats", {})
            safe_frame(df).write_excel(wb, worksheet=name[:31], **(kw | {"column_formats": fmts}))
    return buf.getvalue()


# ---------------------------------------------------------------- tables for people (CSV downloads of page tables)

# The generic columns a page table may still carry under its internal name; schema columns use their schema label.
COMMON_COLS = {
    "unit_code": ("单位代码", "Unit code"),
    "per_month": ("月均收入(元)", "Income per month (yuan)"),
    "name": ("单位", "Unit"),
    "actual": ("完成", "Actual"),
    "quota": ("任务", "Quota"),
    "completion": ("完成率%", "Completion %"),
    "gap": ("较序时(百分点)", "Gap (pp)"),
    "status": ("状态", "Status"),
    "persons": ("人数", "Persons"),
    "income": ("劳务收入(元)", "Income (yuan)"),
    "county_a": ("县区甲", "County A"),
    "county_b": ("县区乙", "County B"),
    "bin": ("组号", "Bin"),
    "lower": ("收入下限(元)", "Income from (yuan)"),
    "upper": ("收入上限(元)", "Income below (yuan)"),
    "limit_yuan": ("上限(元)", "Limit (yuan)"),
}


def for_people(df: pl.DataFrame, lang: str) -> pl.DataFrame:
    """A page table as a person opens it: headers in the page's language (never a field name), status labels, a
    completion as a one-decimal percentage, gaps to one decimal, whole numbers without a trailing .0, other
    decimals to two places."""
    from tracker import schema
    from tracker.i18n import status_expr

    i = 0 if lang == "zh" else 1
    out = df
    if "status" in out.columns:
        out = out.with_columns(status_expr("status", lang).alias("status"))
    if "completion" in out.columns and out["completion"].dtype.is_float():
        out = out.with_columns((pl.col("completion") * 100).round(1))
    for c, t in out.schema.items():
        if not t.is_float():
            continue
        v = out[c].drop_nulls()
        if v.len() and ((v - v.round(0)).abs() < 1e-9).all() and v.abs().max() < 2**53:
            out = out.with_columns(pl.col(c).round(0).cast(pl.Int64))
        else:
            out = out.with_columns(pl.col(c).round(1 if (c == "gap" or "%" in c or "百分点" in c) else 2))
    names = {}
    for c in out.columns:
        enum = schema.BY_NAME[c].enum if c in schema.BY_NAME else None
        if enum is not None and out[c].dtype == pl.String:
            out = out.with_columns(enum.expr(c, lang).alias(c))
        if c in COMMON_COLS:
            names[c] = COMMON_COLS[c][i]
        elif c in schema.BY_NAME:
            names[c] = schema.label(c, lang)
    return out.rename(names)


# File names of page-table downloads: what the table is, for which area and week (two areas never collide).
FILE_NAMES = {
    "organized_share": ("组织化率", "organized_share"),
    "channel_mix": ("组织方式构成", "channel_mix"),
    "org_xpref": ("有组织跨地市转移", "organized_cross_prefecture"),
    "org_xprov": ("有组织跨省转移", "organized_cross_province"),
    "destinations_provinces": ("去向省份", "destination_provinces"),
    "destinations_prefectures": (f"{IN_ZH}去向地市", "destination_prefectures"),
    "scope_mix": ("转移范围构成", "scope_mix"),
    "origin_by_province": ("来源地与去向省份", "origin_by_province"),
    "industries": ("行业分布", "industries"),
    "industry_mix": ("行业构成", "industry_mix"),
    "job_sources": ("就业来源", "job_sources"),
    "key_groups": ("重点群体", "key_groups"),
    "duration_income_by_unit": ("务工时长与收入", "duration_income"),
    "income_distribution": ("收入分布", "income_distribution"),
    "per_capita_dest_scope": ("人均收入_按转移范围", "per_capita_by_scope"),
    "per_capita_industry": ("人均收入_按行业", "per_capita_by_industry"),
    "per_capita_county_code": ("人均收入_按县区", "per_capita_by_county"),
    "changes_by_unit": ("周变动_按单位", "changes_by_unit"),
    "changes": ("周变动明细", "changes"),
    "data_quality_units": ("数据质量_按单位", "data_quality_units"),
    "cross_county_duplicates": ("跨县重复报送", "cross_county_duplicates"),
    "national_duplicates": ("跨省重复报送", "cross_province_duplicates"),
    "income_outliers": ("收入异常记录", "income_outliers"),
    "quotas_with_completion": ("目标任务完成情况", "quotas_with_completion"),
    "subsidy_by_rule": ("补贴测算_按项目", "subsidy_by_rule"),
    "subsidy_by_unit": ("补贴测算_按单位", "subsidy_by_unit"),
    "submissions": ("报送情况", "submissions"),
    "ingest_rejects": ("导入拒收记录_按报送", "ingest_rejects_by_submission"),
    "ingest_rejects_by_reason": ("导入拒收记录_按原因", "ingest_rejects_by_reason"),
    "reported": ("填报指标", "reported"),
    "ranking": ("进度排名", "ranking"),
    "data": ("数据", "data"),
}


def file_name(stem: str, lang: str, area_name: str, day) -> str:
    """`组织化率_洛隆县_2026-11-20`: the table in the page's language, the area and the week."""
    i = 0 if lang == "zh" else 1
    if stem.startswith("group_"):
        from tracker.catalogue import groups

        g = groups().get(stem.removeprefix("group_"))
        what = (f"重点群体_{g.zh}", f"key_group_{g.key}")[i] if g else FILE_NAMES["key_groups"][i]
    else:
        what = FILE_NAMES[stem][i] if stem in FILE_NAMES else stem
    return f"{what}_{area_name}_{day.isoformat()}"


def document_xlsx(
    sheet: str, title: str, df: pl.DataFrame, total: dict | None = None, footer: str = "", formats: dict[str, str] | None = None
) -> bytes:
    """A list for signing (补贴对象清单): a title, the table with borders and per-column formats, a 合计 row, a
    sign-off line. Text neutralised; whole numbers with separators unless a format says otherwise."""
    df = safe_frame(df)
    formats = formats or {}
    buf = io.BytesIO()
    with workbook(buf) as wb:
        ws = wb.add_worksheet(sheet[:31])
        f_title = wb.add_format({"bold": True, "font_size": 16, "align": "center", "font_name": "SimHei"})
        f_head = wb.add_format({"bold": True, "border": 1, "align": "center", "font_name": "SimHei"})
        f_text = wb.add_format({"border": 1, "font_name": "SimSun"})
        f_bold = wb.add_format({"border": 1, "bold": True, "font_name": "SimSun"})
        f_num = {
            c: wb.add_format({"border": 1, "num_format": formats.get(c, "#,##0" if t.is_integer() else "#,##0.00")})
            for c, t in df.schema.items()
            if t.is_numeric()
        }
        last = max(df.width - 1, 0)
        ws.merge_range(0, 0, 0, last, title, f_title) if last else ws.write_string(0, 0, title, f_title)
        for j, c in enumerate(df.columns):
            ws.write_string(2, j, c, f_head)
            ws.set_column(j, j, max(10, min(30, 2 * len(c) + 4)))
        r = 3
        for row in df.iter_rows():
            for j, (c, v) in enumerate(zip(df.columns, row, strict=True)):
                if v is None:
                    ws.write_blank(r, j, None, f_num.get(c, f_text))
                elif c in f_num:
                    ws.write_number(r, j, v, f_num[c])
                else:
                    ws.write_string(r, j, str(v), f_text)
            r += 1
        if total is not None:
            for j, c in enumerate(df.columns):
                v = total.get(c, "合计" if j == 0 else None)
                if isinstance(v, int | float) and c in f_num:
                    ws.write_number(r, j, v, f_num[c])
                else:
                    ws.write_string(r, j, "" if v is None else str(v), f_bold)
            r += 1
        if footer:
            ws.write_string(r + 1, 0, footer)
        ws.freeze_panes(3, 0)
    return buf.getvalue()


def on_screen(df, keep: set[str] | frozenset = frozenset()):
    """A table as a page shows it: no `None` in a cell (Streamlit prints a missing value as "None"). A missing text,
    date or number is "—"; a column with a gap becomes text, numbers then with thousands separators; a timestamp
    at midnight is a date (never "2026-11-20 00:00:00"). `keep`: columns a page draws itself (progress bars, links).
    Other frames than polars pass as they are."""
    if not isinstance(df, pl.DataFrame):
        return df
    exprs = []
    for c, t in df.schema.items():
        if c in keep:
            continue
        col = pl.col(c)
        if t == pl.Datetime or isinstance(t, pl.Datetime):
            s = df[c].drop_nulls()
            if s.len() == 0 or (s.dt.truncate("1d") == s).all():
                col = col.dt.date()
                t = pl.Date
        if not df[c].null_count():
            if col is not pl.col(c) or t != df.schema[c]:
                exprs.append(col.alias(c))
            continue
        if t.is_integer() and not _is_share(c):
            text = _thousands(col)
        elif t.is_numeric():
            text = _fixed(col, _decimals(c, df[c]))
        elif t == pl.Null:
            text = pl.lit(None, dtype=pl.String)
        elif t in (pl.String, pl.Date, pl.Boolean) or isinstance(t, pl.Datetime | pl.Categorical | pl.Enum):
            text = col.cast(pl.String)
        else:
            continue  # lists, structs: left as they are
        exprs.append(text.fill_null("—").alias(c))
    return df.with_columns(exprs) if exprs else df


def _is_share(name: str) -> bool:
    return name.rstrip().endswith("%")


def _decimals(name: str, s: pl.Series) -> int:
    """The decimals a column shows, the same down the column: none for whole numbers, one for a share (its header
    ends in %; two where one would show 0.0 for a rate that is not 0), else as few as the values need, at most 2."""
    v = s.drop_nulls()
    if v.dtype.is_float():
        v = v.filter(v.is_finite())
    if v.dtype.is_integer() or not v.len():
        return 1 if _is_share(name) else 0

    def fits(d: int) -> bool:
        return bool(((v - v.round(d)).abs() < 1e-9).all())

    if _is_share(name) or "万元" in name:  # two decimals only where one would write 0.0 for a value that is not 0
        if "万元" in name and fits(2) and not fits(1):
            return 2  # whole hundreds of yuan (subsidies: 500 and 1,000 yuan are 0.05 and 0.10, not both 0.1)
        return 2 if bool(((v.abs() > 0) & (v.abs() < 0.05)).any()) else 1
    return 0 if fits(0) else 1 if fits(1) else 2


def number_formats(df) -> dict[str, str]:
    """printf formats for a table's number columns, as the cards write numbers: thousands separators (1,234,567),
    the same decimals down a column (10.6 and 9.0, not 9), shares with one decimal. Years stay 2026."""
    if not isinstance(df, pl.DataFrame):
        return {}
    out = {}
    for c, t in df.schema.items():
        if not t.is_numeric():
            continue
        if c.strip() in YEAR_HEADERS and t.is_integer():
            out[c] = "%d"
            continue
        dec = _decimals(c, df[c])
        out[c] = "%,d" if dec == 0 else f"%,.{dec}f"
    return out


def wan(e: pl.Expr, lang: str) -> pl.Expr:
    """A sum of money as a finance office writes it in a table: 万元 (the header says so; the grid shows one decimal,
    two for whole hundreds of yuan: `_decimals`; the CSV keeps every yuan); in English, yuan."""
    return e / 10_000 if lang == "zh" else e


def _fixed(e: pl.Expr, d: int) -> pl.Expr:
    """A number as text with `d` decimals and thousands separators (1,234.50; −0.30), in polars' own expressions (a
    Python callback per row froze the server under several users: tests/test_docs.py)."""
    r = e.cast(pl.Float64).round(d)
    r = pl.when(r.is_finite()).then(r)  # NaN and ±inf: a gap ("—"), never a failed cast that stops the page
    whole = r.abs().floor()
    text = _thousands(whole.cast(pl.Int64))
    if d:
        frac = ((r.abs() - whole) * 10**d).round(0).cast(pl.Int64).cast(pl.String).str.zfill(d)
        text = text + pl.lit(".") + frac
    return pl.when(r < 0).then(pl.lit("−") + text).otherwise(text)


def signed(e: pl.Expr) -> pl.Expr:
    """A change as the cards write it: +1,134 / −12 / 0, "—" where there is nothing to compare."""
    return pl.when(e > 0).then(pl.lit("+") + _thousands(e)).otherwise(_thousands(e)).fill_null("—")


def _thousands(e: pl.Expr) -> pl.Expr:
    """An integer column as text with thousands separators (1,234,567; −12), as the cards write counts."""
    a = e.abs().cast(pl.String)
    groups = a.str.reverse().str.replace_all(r"(\d{3})", "$1,").str.strip_chars_end(",").str.reverse()
    return pl.when(e < 0).then(pl.lit("−") + groups).otherwise(groups)
