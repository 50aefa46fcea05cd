"""The status map of child units: committed boundaries (data/regions/boundaries, see its PROVENANCE.md) and a pure
chart builder, fully offline.

No plotly geo or map traces: plotly's geo layer fetches world_110m.json from a CDN even when hidden, and tile
maps need a tile server. Each unit is a filled `go.Scatter` polygon on plain axes (equal aspect, longitude
scaled by cos(mean latitude)); one marker per unit at its representative interior point carries the name, the
hover and `customdata` = unit code, so a click (Streamlit's plotly selection works on markers) drills down.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import plotly.graph_objects as go
import polars as pl

from tracker import fmt, settings
from tracker.charts import FONT, figure
from tracker.i18n import STATUS, status_color, status_label

LEVELS = {4: "prefectures", 6: "counties"}  # length of the child codes -> file
NO_DATA = "#EEEEEE"  # a unit with a boundary but no row (never a status colour)
BORDER = "#FFFFFF"
CAPTION = ("示意图 · 边界经简化，不作为划界依据", "Schematic map · simplified boundaries, not an authoritative delimitation")


def boundaries_dir() -> Path:
    """The committed boundaries; a custom data dir may bring its own, else the repo's are used."""
    own = settings.data_dir() / "regions" / "boundaries"
    return own if (own / "prefectures.geojson").exists() else settings.REPO / "data" / "regions" / "boundaries"


@lru_cache(maxsize=4)
def _read(path: str) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def load(level: str) -> dict:
    """'prefectures' or 'counties': the whole FeatureCollection (cached; treat as read-only)."""
    return _read(str(boundaries_dir() / f"{level}.geojson"))


def level_geojson(area: str) -> dict | None:
    """The boundaries of `area`'s children: prefectures for the region, counties for a prefecture; None below
    (townships have no boundary). A FeatureCollection with the source file's metadata."""
    child_len = {2: 4, 4: 6}.get(len(area))
    if child_len is None:
        return None
    fc = load(LEVELS[child_len])
    feats = [f for f in fc["features"] if f["properties"]["parent_code"] == area]
    if not feats:  # a province whose boundaries are not shipped (only Tibet's are): the page draws a chart instead
        return None
    return {"type": "FeatureCollection", "metadata": fc["metadata"], "features": feats}


def without_boundary(area: str) -> list[dict]:
    """Child units of `area` that have no boundary (the industrial parks under 拉萨市): code, name_zh, name_en."""
    gj = level_geojson(area)
    if gj is None:
        return []
    return [u for u in gj["metadata"]["without_boundary"] if u["parent_code"] == area]


def unmapped(df: pl.DataFrame, level_geojson: dict) -> pl.DataFrame:
    """The rows of `df` whose unit has no boundary in `level_geojson` (to list beside the map), in df's order."""
    have = [f["properties"]["code"] for f in level_geojson["features"]]
    return df.filter(~pl.col("unit_code").is_in(have))


def map_frame(rank: pl.DataFrame, kind: str, lang: str = "zh", unit: str = "人", minimum: bool = False) -> pl.DataFrame:
    """The builder's input from the overview's ranking (`dispatch.ranking` + `name_units`): unit_code,
    unit_name, status, value (the actual in the card's style, with the completion) and gap (in points, the way
    the cards say it; for a minimum share, above/below the floor)."""
    rows = []
    for r in rank.iter_rows(named=True):
        value = fmt.value(kind, r["actual"], lang, unit)
        if not minimum and r.get("completion") is not None:
            value += f"（完成{fmt.pct(r['completion'])}）" if lang == "zh" else f" ({fmt.pct(r['completion'])} done)"
        gap = fmt.points(r.get("gap"), lang, minimum=minimum)
        rows.append({"unit_code": r["unit_code"], "unit_name": r["name"], "status": r["status"], "value": value, "gap": gap})
    schema = {"unit_code": pl.String, "unit_name": pl.String, "status": pl.String, "value": pl.String, "gap": pl.String}
    return pl.DataFrame(rows, schema=schema)


def simplify(ring: list, tol: float) -> list:
    """A ring with the points that move its outline by less than `tol` (degrees) dropped (Douglas–Peucker, kept
    closed); a ring that would fall below four points is kept as it is."""
    if tol <= 0 or len(ring) <= 4:
        return ring
    keep = [False] * len(ring)
    keep[0] = keep[-1] = True
    stack = [(0, len(ring) - 1)]
    while stack:
        a, b = stack.pop()
        (ax, ay), (bx, by) = ring[a][:2], ring[b][:2]
        dx, dy = bx - ax, by - ay
        norm = math.hypot(dx, dy)
        far, at = -1.0, -1
        for i in range(a + 1, b):
            px, py = ring[i][:2]
            d = abs(dy * (px - ax) - dx * (py - ay)) / norm if norm else math.hypot(px - ax, py - ay)
            if d > far:
                far, at = d, i
        if far > tol:
            keep[at] = True
            stack += [(a, at), (at, b)]
    out = [p for p, k in zip(ring, keep, strict=True) if k]
    return out if len(out) >= 4 else ring


def _path(geometry: dict, tol: float = 0.0) -> tuple[list[float | None], list[float | None]]:
    """All rings of a (Multi)Polygon as one path, rings separated by None (each closed ring filled on its own;
    holes run the other way round, so the default non-zero rule leaves them open). With `tol`, each ring is
    simplified to that many degrees and coordinates rounded to 4 decimals (about 10 m): what a screen can show."""
    polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    xs: list[float | None] = []
    ys: list[float | None] = []
    for poly in polys:
        for ring in poly:
            if tol:
                ring = [(round(p[0], 4), round(p[1], 4)) for p in simplify(ring, tol)]
            if xs:
                xs.append(None)
                ys.append(None)
            xs.extend(p[0] for p in ring)
            ys.extend(p[1] for p in ring)
    return xs, ys


# the outlines drawn, per (geometry, tolerance): a map's units are the same on every rerun, and simplifying them was
# most of the overview's server time per click (issue 20). Keyed by the geometry object itself (the level files are
# loaded once per process), which the entry holds, so its id is never reused while cached.
_PATHS: dict[tuple[int, float], tuple[dict, list, list]] = {}


def _outline(geometry: dict, tol: float = 0.0) -> tuple[list[float | None], list[float | None]]:
    """`_path`, computed once per geometry and tolerance."""
    hit = _PATHS.get((id(geometry), tol))
    if hit is not None and hit[0] is geometry:
        return hit[1], hit[2]
    xs, ys = _path(geometry, tol)
    if len(_PATHS) > 20_000:  # a bound, never reached by the hierarchy's few thousand mapped units
        _PATHS.clear()
    _PATHS[(id(geometry), tol)] = (geometry, xs, ys)
    return xs, ys


def _bounds(features: list[dict]) -> tuple[float, float, float, float]:
    paths = [_outline(f["geometry"]) for f in features]
    xs = [x for px, _ in paths for x in px if x is not None]
    ys = [y for _, py in paths for y in py if y is not None]
    return min(xs), max(xs), min(ys), max(ys)


def _tolerance(x0: float, x1: float, y0: float, y1: float) -> float:
    return max(x1 - x0, y1 - y0) / 1500  # under a pixel of the widest map drawn (meeting mode, a 1920 px screen)


def warm_outlines(area: str) -> int:
    """The outlines `fig_status_map` draws for `area`'s map, computed before anyone asks (the server's warm-up)."""
    gj = level_geojson(area)
    feats = gj["features"] if gj else []
    if not feats:
        return 0
    tol = _tolerance(*_bounds(feats))
    for f in feats:
        _outline(f["geometry"], tol)
    return len(feats)


GENERIC_EN = (" County", " District", " Prefecture", " City", " Town", " Township")


def map_label(name: str, lang: str) -> str:
    """A unit's name as printed on the map: in English without the generic word ("Lazi County" → "Lazi", the map
    shows one level) so that neighbours do not overlap on dense prefectures; the hover keeps the full name."""
    if lang == "zh":
        return name
    for g in GENERIC_EN:
        if name.endswith(g) and len(name) > len(g):
            return name[: -len(g)]
    return name


def fig_status_map(
    df: pl.DataFrame,
    level_geojson: dict,
    lang: str = "zh",
    title: str | None = None,
    caption: str | None = None,
    height: int = 460,
    big: bool = False,
    names: bool = True,
) -> go.Figure:
    """A status map of child units: one filled polygon per unit of `df` in its status colour, one marker per unit
    (name, hover with value and gap, customdata = unit code), a legend of the statuses present, the caption
    (示意图 by default) under the map. Pure: data in, Figure out.

    df: one row per child unit with unit_code, unit_name, status (a key of i18n.STATUS or null), value and gap
    (texts, see `map_frame`). Units without a boundary are left out (see `unmapped`); boundaries without a row
    are drawn in light grey, without a marker. `big` for meeting mode (larger type and markers); `names=False`
    leaves the names to the hover (narrow screens, where they would overlap).
    """
    feats = {f["properties"]["code"]: f for f in level_geojson["features"]}
    rows = [r for r in df.iter_rows(named=True) if r["unit_code"] in feats]
    if not feats:
        return figure([], {}, lang)
    data: list[dict] = []
    x0, x1, y0, y1 = _bounds(list(feats.values()))
    aspect = 1 / math.cos(math.radians((y0 + y1) / 2))  # a degree of latitude is this many degrees of longitude long
    tol = _tolerance(x0, x1, y0, y1)

    # units with a boundary but no row: one grey background trace, no legend, no hover
    rest = [c for c in feats if c not in {r["unit_code"] for r in rows}]
    if rest:
        bx: list[float | None] = []
        by: list[float | None] = []
        for c in rest:
            px, py = _outline(feats[c]["geometry"], tol)
            bx += ([None] if bx else []) + px
            by += ([None] if by else []) + py
        data.append(
            dict(
                type="scatter",
                x=bx,
                y=by,
                fill="toself",
                fillcolor=NO_DATA,
                mode="lines",
                line=dict(color="#BDBDBD", width=0.8),
                hoverinfo="skip",
                showlegend=False,
                name="no_data",
                meta="no_data",
            )
        )

    order = list(STATUS)
    present = sorted({r["status"] or "no_quota" for r in rows}, key=order.index)
    shown: set[str] = set()
    for r in rows:
        s = r["status"] or "no_quota"
        px, py = _outline(feats[r["unit_code"]]["geometry"], tol)
        data.append(
            dict(
                type="scatter",
                x=px,
                y=py,
                fill="toself",
                fillcolor=status_color(s),
                mode="lines",
                line=dict(color=BORDER, width=1.2),
                name=status_label(s, lang),
                legendgroup=s,
                legendrank=order.index(s),
                showlegend=s not in shown,
                hoverinfo="skip",
                meta=f"unit:{r['unit_code']}",
            )
        )
        shown.add(s)

    label = [feats[r["unit_code"]]["properties"]["label"] for r in rows]
    hover = [f"<b>{r['unit_name']}</b><br>{status_label(r['status'] or 'no_quota', lang)} · {r['value']}<br>{r['gap']}" for r in rows]
    size = 18 if big else 12
    data.append(
        dict(
            type="scatter",
            x=[p[0] for p in label],
            y=[p[1] for p in label],
            mode="markers+text" if names else "markers",
            text=[map_label(r["unit_name"], lang) for r in rows],
            textposition="bottom center",
            textfont=dict(size=size, color="#212121", family=FONT, shadow="0px 0px 3px #FFFFFF"),
            marker=dict(size=14 if big else 10, color="white", line=dict(color="#212121", width=1.5)),
            # a click selects the point (that is what drills down): keep the other names readable meanwhile
            selected=dict(marker=dict(opacity=1)),
            unselected=dict(marker=dict(opacity=1), textfont=dict(color="#212121")),
            customdata=[r["unit_code"] for r in rows],
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            showlegend=False,
            name="units",
            meta="markers",
        )
    )
    pad_x, pad_y = (x1 - x0) * 0.03, (y1 - y0) * 0.06
    cap = caption if caption is not None else CAPTION[0 if lang == "zh" else 1]
    layout = dict(
        xaxis=dict(visible=False, showgrid=False, zeroline=False, range=[x0 - pad_x, x1 + pad_x], fixedrange=True),
        yaxis=dict(
            visible=False,
            showgrid=False,
            zeroline=False,
            range=[y0 - pad_y, y1 + pad_y],
            fixedrange=True,
            scaleanchor="x",
            scaleratio=aspect,
            constrain="domain",
        ),
        height=height,
        margin=dict(l=10, r=10, t=44 if title else 10, b=(84 if big else 64) if cap else 36),
        font=dict(family=FONT, size=18 if big else 13),
        plot_bgcolor="white",
        paper_bgcolor="white",
        hovermode="closest",
        clickmode="event+select",
        dragmode=False,
        legend=dict(orientation="h", x=0, y=0, yanchor="top", traceorder="normal", itemclick=False, itemdoubleclick=False),
    )
    if cap:
        layout["annotations"] = [
            dict(
                text=cap,
                xref="paper",
                yref="paper",
                x=1,
                y=0,
                xanchor="right",
                yanchor="top",
                yshift=-54 if big else -40,  # a line of its own below the legend: on a phone the two met
                showarrow=False,
                font=dict(size=14 if big else 11, color="#757575"),
            )
        ]
    if title:
        layout["title"] = dict(text=title, x=0.01)
    if len(present) == 0:
        layout["showlegend"] = False
    return figure(data, layout)
