"""Turn the weekly ledger exports (实名制台账, .xlsx / .csv, Chinese headers) into a snapshot.

    python -m tracker.ingest FILE [FILE …] --snapshot-date YYYY-MM-DD [--data-dir DIR] [--user NAME]

Every row in is accounted for: accepted + rejected = rows read, always. Valid rows go to the
snapshot partition (written to a temporary directory and renamed into place), rejected rows to a
reject report with a reason in Chinese and English, the original files to an archive with their
checksums, and a manifest records what happened. The raw ID number never leaves this module: the
snapshot holds only the keyed hash (HMAC-SHA256, secret key outside data/ and the repo) and the
masked form. Exit codes: 0 all rows accepted, 1 some rows rejected, 2 nothing usable.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import getpass
import hashlib
import hmac
import io
import json
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

from tracker import hierarchy, ids, schema, settings
from tracker.generate import write_snapshot

# one mapping of accepted header spellings -> canonical column (compared after normalising:
# full-width to half-width, spaces and brackets removed, lower case)
HEADERS: dict[str, list[str]] = {
    "id_number": ["身份证号", "公民身份号码", "身份证号码", "身份证", "证件号码", "id_number", "id"],
    "record_id": ["记录编号", "序号编号", "台账编号", "record_id"],
    "education": ["文化程度", "学历", "education"],
    "prefecture": ["户籍地市", "地市", "所属地市", "prefecture", "prefecture_code"],
    "county": ["户籍县区", "县区", "所属县区", "户籍所在县区", "county", "county_code"],
    "township": ["户籍乡镇", "乡镇", "所属乡镇", "户籍所在乡镇", "township", "township_code"],
    "village": ["户籍村居", "户籍所在村居", "户籍所在村", "村居", "村", "village", "village_code"],
    "poverty_alleviated": ["是否脱贫人口", "脱贫人口", "poverty_alleviated"],
    "relocated": ["是否易地搬迁", "易地搬迁群众", "易地搬迁", "relocated"],
    "disabled": ["是否残疾人", "残疾人", "disabled"],
    "veteran": ["是否退役军人", "退役军人", "veteran"],
    "two_after": ["是否两后生", "两后生", "two_after"],
    "dest_scope": ["转移就业范围", "转移范围", "就业范围", "dest_scope"],
    "destination": ["转移就业地点", "就业地点", "务工地点", "destination"],
    "dest_province": ["就业地省份", "务工省份", "dest_province", "dest_province_code"],
    "dest_prefecture": ["就业地地市", "务工地市", "dest_prefecture", "dest_prefecture_code"],
    "organized": ["是否有组织", "有组织", "是否组织化", "organized"],
    "channel": ["组织方式", "转移方式", "channel"],
    "job_source": ["就业来源", "就业渠道", "job_source"],
    "industry": ["所属行业", "行业", "industry"],
    "start_date": ["开始务工时间", "务工开始时间", "开始时间", "start_date"],
    "end_date": ["结束务工时间", "返乡时间", "结束时间", "end_date"],
    "reported_date": ["录入时间", "登记时间", "reported_date"],
    "months_employed": ["务工月数", "就业月数", "累计务工月数", "months_employed"],
    "income_yuan": ["劳务收入元", "劳务收入", "务工收入", "income_yuan", "income"],
    "trained": ["是否参加培训", "是否培训", "trained"],
    "training_type": ["培训类型", "培训方式", "training_type"],
}
PII_IGNORED = {"姓名", "name", "联系电话", "电话", "手机号码", "手机", "phone"}  # never stored
REQUIRED = ["id_number", "county", "township", "channel", "start_date"]
FLAGS = ["poverty_alleviated", "relocated", "disabled", "veteran", "two_after", "organized", "trained"]

R = {  # reasons: code -> (zh, en)
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
    "date_order": ("结束时间早于开始时间", "end date before start date"),
    "date_future": ("开始时间晚于快照日期", "start date after the snapshot date"),
    "months": ("务工月数超出范围（0-12且不超过已过月数）", "months outside 0–12 or beyond the months elapsed"),
    "income": ("劳务收入为负或不是数字", "income negative or not a number"),
    "number": ("数值无法识别", "number not recognised"),
    "duplicate": ("同一文件中重复的同一就业记录（保留一条）", "same placement twice in one file (one kept)"),
}
FLAG_REASONS = {
    "income_outlier": ("月均收入异常（超出分布范围）", "income per month far outside the distribution"),
    "id_region": ("身份证地区码与户籍县不一致", "ID region prefix differs from the hukou county"),
    "age": ("年龄不在16-65岁之间", "age outside 16–65"),
    "no_village": ("缺少户籍村(居)", "no hukou village"),
}


class IngestError(Exception):
    """A whole file cannot be used; the message is for the user (zh / en)."""

    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


@dataclass
class Result:
    snapshot_date: dt.date
    rows_in: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)
    files: list[dict] = field(default_factory=list)
    file_errors: list[dict] = field(default_factory=list)
    extra_columns: dict[str, list[str]] = field(default_factory=dict)
    contract: list[str] = field(default_factory=list)  # data-contract violations of the snapshot (none expected)
    rejects: pl.DataFrame | None = None
    flagged: pl.DataFrame | None = None
    partition: Path | None = None
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        if self.accepted == 0 or self.contract:
            return 2
        return 1 if (self.rejected or self.file_errors) else 0

    def summary(self, lang: str = "zh") -> str:
        zh = lang == "zh"
        lines = [f"{'快照日期' if zh else 'Snapshot'}: {self.snapshot_date.isoformat()}",
                 f"{'读取行数' if zh else 'Rows read'}: {self.rows_in:,}",
                 f"{'接收' if zh else 'Accepted'}: {self.accepted:,}",
                 f"{'拒收' if zh else 'Rejected'}: {self.rejected:,}",
                 f"{'重复（已去重）' if zh else 'Duplicates (dropped)'}: {self.duplicates:,}"]
        for code, n in sorted(self.by_reason.items(), key=lambda kv: -kv[1]):
            zh_r, en_r = R.get(code, (code, code))
            lines.append(f"  - {zh_r if zh else en_r}: {n:,}")
        for code, n in sorted(self.flags.items(), key=lambda kv: -kv[1]):
            zh_r, en_r = FLAG_REASONS[code]
            lines.append(f"  * {'提示' if zh else 'flag'} {zh_r if zh else en_r}: {n:,}")
        for e in self.file_errors:
            lines.append(f"  ! {e['file']}: {e['zh'] if zh else e['en']}")
        for c in self.contract:
            lines.append(f"  ! {'数据契约检查未通过，快照未写入' if zh else 'data contract violated, snapshot not written'}: {c}")
        for f, cols in self.extra_columns.items():
            lines.append(f"  {'未识别列（已忽略）' if zh else 'unrecognised columns (set aside)'} {f}: {', '.join(cols)}")
        return "\n".join(lines)


# ---------------------------------------------------------------- normalisation (pure functions)

def norm_text(s: str | None) -> str | None:
    """Full-width → half-width (NFKC), trimmed, inner whitespace collapsed; empty → None."""
    if s is None:
        return None
    t = unicodedata.normalize("NFKC", str(s)).replace("\u3000", " ").strip()
    t = re.sub(r"\s+", " ", t)
    return t or None


def norm_header(s: str) -> str:
    t = unicodedata.normalize("NFKC", str(s or "")).lower()
    return re.sub(r"[\s()（）\[\]【】:：*＊]", "", t)


_ALIASES = {norm_header(a): canon for canon, al in HEADERS.items() for a in al}


def map_headers(cols: list[str]) -> tuple[dict[str, str], list[str], list[str]]:
    """source column → canonical; unrecognised columns; duplicated canonical columns."""
    mapping, extra, dup = {}, [], []
    seen: set[str] = set()
    for c in cols:
        canon = _ALIASES.get(norm_header(c))
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
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")), (re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")),
    (re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$")), (re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$")),
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
    if re.fullmatch(r"\d{5}(\.0+)?", t):  # an Excel serial day number
        n = int(float(t))
        if 20_000 < n < 80_000:
            return EXCEL_EPOCH + dt.timedelta(days=n)
    return "bad"


def classify_id(v: str | None) -> tuple[str | None, str | None]:
    """(normalised ID, reason code or None) for one value: the same rule as `classify_ids`."""
    good, err = classify_ids(pl.Series([v], dtype=pl.String))
    return good[0], err[0]


def classify_ids(col: pl.Series) -> list[pl.Series]:
    """Vectorised classify_id: `_id` (normalised, or null) and `_id_err` (reason code, or null)."""
    t = col.str.normalize("NFKC").str.replace_all(r"\s", "").str.to_uppercase().replace("", None)
    numeric = t.str.contains(r"^\d+(\.\d+)?E\+?\d+$") | t.str.contains(r"^\d{15,18}\.0+$")
    fmt_ok = t.str.contains(r"^\d{17}[\dX]$").fill_null(False)
    padded = t.fill_null("0" * 18).str.pad_end(18, "0")
    digits = np.frombuffer("".join(padded.str.slice(0, 17).to_list()).encode(), dtype=np.uint8).reshape(-1, 17) - 48
    digits = np.where(fmt_ok.to_numpy()[:, None], digits, 0)
    check = pl.Series(ids.check_chars(digits.astype(np.int64)))
    check_ok = fmt_ok & (padded.str.slice(17, 1) == check)
    birth_ok = padded.str.slice(6, 8).str.to_date("%Y%m%d", strict=False).is_not_null()
    lost = fmt_ok & ~check_ok & padded.str.ends_with("000")
    err = (pl.select(pl.when(t.is_null()).then(pl.lit("missing"))
                     .when(numeric.fill_null(False) | lost).then(pl.lit("id_numeric"))
                     .when(~fmt_ok).then(pl.lit("id_format"))
                     .when(~birth_ok).then(pl.lit("id_birth"))
                     .when(~check_ok).then(pl.lit("id_check"))
                     .otherwise(None).alias("_id_err"))).to_series()
    return [pl.select(pl.when(err.is_null()).then(t).alias("_id")).to_series(), err]


# ---------------------------------------------------------------- reading files

def _sniff(path: Path) -> str:
    head = path.read_bytes()[:8]
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    return "csv"


def _decode(raw: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text
    raise IngestError("文件编码无法识别（支持UTF-8、带BOM的UTF-8、GB18030/GBK），或不是文本表格。",
                      "Unrecognised encoding (UTF-8, UTF-8 with BOM and GB18030/GBK are supported) or not a table.")


def read_raw(path: Path, header_finder=None) -> pl.DataFrame:
    """All cells as text, no header yet (the header row is found afterwards)."""
    kind = _sniff(path)
    if kind == "xls":
        raise IngestError("不支持旧版 .xls 文件，请另存为 .xlsx 或 .csv。", "Old .xls files are not supported: save as .xlsx or .csv.")
    if kind == "xlsx":
        try:
            df = pl.read_excel(path, engine="calamine", has_header=False, infer_schema_length=0)
        except Exception as e:  # a broken workbook
            raise IngestError(f"Excel文件无法读取：{type(e).__name__}", f"Cannot read the Excel file: {type(e).__name__}") from e
        return df.select(pl.all().cast(pl.String))
    raw = path.read_bytes()
    if not raw.strip():
        raise IngestError("文件为空。", "The file is empty.")
    text = _decode(raw)
    # the top lines may be a title or merged header rows of a different width: find the header line with
    # the csv module, then let polars parse the body (fast); ragged body rows are padded or truncated
    top = list(csv.reader(io.StringIO("\n".join(text.splitlines()[:15]))))
    width = max((len(r) for r in top), default=0)
    head = pl.DataFrame({f"c{i}": [r[i] if i < len(r) and r[i] != "" else None for r in top] for i in range(width)},
                        schema={f"c{i}": pl.String for i in range(width)})
    if head.width == 0:
        raise IngestError("文件为空。", "The file is empty.")
    h = (header_finder or find_header)(head)
    header = top[h]
    lines = text.splitlines(keepends=True)
    body = "".join(lines[h + 1:])
    try:
        df = pl.read_csv(io.StringIO(body), has_header=False, infer_schema=False, truncate_ragged_lines=True,
                         new_columns=[f"c{i}" for i in range(len(header))], quote_char='"') if body.strip() else \
            pl.DataFrame(schema={f"c{i}": pl.String for i in range(len(header))})
    except Exception as e:
        raise IngestError(f"CSV无法解析：{type(e).__name__}", f"Cannot parse the CSV: {type(e).__name__}") from e
    df = df.select(pl.all().cast(pl.String))
    if df.width < len(header):
        df = df.with_columns([pl.lit(None, dtype=pl.String).alias(f"c{i}") for i in range(df.width, len(header))])
    # keep the file's row numbering: h placeholder rows, the header row, then the body
    cols = [f"c{i}" for i in range(len(header))]
    pre = pl.DataFrame({c: [None] * h + [header[i] or None] for i, c in enumerate(cols)},
                       schema={c: pl.String for c in cols})
    return pl.concat([pre, df.select(cols)])


def find_header(raw: pl.DataFrame, scan: int = 15) -> int:
    """Index of the header row: the first of the top rows naming at least three known columns."""
    best, best_n = -1, 0
    for i in range(min(scan, raw.height)):
        cells = [c for c in raw.row(i) if c]
        n = sum(1 for c in cells if norm_header(c) in _ALIASES)
        if n > best_n:
            best, best_n = i, n
        if n >= 3:
            return i
    if best_n >= 3:
        return best
    raise IngestError("找不到表头：前15行中没有可识别的列名（如“身份证号”“户籍县区”“组织方式”）。",
                      "No header found: none of the first 15 rows names known columns (e.g. 身份证号, 户籍县区, 组织方式).")


def load_file(path: Path) -> tuple[pl.DataFrame, list[str], int]:
    """(canonical text frame with `_row` = row number in the file, unrecognised columns, header row)."""
    raw = read_raw(path)
    if raw.height == 0:
        raise IngestError("文件没有数据。", "The file has no rows.")
    h = find_header(raw)
    header = [norm_text(c) or f"column_{i + 1}" for i, c in enumerate(raw.row(h))]
    mapping, extra, dup = map_headers(header)
    if dup:
        raise IngestError(f"表头重复：{'、'.join(dup)}", f"Duplicate columns: {', '.join(dup)}")
    missing = [c for c in REQUIRED if c not in mapping.values()]
    if missing:
        names = [HEADERS[c][0] for c in missing]
        raise IngestError(f"缺少必填列：{'、'.join(names)}", f"Required columns missing: {', '.join(names)}")
    body = raw.slice(h + 1)
    body.columns = [f"c{i}" for i in range(body.width)]
    cols = {f"c{i}": mapping[c] for i, c in enumerate(header) if c in mapping}
    df = body.select([pl.col(k).alias(v) for k, v in cols.items()])
    df = df.with_columns(_row=pl.int_range(h + 2, h + 2 + df.height))  # 1-based file row numbers
    # merged header rows (a second header line) and trailing empty rows are not data
    df = df.filter(pl.any_horizontal([pl.col(c).is_not_null() & (pl.col(c).str.strip_chars() != "")
                                      for c in cols.values()]))
    again = pl.any_horizontal([pl.col(c).str.normalize("NFKC").str.to_lowercase()
                               .str.replace_all(r"[\s()（）\[\]【】:：*＊]", "").is_in(list(_ALIASES)).fill_null(False)
                               for c in list(cols.values())[:3]])
    df = df.filter(~again)
    if df.height == 0:
        raise IngestError("文件只有表头，没有数据行。", "The file has a header but no data rows.")
    extra = [e for e in extra if norm_header(e) not in {norm_header(p) for p in PII_IGNORED}] + \
        [f"{e}（个人信息，未保存）" for e in header if norm_header(e) in {norm_header(p) for p in PII_IGNORED}]
    return df, extra, h


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
        self.nat_by_name = {n: c for c, n in h.national.select("code", "name_zh").iter_rows()}

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
        prov = next((c for n, c in self.nat_by_name.items() if len(c) == 2 and v.startswith(n)), None)
        rest = v[len(self.h.name(prov)):] if prov else v
        pref = next((c for n, c in self.nat_by_name.items() if len(c) == 4 and rest.startswith(n)
                     and (prov is None or c.startswith(prov))), None)
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
ENUM_LOOKUP["channel"].update({norm_header(k): v for k, v in {
    "劳务派遣公司": "dispatch_company", "劳务公司": "dispatch_company", "务工联队": "government", "政府": "government",
    "企业": "enterprise", "自主": "self_found", "自行外出": "self_found", "经纪人": "broker", "合作社": "cooperative"}.items()})
ENUM_LOOKUP["dest_scope"].update({norm_header(k): v for k, v in {
    "县内": "local", "跨县": "cross_county", "跨地市": "cross_prefecture", "区内跨地市": "cross_prefecture",
    "跨省": "cross_province", "区外": "cross_province", "省外": "cross_province"}.items()})


def _map_unique(df: pl.DataFrame, cols: list[str], fn, out: str, dtype) -> pl.DataFrame:
    """Apply a Python parser once per distinct value (or value tuple) and join the result back."""
    u = df.select(cols).unique()
    vals = [fn(*row) for row in u.iter_rows()]
    u = u.with_columns(pl.Series(out, vals, dtype=dtype))
    return df.join(u, on=cols, how="left", nulls_equal=True)


def validate(df: pl.DataFrame, snapshot: dt.date, lk: Lookup, source: str) -> tuple[pl.DataFrame, list[dict], list[dict]]:
    """(accepted rows in schema form + `_source`,`_row`,`_id`; rejects; flags), vectorised.

    Each distinct value is parsed once; the first failing check of a row is its reason.
    """
    text_cols = [c for c in df.columns if c != "_row"]
    df = df.with_columns([pl.col(c).cast(pl.String).str.normalize("NFKC").str.replace_all(r"\s+", " ").str.strip_chars()
                          .replace("", None) for c in text_cols])
    for c in HEADERS:
        if c not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=pl.String).alias(c))
    df = df.with_columns(classify_ids(df["id_number"]))
    # regions: names resolved inside their parent
    df = _map_unique(df, ["county"], lambda v: lk.resolve(v, "", 6), "county_code", pl.String)
    df = _map_unique(df, ["prefecture"], lambda v: lk.resolve(v, "54", 4), "_pref", pl.String)
    df = _map_unique(df, ["county_code", "township"],
                     lambda c, v: lk.resolve(v, c, 9) if c not in (None, "bad") else None, "township_code", pl.String)
    df = _map_unique(df, ["township_code", "village"],
                     lambda t, v: lk.resolve(v, t, 12) if t not in (None, "bad") else None, "village_code", pl.String)
    for col in ("education", "channel", "job_source", "industry", "training_type", "dest_scope"):
        m = ENUM_LOOKUP[col]
        df = _map_unique(df, [col], lambda v, m=m: None if v is None else m.get(norm_header(v), "bad"), f"{col}_code",
                         pl.String)
    for col in FLAGS:
        df = _map_unique(df, [col], lambda v: {True: "1", False: "0", None: None}.get(parse_flag(v), "bad"),
                         f"{col}_f", pl.String)
    for col in ("start_date", "end_date", "reported_date"):
        df = _map_unique(df, [col], lambda v: (lambda d: d.isoformat() if isinstance(d, dt.date) else d)(parse_date(v)),
                         f"{col}_d", pl.String)
    dest_src = pl.coalesce("dest_prefecture", "dest_province", "destination")
    df = df.with_columns(_dest=dest_src)
    df = _map_unique(df, ["_dest"], lambda v: "|".join(x or "" for x in lk.destination(v)) if v else None, "_dest_pp",
                     pl.String)
    months_elapsed = (snapshot - dt.date(snapshot.year, 1, 1)).days / 30.4 + 1
    num = {c: pl.col(c).str.replace_all(",", "").cast(pl.Float64, strict=False) for c in ("months_employed", "income_yuan")}
    d = {c: pl.when(pl.col(f"{c}_d") != "bad").then(pl.col(f"{c}_d")).str.to_date("%Y-%m-%d", strict=False)
         for c in ("start_date", "end_date", "reported_date")}
    df = df.with_columns(**{f"_{k}": v for k, v in d.items()}, _months=num["months_employed"], _income=num["income_yuan"],
                         _prov=pl.col("_dest_pp").str.split("|").list.get(0, null_on_oob=True).replace("", None),
                         _dpref=pl.col("_dest_pp").str.split("|").list.get(1, null_on_oob=True).replace("", None))
    # the first failing check decides the reason (ordered like the form is read)
    checks: list[tuple[pl.Expr, str, str]] = [
        (pl.col("id_number").is_null(), "id_number", "missing"),
        (pl.col("county").is_null(), "county", "missing"),
        (pl.col("township").is_null(), "township", "missing"),
        (pl.col("channel").is_null(), "channel", "missing"),
        (pl.col("start_date").is_null(), "start_date", "missing"),
        (pl.col("_id_err") == "id_numeric", "id_number", "id_numeric"),
        (pl.col("_id_err") == "id_format", "id_number", "id_format"),
        (pl.col("_id_err") == "id_birth", "id_number", "id_birth"),
        (pl.col("_id_err") == "id_check", "id_number", "id_check"),
        ((pl.col("county_code") == "bad") | ~pl.col("county_code").str.starts_with("54"), "county", "region_unknown"),
        (pl.col("_pref") == "bad", "prefecture", "region_unknown"),
        (pl.col("_pref").is_not_null() & (pl.col("_pref") != pl.col("county_code").str.slice(0, 4)), "prefecture",
         "region_inconsistent"),
        (pl.col("township_code") == "bad", "township", "region_unknown"),
        (~pl.col("township_code").str.starts_with(pl.col("county_code")), "township", "region_inconsistent"),
        (pl.col("village_code") == "bad", "village", "region_unknown"),
        (pl.col("village_code").is_not_null() & ~pl.col("village_code").str.starts_with(pl.col("township_code")), "village",
         "region_inconsistent"),
        *[(pl.col(f"{c}_code") == "bad", c, "enum") for c in ("education", "channel", "job_source", "industry",
                                                             "training_type", "dest_scope")],
        *[(pl.col(f"{c}_f") == "bad", c, "flag") for c in FLAGS],
        *[(pl.col(f"{c}_d") == "bad", c, "date") for c in ("start_date", "end_date", "reported_date")],
        (pl.col("_start_date") > snapshot, "start_date", "date_future"),
        (pl.col("_end_date") < pl.col("_start_date"), "end_date", "date_order"),
        (pl.col("_prov") == "bad", "destination", "region_unknown"),
        (pl.col("dest_scope_code").is_null() & pl.col("_prov").is_null(), "dest_scope", "missing"),
        (pl.col("months_employed").is_not_null() & pl.col("_months").is_null(), "months_employed", "number"),
        ((pl.col("_months") < 0) | (pl.col("_months") > min(12.0, months_elapsed)), "months_employed", "months"),
        (pl.col("income_yuan").is_not_null() & pl.col("_income").is_null(), "income_yuan", "number"),
        (pl.col("_income") < 0, "income_yuan", "income"),
    ]
    reason = pl.lit(None, dtype=pl.String)
    column = pl.lit(None, dtype=pl.String)
    for cond, col, code in reversed(checks):
        reason = pl.when(cond.fill_null(False)).then(pl.lit(code)).otherwise(reason)
        column = pl.when(cond.fill_null(False)).then(pl.lit(col)).otherwise(column)
    df = df.with_columns(_reason=reason, _column=column)
    bad = df.filter(pl.col("_reason").is_not_null())
    rejects = []
    for r in bad.iter_rows(named=True):
        col = r["_column"]
        raw = r.get(col) if col in r else None
        shown = ids.mask(raw) if col == "id_number" and isinstance(raw, str) and len(raw) >= 10 else raw
        rejects.append({"source_file": source, "row": r["_row"], "column": col,
                        "value": None if shown is None else str(shown)[:60], "reason": r["_reason"],
                        "reason_zh": R[r["_reason"]][0], "reason_en": R[r["_reason"]][1]})
    good = df.filter(pl.col("_reason").is_null())
    county = pl.col("county_code")
    scope = pl.coalesce(pl.col("dest_scope_code"),
                        pl.when(pl.col("_prov") != "54").then(pl.lit("cross_province"))
                        .when(pl.col("_dpref").is_not_null() & (pl.col("_dpref") != county.str.slice(0, 4)))
                        .then(pl.lit("cross_prefecture"))
                        .when(pl.col("_dpref").is_null()).then(pl.lit("local")).otherwise(pl.lit("cross_county")))
    good = good.with_columns(dest_scope=scope)
    good = good.with_columns(
        dest_province_code=pl.coalesce("_prov", pl.when(pl.col("dest_scope") != "cross_province").then(pl.lit("54"))),
        dest_prefecture_code=pl.coalesce("_dpref", pl.when(pl.col("dest_scope").is_in(["local", "cross_county"]))
                                         .then(county.str.slice(0, 4))))
    miss_dest = good.filter(pl.col("dest_province_code").is_null() | pl.col("dest_prefecture_code").is_null())
    for r in miss_dest.iter_rows(named=True):
        rejects.append({"source_file": source, "row": r["_row"], "column": "destination", "value": r.get("destination"),
                        "reason": "missing", "reason_zh": R["missing"][0], "reason_en": R["missing"][1]})
    good = good.filter(pl.col("dest_province_code").is_not_null() & pl.col("dest_prefecture_code").is_not_null())
    flag = {c: pl.col(f"{c}_f").replace_strict({"1": True, "0": False}, default=None, return_dtype=pl.Boolean)
            for c in FLAGS}
    out = good.select(
        "_id", "_row", pl.lit(source).alias("_source"), "record_id", "county_code",
        county.str.slice(0, 4).alias("prefecture_code"), "township_code", "village_code",
        pl.col("education_code").alias("education"), pl.col("channel_code").alias("channel"),
        pl.col("job_source_code").alias("job_source"), pl.col("industry_code").alias("industry"),
        pl.col("training_type_code").alias("training_type"), "dest_scope", "dest_province_code", "dest_prefecture_code",
        *[flag[c].alias(c) for c in FLAGS if c not in ("organized", "trained")],
        pl.coalesce(flag["organized"], pl.col("channel_code").is_in(list(schema.ORGANIZED_CHANNELS))).alias("organized"),
        (flag["trained"].fill_null(False) | pl.col("training_type_code").is_not_null()).alias("trained"),
        pl.col("_start_date").alias("start_date"), pl.col("_end_date").alias("end_date"),
        pl.col("_reported_date").alias("reported_date"),
        pl.col("_months").fill_null(0).alias("months_employed"), pl.col("_income").fill_null(0).alias("income_yuan"),
    )
    flags = [{"source_file": source, "row": r, "flag": "no_village"}
             for r in out.filter(pl.col("village_code").is_null())["_row"].to_list()]
    flags += [{"source_file": source, "row": r, "flag": "id_region"}
              for r in out.filter(pl.col("_id").str.slice(0, 6) != pl.col("county_code"))["_row"].to_list()]
    age = snapshot.year - pl.col("_id").str.slice(6, 4).cast(pl.Int32)
    flags += [{"source_file": source, "row": r, "flag": "age"} for r in out.filter(~age.is_between(16, 65))["_row"].to_list()]
    return out, rejects, flags


# ---------------------------------------------------------------- the whole run

Progress = Callable[[float, str], None]


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def ingest(files: list[Path], snapshot: dt.date, data_dir: Path | None = None, user: str | None = None,
           key: bytes | None = None, progress: Progress | None = None, write: bool = True) -> Result:
    t0 = time.perf_counter()
    say = progress or (lambda f, m: None)
    data_dir = Path(data_dir or settings.data_dir())
    key = key or ids.load_key(settings.SETTINGS["secret_key_file"].get())
    lk = Lookup(hierarchy.load())
    res = Result(snapshot)
    frames, rejects, flags = [], [], []
    for i, f in enumerate(files):
        f = Path(f)
        say(i / max(1, len(files)), f"{f.name}: 读取 / reading")
        info = {"file": f.name, "sha256": sha256(f) if f.exists() else None, "rows": 0}
        try:
            if not f.exists():
                raise IngestError("文件不存在。", "File not found.")
            df, extra, _h = load_file(f)
        except IngestError as e:
            res.file_errors.append({"file": f.name, "zh": e.zh, "en": e.en})
            res.files.append(info)
            continue
        info["rows"] = df.height
        res.rows_in += df.height
        if extra:
            res.extra_columns[f.name] = extra
        say((i + 0.5) / max(1, len(files)), f"{f.name}: 校验 {df.height:,} 行 / validating")
        ok, rj, fl = validate(df, snapshot, lk, f.name)
        rejects += rj
        flags += fl
        if ok.height:
            frames.append(ok)
        res.files.append(info)
    accepted = pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()
    if accepted.height:
        accepted, dups = _dedupe(accepted)
        res.duplicates = len(dups)
        for d in dups:
            rejects.append({"source_file": d["_source"], "row": d["_row"], "column": "id_number",
                            "value": ids.mask(d["_id"]), "reason": "duplicate",
                            "reason_zh": R["duplicate"][0], "reason_en": R["duplicate"][1]})
        accepted, outliers = _finish(accepted, snapshot, key)
        flags += outliers
    res.accepted = accepted.height
    res.rejected = len(rejects)
    assert res.accepted + res.rejected == res.rows_in, "every row is accepted or rejected"
    res.by_reason = dict(pl.DataFrame(rejects)["reason"].value_counts().iter_rows()) if rejects else {}
    res.flags = dict(pl.DataFrame(flags)["flag"].value_counts().iter_rows()) if flags else {}
    res.rejects = pl.DataFrame(rejects, schema={"source_file": pl.String, "row": pl.Int64, "column": pl.String,
                                                "value": pl.String, "reason": pl.String, "reason_zh": pl.String,
                                                "reason_en": pl.String})
    res.flagged = pl.DataFrame(flags, schema={"source_file": pl.String, "row": pl.Int64, "flag": pl.String})
    snapshot_frame = accepted.select([pl.col(c.name).cast(c.dtype) for c in schema.COLUMNS]) if res.accepted else None
    if snapshot_frame is not None:  # the same data contract as the fixture and the demo; a violation is a bug here
        from tracker.contracts import check_snapshot

        res.contract = [f"{v.check} {v.column}: {v.rows} ({v.example})" for v in check_snapshot(snapshot_frame, lk.h)]
    if write and res.accepted and not res.contract:
        say(0.9, "写入快照 / writing the snapshot")
        manifest = {"snapshot_date": snapshot.isoformat(), "files": res.files, "rows_in": res.rows_in,
                    "accepted": res.accepted, "rejected": res.rejected, "duplicates": res.duplicates,
                    "rejected_by_reason": res.by_reason, "flags": res.flags, "file_errors": res.file_errors,
                    "contract_violations": res.contract,
                    "time": dt.datetime.now().isoformat(timespec="seconds"), "user": user or getpass.getuser()}
        res.partition = write_snapshot(snapshot_frame, data_dir, snapshot,
                                       extra_files={"manifest.json": json.dumps(manifest, ensure_ascii=False, indent=1).encode()})
        _archive(files, data_dir, snapshot)
        from tracker.generate import _prebuild_dims

        _prebuild_dims(data_dir, [snapshot])
        write_reject_report(res, data_dir / "rejects" / f"{snapshot.isoformat()}.xlsx")
    res.seconds = time.perf_counter() - t0
    say(1.0, "完成 / done")
    return res


def _dedupe(df: pl.DataFrame) -> tuple[pl.DataFrame, list[dict]]:
    """The same person's same placement twice in one file: keep the first, report the rest."""
    k = ["_source", "_id", "start_date", "channel", "county_code"]
    is_dup = df.select(pl.struct(k).is_first_distinct().not_().alias("d"))["d"]
    dups = df.filter(is_dup).select("_source", "_row", "_id").to_dicts()
    return df.filter(~is_dup), dups


def _finish(df: pl.DataFrame, snapshot: dt.date, key: bytes) -> tuple[pl.DataFrame, list[dict]]:
    """Hash and mask IDs, derive gender/birth year, record ids, counting unit; income outliers."""
    idv = df["_id"].to_list()
    keys = np.fromiter((int.from_bytes(hmac.digest(key, s.encode(), hashlib.sha256)[:8], "big", signed=True) for s in idv),
                       dtype=np.int64, count=len(idv))
    df = df.with_columns(
        person_key=pl.Series(keys),
        id_masked=pl.col("_id").str.slice(0, 6) + "********" + pl.col("_id").str.slice(14, 4),
        id_check_ok=pl.lit(True),
        gender=pl.when(pl.col("_id").str.slice(16, 1).cast(pl.Int32) % 2 == 1).then(pl.lit("M")).otherwise(pl.lit("F")),
        birth_year=pl.col("_id").str.slice(6, 4).cast(pl.Int16),
        job_source=pl.col("job_source").fill_null("flexible"),
        industry=pl.col("industry").fill_null("other"),
        reported_date=pl.col("reported_date").fill_null(snapshot),
        months_employed=pl.col("months_employed").cast(pl.Float64).round(1),
        income_yuan=pl.col("income_yuan").cast(pl.Float64).round().cast(pl.Int64),
    )
    for c in ("poverty_alleviated", "relocated", "disabled", "veteran", "two_after"):
        df = df.with_columns(pl.col(c).fill_null(False))
    # record ids: the ledger's own when given, else file + row (stable across re-ingests of the same file)
    df = df.with_columns(record_id=pl.coalesce(
        pl.col("record_id"),
        pl.col("_source").map_elements(lambda s: hashlib.sha1(s.encode()).hexdigest()[:8], return_dtype=pl.String)
        + "-" + pl.col("_row").cast(pl.String)))
    df = df.with_columns(record_id=pl.when(pl.col("record_id").is_duplicated())
                         .then(pl.col("record_id") + "#" + pl.int_range(pl.len()).over("record_id").cast(pl.String))
                         .otherwise(pl.col("record_id")))
    df = df.sort("reported_date", "record_id").with_columns(
        home_code=pl.coalesce("village_code", "township_code").first().over("person_key"))
    per_month = (pl.col("income_yuan") / pl.col("months_employed").clip(lower_bound=0.5))
    med = df.select(per_month.median()).item() or 0
    out = df.with_columns(_pm=per_month).filter((pl.col("_pm") > max(20_000, 10 * med)) & (pl.col("income_yuan") > 0))
    flags = [{"source_file": s, "row": r, "flag": "income_outlier"} for s, r in out.select("_source", "_row").iter_rows()]
    return df.sort("county_code", "township_code", "village_code", "record_id", nulls_last=True), flags


def _archive(files: list[Path], data_dir: Path, snapshot: dt.date) -> None:
    dest = data_dir / "archive" / snapshot.isoformat()
    dest.mkdir(parents=True, exist_ok=True)
    for f in files:
        f = Path(f)
        if f.exists():
            shutil.copy2(f, dest / f"{sha256(f)[:16]}-{f.name}")


def write_reject_report(res: Result, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    summary = pl.DataFrame({"项目 item": res.summary("zh").splitlines()})
    sheets = {"汇总 summary": summary, "拒收 rejected": res.rejects, "提示 flags": res.flagged}
    import xlsxwriter

    with xlsxwriter.Workbook(path) as wb:
        for name, df in sheets.items():
            df.write_excel(wb, worksheet=name[:31], autofit=True, freeze_panes=(1, 0))
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Ingest ledger exports into a weekly snapshot.")
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--snapshot-date", required=True, type=dt.date.fromisoformat)
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--user", default=None)
    ap.add_argument("--lang", default="zh", choices=["zh", "en"])
    a = ap.parse_args(argv)

    def bar(frac: float, msg: str) -> None:
        filled = int(frac * 30)
        print(f"\r[{'#' * filled}{'.' * (30 - filled)}] {frac:5.1%} {msg[:50]:<50}", end="", file=sys.stderr)

    res = ingest(a.files, a.snapshot_date, a.data_dir, a.user, progress=bar)
    print(file=sys.stderr)
    print(res.summary(a.lang))
    if res.partition:
        print(("快照：" if a.lang == "zh" else "Snapshot: ") + str(res.partition))
    print(f"{res.seconds:.1f} s", file=sys.stderr)
    return res.exit_code


if __name__ == "__main__":
    raise SystemExit(main())
