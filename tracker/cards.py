"""The dispatch cards as HTML strings (pure: the page only places them)."""

from __future__ import annotations

import html
import re

from tracker import fmt
from tracker.catalogue import METRICS
from tracker.i18n import colon, status_color, status_label, t
from tracker.texts import rank_move


def _source(row: dict, lang: str) -> str:
    """Where the quota comes from, as a small tag (the note in its tooltip)."""
    from tracker.demo_quotas import note_text
    from tracker.quotas import source_label

    label = source_label(row.get("source"), lang)
    if not label:
        return ""
    return f" <span class='tr-src' title='{html.escape(note_text(row.get('source_note'), lang))}'>{html.escape(label)}</span>"


def card_html(row: dict, lang: str = "zh", pace: str = "linear", href: str | None = None, compact: bool = False) -> str:
    """One card; `href` makes its number a link (to the records behind it, or to the breakdown). `compact` (meeting
    mode: the headline cards on one projected screen) says the pace and the gap in one line, the pace judged by only."""
    met = METRICS[row["metric"]]
    k = met.kind
    lines = []
    s = row["status"]
    badge = f"<span class='tr-badge' style='background:{status_color(s)}'>{status_label(s, lang)}</span>" if s else ""
    if row["quota"] is None:
        lines.append(f"{t('quota', lang)}{colon(lang)}{t('no_quota', lang)}")
    elif row["quota_kind"] == "minimum" and row["gap"] is None:  # no one placed yet: the share is undefined
        lines.append(f"{t('minimum', lang)} {fmt.pct(row['quota'])} · " + ("尚无转移人员" if lang == "zh" else "nobody placed yet"))
    elif row["quota_kind"] == "minimum":
        gap_txt = fmt.points(row["gap"], lang, minimum=True, short=compact)
        lines.append(f"{t('minimum', lang)} {fmt.pct(row['quota'])}{_source(row, lang)} · {gap_txt}")
        if row["needed"]:
            lines.append(f"{met.needed_label(lang, short=compact)} <b>{fmt.count(row['needed'], lang, met.unit_zh)}</b>")
        # on the projector a need of nothing is not shown (the desk says 无需新增)
        if row.get("needed_year_end") is not None and not (compact and row["needed_year_end"] == 0):
            help_ = t("needed_year_end_help", lang) if met.den_quota == "total" else ""
            lines.append(
                f"<span title='{html.escape(help_)}'>{met.needed_label(lang, year_end=True, short=compact)} "
                f"<b>{fmt.needed(row['needed_year_end'], lang, met.unit_zh)}</b></span>"
            )
    else:
        lines.append(
            f"{t('quota', lang)} {fmt.value(k, row['quota'], lang, met.unit_zh)}{_source(row, lang)} · "
            f"{t('completion', lang)} <b>{fmt.pct(row['completion'])}</b>"
        )
        seasonal = pace != "linear" and row["seasonal"] is not None
        if compact:  # the pace the status is judged by, and the gap to it
            label, value = ("seasonal", row["seasonal"]) if seasonal else ("time_progress", row["linear"])
            lines.append(f"{t(label, lang)} {fmt.pct(value)} · {fmt.points(row['gap'], lang, short=True)}")
        else:
            pace_txt = f"{t('time_progress', lang)} {fmt.pct(row['linear'])}"
            if row["seasonal"] is not None:
                pace_txt += f" · {t('seasonal', lang)} {fmt.pct(row['seasonal'])}"
            lines += [pace_txt, fmt.points(row["gap"], lang, seasonal=seasonal)]
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
    short = "_short" if compact else ""
    lines.append(
        f"<span title='{html.escape(t('new_week_help', lang))}'>"
        # a unit's report is monthly: what changed since last week's figure, not what was added this week
        f"{t('vs_last_week' if k in ('share', 'per_capita') or row.get('reported') else 'new_week' + short, lang)} {wk}</span> · "
        f"{t('yoy' + short, lang)} {yoy}"
    )
    body = "".join(f"<div class='tr-line'>{_unbroken(x)}</div>" for x in lines)
    return (
        f"<div class='tr-card' data-metric='{html.escape(met.key)}'>"
        f"<div class='tr-title' title='{html.escape(met.desc(lang))}'>{html.escape(met.label(lang))}{badge}</div>"
        f"<div class='tr-value'>{_linked(fmt.value(k, row['actual'], lang, met.unit_zh), href, lang)}</div>{body}</div>"
    )


# a figure with its sign and unit, never broken inside (a phone's narrow card broke "1.7个百分|点", "+|¥1.94 m")
_FIGURE = re.compile(r"[+−-]?¥?\d[\d,.]*(?:个百分点|万人|万元|亿元|人次|人|元|%|家| pp\b| m\b| bn\b)?")  # …, +¥1.94 m, 1.2 pp


def _unbroken(line: str) -> str:
    """A line wraps between its parts (`a · b`), each part kept whole ("3.6个百分点", never "3.6个百|分点") unless it is
    wider than the card by itself; then it wraps, but never inside a figure and its unit."""
    pieces = re.split(r"(<[^>]+>)", line)  # figures in the text only, not in a tag's attributes
    line = "".join(p if p.startswith("<") else _FIGURE.sub(lambda m: f"<span class='tr-nb'>{m.group(0)}</span>", p) for p in pieces)
    parts = line.split(" · ")  # the separator stays with the part before it, never alone at a line's start
    return " ".join(f"<span class='tr-seg'>{p}{' ·' if i < len(parts) - 1 else ''}</span>" for i, p in enumerate(parts))


def _linked(text: str, href: str | None, lang: str) -> str:
    if not href:
        return text
    tip = t("open_records_tip", lang)
    return f"<a class='tr-link' href='{html.escape(href)}' target='_self' title='{html.escape(tip)}'>{text}</a>"


def ranking_rows(rank, metric: str, lang: str, moves: dict) -> list[dict]:
    """The ranking's cells as officials write them (one list for the meeting table, the print table, the phone list)."""
    met = METRICS[metric]
    minimum = met.quota_kind == "minimum"
    rows = list(rank.iter_rows(named=True))
    quotas, actuals = fmt.quota_actual(met.kind, [r["quota"] for r in rows], [r["actual"] for r in rows], lang, met.unit_zh)
    news = fmt.column(met.kind, [r.get("new_week") for r in rows], lang, met.unit_zh, signed=True)
    out = []
    for i, r in enumerate(rows):
        out.append(
            {
                "code": r["unit_code"],
                "rank": "—" if r["rank"] is None else str(r["rank"]),
                "move": rank_move(r["rank"], moves.get(r["unit_code"]), lang) if moves else "",
                "name": r["name"],
                "quota": quotas[i],
                "actual": actuals[i],
                "completion": "" if minimum else fmt.pct(r["completion"]),
                "gap": fmt.short_points(r["gap"], lang, unit=False),
                "needed": fmt.count(r.get("needed"), lang, met.unit_zh) if minimum and r.get("needed") else "",
                "needed_year_end": fmt.count(r.get("needed_year_end"), lang, met.unit_zh) if minimum and r.get("needed_year_end") else "",
                "new_week": news[i],
                "status": r["status"],
            }
        )
    return out


def ranking_html(rank, metric: str, lang: str, moves: dict, name_href=None, value_href=None) -> str:
    """The ranking as an HTML table: large type in meeting mode, whole on paper (a data grid is a canvas: it neither
    grows with the font nor prints)."""
    met = METRICS[metric]
    minimum = met.quota_kind == "minimum"
    zh = lang == "zh"
    heads = [t("rank", lang), "变化" if zh else "Move", t("unit", lang), t("minimum" if minimum else "quota", lang), t("actual", lang)]
    heads += [met.needed_label(lang)] if minimum else [t("completion", lang)]
    heads += [
        ("较下限(百分点)" if zh else "vs floor (pp)") if minimum else ("较序时(百分点)" if zh else "vs schedule (pp)"),
        t("status", lang),
    ]
    rows = []
    for c in ranking_rows(rank, metric, lang, moves):
        mv = c["move"]
        cls = "up" if mv.startswith("↑") else "down" if mv.startswith("↓") else ""
        name = html.escape(c["name"] or "—")
        if name_href:
            name = f"<a href='{html.escape(name_href(c['code']))}' target='_self'>{name}</a>"
        actual = _linked(c["actual"], value_href(c["code"]) if value_href else None, lang)
        badge = f"<span class='tr-badge' style='background:{status_color(c['status'])}'>{status_label(c['status'], lang)}</span>"
        cells = [c["rank"], f"<span class='tr-move {cls}'>{mv}</span>", name, c["quota"], actual]
        cells += [c["needed"] or "—"] if minimum else [c["completion"]]
        cells += [c["gap"], badge]
        rows.append("<tr>" + "".join(f"<td>{x}</td>" for x in cells) + "</tr>")
    head = "".join(f"<th>{html.escape(x)}</th>" for x in heads)
    return f"<table class='tr-rank'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def ranking_list_html(rank, metric: str, lang: str, moves: dict, name_href=None) -> str:
    """The ranking for a phone: one line per unit (rank, movement, name, completion or share, status), a tap drills."""
    met = METRICS[metric]
    minimum = met.quota_kind == "minimum"
    items = []
    for c in ranking_rows(rank, metric, lang, moves):
        name = html.escape(c["name"] or "—")
        main = c["actual"] if minimum else c["completion"]
        badge = f"<span class='tr-badge' style='background:{status_color(c['status'])}'>{status_label(c['status'], lang)}</span>"
        body = (
            f"<span class='tr-r'>{c['rank']}</span><span class='tr-move'>{c['move']}</span>"
            f"<span class='tr-n'>{name}</span><span class='tr-v'>{main}</span>{badge}"
        )
        if name_href:
            body = f"<a href='{html.escape(name_href(c['code']))}' target='_self'>{body}</a>"
        items.append(f"<li>{body}</li>")
    return f"<ul class='tr-rlist'>{''.join(items)}</ul>"


PHONE_RECORD_COLUMNS = ("id_masked", "township_code", "village_code", "dest_province_code", "channel", "months_employed", "income_yuan")


def record_cards(frame, lang: str) -> str:
    """Records as cards for a phone: who (masked), township and village, destination, channel, months, income.
    `frame` has the records view's readable columns (labels as headers, names for codes)."""
    from tracker import schema

    cols = [schema.label(c, lang) for c in PHONE_RECORD_COLUMNS]
    cols = [c for c in cols if c in frame.columns]
    items = []
    for r in frame.select(cols).iter_rows(named=True):
        parts = []
        for c in cols:
            v = r[c]
            if v is None or v == "":
                v = "—"
            elif isinstance(v, float):
                v = f"{v:,.1f}" if "月" in c or "onth" in c else f"{v:,.0f}"
            elif isinstance(v, int):
                v = f"{v:,}"
            key = c + colon(lang)
            parts.append(f"<span class='tr-seg'><span class='tr-k'>{html.escape(key)}</span>{html.escape(str(v))}</span>")
        items.append("<li>" + ("　" if lang == "zh" else " ").join(parts) + "</li>")
    return f"<ul class='tr-recs'>{''.join(items)}</ul>"


CSS = """
<style>
.tr-card {border:1px solid #e3e6ea;border-radius:8px;padding:10px 14px;margin-bottom:10px;background:#fff;
          min-height:170px}
.tr-title {font-size:0.95rem;color:#444;font-weight:600}
.tr-value {font-size:1.9rem;font-weight:700;color:#1f2d3d;margin:2px 0 4px 0}
.tr-value a.tr-link {color:inherit;text-decoration:none;border-bottom:2px dotted #8a96a3}
.tr-value a.tr-link:hover {border-bottom-style:solid}
.tr-line {font-size:0.85rem;color:#444;line-height:1.5}
.tr-seg {display:inline-block;max-width:100%}
.tr-nb {white-space:nowrap}
.tr-src {font-size:0.7rem;color:#666;border:1px solid #ccd;border-radius:3px;padding:0 3px;white-space:nowrap}
.tr-badge {color:#fff;border-radius:4px;padding:1px 6px;margin-left:8px;font-size:0.75rem;font-weight:500;white-space:nowrap}
table.tr-rank {border-collapse:collapse;width:100%;font-size:0.95rem}
table.tr-rank th, table.tr-rank td {padding:4px 8px;border-bottom:1px solid #e3e6ea;white-space:nowrap;word-break:keep-all}
table.tr-rank th {text-align:left;color:#444;font-weight:600}
table.tr-rank td:nth-child(n+4):not(:last-child) {text-align:right;font-variant-numeric:tabular-nums}
table.tr-rank a {color:inherit}
.tr-move.up {color:#1a7f37}
.tr-move.down {color:#c62828}
ul.tr-rlist {list-style:none;padding:0;margin:0}
ul.tr-rlist li {border-bottom:1px solid #e3e6ea;padding:8px 2px}
ul.tr-rlist a {display:flex;gap:8px;align-items:center;color:inherit;text-decoration:none}
ul.tr-rlist .tr-r {min-width:1.6em;font-weight:700}
ul.tr-rlist .tr-move {min-width:2.2em;font-size:0.85rem}
ul.tr-rlist .tr-n {flex:1}
ul.tr-rlist .tr-v {font-variant-numeric:tabular-nums}
</style>
"""
