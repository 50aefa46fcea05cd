"""Pure chart builders: data in, plotly Figure out; no Streamlit calls, tested apart."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import polars as pl

from tracker import fmt
from tracker.i18n import status_color, status_label, t

FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"


def _layout(fig: go.Figure, height: int, big: bool = False) -> go.Figure:
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=40, b=10), font=dict(family=FONT, size=18 if big else 13),
                      legend=dict(orientation="h", y=-0.15), plot_bgcolor="white", hovermode="closest")
    fig.update_xaxes(gridcolor="#eee")
    fig.update_yaxes(gridcolor="#eee")
    return fig


def ranking_bars(rank: pl.DataFrame, time_progress: float | None, lang: str, big: bool = False) -> go.Figure:
    """Completion per child unit as horizontal bars coloured by status; a line at the time elapsed.

    Bars (not lines) so that Streamlit's plotly selection can drill down on a click.
    """
    df = rank.filter(pl.col("completion").is_not_null()).sort("completion")
    fig = go.Figure(go.Bar(
        x=(df["completion"] * 100).to_list(), y=df["name"].to_list(), orientation="h",
        customdata=df["unit_code"].to_list(),
        marker_color=[status_color(s) for s in df["status"].to_list()],
        text=[f"{v * 100:.1f}%" for v in df["completion"].to_list()], textposition="auto",
        hovertemplate="%{y}: %{x:.1f}%<extra></extra>", name=t("completion", lang)))
    if time_progress is not None:
        fig.add_vline(x=time_progress * 100, line_dash="dash", line_color="#555",
                      annotation_text=f"{t('time_progress', lang)} {time_progress * 100:.1f}%",
                      annotation_position="top")
    fig.update_xaxes(ticksuffix="%", title=None)
    fig.update_layout(title=t("completion", lang), clickmode="event+select", dragmode=False)
    return _layout(fig, max(260, 28 * df.height + 90), big)


def cumulative(tr: dict, lang: str, label: str) -> go.Figure:
    """This year's cumulative curve against linear and seasonal pace, last year and a projection."""
    fig = go.Figure()
    shift = dt.timedelta(days=364)
    if tr["last_year"]:
        fig.add_trace(go.Scatter(x=[d + shift for d, _ in tr["last_year"]], y=[v for _, v in tr["last_year"]],
                                 name=t("last_year", lang), line=dict(color="#9E9E9E", dash="dot")))
    if tr["linear"]:
        fig.add_trace(go.Scatter(x=[d for d, _ in tr["linear"]], y=[v for _, v in tr["linear"]],
                                 name=t("linear_line", lang), line=dict(color="#555", dash="dash")))
    if tr["seasonal"]:
        fig.add_trace(go.Scatter(x=[d + shift for d, _ in tr["seasonal"]], y=[v for _, v in tr["seasonal"]],
                                 name=t("seasonal_line", lang), line=dict(color="#1565C0", dash="dashdot")))
    if tr["this_year"]:
        fig.add_trace(go.Scatter(x=[d for d, _ in tr["this_year"]], y=[v for _, v in tr["this_year"]],
                                 name=t("this_year", lang), mode="lines+markers",
                                 line=dict(color="#C62828", width=3)))
        last_d, last_v = tr["this_year"][-1]
        if tr["projection"] is not None and tr["due"] > last_d:
            fig.add_trace(go.Scatter(x=[last_d, tr["due"]], y=[last_v, tr["projection"]],
                                     name=t("projection_line", lang), line=dict(color="#C62828", dash="dot")))
    if tr["target"]:
        fig.add_hline(y=tr["target"], line_color="#2E7D32",
                      annotation_text=f"{t('target_line', lang)} {fmt.count(tr['target'], lang)}")
    fig.update_layout(title=label)
    return _layout(fig, 380)


def legend_html(lang: str) -> str:
    items = ["ahead", "on_pace", "behind", "serious", "no_quota"]
    return " ".join(
        f"<span style='display:inline-block;margin-right:12px'><span style='display:inline-block;width:12px;"
        f"height:12px;border-radius:2px;background:{status_color(s)};margin-right:4px'></span>"
        f"{status_label(s, lang)}</span>" for s in items)
