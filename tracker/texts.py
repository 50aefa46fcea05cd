"""Sentences built from evaluated rows (pure), shared by the overview and, later, the bulletin."""

from __future__ import annotations

from tracker import fmt
from tracker.catalogue import METRICS
from tracker.i18n import status_label


def laggard_line(r: dict, lang: str = "zh") -> str:
    """One laggard: unit, metric, status, completion, gap in points and in persons (or organized needed)."""
    met = METRICS[r["metric"]]
    st = status_label(r["status"], lang)
    if r["quota_kind"] == "minimum":
        if lang == "zh":
            return f"**{r['name']}** {met.zh}（{st}）：{fmt.pct(r['actual'])}，低于下限{abs(r['gap']):.1f}个百分点" + (
                f"，{met.needed_label(lang)}{fmt.count(r['needed'], lang, met.unit_zh)}" if r.get("needed") else ""
            )
        return f"**{r['name']}** {met.en} ({st}): {fmt.pct(r['actual'])}, {abs(r['gap']):.1f} pp below the minimum" + (
            f"; {met.needed_label(lang).lower()}: {fmt.count(r['needed'], lang)}" if r.get("needed") else ""
        )
    short = fmt.money(r["shortfall"], lang) if met.kind == "money" else fmt.count(r["shortfall"], lang, met.unit_zh)
    if lang == "zh":
        return f"**{r['name']}** {met.zh}（{st}）：完成{fmt.pct(r['completion'])}，{fmt.points(r['gap'], lang)}，差{short}"
    return f"**{r['name']}** {met.en} ({st}): {fmt.pct(r['completion'])} done, {fmt.points(r['gap'], lang)}, {short} short"


def rank_move(now: int | None, before: int | None, lang: str = "zh") -> str:
    """Rank movement since last week as the meeting reads it: ↑2 (up two places), ↓1, — (unchanged), 新 (not ranked)."""
    if now is None:
        return ""
    if before is None:
        return "新" if lang == "zh" else "new"
    if now == before:
        return "—"
    return f"↑{before - now}" if now < before else f"↓{now - before}"
