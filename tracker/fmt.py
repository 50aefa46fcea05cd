"""Numbers the way officials write them: 万人, 万元/亿元, one-decimal percentages, 百分点 for gaps."""

from __future__ import annotations

import datetime as dt
import math


def _none(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def persons(n, lang: str = "zh") -> str:
    if _none(n):
        return "—"
    n = int(round(n))
    if lang == "zh":
        return f"{n / 10_000:.2f}万人" if abs(n) >= 100_000 else f"{n:,}人"
    return f"{n:,}"


def count(n, lang: str = "zh", unit_zh: str = "人") -> str:
    """A plain count with separators (tables, where 万 would hide the last digits)."""
    if _none(n):
        return "—"
    return f"{int(round(n)):,}{unit_zh if lang == 'zh' else ''}"


def needed(n, lang: str = "zh", unit_zh: str = "人") -> str:
    """Placements still needed: 无需新增 / "None needed" where nothing is (not "0人" beside a need elsewhere)."""
    if not _none(n) and int(round(n)) == 0:
        return "无需新增" if lang == "zh" else "None needed"
    return count(n, lang, unit_zh)


def money(yuan, lang: str = "zh") -> str:
    if _none(yuan):
        return "—"
    if lang == "zh":
        if abs(yuan) >= 1e8:
            return f"{yuan / 1e8:.2f}亿元"
        if abs(yuan) >= 1e4:
            return f"{yuan / 1e4:,.1f}万元"
        return f"{yuan:,.0f}元"
    if abs(yuan) >= 1e9:
        return f"¥{yuan / 1e9:.2f} bn"
    if abs(yuan) >= 1e6:
        return f"¥{yuan / 1e6:.2f} m"
    return f"¥{yuan:,.0f}"


def yuan(x, lang: str = "zh") -> str:
    """Per-capita amounts stay in yuan."""
    if _none(x):
        return "—"
    return f"{x:,.0f}元" if lang == "zh" else f"¥{x:,.0f}"


def pct(x, lang: str = "zh") -> str:
    return "—" if _none(x) else f"{x * 100:.1f}%"


MINUS = "−"  # U+2212, the one minus sign of every figure (never the hyphen)


def signed_pct(x, lang: str = "zh") -> str:
    if _none(x):
        return "—"
    v = round(x * 100, 1) + 0.0
    return f"{'+' if v >= 0 else MINUS}{abs(v):.1f}%"


def arrow(delta: str | None) -> str:
    """The arrow of a card's change text: Streamlit reads only an ASCII "-" as a fall, so "−11.6%" (our minus) would
    get a green ↑; a text that is not a signed figure ("无任务", "完成率 69.1%") gets none."""
    if not delta:
        return "off"
    head = delta.lstrip()[:1]
    return "down" if head in (MINUS, "-") else "up" if head == "+" else "off"


def points(gap, lang: str = "zh", minimum: bool = False, short: bool = False, seasonal: bool = False) -> str:
    """A gap in percentage points: 高于/低于序时进度 x 个百分点; with `minimum`, against a minimum share: 高于/低于下限 x 个百分点;
    `seasonal`, against the seasonal pace: 较季节进度高/低 x 个百分点; `short` after the pace's own figure (序时进度 92.6% ·
    滞后1.7个百分点). Decided on the figure shown: −0.04 is 持平, never 低0.0."""
    if _none(gap):
        return "—"
    g = round(gap, 1) + 0.0  # no "−0.0"
    if short and minimum:  # after the floor's own figure: 下限 60.0% · 高出3.8个百分点
        if lang == "zh":
            return f"{'高出' if g >= 0 else '差'}{abs(g):.1f}个百分点"
        return f"{abs(g):.1f} pp {'above' if g >= 0 else 'below'}"
    if short:
        if lang == "zh":
            return "持平" if g == 0 else f"{'超前' if g > 0 else '滞后'}{abs(g):.1f}个百分点"
        return "on pace" if g == 0 else f"{abs(g):.1f} pp {'ahead' if g > 0 else 'behind'}"
    if seasonal:
        if lang == "zh":
            return "与季节进度持平" if g == 0 else f"较季节进度{'高' if g > 0 else '低'}{abs(g):.1f}个百分点"
        return "on seasonal pace" if g == 0 else f"{abs(g):.1f} pp {'ahead of' if g > 0 else 'behind'} seasonal pace"
    if minimum:
        if lang == "zh":
            return f"{'高于' if g >= 0 else '低于'}下限{abs(g):.1f}个百分点"
        return f"{abs(g):.1f} pp {'above' if g >= 0 else 'below'} the minimum"
    if lang == "zh":
        if g == 0:
            return "与序时进度持平"
        return f"{'高于' if g > 0 else '低于'}序时进度{abs(g):.1f}个百分点"
    if g == 0:
        return "on schedule"
    return f"{abs(g):.1f} pp {'ahead of' if g > 0 else 'behind'} schedule"


def short_points(gap, lang: str = "zh", unit: bool = True) -> str:
    """A signed gap in points, +1.2个百分点 (without `unit`: +1.2, for a column whose header names the unit)."""
    if _none(gap):
        return "—"
    g = round(gap, 1) + 0.0
    return f"{'+' if g >= 0 else MINUS}{abs(g):.1f}" + (("个百分点" if lang == "zh" else " pp") if unit else "")


def value(kind: str, x, lang: str = "zh", unit: str = "人") -> str:
    """A metric's value in its unit: 人 counts in 万人 from 100,000, 人次 and 家 plainly."""
    if kind == "count" and unit != "人":
        return count(x, lang, unit_zh=unit)
    return {"count": persons, "money": money, "share": pct, "per_capita": yuan}[kind](x, lang)


def column(kind: str, xs, lang: str = "zh", unit: str = "人", signed: bool = False) -> list[str]:
    """A column of one metric's values in one unit, chosen by its largest value: a ranking never writes 13.40万人
    above 9,812人 (nor 1.20亿元 above 850.0万元). `signed`: changes (+1,234人)."""
    xs = list(xs)
    big = max((abs(x) for x in xs if not _none(x)), default=0)
    if kind == "count" and unit == "人" and lang == "zh" and round(big) >= 100_000:  # as persons() rounds: 99,999.5 is 10.00万
        one = lambda x: f"{abs(x) / 10_000 if signed else x / 10_000:.2f}万人"
    elif kind == "money":
        if lang == "zh":
            scale, word, d = (1e8, "亿元", 2) if big >= 1e8 else (1e4, "万元", 1) if big >= 1e4 else (1, "元", 0)
            one = lambda x: f"{(abs(x) if signed else x) / scale:,.{d}f}{word}"
        else:
            scale, word, d = (1e9, " bn", 2) if big >= 1e9 else (1e6, " m", 2) if big >= 1e6 else (1, "", 0)
            one = lambda x: f"¥{(abs(x) if signed else x) / scale:,.{d}f}{word}"
    elif signed:
        return [delta(kind, x, lang, unit) for x in xs]
    else:
        return [value(kind, x, lang, unit) for x in xs]
    if not signed:
        return ["—" if _none(x) else one(x).replace("-", MINUS) for x in xs]
    return ["—" if _none(x) else ("+" if x >= 0 else MINUS) + one(x) for x in xs]


def quota_actual(kind: str, quotas: list, actuals: list, lang: str = "zh", unit: str = "人") -> tuple[list[str], list[str]]:
    """One metric's quotas and actuals in one unit, so that each column reads down and a row compares like with like."""
    both = column(kind, [*quotas, *actuals], lang, unit)
    return both[: len(quotas)], both[len(quotas) :]


def delta(kind: str, x, lang: str = "zh", unit: str = "人") -> str:
    if _none(x):
        return "—"
    sign = "+" if x >= 0 else MINUS
    if kind == "money":
        return sign + money(abs(x), lang)
    if kind == "share":
        return f"{sign}{abs(x) * 100:.1f}" + ("个百分点" if lang == "zh" else " pp")
    if kind == "per_capita":
        return sign + yuan(abs(x), lang)
    return sign + count(abs(x), lang, unit_zh=unit)


def date(d: dt.date, lang: str = "zh") -> str:
    return f"{d.month}月{d.day}日" if lang == "zh" else f"{d.day} {d:%b %Y}"  # 4 Dec 2026, not 04 Dec 2026


def full_date(d: dt.date, lang: str = "zh") -> str:
    """A document's date, with its year: 2026年12月4日 / 4 December 2026 (成文日期, 印发日期, a table's date)."""
    return f"{d.year}年{d.month}月{d.day}日" if lang == "zh" else f"{d.day} {d:%B %Y}"
