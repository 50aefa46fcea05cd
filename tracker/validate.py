"""Validating a ledger's rows: every check vectorised, each distinct value parsed once, the first failing check of a
row its reason (zh/en); accepted rows in the schema's form, rejected rows with what the reject report may show of the
cell (ID-shaped text masked, names and phone numbers hidden), flags for rows kept but worth a look.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import polars as pl

from tracker import catalogue, hierarchy, ids, readers, schema
from tracker.hierarchy import REGION
from tracker.ledger_read import HEADERS, ZERO_WIDTH, norm_header, norm_text, with_source

GROUP_FLAGS = [g.key for g in catalogue.GROUP_LIST if g.column]
FLAGS = [*GROUP_FLAGS, "organized", "trained"]
INCOME_MAX = 10_000_000  # yuan: above this, a value is an ID number or a unit error, not a year's wages
DATE_MIN = dt.date(2000, 1, 1)

R = {  # reasons: code -> (zh, en)
    "formula": ("公式没有计算结果（请在Excel中重新计算并保存）", "Formula without a cached value (recalculate and save in Excel)"),
    "cell_error": ("单元格是错误值（如#N/A、#REF!）", "The cell holds an error value (e.g. #N/A, #REF!)"),
    "missing": ("必填项为空", "Required field is empty"),
    "id_format": ("身份证号格式错误", "ID number is not 18 characters of digits (+X)"),
    "id_numeric": ("身份证号被存为数字，后几位已丢失", "ID stored as a number: its last digits are lost"),
    "id_check": ("身份证号校验位错误", "ID check digit is wrong (GB 11643)"),
    "id_birth": ("身份证号中的出生日期不存在", "Impossible birth date in the ID"),
    "region_unknown": ("区划代码或名称无法识别", "Unknown region code or name"),
    "region_inconsistent": ("区划层级不一致（下级不属于上级）", "Region codes inconsistent (child not in parent)"),
    "enum": ("取值不在允许范围内", "Value not allowed"),
    "flag": ("是/否字段无法识别", "Yes/no value not recognised"),
    "date": ("日期无法识别", "Date not recognised"),
    "date_range": ("日期早于2000年，不合理", "Date before 2000: not plausible"),
    "date_order": ("结束时间早于开始时间", "End date before start date"),
    "date_future": ("开始时间晚于快照日期", "Start date after the snapshot date"),
    "months": ("务工月数超出范围（0-12且不超过已过月数）", "Months outside 0–12 or beyond the months elapsed"),
    "cell_date": ("数值单元格被设成了日期格式", "A number cell is formatted as a date"),
    "income": ("劳务收入为负或不是数字", "Income negative or not a number"),
    "income_range": (
        "劳务收入超过1000万元，不合理（可能填入了身份证号或单位有误）",
        "Income above 10 million yuan: not plausible (an ID number, or the wrong unit?)",
    ),
    "number": ("数值无法识别", "Number not recognised"),
    "duplicate": ("同一文件中重复的同一就业记录（保留一条）", "Same placement twice in one file (one kept)"),
    "out_of_scope": ("不属于您管辖的县区（只能报送本辖区的台账）", "A county outside your area (you may send your own area's ledger only)"),
}
FLAG_REASONS = {
    "income_outlier": ("月均收入异常（超出分布范围）", "Income per month far outside the distribution"),
    "income_unit": ("收入数值与表头单位不符（疑似元/万元混用），请核实", "Income looks like the wrong unit (元 vs 万元): check it"),
    "id_region": ("身份证地区码与户籍县不一致", "ID region prefix differs from the hukou county"),
    "age": ("年龄不在16-65岁之间", "Age outside 16–65"),
    "no_village": ("缺少户籍村(居)", "No hukou village"),
}


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


def classify_ids(col: pl.Series, numeric_cells: pl.Series | None = None, normalized: bool = False) -> list[pl.Series]:
    """Vectorised classify_id: `_id` (normalised, or null) and `_id_err` (reason code, or null).

    Any text is classified (letters, CJK, zero-width characters): only well-formed values reach the check digit.
    An ID kept as a number loses its last digits: scientific notation, a trailing '.0', '000' with a wrong check
    digit, an Excel number cell (`numeric_cells`), or — when most IDs of the column are 18-digit numbers a float
    holds exactly, i.e. the column went through a number — every such value. `normalized`: the caller has already
    applied `clean_text` (NFKC, zero-width characters removed).
    """
    t = col.cast(pl.String)
    if not normalized:
        t = t.str.normalize("NFKC").str.replace_all(ZERO_WIDTH, "")
    t = t.str.replace_all(r"\s", "").str.strip_chars_start("'`‘’\"").str.to_uppercase().replace("", None)
    numeric = t.str.contains(r"^\d+(\.\d+)?E\+?\d+$") | t.str.contains(r"^\d{15,18}\.0+$")
    fmt_ok = t.str.contains(r"^[0-9]{17}[0-9X]$").fill_null(False)  # ASCII digits only: `\d` takes any script's
    safe = pl.select(pl.when(fmt_ok).then(t).otherwise(pl.lit("0" * 18))).to_series()  # 18 ASCII characters each
    n = len(safe)
    chars = np.frombuffer(safe.str.join("").item().encode("ascii"), dtype=np.uint8).reshape(n, 18) if n else np.zeros((0, 18), np.uint8)
    expected = np.frombuffer(ids.CHECK_CHARS.encode("ascii"), dtype=np.uint8)[ids.check_index(chars[:, :17].astype(np.int64) - 48)]
    check_ok = fmt_ok & pl.Series(chars[:, 17] == expected, dtype=pl.Boolean)
    birth_ok = safe.str.slice(6, 8).str.to_date("%Y%m%d", strict=False).is_not_null()
    exact = _float_exact(t)
    # over distinct IDs: a person reported twice must not count twice towards "most of the column"
    distinct = t.filter(fmt_ok).unique()
    d_exact = _float_exact(distinct)
    # a column that went through a number holds every ID a float can (all but the few ending in X): four in five at least;
    # by chance one real ID in 16–128 is float-exact, so "more than half" took three of five persons in a small file
    column_numeric = distinct.len() >= 5 and d_exact.sum() >= 0.8 * distinct.len()
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
            "省内跨地市": "cross_prefecture",
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


def _clean(x: pl.Expr) -> pl.Expr:
    return x.str.normalize("NFKC").str.replace_all(ZERO_WIDTH, "").str.replace_all(r"\s+", " ").str.strip_chars().replace("", None)


def clean_text(df: pl.DataFrame, cols: list[str]) -> pl.DataFrame:
    """Each cell as text, NFKC-normalised, zero-width characters removed, runs of spaces made one, stripped, "" as
    null. A column with few distinct values (all but IDs and record numbers) is cleaned once per value and mapped
    back: half the time of cleaning every cell of a 600K-row ledger."""
    text = [pl.col(c).cast(pl.String) for c in cols]
    distinct = df.select([e.unique().drop_nulls().implode() for e in text]).row(0) if df.height else [[] for _ in cols]
    exprs = []
    for e, values in zip(text, distinct, strict=True):
        if len(values) * 4 > df.height:
            exprs.append(_clean(e))
        else:
            old = pl.Series(values, dtype=pl.String)
            exprs.append(e.replace_strict(old, pl.select(_clean(pl.lit(old))).to_series(), default=None, return_dtype=pl.String))
    return df.with_columns(exprs)


def validate(
    df: pl.DataFrame, snapshot: dt.date, lk: Lookup, source: str | None = None, pii: set[str] | frozenset = frozenset()
) -> tuple[pl.DataFrame, list[dict], list[dict], dict]:
    """(accepted rows in schema form + `_source`,`_file`,`_sheet`,`_row`,`_id`; rejects; flags; counts), vectorised.

    The rows of all files of a run are validated together (`with_source` tags each file's rows; `source` tags a
    frame that is one file). Each distinct value is parsed once; the first failing check of a row is its reason.
    """
    df = clean_text(df, [c for c in df.columns if not c.startswith("_") and not c.endswith("__k")])
    df = df.with_columns(
        [pl.lit(None, dtype=pl.String).alias(c) for c in HEADERS if c not in df.columns]
        + [pl.lit(None, dtype=pl.String).alias(f"{c}__k") for c in HEADERS if f"{c}__k" not in df.columns]
    )
    if "_unit" not in df.columns:
        df = df.with_columns(_unit=pl.lit(1.0))
    if "_file" not in df.columns:
        df = with_source(df, source or "")
    df = df.with_columns(classify_ids(df["id_number"], df["id_number__k"] == readers.KIND_NUMBER, normalized=True))
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


_LOOKUP: list = [None, None]


def _lookup(h: hierarchy.Hierarchy) -> Lookup:
    """The region lookup of this hierarchy, built once per process (hierarchy.load() is cached)."""
    if _LOOKUP[0] is not h:
        _LOOKUP[:] = [h, Lookup(h)]
    return _LOOKUP[1]
