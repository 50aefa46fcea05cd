"""Reported metrics (填报指标): figures the units report themselves, which the placement ledger cannot give — urban
new jobs, person-times of subsidised training, new labour-dispatch companies and transfer bases, farmer-herder
workers on public projects (seed 001's targets). What they are is declared in the catalogue (`REPORTED_ITEMS`,
`REPORTED_METRICS`); here they are stored, checked and read in.

Each report is a unit's figure for the year to date as of a day (`as_of`), entered on the 填报指标 page or loaded from a
CSV/Excel table; the latest report counts, and a unit that has not reported gets the sum of the latest reports below
it. Reports are kept in `data/reported/values.csv`, append-only (who, when, how), so every figure has its source.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from tracker import settings
from tracker.catalogue import REPORTED_ITEMS
from tracker.hierarchy import Hierarchy

SCHEMA = {
    "year": pl.Int16,
    "unit_code": pl.String,
    "item": pl.String,
    "as_of": pl.Date,
    "value": pl.Float64,
    "source": pl.String,
    "user": pl.String,
    "time": pl.String,
    "note": pl.String,
}
SOURCES = {"entry": ("填报", "Entered"), "import": ("导入", "Imported")}


def store_path(data_dir: Path | None = None) -> Path:
    return (data_dir or settings.data_dir()) / "reported" / "values.csv"


@dataclass
class Outcome:
    accepted: int = 0
    rejects: list[dict] = field(default_factory=list)  # {"row", "column", "value", "reason_zh", "reason_en"}


def check(rows: list[dict], h: Hierarchy, scope: str, today: dt.date) -> tuple[list[dict], list[dict]]:
    """(good rows, rejects): a known unit inside `scope`, a known item, a number ≥ 0 (whole for counts), a date in the
    past of a year with data."""
    good, bad = [], []
    for r in rows:

        def no(zh: str, en: str, col: str, r=r) -> None:
            bad.append({"row": r.get("row"), "column": col, "value": str(r.get(col, ""))[:40], "reason_zh": zh, "reason_en": en})

        unit, item, value, as_of = r.get("unit_code"), r.get("item"), r.get("value"), r.get("as_of")
        if not unit or not h.exists(unit):
            no("单位无法识别", "unknown unit", "unit_code")
        elif not unit.startswith(scope):
            no("不在您的管辖范围内", "outside your area", "unit_code")
        elif item not in REPORTED_ITEMS:
            no("不是填报指标", "not a reported item", "item")
        elif not isinstance(as_of, dt.date) or as_of > today or as_of.year < 2000:
            no("截至日期无效（不能晚于今天）", "the as-of date is not valid (not after today)", "as_of")
        elif not isinstance(value, (int, float)) or value != value or value < 0:
            no("数值无效（应为不小于0的数字）", "the value is not a number ≥ 0", "value")
        elif REPORTED_ITEMS[item].unit_en != "persons" and REPORTED_ITEMS[item].unit_zh in ("家", "人次") and float(value) != int(value):
            no("应为整数", "must be a whole number", "value")
        else:
            good.append({**r, "value": float(value), "year": as_of.year})
    return good, bad


def add(
    rows: list[dict],
    user: str,
    source: str,
    h: Hierarchy,
    scope: str,
    today: dt.date | None = None,
    note: str = "",
    data_dir: Path | None = None,
) -> Outcome:
    """Check and append reports (all the good rows; the others come back with a reason). Rows: unit_code, item,
    value, as_of (and `row` for messages)."""
    today = today or settings.today()
    good, bad = check(rows, h, scope, today)
    if good:
        now = dt.datetime.now().isoformat(timespec="seconds")
        frame = pl.DataFrame(
            [
                {
                    "year": g["year"],
                    "unit_code": g["unit_code"],
                    "item": g["item"],
                    "as_of": g["as_of"],
                    "value": g["value"],
                    "source": source,
                    "user": user,
                    "time": g.get("time") or now,
                    "note": note[:200],
                }
                for g in good
            ],
            schema=SCHEMA,
        )
        from tracker.submissions import writer

        with writer(data_dir or settings.data_dir()):  # with object storage, appended to the shared file, not to this host's copy only
            _append(frame, store_path(data_dir))
    return Outcome(len(good), bad)


def _append(frame: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
    with os.fdopen(fd, "a", encoding="utf-8") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        header = f.tell() == 0 and os.path.getsize(path) == 0
        f.write(frame.write_csv(include_header=header))
        f.flush()
        os.fsync(f.fileno())


def read_table(path: Path, h: Hierarchy, as_of: dt.date) -> tuple[list[dict], list[dict]]:
    """A table of reports (CSV or Excel): a unit column (name or code), optionally 截至日期, and one column per item
    (headed as the item is named, e.g. 城镇新增就业, 补贴性职业技能培训) → report rows, with row-level rejects."""
    from tracker.ledger_read import IngestError, norm_header, read_unit_table

    alias = {}
    for k, it in REPORTED_ITEMS.items():
        for a in (it.zh, it.en, k, *it.headers):
            alias[norm_header(a)] = k
    date_alias = {norm_header(a) for a in ("截至日期", "截至", "日期", "as_of", "date")}
    t = read_unit_table(path, h)
    header, ucol = t.header, t.ucol
    dcol = next((i for i, c in enumerate(header) if norm_header(c) in date_alias), None)
    icols = t.columns(alias)
    if not icols:
        raise IngestError("表中没有可识别的填报指标列。", "No reported-item column found.")
    from tracker.validate import parse_date

    rows, rejects = [], []
    for row_no, r in t.rows:
        unit = (r[ucol] or "").strip()
        if not unit:
            continue
        code = t.code(unit, h)
        if code is None:
            rejects.append({"row": row_no, "column": header[ucol], "value": unit, "reason_zh": "单位无法识别", "reason_en": "unknown unit"})
            continue
        day = as_of
        if dcol is not None and (r[dcol] or "").strip():
            d = parse_date(r[dcol].strip())
            if not isinstance(d, dt.date):
                rejects.append(
                    {
                        "row": row_no,
                        "column": header[dcol],
                        "value": r[dcol],
                        "reason_zh": "日期无法识别",
                        "reason_en": "date not recognised",
                    }
                )
                continue
            day = d
        for i, item in icols.items():
            v = (r[i] or "").strip().replace(",", "")
            if not v:
                continue
            try:
                x = float(v)
            except ValueError:
                rejects.append({"row": row_no, "column": header[i], "value": v, "reason_zh": "不是数字", "reason_en": "not a number"})
                continue
            rows.append({"row": row_no, "unit_code": code, "item": item, "value": x, "as_of": day})
    return rows, rejects


def reporters(area: str, year: int, day: dt.date, names, lang: str = "zh") -> str | None:
    """Whose reports make up the area's reported figures (a unit without a report of its own sums its children's),
    as a list of names (卡若区、洛隆县; the first five, then 等N个单位); None where the area reported itself alone."""
    rep = history(area, year).filter(pl.col("as_of") <= day)
    units = sorted(set(rep["unit_code"].to_list()))
    if not units or units == [area]:
        return None
    shown = [names(u) for u in units[:5]]
    if lang == "zh":
        return "、".join(shown) + (f"等{len(units)}个单位" if len(units) > 5 else "")
    return ", ".join(shown) + (f" and {len(units) - 5} more" if len(units) > 5 else "")


def coverage_note(area: str, year: int, day: dt.date, names, lang: str = "zh") -> str | None:
    """Said under the cards, so that one county's figures are not read as the whole region's."""
    who = reporters(area, year, day, names, lang)
    if who is None:
        return None
    if lang == "zh":
        return f"填报单位：{who}。未填报的单位以其下级的填报合计，因此本级数字只含已填报单位。"
    return f"Reported by: {who}. A unit without a report of its own sums its children's: these figures cover the units that reported."


def history(area: str, year: int) -> pl.DataFrame:
    """Every report of the year inside the area, newest first (the 填报指标 page's list; through the query layer)."""
    from queries import cached

    return cached("reported_history", area=area, year=year)
