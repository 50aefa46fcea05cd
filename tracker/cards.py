"""The dispatch cards as HTML strings (pure: the page only places them)."""

from __future__ import annotations

import html

from tracker import fmt, rules
from tracker.catalogue import METRICS
from tracker.i18n import status_color, status_label, t


def _source(row: dict, lang: str) -> str:
    """Where the quota comes from, as a small tag (the note in its tooltip)."""
    from tracker.quotas import source_label

    label = source_label(row.get("source"), lang)
    if not label:
        return ""
    return f" <span class='tr-src' title='{html.escape(row.get('source_note') or '')}'>{html.escape(label)}</span>"


def card_html(row: dict, lang: str = "zh", pace: str = "linear") -> str:
    met = METRICS[row["metric"]]
    k = met.kind
    lines = []
    s = row["status"]
    badge = f"<span class='tr-badge' style='background:{status_color(s)}'>{status_label(s, lang)}</span>" if s else ""
    if row["quota"] is None:
        lines.append(f"{t('quota', lang)}：{t('no_quota', lang)}")
    elif row["quota_kind"] == "minimum" and row["gap"] is None:  # no one placed yet: the share is undefined
        lines.append(f"{t('minimum', lang)} {fmt.pct(row['quota'])} · " + ("尚无转移人员" if lang == "zh" else "nobody placed yet"))
    elif row["quota_kind"] == "minimum":
        g = rules.shown(row["gap"])
        lines.append(
            f"{t('minimum', lang)} {fmt.pct(row['quota'])}{_source(row, lang)} · {'高于' if g >= 0 else '低于'}下限{abs(g):.1f}个百分点"
            if lang == "zh"
            else f"{t('minimum', lang)} {fmt.pct(row['quota'])}{_source(row, lang)} · {abs(g):.1f} pp {'above' if g >= 0 else 'below'}"
        )
        if row["needed"]:
            lines.append(f"{t('needed', lang)} <b>{fmt.count(row['needed'], lang)}</b>")
        if row.get("needed_year_end") is not None:
            lines.append(
                f"<span title='{html.escape(t('needed_year_end_help', lang))}'>{t('needed_year_end', lang)} "
                f"<b>{fmt.count(row['needed_year_end'], lang)}</b></span>"
            )
    else:
        lines.append(
            f"{t('quota', lang)} {fmt.value(k, row['quota'], lang, met.unit_zh)}{_source(row, lang)} · "
            f"{t('completion', lang)} <b>{fmt.pct(row['completion'])}</b>"
        )
        pace_txt = f"{t('time_progress', lang)} {fmt.pct(row['linear'])}"
        if row["seasonal"] is not None:
            pace_txt += f" · {t('seasonal', lang)} {fmt.pct(row['seasonal'])}"
        lines.append(pace_txt)
        lines.append(
            "—"
            if row["gap"] is None
            else fmt.points(row["gap"], lang)
            if pace == "linear" or row["seasonal"] is None
            else (
                f"较季节进度{'高' if row['gap'] >= 0 else '低'}{abs(row['gap']):.1f}个百分点"
                if lang == "zh"
                else f"{abs(row['gap']):.1f} pp {'ahead of' if row['gap'] >= 0 else 'behind'} seasonal pace"
            )
        )
    if row.get("reported"):  # where the figure comes from: a unit's report, as of a day
        when = row.get("reported_as_of")
        lines.append(
            (f"单位填报 · 截至{fmt.date(when, lang)}" if when else "尚未填报")
            if lang == "zh"
            else (f"Reported by the units, as of {fmt.date(when, lang)}" if when else "Not reported yet")
        )
    wk = fmt.delta(k, row["new_week"], lang, met.unit_zh) if row["new_week"] is not None else "—"
    if k == "share" or k == "per_capita":
        yoy = fmt.delta(k, row["yoy"], lang) if k == "share" else fmt.signed_pct(row["yoy"])
    else:
        yoy = fmt.signed_pct(row["yoy"])
    lines.append(
        f"<span title='{html.escape(t('new_week_help', lang))}'>"
        f"{t('vs_last_week' if k in ('share', 'per_capita') else 'new_week', lang)} {wk}</span> · "
        f"{t('yoy', lang)} {yoy}"
    )
    body = "".join(f"<div class='tr-line'>{x}</div>" for x in lines)
    return (
        f"<div class='tr-card' data-metric='{html.escape(met.key)}'>"
        f"<div class='tr-title' title='{html.escape(met.desc(lang))}'>{html.escape(met.label(lang))}{badge}</div>"
        f"<div class='tr-value'>{fmt.value(k, row['actual'], lang, met.unit_zh)}</div>{body}</div>"
    )


CSS = """
<style>
.tr-card {border:1px solid #e3e6ea;border-radius:8px;padding:10px 14px;margin-bottom:10px;background:#fff;
          min-height:170px}
.tr-title {font-size:0.95rem;color:#444;font-weight:600}
.tr-value {font-size:1.9rem;font-weight:700;color:#1f2d3d;margin:2px 0 4px 0}
.tr-line {font-size:0.85rem;color:#444;line-height:1.5}
.tr-src {font-size:0.7rem;color:#666;border:1px solid #ccd;border-radius:3px;padding:0 3px;white-space:nowrap}
.tr-badge {color:#fff;border-radius:4px;padding:1px 6px;margin-left:8px;font-size:0.75rem;font-weight:500}
</style>
"""
MEETING_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"] {display:none}
.block-container {padding-top:1rem;max-width:100%}
.tr-value {font-size:2.8rem}
.tr-title {font-size:1.3rem}
.tr-line {font-size:1.15rem}
[data-testid="stDataFrame"] {font-size:1.2rem}
h1, h2, h3 {font-size:2rem !important}
</style>
"""
