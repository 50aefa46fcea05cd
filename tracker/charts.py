"""Pure chart builders: data in, plotly Figure out; no Streamlit calls, tested apart."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import polars as pl

from tracker import fmt
from tracker.i18n import status_color, status_label, t

FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"


def figure(data: list[dict], layout: dict, lang: str | None = None) -> go.Figure:
    """One Figure from plain dicts in a single call, without plotly's per-property validation: built step by step
    (`add_vline`, `update_layout`, …) a chart cost 10–45 ms of a page's server time, this way about 1–2 ms.
    `tests/test_charts.py` validates every builder's output instead. A chart with no point says so in `lang` instead
    of drawing plotly's empty axes from −1 to 1."""
    if lang and not _points(data):
        layout = {k: v for k, v in layout.items() if k != "shapes"} | {
            "xaxis": {"visible": False},
            "yaxis": {"visible": False},
            "annotations": [
                dict(text=t("no_data", lang), showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5, font=dict(size=16, color="#888"))
            ],
        }
    return go.Figure(data=data, layout=layout, _validate=False)


POINTS = ("x", "y", "values", "z", "locations", "lat", "lon")  # where a trace keeps what it draws


def _points(data: list[dict]) -> bool:
    return any(tr.get(k) is not None and len(tr[k]) for tr in data for k in POINTS)


def has_points(fig: go.Figure) -> bool:
    """False for a chart that says "no data" (a hint about clicking its bars would be beside the point)."""
    return _points([tr.to_plotly_json() for tr in fig.data])


def _layout(height: int, big: bool = False, **extra) -> dict:
    """The house layout; `extra` keys replace it (axes are merged: `xaxis=dict(ticksuffix="%")` keeps the grid)."""
    out = dict(
        height=height,
        margin=dict(l=10, r=10, t=40, b=10),
        font=dict(family=FONT, size=18 if big else 13),
        legend=dict(orientation="h", y=-0.15),
        plot_bgcolor="white",
        hovermode="closest",
    )
    for k, v in extra.items():
        if v is None or v == []:
            continue  # left out, as plotly's own constructor would
        out[k] = {**AXIS, **v} if k in ("xaxis", "yaxis") else v
    out.setdefault("xaxis", dict(AXIS))
    out.setdefault("yaxis", dict(AXIS))
    if big:  # Streamlit's chart theme sets the ticks' and title's sizes itself: the meeting room needs them large too
        for k in ("xaxis", "yaxis"):
            out[k] = {**out[k], "tickfont": dict(size=16)}
        if out.get("title"):
            out["title"] = {**out["title"], "font": dict(size=20)}
    return out


# numbers on an axis as officials write them: 50,000, never plotly's default 50k
# from zero: counts and shares start there, and bars that are all 0 get 0…1, not plotly's −1…1
# automargin: room for the tick labels wherever the chart is drawn (Streamlit's theme gives it, a PNG for the bulletin not)
AXIS = {"gridcolor": "#eee", "exponentformat": "none", "separatethousands": True, "rangemode": "tozero", "automargin": True}


def count_axis(values: list[float | None]) -> dict:
    """A persons axis: whole steps when the counts are small (a township's 2 persons, not 0.5 … 2)."""
    top = max((v for v in values if v is not None), default=0)
    return {"dtick": 1, "tick0": 0} if 0 < top <= 10 else {}


def _title(text: str | None) -> dict | None:
    return dict(text=text) if text is not None else None


def date_axis(lang: str, days: list | None = None) -> dict:
    """Dates as officials write them: 11月20日 (never "Jan 2026"); a tick a day at most, so that a first week's few
    points never read 11月19日 11月19日 11月20日 (plotly's half-day ticks, printed as days)."""
    fmt_ = "%-m月%-d日" if lang == "zh" else "%-d %b"
    out = dict(tickformat=fmt_, hoverformat="%Y年%-m月%-d日" if lang == "zh" else "%-d %b %Y")
    if days and (max(days) - min(days)).days <= 10:
        out |= {"dtick": 86_400_000, "tick0": min(days).isoformat()}
    elif days and (max(days) - min(days)).days > 60:  # no padding past the last day: plotly ticked the next year's
        out["range"] = [min(days).isoformat(), max(days).isoformat()]  # 1月1日 after 31 December; its own ticks else
    return out


def vline(x: float, text: str, position: str = "top right") -> tuple[dict, dict]:
    """A dashed vertical line across the plot and its label (what `add_vline` draws)."""
    # under the bars: drawn over them it struck through their value labels (62.1%); it shows between the bars
    shape = dict(type="line", x0=x, x1=x, xref="x", y0=0, y1=1, yref="y domain", line=dict(color="#555", dash="dash"), layer="below")
    anchor = ("center", "bottom") if position == "top" else ("left", "top")
    note = dict(text=text, showarrow=False, x=x, xref="x", y=1, yref="y domain", xanchor=anchor[0], yanchor=anchor[1])
    return shape, note


def persons_scale(values: list[float], lang: str) -> tuple[float, str]:
    """Divide by 10,000 and say 万人 from 100,000 persons (the cards' 61.50万人), else plain persons."""
    big = max((abs(v) for v in values if v is not None), default=0) >= 100_000
    if lang == "zh":
        return (1e4, "万人") if big else (1.0, "人")
    return (1e3, "thousand persons") if big else (1.0, "persons")


def _share_bar(df: pl.DataFrame, col: str, colors: list[str], **extra) -> dict:
    """Horizontal bars of a 0–1 column as percentages, one per unit (customdata = unit code: a click drills)."""
    return dict(
        type="bar",
        x=(df[col] * 100).to_list(),
        y=df["name"].to_list(),
        orientation="h",
        customdata=df["unit_code"].to_list(),
        marker=dict(color=colors),
        text=[f"{v * 100:.1f}%" for v in df[col].to_list()],
        textposition="auto",
        hovertemplate="%{y}: %{x:.1f}%<extra></extra>",
        **extra,
    )


def ranking_bars(rank: pl.DataFrame, time_progress: float | None, lang: str, big: bool = False) -> go.Figure:
    """Completion per child unit as horizontal bars coloured by status; a line at the time elapsed.

    Bars (not lines) so that Streamlit's plotly selection sees a click (it opens the unit's records).
    """
    df = rank.filter(pl.col("completion").is_not_null()).sort("completion")
    bar = _share_bar(df, "completion", [status_color(s) for s in df["status"].to_list()], name=t("completion", lang))
    shapes, notes = [], []
    if time_progress is not None:
        s, n = vline(time_progress * 100, f"{t('time_progress', lang)} {time_progress * 100:.1f}%", "top")
        shapes, notes = [s], [n]
    layout = _layout(
        max(260, 28 * df.height + 90),
        big,
        xaxis=dict(ticksuffix="%"),
        title=_title(t("completion", lang)),
        clickmode="event+select",
        dragmode=False,
        shapes=shapes,
        annotations=notes,
    )
    return figure([bar], layout, lang)


def cumulative(tr: dict, lang: str, label: str) -> go.Figure:
    """This year's cumulative curve against linear and seasonal pace, last year and a projection; persons on the
    y axis in 万人 from 100,000 (said in the axis title), dates as 11月20日."""
    shift = dt.timedelta(days=364)
    every = [v for k in ("this_year", "last_year", "linear", "seasonal") for _d, v in tr[k]] + [tr["target"] or 0]
    k, unit = persons_scale(every, lang)
    dec = ",.2f" if k > 1 else ",.0f"
    hover = f"%{{x}}: %{{y:{dec}}}{unit if lang == 'zh' else ' ' + unit}<extra>%{{fullData.name}}</extra>"
    data: list[dict] = []

    def line(points, name, shift_by=None, **kw):
        data.append(
            dict(
                type="scatter",
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
    shapes, notes = [], []
    if tr["target"]:
        y = tr["target"] / k
        shapes = [dict(type="line", x0=0, x1=1, xref="x domain", y0=y, y1=y, yref="y", line=dict(color="#37474F"))]
        notes = [
            dict(
                text=f"{t('target_line', lang)} {fmt.persons(tr['target'], lang)}",
                showarrow=False,
                x=0,
                xref="x domain",
                y=y,
                yref="y",
                xanchor="left",
                yanchor="bottom",
            )
        ]
    days = [x.date() if isinstance(x, dt.datetime) else x for tr_ in data for x in tr_["x"]]
    layout = _layout(
        380,
        xaxis=date_axis(lang, days),
        # the unit with what it counts: a lone 人 turned on its side read as "≺"
        yaxis=dict(
            tickformat=",.0f" if k == 1 else ",.1f",
            title=dict(text=f"累计人数（{unit}）" if lang == "zh" else f"Cumulative ({unit})"),
            **(count_axis(every) if k == 1 else {}),
        ),
        title=_title(label),
        shapes=shapes,
        annotations=notes,
    )
    return figure(data, layout, lang)


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


def share_bars(df: pl.DataFrame, minimum: float | None, lang: str, title: str, big: bool = False) -> go.Figure:
    """A share per unit (bars, clickable) against a minimum line; colour = met / not met."""
    df = df.sort("share")
    # each unit against its own floor where the frame has one (children may have different floors), else `minimum`
    floors = df["minimum"].to_list() if "minimum" in df.columns else [minimum] * df.height
    colors = [status_color("met" if (m is None or s >= m) else "not_met") for s, m in zip(df["share"].to_list(), floors, strict=True)]
    bar = _share_bar(df, "share", colors)
    shapes, notes = [], []
    if minimum is not None:
        # the label above the plot: inside it, it sat on the top unit's bar and its value
        s, n = vline(minimum * 100, f"{'下限' if lang == 'zh' else 'minimum'} {minimum * 100:.0f}%", "top")
        shapes, notes = [s], [n]
    layout = _layout(
        max(260, (34 if big else 26) * df.height + 100),
        big,
        xaxis=dict(ticksuffix="%"),
        title=_title(title),
        dragmode=False,
        shapes=shapes,
        annotations=notes,
    )
    return figure([bar], layout, lang)


def stacked_bars(df: pl.DataFrame, lang: str, title: str, percent: bool = True, order: list[str] | None = None) -> go.Figure:
    """Units × categories (columns: unit_code, name, category, value), stacked horizontally. `order`: the categories'
    own order (a channel list, the duration bands): each keeps its place and its colour whatever the data; without
    it, largest first."""
    cats = df.group_by("category").agg(pl.col("value").sum()).sort("value", descending=True)["category"].to_list()
    if order:
        cats = [c for c in order if c in cats] + [c for c in cats if c not in order]
    colour = {c: PALETTE[(order.index(c) if order and c in order else i) % len(PALETTE)] for i, c in enumerate(cats)}
    units = df.select("unit_code", "name").unique(maintain_order=True)
    # one column per category, a row per unit in the units' order (0 where a unit has none of it)
    cells = dict(zip(zip(df["unit_code"].to_list(), df["category"].to_list(), strict=True), df["value"].to_list(), strict=True))
    codes, names = units["unit_code"].to_list(), units["name"].to_list()
    totals = dict(df.group_by("unit_code").agg(pl.col("value").sum()).iter_rows())
    data = []
    for c in cats:
        raw = [cells.get((u, c)) or 0 for u in codes]
        vals = [(v / totals[u] * 100 if totals.get(u) else 0) if percent else v for u, v in zip(codes, raw, strict=True)]
        data.append(
            dict(
                type="bar",
                x=vals,
                y=names,
                orientation="h",
                name=c,
                customdata=codes,
                marker=dict(color=colour[c]),
                hovertemplate="%{y} · " + c + ": %{x:.1f}" + ("%" if percent else "") + "<extra></extra>",
            )
        )
    # 100% marked at the end (plotly's own ticks stopped at 80%)
    ticks = [0, 20, 40, 60, 80, 100]
    full = dict(range=[0, 100], tickvals=ticks, ticktext=[f"{v}%" for v in ticks])
    axis = dict(xaxis=full) if percent else dict(xaxis=count_axis(list(totals.values())) or None)
    layout = _layout(
        max(280, 26 * units.height + 120),
        barmode="stack",
        title=_title(title),
        dragmode=False,
        yaxis=dict(autorange="reversed"),  # the units top down in their order, as in the tables and the other charts
        legend=dict(orientation="h", y=-0.15, traceorder="normal"),  # the categories in the bars' own order
        margin=dict(l=10, r=28, t=40, b=10),  # room for the 100% label at the right edge (plotly hides one past it)
        **axis,
    )
    return figure(data, layout, lang)


def ranked_bars(
    labels: list[str],
    values: list[float],
    lang: str,
    title: str,
    codes: list[str] | None = None,
    fmt_value=None,
    color: str = "#1F5FA8",
    big: bool = False,
) -> go.Figure:
    """Largest first, top to bottom."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    bar = dict(
        type="bar",
        x=[values[i] for i in order],
        y=[labels[i] for i in order],
        orientation="h",
        marker=dict(color=color),
        text=[fmt_value(values[i]) if fmt_value else f"{values[i]:,.0f}" for i in order],
        textposition="auto",
        textangle=0,  # plotly turns a label that does not fit a short bar sideways: keep it level
        hovertemplate="%{y}: %{x:,.0f}<extra></extra>",
    )
    if codes:
        bar["customdata"] = [codes[i] for i in order]
    axis = count_axis(values) if fmt_value is None else {}
    layout = _layout(max(260, (32 if big else 24) * len(values) + 100), big, title=_title(title), dragmode=False, xaxis=axis or None)
    return figure([bar], layout, lang)


DARK = {"paper": "#0b0f14", "ink": "#f3f4f6", "grid": "#374151"}


def on_dark(fig: go.Figure) -> go.Figure:
    """A chart for the projectors' dark theme: the page's own background, light text and grid (a white chart on a
    dark page glares on a projector)."""
    axis = dict(gridcolor=DARK["grid"], linecolor=DARK["grid"], zerolinecolor=DARK["grid"])
    fig.update_layout(
        paper_bgcolor=DARK["paper"],
        plot_bgcolor=DARK["paper"],
        font_color=DARK["ink"],
        title_font_color=DARK["ink"],
        legend_font_color=DARK["ink"],
        xaxis=axis,
        yaxis=axis,
    )
    for a in fig.layout.annotations or ():
        a.font.color = DARK["ink"]
    for tr in fig.data:  # the map's names: light on a dark halo (dark names had vanished where a unit meets the page)
        if getattr(tr, "meta", None) == "markers" and tr.textfont is not None:
            tr.textfont.color, tr.textfont.shadow = DARK["ink"], "0px 0px 4px #000000"
            tr.unselected.textfont.color = DARK["ink"]
    return fig


LIE_DOWN = 8  # units beyond which a quota-and-actual chart is drawn with horizontal bars


def actual_vs_quota(
    names: list[str], actual: list[float], quota: list[float | None], lang: str, title: str, codes: list[str] | None = None
) -> go.Figure:
    """Quota and actual side by side per unit. Beyond a handful of units the bars lie down, names on the left in the
    given order: 18 county names under half a page's width ran into each other and into the legend."""
    extra = {"customdata": codes} if codes is not None else {}
    zh = lang == "zh"
    quotas = [q or 0 for q in quota]
    axis = count_axis([*actual, *quota])
    if len(names) <= LIE_DOWN:
        data = [
            dict(type="bar", x=names, y=quotas, name="任务" if zh else "Quota", marker=dict(color="#B0BEC5"), **extra),
            dict(type="bar", x=names, y=actual, name="完成" if zh else "Actual", marker=dict(color="#1F5FA8"), **extra),
        ]
        # the legend above the bars, right: below them it covered the ends of slanted names (Shigats…, Chamd…)
        top = dict(orientation="h", y=1.0, yanchor="bottom", x=1, xanchor="right")
        return figure(data, _layout(360, barmode="group", title=_title(title), dragmode=False, yaxis=axis or None, legend=top), lang)
    h = dict(orientation="h", hovertemplate="%{y} · %{fullData.name}: %{x:,}<extra></extra>", **extra)
    data = [
        dict(type="bar", y=names, x=quotas, name="任务" if zh else "Quota", marker=dict(color="#B0BEC5"), **h),
        dict(type="bar", y=names, x=actual, name="完成" if zh else "Actual", marker=dict(color="#1F5FA8"), **h),
    ]
    layout = _layout(
        max(360, 30 * len(names) + 110),
        barmode="group",
        title=_title(title),
        dragmode=False,
        xaxis=axis or None,
        yaxis=dict(autorange="reversed"),  # the first unit on top
        legend=dict(orientation="h", y=1.0, yanchor="bottom", x=1, xanchor="right"),
    )
    return figure(data, layout, lang)


def histogram(df: pl.DataFrame, lang: str, title: str) -> go.Figure:
    def money(v: float) -> str:  # 2万, 1.5万: short enough that the bins' labels do not run together
        return f"{v / 1e4:g}万" if lang == "zh" and v >= 1e4 else f"{int(v):,}"

    labels = [
        (f"{money(lo)}–{money(hi)}" if hi is not None else f"≥{money(lo)}")
        for lo, hi in zip(df["lower"].to_list(), df["upper"].to_list(), strict=True)
    ]
    bar = dict(type="bar", x=labels, y=df["persons"].to_list(), marker=dict(color="#1F5FA8"), hovertemplate="%{x}: %{y:,}<extra></extra>")
    layout = _layout(
        340,
        title=_title(title),
        dragmode=False,
        xaxis=dict(title=dict(text="元/人" if lang == "zh" else "yuan per person")),
        yaxis=count_axis(df["persons"].to_list()) or None,
    )
    return figure([bar], layout, lang)
