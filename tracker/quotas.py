"""Quota management (目标任务层层分解): consistency checks, decomposition, loading an issued table, saving."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from tracker import settings
from tracker.catalogue import METRICS
from tracker.errors import TrackerError
from tracker.hierarchy import KIND, KIND_EN, REGION, WORKERS_ZH, Hierarchy
from tracker.rules import largest_remainder

SUM_METRICS = (
    "total",
    "org_xprov",
    "org_xpref",
    "out_region",
    "income",
    "training",
    "src_industry",
    "src_project",
    "src_flexible",
    "urban_new_jobs",
    "new_dispatch_companies",
    "new_transfer_bases",
)
SHARE_METRICS = ("org_share", "training_directed_share", "project_labour_share")
METRIC_HEADERS = {  # the columns of an issued quota table (分解下达表), as officials head them; the first is written
    "total": ["转移就业人数", "转移就业", "total"],
    "org_xprov": ["有组织跨省转移", "跨省转移", "org_xprov"],
    "org_xpref": ["有组织跨地市转移", "跨地市转移", "org_xpref"],
    "out_region": [
        METRICS["out_region"].zh,  # in the province's words (区外 / 省外 / 市外)
        *("区外转移就业", "区外转移", "省外转移就业", "省外转移", "市外转移就业", "市外转移", "out_region"),
    ],
    "income": ["劳务收入(元)", "劳务收入", "income"],
    "org_share": ["组织化率", "org_share"],
    "training": ["补贴性职业技能培训", "技能培训", "培训人次", "培训人数", "training"],
    "training_directed_share": ["订单定向及以工代训等占比", "training_directed_share"],
    "urban_new_jobs": ["城镇新增就业", "urban_new_jobs"],
    "new_dispatch_companies": ["新建劳务派遣公司", "new_dispatch_companies"],
    "new_transfer_bases": ["新建转移就业基地", "new_transfer_bases"],
    "project_labour_share": [
        METRICS["project_labour_share"].zh,  # in the province's words (农牧民工 / 农民工)
        "政府投资项目农牧民工用工占比",
        "政府投资项目农民工用工占比",
        "project_labour_share",
    ],
}


# where a quota comes from (the `source` column; `source_note` says which document, year or method)
SOURCES = {
    "published": ("已公布", "Published"),
    "issued": ("已下达", "Issued"),
    "decomposed": ("分解测算", "Decomposed"),
    "demo": ("演示值", "Demo value"),
}
SCHEMA = {
    "year": pl.Int16,
    "unit_code": pl.String,
    "metric": pl.String,
    "target": pl.Float64,
    "due_date": pl.Date,
    "source_note": pl.String,
    "source": pl.String,
}


def frame(rows: list[tuple]) -> pl.DataFrame:
    """Quota rows (year, unit, metric, target, due, note, source) as the quota table's frame."""
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def source_label(kind: str | None, lang: str = "zh") -> str:
    return SOURCES.get(kind or "", ("", ""))[0 if lang == "zh" else 1]


CHECK_LABELS = {
    "over": ("下级合计超过上级", "Children above parent"),
    "under": ("下级合计低于上级", "Children below parent"),
    "missing": ("缺少任务", "No quota"),
    "unknown_unit": ("未知单位", "Unknown unit"),
    "share_below_parent": ("下限低于上级", "Floor below parent's"),
}


@dataclass(frozen=True)
class Finding:
    check: str  # over | under | missing | unknown_unit | share_below_parent
    unit_code: str
    metric: str
    detail: float | None
    zh: str
    en: str


def _label(metric: str, lang: str) -> str:
    """A quota metric's name as the cards say it (the key only if no card shows it)."""
    return next((m.label(lang) for m in METRICS.values() if m.quota == metric), metric)


LEVELS = {
    1: (KIND, KIND_EN),  # 自治区 / region, 省 / province, 市 / city
    2: ("地（市）", "prefecture"),
    3: ("县（区）", "county"),
    4: ("乡（镇）", "township"),
    5: ("村（居）", "village"),
}


def consistent_text(q: pl.DataFrame, h: Hierarchy, area: str, lang: str) -> str:
    """What a clean check says, and down to which level quotas are set: a township's villages have none (its overview
    ranks them by what was done), so "every unit has its quotas" would contradict it."""
    here = h.level(area)
    codes = q["unit_code"].unique().to_list() if q.height else []
    deepest = max((h.level(c) for c in codes if c.startswith(area) and h.exists(c)), default=here)
    zh = lang == "zh"
    head = "下级任务合计与上级一致" if zh else "Children add up to their parents"
    if here >= 5:
        return "村（居）一级不下达任务。" if zh else "No quotas are set for a village."
    if deepest >= 5:
        return head + ("，各级单位均有任务。" if zh else "; every unit has its quotas.")
    name = LEVELS[deepest][0 if zh else 1]
    below = LEVELS[deepest + 1][0 if zh else 1]
    if zh:
        return f"{head}；任务下达到{name}一级，{below}一级未下达任务（进度排名按完成数排列）。"
    return f"{head}; quotas are set down to the {name} level, none for each {below} (ranked by what was done)."


def check(q: pl.DataFrame, h: Hierarchy, year: int) -> list[Finding]:
    """Children summing to more or less than the parent, units without a quota, unknown units,
    a share minimum below the parent's."""
    y = q.filter(pl.col("year") == year)
    val = {(r["unit_code"], r["metric"]): r["target"] for r in y.iter_rows(named=True)}
    out: list[Finding] = []
    for code in sorted({u for u, _ in val}):
        if not h.exists(code):
            out.append(
                Finding(
                    "unknown_unit",
                    code,
                    "",
                    None,
                    f"任务表中的单位代码{code}不存在",
                    f"unit code {code} in the quota table does not exist",
                )
            )
    for (parent, metric), target in sorted(val.items()):
        if not h.exists(parent):
            continue
        kids = h.children(parent) if len(parent) < 9 else []
        if not kids:
            continue
        if metric in SUM_METRICS:
            have = [val.get((k, metric)) for k in kids]
            if all(v is None for v in have):
                continue  # not decomposed at this level: nothing to compare
            missing = [k for k, v in zip(kids, have, strict=True) if v is None]
            for k in missing:
                out.append(
                    Finding(
                        "missing",
                        k,
                        metric,
                        None,
                        f"{h.name(k)} 缺少“{_label(metric, 'zh')}”任务",
                        f"{h.name(k, 'en')} has no {_label(metric, 'en')} quota",
                    )
                )
            total = sum(v for v in have if v is not None)
            if abs(total - target) > 1e-6:
                kind = "over" if total > target else "under"
                out.append(
                    Finding(
                        kind,
                        parent,
                        metric,
                        total - target,
                        f"{h.name(parent)}“{_label(metric, 'zh')}”下级合计{total:,.0f}，{'超出' if kind == 'over' else '少于'}本级任务"
                        f"{abs(total - target):,.0f}",
                        f"{h.name(parent, 'en')} {_label(metric, 'en')}: children add up to {total:,.0f}, "
                        f"{abs(total - target):,.0f} {'over' if kind == 'over' else 'under'} the parent",
                    )
                )
        elif metric in SHARE_METRICS:
            for k in kids:
                v = val.get((k, metric))
                if v is not None and v < target - 1e-9:
                    out.append(
                        Finding(
                            "share_below_parent",
                            k,
                            metric,
                            v - target,
                            f"{h.name(k)}“{_label(metric, 'zh')}”下限{v:.1%}低于上级{target:.1%}",
                            f"{h.name(k, 'en')} {_label(metric, 'en')} minimum {v:.1%} is below the parent's {target:.1%}",
                        )
                    )
    return out


def decompose(total: float, children: list[str], weights: list[float]) -> dict[str, int]:
    """Allocate a parent's quota by weights; the parts sum exactly to the parent (largest remainder)."""
    return dict(zip(children, largest_remainder(round(total), weights), strict=True))


def table(area: str = REGION) -> pl.DataFrame:
    """The quota table in force inside an area (through the query layer, so a saved table shows up at once)."""
    from queries import cached

    return cached("quota_table", area=area).with_columns(pl.col("year").cast(pl.Int16))


def store(new: pl.DataFrame, area: str) -> Path:
    """Replace (year, unit, metric) rows inside `area` in the complete quota file; rows outside are refused."""
    import queries

    outside = new.filter(~pl.col("unit_code").str.starts_with(area))
    if outside.height:
        raise TrackerError(f"无权限：{outside.height}条任务不在本辖区。", f"No permission: {outside.height} quotas are outside your area.")
    from tracker.submissions import writer

    with writer(settings.data_dir()):  # read, change, write: one writer at a time (with object storage, across hosts)
        with queries.scoped(queries.SYSTEM):  # the file holds every area; only rows inside `area` change
            full = table("")
        return save(replace_rows(full, new.cast(full.schema)))


def replace_rows(q: pl.DataFrame, new: pl.DataFrame) -> pl.DataFrame:
    """Quota table with (year, unit, metric) rows of `new` replacing the old ones."""
    keys = ["year", "unit_code", "metric"]
    return pl.concat([q.join(new.select(keys), on=keys, how="anti"), new.select(q.columns)]).sort(keys)


def save(q: pl.DataFrame, path: Path | None = None) -> Path:
    """Write the quota table atomically (temp file + rename)."""
    path = path or (settings.data_dir() / "quotas.csv")
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")  # hidden: never published half-written
    q.sort("year", "unit_code", "metric").write_csv(tmp)
    os.replace(tmp, path)
    return path


def read_issued(path: Path, h: Hierarchy, year: int, due: dt.date | None = None, note: str = "导入") -> tuple[pl.DataFrame, list[dict]]:
    """An issued quota table (unit name or code + one column per metric) → quota rows (source `issued`), with
    row-level rejects."""
    from tracker.ledger_read import norm_header, read_unit_table

    t = read_unit_table(path, h)
    mcols = t.columns({norm_header(a): m for m, al in METRIC_HEADERS.items() for a in al})
    header, ucol = t.header, t.ucol
    due = due or dt.date(year, 12, 31)
    rows, rejects = [], []
    for row_no, r in t.rows:
        unit = (r[ucol] or "").strip()
        if not unit:
            continue
        code = t.code(unit, h)
        if code is None and (unit.endswith(("合计", "总计", "小计")) or not any((r[i] or "").strip() for i in mcols)):
            continue  # a total row, the title block or the sign-off line: nothing to load
        if code is None:
            rejects.append({"row": row_no, "column": header[ucol], "value": unit, "reason_zh": "单位无法识别", "reason_en": "unknown unit"})
            continue
        for i, metric in mcols.items():
            v = (r[i] or "").strip().replace(",", "").rstrip("%")
            if not v:
                continue
            try:
                x = float(v)
            except ValueError:
                rejects.append({"row": row_no, "column": header[i], "value": v, "reason_zh": "不是数字", "reason_en": "not a number"})
                continue
            if metric in SHARE_METRICS and x > 1:
                x /= 100
            if x < 0:
                rejects.append({"row": row_no, "column": header[i], "value": v, "reason_zh": "任务为负数", "reason_en": "negative quota"})
                continue
            rows.append((year, code, metric, x, due, note, "issued"))
    return frame(rows), rejects


def issuing_table(q: pl.DataFrame, h: Hierarchy, parent: str, year: int) -> pl.DataFrame:
    """分解下达表: the parent's children with one column per metric (Chinese headers)."""
    kids = [parent, *h.children(parent)]
    y = q.filter((pl.col("year") == year) & pl.col("unit_code").is_in(kids))
    wide = y.pivot(on="metric", index="unit_code", values="target")
    order = {c: i for i, c in enumerate(kids)}
    wide = (
        wide.with_columns(name=h.name_expr("unit_code", short=False), _o=pl.col("unit_code").replace_strict(order, return_dtype=pl.Int32))
        .sort("_o")
        .drop("_o")
    )
    names = {m: hs[0] for m, hs in METRIC_HEADERS.items()}
    cols = ["unit_code", "name"] + [m for m in METRIC_HEADERS if m in wide.columns]
    return wide.select(cols).rename({"unit_code": "单位代码", "name": "单位", **{m: names[m] for m in cols[2:]}})


def issuing_xlsx(
    q: pl.DataFrame, h: Hierarchy, parent: str, year: int, issuer: str = "", doc_no: str = "", today: dt.date | None = None
) -> bytes:
    """分解下达表 as an office issues it: title, 文号 and units line, the parent's own row, its children, a 下级合计 row
    (a note where the children do not add up to the parent), each metric in its own format (persons and yuan whole
    with separators, shares as percentages), and a sign-off line. `read_issued` reads it back."""
    import io

    from tracker.exports import safe_value, workbook

    t = issuing_table(q, h, parent, year)
    today = today or dt.date.today()
    metrics = [m for m in METRIC_HEADERS if METRIC_HEADERS[m][0] in t.columns]
    buf = io.BytesIO()
    with workbook(buf) as wb:
        ws = wb.add_worksheet("分解下达表")
        title = wb.add_format({"bold": True, "font_size": 16, "align": "center", "font_name": "SimHei"})
        plain = wb.add_format({"font_name": "SimSun"})
        head = wb.add_format({"bold": True, "border": 1, "align": "center", "valign": "vcenter", "text_wrap": True, "font_name": "SimHei"})
        cell = wb.add_format({"border": 1, "font_name": "SimSun"})
        bold = wb.add_format({"border": 1, "bold": True, "font_name": "SimSun"})
        num = {
            m: (
                wb.add_format({"border": 1, "num_format": "0.0%"})
                if m in SHARE_METRICS
                else wb.add_format({"border": 1, "num_format": "#,##0"})
            )
            for m in metrics
        }
        last = 1 + len(metrics)
        ws.merge_range(0, 0, 0, last, f"{year}年{h.name(parent)}{WORKERS_ZH}转移就业目标任务分解下达表", title)
        ws.write_string(1, 0, f"文号：{doc_no}" if doc_no else "文号：", plain)
        ws.write_string(1, last, "单位：人、元", plain)
        for j, c in enumerate(["单位代码", "单位", *[METRIC_HEADERS[m][0] for m in metrics]]):
            ws.write_string(3, j, c, head)
        ws.set_row(3, 32)
        ws.set_column(0, 0, 14)
        ws.set_column(1, 1, 20)
        ws.set_column(2, last, 16)
        rows = t.to_dicts()
        r = 4
        for row in rows:
            ws.write_string(r, 0, row["单位代码"], cell)
            ws.write_string(r, 1, safe_value(row["单位"]) + ("（本级）" if row["单位代码"] == parent else ""), cell)
            for j, m in enumerate(metrics, start=2):
                v = row[METRIC_HEADERS[m][0]]
                ws.write_blank(r, j, None, num[m]) if v is None else ws.write_number(r, j, v, num[m])
            r += 1
        kids = [x for x in rows if x["单位代码"] != parent]
        own = next((x for x in rows if x["单位代码"] == parent), {})
        notes = []
        if kids:
            ws.write_string(r, 0, "", bold)
            ws.write_string(r, 1, "下级合计", bold)
            for j, m in enumerate(metrics, start=2):
                col = METRIC_HEADERS[m][0]
                vals = [x[col] for x in kids if x[col] is not None]
                if m in SHARE_METRICS or not vals:  # shares do not add up
                    ws.write_blank(r, j, None, num[m])
                    continue
                total = sum(vals)
                ws.write_number(r, j, total, num[m])
                if own.get(col) is not None and round(total) != round(own[col]):
                    notes.append(f"{col}下级合计{total:,.0f}，本级任务{own[col]:,.0f}")
            r += 1
        if notes:
            ws.write_string(r, 0, "注：" + "；".join(notes) + "。", plain)
            r += 1
        sign = f"制表单位：{issuer}　　　　审核：　　　　　　制表日期：{today.year}年{today.month}月{today.day}日"
        ws.write_string(r + 1, 0, sign, plain)
        ws.freeze_panes(4, 2)
    return buf.getvalue()
