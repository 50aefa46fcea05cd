"""Every CSV and Excel file the tool writes goes through here: text that a spreadsheet would run as a
formula is neutralised (OWASP "CSV injection": a leading = + - @ tab or CR gets a ' in front), and
Excel text cells are written as strings, never as formulas, URLs or numbers.
"""

from __future__ import annotations

import io

import polars as pl

# a plain number (e.g. "-5", "-6.1%", "+1,134") cannot be a formula: left as it is
_DANGER = r"^[=+\-@\t\r]"
_NUMBER = r"^[+\-]?[\d,]*\.?\d+%?$"
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


def csv_bytes(df: pl.DataFrame) -> bytes:
    """CSV with a BOM so that Excel opens the Chinese headers correctly; formula-like text neutralised."""
    return "\ufeff".encode() + safe_frame(df).write_csv().encode("utf-8")


def workbook(target):
    """An xlsxwriter workbook that writes text as text (never a formula, URL or number)."""
    import xlsxwriter

    return xlsxwriter.Workbook(target, WORKBOOK_OPTIONS)


def xlsx_bytes(sheets: dict[str, pl.DataFrame], **write_kw) -> bytes:
    """One workbook, a sheet per frame, each frame neutralised."""
    buf = io.BytesIO()
    kw = {"autofit": True, "freeze_panes": (1, 0)} | write_kw
    with workbook(buf) as wb:
        for name, df in sheets.items():
            safe_frame(df).write_excel(wb, worksheet=name[:31], **kw)
    return buf.getvalue()
