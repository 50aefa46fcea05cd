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
import itertools
import os
import re
import shutil
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from tracker import analysis, catalogue, charts, dispatch, fmt, hierarchy, quotas, rules, settings
from tracker.catalogue import CARD_METRICS, METRICS, metric_label
from tracker.errors import TrackerError
from tracker.hierarchy import REGION
from tracker.i18n import status_expr
from tracker.labels import pairs

CHROMIUM = os.environ.get("TRACKER_CHROMIUM", "/usr/bin/chromium")


@dataclass
class Letterhead:
    """What an office prints around the text (GB/T 9704): the issuing unit's mark, who it goes to, who signs, who
    gets copies; a setting per area (`data/bulletin/<area>.json`), editable on the page before download."""

    mark: str  # 发文机关标志 (红头)
    issuer: str  # 发文机关署名
    to: str  # 主送
    cc: str = ""  # 抄送
    printer: str = ""  # 印发机关
    signer: str = ""  # 签发人 (shown in the 版记 when set)

    @staticmethod
    def default(area: str, name: str, lang: str = "zh") -> Letterhead:
        if lang != "zh":
            return Letterhead(
                "Transfer Employment Dispatch Bulletin",
                f"Transfer employment work group, {name}",
                "Work groups of the units below",
                "",
                f"Transfer employment work group, {name}",
            )
        own = hierarchy.KIND if area == REGION else name
        below = {2: "各地（市）", 4: "各县（区）", 6: "各乡（镇）", 9: "各村（居）"}.get(len(area), "各单位")
        w = hierarchy.WORKERS_ZH
        group = f"{own}{w}转移就业工作专班"
        return Letterhead(f"{own}{w}转移就业工作调度通报", group, f"{below}{w}转移就业工作专班", "", f"{group}办公室")

    @staticmethod
    def load(area: str, name: str, lang: str = "zh") -> Letterhead:
        import json

        from tracker import settings

        d = Letterhead.default(area, name, lang)
        p = settings.data_dir() / "bulletin" / f"{area}.json"
        if lang == "zh" and p.is_file():
            saved = json.loads(p.read_text(encoding="utf-8"))
            return Letterhead(**{k: saved.get(k, getattr(d, k)) for k in d.__dataclass_fields__})
        return d

    def save(self, area: str) -> None:
        import dataclasses
        import json

        from tracker import settings
        from tracker.submissions import writer

        p = settings.data_dir() / "bulletin" / f"{area}.json"
        with writer(settings.data_dir()):  # with object storage, published for every host
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(json.dumps(dataclasses.asdict(self), ensure_ascii=False, indent=1), encoding="utf-8")


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
    paragraphs: list[str]  # 一、总体进度
    laggards: str  # 三、进度滞后单位
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    figures: dict[str, object] = field(default_factory=dict)
    kinds: dict[str, dict[str, str]] = field(default_factory=dict)  # table -> column -> KINDS key
    comparison: list[str] = field(default_factory=list)  # 二、与上期比较
    head: Letterhead | None = None
    notes: dict[str, str] = field(default_factory=dict)  # table -> a note under it
    followups: list[str] = field(default_factory=list)  # 四、上期督办事项进展 (when there are items)
    laggards_brief: str = ""  # the desk summary's: names only, a few a metric (the full text is in the bulletin)

    def sections(self) -> list[tuple[str, list[str]]]:
        zh = self.lang == "zh"
        return [
            ("一、总体进度" if zh else "1. Overall progress", self.paragraphs),
            ("二、与上期比较" if zh else "2. Since the last issue", self.comparison),
            ("三、进度滞后单位" if zh else "3. Units behind schedule", [self.laggards]),
        ] + ([("四、上期督办事项进展" if zh else "4. Follow-up items since the last issue", self.followups)] if self.followups else [])

    def summary_sections(self) -> list[tuple[str, list[str]]]:
        """The desk summary's text (Word and the browser's PDF alike): the headline's two paragraphs and the laggards
        by name."""
        zh = self.lang == "zh"
        return [
            ("一、总体进度" if zh else "1. Overall progress", self.paragraphs[:2]),
            ("二、进度滞后单位" if zh else "2. Units behind schedule", [self.laggards_brief or self.laggards]),
        ]

    def cell(self, table: str, col: str, v) -> str:
        return cell_text(self.kinds.get(table, {}).get(col, "text" if isinstance(v, str) else "count"), v)


# ---------------------------------------------------------------- wording (pure, every case)


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def total_sentence(area_name: str, r: dict, d: dt.date, lang: str = "zh") -> str:
    """截至…，…累计实现农牧民转移就业X万人，完成年度任务的Y%，高于/低于序时进度Z个百分点。"""
    actual = fmt.persons(r["actual"], lang)
    if lang == "zh":
        s = f"截至{d.month}月{d.day}日，{area_name}累计实现{hierarchy.WORKERS_ZH}转移就业{actual}"
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


def _yoy(y: float | None, lang: str) -> str:
    """，同比增长13.4% / , up 13.4% on last year; nothing without last year's figure."""
    if y is None:
        return ""
    if lang == "zh":
        return "，与上年同期持平" if round(y * 100, 1) == 0 else f"，同比{'增长' if y > 0 else '下降'}{abs(y) * 100:.1f}%"
    return ", level with last year" if round(y * 100, 1) == 0 else f", {'up' if y > 0 else 'down'} {abs(y) * 100:.1f}% on last year"


def income_sentence(inc: dict, pc: dict, new_week: float | None, lang: str = "zh") -> str:
    """Income and its change on last year, then income per capita and its own (they differ: a growth after 人均
    would read as the per-capita one), then the week's net change in persons."""
    if lang == "zh":
        s = f"实现劳务收入{fmt.money(inc['actual'], 'zh')}{_yoy(inc['yoy'], lang)}"
        s += f"；人均{fmt.yuan(pc['actual'], 'zh')}{_yoy(pc.get('yoy'), lang)}。"
        if new_week is None:
            s += "本期为本年度首期，暂无与上周的比较。"
        else:
            s += f"本周净增{new_week:,.0f}人。" if new_week >= 0 else f"本周净减{-new_week:,.0f}人。"
        return s
    s = f"Labour income reached {fmt.money(inc['actual'], 'en')}{_yoy(inc['yoy'], lang)}"
    s += f"; {fmt.yuan(pc['actual'], 'en')} per capita{_yoy(pc.get('yoy'), lang)}. "
    if new_week is None:
        s += "This is the first issue of the year: no weekly change yet."
    else:
        s += f"Net change this week: {new_week:+,.0f} persons."
    return s


def reported_sentence(rows: list[dict], lang: str = "zh", by: str | None = None) -> str:
    """单位填报指标：补贴性职业技能培训1,500人次（截至11月20日），完成年度任务的75.0%，低于序时进度13.8个百分点；…。

    `rows` are the area's evaluated reported metrics; a figure nobody has reported yet is said so, not shown as 0."""
    parts = []
    for r in rows:
        met = METRICS[r["metric"]]
        if r["reported_as_of"] is None:
            parts.append(f"{met.zh}尚未填报" if lang == "zh" else f"{met.en}: not reported yet")
            continue
        v = fmt.value(met.kind, r["actual"], lang, met.unit_zh)
        if lang != "zh" and met.kind == "count":  # 1 organisation, 2 organisations
            unit = met.unit_en.removesuffix("s") if r["actual"] == 1 and met.unit_en.endswith("s") else met.unit_en
            v = f"{fmt.count(r['actual'], lang)} {unit}"
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
    if lang == "zh":
        return "单位填报指标" + (f"（填报单位：{by}）" if by else "") + "：" + "；".join(parts) + "。"
    return "Figures reported by the units" + (f" ({by})" if by else "") + ": " + "; ".join(parts) + "."


# The metrics a bulletin names units by, in this order (seed 000's headline targets, and 区外转移就业 which a county's plan
# sets beside its total, seed 001: 区外转移就业90人); the others stay in the tables.
HEADLINE = ("total", "org_xprov", "org_xpref", "out_region", "income", "org_share")
BRIEF_NAMED = 5  # per metric in the desk summary, whose one page also holds a prefecture's 18 counties ranked
MAX_NAMED = 8  # per metric; the rest are counted ("等N个单位"), so a long tail of small quotas cannot crowd the text


def _short(r: dict, lang: str) -> str:
    met = METRICS[r["metric"]]
    if met.quota_kind == "minimum":
        n = r.get("needed")
        return (f"{met.needed_label(lang)}{n:,}{met.unit_zh}" if lang == "zh" else f"{met.needed_label(lang).lower()}: {n:,}") if n else ""
    x = r.get("shortfall")
    if not x:
        return ""
    # persons short as a plain count in every item (11.94万人 beside 98,000人 reads as two scales)
    v = fmt.count(x, lang, met.unit_zh) if met.kind == "count" else fmt.value(met.kind, x, lang, met.unit_zh)
    return f"差{v}" if lang == "zh" else f"{v} short"


CLOSING_ZH = "请上述单位加大工作力度，确保按期完成任务。"  # the laggards' closing charge (a paragraph of its own in Word)


CLOSING_EN = "The units named above are to step up their work and meet their targets on time."


def _split_closing(text: str) -> list[str]:
    """The laggards' paragraph and its closing charge apart: the short charge goes with the signature onto its page,
    which GB/T 9704 wants to carry text of the document (the English copy's too)."""
    for charge in (CLOSING_ZH, CLOSING_EN):
        if text.endswith(charge) and len(text) > len(charge):
            return [text[: -len(charge)].rstrip(), charge]
    return [text]


def laggard_sentence(lag: pl.DataFrame, lang: str = "zh", brief: bool = False) -> str:
    """进度滞后单位, by headline metric (total first), seriously behind before behind, the largest shortfall first
    within each (a township 5 persons short of a 6-person quota comes after a county 300 short); names in **bold**.
    `brief` (the one-page desk summary): the names only, BRIEF_NAMED a metric, the rest counted."""
    zh = lang == "zh"
    named = BRIEF_NAMED if brief else MAX_NAMED
    parts = []
    for m in HEADLINE:
        rows = _ordered(lag, m)
        if rows.height == 0:
            continue
        met = METRICS[m]
        items = []
        for r in rows.head(named).iter_rows(named=True):
            if brief:
                items.append(f"**{r['name']}**")
                continue
            short = _short(r, lang)
            if met.quota_kind == "minimum":
                detail = f"{_pct(r['actual'])}" + (f"，{short}" if short and zh else f", {short}" if short else "")
            else:
                g = abs(round(r["gap"], 1))
                detail = f"低于序时进度{g:.1f}个百分点" if zh else f"{g:.1f} points behind"
                if short:
                    detail += f"，{short}" if zh else f", {short}"
            items.append(f"**{r['name']}**（{detail}）" if zh else f"**{r['name']}** ({detail})")
        more = rows.height - named
        tail = (f"等{rows.height}个单位" if zh else f" and {more} more") if more > 0 else ""
        if met.quota_kind == "minimum":
            floor = rows["quota"][0]
            head = f"{met.zh}低于{floor * 100:.0f}%下限的有：" if zh else f"{met.en} below the {floor * 100:.0f}% minimum: "
        else:
            head = f"{met.zh}滞后序时进度的有：" if zh else f"{met.en} behind schedule: "
        parts.append(head + ("、" if zh else "; ").join(items) + tail)
    if not parts:
        return "各单位主要指标进度均不低于序时进度。" if zh else "No unit is behind schedule on the headline metrics."
    if zh:
        return "；".join(parts) + "。" + CLOSING_ZH
    return ". ".join(parts) + ". " + CLOSING_EN


def own_metrics_sentence(rows: list[dict], lang: str = "zh") -> str:
    """Which of the area's own metrics lag (besides the total, said in the first sentence), worst first."""
    zh = lang == "zh"
    lag = [r for r in rows if r["metric"] != "total" and r["status"] in (rules.BEHIND, rules.SERIOUS, rules.NOT_MET)]
    if not lag:
        return "本级其他各项任务指标均不低于序时进度。" if zh else "Every other quota of the area is on schedule or ahead."
    lag.sort(key=lambda r: (r["status"] != rules.NOT_MET, r["gap"] if r["gap"] is not None else 0))
    items = []
    for r in lag:
        met = METRICS[r["metric"]]
        g = abs(round(r["gap"], 1))
        if met.quota_kind == "minimum":
            items.append(
                f"{met.zh}{_pct(r['actual'])}，低于{r['quota'] * 100:.0f}%的下限{g:.1f}个百分点"
                if zh
                else f"{met.en} {_pct(r['actual'])}, {g:.1f} points below the {r['quota'] * 100:.0f}% minimum"
            )
        else:
            items.append(
                f"{met.zh}完成年度任务的{_pct(r['completion'])}，低于序时进度{g:.1f}个百分点"
                if zh
                else f"{met.en} at {_pct(r['completion'])} of quota, {g:.1f} points behind schedule"
            )
    return ("本级滞后的指标：" + "；".join(items) + "。") if zh else ("Behind at the area's own level: " + "; ".join(items) + ".")


def projection_sentence(tr: dict, lang: str = "zh") -> str:
    """按近四周平均进度测算，年底预计…；完成全年任务，今后每周需新增…人。"""
    zh = lang == "zh"
    if tr["target"] is None or tr["rate"] is None or tr["projection"] is None:
        return ""
    rate, proj, target, req = tr["rate"], tr["projection"], tr["target"], tr["required"]
    share = proj / target if target else None
    if zh:
        s = f"按近四周平均每周净增{max(rate, 0):,.0f}人测算，年底预计完成{fmt.persons(proj)}，为年度任务的{_pct(share)}"
        if req is None or req <= 0:
            return s + "，已完成全年任务。"
        if share is not None and share >= 1:
            return s + f"，可按期完成全年任务（今后每周需净增{req:,.0f}人）。"
        return s + f"，难以按期完成；完成全年任务，今后每周需净增{req:,.0f}人。"
    s = (
        f"At the last four weeks' pace ({max(rate, 0):,.0f} a week), the year would end at {fmt.persons(proj, 'en')}, "
        f"{_pct(share)} of quota"
    )
    return s + ("." if req is None or req <= 0 else f"; meeting the quota needs {req:,.0f} a week from now.")


def comparison_sentences(
    area_now: dict,
    area_prev: dict | None,
    rank_now: pl.DataFrame,
    rank_prev: pl.DataFrame | None,
    named_prev: pl.DataFrame | None,
    lag_now: pl.DataFrame,
    lang: str = "zh",
) -> list[str]:
    """与上期比较: the area's completion and gap, rank moves, and how the units named last week moved."""
    zh = lang == "zh"
    if area_prev is None:
        return ["本期为本年度首期，暂无与上期的比较。" if zh else "This is the year's first issue: no comparison yet."]
    out = []
    dc = (area_now["completion"] or 0) - (area_prev["completion"] or 0)
    g0, g1 = area_prev["gap"], area_now["gap"]
    if zh:
        s = f"与上期相比，转移就业人数完成率提高{dc * 100:.1f}个百分点" if dc >= 0 else f"与上期相比，完成率下降{-dc * 100:.1f}个百分点"
        if g0 is not None and g1 is not None:
            s += f"，较序时进度由{fmt.short_points(g0)}变为{fmt.short_points(g1)}"
        out.append(s + "。")
    else:
        s = f"Since the last issue, completion {'rose' if dc >= 0 else 'fell'} {abs(dc) * 100:.1f} points"
        if g0 is not None and g1 is not None:
            s += f", the gap to schedule went from {fmt.short_points(g0, 'en')} to {fmt.short_points(g1, 'en')}"
        out.append(s + ".")
    if rank_prev is not None and rank_now.height:
        before = dict(zip(rank_prev["unit_code"], rank_prev["rank"], strict=True))
        up, down = [], []
        for r in rank_now.iter_rows(named=True):
            b, n = before.get(r["unit_code"]), r["rank"]
            if b is None or n is None or b == n:
                continue
            (up if n < b else down).append((abs(b - n), r["name"], b, n))
        if up or down:

            def fmt_moves(ms):
                ms.sort(key=lambda x: (-x[0], x[3]))  # the biggest move first, then by the new rank
                return (
                    "、".join(f"{nm}（第{b}→第{n}名）" for _d, nm, b, n in ms)
                    if zh
                    else ", ".join(f"{nm} ({b}→{n})" for _d, nm, b, n in ms)
                )

            bits = []
            if up:
                bits.append(("排名上升的有：" if zh else "Up: ") + fmt_moves(up))
            if down:
                bits.append(("排名下降的有：" if zh else "Down: ") + fmt_moves(down))
            out.append(("；".join(bits) + "。") if zh else ("; ".join(bits) + "."))
        else:
            out.append("各单位排名与上期相同。" if zh else "The ranking is unchanged.")
    if named_prev is not None and named_prev.height:
        now = {(r["unit_code"], r["metric"]): r for r in lag_now.iter_rows(named=True)}
        # the lead metric's named units, and any unit that caught up on another; at most MAX_NAMED
        lead = named_prev["metric"][0]
        still = lag_now.select("unit_code", "metric").with_columns(_still=pl.lit(True))
        keep = (
            named_prev.join(still, on=["unit_code", "metric"], how="left", maintain_order="left")
            .filter((pl.col("metric") == lead) | pl.col("_still").is_null())
            .head(MAX_NAMED)
        )
        items = []
        for r in keep.iter_rows(named=True):
            met = METRICS[r["metric"]]
            cur = now.get((r["unit_code"], r["metric"]))
            label = met.zh if zh else met.en
            if cur is None:
                items.append(f"{r['name']}{label}已赶上进度" if zh else f"{r['name']} caught up on {label.lower()}")
                continue
            g0, g1 = round(r["gap"], 1), round(cur["gap"], 1)
            verb = (
                ("缩小" if g1 > g0 else "扩大" if g1 < g0 else "持平")
                if zh
                else ("narrowed" if g1 > g0 else "widened" if g1 < g0 else "unchanged")
            )
            items.append(
                f"{r['name']}{label}差距由{abs(g0):.1f}个百分点{verb}至{abs(g1):.1f}个百分点"
                if zh and verb != "持平"
                else f"{r['name']}{label}差距仍为{abs(g1):.1f}个百分点"
                if zh
                else f"{r['name']}, {label.lower()}: gap {verb}, {abs(g0):.1f} → {abs(g1):.1f} points"
            )
        out.append(("上期点名单位本期进展：" + "；".join(items) + "。") if zh else ("Units named last issue: " + "; ".join(items) + "."))
    return out


def _ordered(lag: pl.DataFrame, m: str) -> pl.DataFrame:
    """One headline metric's laggards as the paragraph names them: a share floor by gap; a target seriously behind
    first, then by the shortfall (persons or yuan)."""
    rows = lag.filter(pl.col("metric") == m)
    if METRICS[m].quota_kind == "minimum":
        return rows.sort("gap", "unit_code")
    return rows.sort(pl.col("status") != rules.SERIOUS, pl.col("shortfall").fill_null(0), "unit_code", descending=[False, True, False])


def named_units(lag: pl.DataFrame) -> pl.DataFrame:
    """The (unit, metric) pairs a laggard paragraph names: headline metrics, at most MAX_NAMED each."""
    return pl.concat([_ordered(lag, m).head(MAX_NAMED) for m in HEADLINE])


# ---------------------------------------------------------------- content


def issue_number(snapshot: dt.date, dates: list[dt.date]) -> int:
    """期号: consecutive within the year, one per weekly snapshot (the year's first Friday is 第1期; a bulletin for
    2027-01-01 is 第1期 of 2027, not 第53期)."""
    return sum(1 for d in dates if d.year == snapshot.year and d <= snapshot) or 1


def build(area: str, snapshot: dt.date, lang: str = "zh", with_figures: bool = True, head: Letterhead | None = None) -> Bulletin:
    from queries import snapshot_dates

    h = hierarchy.load()
    dates = snapshot_dates()
    d = dispatch.resolve_dates(snapshot, dates)
    wk, q = dispatch.measures(area, d), dispatch.quotas(area, snapshot.year)
    rep = dispatch.reported_metrics(q, wk)
    own_quota = set(q.filter(pl.col("unit_code") == area)["metric"].to_list())
    extra = [k for k in ("src_industry", "src_project", "src_flexible") if METRICS[k].quota in own_quota]
    ev = dispatch.name_units(dispatch.evaluate(area, d, wk, q, [*CARD_METRICS, *extra, *rep]), h, lang, area)
    top = {r["metric"]: r for r in ev.filter(pl.col("is_area")).iter_rows(named=True)}
    name = h.short_name(area, lang)
    issue_no = issue_number(snapshot, dates)
    tr = dispatch.trend(area, d, wk, q, "total")
    paragraphs = [
        # a sentence's subject: "the Tibet Autonomous Region had placed", not "Whole region had placed"
        total_sentence(f"the {h.name(area, lang)}" if lang != "zh" and area == REGION else name, top["total"], snapshot, lang)
        + ("；" if lang == "zh" else ". ")  # English: "Of these, …" is a sentence of its own
        + organized_sentence(top["org_xprov"], top["org_xpref"], top["org_share"], lang),
        income_sentence(top["income"], top["per_capita"], top["total"]["new_week"], lang),
    ]
    from tracker import reported as reported_mod

    by = reported_mod.reporters(area, snapshot.year, snapshot, lambda u: h.name(u, lang), lang) if rep else None
    if rep_line := reported_sentence([top[k] for k in rep], lang, by):
        paragraphs.append(rep_line)
    paragraphs.append(own_metrics_sentence([r for k, r in top.items() if r["quota"] is not None], lang))
    if proj := projection_sentence(tr, lang):
        paragraphs.append(proj)
    lag = dispatch.laggards(ev)
    rank = dispatch.ranking(ev, "total") if ev.filter(~pl.col("is_area")).height else None
    # the same page one week earlier: the area's figures, the ranking, and the units that issue named
    prev_top = rank_prev = named_prev = None
    if d.previous:
        dp = dispatch.resolve_dates(d.previous, dates)
        evp = dispatch.name_units(dispatch.evaluate(area, dp, wk, q, list(CARD_METRICS)), h, lang, area)
        prev_top = evp.filter(pl.col("is_area") & (pl.col("metric") == "total")).row(0, named=True)
        rank_prev = dispatch.ranking(evp, "total") if rank is not None else None
        named_prev = named_units(dispatch.laggards(evp))
    comparison = comparison_sentences(top["total"], prev_top, rank if rank is not None else ev.head(0), rank_prev, named_prev, lag, lang)
    tables, kinds, notes = tables_for(area, d, ev, lang, h)
    figs = {}
    if with_figures and rank is not None:
        figs["ranking"] = charts.ranking_bars(rank, top["total"]["linear"], lang)
    if with_figures:
        figs["progress"] = charts.cumulative(tr, lang, "累计进度" if lang == "zh" else "Cumulative progress")
    # in English the region by its name (the Tibet Autonomous Region), not "Whole region", in the title and signature
    full = h.name(area, lang) if lang != "zh" and area == REGION else name
    head = head or Letterhead.load(area, full, lang)
    if lang == "zh":
        title = f"关于{hierarchy.WHOLE_ZH if area == REGION else name}{hierarchy.WORKERS_ZH}转移就业工作进展情况的通报"
        date_line = fmt.full_date(snapshot, lang)
    else:
        title = f"Transfer employment progress, {full}"
        date_line = fmt.full_date(snapshot, lang)
    lag_line = laggard_sentence(lag, lang)
    from tracker import followup

    try:
        followups = followup.bulletin_lines(area, snapshot, lambda c: h.name(c, lang), lang)
    except TrackerError as e:  # the app's store unreachable: the bulletin goes out without the section, said on stderr
        import sys

        print(f"bulletin: follow-up items left out: {e.message('en')}", file=sys.stderr)
        followups = []
    return Bulletin(
        lang,
        area,
        name,
        snapshot,
        title,
        head.issuer,
        issue_no,
        date_line,
        paragraphs,
        lag_line,
        tables,
        figs,
        kinds,
        comparison,
        head,
        notes,
        followups,
        laggard_sentence(lag, lang, brief=True),
    )


# Each bulletin column declares its kind once; Word, PDF and Excel format from it (never from the header text).
# text: already worded per row (a table whose rows are different metrics: 万人, 亿元, % side by side).
KINDS = {
    "text": ("@", None),
    "figure": ("@", None),  # a number already worded with its unit (55.27万人, ≥60.0%): text, set right like numbers
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


def tables_for(area: str, d: dispatch.Dates, ev: pl.DataFrame, lang: str, h) -> tuple[dict, dict, dict]:
    """Every table of the overview and the analyst pages for the area, with Chinese (or English) headers,
    each column's kind (see KINDS) and notes under tables whose parts do not add up to the whole."""
    zh = lang == "zh"
    out: dict[str, pl.DataFrame] = {}
    kinds: dict[str, dict[str, str]] = {}
    notes: dict[str, str] = {}

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
            (pl.col("w_actual"), "完成", "Actual", "figure"),
            (pl.col("w_quota"), "任务", "Quota", "figure"),
            (pl.col("w_completion"), "完成率", "Completion", "figure"),
            (pl.col("w_linear"), "序时进度", "Time elapsed", "figure"),
            (pl.col("w_gap"), "较序时或下限(百分点)", "Gap to pace or floor (pp)", "figure"),
            (pl.col("w_new_week"), "本周净增", "Net change this week", "figure"),
            (pl.col("w_yoy"), "同比", "Year on year", "figure"),
            (st_label, "状态", "Status", "text"),
            (source, "任务来源", "Quota source", "text"),
        ],
    )
    progress = [  # a unit's progress on the total, in the ranking and the appendix one level down
        (pl.col("name"), "单位", "Unit", "text"),
        (pl.col("quota"), "任务(人)", "Quota (persons)", "count"),
        (pl.col("actual"), "完成(人)", "Actual (persons)", "count"),
        (pl.col("completion"), "完成率", "Completion", "pct"),
        (pl.col("gap").round(1), "较序时(百分点)", "Gap (pp)", "points"),
    ]
    if ev.filter(~pl.col("is_area")).height:
        rank = dispatch.ranking(ev, "total")
        table(
            lbl("进度排名", "Ranking"),
            rank,
            [
                (pl.col("rank"), "排名", "Rank", "rank"),
                *progress,
                (pl.col("new_week"), "本周净增(人)", "Net change this week", "signed"),
                (st_label, "状态", "Status", "text"),
                (source, "任务来源", "Quota source", "text"),
            ],
        )
        if len(area) <= 4:  # one level further down: the region's 78 counties, a prefecture's townships
            below = []
            for kid in rank["unit_code"].to_list():
                ek = dispatch.evaluate(kid, d, dispatch.measures(kid, d), dispatch.quotas(kid, d.snapshot.year), ["total"])
                ek = dispatch.name_units(ek.filter(~pl.col("is_area")), h, lang, kid)
                below.append(ek.with_columns(parent=pl.lit(h.short_name(kid, lang))))
            if below:
                allk = pl.concat(below, how="diagonal_relaxed").sort(
                    "parent", pl.col("completion").is_null(), "completion", descending=[False, False, True]
                )
                title = lbl("各县（区）进度" if len(area) == 2 else "各乡（镇）进度", "Counties" if len(area) == 2 else "Townships")
                table(
                    title,
                    allk,
                    [
                        (pl.col("parent"), "所属" + ("地（市）" if len(area) == 2 else "县（区）"), "Within", "text"),
                        *progress,
                        (st_label, "状态", "Status", "text"),
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
        if short is None:
            return "—"
        return fmt.count(short, lang, met.unit_zh) if met.kind == "count" else fmt.value(met.kind, short, lang, met.unit_zh)

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
            (pl.col("w_short"), "差距", "Shortfall", "figure"),
            (st_label, "状态", "Status", "text"),
        ],
    )
    day = d.snapshot
    from tracker.schema import CHANNEL, INDUSTRY

    wan = (pl.col("income") / 1e4, "劳务收入(万元)", "Income (10k yuan)", "wan_yuan")
    persons_total = next((r["actual"] for r in ev.filter(pl.col("is_area") & (pl.col("metric") == "total")).iter_rows(named=True)), None)

    def with_total(name: str, label_col: str) -> None:
        """A 合计 row; where the parts exceed the persons (a person with placements in two channels counts in
        both), a note says by how much and why."""
        t = out[name]
        num = [c for c in t.columns if c != label_col]
        row = {label_col: lbl("合计", "Total"), **{c: t[c].sum() for c in num}}
        out[name] = pl.concat([t, pl.DataFrame([row], schema=t.schema)])
        persons_col = lbl("人数", "Persons")
        parts = row.get(persons_col)
        if persons_total and parts and round(parts) != round(persons_total):
            over = parts / persons_total - 1
            notes[name] = (
                f"注：分项合计{parts:,.0f}人，比转移就业人数{persons_total:,.0f}人多{over * 100:.1f}%，"
                "因部分人员年内有多段务工、分别计入各项。"
                if zh
                else f"Note: the parts add up to {parts:,.0f}, {over * 100:.1f}% above the {persons_total:,.0f} persons: "
                "someone with placements in two categories counts in both."
            )

    ch = analysis.by_dimension(area, day, "channel").filter(pl.col("is_area"))
    table(
        lbl("组织方式", "Channels"),
        ch,
        [(CHANNEL.expr("value", lang), "组织方式", "Channel", "text"), (pl.col("persons"), "人数", "Persons", "count"), wan],
    )
    with_total(lbl("组织方式", "Channels"), lbl("组织方式", "Channel"))
    prov = analysis.by_dimension(area, day, "dest_province_code").filter(pl.col("is_area"))
    table(
        lbl("去向", "Destinations"),
        prov,
        [(h.name_expr("value", lang, short=False), "就业地", "Destination", "text"), (pl.col("persons"), "人数", "Persons", "count"), wan],
    )
    with_total(lbl("去向", "Destinations"), lbl("就业地", "Destination"))
    ind = analysis.by_dimension(area, day, "industry").filter(pl.col("is_area"))
    table(
        lbl("行业", "Industries"),
        ind,
        [(INDUSTRY.expr("value", lang), "行业", "Industry", "text"), (pl.col("persons"), "人数", "Persons", "count"), wan],
    )
    with_total(lbl("行业", "Industries"), lbl("行业", "Industry"))
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
    return out, kinds, notes


# ---------------------------------------------------------------- renderers


_SERVER: list[bool] = []


def _chart_server() -> None:
    """One headless Chromium per process for every chart image (kaleido's sync server), not one per file:
    a bulletin's charts took about 4 s each time for the browser to start."""
    if _SERVER:
        return
    import atexit

    import kaleido

    try:
        import plotly

        local = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
        # nothing from a CDN: the installed plotly.js, no MathJax (the server ignores plotly.io's per-call options)
        kaleido.start_sync_server(plotlyjs=str(local), mathjax=False, silence_warnings=True)
    except Exception:  # kaleido's own errors: without the server each call starts its own browser
        return
    _SERVER.append(True)
    atexit.register(kaleido.stop_sync_server, silence_warnings=True)


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
        # 20 px on a 1,000 px image printed 15.5 cm wide is about 9 pt: readable on paper
        f.update_layout(font=dict(family="Noto Sans CJK SC, sans-serif", size=20), title_font_size=22, margin=dict(t=60))
    _chart_server()
    with tempfile.TemporaryDirectory() as tmp:
        paths = [Path(tmp) / f"{n}.png" for n in names]
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "The kopts argument is ignored", UserWarning)  # set on the server instead
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


FIGURE_NAMES = {"ranking": ("各单位转移就业完成率", "Completion by unit"), "progress": ("累计转移就业进度", "Cumulative progress")}


def _bold_runs(text: str) -> list[tuple[str, bool]]:
    """`**name**` marks a unit named in the text: bold in Word and PDF, plain elsewhere."""
    parts = text.split("**")
    return [(p, i % 2 == 1) for i, p in enumerate(parts) if p]


def plain(text: str) -> str:
    return text.replace("**", "")


def _appendix_tables(b: Bulletin) -> list[tuple[str, pl.DataFrame]]:
    lag_name = "滞后单位" if b.lang == "zh" else "Laggards"
    return [(n, df) for n, df in b.tables.items() if not (n == lag_name and df.height == 0)]


def _is_number_col(b: Bulletin, name: str, col: str) -> bool:
    return b.kinds.get(name, {}).get(col, "text") != "text"


def _text_width(text: str) -> int:
    """A cell's width in half-width characters: a Chinese character takes two (55.90万人 is 9, not 7), so that the
    columns are shared out as the text needs and a figure does not break (55.90|万人, 105.5|%)."""
    return sum(2 if ord(ch) >= 0x2E80 or ch in "%—" else 1 for ch in text)  # % and — are about as wide as a 字


CELL_PAD = 3  # a cell's left and right padding (Word's 0.19 cm each side) and a margin, in half-width characters
PAD_SPARE = 0.5  # of which the margin: the padding itself is 2.0–2.3 half-width characters at 10.5 and 9.5 pt
TABLE_WIDTH, TEXT_CM = 84, 15.6  # the text width in half-width characters of 10.5 pt, and in cm
LANDSCAPE_WIDTH, LANDSCAPE_CM = 121, 22.5  # a page turned for a wide table (GB/T 9704: 横排表格)


_UNIT = re.compile(r"^(.+?)([(（][^()（）]+[)）])$")  # a heading's unit in brackets: 任务(人), 较序时(百分点)


def _split_unit(h: str) -> tuple[str, str]:
    m = _UNIT.match(h)
    return (m.group(1), m.group(2)) if m else (h, "")


def _heading_need(h: str, lines: int) -> int:
    """A column heading's width in `lines` lines, never a 字 alone on a line (完成率 on one; 序时进度 on one, or in two
    of two where a table is pressed for room; never 序时进|度), nor a Latin word or a unit in brackets broken: for a
    Chinese heading the narrowest room in which `heading_lines` sets it in `lines` lines or fewer (the lines the cell
    gets), so that the width given and the lines set agree."""
    w = _text_width(h)
    if w <= 6 or (w <= 8 and lines < 3):
        return w
    if all(ord(ch) < 0x2E80 for ch in h):
        return max(-(-w // lines), _longest_word([h]))
    for room in range(4, w):
        got = heading_lines(h, room)
        if len(got) <= lines and max(_text_width(x) for x in got) <= room:
            return room
    return w


# words a column heading is never broken inside (跨省完|成, 组织化|率下限, 本周净|增 read badly)
HEADING_WORDS = (
    "组织化率",
    "较序时",
    "或下限",
    "跨地市",
    "所属地",
    "中位数",
    "跨省",
    "完成",
    "任务",
    "下限",
    "序时",
    "进度",
    "来源",
    "本周",
    "净增",
    "收入",
    "人数",
    "劳务",
    "同比",
    "状态",
    "单位",
    "指标",
    "群体",
    "不足",
    "个月",
)


def _inside_word(text: str, i: int) -> bool:
    """Whether a line break before text[i] falls inside one of HEADING_WORDS."""
    return any(text.startswith(w, j) for w in HEADING_WORDS for j in range(max(0, i - len(w) + 1), i))


def _balanced(text: str, per: int) -> list[str]:
    """`text` in the fewest lines of at most `per` characters: breaks between words where it can (组织化率|下限, not
    组织化|率下限), then as even as they come (3 + 2 + 2, never 3 + 3 + 1), the longer lines first."""
    n = -(-len(text) // per)
    best, key = None, None
    for sizes in itertools.product(range(1, per + 1), repeat=n):
        if sum(sizes) != len(text):
            continue
        cuts = list(itertools.accumulate(sizes))[:-1]
        k = (sum(_inside_word(text, c) for c in cuts), max(sizes) - min(sizes), [-x for x in sizes])
        if key is None or k < key:
            best, key = sizes, k
    lines, i = [], 0
    for size in best:
        lines.append(text[i : i + size])
        i += size
    return lines


def heading_lines(h: str, room: float) -> list[str]:
    """A Chinese column heading in the lines to set it in, for a column with `room` half-width characters a line:
    balanced, never a 字 alone (序时进|度 in a column of three 字 is 序时|进度; 任务来源 is 任务|来源), its unit in
    brackets whole, beside the last line or on its own, never inside a word (本周|净增|(人), not 本周净|增(人)). Word
    breaks by the column's width only, so the cell gets the lines as they are. A heading that fits, or one in Latin
    words (they wrap between words), stays one piece."""
    if _text_width(h) <= room or all(ord(ch) < 0x2E80 for ch in h):
        return [h]
    main, unit = _split_unit(h)
    per = max(2, int(room) // 2)  # 字 a line
    best = _balanced(main, per)
    if not unit:
        return best
    if _text_width(best[-1] + unit) <= room:
        return [*best[:-1], best[-1] + unit]
    best = [*best, unit]
    if _text_width(unit) > 4:  # only a one-字 unit, (人), goes beside a part of the last word: never 较序时或下|限(百分点)
        return best
    for n in range(len(main) - 1, 0, -1):  # or the unit beside the last n 字, the rest above in lines of two or more
        if _inside_word(main, len(main) - n):
            continue
        rest = _balanced(main[:-n], per)
        if _text_width(main[-n:] + unit) <= room and min(len(x) for x in rest) >= 2:
            if len(rest) + 1 < len(best):
                best = [*rest, main[-n:] + unit]
            break
    return best


def _longest_word(texts: list[str]) -> int:
    """The widest piece a text cannot break: a Latin word (Xietongmen), or two 字 (a Chinese name wraps between its
    characters, never one alone at a line's end)."""
    words = [_text_width(x) for c in texts for x in re.split(r"[\s/]+", c) if x and all(ord(ch) < 0x2E80 for ch in x)]
    return max([4, *words])


def _column_needs(headers: list[str], cells: list[list[str]], numeric: list[bool], lines: int = 2) -> tuple[list[int], list[int]]:
    """(what each column wants, the least it can have): its longest cell or its heading in `lines` lines, the padding;
    a text column can go down to four characters or its longest word (接近序时 stays whole, a Chinese name wraps between
    characters), a figure never below its own width (55,00|0人 or 90.|9% broken inside a cell read as two figures)."""
    want = [max([_heading_need(h, lines)] + [_text_width(c) for c in col]) + CELL_PAD for h, col in zip(headers, cells, strict=True)]
    floor = [w if num else min(w, max(8, _longest_word(col)) + CELL_PAD) for w, col, num in zip(want, cells, numeric, strict=True)]
    return want, floor


def fits_portrait(headers: list[str], cells: list[list[str]], numeric: list[bool]) -> bool:
    """Whether a table fits a portrait page, its headings in up to three lines and its words at their narrowest."""
    return sum(_column_needs(headers, cells, numeric, lines=3)[1]) <= TABLE_WIDTH


def title_lines(title: str, per_line: int = 20) -> list[str]:
    """The title in lines as GB/T 9704 sets it (梯形: the longer line first, never one character alone): 二号 type takes
    20 characters a line, and 关于洛隆县农牧民转移就业工作进展情况的通报 had left 报 alone on its second line. A title
    without that phrase is left to the layout's own wrapping."""
    cut = title.find("工作进展")
    if _text_width(title) <= 2 * per_line or cut <= 0:
        return [title]
    return [title[:cut], title[cut:]] if cut <= per_line and len(title) - cut <= per_line else [title]


def column_widths(headers: list[str], cells: list[list[str]], numeric: list[bool], width: int = TABLE_WIDTH) -> list[float]:
    """Each column's share of the table's width, in half-width characters: what it wants with its heading in two lines
    while the page has room (else in three), then the text columns give way in proportion to what each can give, and
    the figures keep their room."""
    want, floor = _column_needs(headers, cells, numeric)
    if sum(want) > width:
        want, floor = _column_needs(headers, cells, numeric, lines=3)
    if sum(want) <= width:
        return [w * width / sum(want) for w in want]
    if sum(want) - width <= PAD_SPARE * len(want):  # a unit or so short: every column's margin gives a little, and
        return [w - (sum(want) - width) / len(want) for w in want]  # a name like …用工占比 keeps its last 字
    give = sum(w - f for w, f in zip(want, floor, strict=True))
    over = sum(want) - width
    if give >= over:  # the text columns shrink in proportion to what each can give
        return [w - (w - f) * over / give for w, f in zip(want, floor, strict=True)]
    return [f * width / sum(floor) for f in floor]  # too many columns even so: everything in proportion


def docx_bytes(b: Bulletin, images: dict[str, bytes] | None = None, summary: bool = False) -> bytes:
    """GB/T 9704-2012 as far as a weekly bulletin goes: red mark and rule, 期号 and date, title in 小标宋, 主送, numbered
    sections in 黑体, 仿宋 3号 body at 28 pt, 附件说明, 署名 and 成文日期, each 附件 on a new page (header row
    repeated, rows never split, numbers right-aligned), 版记 with 抄送 and 印发, page numbers — 1 — outside.
    `summary`: one page for the leader's desk: the headline, the laggards and the ranking."""
    from docx import Document
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    zh = b.lang == "zh"
    head = b.head or Letterhead.default(b.area, b.area_name, b.lang)
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)  # A4, GB/T 9704 margins (天头 37 mm, 订口 28 mm)
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Cm(3.7), Cm(3.5), Cm(2.8), Cm(2.6)
    if summary:  # a desk copy, not the document sent: smaller margins, so that a region's summary (six metrics'
        # laggards, seven prefectures ranked) keeps to one page
        sec.top_margin, sec.bottom_margin = Cm(2.5), Cm(2.2)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(16)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    rpr = normal.element.get_or_add_rPr()
    lang_el = OxmlElement("w:lang")
    # Latin text (figures) in a Western language, as Word writes a Chinese document: with zh-CN there LibreOffice broke
    # lines inside figures by Chinese rules (90.|9%, 11,|903, 12|2人)
    lang_el.set(qn("w:val"), "en-US" if zh else "en-GB")
    lang_el.set(qn("w:eastAsia"), "zh-CN")
    rpr.append(lang_el)
    cp = doc.core_properties
    cp.author, cp.title, cp.language = head.issuer, b.title, "zh-CN" if zh else "en-GB"
    cp.created = cp.modified = dt.datetime.now()
    cp.last_modified_by = head.issuer

    def para(
        text: str = "",
        font: str = BODY_FONT,
        size: float = 16,
        bold: bool = False,
        align=None,
        indent: bool = True,
        color=None,
        line: float = 28,
    ):
        p = doc.add_paragraph()
        if summary:  # one page for a region's seven prefectures: everything smaller (the body 小四, 12 pt on 19 pt lines)
            size, line = size * 12 / 16, line * 19 / 28
        if align is not None:
            p.alignment = align
        if indent and zh:
            p.paragraph_format.first_line_indent = Pt(size * 2)
        p.paragraph_format.line_spacing = Pt(line)
        for piece, strong in _bold_runs(text):
            r = p.add_run(piece)
            _set_font(r, "黑体" if strong and font == BODY_FONT and zh else font, size=size, bold=bold or strong)
            if color is not None:
                r.font.color.rgb = color
        return p

    def rule(p, color: str = "FF0000", size: int = 12) -> None:
        ppr = p._p.get_or_add_pPr()
        bdr = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for k, v in (("w:val", "single"), ("w:sz", str(size)), ("w:space", "1"), ("w:color", color)):
            bottom.set(qn(k), v)
        bdr.append(bottom)
        ppr.append(bdr)

    red = RGBColor(0xE6, 0x00, 0x12)
    # 版头: the issuing unit's mark in red, 期号, the issuer and date, the red rule
    para(head.mark, TITLE_FONT, 26 if len(head.mark) > 14 else 36, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, color=red, line=44)
    para(f"第{b.issue_no}期" if zh else f"No. {b.issue_no}", BODY_FONT, 16, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    p = para(f"{head.issuer}\t{b.date_line}", BODY_FONT, 16 if zh else 12, indent=False)  # English names are long
    p.paragraph_format.tab_stops.add_tab_stop(Cm(15.6), alignment=2)  # right tab: the date at the right margin
    rule(p)
    para("", line=20)
    # 主体
    # (the summary's title is in smaller type: 26 字 a line, 日喀则市's on one)
    para("\n".join(title_lines(b.title, 26 if summary else 20)), TITLE_FONT, 22, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, line=36)
    para("", line=20)
    para(head.to + ("：" if zh else ":"), indent=False)
    sections = b.summary_sections() if summary else b.sections()
    for k, (title, texts) in enumerate(sections):
        para(title, "黑体" if zh else BODY_FONT, 16, bold=not zh).paragraph_format.keep_with_next = True  # not alone at a foot
        for text in texts:
            for piece in _split_closing(text) if not summary else [text]:
                para(piece)
        if k == 0 and not summary:  # the charts belong to the overall progress, numbered 图1, 图2
            for n, (key, data) in enumerate((images or {}).items(), start=1):
                doc.add_picture(io.BytesIO(data), width=Cm(15.5))
                doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
                doc.paragraphs[-1].paragraph_format.keep_with_next = True  # 图N under its chart, never atop the next
                cap = FIGURE_NAMES.get(key, (key, key))[0 if zh else 1]
                para(f"图{n}　{cap}" if zh else f"Figure {n}. {cap}", BODY_FONT, 14, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    tables = _appendix_tables(b)
    if summary:
        rank_name = "进度排名" if zh else "Ranking"
        tables = [(n, df) for n, df in tables if n == rank_name]
    if not summary:
        # 附件说明 (part of the text, GB/T 9704), 署名 and 成文日期 on one page, never the signature alone: each a paragraph
        # kept whole (LibreOffice split a chain of many kept paragraphs; a long paragraph kept with them pushed the
        # heading before it onto a page of its own)
        last = doc.paragraphs[-1].text
        if last in (CLOSING_ZH, CLOSING_EN) or len(last) <= 60:  # the closing charge (a short paragraph) goes with the signature
            doc.paragraphs[-1].paragraph_format.keep_with_next = True
        block = []
        if tables:
            block.append(para("", line=28))
            lines = [f"{i}.{n}" if zh else f"{i}. {n}" for i, (n, _df) in enumerate(tables, start=1)]
            p = para(("附件：" if zh else "Annexes: ") + "\n".join(lines))  # the items under the first one's number
            if zh:
                p.paragraph_format.left_indent, p.paragraph_format.first_line_indent = Pt(16 * 5), Pt(-16 * 3)
            else:
                p.paragraph_format.left_indent, p.paragraph_format.first_line_indent = Pt(68), Pt(-68)
            block.append(p)
        block.append(para("", line=28))
        p = para(f"{head.issuer}\n{b.date_line}", indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
        p.paragraph_format.right_indent = Pt(32)
        block.append(p)
        for p in block:
            p.paragraph_format.keep_together = True
        for p in block[:-1]:
            p.paragraph_format.keep_with_next = True
    # 附件, each on a new page; one too wide for the page on a page turned (a section of its own)
    landscape = False
    for i, (name, df) in enumerate(tables, start=1):
        numeric = [_is_number_col(b, name, c) for c in df.columns]
        cells = [[b.cell(name, c, v) for v in df[c].to_list()] for c in df.columns]
        wide = not summary and not fits_portrait(df.columns, cells, numeric)
        turned = wide != landscape
        if turned:
            new = doc.add_section(WD_SECTION.NEW_PAGE)
            new.orientation = WD_ORIENT.LANDSCAPE if wide else WD_ORIENT.PORTRAIT
            new.page_width, new.page_height = (Cm(29.7), Cm(21.0)) if wide else (Cm(21.0), Cm(29.7))
            if wide:  # the portrait margins turned with the page, the table's head to the binding edge (订口 2.8 cm on top)
                new.top_margin, new.bottom_margin, new.left_margin, new.right_margin = Cm(2.8), Cm(2.6), Cm(3.5), Cm(3.7)
            else:
                new.top_margin, new.bottom_margin, new.left_margin, new.right_margin = Cm(3.7), Cm(3.5), Cm(2.8), Cm(2.6)
            landscape = wide
        text_cm, units = (LANDSCAPE_CM, LANDSCAPE_WIDTH) if landscape else (TEXT_CM, TABLE_WIDTH)
        if summary:
            heads = [para(name, "黑体" if zh else BODY_FONT, 14, indent=False, line=24)]
        else:
            heads = [
                para(f"附件{i}" if zh else f"Annex {i}", "黑体" if zh else BODY_FONT, 16, indent=False),
                para(name, TITLE_FONT, 18, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, line=32),
            ]
        if not summary and not turned:  # each annex on a new page (a break of its own: one at the end of the last
            # paragraph had fallen between the previous annex's heading and its table)
            heads[0].paragraph_format.page_break_before = True
        for hp in heads:  # a heading never alone at a page's foot, its table on the next
            hp.paragraph_format.keep_with_next = True
        t = doc.add_table(rows=1, cols=df.width)
        t.style = "Table Grid"
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        # the desk copy's ranking and a turned page's wide table in smaller type (小五): headings in two lines, the
        # region's summary on one page, 总体进度's indicator names whole
        pt = 9.5 if summary or landscape else 10.5
        widths = column_widths(df.columns, cells, numeric, round(units * 10.5 / pt))
        total = sum(widths) or 1
        t.autofit = False
        for j, col in enumerate(t.columns):  # the grid's widths: what LibreOffice (and Word on opening) lays out by
            col.width = Cm(text_cm * widths[j] / total)
        hdr = t.rows[0]
        trpr = hdr._tr.get_or_add_trPr()
        for tag in ("w:tblHeader", "w:cantSplit"):
            el = OxmlElement(tag)
            el.set(qn("w:val"), "true")
            trpr.append(el)
        for j, c in enumerate(df.columns):
            cell = hdr.cells[j]
            cell.width = Cm(text_cm * widths[j] / total)
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = None
            for line in heading_lines(c, widths[j] - CELL_PAD + PAD_SPARE):  # the room column_widths gave it
                if run is not None:
                    run.add_break()  # a line break at the previous line's end
                run = cell.paragraphs[0].add_run(line)
                _set_font(run, "黑体" if zh else TABLE_FONT, size=pt)
        for row in df.iter_rows():
            r = t.add_row()
            el = OxmlElement("w:cantSplit")
            el.set(qn("w:val"), "true")
            r._tr.get_or_add_trPr().append(el)
            for j, v in enumerate(row):
                cell = r.cells[j]
                cell.width = Cm(text_cm * widths[j] / total)
                par = cell.paragraphs[0]
                par.alignment = WD_ALIGN_PARAGRAPH.RIGHT if numeric[j] else WD_ALIGN_PARAGRAPH.LEFT
                _set_font(par.add_run(b.cell(name, df.columns[j], v)), TABLE_FONT, size=pt, bold=str(row[0]) in ("合计", "Total"))
        if name in b.notes:
            para(b.notes[name], BODY_FONT, 12, indent=False, line=20)
    # 版记: on the last page, rules above and below, 抄送 and 印发
    if summary:
        return _docx_footer_and_save(doc, sec)
    para("", line=28)
    p = para("", line=6, indent=False)
    rule(p, "000000", 8)
    if head.cc:
        p = para(("抄送：" if zh else "Copies: ") + head.cc, BODY_FONT, 14, indent=False)
        p.paragraph_format.left_indent = Pt(14)
        rule(p, "000000", 4)
    today = settings.today()  # the deployment's today (a demo's or a test's too), as every other date
    p = para(
        # English: a long printer's name and the date do not fit one line at a tab (the date had run into the name)
        f"{head.printer}\t{fmt.full_date(today)}印发" if zh else f"{head.printer}, printed {fmt.full_date(today, 'en')}",
        BODY_FONT,
        14 if zh else 12,
        indent=False,
    )
    # the date at the right margin, of a turned page too (after a wide last annex)
    p.paragraph_format.tab_stops.add_tab_stop(Cm((LANDSCAPE_CM if landscape else TEXT_CM) - 0.3), alignment=2)
    p.paragraph_format.left_indent = Pt(14)
    rule(p, "000000", 8)
    return _docx_footer_and_save(doc, sec)


def _docx_footer_and_save(doc, sec) -> bytes:
    """Page numbers — 1 —, 宋体 4号, right on odd pages and left on even ones."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    doc.settings.odd_and_even_pages_header_footer = True
    for footer, align in ((sec.footer, WD_ALIGN_PARAGRAPH.RIGHT), (sec.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        fp = footer.paragraphs[0]
        fp.alignment = align
        _set_font(fp.add_run("— "), "宋体", size=14)
        fld = OxmlElement("w:fldSimple")
        fld.set(qn("w:instr"), "PAGE")
        run = OxmlElement("w:r")
        t_el = OxmlElement("w:t")
        t_el.text = "1"
        run.append(t_el)
        fld.append(run)
        fp._p.append(fld)
        _set_font(fp.add_run(" —"), "宋体", size=14)
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
            fmts = {c: KINDS[kinds[c]][0] for c in df.columns if c in kinds and df[c].dtype.is_numeric()}
            df.write_excel(
                wb,
                worksheet=name[:31],
                column_formats=fmts,
                autofit=True,
                freeze_panes=(1, 0),
                header_format={"bold": True, "font_name": "SimSun"},
            )
    return buf.getvalue()


def html_doc(b: Bulletin, images: dict[str, bytes] | None = None, summary: bool = False) -> str:
    """The printable form (the PDF): the Word layout in HTML; page numbers — 1 — from CSS page-margin boxes.
    `summary`: one page for the leader's desk (headline, laggards, ranking)."""
    zh = b.lang == "zh"
    head = b.head or Letterhead.default(b.area, b.area_name, b.lang)
    esc = html.escape

    def rich(text: str) -> str:
        return "".join(f"<b>{esc(p)}</b>" if strong else esc(p) for p, strong in _bold_runs(text))

    def table(name: str, df: pl.DataFrame) -> str:
        heads = "".join(f"<th>{esc(c)}</th>" for c in df.columns)
        num = [_is_number_col(b, name, c) for c in df.columns]
        body = "".join(
            "<tr>"
            + "".join(f"<td class='{'n' if num[i] else 't'}'>{esc(b.cell(name, df.columns[i], v))}</td>" for i, v in enumerate(r))
            + "</tr>"
            for r in df.iter_rows()
        )
        note = f"<p class='note'>{esc(b.notes[name])}</p>" if name in b.notes else ""
        return f"<table><thead><tr>{heads}</tr></thead><tbody>{body}</tbody></table>{note}"

    parts = [
        f"<div class='mark'>{esc(head.mark)}</div>",
        f"<div class='no'>{'第' + str(b.issue_no) + '期' if zh else 'No. ' + str(b.issue_no)}</div>",
        f"<div class='issuer'><span>{esc(head.issuer)}</span><span>{esc(b.date_line)}</span></div>",
        f"<h1>{'<br>'.join(esc(x) for x in title_lines(b.title, 26 if summary else 20))}</h1>",
        f"<p class='to'>{esc(head.to)}{'：' if zh else ':'}</p>",
    ]
    sections = b.summary_sections() if summary else b.sections()
    for k, (title, texts) in enumerate(sections):
        parts.append(f"<h2>{esc(title)}</h2>")
        parts += [f"<p>{rich(piece)}</p>" for t in texts for piece in (_split_closing(t) if not summary else [t])]
        if k == 0 and not summary:
            for n, (key, data) in enumerate((images or {}).items(), start=1):
                cap = FIGURE_NAMES.get(key, (key, key))[0 if zh else 1]
                parts.append(
                    f"<figure><img src='data:image/png;base64,{base64.b64encode(data).decode()}'>"
                    f"<figcaption>{'图' if zh else 'Figure '}{n}{'　' if zh else '. '}{esc(cap)}</figcaption></figure>"
                )
    tables = _appendix_tables(b)
    if summary:
        rank_name = "进度排名" if zh else "Ranking"
        if rank_name in b.tables:
            parts.append(f"<h2>{esc(rank_name)}</h2>" + table(rank_name, b.tables[rank_name]))
    else:
        # as in Word: a short last paragraph (the closing charge), 附件说明 and the signature on one page
        charge = parts[-1] in (f"<p>{esc(CLOSING_ZH)}</p>", f"<p>{esc(CLOSING_EN)}</p>")
        keep = [parts.pop()] if charge or (parts[-1].startswith("<p>") and len(parts[-1]) <= 80) else []
        if tables:
            lines = [f"{i}.{esc(n)}" if zh else f"{i}. {esc(n)}" for i, (n, _df) in enumerate(tables, start=1)]
            keep.append(f"<p class='annex-list'>{'附件：' if zh else 'Annexes: '}{'<br>'.join(lines)}</p>")
        keep.append(f"<p class='sign'>{esc(head.issuer)}<br>{esc(b.date_line)}</p>")
        parts.append(f"<div class='closing'>{''.join(keep)}</div>")
        for i, (name, df) in enumerate(tables, start=1):
            cells = [[b.cell(name, c, v) for v in df[c].to_list()] for c in df.columns]
            wide = not fits_portrait(df.columns, cells, [_is_number_col(b, name, c) for c in df.columns])
            parts.append(
                f"<section class='annex{' wide' if wide else ''}'><div class='annex-no'>{'附件' if zh else 'Annex '}{i}</div>"
                f"<h3>{esc(name)}</h3>{table(name, df)}</section>"
            )
        today = settings.today()
        cc = f"<div class='cc'>{'抄送：' if zh else 'Copies: '}{esc(head.cc)}</div>" if head.cc else ""
        printed = f"{fmt.full_date(today)}印发" if zh else f"printed {fmt.full_date(today, 'en')}"
        parts.append(f"<div class='banji'>{cc}<div class='printer'><span>{esc(head.printer)}</span><span>{printed}</span></div></div>")
    css = (
        "@page{size:A4;margin:37mm 26mm 35mm 28mm;@bottom-right{content:'— ' counter(page) ' —';font:14pt 'Noto Serif CJK SC',serif}}"
        "@page:left{@bottom-right{content:none}@bottom-left{content:'— ' counter(page) ' —';font:14pt 'Noto Serif CJK SC',serif}}"
        " body{font-family:'Noto Serif CJK SC',serif;font-size:16pt;line-height:28pt;margin:0}"
        " .mark{color:#E60012;font-family:'Noto Sans CJK SC',sans-serif;font-weight:700;font-size:30pt;line-height:44pt;"
        "text-align:center;letter-spacing:2pt;white-space:nowrap}"
        " .no{text-align:center} .issuer{display:flex;justify-content:space-between;border-bottom:2.5pt solid #E60012;padding-bottom:4pt}"
        " h1{font-family:'Noto Sans CJK SC',sans-serif;font-size:22pt;line-height:34pt;text-align:center;margin:20pt 0 14pt;"
        "word-break:keep-all}"
        " h2{font-family:'Noto Sans CJK SC',sans-serif;font-size:16pt;font-weight:400;margin:0;text-indent:2em}"
        " p{text-indent:2em;margin:0} p.to{text-indent:0} p.sign{text-align:right;margin:28pt 2em 0 0;text-indent:0}"
        " p b{font-family:'Noto Sans CJK SC',sans-serif;font-weight:700}"
        " .annex-list{margin-top:28pt;padding-left:5em;text-indent:-3em} .closing{break-inside:avoid}"
        " .annex{break-before:page} .annex-no{font-family:'Noto Sans CJK SC',sans-serif}"
        " @page wide{size:A4 landscape;margin:28mm 37mm 26mm 35mm} .annex.wide{page:wide}"
        " @page tall{size:A4 portrait} .annex:not(.wide), .banji{page:tall}"  # Chromium kept the turned page after one
        " h3{font-family:'Noto Sans CJK SC',sans-serif;font-size:18pt;text-align:center;margin:6pt 0 10pt}"
        " table{border-collapse:collapse;font-size:10.5pt;line-height:14pt;margin:0 auto 6pt;width:100%}"
        " thead{display:table-header-group} tr{break-inside:avoid} td,th{border:1px solid #333;padding:2px 4px}"
        " th{font-family:'Noto Sans CJK SC',sans-serif;font-weight:400} td.n{text-align:right;white-space:nowrap}"
        " .note{font-size:12pt;line-height:18pt;text-indent:0} figure{margin:8pt 0;break-inside:avoid} img{width:100%}"
        " figcaption{text-align:center;font-size:14pt}"
        " .banji{break-inside:avoid;margin-top:40pt;border-top:1pt solid #000;border-bottom:1pt solid #000;font-size:14pt}"
        " .cc{border-bottom:0.5pt solid #000;padding:2pt 1em} .printer{display:flex;justify-content:space-between;padding:2pt 1em}"
    )
    if summary:  # as the Word summary: the desk copy's margins and 小四 type on 19 pt lines
        css += "@page{margin:25mm 26mm 22mm 28mm} body{font-size:12pt;line-height:19pt} h1{font-size:16.5pt;line-height:25pt}"
    lang_attr = "zh-CN" if zh else "en"
    return (
        f"<!doctype html><html lang='{lang_attr}'><meta charset='utf-8'><title>{esc(b.title)}</title>"
        f"<style>{css}</style><body>{''.join(parts)}</body></html>"
    )


SOFFICE = os.environ.get("TRACKER_SOFFICE", "/usr/bin/soffice")


def pdf_bytes(b: Bulletin, images: dict[str, bytes] | None = None, summary: bool = False) -> bytes:
    """The Word file laid out and printed by LibreOffice (the PDF is the Word layout, fonts embedded by name; one
    LibreOffice kept running per process, `tracker.office`); without LibreOffice, headless Chromium prints the HTML
    form."""
    if Path(SOFFICE).exists():
        from tracker import office

        return office.docx_to_pdf(docx_bytes(b, images, summary), SOFFICE)  # one LibreOffice kept running per process
    if not Path(CHROMIUM).exists():
        raise RuntimeError("Chromium is needed for the PDF (Debian package chromium)")
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "b.html", Path(tmp) / "b.pdf"
        src.write_text(html_doc(b, images, summary), encoding="utf-8")
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
    files = {
        "docx": out / f"{stem}.docx",
        "xlsx": out / f"{stem}.xlsx",
        "pdf": out / f"{stem}.pdf",
        "summary_pdf": out / f"{stem}_{'摘要' if lang == 'zh' else 'summary'}.pdf",
    }
    files["docx"].write_bytes(docx_bytes(b, images))
    files["xlsx"].write_bytes(xlsx_bytes(b))
    files["pdf"].write_bytes(pdf_bytes(b, images))
    files["summary_pdf"].write_bytes(pdf_bytes(b, None, summary=True))
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
