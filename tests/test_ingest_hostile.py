"""Hostile ledgers, the files counties really send: each case knows its true rows; ingest must answer every file
(no crash, no traceback), lose no valid row, store no wrong value and keep personal data out of its outputs."""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
import resource
import stat
import time
import zipfile
from pathlib import Path

import polars as pl
import pytest

from bench import fuzz
from bench.fuzz import Cell, date_cell, error, formula, number, xlsx_bytes
from tests.conftest import mark_input
from tests.test_ingest import HEAD, KEY, ON, good_id, row, write_csv
from tracker import ids, ingest, ingest_child, rejects


def run(tmp_path: Path, files: list[Path], **kw) -> ingest.Result:
    return ingest.ingest(files, ON, tmp_path / "data", user="test", key=KEY, **kw)


def put(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return mark_input(path)


def records(res: ingest.Result) -> pl.DataFrame:
    return pl.read_parquet(res.partition / "records.parquet")


def reasons(res: ingest.Result) -> list[tuple]:
    return sorted((r["row"], r["column"], r["reason"]) for r in res.rejects.to_dicts())


def counts(res: ingest.Result) -> tuple[int, int, int]:
    assert res.accepted + res.rejected == res.rows_in
    return res.rows_in, res.accepted, res.rejected


# ---------------------------------------------------------------- one file must not cost the server


def test_stray_cell_in_xfd1048576_costs_nothing(tmp_path):
    cells = {(1, c): h for c, h in enumerate(HEAD)}
    for r in range(2, 22):
        cells |= {(r, c): v for c, v in enumerate(row(r))}
    cells[(1_048_576, 16_383)] = "."
    p = put(tmp_path / "stray.xlsx", xlsx_bytes([("台账", cells)], dimension="A1:XFD1048576"))
    assert p.stat().st_size < 20_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    res = run(tmp_path, [p])
    assert time.perf_counter() - t < 10
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 300_000  # KB: far from GBs
    assert counts(res) == (20, 20, 0) and res.exit_code == 0
    assert any("1个单元格未读取" in n["zh"] for n in res.notes)  # the stray cell is said, not read


def test_stray_value_in_the_last_row_is_one_rejected_row(tmp_path):
    cells = {(1, c): h for c, h in enumerate(HEAD)} | {(2, c): v for c, v in enumerate(row(1))}
    cells[(1_048_576, 0)] = "."
    res = run(tmp_path, [put(tmp_path / "last.xlsx", xlsx_bytes([("台账", cells)]))])
    assert counts(res) == (2, 1, 1)
    assert reasons(res) == [(1_048_576, "county", "missing")]  # the first failing check of the row


def test_upload_runs_in_a_child_with_limits(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_SECRET_KEY", "child-key")
    p = write_csv(tmp_path / "a.csv", [HEAD, row(1), row(2), row(3, channel="??")])
    seen = []
    out = ingest_child.run([p], ON, user="t", data_dir=tmp_path / "data", on_progress=lambda f, m: seen.append(f))
    assert (out.status, out.exit_code, out.result["accepted"], out.result["rejected"]) == ("done", 1, 2, 1)
    assert out.report and out.report[:2] == b"PK" and seen and max(seen) == 1.0
    assert "接收: 2" in out.result["summary_zh"]
    slow = ingest_child.run([p], ON, data_dir=tmp_path / "d2", timeout_s=0.2)
    assert slow.status == "timeout" and "时间限制" in slow.zh and "time limit" in slow.en
    assert not (tmp_path / "d2" / "snapshots").exists()
    tiny = ingest_child.run([p], ON, data_dir=tmp_path / "d3", memory_mb=120)
    assert tiny.status in ("memory", "died") or tiny.exit_code == 3
    assert not (tmp_path / "d3" / "snapshots").exists()


# ---------------------------------------------------------------- ordinary cells that crashed


def test_non_ascii_and_zero_width_ids(tmp_path):
    rows = [
        HEAD,
        row(1, id="无"),
        row(2, id="待补充"),
        row(3, id="张三"),
        row(4, id=good_id(4) + "\u200b"),
        row(5, id="\ufeff" + good_id(5)),
        row(6, id="５４０３２９" + good_id(6)[6:]),
        row(7, id="'" + good_id(7)),
        row(8, id="\u200b"),
        row(9),
        row(10, id="'"),
        # digits of other scripts, which NFKC leaves as they are (fullwidth ones become ASCII, row 6): not an ID
        row(11, id=good_id(11)[:6] + "".join(chr(0x0660 + int(c)) for c in good_id(11)[6:])),
        row(12, id="".join(chr(0x0966 + int(c)) for c in good_id(12)[:17]) + "X"),
    ]
    res = run(tmp_path, [write_csv(tmp_path / "ids.csv", rows)])
    assert counts(res) == (12, 5, 7)
    assert reasons(res) == [
        (2, "id_number", "id_format"),
        (3, "id_number", "id_format"),
        (4, "id_number", "id_format"),
        (9, "id_number", "missing"),
        (11, "id_number", "missing"),
        (12, "id_number", "id_format"),
        (13, "id_number", "id_format"),
    ]
    shown = {r["row"]: r["value"] for r in res.rejects.to_dicts()}
    assert shown[2] == "无" and shown[3] == "待补充" and shown[4] == ingest.HIDDEN_TEXT  # a name is not echoed
    assert sorted(records(res)["id_masked"].to_list()) == sorted(ids.mask(good_id(i)) for i in (4, 5, 6, 7, 9))


def test_income_nan_inf_huge_and_an_id_in_the_income_column(tmp_path):
    rows = [
        HEAD,
        row(1, income="NaN"),
        row(2, income="inf"),
        row(3, income="-inf"),
        row(4, income="1e19"),
        row(5, income="9.3e18"),
        row(6, income=good_id(6)),
        row(7, income="10000001"),
        row(8, income="10000000"),
        row(9, income="１２３４"),
    ]
    res = run(tmp_path, [write_csv(tmp_path / "inc.csv", rows)])
    assert counts(res) == (9, 2, 7)
    assert reasons(res) == [
        (2, "income_yuan", "number"),
        (3, "income_yuan", "number"),
        (4, "income_yuan", "number"),
        (5, "income_yuan", "income_range"),
        (6, "income_yuan", "income_range"),
        (7, "income_yuan", "income_range"),
        (8, "income_yuan", "income_range"),
    ]
    assert sorted(records(res)["income_yuan"].to_list()) == [1234, 10_000_000]
    assert all(not re.search(r"\d{17}[\dX]", v or "") for v in res.rejects["value"].to_list())


def test_csv_cell_over_131072_characters_in_the_top_lines(tmp_path):
    big = "说明" * 100_000
    p = write_csv(tmp_path / "big.csv", [[f'"{big}"'], HEAD, row(1), row(2)])
    res = run(tmp_path, [p])
    assert counts(res) == (2, 2, 0)
    assert sorted(res.rejects["row"].to_list()) == []


# ---------------------------------------------------------------- sheets


def test_every_visible_township_sheet_is_read_hidden_and_instructions_skipped(tmp_path):
    def sheet(town_rows: range) -> list[list]:
        return [["西藏农牧民转移就业台账"], HEAD] + [row(i) for i in town_rows]

    wb = xlsx_bytes(
        [
            ("填表说明", [["1. 身份证号填写18位"], ["2. 日期格式2026/3/1"]]),
            ("孜托镇", sheet(range(1, 11))),
            ("康沙镇", sheet(range(11, 21))),
            ("马利镇", sheet(range(21, 31))),
            ("上周", sheet(range(31, 36)), "hidden"),
            ("旧", sheet(range(36, 40)), "veryHidden"),
        ]
    )
    res = run(tmp_path, [put(tmp_path / "towns.xlsx", wb)])
    assert counts(res) == (30, 30, 0) and res.exit_code == 0
    f = res.files[0]
    assert [s["sheet"] for s in f["sheets"]] == ["孜托镇", "康沙镇", "马利镇"] and {s["rows"] for s in f["sheets"]} == {10}
    assert sorted(s["sheet"] for s in f["sheets_skipped"]) == sorted(["上周", "旧", "填表说明"])
    assert sorted(records(res)["id_masked"].to_list()) == sorted(ids.mask(good_id(i)) for i in range(1, 31))
    import json

    man = json.loads((res.partition / "manifest.json").read_text())
    assert [s["sheet"] for s in man["files"][0]["sheets"]] == ["孜托镇", "康沙镇", "马利镇"]
    assert "已读取工作表" in res.summary("zh") and "sheet not read" in res.summary("en")


def test_hidden_sheet_of_last_week_is_not_ingested(tmp_path):
    wb = xlsx_bytes(
        [("上周", [HEAD] + [row(i, income="1") for i in range(1, 6)], "hidden"), ("本周", [HEAD] + [row(i) for i in range(1, 11)])]
    )
    res = run(tmp_path, [put(tmp_path / "wk.xlsx", wb)])
    assert counts(res) == (10, 10, 0)
    assert set(records(res)["income_yuan"].to_list()) == {8000}


def test_only_hidden_sheets_is_a_clear_message(tmp_path):
    wb = xlsx_bytes([("上周", [HEAD, row(1)], "hidden")])
    res = run(tmp_path, [put(tmp_path / "h.xlsx", wb)])
    assert res.exit_code == 3 and "隐藏" in res.file_errors[0]["zh"]


# ---------------------------------------------------------------- units


def test_income_in_wan_yuan_is_converted_exactly(tmp_path):
    head = HEAD[:-1] + ["务工收入(万元)"]
    wb = xlsx_bytes(
        [("台账", [head, row(1, income=1.5), row(2, income=0.35), row(3, income="0.8"), row(4, income=0), row(5, income=2000)])]
    )
    res = run(tmp_path, [put(tmp_path / "wan.xlsx", wb)])
    assert counts(res) == (5, 4, 1)
    assert reasons(res) == [(6, "income_yuan", "income_range")]  # 2000万元 is no year's wages
    got = dict(zip(records(res)["id_masked"].to_list(), records(res)["income_yuan"].to_list(), strict=True))
    assert got == {ids.mask(good_id(1)): 15_000, ids.mask(good_id(2)): 3_500, ids.mask(good_id(3)): 8_000, ids.mask(good_id(4)): 0}


@pytest.mark.parametrize(
    ("header", "value", "stored"),
    [
        ("劳务收入（元）", "8000", 8000),
        ("收入（元）", "8000", 8000),
        ("劳务收入(万元)", "1.2", 12_000),
        ("劳务收入 万元", "3", 30_000),
        ("务工收入(千元)", "8", 8_000),
        ("劳务收入\n(元)", "8000", 8000),
    ],
)
def test_income_header_units(tmp_path, header, value, stored):
    res = run(tmp_path, [put(tmp_path / "u.csv", _ledger_text([HEAD[:-1] + [header], row(1, income=value)]).encode())])
    assert counts(res) == (1, 1, 0)
    assert records(res)["income_yuan"].to_list() == [stored]


def test_months_header_and_unknown_income_unit(tmp_path):
    head = HEAD[:-2] + ["月数", "劳务收入(元)"]
    res = run(tmp_path, [write_csv(tmp_path / "m.csv", [head, row(1, months="6")])])
    assert records(res)["months_employed"].to_list() == [6.0]
    bad = run(tmp_path, [write_csv(tmp_path / "b.csv", [HEAD[:-1] + ["收入(元/月)"], row(1)])])
    assert bad.exit_code == 3 and "单位" in bad.file_errors[0]["zh"]


def test_wan_yuan_values_under_a_yuan_header_are_flagged_not_guessed(tmp_path):
    rows = [HEAD, row(1, income="1.2", months="6"), row(2, income="0.8", months="4"), row(3)]
    res = run(tmp_path, [write_csv(tmp_path / "w.csv", rows)])
    assert counts(res) == (3, 3, 0)
    assert res.flags.get("income_unit") == 2
    assert sorted(res.flagged.filter(pl.col("flag") == "income_unit")["row"].to_list()) == [2, 3]
    assert sorted(records(res)["income_yuan"].to_list()) == [1, 1, 8000]  # stored as the file says, flagged


# ---------------------------------------------------------------- Excel cell types


def test_formulas_numeric_ids_date_cells_and_error_cells(tmp_path):
    # an ID whose number form is exact in a float (and valid): still a number cell, still refused
    exact = next(good_id(n) for n in range(1000) if good_id(n)[-1] != "X" and float(int(good_id(n))) == int(good_id(n)))
    digits_only = next(good_id(n) for n in range(14, 1000) if good_id(n)[-1] != "X")
    rows = [
        HEAD,
        row(1, income=formula("H2*1000")),  # a formula Excel never calculated
        row(2, income=formula("H3*1000", "5000")),  # calculated: its value is used
        row(3, id=number("5.4032919720904602E+17")),
        row(4, id=number(int(good_id(4)[:15] + "000"))),
        row(5, id=number(int(exact))),
        row(6, income=date_cell(46082)),  # an income formatted as a date
        row(7, start=date_cell(46082)),  # a real date cell: fine
        row(8, start=Cell("46082", None, None, 2)),  # custom Chinese date format
        row(9, county=error("#N/A")),
        row(10, start="0001-01-01"),
        row(11, start="1999-12-31"),
        row(12, start=date_cell(1)),
        row(13, months=date_cell(5)),
        row(14, income=number(int(digits_only))),  # an ID pasted into the income column
        row(15, id=Cell(good_id(15), "str", "A16")),  # a text formula with a value: fine
        row(16),
    ]
    res = run(tmp_path, [put(tmp_path / "cells.xlsx", xlsx_bytes([("台账", rows)]))])
    assert counts(res) == (16, 5, 11)
    assert reasons(res) == [
        (2, "income_yuan", "formula"),
        (4, "id_number", "id_numeric"),
        (5, "id_number", "id_numeric"),
        (6, "id_number", "id_numeric"),
        (7, "income_yuan", "cell_date"),
        (10, "county", "cell_error"),
        (11, "start_date", "date_range"),
        (12, "start_date", "date_range"),
        (13, "start_date", "date_range"),
        (14, "months_employed", "cell_date"),
        (15, "income_yuan", "income_range"),
    ]
    df = records(res).sort("id_masked")
    assert df["id_masked"].to_list() == sorted(ids.mask(good_id(i)) for i in (2, 7, 8, 15, 16))
    assert dict(zip(df["id_masked"].to_list(), df["income_yuan"].to_list(), strict=True))[ids.mask(good_id(2))] == 5000
    assert set(df["start_date"].to_list()) == {dt.date(2026, 3, 1)}
    assert "公式没有计算结果" in ingest.R["formula"][0] and "Formula without a cached value" in ingest.R["formula"][1]


def test_csv_ids_that_went_through_a_number_column(tmp_path):
    """A CSV column of IDs saved from a number column: every 18-digit value a float holds exactly is refused."""
    lost = [str(int(float(good_id(i)))) for i in range(1, 40) if good_id(i)[-1] != "X"][:8]
    res = run(tmp_path, [write_csv(tmp_path / "n.csv", [HEAD] + [row(i + 1, id=v) for i, v in enumerate(lost)])])
    assert counts(res) == (8, 0, 8) and set(res.by_reason) == {"id_numeric"}


# ---------------------------------------------------------------- CSV shapes and spellings


def _ledger_text(rows: list[list[str]], sep: str = ",", eol: str = "\n") -> str:
    def q(v: str) -> str:
        return '"' + v.replace('"', '""') + '"' if any(c in v for c in (sep, '"', "\n", "\r")) else v

    return eol.join(sep.join(q(v) for v in r) for r in rows)


@pytest.mark.parametrize("shape", ["alt_enter_header", "two_multiline_titles", "cr_only", "mixed", "tabs", "utf16_tabs"])
def test_csv_shapes(tmp_path, shape):
    head = list(HEAD)
    rows = [row(1), row(2, village="孜托居委会"), row(3, channel="??")]
    if shape == "alt_enter_header":
        head[8] = "劳务收入\n（元）"
        text = _ledger_text([head] + rows, eol="\r\n")
    elif shape == "two_multiline_titles":
        text = _ledger_text([["西藏自治区农牧民转移就业\n实名制台账"], ["填报单位：洛隆县\n填报日期：2026年11月"], head] + rows)
    elif shape == "cr_only":
        text = _ledger_text([head] + rows, eol="\r")
    elif shape == "mixed":
        text = (
            _ledger_text([head[:4] + ["组织\n方式"] + head[5:], rows[0]], eol="\r\n")
            + "\n"
            + _ledger_text(rows[1:2], eol="\r")
            + "\r"
            + _ledger_text(rows[2:])
        )
    else:
        text = _ledger_text([head] + rows, sep="\t", eol="\r\n")
    data = text.encode("utf-16") if shape == "utf16_tabs" else text.encode("utf-8")
    res = run(tmp_path, [put(tmp_path / f"{shape}.csv", data)])
    assert not res.file_errors, res.file_errors
    assert counts(res) == (3, 2, 1)
    (rj,) = res.rejects.to_dicts()
    assert (rj["column"], rj["reason"]) == ("channel", "enum")
    header_row = {"two_multiline_titles": 3}.get(shape, 1)
    assert rj["row"] == header_row + 3  # the record number Excel shows, not a line count


def test_common_header_spellings_apostrophes_and_zero_width(tmp_path):
    head = [
        "公民身份证号",
        "户籍县区",
        "户籍乡镇(街道)",
        "户籍所在村(居)",
        "组织方式\u200b",
        "就业地址",
        "开始务工时间",
        "务工月数",
        "劳务收入(元)",
    ]
    rows = [
        head,
        row(1, id="'" + good_id(1)),
        row(2, county="洛隆县\u200b", town="孜托镇\ufeff"),
        row(3, id=good_id(3) + "\u200b\u200b", dest="四川省成都市\u200b"),
    ]
    res = run(tmp_path, [write_csv(tmp_path / "sp.csv", rows)])
    assert counts(res) == (3, 3, 0) and not res.extra_columns
    df = records(res)
    assert set(df["township_code"].to_list()) == {"540329100"} and set(df["dest_prefecture_code"].to_list()) == {"5101"}


# ---------------------------------------------------------------- clear messages


def _ole(*streams: str) -> bytes:
    head = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    return head + b"".join(s.encode("utf-16-le") + b"\x00" * 8 for s in streams) + b"\x00" * 1024


@pytest.mark.parametrize(
    ("name", "data", "zh", "code"),
    [
        ("enc.xlsx", _ole("EncryptionInfo", "EncryptedPackage"), "文件已加密", "encrypted"),
        ("old.xls", _ole("Workbook"), "旧版 .xls", "xls"),
        ("nul.csv", ",".join(HEAD).encode() + b"\n" + ",".join(row(1)).encode() + b"\x00\n", "不是文本表格", "binary"),
        (
            "page.xls",
            "<html><head><meta charset='utf-8'></head><body><table><tr><td>身份证号</td></tr></table></body></html>".encode(),
            "网页",
            "html",
        ),
        ("page2.xls", "\ufeff<!DOCTYPE html><html><table></table></html>".encode(), "网页", "html"),
        ("doc.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "PDF", "not_table"),
        ("word.xlsx", None, "Word", "not_table"),
        ("corrupt.xlsx", None, "Excel文件已损坏", "damaged"),
        ("image.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "图片", "not_table"),
    ],
)
def test_clear_messages(tmp_path, name, data, zh, code):
    if name == "word.xlsx":
        import io

        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("word/document.xml", "<w:document/>")
        data = buf.getvalue()
    if name == "corrupt.xlsx":
        good = xlsx_bytes([("台账", [HEAD, row(1)])])
        data = good[: len(good) // 2]
    res = run(tmp_path, [put(tmp_path / name, data)])
    assert res.exit_code == 3 and res.accepted == 0
    (e,) = res.file_errors
    assert zh in e["zh"] and e["en"] and e["code"] == code
    assert "Calamine" not in e["zh"] + e["en"]


def test_flipped_bytes_inside_a_sheet_say_damaged(tmp_path):
    good = bytearray(xlsx_bytes([("台账", [HEAD] + [row(i) for i in range(1, 40)])]))
    i = good.index(b"sheet1.xml") + 200
    good[i : i + 20] = b"\x00" * 20
    res = run(tmp_path, [put(tmp_path / "flip.xlsx", bytes(good))])
    assert res.exit_code == 3 and "损坏" in res.file_errors[0]["zh"]


# ---------------------------------------------------------------- all or nothing


def _tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_one_unreadable_file_writes_nothing(tmp_path):
    good = write_csv(tmp_path / "lhorong.csv", [HEAD, row(1), row(2)])
    first = run(tmp_path, [good])
    live = _tree(tmp_path / "data")
    pdf = put(tmp_path / "karuo.pdf", b"%PDF-1.4\n")
    other = write_csv(tmp_path / "other.csv", [HEAD, row(5), row(6), row(7)])
    res = run(tmp_path, [other, pdf])
    assert res.exit_code == 3 and res.partition is None and res.accepted == 3  # read, but not written
    assert _tree(tmp_path / "data") == live  # the week stays as it was
    assert records(first).height == 2
    assert "全部文件都未导入" in res.summary("zh")
    assert ingest.main([str(other), str(pdf), "--snapshot-date", ON.isoformat(), "--data-dir", str(tmp_path / "data")]) == 3


@pytest.mark.parametrize("where", ["archive", "report", "snapshot"])
def test_full_disk_leaves_the_live_snapshot_and_no_partial_files(tmp_path, monkeypatch, where):
    good = write_csv(tmp_path / "a.csv", [HEAD, row(1)])
    run(tmp_path, [good])
    before = {p: p.read_bytes() for p in (tmp_path / "data").rglob("*") if p.is_file()}
    new = write_csv(tmp_path / "b.csv", [HEAD, row(2), row(3)])

    def full(*a, **kw):
        raise OSError(errno.ENOSPC, "No space left on device")

    if where == "archive":
        real = ingest.shutil.copyfileobj

        def half(src, dst, n=0):  # writes some bytes, then the disk is full
            dst.write(src.read(10))
            full()

        monkeypatch.setattr(ingest.shutil, "copyfileobj", half)
        assert real
    elif where == "report":
        monkeypatch.setattr(ingest.rejects_mod, "store", full)
    else:
        monkeypatch.setattr(ingest, "write_snapshot", full)
    res = run(tmp_path, [new])
    assert res.exit_code == 3 and res.partition is None and res.write_error
    assert "写入失败" in res.write_error["zh"] and "No space left" in res.write_error["en"]
    after = {p: p.read_bytes() for p in (tmp_path / "data").rglob("*") if p.is_file()}
    assert after == before  # no truncated archive copy, no temporary file, the old snapshot untouched
    assert not [p for p in (tmp_path / "data").rglob("*") if ".tmp-" in p.name]


# ---------------------------------------------------------------- personal data


def test_record_ids_that_are_id_numbers_are_never_stored(tmp_path):
    head = ["记录编号"] + HEAD
    rows = [head, [good_id(1)] + row(1), [good_id(9)] + row(2), ["R-" + good_id(8) + "-1"] + row(3), ["LL-0004"] + row(4)]
    res = run(tmp_path, [write_csv(tmp_path / "rid.csv", rows)])
    assert counts(res) == (4, 4, 0) and res.record_ids_replaced == 3
    df = records(res)
    assert "LL-0004" in df["record_id"].to_list()
    assert not any(re.search(r"\d{17}[\dX]", v) for v in df["record_id"].to_list())
    assert "已替换" in res.summary("zh")


def test_reject_report_has_no_formula_no_name_no_phone_no_full_id_and_private_modes(tmp_path):
    head = ["姓名", "联系电话"] + HEAD
    names = ["张三", "扎西多吉", "卓玛", "次仁"]
    phone = "13812345678"
    rows = [
        head,
        [names[0], phone] + row(1, channel="=cmd|' /C calc'!A0"),  # a formula-like value
        [names[1], phone, names[1]] + row(2)[1:],  # the name typed into the ID column
        [phone, good_id(3)] + row(3)[1:],  # shifted left: the ID column holds the county
        ["", names[2], phone, good_id(4)] + row(4)[1:],  # shifted right: the phone in the ID column
        [names[3], phone] + row(5, county=names[3]),  # a name in the county column
        [names[0], phone] + row(6, town="@SUM(1)"),
        [names[0], phone] + row(7),
    ]
    res = run(tmp_path, [write_csv(tmp_path / "pii.csv", rows)], report=tmp_path / "out" / "rejects.xlsx")
    assert counts(res) == (7, 1, 6)
    stored = tmp_path / "data" / "rejects" / ON.isoformat() / "540329" / "1.parquet"  # 洛隆县's own, as kept
    county_report = rejects.write_xlsx(tmp_path / "out" / "county.xlsx", ["洛隆县"], *rejects.load(stored))  # as downloaded
    assert stat.S_IMODE(os.stat(stored).st_mode) == 0o600
    for report in (res.report, county_report):
        with zipfile.ZipFile(report) as z:
            xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
        assert "<f>" not in xml  # no formula
        for n in names:
            assert n not in xml
        assert phone not in xml and not [m for m in re.findall(r"\d{17}[\dX]", xml) if ids.is_valid(m)]
        assert "'=cmd" in xml or "&apos;=cmd" in xml
        assert stat.S_IMODE(os.stat(report).st_mode) == 0o600
    for d in ("archive", "rejects", f"rejects/{ON.isoformat()}", f"rejects/{ON.isoformat()}/540329"):
        assert stat.S_IMODE((tmp_path / "data" / d).stat().st_mode) == 0o700
    (copy,) = (tmp_path / "data" / "archive" / ON.isoformat()).iterdir()
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert stat.S_IMODE(copy.parent.stat().st_mode) == 0o700


def test_no_map_elements_in_the_ingest_path():
    root = Path(__file__).resolve().parent.parent
    for f in ("tracker/ingest.py", "tracker/readers.py", "tracker/ingest_child.py", "app_pages/upload.py", "bench/fuzz.py"):
        assert "map_elements" not in (root / f).read_text(encoding="utf-8"), f


# ---------------------------------------------------------------- the fuzz, small


def test_fuzz_120_mutated_ledgers_no_crash():
    r = fuzz.run(120, seed=11, quiet=True)  # the 10,000-ledger run is `python -m bench.fuzz`
    assert r["crashes"] == 0, r["examples"]
    assert r["by_kind"]["xlsx"] > 50 and r["by_kind"]["csv"] > 50 and r["rows"] > 500
