"""Reading a ledger export into one frame of text columns: the header found and mapped to the schema's names
(however officials head it, units read apart), every visible ledger sheet of a workbook, the name and phone columns
set aside (their values only remembered to keep them out of reports). No row is judged here: `tracker.validate`
does that; `tracker.readers` reads the cells of the file formats.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from tracker import catalogue, readers
from tracker.readers import IngestError

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
UNITS = {"元": 1.0, "万元": 10_000.0, "千元": 1_000.0, "月": 1.0, "个月": 1.0}  # a unit in a header → factor

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
    headers: dict = field(default_factory=dict)  # sheet -> {column: the file's own header}, in the file's order


_PII_NORM = {norm_header(p) for p in PII_IGNORED}


def _table_frame(t: readers.Table, path: Path) -> tuple[pl.DataFrame, list[str], set[str], dict[str, str]]:
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
    own = {}  # the county's own header of each column, for its reject report
    for h in header:
        if mapping.get(h) is not None:
            own.setdefault(mapping[h], h)
    return df, extra, pii, own


def load_file(path: Path) -> Loaded:
    """Every visible sheet with the ledger's header (with an ID column) as one frame; see `Loaded`."""
    wb = readers.read(Path(path), find_header)
    frames, extra, sheets, skipped, pii, headers = [], [], [], list(wb.skipped), set(), {}
    first_error: IngestError | None = None
    for t in wb.tables:
        try:
            df, ex, pi, own = _table_frame(t, path)
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
        headers[t.sheet or ""] = own
        pii |= pi
    if not frames:
        raise first_error or IngestError("文件没有数据。", "The file has no rows.", "empty")
    df = pl.concat(frames, how="diagonal_relaxed") if len(frames) > 1 else frames[0]
    if df.height == 0:
        raise IngestError("文件只有表头，没有数据行。", "The file has a header but no data rows.", "empty")
    dropped = sum(t.dropped_cells for t in wb.tables)
    return Loaded(df, extra, sheets, skipped, pii, dropped, headers)


def with_source(df: pl.DataFrame, source: str) -> pl.DataFrame:
    """A loaded file's rows tagged with the file (`_file`) and, for a workbook of several sheets, file:sheet (`_source`)."""
    if "_sheet" not in df.columns:
        df = df.with_columns(_sheet=pl.lit("", dtype=pl.String))
    multi = df["_sheet"].n_unique() > 1
    return df.with_columns(
        _file=pl.lit(source, dtype=pl.String),
        _source=(pl.lit(source + ":") + pl.col("_sheet")) if multi else pl.lit(source, dtype=pl.String),
    )


UNIT_HEADERS = ("单位", "单位名称", "地区", "单位代码", "代码", "unit", "unit_code")


@dataclass
class UnitTable:
    """A small table keyed by unit (an issued quota table, a table of reported figures): its rows as text, the
    header row and the unit column, and a lookup of a unit cell (name or code) to its code."""

    rows: list[tuple]  # the rows below the header, with their 1-based row numbers
    header: list[str]
    ucol: int
    by_name: dict[str, str]

    def code(self, unit: str, h) -> str | None:
        return unit if h.exists(unit) else self.by_name.get(unit)

    def columns(self, alias: dict[str, str]) -> dict[int, str]:
        """Column index -> key for every header found in `alias` (normalised header -> key)."""
        return {i: alias[norm_header(c)] for i, c in enumerate(self.header) if norm_header(c) in alias}


def read_unit_table(path: Path, h) -> UnitTable:
    """Read a table whose header row (within the first ten) has a unit column; title rows above it are skipped."""
    unit_alias = {norm_header(a) for a in UNIT_HEADERS}

    def find(df: pl.DataFrame) -> int:
        hit = next((i for i in range(min(10, df.height)) if any(norm_header(c or "") in unit_alias for c in df.row(i))), None)
        if hit is None:
            raise IngestError("找不到“单位”列。", "No unit column found.")
        return hit

    raw = read_raw(path, find)
    hdr = find(raw)
    header = [c or "" for c in raw.row(hdr)]
    ucol = next(i for i, c in enumerate(header) if norm_header(c) in unit_alias)
    by_name = {n: c for c, n in h.units.select("code", "name_zh").iter_rows()}
    return UnitTable([(n + 1, raw.row(n)) for n in range(hdr + 1, raw.height)], header, ucol, by_name)
