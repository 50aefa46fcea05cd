"""Property fuzz of ingest: mutated ledgers (xlsx and csv) must each get a clean answer, never a crash.

    python -m bench.fuzz --n 10000 [--seed 1] [--out DIR]

Each case starts from a valid ledger (a random number of rows, csv or xlsx) and applies a few mutations:
hostile cell values (non-ASCII IDs, zero-width characters, NaN/inf/1e19, an ID in the income column,
formula text, huge cells, 0001-01-01 …), header mangling (units, line breaks, unknown names, duplicates),
structure (line endings, separators, quotes, title rows, stray cells far away, hidden sheets, formulas
without cached values, numbers formatted as dates, error cells) and bytes (flips, truncation, insertion).
Then `tracker.ingest.ingest(write=False)` runs on it. A crash is: an exception out of ingest, a file error
with the code "internal", rows that are neither accepted nor rejected, a data-contract violation, or a full
ID in the reject values. The report gives files, crashes, seconds; failing cases are kept in --out.

`xlsx_bytes` is a small raw xlsx writer (shared strings, inline types, formulas with or without a cached value,
date styles, error cells, hidden sheets, cells anywhere): the tests build their hostile workbooks with it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import re
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

ON = dt.date(2026, 11, 20)
HEAD = ["公民身份号码", "户籍县区", "户籍乡镇", "户籍所在村(居)", "组织方式", "转移就业地点", "开始务工时间", "务工月数", "劳务收入(元)"]


def good_id(n: int, county: str = "540329", born: str = "19900101") -> str:
    from tracker import ids

    s = f"{county}{born}{n % 1000:03d}"
    return s + ids.check_char(s)


def ledger_row(i: int, **kw) -> list:
    base = {
        "id": good_id(i),
        "county": "洛隆县",
        "town": "孜托镇",
        "village": "540329100001",
        "channel": "劳务经纪人",
        "dest": "四川省成都市",
        "start": "2026/3/1",
        "months": "5",
        "income": "8000",
    }
    base.update(kw)
    return list(base.values())


# ---------------------------------------------------------------- a raw xlsx writer


@dataclass
class Cell:
    """A cell with an explicit form: v = stored value text, t = type attribute, f = formula, s = style index
    (1 = a date format, 2 = a custom Chinese date format, 3 = text '@')."""

    v: str | None = None
    t: str | None = None
    f: str | None = None
    s: int | None = None


def formula(f: str, cached: str | None = None, t: str | None = None) -> Cell:
    return Cell(cached, t, f)


def number(v) -> Cell:
    return Cell(str(v))


def date_cell(serial) -> Cell:
    return Cell(str(serial), None, None, 1)


def error(v: str = "#N/A") -> Cell:
    return Cell(v, "e")


def _col_letters(c: int) -> str:
    s = ""
    c += 1
    while c:
        c, r = divmod(c - 1, 26)
        s = chr(65 + r) + s
    return s


def xlsx_bytes(sheets: list[tuple], dimension: str | None = None) -> bytes:
    """sheets: [(name, rows, state)] with rows a list of row lists (row 1 first) or a dict {(row, col): value}
    (1-based row, 0-based column); a value is None, str (shared string), int/float (number) or Cell."""
    sst: list[str] = []
    sst_ix: dict[str, int] = {}

    def cell_xml(ref: str, v) -> str:
        if v is None:
            return ""
        if isinstance(v, Cell):
            attrs = f' r="{ref}"' + (f' t="{v.t}"' if v.t else "") + (f' s="{v.s}"' if v.s is not None else "")
            inner = (f"<f>{escape(v.f)}</f>" if v.f is not None else "") + (f"<v>{escape(v.v)}</v>" if v.v is not None else "")
            return f"<c{attrs}>{inner}</c>"
        if isinstance(v, bool):
            return f'<c r="{ref}" t="b"><v>{int(v)}</v></c>'
        if isinstance(v, (int, float)):
            return f'<c r="{ref}"><v>{v!r}</v></c>'
        s = str(v)
        if s not in sst_ix:
            sst_ix[s] = len(sst)
            sst.append(s)
        return f'<c r="{ref}" t="s"><v>{sst_ix[s]}</v></c>'

    parts: dict[str, str] = {}
    for i, sheet in enumerate(sheets):
        rows = sheet[1]
        cells: dict[int, dict[int, object]] = {}
        if isinstance(rows, dict):
            for (r, c), v in rows.items():
                cells.setdefault(r, {})[c] = v
        else:
            for r, row in enumerate(rows, start=1):
                cells[r] = dict(enumerate(row))
        body = []
        for r in sorted(cells):
            xs = "".join(cell_xml(f"{_col_letters(c)}{r}", v) for c, v in sorted(cells[r].items()))
            body.append(f'<row r="{r}">{xs}</row>')
        dim = f'<dimension ref="{dimension}"/>' if dimension else ""
        parts[f"xl/worksheets/sheet{i + 1}.xml"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f"{dim}<sheetData>{''.join(body)}</sheetData></worksheet>"
        )
    sheets_xml = "".join(
        f'<sheet name="{escape(s[0])}" sheetId="{i + 1}" r:id="rId{i + 1}"'
        + (f' state="{s[2]}"' if len(s) > 2 and s[2] != "visible" else "")
        + "/>"
        for i, s in enumerate(sheets)
    )
    parts["xl/workbook.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f"<sheets>{sheets_xml}</sheets></workbook>"
    )
    rels = "".join(
        f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
        for i in range(len(sheets))
    )
    n = len(sheets)
    rels += (
        f'<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        f'sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId{n + 2}" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    )
    parts["xl/_rels/workbook.xml.rels"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>'
    )
    parts["xl/sharedStrings.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(sst)}" uniqueCount="{len(sst)}">'
        + "".join(f'<si><t xml:space="preserve">{escape(_xml_safe(s))}</t></si>' for s in sst)
        + "</sst>"
    )
    parts["xl/styles.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<numFmts count="1"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts>'
        '<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/>'
        '<xf numFmtId="176" applyNumberFormat="1"/><xf numFmtId="49" applyNumberFormat="1"/></cellXfs></styleSheet>'
    )
    ct = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'
    )
    root_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("_rels/.rels", root_rels)
        for k, v in parts.items():
            z.writestr(k, v)
    return buf.getvalue()


def _xml_safe(s: str) -> str:
    """Characters XML 1.0 cannot hold are dropped (Excel cannot store them either)."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", "", s)


def csv_bytes(rows: list[list], sep: str = ",", eol: str = "\n", enc: str = "utf-8") -> bytes:
    def q(v) -> str:
        s = "" if v is None else str(v)
        return '"' + s.replace('"', '""') + '"' if any(ch in s for ch in (sep, '"', "\n", "\r")) else s

    return eol.join(sep.join(q(v) for v in r) for r in rows).encode(enc, "replace")


# ---------------------------------------------------------------- mutations

HOSTILE = [
    "",
    " ",
    "无",
    "待补充",
    "张三",
    "扎西多吉",
    "\u200b",
    good_id(1) + "\u200b",
    "\ufeff" + good_id(2),
    "=cmd|' /C calc'!A0",
    "=1+1",
    "@SUM(A1)",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "1e19",
    "9.3e18",
    "-1",
    "0",
    "540329199001010012",
    "5.40329197209046E+17",
    "540329197209046000",
    "'" + good_id(3),
    "0001-01-01",
    "1899-12-30",
    "9999-12-31",
    "2026-02-30",
    "46082",
    "1",
    "#N/A",
    "１２３",
    "0x10",
    '"',
    '""',
    "a\nb",
    "a\rb",
    "\t",
    "😀",
    "ཀ་",
    "13812345678",
    "1,234",
    "1.5万",
    "5个月",
    "是",
    "否",
    "Y",
    "劳务派遣公司",
    "四川省成都市",
    "540302100",
    "540302100001",
    "99",
    "x" * 300,
]
HOSTILE_CELLS = [
    formula("A1*2"),
    formula("A1*2", "16000"),
    formula("A1", "text", "str"),
    date_cell(46082),
    date_cell(1),
    error("#N/A"),
    error("#REF!"),
    number("5.4032919720904602E+17"),
    number(540329199001010012),
    number(8000),
    number(-0.5),
    Cell("1", "b"),
    Cell(None),
    Cell("2026-03-01T00:00:00", "d"),
    Cell("99", "s"),
    Cell("abc"),
]
HEADER_MANGLE = [
    "务工收入(万元)",
    "劳务收入（元）",
    "收入（元）",
    "月数",
    "劳务收入\n(元)",
    "公民身份证号",
    "户籍乡镇(街道)",
    "就业地址",
    "身份证号\u200b",
    "收入(元/月)",
    "",
    "备注",
    "姓名",
    "联系电话",
    "身份证号",
    "=HYPERLINK(1)",
    "记录编号",
    "务工收入(千元)",
]


def base_rows(rng: random.Random) -> list[list]:
    n = rng.randint(1, 25)
    rows = [list(HEAD)]
    for _ in range(n):
        rows.append(ledger_row(rng.randint(1, 999), income=str(rng.choice([0, 800, 8000, 45000])), months=str(rng.randint(0, 10))))
    return rows


def mutate_rows(rng: random.Random, rows: list[list], xlsx: bool) -> list[list]:
    for _ in range(rng.randint(0, 6)):
        op = rng.random()
        r = rng.randrange(len(rows))
        c = rng.randrange(len(HEAD) + 2)
        while len(rows[r]) <= c:
            rows[r].append(None)
        if op < 0.62 and r > 0:
            rows[r][c] = rng.choice(HOSTILE_CELLS) if xlsx and rng.random() < 0.4 else rng.choice(HOSTILE)
        elif op < 0.7 and rng.random() < 0.6:
            h = next((row for row in rows if len(row) >= len(HEAD)), rows[0])
            h[min(c, len(h) - 1)] = rng.choice(HEADER_MANGLE) if h else None
        elif op < 0.8:
            rows.insert(0, [rng.choice(["西藏农牧民转移就业台账", "说明\n第二行", "", "基本信息"])])
        elif op < 0.87 and r > 0:
            rows[r] = [None] + rows[r] if rng.random() < 0.5 else rows[r][1:]  # a shifted row
        elif op < 0.93:
            rows.append(list(rows[0]))  # the header repeated
        else:
            rows.insert(rng.randrange(1, len(rows) + 1), [])  # a blank row
    return rows


def mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    op = rng.random()
    if op < 0.4 and b:
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
    elif op < 0.7 and b:
        b = b[: rng.randrange(len(b))]
    elif op < 0.85:
        i = rng.randrange(len(b) + 1)
        b[i:i] = rng.choice([b"\x00", b"\r", b'"', b"\n\n", b"\xff\xfe", "，".encode(), b"\xe4\xb8"])
    else:
        i = rng.randrange(len(b) + 1)
        del b[i : i + rng.randint(1, 64)]
    return bytes(b)


def make_case(rng: random.Random) -> tuple[str, bytes]:
    """(file name, content) of one mutated ledger."""
    xlsx = rng.random() < 0.5
    rows = mutate_rows(rng, base_rows(rng), xlsx)
    if xlsx:
        sheets: list[tuple] = [("台账", rows)]
        extra = rng.random()
        if extra < 0.15:
            sheets.append(("上周", base_rows(rng), rng.choice(["hidden", "veryHidden"])))
        elif extra < 0.3:
            sheets.insert(0, ("填表说明", [["请按要求填写"], ["身份证号必须18位"]]))
        elif extra < 0.4:
            sheets.append(("孜托镇", base_rows(rng)))
        if rng.random() < 0.1:
            far = {(r + 1, c): v for r, row in enumerate(rows) for c, v in enumerate(row)}
            far[(rng.choice([len(rows) + 1, 1_048_576]), rng.choice([0, 3, 16_383]))] = "."
            sheets[0] = ("台账", far)
        data = xlsx_bytes(sheets, dimension=rng.choice([None, "A1:XFD1048576", "A1"]))
        name = "ledger.xlsx"
    else:
        data = csv_bytes(
            rows,
            sep=rng.choice([",", ",", "\t"]),
            eol=rng.choice(["\n", "\r\n", "\r"]),
            enc=rng.choice(["utf-8", "utf-8-sig", "gb18030", "utf-16"]),
        )
        name = "ledger.csv"
    if rng.random() < 0.35:
        data = mutate_bytes(rng, data)
    return name, data


# ---------------------------------------------------------------- the run


def check(res) -> str | None:
    """None when the result is clean, else what is wrong."""
    from tracker import ids

    if any(e.get("code") == "internal" for e in res.file_errors):
        return "internal error: " + "; ".join(e["en"] for e in res.file_errors)
    if not res.file_errors and res.accepted + res.rejected != res.rows_in:
        return f"rows {res.rows_in} != {res.accepted} + {res.rejected}"
    if res.contract:
        return "contract: " + "; ".join(res.contract)
    for v in res.rejects["value"].drop_nulls().to_list():
        if any(ids.is_valid(m) for m in re.findall(r"\d{17}[\dXx]", v)):
            return f"full ID in a reject value: {v[:6]}…"
    return None


def run(n: int, seed: int = 1, out: Path | None = None, quiet: bool = False) -> dict:
    from tracker import ingest

    rng = random.Random(seed)
    crashes, kinds, t0 = [], {"xlsx": 0, "csv": 0}, time.perf_counter()
    rows = 0
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        for i in range(n):
            name, data = make_case(rng)
            kinds["xlsx" if name.endswith("xlsx") else "csv"] += 1
            path = Path(tmp) / name
            path.write_bytes(data)
            try:
                res = ingest.ingest([path], ON, Path(tmp) / "data", user="fuzz", key=b"fuzz", write=False)
                problem = check(res)
                rows += res.rows_in
            except BaseException as e:  # counting, not hiding: every exception is a crash
                if isinstance(e, KeyboardInterrupt):
                    raise
                problem = f"exception {type(e).__name__}: {e}"[:300]
            if problem:
                crashes.append({"case": i, "file": name, "problem": problem})
                if out:
                    out.mkdir(parents=True, exist_ok=True)
                    (out / f"crash-{i:05d}-{name}").write_bytes(data)
            if not quiet and (i + 1) % 500 == 0:
                print(f"{i + 1:,} files, {len(crashes)} crashes, {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return {
        "files": n,
        "crashes": len(crashes),
        "rows": rows,
        "seconds": round(time.perf_counter() - t0, 1),
        "by_kind": kinds,
        "examples": crashes[:10],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None, help="keep the crashing files here")
    a = ap.parse_args(argv)
    r = run(a.n, a.seed, a.out)
    print(
        f"files {r['files']:,} (xlsx {r['by_kind']['xlsx']:,}, csv {r['by_kind']['csv']:,}), rows {r['rows']:,}, "
        f"crashes {r['crashes']}, {r['seconds']} s"
    )
    for c in r["examples"]:
        print(f"  case {c['case']} {c['file']}: {c['problem']}")
    return 1 if r["crashes"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
