"""The weekly bulletin (调度通报): Word, Excel, PDF and chart images from the overview's numbers.

    python -m tracker.bulletin --area 54 --snapshot 2026-11-20 --out DIR [--lang zh|en]

Text, tables and charts come from `tracker.dispatch` (the same numbers as the overview page).
PNG charts: plotly + kaleido driving the system Chromium (offline, no MathJax). PDF: the same
content as HTML, printed by headless Chromium, which embeds the CJK fonts (fonts-noto-cjk).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import html
import io
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from tracker import analysis, catalogue, charts, dispatch, fmt, hierarchy, quotas
from tracker.catalogue import CARD_METRICS, METRICS, metric_label
from tracker.hierarchy import REGION
from tracker.i18n import status_expr
from tracker.labels import pairs

CHROMIUM = os.environ.get("TRACKER_CHROMIUM", "/usr/bin/chromium")


@dataclass
class Bulletin:
    lang: str
    area: str
    area_name: str
    snapshot: dt.date
    title: str
    issuer: str
    issue_no: int
    date_line: str
    paragraphs: list[str]
    laggards: str
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    figures: dict[str, object] = field(default_factory=dict)
    kinds: dict[str, dict[str, str]] = field(default_factory=dict)  # table -> column -> KINDS key

    def cell(self, table: str, col: str, v) -> str:
        return cell_text(self.kinds.get(table, {}).get(col, "text" if isinstance(v, str) else "count"), v)


# ---------------------------------------------------------------- wording (pure, every case)


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def total_sentence(area_name: str, r: dict, d: dt.date, lang: str = "zh") -> str:
    """截至…，…累计实现农牧民转移就业X万人，完成年度任务的Y%，高于/低于序时进度Z个百分点。"""
    actual = fmt.persons(r["actual"], lang)
    if lang == "zh":
        s = f"截至{d.month}月{d.day}日，{area_name}累计实现农牧民转移就业{actual}"
        if r["quota"] is None:
            return s + "（未下达年度任务）"
        if r["completion"] >= 1:
            return s + f"，已完成年度任务（完成率{_pct(r['completion'])}）"
        g = round(r["gap"], 1)
        pace = "与序时进度持平" if g == 0 else f"{'高于' if g > 0 else '低于'}序时进度{abs(g):.1f}个百分点"
        return s + f"，完成年度任务的{_pct(r['completion'])}，{pace}"
    s = f"As of {fmt.date(d, 'en')}, {area_name} had placed {actual} rural workers"
    if r["quota"] is None:
        return s + " (no annual quota set)"
    if r["completion"] >= 1:
        return s + f", meeting the annual quota ({_pct(r['completion'])})"
    g = round(r["gap"], 1)
    pace = "exactly on schedule" if g == 0 else f"{abs(g):.1f} points {'ahead of' if g > 0 else 'behind'} schedule"
    return s + f", {_pct(r['completion'])} of the annual quota, {pace}"


def organized_sentence(xprov: dict, xpref: dict, share: dict, lang: str = "zh") -> str:
    def part(r: dict, zh: str, en: str) -> str:
        n = fmt.count(r["actual"], lang)
        if r["quota"] is None:
            return f"{zh}{n}" if lang == "zh" else f"{n} {en}"
        return f"{zh}{n}（完成任务的{_pct(r['completion'])}）" if lang == "zh" else f"{n} {en} ({_pct(r['completion'])} of quota)"

    a = part(xprov, "有组织跨省转移就业", "organized cross-province")
    b = part(xpref, "跨地市", "organized cross-prefecture")
    if share["actual"] is None:
        s = ""
    elif share["quota"] is None:
        s = f"；组织化率{_pct(share['actual'])}" if lang == "zh" else f"; organized share {_pct(share['actual'])}"
    else:
        above = share["actual"] >= share["quota"]
        s = (
            f"；组织化率{_pct(share['actual'])}，{'达到' if above else '低于'}{share['quota'] * 100:.0f}%的目标下限"
            if lang == "zh"
            else f"; organized share {_pct(share['actual'])}, {'meeting' if above else 'below'} the {share['quota'] * 100:.0f}% minimum"
        )
        if not above and share.get("needed"):
            s += f"，还需有组织转移{share['needed']:,}人" if lang == "zh" else f" ({share['needed']:,} more organized placements needed)"
    return f"其中{a}，{b}{s}。" if lang == "zh" else f"Of these, {a} and {b}{s}."


def income_sentence(inc: dict, pc: dict, new_week: float | None, lang: str = "zh") -> str:
    if lang == "zh":
        s = f"实现劳务收入{fmt.money(inc['actual'], 'zh')}，人均{fmt.yuan(pc['actual'], 'zh')}"
        if inc["yoy"] is not None:
            y = inc["yoy"]
            s += "，与上年同期持平" if round(y * 100, 1) == 0 else f"，同比{'增长' if y > 0 else '下降'}{abs(y) * 100:.1f}%"
        s += "。"
        if new_week is None:
            s += "本期为本年度首期，暂无与上周的比较。"
        else:
            s += f"本周净增{new_week:,.0f}人。" if new_week >= 0 else f"本周净减{-new_week:,.0f}人。"
        return s
    s = f"Labour income reached {fmt.money(inc['actual'], 'en')}, {fmt.yuan(pc['actual'], 'en')} per capita"
    if inc["yoy"] is not None:
        y = inc["yoy"]
        s += ", level with last year" if round(y * 100, 1) == 0 else f", {'up' if y > 0 else 'down'} {abs(y) * 100:.1f}% on last year"
    s += ". "
    s += f"{new_week:,.0f} were placed this week." if new_week is not None else "This is the first issue of the year: no weekly change yet."
    return s


def reported_sentence(rows: list[dict], lang: str = "zh") -> str:
    """单位填报指标：补贴性职业技能培训1,500人次（截至11月20日），完成年度任务的75.0%，低于序时进度13.8个百分点；…。

    `rows` are the area's evaluated reported metrics; a figure nobody has reported yet is said so, not shown as 0."""
    parts = []
    for r in rows:
        met = METRICS[r["metric"]]
        if r["reported_as_of"] is None:
            parts.append(f"{met.zh}尚未填报" if lang == "zh" else f"{met.en}: not reported yet")
            continue
        v = fmt.value(met.kind, r["actual"], lang, met.unit_zh)
        if lang != "zh" and met.kind == "count":
            v = f"{fmt.count(r['actual'], lang)} {met.unit_en}"
        asof = fmt.date(r["reported_as_of"], lang)
        s = f"{met.zh}{v}（截至{asof}）" if lang == "zh" else f"{met.en} {v} (as of {asof})"
        if r["quota"] is not None and r["completion"] is not None:
            if r["quota_kind"] == "minimum":
                s += f"，不低于{_pct(r['quota'])}的要求" if lang == "zh" else f", against a floor of {_pct(r['quota'])}"
            elif r["completion"] >= 1:
                s += (
                    f"，已完成年度任务（完成率{_pct(r['completion'])}）"
                    if lang == "zh"
                    else f", annual quota met ({_pct(r['completion'])})"
                )
            else:
                g = round(r["gap"], 1)
                if lang == "zh":
                    pace = "与序时进度持平" if g == 0 else f"{'高于' if g > 0 else '低于'}序时进度{abs(g):.1f}个百分点"
                    s += f"，完成年度任务的{_pct(r['completion'])}，{pace}"
                else:
                    pace = "on schedule" if g == 0 else f"{abs(g):.1f} points {'ahead of' if g > 0 else 'behind'} schedule"
                    s += f", {_pct(r['completion'])} of the annual quota, {pace}"
        parts.append(s)
    if not parts:
        return ""
    return ("单位填报指标：" + "；".join(parts) + "。") if lang == "zh" else ("Figures reported by the units: " + "; ".join(parts) + ".")


def laggard_sentence(lag: pl.DataFrame, lang: str = "zh") -> str:
    """进度滞后的有：A（低于序时进度x个百分点）、B（…）。 Worst first; one entry per unit (its worst metric)."""
    if lag.height == 0:
        return "各单位转移就业进度均不低于序时进度。" if lang == "zh" else "No unit is behind schedule."
    worst = lag.filter(pl.col("quota_kind") != "minimum").sort("gap").unique("unit_code", keep="first", maintain_order=True)
    if worst.height == 0:
        return "各单位转移就业进度均不低于序时进度。" if lang == "zh" else "No unit is behind schedule."
    items = [
        (
            f"{r['name']}（{METRICS[r['metric']].zh}低于序时进度{abs(r['gap']):.1f}个百分点）"
            if lang == "zh"
            else f"{r['name']} ({METRICS[r['metric']].en} {abs(r['gap']):.1f} points behind)"
        )
        for r in worst.iter_rows(named=True)
    ]
    return (
        ("进度滞后的有：" + "、".join(items) + "。请上述单位加大工作力度，确保按期完成任务。")
        if lang == "zh"
        else ("Behind schedule: " + "; ".join(items) + ".")
    )


# ---------------------------------------------------------------- content


def build(area: str, snapshot: dt.date, lang: str = "zh", with_figures: bool = True) -> Bulletin:
    h = hierarchy.load()
    d = dispatch.resolve_dates(snapshot)
    wk, q = dispatch.measures(area, d), dispatch.quotas(area, snapshot.year)
    rep = dispatch.reported_metrics(q, wk)
    ev = dispatch.name_units(dispatch.evaluate(area, d, wk, q, [*CARD_METRICS, *rep]), h, lang, area)
    top = {r["metric"]: r for r in ev.filter(pl.col("is_area")).iter_rows(named=True)}
    name = h.short_name(area, lang)
    issue_no = snapshot.isocalendar()[1]
    paragraphs = [
        total_sentence(name, top["total"], snapshot, lang)
        + ("；" if lang == "zh" else "; ")
        + organized_sentence(top["org_xprov"], top["org_xpref"], top["org_share"], lang),
        income_sentence(top["income"], top["per_capita"], top["total"]["new_week"], lang),
    ]
    if rep_line := reported_sentence([top[k] for k in rep], lang):
        paragraphs.append(rep_line)
    lag = dispatch.laggards(ev)
    tables, kinds = tables_for(area, d, ev, lang, h)
    figs = {}
    if with_figures and ev.filter(~pl.col("is_area")).height:
        rank = dispatch.ranking(ev, "total")
        figs["ranking"] = charts.ranking_bars(rank, top["total"]["linear"], lang)
    if with_figures:
        tr = dispatch.trend(area, d, wk, q, "total")
        figs["progress"] = charts.cumulative(tr, lang, "累计进度" if lang == "zh" else "Cumulative progress")
    if lang == "zh":
        title = f"{'全区' if area == '54' else name}农牧民转移就业工作调度通报（第{issue_no}期）"
        issuer = f"{name if area != '54' else '自治区'}农牧民转移就业工作专班"
        date_line = f"{snapshot.year}年{snapshot.month}月{snapshot.day}日"
    else:
        title = f"Transfer employment dispatch bulletin, {name} (No. {issue_no})"
        issuer = f"Transfer employment work group, {name}"
        date_line = snapshot.strftime("%d %B %Y")
    lag_line = laggard_sentence(lag, lang)
    return Bulletin(lang, area, name, snapshot, title, issuer, issue_no, date_line, paragraphs, lag_line, tables, figs, kinds)


# Each bulletin column declares its kind once; Word, PDF and Excel format from it (never from the header text).
# text: already worded per row (a table whose rows are different metrics: 万人, 亿元, % side by side).
KINDS = {
    "text": ("@", None),
    "rank": ("0", lambda v: f"{v:d}"),
    "count": ("#,##0", lambda v: f"{v:,.0f}"),
    "signed": ('+#,##0;"−"#,##0;0', lambda v: ("+" if round(v) >= 0 else fmt.MINUS) + f"{abs(v):,.0f}"),
    "wan_yuan": ("#,##0.00", lambda v: f"{v:,.2f}"),
    "yuan": ("#,##0", lambda v: f"{v:,.0f}"),
    "pct": ("0.0%", lambda v: f"{v * 100:.1f}%"),
    "points": ('+0.0;"−"0.0;0.0', lambda v: fmt.short_points(v, "en").removesuffix(" pp")),
}


def cell_text(kind: str, v) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "—"
    f = KINDS[kind][1]
    return str(v) if f is None else f(v)


def _metric_cells(r: dict, lang: str) -> dict[str, str]:
    """One metric's row of the headline table, each figure in its own unit (persons, yuan, shares)."""
    met = METRICS[r["metric"]]
    k, unit = met.kind, met.unit_zh
    minimum = r["quota_kind"] == "minimum"

    def v(x):
        return fmt.value(k, x, lang, unit) if x is not None else "—"

    if k == "share":
        yoy = fmt.short_points(r["yoy"], lang)
    else:
        yoy = fmt.signed_pct(r["yoy"])
    return {
        "actual": v(r["actual"]),
        "quota": ("≥" if minimum else "") + v(r["quota"]) if r["quota"] is not None else "—",
        "completion": "—" if minimum else fmt.pct(r["completion"]),
        "linear": "—" if minimum or r["quota"] is None else fmt.pct(r["linear"]),
        "gap": fmt.short_points(r["gap"], lang).removesuffix("个百分点").removesuffix(" pp"),
        "new_week": fmt.delta(k, r["new_week"], lang, unit),
        "yoy": yoy,
    }


def tables_for(area: str, d: dispatch.Dates, ev: pl.DataFrame, lang: str, h) -> tuple[dict, dict]:
    """Every table of the overview and the analyst pages for the area, with Chinese (or English) headers,
    and each column's kind (see KINDS)."""
    zh = lang == "zh"
    out: dict[str, pl.DataFrame] = {}
    kinds: dict[str, dict[str, str]] = {}

    def lbl(z: str, e: str) -> str:
        return z if zh else e

    def table(name: str, df: pl.DataFrame, cols: list[tuple[pl.Expr, str, str, str]]) -> None:
        out[name] = df.select([e.alias(lbl(z, en)) for e, z, en, _k in cols])
        kinds[name] = {lbl(z, en): k for _e, z, en, k in cols}

    st_label = status_expr("status", lang)
    source = pl.col("source").replace_strict({k: v[0 if zh else 1] for k, v in quotas.SOURCES.items()}, default="—")
    head = ev.filter(pl.col("is_area"))
    worded = pl.DataFrame(
        [_metric_cells(r, lang) for r in head.iter_rows(named=True)],
        schema={c: pl.String for c in ("actual", "quota", "completion", "linear", "gap", "new_week", "yoy")},
    )
    head = pl.concat([head, worded.rename(lambda c: "w_" + c)], how="horizontal")
    table(
        lbl("总体进度", "Headline"),
        head,
        [
            (metric_label("metric", lang), "指标", "Metric", "text"),
            (pl.col("w_actual"), "完成", "Actual", "text"),
            (pl.col("w_quota"), "任务", "Quota", "text"),
            (pl.col("w_completion"), "完成率", "Completion", "text"),
            (pl.col("w_linear"), "序时进度", "Time elapsed", "text"),
            (pl.col("w_gap"), "较序时或下限(百分点)", "Gap to pace or floor (pp)", "text"),
            (pl.col("w_new_week"), "本周净增", "Net change this week", "text"),
            (pl.col("w_yoy"), "同比", "Year on year", "text"),
            (st_label, "状态", "Status", "text"),
            (source, "任务来源", "Quota source", "text"),
        ],
    )
    if ev.filter(~pl.col("is_area")).height:
        rank = dispatch.ranking(ev, "total")
        table(
            lbl("进度排名", "Ranking"),
            rank,
            [
                (pl.col("rank"), "排名", "Rank", "rank"),
                (pl.col("name"), "单位", "Unit", "text"),
                (pl.col("quota"), "任务(人)", "Quota (persons)", "count"),
                (pl.col("actual"), "完成(人)", "Actual (persons)", "count"),
                (pl.col("completion"), "完成率", "Completion", "pct"),
                (pl.col("gap").round(1), "较序时(百分点)", "Gap (pp)", "points"),
                (pl.col("new_week"), "本周净增(人)", "Net change this week", "signed"),
                (st_label, "状态", "Status", "text"),
                (source, "任务来源", "Quota source", "text"),
            ],
        )
        org = ev.filter(~pl.col("is_area") & pl.col("metric").is_in(["org_xprov", "org_xpref", "org_share"]))
        wide = org.pivot(on="metric", index=["unit_code", "name"], values=["actual", "quota"])
        table(
            lbl("有组织转移", "Organized"),
            wide,
            [
                (pl.col("name"), "单位", "Unit", "text"),
                (pl.col("actual_org_xprov"), "跨省完成(人)", "Cross-province", "count"),
                (pl.col("quota_org_xprov"), "跨省任务(人)", "Cross-province quota", "count"),
                (pl.col("actual_org_xpref"), "跨地市完成(人)", "Cross-prefecture", "count"),
                (pl.col("quota_org_xpref"), "跨地市任务(人)", "Cross-prefecture quota", "count"),
                (pl.col("actual_org_share"), "组织化率", "Organized share", "pct"),
                (pl.col("quota_org_share"), "组织化率下限", "Minimum", "pct"),
            ],
        )
    lag = dispatch.laggards(ev)

    def shortfall(m: str, short, needed) -> str:
        met = METRICS[m]
        if met.quota_kind == "minimum":  # below a share floor: the organized placements still needed
            return fmt.count(needed, lang) if needed is not None else "—"
        return fmt.value(met.kind, short, lang, met.unit_zh) if short is not None else "—"

    short = [shortfall(*x) for x in zip(lag["metric"], lag["shortfall"], lag["needed"], strict=True)]
    lag = lag.with_columns(w_short=pl.Series(short, dtype=pl.String))
    table(
        lbl("滞后单位", "Laggards"),
        lag,
        [
            (pl.col("name"), "单位", "Unit", "text"),
            (metric_label("metric", lang), "指标", "Metric", "text"),
            (pl.col("completion"), "完成率", "Completion", "pct"),
            (pl.col("gap").round(1), "较序时或下限(百分点)", "Gap to pace or floor (pp)", "points"),
            (pl.col("w_short"), "差距", "Shortfall", "text"),
            (st_label, "状态", "Status", "text"),
        ],
    )
    day = d.snapshot
    from tracker.schema import CHANNEL, INDUSTRY

    wan = (pl.col("income") / 1e4, "劳务收入(万元)", "Income (10k yuan)", "wan_yuan")
    ch = analysis.by_dimension(area, day, "channel").filter(pl.col("is_area"))
    table(
        lbl("组织方式", "Channels"),
        ch,
        [(CHANNEL.expr("value", lang), "组织方式", "Channel", "text"), (pl.col("persons"), "人数", "Persons", "count"), wan],
    )
    prov = analysis.by_dimension(area, day, "dest_province_code").filter(pl.col("is_area"))
    table(
        lbl("去向", "Destinations"),
        prov,
        [(h.name_expr("value", lang, short=False), "就业地", "Destination", "text"), (pl.col("persons"), "人数", "Persons", "count"), wan],
    )
    ind = analysis.by_dimension(area, day, "industry").filter(pl.col("is_area"))
    table(
        lbl("行业", "Industries"),
        ind,
        [(INDUSTRY.expr("value", lang), "行业", "Industry", "text"), (pl.col("persons"), "人数", "Persons", "count"), wan],
    )
    g = analysis.groups(area, day).filter(pl.col("is_area"))
    table(
        lbl("重点群体", "Key groups"),
        g,
        [
            (pairs("key_group", catalogue.group_labels(), lang), "群体", "Group", "text"),
            (pl.col("persons"), "人数", "Persons", "count"),
            (pl.col("organized"), "有组织", "Organized", "count"),
            wan,
        ],
    )
    b = analysis.bands(area, day).filter(pl.col("is_area"))
    table(
        lbl("务工时长", "Duration"),
        b,
        [
            (pl.col("persons"), "人数", "Persons", "count"),
            *[(pl.col(bd.key), bd.zh, bd.en, "count") for bd in catalogue.MONTHS_BANDS],
            (pl.col("median_income"), "收入中位数(元)", "Median income (yuan)", "yuan"),
        ],
    )
    if d.previous:
        c = analysis.changes(area, d.previous, day).filter(pl.col("is_area"))
        table(
            lbl("周变动", "Week changes"),
            c,
            [
                (pl.col("new"), "新增记录(条)", "New records", "count"),
                (pl.col("late"), "迟报(条)", "Late", "count"),
                (pl.col("ended"), "返乡(条)", "Ended", "count"),
                (pl.col("changed"), "更正(条)", "Restated", "count"),
                (pl.col("removed"), "删除(条)", "Removed", "count"),
            ],
        )
    return out, kinds


# ---------------------------------------------------------------- renderers


def png(b: Bulletin, width: int = 1000, height: int = 520) -> dict[str, bytes]:
    """Chart images through kaleido and the system Chromium, offline."""
    import plotly
    import plotly.io as pio

    os.environ.setdefault("BROWSER_PATH", CHROMIUM)
    pio.defaults.mathjax = None  # nothing from a CDN: no MathJax, and plotly.js from the installed package
    pio.defaults.plotlyjs = str(Path(plotly.__file__).parent / "package_data" / "plotly.min.js")
    names = list(b.figures)
    if not names:
        return {}
    figs = [b.figures[n] for n in names]
    for f in figs:
        f.update_layout(font=dict(family="Noto Sans CJK SC, sans-serif"))
    with tempfile.TemporaryDirectory() as tmp:
        paths = [Path(tmp) / f"{n}.png" for n in names]
        pio.write_images(figs, paths, width=width, height=height, scale=2)
        return {n: p.read_bytes() for n, p in zip(names, paths, strict=True)}


def _set_font(run, east: str, latin: str = "Times New Roman", size: float | None = None, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = latin
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), east)  # python-docx's font.name sets only the Latin slot
    if size:
        run.font.size = Pt(size)
    run.font.bold = bold


TITLE_FONT, BODY_FONT, TABLE_FONT = "方正小标宋简体", "仿宋_GB2312", "仿宋_GB2312"


def docx_bytes(b: Bulletin, images: dict[str, bytes] | None = None) -> bytes:
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)  # A4, GB/T 9704 margins
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Cm(3.7), Cm(3.5), Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(16)
    zh = b.lang == "zh"

    def para(text: str, font: str = BODY_FONT, size: float = 16, bold: bool = False, align=None, indent: bool = True):
        p = doc.add_paragraph()
        if align is not None:
            p.alignment = align
        if indent and zh:
            p.paragraph_format.first_line_indent = Pt(size * 2)
        p.paragraph_format.line_spacing = Pt(28)
        _set_font(p.add_run(text), font, size=size, bold=bold)
        return p

    para(b.title, TITLE_FONT, 22, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    para(f"{b.issuer}　　{b.date_line}", BODY_FONT, 16, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    for text in b.paragraphs:
        para(text)
    para(b.laggards)
    for name, df in b.tables.items():
        if name in (("滞后单位", "Laggards")[0 if zh else 1],) and df.height == 0:
            continue
        para(("附表：" if zh else "Table: ") + name, "黑体" if zh else BODY_FONT, 16, indent=False)
        t = doc.add_table(rows=1, cols=df.width)
        t.style = "Table Grid"
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        for i, c in enumerate(df.columns):
            _set_font(t.rows[0].cells[i].paragraphs[0].add_run(c), TABLE_FONT, size=10.5, bold=True)
        for row in df.iter_rows():
            cells = t.add_row().cells
            for i, v in enumerate(row):
                _set_font(cells[i].paragraphs[0].add_run(b.cell(name, df.columns[i], v)), TABLE_FONT, size=10.5)
    for data in (images or {}).values():
        doc.add_picture(io.BytesIO(data), width=Cm(15.5))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def xlsx_bytes(b: Bulletin) -> bytes:
    from tracker.exports import safe_frame, workbook

    buf = io.BytesIO()
    with workbook(buf) as wb:
        for name, df in b.tables.items():
            df = safe_frame(df)
            kinds = b.kinds.get(name, {})
            fmts = {c: KINDS[kinds[c]][0] for c in df.columns if kinds.get(c, "text") != "text" and df[c].dtype.is_numeric()}
            df.write_excel(
                wb,
                worksheet=name[:31],
                column_formats=fmts,
                autofit=True,
                freeze_panes=(1, 0),
                header_format={"bold": True, "font_name": "SimSun"},
            )
    return buf.getvalue()


def html_doc(b: Bulletin, images: dict[str, bytes] | None = None) -> str:
    zh = b.lang == "zh"
    parts = [f"<h1>{html.escape(b.title)}</h1>", f"<p class='meta'>{html.escape(b.issuer)}　{html.escape(b.date_line)}</p>"]
    parts += [f"<p>{html.escape(t)}</p>" for t in [*b.paragraphs, b.laggards]]
    for name, df in b.tables.items():
        if df.height == 0:
            continue
        head = "".join(f"<th>{html.escape(c)}</th>" for c in df.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(b.cell(name, df.columns[i], v))}</td>" for i, v in enumerate(r)) + "</tr>"
            for r in df.iter_rows()
        )
        parts.append(f"<h2>{'附表：' if zh else 'Table: '}{html.escape(name)}</h2><table><tr>{head}</tr>{body}</table>")
    for data in (images or {}).values():
        parts.append(f"<img src='data:image/png;base64,{base64.b64encode(data).decode()}'>")
    css = (
        "@page{size:A4;margin:37mm 26mm 35mm 28mm} body{font-family:'Noto Serif CJK SC','Noto Sans CJK SC',serif;"
        "font-size:16pt;line-height:28pt} h1{font-family:'Noto Sans CJK SC',sans-serif;font-size:22pt;text-align:center}"
        " p{text-indent:2em;margin:0} .meta{text-align:center;text-indent:0} h2{font-size:14pt}"
        " table{border-collapse:collapse;font-size:10.5pt;line-height:14pt;margin-bottom:8pt}"
        " td,th{border:1px solid #333;padding:2px 4px} img{width:100%}"
    )
    lang_attr = "zh-CN" if zh else "en"
    return f"<!doctype html><html lang='{lang_attr}'><meta charset='utf-8'><style>{css}</style><body>{''.join(parts)}</body></html>"


def pdf_bytes(b: Bulletin, images: dict[str, bytes] | None = None) -> bytes:
    """Headless Chromium prints the HTML form; fonts are embedded in the PDF."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError("Chromium is needed for the PDF (Debian package chromium)")
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "b.html", Path(tmp) / "b.pdf"
        src.write_text(html_doc(b, images), encoding="utf-8")
        subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-pdf-header-footer",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                f"--user-data-dir={tmp}/profile",
                f"--print-to-pdf={out}",
                src.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        return out.read_bytes()


def write_all(area: str, snapshot: dt.date, out: Path, lang: str = "zh") -> dict[str, Path]:
    t0 = time.perf_counter()
    b = build(area, snapshot, lang)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{'调度通报' if lang == 'zh' else 'bulletin'}_{area}_{snapshot.isoformat()}"
    images = png(b)
    files = {"docx": out / f"{stem}.docx", "xlsx": out / f"{stem}.xlsx", "pdf": out / f"{stem}.pdf"}
    files["docx"].write_bytes(docx_bytes(b, images))
    files["xlsx"].write_bytes(xlsx_bytes(b))
    files["pdf"].write_bytes(pdf_bytes(b, images))
    for n, data in images.items():
        files[f"png_{n}"] = out / f"{stem}_{n}.png"
        files[f"png_{n}"].write_bytes(data)
    files["_seconds"] = time.perf_counter() - t0  # type: ignore[assignment]
    return files


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Write the weekly dispatch bulletin (docx, xlsx, pdf, png).")
    ap.add_argument("--area", default=REGION)
    ap.add_argument("--snapshot", type=dt.date.fromisoformat, default=None)
    ap.add_argument("--out", type=Path, default=Path("bulletin"))
    ap.add_argument("--lang", default="zh", choices=["zh", "en"])
    a = ap.parse_args(argv)
    import queries

    queries.set_scope(queries.SYSTEM)  # the command line runs as the operator, over every area
    dates = queries.snapshot_dates()
    if not dates:
        print("no snapshots", flush=True)
        return 2
    snap = a.snapshot or dates[-1]
    if snap not in dates:
        snap = max((x for x in dates if x <= snap), default=dates[0])
    files = write_all(a.area, snap, a.out, a.lang)
    secs = files.pop("_seconds")
    for k, p in files.items():
        print(f"{k:12} {p}")
    print(f"{secs:.1f} s")
    shutil.rmtree(a.out / ".tmp", ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
