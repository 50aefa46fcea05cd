"""Pure chart builders: data in, plotly Figure out; no Streamlit calls, tested apart."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import polars as pl

from tracker import fmt
from tracker.i18n import status_color, status_label, t

FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"


def _layout(fig: go.Figure, height: int, big: bool = False) -> go.Figure:
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=40, b=10),
        font=dict(family=FONT, size=18 if big else 13),
        legend=dict(orientation="h", y=-0.15),
        plot_bgcolor="white",
        hovermode="closest",
    )
    fig.update_xaxes(gridcolor="#eee")
    fig.update_yaxes(gridcolor="#eee")
    return fig


def date_axis(fig: go.Figure, lang: str) -> go.Figure:
    """Dates as officials write them: 11月20日 (never "Jan 2026")."""
    fmt_ = "%-m月%-d日" if lang == "zh" else "%-d %b"
    fig.update_xaxes(tickformat=fmt_, hoverformat="%Y年%-m月%-d日" if lang == "zh" else "%-d %b %Y")
    return fig


def persons_scale(values: list[float], lang: str) -> tuple[float, str]:
    """Divide by 10,000 and say 万人 from 100,000 persons (the cards' 61.50万人), else plain persons."""
    big = max((abs(v) for v in values if v is not None), default=0) >= 100_000
    if lang == "zh":
        return (1e4, "万人") if big else (1.0, "人")
    return (1e3, "thousand persons") if big else (1.0, "persons")


def ranking_bars(rank: pl.DataFrame, time_progress: float | None, lang: str, big: bool = False) -> go.Figure:
    """Completion per child unit as horizontal bars coloured by status; a line at the time elapsed.

    Bars (not lines) so that Streamlit's plotly selection sees a click (it opens the unit's records).
    """
    df = rank.filter(pl.col("completion").is_not_null()).sort("completion")
    fig = go.Figure(
        go.Bar(
            x=(df["completion"] * 100).to_list(),
            y=df["name"].to_list(),
            orientation="h",
            customdata=df["unit_code"].to_list(),
            marker_color=[status_color(s) for s in df["status"].to_list()],
            text=[f"{v * 100:.1f}%" for v in df["completion"].to_list()],
            textposition="auto",
            hovertemplate="%{y}: %{x:.1f}%<extra></extra>",
            name=t("completion", lang),
        )
    )
    if time_progress is not None:
        fig.add_vline(
            x=time_progress * 100,
            line_dash="dash",
            line_color="#555",
            annotation_text=f"{t('time_progress', lang)} {time_progress * 100:.1f}%",
            annotation_position="top",
        )
    fig.update_xaxes(ticksuffix="%", title=None)
    fig.update_layout(title=t("completion", lang), clickmode="event+select", dragmode=False)
    return _layout(fig, max(260, 28 * df.height + 90), big)


def cumulative(tr: dict, lang: str, label: str) -> go.Figure:
    """This year's cumulative curve against linear and seasonal pace, last year and a projection; persons on the
    y axis in 万人 from 100,000 (said in the axis title), dates as 11月20日."""
    fig = go.Figure()
    shift = dt.timedelta(days=364)
    every = [v for k in ("this_year", "last_year", "linear", "seasonal") for _d, v in tr[k]] + [tr["target"] or 0]
    k, unit = persons_scale(every, lang)
    dec = ",.2f" if k > 1 else ",.0f"
    hover = f"%{{x}}: %{{y:{dec}}}{unit if lang == 'zh' else ' ' + unit}<extra>%{{fullData.name}}</extra>"

    def line(points, name, shift_by=None, **kw):
        fig.add_trace(
            go.Scatter(
                x=[d + shift_by if shift_by else d for d, _ in points],
                y=[v / k for _, v in points],
                name=name,
                hovertemplate=hover,
                **kw,
            )
        )

    if tr["last_year"]:
        line(tr["last_year"], t("last_year", lang), shift, line=dict(color="#78909C", dash="dot"))
    if tr["linear"]:
        line(tr["linear"], t("linear_line", lang), line=dict(color="#555", dash="dash"))
    if tr["seasonal"]:
        line(tr["seasonal"], t("seasonal_line", lang), shift, line=dict(color="#7E57C2", dash="dashdot"))
    if tr["this_year"]:
        line(tr["this_year"], t("this_year", lang), mode="lines+markers", line=dict(color="#1F5FA8", width=3))
        last_d, last_v = tr["this_year"][-1]
        if tr["projection"] is not None and tr["due"] > last_d:
            line([(last_d, last_v), (tr["due"], tr["projection"])], t("projection_line", lang), line=dict(color="#1F5FA8", dash="dot"))
    if tr["target"]:
        fig.add_hline(
            y=tr["target"] / k,
            line_color="#37474F",
            annotation_text=f"{t('target_line', lang)} {fmt.persons(tr['target'], lang)}",
            annotation_position="top left",
        )
    fig.update_yaxes(tickformat=",.0f" if k == 1 else ",.1f", title=unit)
    fig.update_layout(title=label)
    return date_axis(_layout(fig, 380), lang)


def legend_html(lang: str) -> str:
    items = ["ahead", "on_pace", "behind", "serious", "no_quota"]
    return " ".join(
        f"<span style='display:inline-block;margin-right:12px'><span style='display:inline-block;width:12px;"
        f"height:12px;border-radius:2px;background:{status_color(s)};margin-right:4px'></span>"
        f"{status_label(s, lang)}</span>"
        for s in items
    )


# categories (channels, bands, destinations): never a status colour (green, light green, orange, red, grey), so that
# on every page those colours mean status only
PALETTE = ["#1F5FA8", "#8E24AA", "#00838F", "#5D4037", "#3949AB", "#546E7A", "#0277BD", "#7E57C2", "#A1887F"]


def share_bars(df: pl.DataFrame, minimum: float | None, lang: str, title: str) -> go.Figure:
    """A share per unit (bars, clickable) against a minimum line; colour = met / not met."""
    df = df.sort("share")
    colors = [status_color("met" if (minimum is None or s >= minimum) else "not_met") for s in df["share"].to_list()]
    fig = go.Figure(
        go.Bar(
            x=(df["share"] * 100).to_list(),
            y=df["name"].to_list(),
            orientation="h",
            customdata=df["unit_code"].to_list(),
            marker_color=colors,
            text=[f"{s * 100:.1f}%" for s in df["share"].to_list()],
            textposition="auto",
            hovertemplate="%{y}: %{x:.1f}%<extra></extra>",
        )
    )
    if minimum is not None:
        fig.add_vline(
            x=minimum * 100,
            line_dash="dash",
            line_color="#555",
            annotation_text=f"{'下限' if lang == 'zh' else 'minimum'} {minimum * 100:.0f}%",
        )
    fig.update_xaxes(ticksuffix="%")
    fig.update_layout(title=title, dragmode=False)
    return _layout(fig, max(260, 26 * df.height + 100))


def stacked_bars(df: pl.DataFrame, lang: str, title: str, percent: bool = True) -> go.Figure:
    """Units × categories (columns: unit_code, name, category, value), stacked horizontally."""
    fig = go.Figure()
    cats = df.group_by("category").agg(pl.col("value").sum()).sort("value", descending=True)["category"].to_list()
    units = df.select("unit_code", "name").unique(maintain_order=True)
    totals = dict(df.group_by("unit_code").agg(pl.col("value").sum()).iter_rows())
    for i, c in enumerate(cats):
        sub = units.join(df.filter(pl.col("category") == c), on=["unit_code", "name"], how="left").fill_null(0)
        vals = [
            (v / totals[u] * 100 if totals.get(u) else 0) if percent else v
            for u, v in zip(sub["unit_code"].to_list(), sub["value"].to_list(), strict=True)
        ]
        fig.add_trace(
            go.Bar(
                x=vals,
                y=sub["name"].to_list(),
                orientation="h",
                name=c,
                customdata=sub["unit_code"].to_list(),
                marker_color=PALETTE[i % len(PALETTE)],
                hovertemplate="%{y} · " + c + ": %{x:.1f}" + ("%" if percent else "") + "<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack", title=title, dragmode=False)
    if percent:
        fig.update_xaxes(ticksuffix="%", range=[0, 100])
    return _layout(fig, max(280, 26 * units.height + 120))


def ranked_bars(
    labels: list[str], values: list[float], lang: str, title: str, codes: list[str] | None = None, fmt_value=None, color: str = "#1F5FA8"
) -> go.Figure:
    """Largest first, top to bottom."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    fig = go.Figure(
        go.Bar(
            x=[values[i] for i in order],
            y=[labels[i] for i in order],
            orientation="h",
            customdata=[codes[i] for i in order] if codes else None,
            marker_color=color,
            text=[fmt_value(values[i]) if fmt_value else f"{values[i]:,.0f}" for i in order],
            textposition="auto",
            hovertemplate="%{y}: %{x:,.0f}<extra></extra>",
        )
    )
    fig.update_layout(title=title, dragmode=False)
    return _layout(fig, max(260, 24 * len(values) + 100))


def actual_vs_quota(
    names: list[str], actual: list[float], quota: list[float | None], lang: str, title: str, codes: list[str] | None = None
) -> go.Figure:
    fig = go.Figure()
    fig.add_trace(
        go.Bar(x=names, y=[q or 0 for q in quota], name="任务" if lang == "zh" else "Quota", marker_color="#B0BEC5", customdata=codes)
    )
    fig.add_trace(go.Bar(x=names, y=actual, name="完成" if lang == "zh" else "Actual", marker_color="#1F5FA8", customdata=codes))
    fig.update_layout(barmode="group", title=title, dragmode=False)
    return _layout(fig, 360)


def histogram(df: pl.DataFrame, lang: str, title: str) -> go.Figure:
    labels = [
        (f"{int(lo):,}–{int(hi):,}" if hi is not None else f"≥{int(lo):,}")
        for lo, hi in zip(df["lower"].to_list(), df["upper"].to_list(), strict=True)
    ]
    fig = go.Figure(go.Bar(x=labels, y=df["persons"].to_list(), marker_color="#1F5FA8", hovertemplate="%{x}: %{y:,}<extra></extra>"))
    fig.update_layout(title=title, dragmode=False)
    fig.update_xaxes(title="元/人" if lang == "zh" else "yuan per person")
    return _layout(fig, 340)
