"""Read the files counties send: every file gives tables of text cells, or an `IngestError` with a zh/en message.

- **xlsx** is read straight from its XML, streaming, one cell at a time and only the cells that exist: a stray
  value in XFD1048576 costs one cell, not 549 GB. Every visible sheet is looked at; hidden sheets are skipped
  and named; a sheet without the caller's header (an instruction sheet, a summary) is skipped and named. Only
  columns with a header cell are kept (at most `MAX_COLS`); values right of the header are counted, not read.
  Each cell keeps its Excel type (`KIND_*`): an ID stored as a number, a formula without a cached value, an
  error value, a number formatted as a date are visible to validation instead of becoming text or 0.
- **csv / tab-separated text**: UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text"),
  GB18030/GBK; CR, LF and CRLF line ends, quoted line breaks (Excel Alt+Enter) anywhere, cells of any size.
  Row numbers are record numbers (what Excel shows when it opens the file).
- Anything else gets a message saying what it is: an encrypted workbook, an old .xls, a Word file, a PDF,
  an HTML page saved as .xls, an image or archive, a damaged workbook.

No cell is ever evaluated; XML is parsed without entities, DTDs or network.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import posixpath
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

MAX_COLS = 512  # header cells kept per sheet (a ledger has ~40)
MAX_ROWS = 1_048_576  # Excel's own limit
MAX_CELLS = 60_000_000  # kept cells per file (~ 1.5M rows of a 40-column ledger)
MAX_XML_BYTES = 4 << 30  # decompressed size of one workbook part
TOP_ROWS = 15  # the header is looked for in the first 15 non-empty rows

KIND_NUMBER, KIND_DATE, KIND_BOOL, KIND_ERROR, KIND_FORMULA = "n", "d", "b", "e", "f"


class IngestError(Exception):
    """A whole file cannot be used; the message is for the user (zh / en)."""

    def __init__(self, zh: str, en: str, code: str = "file"):
        super().__init__(en)
        self.zh, self.en, self.code = zh, en, code


@dataclass
class Table:
    """One sheet's cells from its header down: stored columns only (those with a header cell)."""

    sheet: str  # sheet name ('' for a CSV)
    top: list[list[str | None]]  # the rows above and including the header (stored columns only)
    header_index: int  # index of the header in `top`
    rows: list[int]  # 1-based row numbers of the body rows in the sheet
    columns: list  # body values per stored column (lists of text, or polars String series for a CSV)
    kinds: list[list[str | None]] | None  # body cell kinds per stored column (xlsx), None for CSV
    dropped_cells: int = 0  # non-empty cells right of / outside the header's columns (not read)

    @property
    def header(self) -> list[str | None]:
        return self.top[self.header_index]

    def frame(self) -> pl.DataFrame:
        """Body as text columns c0..cN + kinds k0..kN (when known) + `_row`."""
        n = len(self.header)
        data = {f"c{i}": pl.Series(f"c{i}", self.columns[i], dtype=pl.String) for i in range(n)}
        if self.kinds is not None:
            data |= {f"k{i}": pl.Series(f"k{i}", self.kinds[i], dtype=pl.String) for i in range(n)}
        data["_row"] = pl.Series("_row", self.rows, dtype=pl.Int64)
        return pl.DataFrame(data)


@dataclass
class Workbook:
    kind: str  # "xlsx" | "csv"
    tables: list[Table] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)  # {"sheet", "zh", "en"}


HeaderFinder = Callable[[pl.DataFrame], int]


# ---------------------------------------------------------------- what kind of file is this


def _utf16(s: str) -> bytes:
    return s.encode("utf-16-le")


def sniff(raw: bytes) -> str:
    """'xlsx' | 'csv'; anything else raises an IngestError that says what the file is."""
    head = raw[:8]
    if not raw.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise IngestError("文件为空。", "The file is empty.", "empty")
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") or head.startswith(b"\xd0\xcf\x11\xe0"):
        if _utf16("EncryptionInfo") in raw or _utf16("EncryptedPackage") in raw:
            raise IngestError(
                "文件已加密，请在Excel中取消密码（文件→信息→保护工作簿→用密码进行加密，清空密码）后再导入。",
                "The workbook is encrypted: remove its password in Excel, save, and load it again.",
                "encrypted",
            )
        if _utf16("WordDocument") in raw:
            raise IngestError(
                "这是Word文档，不是表格：请上传台账的 .xlsx 或 .csv 文件。",
                "This is a Word document, not a table: load the ledger's .xlsx or .csv.",
                "not_table",
            )
        raise IngestError(
            "不支持旧版 .xls 文件，请在Excel中另存为 .xlsx 或 .csv。",
            "Old .xls files are not supported: save as .xlsx or .csv in Excel.",
            "xls",
        )
    if head.startswith(b"%PDF"):
        raise IngestError(
            "这是PDF文件，不是表格：请上传台账的 .xlsx 或 .csv 文件（PDF无法导入）。",
            "This is a PDF, not a table: load the ledger's .xlsx or .csv (a PDF cannot be read).",
            "not_table",
        )
    start = raw[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(b"\xff\xfe") or start.startswith(b"\xfe\xff"):
        start = (
            raw[2:8192].decode("utf-16-le" if raw[:2] == b"\xff\xfe" else "utf-16-be", "ignore").lstrip().lower().encode("utf-8", "ignore")
        )
    if start.startswith((b"<!doctype html", b"<html", b"<table", b"<head", b"<body", b"<meta")) or (
        start.startswith(b"<") and (b"<html" in start or b"<table" in start)
    ):
        raise IngestError(
            "这是网页（HTML）文件，只是扩展名为 .xls：请在Excel中打开后另存为 .xlsx 再导入。",
            "This is a web page (HTML) saved with an Excel extension: open it in Excel and save as .xlsx.",
            "html",
        )
    if start.startswith(b"<?xml") or start.startswith(b"<"):
        raise IngestError(
            "这是XML文件（如Excel 2003 XML格式），不是 .xlsx 或 .csv：请在Excel中另存为 .xlsx。",
            "This is an XML file (e.g. Excel 2003 XML), not .xlsx or .csv: save as .xlsx in Excel.",
            "xml",
        )
    for magic, what in (
        (b"\x89PNG", "图片"),
        (b"\xff\xd8\xff", "图片"),
        (b"GIF8", "图片"),
        (b"Rar!", "压缩包"),
        (b"7z\xbc\xaf", "压缩包"),
        (b"\x1f\x8b", "压缩包"),
        (b"BM", None),
    ):
        if what and head.startswith(magic):
            raise IngestError(
                f"这是{what}文件，不是表格：请上传台账的 .xlsx 或 .csv 文件。",
                f"This is {'an image' if what == '图片' else 'an archive'}, not a table: load the ledger's .xlsx or .csv.",
                "not_table",
            )
    return "csv"


def read(path: Path, finder: HeaderFinder, all_sheets: bool = True) -> Workbook:
    """Tables of a file: every visible sheet with a header (xlsx) or the one table of a CSV."""
    raw = Path(path).read_bytes()
    kind = sniff(raw)
    if kind == "xlsx":
        return read_xlsx(raw, finder, all_sheets)
    return Workbook("csv", [read_csv(raw, finder)])


# ---------------------------------------------------------------- CSV / text


def decode(raw: bytes) -> str:
    """UTF-16 (with BOM), UTF-8 (BOM or not), GB18030; a NUL byte in 8-bit text means it is not a text table."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as e:
            raise IngestError("文件编码无法识别（UTF-16文件已损坏）。", "Unreadable UTF-16 text.", "encoding") from e
        raw_nul = "\x00" in text
    else:
        raw_nul = b"\x00" in raw
        text = None
    if raw_nul:
        line = (raw.decode("utf-16", "ignore") if text is not None else raw.decode("latin-1")).split("\x00")[0].count("\n") + 1
        raise IngestError(
            f"文件含有二进制内容（第{line}行有NUL字节），不是文本表格：请用Excel打开原台账另存为 .xlsx 或 .csv。",
            f"The file holds binary content (a NUL byte on line {line}): it is not a text table. Save the ledger as .xlsx or .csv.",
            "binary",
        )
    if text is None:
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
    if text is None:
        raise IngestError(
            "文件编码无法识别（支持UTF-8、带BOM的UTF-8、UTF-16、GB18030/GBK）。",
            "Unrecognised encoding (UTF-8, UTF-8 with BOM, UTF-16 and GB18030/GBK are supported).",
            "encoding",
        )
    return text.lstrip("\ufeff")


class _Lines:
    """Lines of a text (any line end) that counts the characters handed out."""

    def __init__(self, text: str):
        self._it = iter(io.StringIO(text, newline=""))
        self.used = 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self._it)
        self.used += len(line)
        return line


def _records(text: str, sep: str, n: int) -> tuple[list[list[str]], int]:
    """The first n records and the character offset just after them. Read from a prefix of the text, grown fourfold until
    the n records end inside it (a whole 100 MB ledger in a StringIO is a 0.4 s copy for the top rows)."""
    size = 1 << 16
    while True:
        part = text[:size]
        lines = _Lines(part)
        out = []
        for rec in csv.reader(lines, delimiter=sep, strict=False):
            out.append(rec)
            if len(out) >= n:
                break
        if size >= len(text) or (len(out) >= n and lines.used < len(part)):  # the n-th record did not touch the cut
            return out, lines.used
        size *= 4


def _top_frame(rows: list[list[str | None]]) -> pl.DataFrame:
    width = min(MAX_COLS, max((len(r) for r in rows), default=0))
    return pl.DataFrame(
        {f"c{i}": [r[i] if i < len(r) and r[i] not in ("", None) else None for r in rows] for i in range(width)},
        schema={f"c{i}": pl.String for i in range(width)},
    )


def read_csv(raw: bytes, finder: HeaderFinder) -> Table:
    text = decode(raw)
    if not text.strip():
        raise IngestError("文件为空。", "The file is empty.", "empty")
    csv.field_size_limit(1 << 30)
    first = text[:65536]
    seps = sorted([",", "\t", ";", "|"], key=lambda s: -first.count(s))
    error: IngestError | None = None
    for sep in seps:
        top, _ = _records(text, sep, TOP_ROWS)
        frame = _top_frame(top)
        if frame.width == 0:
            continue
        try:
            h = finder(frame)
        except IngestError as e:
            error = error or e
            continue
        break
    else:
        raise error or IngestError("文件为空。", "The file is empty.", "empty")
    _, offset = _records(text, sep, h + 1)
    header = [c if c != "" else None for c in top[h]]
    keep = [i for i, c in enumerate(header[:MAX_COLS]) if c is not None and c.strip()]
    body = text[offset:]
    if "\r" in body:
        body = body.replace("\r\n", "\n").replace("\r", "\n")
    width = len(header)
    names = [f"c{i}" for i in range(width)]
    if body.strip():
        try:
            df = pl.read_csv(
                io.StringIO(body),
                has_header=False,
                infer_schema=False,
                truncate_ragged_lines=True,
                new_columns=names,
                quote_char='"',
                separator=sep,
                raise_if_empty=False,
            )
            if df.width < width:  # polars names only as many columns as the widest row has
                df = df.with_columns([pl.lit(None, dtype=pl.String).alias(c) for c in names[df.width :]])
            df = df.select(names)
            cols = [df[f"c{i}"].replace("", None) for i in keep]  # polars columns: no Python object per cell
        except Exception:  # a quoting polars refuses: the csv module reads anything
            recs = list(csv.reader(io.StringIO(body, newline=""), delimiter=sep, strict=False))
            cols = [pl.Series([r[i] if i < len(r) and r[i] != "" else None for r in recs], dtype=pl.String) for i in keep]
    else:
        cols = [pl.Series([], dtype=pl.String) for _ in keep]
    n = len(cols[0]) if cols else 0
    # drop the trailing record of a file ending in a line break inside nothing (polars may add none)
    rows = list(range(h + 2, h + 2 + n))
    top_kept = [[(r[i] if i < len(r) and r[i] != "" else None) for i in keep] for r in top[: h + 1]]
    return Table("", top_kept, h, rows, cols, None, 0)


# ---------------------------------------------------------------- xlsx

_BAD_XLSX = (
    "Excel文件已损坏，无法读取：请用Excel打开后另存为新的 .xlsx 再导入。",
    "The Excel file is damaged and cannot be read: open it in Excel, save it as a new .xlsx and load it again.",
)


class _Capped(io.RawIOBase):
    """A read-only stream that refuses to hand out more than `cap` bytes (a zip bomb stops here)."""

    def __init__(self, f, cap: int):
        self.f, self.cap, self.n = f, cap, 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        data = self.f.read(len(b))
        self.n += len(data)
        if self.n > self.cap:
            raise IngestError(
                "Excel文件解压后过大（可能是压缩炸弹），已拒绝。",
                "The Excel file is far too large once unpacked (a zip bomb?): refused.",
                "too_large",
            )
        b[: len(data)] = data
        return len(data)


def _local(tag) -> str:
    return tag[tag.rfind("}") + 1 :] if isinstance(tag, str) else ""


def _iterparse(stream, tag: str):
    from lxml import etree

    return etree.iterparse(
        stream,
        events=("end",),
        tag=f"{{*}}{tag}",
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=True,
        remove_comments=True,
        remove_pis=True,
    )


def _xml(zf: zipfile.ZipFile, name: str):
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    with zf.open(name) as f:
        return etree.fromstring(f.read(64 << 20), parser)


def _part(zf: zipfile.ZipFile, name: str) -> str | None:
    """The zip member of a workbook part (case-insensitively: some writers differ)."""
    names = {n.lower(): n for n in zf.namelist()}
    return names.get(name.lstrip("/").lower())


_DATE_FMT_IDS = set(range(14, 23)) | set(range(27, 37)) | set(range(45, 48)) | set(range(50, 59)) | set(range(71, 82))


def _is_date_format(code: str) -> bool:
    t = re.sub(r'"[^"]*"|\\.|_.|\*.', "", code)
    t = re.sub(r"\[(?!h\]|m\]|s\])[^\]]*\]", "", t, flags=re.I)
    if t.lower() in ("general", "@", ""):
        return False
    return bool(re.search(r"[dmyhs]|[年月日]", t, re.I)) and not re.fullmatch(r"[#0.,%\s;\-+()E]*", t)


def _styles(zf: zipfile.ZipFile) -> list[bool]:
    """Per cell-format index: is it a date format?"""
    name = _part(zf, "xl/styles.xml")
    if name is None:
        return []
    root = _xml(zf, name)
    custom = {}
    for el in root.iter("{*}numFmt"):
        try:
            custom[int(el.get("numFmtId"))] = el.get("formatCode") or ""
        except (TypeError, ValueError):
            continue
    out = []
    for xfs in root.iter("{*}cellXfs"):
        for xf in xfs:
            try:
                fid = int(xf.get("numFmtId") or 0)
            except ValueError:
                fid = 0
            out.append(fid in _DATE_FMT_IDS if fid not in custom else _is_date_format(custom[fid]))
        break
    return out


def _shared_strings(zf: zipfile.ZipFile) -> list[str]:
    name = _part(zf, "xl/sharedStrings.xml")
    if name is None:
        return []
    out: list[str] = []
    with zf.open(name) as f:
        for _, si in _iterparse(io.BufferedReader(_Capped(f, MAX_XML_BYTES)), "si"):
            out.append("".join(t.text or "" for t in si.iter("{*}t") if _local(t.getparent().tag) != "rPh"))
            si.clear()
            while si.getprevious() is not None:
                del si.getparent()[0]
            if len(out) > MAX_CELLS:
                raise IngestError("Excel文件的文字单元格过多，已拒绝。", "Too many text cells in the workbook: refused.", "too_large")
    return out


def _sheets(zf: zipfile.ZipFile) -> tuple[list[tuple[str, str, str]], bool]:
    """[(name, state, zip member)] in workbook order, and whether dates count from 1904."""
    wb_name = _part(zf, "xl/workbook.xml")
    if wb_name is None:
        if any(n.lower().startswith("word/") for n in zf.namelist()):
            raise IngestError(
                "这是Word文档，不是表格：请上传台账的 .xlsx 或 .csv 文件。",
                "This is a Word document, not a table: load the ledger's .xlsx or .csv.",
                "not_table",
            )
        raise IngestError(
            "这是一个压缩包（zip），不是Excel表格：请上传台账的 .xlsx 或 .csv 文件。",
            "This is a zip archive, not an Excel workbook: load the ledger's .xlsx or .csv.",
            "not_table",
        )
    root = _xml(zf, wb_name)
    date1904 = any((el.get("date1904") or "").lower() in ("1", "true") for el in root.iter("{*}workbookPr"))
    rels: dict[str, str] = {}
    rels_name = _part(zf, "xl/_rels/workbook.xml.rels")
    if rels_name:
        for el in _xml(zf, rels_name).iter("{*}Relationship"):
            target = el.get("Target") or ""
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            rels[el.get("Id") or ""] = path
    out = []
    for i, el in enumerate(root.iter("{*}sheet")):
        rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
        target = rels.get(rid or "") or f"xl/worksheets/sheet{i + 1}.xml"
        member = _part(zf, target)
        if member is None or "chartsheet" in target.lower():
            continue
        out.append((el.get("name") or f"Sheet{i + 1}", (el.get("state") or "visible"), member))
    return out, date1904


_COLS: dict[str, int] = {}


def _col(letters: str) -> int:
    c = _COLS.get(letters)
    if c is None:
        c = 0
        for ch in letters:
            c = c * 26 + (ord(ch) - 64)
        c -= 1
        if len(_COLS) < 100_000:
            _COLS[letters] = c
    return c


_EPOCH = dt.date(1899, 12, 30)
_EPOCH_1904 = dt.date(1904, 1, 1)


def _serial_date(v: str, date1904: bool) -> str | None:
    try:
        f = float(v)
    except ValueError:
        return None
    if not (-1 < f < 2_958_466):  # Excel's last day is 9999-12-31
        return None
    return ((_EPOCH_1904 if date1904 else _EPOCH) + dt.timedelta(days=int(f))).isoformat()


def _number_text(v: str) -> str:
    """Excel's stored number as text: integral values without '.0' or exponent (below 1e15, where that is exact)."""
    if "E" in v or "e" in v or "." in v:
        try:
            f = float(v)
        except ValueError:
            return v
        if f == f and abs(f) < 1e15 and f.is_integer():
            return str(int(f))
    return v


def _cell(c, sst: list[str], dates: list[bool], date1904: bool) -> tuple[str | None, str | None]:
    """(text, kind) of one <c> element; (None, None) for an empty cell."""
    t = c.get("t")
    v = None
    formula = False
    inline = None
    for ch in c:
        ln = _local(ch.tag)
        if ln == "v":
            v = ch.text
        elif ln == "f":
            formula = True
        elif ln == "is":
            inline = "".join(x.text or "" for x in ch.iter("{*}t") if _local(x.getparent().tag) != "rPh")
    if t == "s":
        if v is None:
            return (None, KIND_FORMULA) if formula else (None, None)
        try:
            return sst[int(v)] or None, None
        except (ValueError, IndexError):
            return None, KIND_ERROR
    if t == "inlineStr":
        return inline or None, None
    if v is None or v == "":
        return (None, KIND_FORMULA) if formula else (inline or None, None)
    if t == "str":
        return v, None
    if t == "b":
        return ("1" if v.strip() in ("1", "true") else "0"), KIND_BOOL
    if t == "e":
        return v, KIND_ERROR
    if t == "d":
        return v[:10], KIND_DATE
    s = c.get("s")
    if s and dates:
        try:
            is_date = dates[int(s)]
        except (ValueError, IndexError):
            is_date = False
        if is_date:
            d = _serial_date(v, date1904)
            return (d or v), KIND_DATE
    return _number_text(v), KIND_NUMBER


def read_xlsx(raw: bytes, finder: HeaderFinder, all_sheets: bool = True) -> Workbook:
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
        if any(i.flag_bits & 0x1 for i in zf.infolist()):
            raise IngestError("文件已加密，请取消密码后再导入。", "The workbook is encrypted: remove its password first.", "encrypted")
        sheets, date1904 = _sheets(zf)
        dates = _styles(zf)
        sst = _shared_strings(zf)
        wb = Workbook("xlsx")
        first_error: IngestError | None = None
        budget = [MAX_CELLS]
        for name, state, member in sheets:
            if state.lower() != "visible":
                wb.skipped.append({"sheet": name, "zh": "隐藏工作表，未读取", "en": "hidden sheet, not read"})
                continue
            if not all_sheets and wb.tables:
                break
            try:
                t = _read_sheet(zf, member, name, sst, dates, date1904, finder, budget)
            except IngestError as e:
                if e.code != "no_header":
                    raise
                first_error = first_error or e
                wb.skipped.append({"sheet": name, "zh": f"没有台账表头，未读取（{e.zh}）", "en": f"no ledger header, not read ({e.en})"})
                continue
            wb.tables.append(t)
    except IngestError:
        raise
    except MemoryError:
        raise
    except Exception as e:  # zip, deflate, XML: a damaged or truncated workbook
        raise IngestError(_BAD_XLSX[0], f"{_BAD_XLSX[1]} ({type(e).__name__})", "damaged") from e
    if not wb.tables:
        if not sheets:
            raise IngestError("Excel文件中没有工作表。", "The workbook has no worksheets.", "damaged")
        if first_error is None:
            raise IngestError(
                "工作簿只有隐藏工作表，没有可见的台账工作表（隐藏的工作表不会导入）。",
                "The workbook has only hidden sheets: hidden sheets are not loaded.",
                "no_header",
            )
        raise first_error
    return wb


def _read_sheet(
    zf: zipfile.ZipFile, member: str, name: str, sst: list[str], dates: list[bool], date1904: bool, finder: HeaderFinder, budget: list[int]
) -> Table:
    top: list[tuple[int, dict[int, tuple[str | None, str | None]]]] = []
    keep: list[int] | None = None
    pos: dict[int, int] = {}
    rows: list[int] = []
    cols: list[list] = []
    kinds: list[list] = []
    dropped = 0
    header_index = -1
    top_kept: list[list[str | None]] = []

    def settle() -> None:
        nonlocal keep, header_index, dropped
        frame = _top_frame([[cells.get(i, (None, None))[0] for i in range(min(MAX_COLS, max(cells, default=-1) + 1))] for _, cells in top])
        if frame.width == 0:
            raise IngestError("工作表为空。", "The sheet is empty.", "no_header")
        try:
            h = finder(frame)
        except IngestError as e:
            raise IngestError(e.zh, e.en, "no_header") from e
        header_index = h
        hdr = top[h][1]
        keep = sorted(i for i, (v, _k) in hdr.items() if i < MAX_COLS and v is not None and str(v).strip())
        dropped += sum(1 for i in hdr if i >= MAX_COLS)
        pos.update({c: j for j, c in enumerate(keep)})
        cols.extend([] for _ in keep)
        kinds.extend([] for _ in keep)
        for _, cells in top[: h + 1]:
            top_kept.append([cells.get(i, (None, None))[0] for i in keep])
        for r, cells in top[h + 1 :]:
            add(r, cells)

    def add(r: int, cells: dict) -> None:
        nonlocal dropped
        got = False
        row_vals: list = [None] * len(keep)
        row_kinds: list = [None] * len(keep)
        for i, (v, k) in cells.items():
            j = pos.get(i)
            if j is None:
                dropped += 1
                continue
            row_vals[j], row_kinds[j] = v, k
            got = True
        if not got:
            return
        budget[0] -= len(keep)
        if budget[0] < 0:
            raise IngestError(
                "表格过大（单元格超过6000万个），请按县区拆分后导入。",
                "The table is too large (over 60 million cells): split it by county.",
                "too_large",
            )
        rows.append(r)
        for j in range(len(keep)):
            cols[j].append(row_vals[j])
            kinds[j].append(row_kinds[j])

    with zf.open(member) as f:
        last_row = 0
        for _, row in _iterparse(io.BufferedReader(_Capped(f, MAX_XML_BYTES), 1 << 20), "row"):
            try:
                r = int(row.get("r") or 0) or last_row + 1
            except ValueError:
                r = last_row + 1
            last_row = r
            if r > MAX_ROWS:
                break
            cells: dict[int, tuple[str | None, str | None]] = {}
            ci = -1
            for c in row:
                if _local(c.tag) != "c":
                    continue
                ref = c.get("r")
                if ref:
                    n = 0
                    while n < len(ref) and ref[n] > "9":
                        n += 1
                    ci = _col(ref[:n].upper()) if 0 < n <= 3 else ci + 1
                else:
                    ci += 1
                if ci < 0 or ci > 16_383:
                    continue
                v, k = _cell(c, sst, dates, date1904)
                if v is not None and isinstance(v, str) and not v.strip():
                    v = None
                if v is None and k != KIND_FORMULA and k != KIND_ERROR:
                    continue
                cells[ci] = (v, k)
            row.clear()
            while row.getprevious() is not None:
                del row.getparent()[0]
            if not cells:
                continue
            if keep is None:
                top.append((r, cells))
                if len(top) >= TOP_ROWS:
                    settle()
            else:
                add(r, cells)
    if keep is None:
        settle()
    return Table(name, top_kept, header_index, rows, cols, kinds, dropped)
