"""Turn the weekly ledger exports (实名制台账, .xlsx / .csv, Chinese headers) into a snapshot.

    python -m tracker.ingest FILE [FILE …] --snapshot-date YYYY-MM-DD [--data-dir DIR] [--user NAME]
                             [--report PATH] [--json-out PATH] [--max-memory-mb N] [--progress-lines]

Every row in is accounted for: accepted + rejected = rows read, always. Every file gets an answer, never a
traceback: a file that cannot be used gets a message in Chinese and English saying why (encrypted, a PDF, an
HTML page, damaged, no header …). Files are read by `tracker.readers` (xlsx cell by cell from its XML, only the
cells that exist, every visible sheet with the ledger's header; CSV of any line ending and separator).

Valid rows go to the snapshot partition, rejected rows to a reject report with a reason in Chinese and
English, the original files to an archive with their checksums, and a manifest records what happened
(files, sheets read and skipped, counts). All or nothing per run: if any file cannot be read, nothing is
written; the archive copies and the reject report are written under temporary names first, the snapshot's
swap into place comes next, the temporary names are renamed last, and a failed write (a full disk) removes
what it had started and leaves the live snapshot as it was. The raw ID number never leaves this module: the
snapshot holds only the keyed hash (HMAC-SHA256, secret key outside data/ and the repo) and the masked form;
a record id that is an ID number is replaced by a derived one; the reject report masks ID-shaped text and
hides text that may be a name or a phone number.

Exit codes:
    0  written; every row accepted
    1  written; some rows rejected (see the reject report)
    2  nothing written: the files were read but no row is usable (or the snapshot failed its data contract)
    3  nothing written: a file could not be read (so none of the files is loaded), or writing failed
       (e.g. a full disk) and the live snapshot was left unchanged
The upload page runs this command in a child process with a memory and a time limit (`tracker.ingest_child`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import hashlib
import json
import os
import re
import shutil
import sys
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from tracker import catalogue, hierarchy, ids, readers, schema, settings
from tracker import rejects as rejects_mod
from tracker.generate import write_snapshot
from tracker.hierarchy import REGION
from tracker.readers import IngestError
from tracker.rejects import FLAG_SCHEMA, REJECT_SCHEMA

__all__ = ["IngestError", "Result", "classify_id", "classify_ids", "ingest", "main", "norm_header", "read_raw"]

# one mapping of accepted header spellings -> canonical column (compared after normalising:
# full-width to half-width, spaces and brackets removed, lower case; a unit in brackets is read apart)
HEADERS: dict[str, list[str]] = {
    "id_number": [
        "身份证号",
        "公民身份号码",
        "公民身份证号",
        "公民身份证号码",
        "身份证号码",
        "身份证",
        "证件号码",
        "身份证件号码",
        "居民身份证号码",
        "id_number",
        "id",
    ],
    "record_id": ["记录编号", "序号编号", "台账编号", "record_id"],
    "education": ["文化程度", "学历", "education"],
    "prefecture": ["户籍地市", "地市", "所属地市", "户籍所在地市", "prefecture", "prefecture_code"],
    "county": ["户籍县区", "县区", "所属县区", "户籍所在县区", "户籍县", "户籍县市区", "county", "county_code"],
    "township": [
        "户籍乡镇",
        "乡镇",
        "所属乡镇",
        "户籍所在乡镇",
        "户籍乡镇街道",
        "乡镇街道",
        "户籍所在乡镇街道",
        "township",
        "township_code",
    ],
    "village": ["户籍村居", "户籍所在村居", "户籍所在村", "村居", "村", "户籍村", "村社区", "户籍村社区", "village", "village_code"],
    **{g.key: [f"是否{g.zh}", g.zh, *g.headers, g.key] for g in catalogue.GROUP_LIST if g.column},  # key groups
    "dest_scope": ["转移就业范围", "转移范围", "就业范围", "dest_scope"],
    "destination": ["转移就业地点", "就业地点", "务工地点", "就业地址", "务工地址", "就业地区", "destination"],
    "dest_province": ["就业地省份", "务工省份", "dest_province", "dest_province_code"],
    "dest_prefecture": ["就业地地市", "务工地市", "dest_prefecture", "dest_prefecture_code"],
    "organized": ["是否有组织", "有组织", "是否组织化", "organized"],
    "channel": ["组织方式", "转移方式", "channel"],
    "job_source": ["就业来源", "就业渠道", "job_source"],
    "industry": ["所属行业", "行业", "industry"],
    "start_date": ["开始务工时间", "务工开始时间", "开始时间", "start_date"],
    "end_date": ["结束务工时间", "返乡时间", "结束时间", "end_date"],
    "reported_date": ["录入时间", "登记时间", "reported_date"],
    "months_employed": ["务工月数", "就业月数", "累计务工月数", "月数", "务工时长", "就业时长", "months_employed"],
    "income_yuan": ["劳务收入", "务工收入", "收入", "工资收入", "劳务收入元", "income_yuan", "income"],
    "trained": ["是否参加培训", "是否培训", "trained"],
    "training_type": ["培训类型", "培训方式", "training_type"],
}
PII_IGNORED = {
    "姓名",
    "name",
    "联系电话",
    "电话",
    "手机号码",
    "手机",
    "手机号",
    "联系方式",
    "phone",
    "户主姓名",
    "家庭住址",
    "住址",
    "银行卡号",
    "银行账号",
}  # never stored
REQUIRED = ["id_number", "county", "township", "channel", "start_date"]
GROUP_FLAGS = [g.key for g in catalogue.GROUP_LIST if g.column]
FLAGS = [*GROUP_FLAGS, "organized", "trained"]
UNITS = {"元": 1.0, "万元": 10_000.0, "千元": 1_000.0, "月": 1.0, "个月": 1.0}  # a unit in a header → factor
INCOME_MAX = 10_000_000  # yuan: above this, a value is an ID number or a unit error, not a year's wages
DATE_MIN = dt.date(2000, 1, 1)

R = {  # reasons: code -> (zh, en)
    "formula": ("公式没有计算结果（请在Excel中重新计算并保存）", "formula without a cached value (recalculate and save in Excel)"),
    "cell_error": ("单元格是错误值（如#N/A、#REF!）", "the cell holds an error value (e.g. #N/A, #REF!)"),
    "missing": ("必填项为空", "required field is empty"),
    "id_format": ("身份证号格式错误", "ID number is not 18 characters of digits (+X)"),
    "id_numeric": ("身份证号被存为数字，后几位已丢失", "ID stored as a number: its last digits are lost"),
    "id_check": ("身份证号校验位错误", "ID check digit is wrong (GB 11643)"),
    "id_birth": ("身份证号中的出生日期不存在", "impossible birth date in the ID"),
    "region_unknown": ("区划代码或名称无法识别", "unknown region code or name"),
    "region_inconsistent": ("区划层级不一致（下级不属于上级）", "region codes inconsistent (child not in parent)"),
    "enum": ("取值不在允许范围内", "value not allowed"),
    "flag": ("是/否字段无法识别", "yes/no value not recognised"),
    "date": ("日期无法识别", "date not recognised"),
    "date_range": ("日期早于2000年，不合理", "date before 2000: not plausible"),
    "date_order": ("结束时间早于开始时间", "end date before start date"),
    "date_future": ("开始时间晚于快照日期", "start date after the snapshot date"),
    "months": ("务工月数超出范围（0-12且不超过已过月数）", "months outside 0–12 or beyond the months elapsed"),
    "cell_date": ("数值单元格被设成了日期格式", "a number cell is formatted as a date"),
    "income": ("劳务收入为负或不是数字", "income negative or not a number"),
    "income_range": (
        "劳务收入超过1000万元，不合理（可能填入了身份证号或单位有误）",
        "income above 10 million yuan: not plausible (an ID number, or the wrong unit?)",
    ),
    "number": ("数值无法识别", "number not recognised"),
    "duplicate": ("同一文件中重复的同一就业记录（保留一条）", "same placement twice in one file (one kept)"),
    "out_of_scope": ("不属于您管辖的县区（只能报送本辖区的台账）", "a county outside your area (you may send your own area's ledger only)"),
}
FLAG_REASONS = {
    "income_outlier": ("月均收入异常（超出分布范围）", "income per month far outside the distribution"),
    "income_unit": ("收入数值与表头单位不符（疑似元/万元混用），请核实", "income looks like the wrong unit (元 vs 万元): check it"),
    "id_region": ("身份证地区码与户籍县不一致", "ID region prefix differs from the hukou county"),
    "age": ("年龄不在16-65岁之间", "age outside 16–65"),
    "no_village": ("缺少户籍村(居)", "no hukou village"),
}


@dataclass
class Result:
    snapshot_date: dt.date
    rows_in: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    record_ids_replaced: int = 0  # record ids that were ID numbers, replaced by a derived id
    by_reason: dict[str, int] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)
    files: list[dict] = field(default_factory=list)
    file_errors: list[dict] = field(default_factory=list)
    extra_columns: dict[str, list[str]] = field(default_factory=dict)
    contract: list[str] = field(default_factory=list)  # data-contract violations of the snapshot (none expected)
    write_error: dict | None = None  # {"zh", "en"}: writing failed, nothing was written
    counties: dict[str, dict] = field(default_factory=dict)  # every county's state for the week (tracker.submissions)
    notes: list[dict] = field(default_factory=list)  # {"zh", "en"}: things worth knowing that are not errors
    rejects: pl.DataFrame | None = None
    flagged: pl.DataFrame | None = None
    partition: Path | None = None
    report: Path | None = None  # the Excel reject report, when one was asked for (`report=`)
    stored_report: Path | None = None  # the run's rejected and flagged rows as kept (tracker.rejects)
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        if self.file_errors or self.write_error:
            return 3
        if self.accepted == 0 or self.contract:
            return 2
        return 1 if self.rejected else 0

    def summary(self, lang: str = "zh") -> str:
        zh = lang == "zh"
        lines = [
            f"{'快照日期' if zh else 'Snapshot'}: {self.snapshot_date.isoformat()}",
            f"{'读取行数' if zh else 'Rows read'}: {self.rows_in:,}",
            f"{'接收' if zh else 'Accepted'}: {self.accepted:,}",
            f"{'拒收' if zh else 'Rejected'}: {self.rejected:,}",
            f"{'重复（已去重）' if zh else 'Duplicates (dropped)'}: {self.duplicates:,}",
        ]
        if self.counties:
            h = hierarchy.load()
            mine = [h.name(c, lang) for c, v in self.counties.items() if v.get("this_run")]
            carried = [h.name(c, lang) for c, v in self.counties.items() if v["status"] == "carried"]
            lines.append(f"{'本次替换的县区' if zh else 'Counties replaced'}: {'、'.join(mine) if zh else ', '.join(mine)}")
            if carried:
                lines.append(
                    f"{'未报送、沿用上周数据的县区' if zh else 'Not submitted, carried from last week'}: "
                    + ("、".join(carried) if zh else ", ".join(carried))
                )
        for code, n in sorted(self.by_reason.items(), key=lambda kv: (-kv[1], kv[0])):
            zh_r, en_r = R.get(code, (code, code))
            lines.append(f"  - {zh_r if zh else en_r}: {n:,}")
        for code, n in sorted(self.flags.items(), key=lambda kv: (-kv[1], kv[0])):
            zh_r, en_r = FLAG_REASONS.get(code, (code, code))
            lines.append(f"  * {'提示' if zh else 'flag'} {zh_r if zh else en_r}: {n:,}")
        if self.record_ids_replaced:
            what = "记录编号是身份证号，已替换为系统编号（未保存）" if zh else "record ids that were ID numbers, replaced (not stored)"
            lines.append(f"  * {what}: {self.record_ids_replaced:,}")
        for f in self.files:
            if f.get("sheets"):
                read = ", ".join(f"{s['sheet'] or 'CSV'} ({s['rows']:,})" for s in f["sheets"])
                lines.append(f"  {'已读取工作表' if zh else 'sheets read'} {f['file']}: {read}")
            for s in f.get("sheets_skipped", []):
                lines.append(f"  {'未读取工作表' if zh else 'sheet not read'} {f['file']}「{s['sheet']}」: {s['zh'] if zh else s['en']}")
        for e in self.file_errors:
            lines.append(f"  ! {e['file']}: {e['zh'] if zh else e['en']}")
        if self.file_errors:
            lines.append(
                "  ! "
                + (
                    "有文件无法读取，本次导入未写入任何数据（全部文件都未导入），请处理后重新导入全部文件。"
                    if zh
                    else "A file could not be read: nothing was written (none of the files was loaded). "
                    "Fix it and load all the files again."
                )
            )
        if self.write_error:
            lines.append(f"  ! {self.write_error['zh'] if zh else self.write_error['en']}")
        for c in self.contract:
            lines.append(f"  ! {'数据契约检查未通过，快照未写入' if zh else 'data contract violated, snapshot not written'}: {c}")
        for n in self.notes:
            lines.append(f"  {n['zh'] if zh else n['en']}")
        for f, cols in self.extra_columns.items():
            lines.append(f"  {'未识别列（已忽略）' if zh else 'unrecognised columns (set aside)'} {f}: {', '.join(cols)}")
        return "\n".join(lines)

    def to_json(self) -> dict:
        """What a parent process needs (the upload page): counts, messages, where things went."""
        return {
            "snapshot_date": self.snapshot_date.isoformat(),
            "rows_in": self.rows_in,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
            "exit_code": self.exit_code,
            "by_reason": self.by_reason,
            "flags": self.flags,
            "file_errors": self.file_errors,
            "write_error": self.write_error,
            "record_ids_replaced": self.record_ids_replaced,
            "files": self.files,
            "summary_zh": self.summary("zh"),
            "summary_en": self.summary("en"),
            "partition": str(self.partition) if self.partition else None,
            "report": str(self.report) if self.report else None,
            "seconds": round(self.seconds, 3),
        }


# ---------------------------------------------------------------- normalisation (pure functions)

ZERO_WIDTH = "[\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u202a-\u202e\u2066-\u2069]"
_ZW = re.compile(ZERO_WIDTH)


def norm_text(s: str | None) -> str | None:
    """Full-width → half-width (NFKC), zero-width characters removed, trimmed, inner whitespace collapsed."""
    if s is None:
        return None
    t = _ZW.sub("", unicodedata.normalize("NFKC", str(s))).replace("\u3000", " ").strip()
    t = re.sub(r"\s+", " ", t)
    return t or None


def norm_header(s: str) -> str:
    t = _ZW.sub("", unicodedata.normalize("NFKC", str(s or ""))).lower()
    return re.sub(r"[\s()（）\[\]【】:：*＊'\"]", "", t)


_ALIASES = {norm_header(a): canon for canon, al in HEADERS.items() for a in al}
_UNIT_RE = re.compile(r"^(.*?)(?:单位)?[:：]?(万元|千元|元|个月|月)$")


def header_unit(cell: str) -> tuple[str | None, float | None, str | None]:
    """(canonical column, unit factor, unit) of a header cell: '务工收入(万元)' → ('income_yuan', 10000, '万元')."""
    n = norm_header(cell)
    canon = _ALIASES.get(n)
    m = _UNIT_RE.match(n)
    if m and m.group(1):
        base = _ALIASES.get(m.group(1))
        if base in ("income_yuan", "months_employed") and (m.group(2) in ("元", "万元", "千元")) == (base == "income_yuan"):
            return base, UNITS[m.group(2)], m.group(2)
    return canon, None, None


def map_headers(cols: list[str]) -> tuple[dict[str, str], list[str], list[str]]:
    """source column → canonical; unrecognised columns; duplicated canonical columns."""
    mapping, extra, dup = {}, [], []
    seen: set[str] = set()
    for c in cols:
        canon = header_unit(c)[0]
        if canon is None:
            extra.append(str(c))
        elif canon in seen:
            dup.append(str(c))
        else:
            mapping[c] = canon
            seen.add(canon)
    return mapping, extra, dup


def parse_flag(v: str | None) -> bool | str | None:
    """是/否, Y/N, 1/0, true/false → bool; empty → None; anything else → 'bad'."""
    if v is None:
        return None
    t = v.strip().lower()
    if t in ("是", "y", "yes", "1", "true", "t", "√", "有"):
        return True
    if t in ("否", "n", "no", "0", "false", "f", "×", "无"):
        return False
    return "bad"


_DATE_PATTERNS = [
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")),
    (re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")),
    (re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$")),
    (re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$")),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$")),
]
EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(v: str | None) -> dt.date | str | None:
    """2026-03-01, 2026/3/1, 2026年3月1日, 20260301, Excel serials (and 'YYYY-MM-DD hh:mm:ss')."""
    if v is None:
        return None
    t = v.strip().split(" ")[0].split("T")[0]
    for p in _DATE_PATTERNS:
        m = p.match(t)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return "bad"
    if re.fullmatch(r"\d{5}(\.\d+)?", t):  # an Excel serial day number
        n = int(float(t))
        if 20_000 < n < 80_000:
            return EXCEL_EPOCH + dt.timedelta(days=n)
    return "bad"


def classify_id(v: str | None) -> tuple[str | None, str | None]:
    """(normalised ID, reason code or None) for one value: the same rule as `classify_ids`."""
    good, err = classify_ids(pl.Series([v], dtype=pl.String))
    return good[0], err[0]


def _float_exact(t: pl.Series) -> pl.Series:
    """An 18-digit number that a float64 holds exactly (what an ID becomes after a trip through a number)."""
    digits = t.str.contains(r"^\d{18}$").fill_null(False)
    as_int = pl.select(pl.when(digits).then(t).otherwise(None).cast(pl.UInt64, strict=False)).to_series()
    back = as_int.cast(pl.Float64).cast(pl.UInt64, strict=False)
    return (digits & (as_int == back)).fill_null(False)


def classify_ids(col: pl.Series, numeric_cells: pl.Series | None = None) -> list[pl.Series]:
    """Vectorised classify_id: `_id` (normalised, or null) and `_id_err` (reason code, or null).

    Any text is classified (letters, CJK, zero-width characters): only well-formed values reach the check digit.
    An ID kept as a number loses its last digits: scientific notation, a trailing '.0', '000' with a wrong check
    digit, an Excel number cell (`numeric_cells`), or — when most IDs of the column are 18-digit numbers a float
    holds exactly, i.e. the column went through a number — every such value.
    """
    t = (
        col.cast(pl.String)
        .str.normalize("NFKC")
        .str.replace_all(ZERO_WIDTH, "")
        .str.replace_all(r"\s", "")
        .str.strip_chars_start("'`‘’\"")
        .str.to_uppercase()
        .replace("", None)
    )
    numeric = t.str.contains(r"^\d+(\.\d+)?E\+?\d+$") | t.str.contains(r"^\d{15,18}\.0+$")
    fmt_ok = t.str.contains(r"^\d{17}[\dX]$").fill_null(False)
    safe = pl.select(pl.when(fmt_ok).then(t).otherwise(pl.lit("0" * 18))).to_series()  # only ASCII digits below
    n = len(safe)
    digits = (
        (np.frombuffer("".join(safe.str.slice(0, 17).to_list()).encode("ascii"), dtype=np.uint8).reshape(n, 17).astype(np.int64) - 48)
        if n
        else np.zeros((0, 17), dtype=np.int64)
    )
    check = pl.Series(ids.check_chars(digits), dtype=pl.String) if n else pl.Series([], dtype=pl.String)
    check_ok = fmt_ok & (safe.str.slice(17, 1) == check)
    birth_ok = safe.str.slice(6, 8).str.to_date("%Y%m%d", strict=False).is_not_null()
    exact = _float_exact(t)
    column_numeric = n >= 5 and exact.sum() > 0.5 * max(1, fmt_ok.sum())
    lost = fmt_ok & ~check_ok & (safe.str.ends_with("000") | exact)
    if column_numeric:
        lost = lost | exact
    if numeric_cells is not None:
        lost = lost | (t.is_not_null() & numeric_cells.fill_null(False))
    err = (
        pl.select(
            pl.when(t.is_null())
            .then(pl.lit("missing"))
            .when(numeric.fill_null(False) | lost.fill_null(False))
            .then(pl.lit("id_numeric"))
            .when(~fmt_ok)
            .then(pl.lit("id_format"))
            .when(~birth_ok)
            .then(pl.lit("id_birth"))
            .when(~check_ok)
            .then(pl.lit("id_check"))
            .otherwise(None)
            .alias("_id_err")
        )
    ).to_series()
    return [pl.select(pl.when(err.is_null()).then(t).alias("_id")).to_series(), err]


# ---------------------------------------------------------------- reading files


def find_header(raw: pl.DataFrame, scan: int = 15) -> int:
    """Index of the header row: the first of the top rows naming at least three known columns."""
    best, best_n = -1, 0
    for i in range(min(scan, raw.height)):
        cells = [c for c in raw.row(i) if c]
        n = sum(1 for c in cells if header_unit(c)[0] is not None)
        if n > best_n:
            best, best_n = i, n
        if n >= 3:
            return i
    if best_n >= 3:
        return best
    raise IngestError(
        "找不到表头：前15行中没有可识别的列名（如“身份证号”“户籍县区”“组织方式”）。",
        "No header found: none of the first 15 rows names known columns (e.g. 身份证号, 户籍县区, 组织方式).",
        "no_header",
    )


def read_raw(path: Path, header_finder=None) -> pl.DataFrame:
    """The first sheet with a header, all cells as text: the rows above and including the header, then the body
    (columns with a header cell only). Used for tables other than the ledger (e.g. an issued quota table)."""
    wb = readers.read(Path(path), header_finder or find_header, all_sheets=False)
    t = wb.tables[0]
    n = len(t.header)
    rows = t.top + [list(r) for r in zip(*t.columns, strict=True)] if t.columns and t.rows else list(t.top)
    return pl.DataFrame({f"c{i}": [r[i] for r in rows] for i in range(n)}, schema={f"c{i}": pl.String for i in range(n)})


@dataclass
class Loaded:
    frame: pl.DataFrame  # canonical text columns, `<column>__k` cell kinds, `_row`, `_sheet`, `_unit`
    extra: list[str]
    sheets: list[dict]  # {"sheet", "rows"}
    skipped: list[dict]  # {"sheet", "zh", "en"}
    pii: set[str]  # values of the name / phone columns (never stored; kept out of the reject report)
    dropped_cells: int = 0


_PII_NORM = {norm_header(p) for p in PII_IGNORED}


def _table_frame(t: readers.Table, path: Path) -> tuple[pl.DataFrame, list[str], set[str]]:
    header = [norm_text(c) or f"column_{i + 1}" for i, c in enumerate(t.header)]
    mapping, extra, dup = map_headers(header)
    where = f"「{t.sheet}」" if t.sheet else ""
    if dup:
        raise IngestError(f"{where}表头重复：{'、'.join(dup)}", f"{where}Duplicate columns: {', '.join(dup)}", "header")
    missing = [c for c in REQUIRED if c not in mapping.values()]
    if missing:
        names = [HEADERS[c][0] for c in missing]
        raise IngestError(f"{where}缺少必填列：{'、'.join(names)}", f"{where}Required columns missing: {', '.join(names)}", "header")
    if "income_yuan" not in mapping.values():
        odd = [h for h in header if "收入" in h]
        if odd:
            raise IngestError(
                f"{where}收入列“{odd[0]}”的单位无法识别（支持：元、万元）。",
                f"{where}The unit of the income column '{odd[0]}' is not understood (元 or 万元).",
                "header",
            )
    unit = 1.0
    for h in header:
        canon, factor, _u = header_unit(h)
        if canon == "income_yuan" and mapping.get(h) == "income_yuan" and factor:
            unit = factor
    body = t.frame()
    sel, pii_cols = [], []
    for i, h in enumerate(header):
        canon = mapping.get(h)
        if canon is not None:
            sel.append(pl.col(f"c{i}").alias(canon))
            sel.append((pl.col(f"k{i}") if t.kinds is not None else pl.lit(None, dtype=pl.String)).alias(f"{canon}__k"))
        elif norm_header(h) in _PII_NORM:
            pii_cols.append(f"c{i}")
    pii: set[str] = set()
    for c in pii_cols:
        pii.update(v for v in (norm_text(x) for x in body[c].drop_nulls().unique().to_list()) if v and len(v) >= 2)
    cols = list(dict.fromkeys(mapping.values()))
    df = body.select(*sel, "_row")
    # merged header rows (a second header line) and trailing empty rows are not data
    df = df.filter(pl.any_horizontal([pl.col(c).is_not_null() & (pl.col(c).str.strip_chars() != "") for c in cols]))
    again = pl.any_horizontal(
        [
            pl.col(c)
            .str.normalize("NFKC")
            .str.to_lowercase()
            .str.replace_all(r"[\s()（）\[\]【】:：*＊]", "")
            .is_in(list(_ALIASES))
            .fill_null(False)
            for c in cols[:3]
        ]
    )
    df = df.filter(~again).with_columns(_sheet=pl.lit(t.sheet, dtype=pl.String), _unit=pl.lit(unit, dtype=pl.Float64))
    extra = [e for e in extra if norm_header(e) not in _PII_NORM and not e.startswith("column_")] + [
        f"{e}（个人信息，未保存）" for e in header if norm_header(e) in _PII_NORM
    ]
    return df, extra, pii


def load_file(path: Path) -> Loaded:
    """Every visible sheet with the ledger's header (with an ID column) as one frame; see `Loaded`."""
    wb = readers.read(Path(path), find_header)
    frames, extra, sheets, skipped, pii = [], [], [], list(wb.skipped), set()
    first_error: IngestError | None = None
    for t in wb.tables:
        try:
            df, ex, pi = _table_frame(t, path)
        except IngestError as e:
            has_id = any(header_unit(norm_text(c) or "")[0] == "id_number" for c in t.header)
            if has_id or len(wb.tables) == 1:
                raise  # a ledger sheet that cannot be used: the file cannot be used
            first_error = first_error or e
            skipped.append({"sheet": t.sheet, "zh": f"没有身份证号列，未读取（{e.zh}）", "en": f"no ID column, not read ({e.en})"})
            continue
        frames.append(df)
        extra += [e for e in ex if e not in extra]
        sheets.append({"sheet": t.sheet, "rows": df.height})
        pii |= pi
    if not frames:
        raise first_error or IngestError("文件没有数据。", "The file has no rows.", "empty")
    df = pl.concat(frames, how="diagonal_relaxed") if len(frames) > 1 else frames[0]
    if df.height == 0:
        raise IngestError("文件只有表头，没有数据行。", "The file has a header but no data rows.", "empty")
    dropped = sum(t.dropped_cells for t in wb.tables)
    return Loaded(df, extra, sheets, skipped, pii, dropped)


# ---------------------------------------------------------------- validation


class Lookup:
    """Region codes and names (names resolved inside their parent)."""

    def __init__(self, h: hierarchy.Hierarchy):
        self.h = h
        u = h.units
        self.codes = set(u["code"].to_list())
        self.by_name: dict[tuple[str, str], str] = {}
        for code, parent, name in u.select("code", "parent_code", "name_zh").iter_rows():
            self.by_name[(parent or "", name)] = code
            short = re.sub(r"(村委会|居委会|社区居委会)$", "", name)
            self.by_name.setdefault((parent or "", short), code)
        self.county_by_name = {n: c for c, n in h.of_level(3).select("code", "name_zh").iter_rows()}
        self.nat_codes = set(h.national["code"].to_list())
        self.prov_by_name: dict[str, str] = {}
        self.pref_by_name: dict[str, str] = {}
        for c, n in h.national.select("code", "name_zh").sort("code").iter_rows():
            # 重庆市 names the province 50 and both 5001 (the city) and 5002 (its counties): the city wins
            (self.prov_by_name if len(c) == 2 else self.pref_by_name).setdefault(n, c)

    def resolve(self, v: str | None, parent: str, length: int) -> str | None:
        if v is None:
            return None
        if re.fullmatch(r"\d+", v):
            return v if len(v) == length and v in self.codes else "bad"
        code = self.by_name.get((parent, v))
        if code is None and length == 6:  # a county name is unique in the region
            code = self.county_by_name.get(v)
        return code or "bad"

    def destination(self, v: str | None) -> tuple[str | None, str | None]:
        """'四川省成都市' / '成都市' / '5101' / '51' → (province, prefecture)."""
        if v is None:
            return None, None
        if re.fullmatch(r"\d{2}|\d{4}|\d{6}", v):
            pref = v[:4] if len(v) >= 4 else None
            prov = v[:2]
            ok = prov in self.nat_codes and (pref is None or pref in self.nat_codes or pref in self.codes)
            return (prov, pref) if ok else ("bad", None)
        prov = next((c for n, c in self.prov_by_name.items() if v.startswith(n)), None)
        rest = v[len(self.h.name(prov)) :] if prov else v
        if prov and not rest:  # a municipality named alone (重庆市, 北京市): its city
            rest = v
        pref = next((c for n, c in self.pref_by_name.items() if rest.startswith(n) and (prov is None or c.startswith(prov))), None)
        if pref and not prov:
            prov = pref[:2]
        return (prov, pref) if prov else ("bad", None)


def _enum_lookup(e: schema.Enum) -> dict[str, str]:
    m = {}
    for code, (zh, en) in e.values.items():
        for k in (code, zh, en, re.sub(r"[()（）]", "", zh)):
            m[norm_header(k)] = code
    return m


ENUM_LOOKUP = {name: _enum_lookup(e) for name, e in schema.ENUMS.items()}
ENUM_LOOKUP["channel"].update(
    {
        norm_header(k): v
        for k, v in {
            "劳务派遣公司": "dispatch_company",
            "劳务公司": "dispatch_company",
            "务工联队": "government",
            "政府": "government",
            "企业": "enterprise",
            "自主": "self_found",
            "自行外出": "self_found",
            "经纪人": "broker",
            "合作社": "cooperative",
        }.items()
    }
)
ENUM_LOOKUP["dest_scope"].update(
    {
        norm_header(k): v
        for k, v in {
            "县内": "local",
            "跨县": "cross_county",
            "跨地市": "cross_prefecture",
            "区内跨地市": "cross_prefecture",
            "跨省": "cross_province",
            "区外": "cross_province",
            "省外": "cross_province",
        }.items()
    }
)


def _map_unique(df: pl.DataFrame, cols: list[str], fn, out: str, dtype) -> pl.DataFrame:
    """Apply a Python parser once per distinct value (or value tuple) and join the result back."""
    u = df.select(cols).unique()
    vals = [fn(*row) for row in u.iter_rows()]
    u = u.with_columns(pl.Series(out, vals, dtype=dtype))
    return df.join(u, on=cols, how="left", nulls_equal=True)


_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_LONG_DIGITS = re.compile(r"\d{11,}")
_PLACEHOLDERS = {
    "无",
    "待补充",
    "不详",
    "暂无",
    "空",
    "未知",
    "/",
    "-",
    "—",
    "--",
    "0",
    "null",
    "none",
    "n/a",
    "na",
    "x",
    "#n/a",
    "#value!",
    "#ref!",
    "#div/0!",
    "#name?",
    "#num!",
    "#null!",
}
HIDDEN_PII = "（个人信息，已隐去）"
HIDDEN_TEXT = "（非证件号文本，已隐去）"


def shown_value(column: str | None, value, pii: set[str] | frozenset = frozenset()) -> str | None:
    """What the reject report may show of a cell: ID-shaped text masked, phone numbers and long digit runs
    starred, a value found in the file's name / phone columns hidden, text in the ID column (often a name in a
    shifted row) hidden unless it is a placeholder like 无 / 待补充. At most 60 characters."""
    if value is None:
        return None
    v = str(value)
    if v in pii or (norm_text(v) or "") in pii:
        return HIDDEN_PII
    v = ids.redact(v)
    v = _PHONE.sub(lambda m: m.group(1) + "****" + m.group(2), v)
    v = _LONG_DIGITS.sub(lambda m: m.group(0)[:6] + "*" * (len(m.group(0)) - 6), v)
    if column in ("id_number", "record_id") and re.search(r"[^\dXx*.Ee+\-' ]", v) and (norm_text(v) or "").lower() not in _PLACEHOLDERS:
        return HIDDEN_TEXT
    return v[:60]


def _county(code: pl.Expr, lk: Lookup) -> pl.Expr:
    """The row's county when it could be read (for the county's own reject report), else null."""
    return pl.when(code.is_in(list(lk.county_by_name.values()))).then(code).otherwise(None).alias("_cty")


def _is_id(v: str | None) -> bool:
    return bool(v) and ids.is_valid(v) and classify_id(v)[1] is None


def with_source(df: pl.DataFrame, source: str) -> pl.DataFrame:
    """A loaded file's rows tagged with the file (`_file`) and, for a workbook of several sheets, file:sheet (`_source`)."""
    if "_sheet" not in df.columns:
        df = df.with_columns(_sheet=pl.lit("", dtype=pl.String))
    multi = df["_sheet"].n_unique() > 1
    return df.with_columns(
        _file=pl.lit(source, dtype=pl.String),
        _source=(pl.lit(source + ":") + pl.col("_sheet")) if multi else pl.lit(source, dtype=pl.String),
    )


def validate(
    df: pl.DataFrame, snapshot: dt.date, lk: Lookup, source: str | None = None, pii: set[str] | frozenset = frozenset()
) -> tuple[pl.DataFrame, list[dict], list[dict], dict]:
    """(accepted rows in schema form + `_source`,`_file`,`_sheet`,`_row`,`_id`; rejects; flags; counts), vectorised.

    The rows of all files of a run are validated together (`with_source` tags each file's rows; `source` tags a
    frame that is one file). Each distinct value is parsed once; the first failing check of a row is its reason.
    """
    text_cols = [c for c in df.columns if not c.startswith("_") and not c.endswith("__k")]
    df = df.with_columns(
        [
            pl.col(c)
            .cast(pl.String)
            .str.normalize("NFKC")
            .str.replace_all(ZERO_WIDTH, "")
            .str.replace_all(r"\s+", " ")
            .str.strip_chars()
            .replace("", None)
            for c in text_cols
        ]
    )
    df = df.with_columns(
        [pl.lit(None, dtype=pl.String).alias(c) for c in HEADERS if c not in df.columns]
        + [pl.lit(None, dtype=pl.String).alias(f"{c}__k") for c in HEADERS if f"{c}__k" not in df.columns]
    )
    if "_unit" not in df.columns:
        df = df.with_columns(_unit=pl.lit(1.0))
    if "_file" not in df.columns:
        df = with_source(df, source or "")
    df = df.with_columns(classify_ids(df["id_number"], df["id_number__k"] == readers.KIND_NUMBER))
    # a record id that is an ID number (or the row's own ID) is never stored: a derived id replaces it
    run = pl.col("record_id").str.to_uppercase().str.extract(r"(?:^|[^0-9])(\d{17}[0-9X])(?:[^0-9]|$)", 1)
    df = df.with_columns(_rid_run=run)
    df = _map_unique(df, ["_rid_run"], _is_id, "_rid_id", pl.Boolean)
    own = (
        pl.col("record_id").str.replace_all(r"\s", "").str.to_uppercase()
        == pl.col("id_number").str.replace_all(r"\s", "").str.strip_chars_start("'`‘’\"").str.to_uppercase()
    )
    rid_pii = pl.col("_rid_id").fill_null(False) | own.fill_null(False)
    df = df.with_columns(_rid_pii=rid_pii).with_columns(record_id=pl.when(pl.col("_rid_pii")).then(None).otherwise(pl.col("record_id")))
    # regions: names resolved inside their parent
    df = _map_unique(df, ["county"], lambda v: lk.resolve(v, "", 6), "county_code", pl.String)
    df = _map_unique(df, ["prefecture"], lambda v: lk.resolve(v, REGION, 4), "_pref", pl.String)
    df = _map_unique(
        df, ["county_code", "township"], lambda c, v: lk.resolve(v, c, 9) if c not in (None, "bad") else None, "township_code", pl.String
    )
    df = _map_unique(
        df, ["township_code", "village"], lambda t, v: lk.resolve(v, t, 12) if t not in (None, "bad") else None, "village_code", pl.String
    )
    for col in ("education", "channel", "job_source", "industry", "training_type", "dest_scope"):
        m = ENUM_LOOKUP[col]
        df = _map_unique(df, [col], lambda v, m=m: None if v is None else m.get(norm_header(v), "bad"), f"{col}_code", pl.String)
    for col in FLAGS:
        df = _map_unique(df, [col], lambda v: {True: "1", False: "0", None: None}.get(parse_flag(v), "bad"), f"{col}_f", pl.String)
    for col in ("start_date", "end_date", "reported_date"):
        df = _map_unique(
            df, [col], lambda v: (lambda d: d.isoformat() if isinstance(d, dt.date) else d)(parse_date(v)), f"{col}_d", pl.String
        )
    dest_src = pl.coalesce("dest_prefecture", "dest_province", "destination")
    df = df.with_columns(_dest=dest_src)
    df = _map_unique(df, ["_dest"], lambda v: "|".join(x or "" for x in lk.destination(v)) if v else None, "_dest_pp", pl.String)
    months_elapsed = (snapshot - dt.date(snapshot.year, 1, 1)).days / 30.4 + 1

    def num(c: str, suffix: str) -> pl.Expr:
        x = pl.col(c).str.replace_all(",", "").str.strip_chars_start("'`‘’\"").str.replace(suffix, "").cast(pl.Float64, strict=False)
        return pl.when(x.is_finite()).then(x)

    d = {
        c: pl.when(pl.col(f"{c}_d") != "bad").then(pl.col(f"{c}_d")).str.to_date("%Y-%m-%d", strict=False)
        for c in ("start_date", "end_date", "reported_date")
    }
    df = df.with_columns(
        **{f"_{k}": v for k, v in d.items()},
        _months=num("months_employed", r"(个)?月$"),
        _income=num("income_yuan", r"元$") * pl.col("_unit"),
        _prov=pl.col("_dest_pp").str.split("|").list.get(0, null_on_oob=True).replace("", None),
        _dpref=pl.col("_dest_pp").str.split("|").list.get(1, null_on_oob=True).replace("", None),
    )
    k = {c: pl.col(f"{c}__k") for c in HEADERS}
    # the first failing check decides the reason (ordered like the form is read)
    checks: list[tuple[pl.Expr, str, str]] = [
        *[(k[c] == readers.KIND_FORMULA, c, "formula") for c in HEADERS],
        *[(k[c] == readers.KIND_ERROR, c, "cell_error") for c in HEADERS],
        (pl.col("id_number").is_null(), "id_number", "missing"),
        (pl.col("county").is_null(), "county", "missing"),
        (pl.col("township").is_null(), "township", "missing"),
        (pl.col("channel").is_null(), "channel", "missing"),
        (pl.col("start_date").is_null(), "start_date", "missing"),
        (pl.col("_id_err") == "id_numeric", "id_number", "id_numeric"),
        (pl.col("_id_err") == "id_format", "id_number", "id_format"),
        (pl.col("_id_err") == "id_birth", "id_number", "id_birth"),
        (pl.col("_id_err") == "id_check", "id_number", "id_check"),
        (pl.col("_id_err") == "missing", "id_number", "missing"),  # only quotes or invisible characters
        (pl.col("_id").is_null(), "id_number", "id_format"),  # never expected: no row goes on without an ID
        ((pl.col("county_code") == "bad") | ~pl.col("county_code").str.starts_with(REGION), "county", "region_unknown"),
        (pl.col("_pref") == "bad", "prefecture", "region_unknown"),
        (pl.col("_pref").is_not_null() & (pl.col("_pref") != pl.col("county_code").str.slice(0, 4)), "prefecture", "region_inconsistent"),
        (pl.col("township_code") == "bad", "township", "region_unknown"),
        (~pl.col("township_code").str.starts_with(pl.col("county_code")), "township", "region_inconsistent"),
        (pl.col("village_code") == "bad", "village", "region_unknown"),
        (
            pl.col("village_code").is_not_null() & ~pl.col("village_code").str.starts_with(pl.col("township_code")),
            "village",
            "region_inconsistent",
        ),
        *[
            (pl.col(f"{c}_code") == "bad", c, "enum")
            for c in ("education", "channel", "job_source", "industry", "training_type", "dest_scope")
        ],
        *[(pl.col(f"{c}_f") == "bad", c, "flag") for c in FLAGS],
        *[(pl.col(f"{c}_d") == "bad", c, "date") for c in ("start_date", "end_date", "reported_date")],
        *[(pl.col(f"_{c}") < DATE_MIN, c, "date_range") for c in ("start_date", "end_date", "reported_date")],
        (pl.col("_start_date") > snapshot, "start_date", "date_future"),
        (pl.col("_end_date") < pl.col("_start_date"), "end_date", "date_order"),
        (pl.col("_prov") == "bad", "destination", "region_unknown"),
        (pl.col("dest_scope_code").is_null() & pl.col("_prov").is_null(), "dest_scope", "missing"),
        (k["months_employed"] == readers.KIND_DATE, "months_employed", "cell_date"),
        (pl.col("months_employed").is_not_null() & pl.col("_months").is_null(), "months_employed", "number"),
        ((pl.col("_months") < 0) | (pl.col("_months") > min(12.0, months_elapsed)), "months_employed", "months"),
        (k["income_yuan"] == readers.KIND_DATE, "income_yuan", "cell_date"),
        (pl.col("income_yuan").is_not_null() & pl.col("_income").is_null(), "income_yuan", "number"),
        (pl.col("_income") < 0, "income_yuan", "income"),
        (pl.col("_income") > INCOME_MAX, "income_yuan", "income_range"),
    ]
    reason = pl.lit(None, dtype=pl.String)
    column = pl.lit(None, dtype=pl.String)
    for cond, col, code in reversed(checks):
        reason = pl.when(cond.fill_null(False)).then(pl.lit(code)).otherwise(reason)
        column = pl.when(cond.fill_null(False)).then(pl.lit(col)).otherwise(column)
    df = df.with_columns(_reason=reason, _column=column)
    value = pl.lit(None, dtype=pl.String)
    for c in HEADERS:
        value = pl.when(pl.col("_column") == c).then(pl.col(c)).otherwise(value)
    bad = df.filter(pl.col("_reason").is_not_null()).select(
        "_file", "_sheet", "_row", "_column", "_reason", value.alias("_value"), _county(pl.col("county_code"), lk)
    )
    rejects = []
    shown: dict[tuple, str | None] = {}
    for file, sheet, row, col, code, raw, cty in bad.iter_rows():
        key = (col, raw)
        if key not in shown:
            shown[key] = shown_value(col, raw, pii)
        rejects.append(
            {
                "source_file": file,
                "sheet": sheet,
                "row": row,
                "column": col,
                "value": shown[key],
                "reason": code,
                "reason_zh": R[code][0],
                "reason_en": R[code][1],
                "county_code": cty,
            }
        )
    good = df.filter(pl.col("_reason").is_null())
    county = pl.col("county_code")
    scope = pl.coalesce(
        pl.col("dest_scope_code"),
        pl.when(pl.col("_prov") != REGION)
        .then(pl.lit("cross_province"))
        .when(pl.col("_dpref").is_not_null() & (pl.col("_dpref") != county.str.slice(0, 4)))
        .then(pl.lit("cross_prefecture"))
        .when(pl.col("_dpref").is_null())
        .then(pl.lit("local"))
        .otherwise(pl.lit("cross_county")),
    )
    good = good.with_columns(dest_scope=scope)
    good = good.with_columns(
        dest_province_code=pl.coalesce("_prov", pl.when(pl.col("dest_scope") != "cross_province").then(pl.lit(REGION))),
        dest_prefecture_code=pl.coalesce(
            "_dpref", pl.when(pl.col("dest_scope").is_in(["local", "cross_county"])).then(county.str.slice(0, 4))
        ),
    )
    miss_dest = good.filter(pl.col("dest_province_code").is_null() | pl.col("dest_prefecture_code").is_null())
    for file, sheet, row, dest, cty in miss_dest.select("_file", "_sheet", "_row", "destination", "county_code").iter_rows():
        rejects.append(
            {
                "source_file": file,
                "sheet": sheet,
                "row": row,
                "column": "destination",
                "value": shown_value("destination", dest, pii),
                "reason": "missing",
                "reason_zh": R["missing"][0],
                "reason_en": R["missing"][1],
                "county_code": cty,
            }
        )
    good = good.filter(pl.col("dest_province_code").is_not_null() & pl.col("dest_prefecture_code").is_not_null())
    flag = {c: pl.col(f"{c}_f").replace_strict({"1": True, "0": False}, default=None, return_dtype=pl.Boolean) for c in FLAGS}
    out = good.select(
        "_id",
        "_row",
        "_source",
        "_file",
        "_sheet",
        "record_id",
        "county_code",
        county.str.slice(0, 4).alias("prefecture_code"),
        "township_code",
        "village_code",
        pl.col("education_code").alias("education"),
        pl.col("channel_code").alias("channel"),
        pl.col("job_source_code").alias("job_source"),
        pl.col("industry_code").alias("industry"),
        pl.col("training_type_code").alias("training_type"),
        "dest_scope",
        "dest_province_code",
        "dest_prefecture_code",
        *[flag[c].alias(c) for c in FLAGS if c not in ("organized", "trained")],
        pl.coalesce(flag["organized"], pl.col("channel_code").is_in(list(schema.ORGANIZED_CHANNELS))).alias("organized"),
        (flag["trained"].fill_null(False) | pl.col("training_type_code").is_not_null()).alias("trained"),
        pl.col("_start_date").alias("start_date"),
        pl.col("_end_date").alias("end_date"),
        pl.col("_reported_date").alias("reported_date"),
        pl.col("_months").fill_null(0).alias("months_employed"),
        pl.col("_income").fill_null(0).alias("income_yuan"),
        "_unit",
        "_rid_pii",
    )

    def rows_where(cond: pl.Expr, name: str) -> list[dict]:
        return [
            {"source_file": f, "sheet": s, "row": r, "flag": name, "county_code": c}
            for f, s, r, c in out.filter(cond).select("_file", "_sheet", "_row", "county_code").iter_rows()
        ]

    flags = rows_where(pl.col("village_code").is_null(), "no_village")
    flags += rows_where(pl.col("_id").str.slice(0, 6) != pl.col("county_code"), "id_region")
    age = snapshot.year - pl.col("_id").str.slice(6, 4).cast(pl.Int32)
    flags += rows_where(~age.is_between(16, 65), "age")
    inc = pl.col("income_yuan")
    flags += rows_where(
        ((pl.col("_unit") == 1) & (inc > 0) & (inc < 100) & (pl.col("months_employed") >= 1))
        | ((pl.col("_unit") > 1) & (inc >= 1_000_000)),
        "income_unit",
    )
    stats = {"record_ids_replaced": int(out["_rid_pii"].sum())}
    return out.drop("_unit", "_rid_pii"), rejects, flags, stats


# ---------------------------------------------------------------- the whole run

Progress = Callable[[float, str], None]


_LOOKUP: list = [None, None]


def _lookup(h: hierarchy.Hierarchy) -> Lookup:
    """The region lookup of this hierarchy, built once per process (hierarchy.load() is cached)."""
    if _LOOKUP[0] is not h:
        _LOOKUP[:] = [h, Lookup(h)]
    return _LOOKUP[1]


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_FATAL = (KeyboardInterrupt, SystemExit, GeneratorExit)


def _internal(name: str, e: BaseException) -> dict:
    """A file that hit a bug or ran out of memory: a message, never a traceback (the fuzz counts these)."""
    if isinstance(e, MemoryError) or "spawn" in str(e) or "alloc" in str(e):
        return {
            "file": name,
            "code": "memory",
            "zh": "文件过大，内存不足，无法导入：请按县区或乡镇拆分后导入。",
            "en": "The file is too large for the memory available: split it by county or township.",
        }
    return {
        "file": name,
        "code": "internal",
        "zh": f"处理此文件时出现内部错误（{type(e).__name__}），未导入任何数据：请把文件交给技术人员。",
        "en": f"Internal error while processing this file ({type(e).__name__}); nothing was loaded: "
        "please pass the file on to the technical team.",
    }


def ingest(
    files: list[Path],
    snapshot: dt.date,
    data_dir: Path | None = None,
    user: str | None = None,
    key: bytes | None = None,
    progress: Progress | None = None,
    write: bool = True,
    report: Path | None = None,
    replace_week: bool = False,
    when: dt.datetime | None = None,
    scope: str | None = None,
    derived: bool = True,
) -> Result:
    """Read, validate and (with `write`) store the files as the snapshot of `snapshot`; see the module doc.

    `report`: also write the reject report there (whatever happens; the upload page offers it for download).
    `when`: the submission's time (default now). `scope`: the uploader's area; rows of a county outside it are
    rejected (a county's staff sends its own county only). `derived=False` leaves the week's derived files to
    be built later (the demo builder ingests several submissions of a week, then builds them once).
    """
    t0 = time.perf_counter()
    say = progress or (lambda f, m: None)
    data_dir = Path(data_dir or settings.data_dir())
    key = key or ids.load_key(settings.SETTINGS["secret_key_file"].get())
    lk = _lookup(hierarchy.load())
    res = Result(snapshot)
    loaded, pii, rejects, flags = [], set(), [], []
    for i, f in enumerate(files):
        f = Path(f)
        say(i / max(1, len(files)) * 0.5, f"{f.name}: 读取 / reading")
        info = {"file": f.name, "sha256": None, "rows": 0, "sheets": [], "sheets_skipped": []}
        res.files.append(info)
        try:
            if not f.is_file():
                raise IngestError("文件不存在。", "File not found.", "missing")
            info["sha256"] = sha256(f)
            ld = load_file(f)
            info["sheets"], info["sheets_skipped"] = ld.sheets, ld.skipped
        except IngestError as e:
            res.file_errors.append({"file": f.name, "code": e.code, "zh": e.zh, "en": e.en})
            continue
        except _FATAL:
            raise
        except BaseException as e:  # any file gets an answer, never a traceback (a Rust panic is a BaseException)
            res.file_errors.append(_internal(f.name, e))
            continue
        info["rows"] = ld.frame.height
        res.rows_in += ld.frame.height
        if ld.extra:
            res.extra_columns[f.name] = ld.extra
        if ld.dropped_cells:
            res.notes.append(
                {
                    "zh": f"{f.name}：表头范围以外的 {ld.dropped_cells:,} 个单元格未读取。",
                    "en": f"{f.name}: {ld.dropped_cells:,} cells outside the header's columns were not read.",
                }
            )
        loaded.append(with_source(ld.frame, f.name))
        pii |= ld.pii
    frames = []
    if loaded:
        say(0.5, f"校验 {res.rows_in:,} 行 / validating")
        results, errors = _validate_all(loaded, snapshot, lk, pii)
        res.file_errors += errors
        for ok, rj, fl, stats in results:
            res.record_ids_replaced += stats["record_ids_replaced"]
            rejects += rj
            flags += fl
            if ok.height:
                frames.append(ok)
    if scope and frames:  # a county's staff may replace its own county only: other counties' rows are refused
        outside = [f.filter(~pl.col("county_code").str.starts_with(scope)) for f in frames]
        for o in outside:
            rejects += [
                {
                    "source_file": fi,
                    "sheet": sh,
                    "row": r,
                    "column": "county",
                    "value": c,
                    "reason": "out_of_scope",
                    "reason_zh": R["out_of_scope"][0],
                    "reason_en": R["out_of_scope"][1],
                    "county_code": c,
                }
                for fi, sh, r, c in o.select("_file", "_sheet", "_row", "county_code").iter_rows()
            ]
        frames = [f.filter(pl.col("county_code").str.starts_with(scope)) for f in frames]
        flags = [f for f in flags if (f.get("county_code") or "").startswith(scope)]
    try:
        accepted = pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()
        if accepted.height:
            accepted, dups = _dedupe(accepted)
            res.duplicates = len(dups)
            for d in dups:
                rejects.append(
                    {
                        "source_file": d["_file"],
                        "sheet": d["_sheet"],
                        "row": d["_row"],
                        "column": "id_number",
                        "value": ids.mask(d["_id"]),
                        "reason": "duplicate",
                        "reason_zh": R["duplicate"][0],
                        "reason_en": R["duplicate"][1],
                        "county_code": d["county_code"],
                    }
                )
            from queries.derived import partition, previous

            before = previous(snapshot, data_dir)
            accepted, outliers = _finish(accepted, snapshot, key, partition(before, data_dir) / "records.parquet" if before else None)
            flags += outliers
    except _FATAL:
        raise
    except BaseException as e:
        res.file_errors.append(_internal("*", e))
        accepted = pl.DataFrame()
    if scope:  # a sender's refused rows are the sender's: never another county's report or history
        own = scope if len(scope) == 6 else None
        for r in rejects:
            if not (r.get("county_code") or "").startswith(scope):
                r["county_code"] = own
    res.accepted = accepted.height
    res.rejected = len(rejects)
    if res.accepted + res.rejected != res.rows_in:  # a bug, never expected: refuse rather than lose a row
        res.contract.append(f"rows_in {res.rows_in} != accepted {res.accepted} + rejected {res.rejected}")
    res.rejects = pl.DataFrame(rejects, schema=REJECT_SCHEMA)
    res.by_reason = dict(res.rejects["reason"].value_counts().iter_rows()) if rejects else {}
    res.flagged = pl.DataFrame(flags, schema=FLAG_SCHEMA)
    res.flags = dict(res.flagged["flag"].value_counts().iter_rows()) if flags else {}
    snapshot_frame = None
    if res.accepted and not res.file_errors:
        snapshot_frame = accepted.select([pl.col(c.name).cast(c.dtype) for c in schema.COLUMNS])
        if write:  # this submission's counties replace their own rows; the other counties' stay or carry forward
            from tracker import submissions

            submitted, stamp = snapshot_frame, (when or dt.datetime.now()).isoformat(timespec="seconds")
            snapshot_frame, res.counties = submissions.merge(
                snapshot_frame, snapshot, data_dir, stamp, user or getpass.getuser(), replace_week
            )
        from tracker.contracts import check_snapshot  # the same data contract as the fixture and the demo

        res.contract += [f"{v.check} {v.column}: {v.rows} ({v.example})" for v in check_snapshot(snapshot_frame, lk.h)]
    if write and snapshot_frame is not None and not res.contract:
        say(0.9, "写入快照 / writing the snapshot")
        try:
            _write_all(res, snapshot_frame, [Path(f) for f in files], data_dir, snapshot, user or getpass.getuser(), stamp, derived)
            try:  # the history (and each county's rows, for rollback); the snapshot is live either way
                submissions.record(data_dir, snapshot, submitted, res, user or getpass.getuser(), stamp)
            except OSError as e:
                res.notes.append({"zh": f"报送记录未保存：{e.strerror}", "en": f"Submission history not saved: {e.strerror}"})
            if not replace_week:  # later weeks that carry these counties now carry this week's rows
                try:
                    for d in submissions.refresh_carried(snapshot, data_dir, derived):
                        res.notes.append(
                            {
                                "zh": f"{d.isoformat()}：未报送县区的沿用数据已按本周更新。",
                                "en": f"{d.isoformat()}: the counties carried there now carry this week's data.",
                            }
                        )
                except OSError as e:  # this week is live; the later week keeps its older carried rows
                    res.notes.append(
                        {
                            "zh": f"后续周的沿用数据未能更新：{e.strerror}",
                            "en": f"The carried data of later weeks was not updated: {e.strerror}",
                        }
                    )
        except _FATAL:
            raise
        except BaseException as e:  # a full disk (OSError) or anything else: nothing written, temporary files gone
            res.partition = None
            why = getattr(e, "strerror", None) or type(e).__name__
            res.write_error = {
                "zh": f"写入失败（{why}），快照未更新，已写入的临时文件已清理；请检查磁盘空间后重新导入。",
                "en": f"Writing failed ({why}): the snapshot was not changed and the temporary files "
                "were removed. Check the disk space and load the files again.",
            }
    if report is not None:
        try:
            res.report = write_reject_report(res, Path(report))
        except (OSError, MemoryError):
            res.report = None
    res.seconds = time.perf_counter() - t0
    say(1.0, "完成 / done")
    return res


def _validate_all(loaded: list[pl.DataFrame], snapshot: dt.date, lk: Lookup, pii: set[str]) -> tuple[list, list[dict]]:
    """Every file's rows validated in one pass; if that fails, file by file, so the failing file is named."""
    try:
        return [validate(pl.concat(loaded, how="diagonal_relaxed"), snapshot, lk, pii=pii)], []
    except _FATAL:
        raise
    except BaseException as e:
        if len(loaded) == 1:
            return [], [_internal(loaded[0]["_file"][0] if loaded[0].height else "*", e)]
    out, errors = [], []
    for part in loaded:
        try:
            out.append(validate(part, snapshot, lk, pii=pii))
        except _FATAL:
            raise
        except BaseException as e:
            errors.append(_internal(part["_file"][0] if part.height else "*", e))
    return out, errors


def _audit_head() -> dict | None:
    """The audit log's head (line count, MAC) as of this week: an external anchor, checked by `audit.confirms`."""
    from tracker import audit

    try:
        n, mac = audit.head()
    except OSError:
        return None
    return {"lines": n, "mac": mac}


def identity() -> pl.Expr:
    """What makes two rows the same placement. With the ledger's own record id: that id (as before, per file,
    person, start, channel and county). Without one (most real exports): the person, the placement's start
    date and the reporting county, whatever the file name, sheet, row or column order; a changed destination,
    channel, flag, industry, months or income is then a restatement of the same record."""
    given = pl.concat_str(
        [
            pl.lit("R"),
            pl.col("_file"),
            pl.col("record_id"),
            pl.col("_id"),
            pl.col("start_date").cast(pl.String),
            pl.col("channel").fill_null(""),
            pl.col("county_code"),
        ],
        separator="|",
    )
    derived = pl.concat_str([pl.lit("P"), pl.col("_id"), pl.col("start_date").cast(pl.String), pl.col("county_code")], separator="|")
    return pl.when(pl.col("record_id").is_null()).then(derived).otherwise(given)


def _dedupe(df: pl.DataFrame) -> tuple[pl.DataFrame, list[dict]]:
    """Two rows of one placement (any file, any sheet): keep the first, report the rest as duplicates."""
    is_dup = df.select(identity().is_first_distinct().not_().alias("d"))["d"]
    dups = df.filter(is_dup).select("_file", "_sheet", "_row", "_id", "county_code").to_dicts()
    return df.filter(~is_dup), dups


def _finish(df: pl.DataFrame, snapshot: dt.date, key: bytes, prev_records: Path | None = None) -> tuple[pl.DataFrame, list[dict]]:
    """Hash and mask IDs, derive gender/birth year, record ids, counting unit; income outliers."""
    df = df.with_columns(
        person_key=ids.person_keys(df["_id"], key),
        id_masked=ids.mask_expr("_id"),
        id_check_ok=pl.lit(True),
        gender=pl.when(pl.col("_id").str.slice(16, 1).cast(pl.Int32) % 2 == 1).then(pl.lit("M")).otherwise(pl.lit("F")),
        birth_year=pl.col("_id").str.slice(6, 4).cast(pl.Int16),
        job_source=pl.col("job_source").fill_null("flexible"),
        industry=pl.col("industry").fill_null("other"),
        _given_reported=pl.col("reported_date"),
        months_employed=pl.col("months_employed").cast(pl.Float64).round(1),
        income_yuan=pl.col("income_yuan").cast(pl.Float64).round().cast(pl.Int64),
    )
    df = df.with_columns([pl.col(c).fill_null(False) for c in GROUP_FLAGS])
    # record ids: the ledger's own when given, else derived from the placement's identity (see `identity`)
    df = df.with_columns(
        record_id=pl.coalesce(pl.col("record_id"), ids.placement_ids(df["person_key"], df["start_date"], df["county_code"]))
    )
    if prev_records is not None and prev_records.exists():  # 录入时间 missing: the week the record first appeared
        seen = pl.read_parquet(prev_records, columns=["record_id", "reported_date"]).unique("record_id", keep="first")
        df = (
            df.join(seen.rename({"reported_date": "_seen"}), on="record_id", how="left")
            .with_columns(reported_date=pl.coalesce("_given_reported", "_seen", pl.lit(snapshot)))
            .drop("_seen")
        )
    else:
        df = df.with_columns(reported_date=pl.coalesce("_given_reported", pl.lit(snapshot)))
    df = df.with_columns(
        record_id=pl.when(pl.col("record_id").is_duplicated())
        .then(pl.col("record_id") + "#" + pl.int_range(pl.len()).over("record_id").cast(pl.String))
        .otherwise(pl.col("record_id"))
    )
    from tracker.submissions import counting_units

    df = counting_units(df)
    per_month = pl.col("income_yuan") / pl.col("months_employed").clip(lower_bound=0.5)
    med = df.select(per_month.median()).item() or 0
    out = df.with_columns(_pm=per_month).filter((pl.col("_pm") > max(20_000, 10 * med)) & (pl.col("income_yuan") > 0))
    flags = [
        {"source_file": f, "sheet": s, "row": r, "flag": "income_outlier"} for f, s, r in out.select("_file", "_sheet", "_row").iter_rows()
    ]
    return df.sort("county_code", "township_code", "village_code", "record_id", nulls_last=True), flags


# ---------------------------------------------------------------- writing (all or nothing)

_private_dir = rejects_mod.private_dir


def _copy_private(src: Path, dest: Path) -> None:
    """Copy to a new 0600 file, flushed to disk (a full disk raises here, not later)."""
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out, open(src, "rb") as inp:
        shutil.copyfileobj(inp, out, 1 << 20)
        out.flush()
        os.fsync(out.fileno())


def _write_all(
    res: Result, frame: pl.DataFrame, files: list[Path], data_dir: Path, snapshot: dt.date, user: str, stamp: str, derived: bool = True
) -> None:
    """Archive copies and reject reports under temporary names, then the snapshot swap, then the renames.

    On any failure the temporary files and the snapshot's staging directory are removed and the live snapshot
    is what it was; the exception goes up to `ingest`, which turns it into a message. The run's reject report
    covers every file of the run; each county of the run also gets its own (see `submissions.report_path`).
    """
    from tracker import submissions

    day = snapshot.isoformat()
    tag = f".tmp-{os.getpid()}-{time.monotonic_ns()}"
    staged: list[tuple[Path, Path]] = []
    try:
        arch = _private_dir(_private_dir(data_dir / "archive") / day)
        for f in files:
            final = arch / f"{sha256(f)[:16]}-{f.name}"
            tmp = arch / f"{tag}-{f.name}"
            staged.append((tmp, final))
            _copy_private(f, tmp)
        rej = _private_dir(_private_dir(data_dir / "rejects") / day)
        run_report = rej / f"run-{len(list(rej.glob('run-*.parquet'))) + 1:03d}-{stamp.replace(':', '')}.parquet"
        for county, (rj, fl) in _by_county(res).items():
            final = submissions.report_path(data_dir, snapshot, county, submissions.next_seq(data_dir, snapshot, county))
            _private_dir(final.parent)
            tmp = final.with_name(f"{tag}-{final.name}")
            staged.append((tmp, final))
            rejects_mod.store(rj, fl, tmp)
        tmp = rej / f"{tag}-run.parquet"
        staged.append((tmp, run_report))
        rejects_mod.store(_or_empty(res.rejects, REJECT_SCHEMA), _or_empty(res.flagged, FLAG_SCHEMA), tmp)
        part = data_dir / "snapshots" / f"snapshot_date={day}"
        before = submissions.read_manifest(part)  # the week's earlier runs stay listed
        this_run = {
            "time": stamp,
            "user": user,
            "files": res.files,
            "rows_in": res.rows_in,
            "accepted": res.accepted,
            "rejected": res.rejected,
            "duplicates": res.duplicates,
            "rejected_by_reason": res.by_reason,
            "flags": res.flags,
            "counties": sorted(c for c, v in res.counties.items() if v.get("this_run")),
            "report": str(run_report.relative_to(data_dir)),
        }
        manifest = {
            "snapshot_date": day,
            "files": res.files,
            "rows_in": res.rows_in,
            "accepted": res.accepted,
            "rejected": res.rejected,
            "duplicates": res.duplicates,
            "rejected_by_reason": res.by_reason,
            "flags": res.flags,
            "file_errors": res.file_errors,
            "record_ids_replaced": res.record_ids_replaced,
            "contract_violations": res.contract,
            "time": stamp,
            "user": user,
            "audit_head": _audit_head(),
            "counties": {c: {k: v for k, v in e.items() if k != "this_run"} for c, e in res.counties.items()},
            "runs": [*before.get("runs", []), this_run],
        }
        res.partition = write_snapshot(
            frame,
            data_dir,
            snapshot,
            derived=derived,
            extra_files={"manifest.json": json.dumps(manifest, ensure_ascii=False, indent=1).encode()},
        )
    except BaseException:
        for tmp, _final in staged:
            tmp.unlink(missing_ok=True)
        staging = data_dir / ".staging"
        if staging.is_dir():  # write_snapshot's own staging directory of this process, if it stopped half-way
            for p in staging.glob(f"{day}-{os.getpid()}-*"):
                shutil.rmtree(p, ignore_errors=True)
        raise
    for tmp, final in staged:
        os.replace(tmp, final)
    res.stored_report = run_report
    if not derived:
        return
    try:
        from tracker.generate import _prebuild_dims

        _prebuild_dims(data_dir, [snapshot])
    except (OSError, MemoryError) as e:  # derived files are rebuilt on first use: the snapshot itself is complete
        res.notes.append(
            {
                "zh": f"派生文件未能预先生成（{type(e).__name__}），首次查看时会自动生成。",
                "en": f"Derived files were not prebuilt ({type(e).__name__}); they are built on first use.",
            }
        )


def _by_county(res: Result) -> dict[str, tuple[pl.DataFrame, pl.DataFrame]]:
    """Each county of the run (accepted or rejected rows) with its own rejected and flagged rows."""
    rj = res.rejects if res.rejects is not None else pl.DataFrame(schema=REJECT_SCHEMA)
    fl = res.flagged if res.flagged is not None else pl.DataFrame(schema=FLAG_SCHEMA)
    mine = {c for c, v in res.counties.items() if v.get("this_run")} | set(rj["county_code"].drop_nulls().to_list())
    return {c: (rj.filter(pl.col("county_code") == c), fl.filter(pl.col("county_code") == c)) for c in sorted(mine)}


def write_reject_report(res: Result, path: Path, rejects: pl.DataFrame | None = None, flagged: pl.DataFrame | None = None) -> Path:
    """Summary, rejected rows and flags (the run's, or one county's when given) as Excel: text neutralised (no
    formulas), ID-shaped text masked, file mode 0600."""
    return rejects_mod.write_xlsx(
        path,
        res.summary("zh").splitlines(),
        rejects if rejects is not None else _or_empty(res.rejects, REJECT_SCHEMA),
        flagged if flagged is not None else _or_empty(res.flagged, FLAG_SCHEMA),
    )


def _or_empty(df: pl.DataFrame | None, schema_: dict) -> pl.DataFrame:
    return df if df is not None else pl.DataFrame(schema=schema_)


# ---------------------------------------------------------------- command line


def _limit(memory_mb: int, cpu_seconds: int) -> None:
    """Address-space and CPU-time limits of this process (the upload page's child)."""
    import resource

    if memory_mb:
        limit = int(memory_mb) << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if cpu_seconds:
        resource.setrlimit(resource.RLIMIT_CPU, (int(cpu_seconds), int(cpu_seconds) + 5))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Ingest ledger exports into a weekly snapshot (exit codes: see the module doc).")
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--snapshot-date", required=True, type=dt.date.fromisoformat)
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--user", default=None)
    ap.add_argument("--lang", default="zh", choices=["zh", "en"])
    ap.add_argument("--report", type=Path, default=None, help="also write the reject report here (whatever happens)")
    ap.add_argument("--json-out", type=Path, default=None, help="write the result as JSON here (for the upload page)")
    ap.add_argument("--max-memory-mb", type=int, default=0, help="address-space limit of this process (0 = none)")
    ap.add_argument("--max-cpu-seconds", type=int, default=0, help="CPU-time limit of this process (0 = none)")
    ap.add_argument("--progress-lines", action="store_true", help="progress as '@progress <fraction> <text>' lines")
    ap.add_argument(
        "--replace-week",
        action="store_true",
        help="the files are the whole week (the old behaviour); default: they replace only their counties",
    )
    ap.add_argument("--dry-run", action="store_true", help="read and validate only; write nothing to the data dir")
    ap.add_argument("--scope", default=None, help="the uploader's area code: rows of counties outside it are refused")
    a = ap.parse_args(argv)
    if a.max_memory_mb or a.max_cpu_seconds:
        _limit(a.max_memory_mb, a.max_cpu_seconds)

    def bar(frac: float, msg: str) -> None:
        if a.progress_lines:
            print(f"@progress {frac:.4f} {msg}", file=sys.stderr, flush=True)
            return
        filled = int(frac * 30)
        print(f"\r[{'#' * filled}{'.' * (30 - filled)}] {frac:5.1%} {msg[:50]:<50}", end="", file=sys.stderr)

    try:
        res = ingest(
            a.files,
            a.snapshot_date,
            a.data_dir,
            a.user,
            progress=bar,
            write=not a.dry_run,
            report=a.report,
            replace_week=a.replace_week,
            scope=a.scope,
        )
    except _FATAL:
        raise
    except BaseException as e:  # out of memory (or a thread that could not start) outside a file's own handling
        msg = {
            "zh": f"内存不足或内部错误（{type(e).__name__}），导入已停止，未写入任何数据。",
            "en": f"Out of memory or an internal error ({type(e).__name__}): ingest stopped, nothing was written.",
        }
        print(msg[a.lang], file=sys.stderr)
        if a.json_out:
            _write_json(
                a.json_out,
                {"exit_code": 3, "file_errors": [{"file": "*", "code": "memory", **msg}], "summary_zh": msg["zh"], "summary_en": msg["en"]},
            )
        return 3
    if not a.progress_lines:
        print(file=sys.stderr)
    print(res.summary(a.lang))
    if res.partition:
        print(("快照：" if a.lang == "zh" else "Snapshot: ") + str(res.partition))
    if a.json_out:
        _write_json(a.json_out, res.to_json())
    print(f"{res.seconds:.1f} s", file=sys.stderr)
    return res.exit_code


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


if __name__ == "__main__":
    raise SystemExit(main())
