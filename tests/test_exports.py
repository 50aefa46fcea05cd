"""Every CSV and Excel file the tool writes is safe to open: formula-like text is neutralised (OWASP), text cells
are text, and no writer bypasses tracker/exports.py."""

from __future__ import annotations

import io
import re

import openpyxl
import polars as pl
import pytest

from tests.conftest import REPO
from tracker import exports

PAYLOADS = [
    '=HYPERLINK("http://x","点我")',
    '=IMPORTXML(A1,"//a")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    '=DDE("cmd";"/C calc";"x")',
]
PLAIN = ["-5", "-6.1%", "+1,134", "洛隆县", "R1", "", None]


def frame() -> pl.DataFrame:
    return pl.DataFrame({"记录编号": PAYLOADS + PLAIN[:-1] + [None], "n": list(range(len(PAYLOADS) + len(PLAIN)))})


def dangerous(v) -> bool:
    return isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r") and not re.fullmatch(r"[+\-]?[\d,]*\.?\d+%?", v)


def test_csv_neutralises_formulas_and_keeps_numbers():
    import csv

    text = exports.csv_bytes(frame()).decode("utf-8-sig")
    rows = [r[0] for r in csv.reader(io.StringIO(text, newline=""))][1:]
    assert len(rows) == len(PAYLOADS) + len(PLAIN) and not any(dangerous(v) for v in rows)
    assert '\'=HYPERLINK(""http://x"",""点我"")' in text  # the text is all there, behind an apostrophe
    for v in ("-5", "-6.1%", '"+1,134"', "洛隆县"):
        assert v in text


def test_xlsx_cells_are_text_never_formulas():
    wb = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes({"明细": frame()})))
    cells = [c for row in wb["明细"].iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    assert not any(dangerous(c.value) for c in cells)
    assert wb["明细"]["A2"].value == "'" + PAYLOADS[0]


@pytest.mark.parametrize(
    "v,ok",
    [
        ("=1", "'=1"),
        ("-5", "-5"),
        ("+3人", "+3人"),
        ("+1.2万元", "+1.2万元"),
        ("+3人+A1", "'+3人+A1"),
        ("-abc", "'-abc"),
        ("5=5", "5=5"),
        ("@x", "'@x"),
    ],
)
def test_safe_value(v, ok):
    assert exports.safe_value(v) == ok


def test_no_writer_bypasses_the_exports_module():
    # files written for people to open (pages, bulletin, reports); the demo generator, the quota data file and the
    # test-ledger writer and the reported-figures store write data files, not exports
    allowed = {"tracker/exports.py", "tracker/ledger.py", "tracker/quotas.py", "tracker/generate.py", "tracker/reported.py"}
    pattern = re.compile(r"write_excel\(|write_csv\(|xlsxwriter\.Workbook\(|\.to_csv\(")
    offenders = []
    for d in ("app_pages", "tracker"):
        for p in (REPO / d).rglob("*.py"):
            rel, text = str(p.relative_to(REPO)), p.read_text(encoding="utf-8")
            if rel not in allowed and pattern.search(text) and "safe_frame(" not in text:
                offenders.append(rel)  # writes a file without neutralising it
    assert offenders == []


def test_long_ids_stay_text_and_years_have_no_separator(tmp_path):
    """Excel and WPS keep 15 significant digits: a 20-digit record number must open as text; 1985 is not 1,985."""
    df = pl.DataFrame(
        {"记录编号": ["54010220261120000123", "L7f3a"], "出生年份": [1985, 2001], "人数": [1234, 5]},
        schema={"记录编号": pl.String, "出生年份": pl.Int16, "人数": pl.Int64},
    )
    lines = exports.csv_bytes(df).decode("utf-8-sig").splitlines()
    assert lines[1] == "\t54010220261120000123,1985,1234" and lines[2] == "L7f3a,2001,5"
    from openpyxl import load_workbook

    path = tmp_path / "x.xlsx"
    path.write_bytes(exports.xlsx_bytes({"明细": df}))
    ws = load_workbook(path)["明细"]
    assert ws["A2"].value == "54010220261120000123" and ws["A2"].data_type == "s"
    assert ws["B2"].value == 1985 and ws["B2"].number_format == "0"
    assert ws["C2"].number_format.startswith("#,##0")


@pytest.mark.parametrize(
    "name, values, shown",
    [
        ("符合人数", [27_496, 2_294], "%,d"),  # 27,496
        ("金额(万元)", [1374.8, 229.4], "%,.1f"),
        ("劳务收入(万元)", [1374.8123, 2.6], "%,.1f"),  # exact in the CSV, one decimal on screen
        ("金额(万元)", [0.05, 0.1, 12.35], "%,.2f"),  # subsidies in whole hundreds of yuan: 500 is not 1,000
        ("务工月数", [10.6, 9.0], "%,.1f"),  # 9.0, not 9
        ("平均月数", [10.0, 9.0], "%,d"),
        ("收入", [1.25, 9.0], "%,.2f"),
        ("占比 %", [38.0, 40.0], "%,.1f"),  # a share always has its one decimal
        ("占比 %", [38, 40], "%,.1f"),
        ("缺村居%", [0.03, 1.2], "%,.2f"),  # 0.0 would hide a rate that is not 0
        ("缺村居%", [0.05, 1.25, 0.0], "%,.1f"),  # 0.1, 1.3, 0.0: one decimal says it
        ("年度", [2025, 2026], "%d"),  # not 2,026
        ("年底预计人数", [2050, 1998], "%,d"),  # a count that happens to look like a year keeps its separator
        ("单位", ["拉萨市", "昌都市"], None),
    ],
)
def test_table_numbers_look_like_the_cards(name, values, shown):
    from tracker.exports import number_formats

    assert number_formats(pl.DataFrame({name: values})).get(name) == shown


def test_a_table_on_screen_never_says_none():
    import datetime as dt

    import polars as pl

    from tracker.exports import on_screen, signed

    df = pl.DataFrame(
        {
            "count": [1_234_567, None, -12],
            "whole": [3.0, None, 12_000.0],
            "rate": [80.04, None, 7.5],
            "name": ["洛隆县", None, "卡若区"],
            "end": [dt.date(2026, 11, 20), None, None],
            "at": [dt.datetime(2026, 11, 20), dt.datetime(2026, 11, 21), None],
            "full": [1, 2, 3],
            "bar": [0.5, None, 1.0],
        }
    )
    # NaN and inf in a column with gaps are gaps too (they stopped the page: a failed cast)
    assert on_screen(pl.DataFrame({"a": [1.5, None, float("nan"), float("inf")]}))["a"].to_list() == ["1.5", "—", "—", "—"]
    out = on_screen(df, keep={"bar"})
    assert out["count"].to_list() == ["1,234,567", "—", "−12"]
    assert out["whole"].to_list() == ["3", "—", "12,000"]
    assert out["rate"].to_list() == ["80.04", "—", "7.50"]  # the same decimals down a column
    assert out["name"].to_list() == ["洛隆县", "—", "卡若区"]
    assert out["end"].to_list() == ["2026-11-20", "—", "—"]
    assert out["at"].to_list() == ["2026-11-20", "2026-11-21", "—"]  # a midnight timestamp is a date
    assert out["full"].dtype == pl.Int64 and out["bar"].to_list() == [0.5, None, 1.0]  # no gap / drawn by the page
    assert on_screen(df.head(0)).height == 0
    ch = pl.DataFrame({"c": [1_134, -3, 0, None]}).select(signed(pl.col("c")).alias("c"))["c"].to_list()
    assert ch == ["+1,134", "−3", "0", "—"]
