"""The chart builders: what a reader sees (bars, order, labels, lines, axes), in both languages, and every figure
valid for plotly.js. The builders skip plotly's validation for speed (`charts.figure`), so the validation is here:
each figure is rebuilt through the validating constructor, which raises on any unknown or ill-typed property."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import polars as pl
import pytest

from tests.test_geo import _frame
from tracker import charts, geo
from tracker.i18n import status_color

RANK = pl.DataFrame(
    {
        "unit_code": ["5401", "5402", "5403"],
        "name": ["拉萨市", "日喀则市", "昌都市"],
        "completion": [0.5, 0.25, None],  # 昌都市 has no quota: no bar
        "status": ["ahead", "behind", None],
    }
)
TREND = {
    "this_year": [(dt.date(2026, 1, 2), 10_000), (dt.date(2026, 1, 9), 150_000)],
    "last_year": [(dt.date(2025, 1, 3), 8_000)],
    "linear": [(dt.date(2026, 1, 1), 0), (dt.date(2026, 12, 31), 615_000)],
    "seasonal": [],
    "target": 615_000,
    "projection": 600_000,
    "due": dt.date(2026, 12, 31),
}
MIX = pl.DataFrame(
    {
        "unit_code": ["5401", "5401", "5402"],
        "name": ["拉萨市", "拉萨市", "日喀则市"],
        "category": ["有组织", "自发", "自发"],
        "value": [3, 1, 4],
    }
)
HIST = pl.DataFrame({"lower": [0, 20_000], "upper": [20_000, None], "persons": [12, 3]})


def valid(fig: go.Figure) -> go.Figure:
    """The figure as plotly's validating constructor takes it (raises ValueError on a bad property), and the same as
    what is sent: the constructor would quietly mend shorthand (a plain-string title) that plotly.js no longer reads."""
    checked = go.Figure(fig.to_dict())
    assert fig.to_plotly_json() == checked.to_plotly_json()
    return checked


def test_the_validation_used_here_does_refuse_a_bad_property_and_shorthand():
    bad = charts.figure([dict(type="bar", x=[1], colour="red")], {})
    with pytest.raises(ValueError, match="colour"):
        valid(bad)
    with pytest.raises(AssertionError):
        valid(charts.figure([dict(type="bar", x=[1])], {"title": "完成率"}))  # must be {"text": …}


def test_ranking_bars_lowest_first_in_status_colours_with_the_time_elapsed():
    fig = valid(charts.ranking_bars(RANK, 0.4, "zh"))
    (bar,) = fig.data
    assert list(bar.y) == ["日喀则市", "拉萨市"] and list(bar.x) == [25.0, 50.0]
    assert list(bar.text) == ["25.0%", "50.0%"] and list(bar.customdata) == ["5402", "5401"]
    assert list(bar.marker.color) == [status_color("behind"), status_color("ahead")]
    (line,) = fig.layout.shapes
    drawn = go.Figure(go.Bar(x=[1], y=["a"])).add_vline(
        x=40.0, line_dash="dash", line_color="#555", annotation_text="序时进度 40.0%", annotation_position="top", layer="below"
    )
    assert line.to_plotly_json() == drawn.layout.shapes[0].to_plotly_json()  # as plotly's own add_vline draws it
    assert fig.layout.annotations[0].to_plotly_json() == drawn.layout.annotations[0].to_plotly_json()
    assert fig.layout.title.text == "完成率" and fig.layout.xaxis.ticksuffix == "%" and fig.layout.height == 260
    assert fig.layout.clickmode == "event+select"  # a click on a bar opens its records


def test_ranking_bars_without_quotas_or_time_elapsed_draw_no_line():
    fig = valid(charts.ranking_bars(RANK.filter(pl.col("completion").is_null()), None, "en"))
    assert list(fig.data[0].x) == [] and not fig.layout.shapes and fig.layout.title.text == "Completion"


def test_cumulative_in_wan_persons_with_the_target_line_as_the_card_writes_it():
    fig = valid(charts.cumulative(TREND, "zh", "累计进度"))
    names = [tr.name for tr in fig.data]
    assert names == ["上年", "序时进度线", "本年", "预计"]
    this_year = fig.data[names.index("本年")]
    assert list(this_year.y) == [1.0, 15.0]  # 万人
    assert fig.layout.yaxis.title.text == "累计人数（万人）" and fig.layout.yaxis.tickformat == ",.1f"
    assert fig.layout.xaxis.tickformat == "%-m月%-d日"
    last = fig.data[names.index("上年")]
    assert list(last.x) == [dt.date(2026, 1, 2)]  # last year's week drawn under this year's
    assert list(fig.data[3].y) == [15.0, 60.0]  # the projection from the last week to the due date
    (target,) = fig.layout.shapes
    drawn = go.Figure(go.Scatter(x=[1], y=[1])).add_hline(
        y=61.5, line_color="#37474F", annotation_text="年度任务 61.50万人", annotation_position="top left"
    )
    assert target.to_plotly_json() == drawn.layout.shapes[0].to_plotly_json()
    assert fig.layout.annotations[0].to_plotly_json() == drawn.layout.annotations[0].to_plotly_json()


def test_cumulative_in_english_below_a_hundred_thousand_in_plain_persons():
    small = {**TREND, "this_year": [(dt.date(2026, 1, 2), 900)], "linear": [], "last_year": [], "target": 5_000, "projection": None}
    fig = valid(charts.cumulative(small, "en", "Progress"))
    assert (
        list(fig.data[0].y) == [900.0] and fig.layout.yaxis.title.text == "Cumulative (persons)" and fig.layout.xaxis.tickformat == "%-d %b"
    )


def test_cumulative_of_a_first_week_has_a_tick_a_day_and_whole_persons():
    """A new deployment's first days (a township with 4 persons): no 11月19日 11月19日 11月20日, no 0.5 persons."""
    first = {
        **TREND,
        "this_year": [(dt.date(2026, 11, 19), 3), (dt.date(2026, 11, 20), 4)],
        "linear": [],
        "last_year": [],
        "target": 6,
        "projection": None,
    }
    fig = valid(charts.cumulative(first, "zh", "累计进度"))
    assert fig.layout.xaxis.dtick == 86_400_000 and fig.layout.xaxis.tickformat == "%-m月%-d日"
    assert fig.layout.yaxis.dtick == 1 and fig.layout.yaxis.tick0 == 0
    whole_year = valid(charts.cumulative(TREND, "zh", "累计进度"))  # a year of weeks: plotly's ticks, as many as fit
    assert whole_year.layout.xaxis.dtick is None and whole_year.layout.yaxis.dtick is None
    assert list(whole_year.layout.xaxis.range) == ["2026-01-01", "2026-12-31"]  # no second 1月1日 past the year's end


def test_share_bars_against_the_minimum():
    df = pl.DataFrame({"unit_code": ["5401", "5402"], "name": ["拉萨市", "日喀则市"], "share": [0.7, 0.5]})
    fig = valid(charts.share_bars(df, 0.6, "zh", "组织化率"))
    assert list(fig.data[0].y) == ["日喀则市", "拉萨市"] and list(fig.data[0].text) == ["50.0%", "70.0%"]
    assert list(fig.data[0].marker.color) == [status_color("not_met"), status_color("met")]
    drawn = go.Figure(go.Bar(x=[1], y=["a"])).add_vline(
        x=60.0, line_dash="dash", line_color="#555", annotation_text="下限 60%", annotation_position="top", layer="below"
    )
    assert fig.layout.shapes[0].to_plotly_json() == drawn.layout.shapes[0].to_plotly_json()
    assert fig.layout.annotations[0].to_plotly_json() == drawn.layout.annotations[0].to_plotly_json()


def test_share_bars_colour_each_unit_against_its_own_floor():
    df = pl.DataFrame({"unit_code": ["1", "2"], "name": ["甲", "乙"], "share": [0.4, 0.7], "minimum": [0.35, 0.8]})
    fig = valid(charts.share_bars(df, None, "zh", "占比"))  # two floors: no single line, but each bar its status
    assert list(fig.data[0].marker.color) == [status_color("met"), status_color("not_met")] and not fig.layout.shapes


def test_stacked_bars_as_shares_per_unit_in_the_category_palette():
    fig = valid(charts.stacked_bars(MIX, "zh", "渠道"))
    assert [tr.name for tr in fig.data] == ["自发", "有组织"]  # the larger category first (5 against 3)
    self_, org = fig.data
    assert list(self_.y) == ["拉萨市", "日喀则市"] and list(self_.x) == [25.0, 100.0] and list(org.x) == [75.0, 0]
    assert self_.marker.color == charts.PALETTE[0] and org.marker.color == charts.PALETTE[1]
    assert fig.layout.barmode == "stack" and tuple(fig.layout.xaxis.range) == (0, 100)
    counts = valid(charts.stacked_bars(MIX, "zh", "渠道", percent=False))
    assert list(counts.data[0].x) == [1, 4] and counts.layout.xaxis.range is None


def test_ranked_bars_histogram_and_actual_against_quota():
    fig = valid(charts.ranked_bars(["四川", "青海", "广东"], [5, 20, 12], "zh", "去向", codes=["51", "63", "44"]))
    assert list(fig.data[0].y) == ["四川", "广东", "青海"] and list(fig.data[0].text) == ["5", "12", "20"]
    assert list(fig.data[0].customdata) == ["51", "44", "63"]
    assert valid(charts.ranked_bars(["a"], [1_234], "en", "t")).data[0].customdata is None
    h = valid(charts.histogram(HIST, "zh", "收入"))
    assert list(h.data[0].x) == ["0–2万", "≥2万"] and list(h.data[0].y) == [12, 3] and h.layout.xaxis.title.text == "元/人"
    q = valid(charts.actual_vs_quota(["拉萨市"], [80], [None], "zh", "任务", codes=["5401"]))
    assert [tr.name for tr in q.data] == ["任务", "完成"] and list(q.data[0].y) == [0] and list(q.data[1].customdata) == ["5401"]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("big", [False, True])
def test_the_status_map_is_valid_for_plotly(lang, big):
    fig = valid(geo.fig_status_map(_frame("54", lang), geo.level_geojson("54"), lang, title="T", big=big))
    assert fig.layout.font.size == (18 if big else 13)
    assert valid(geo.fig_status_map(_frame("54", lang).head(0), geo.level_geojson("54"), lang)).layout.showlegend is False


def test_axes_in_official_numbers_and_whole_persons_at_small_counts():
    big = valid(charts.ranked_bars(["四川", "青海"], [52_000, 150_000], "zh", "去向"))
    assert big.layout.xaxis.exponentformat == "none" and big.layout.xaxis.separatethousands  # 150,000, not 150k
    assert big.layout.xaxis.dtick is None and big.data[0].textangle == 0  # labels stay level
    small = valid(charts.ranked_bars(["四川", "青海"], [1, 2], "zh", "去向"))
    assert small.layout.xaxis.dtick == 1  # a township's 2 persons: 0, 1, 2, not 0.5 steps
    money = valid(charts.ranked_bars(["四川"], [3], "zh", "收入", fmt_value=lambda v: f"{v}万元"))
    assert money.layout.xaxis.dtick is None
    assert valid(charts.histogram(HIST, "zh", "收入")).layout.yaxis.exponentformat == "none"
    q = valid(charts.actual_vs_quota(["孜托镇"], [2], [3], "zh", "任务"))
    assert q.layout.yaxis.dtick == 1 and q.layout.yaxis.separatethousands
    assert charts.count_axis([None, 0]) == {} and charts.count_axis([10]) == {"dtick": 1, "tick0": 0} and charts.count_axis([11]) == {}


def test_income_bins_in_wan_and_english_in_yuan():
    assert list(valid(charts.histogram(HIST, "en", "Income")).data[0].x) == ["0–20,000", "≥20,000"]


def test_many_units_against_their_quotas_lie_down_in_their_order():
    names = [f"县{i}" for i in range(18)]  # a prefecture's 18 counties
    fig = valid(charts.actual_vs_quota(names, list(range(18)), [10] * 18, "zh", "任务", codes=[str(i) for i in range(18)]))
    assert all(tr.orientation == "h" for tr in fig.data) and list(fig.data[1].y) == names and list(fig.data[1].x) == list(range(18))
    assert fig.layout.yaxis.autorange == "reversed" and fig.layout.legend.yanchor == "bottom"  # 县0 on top, legend above
    assert fig.layout.height >= 30 * 18 and fig.layout.xaxis.separatethousands
    few = valid(charts.actual_vs_quota(names[:8], list(range(8)), [10] * 8, "zh", "任务"))
    assert few.data[0].orientation is None and list(few.data[0].x) == names[:8]
    # standing bars: the legend above them too (below, it covered the ends of slanted names: Shigats…, Chamd…)
    assert few.layout.legend.y == 1.0 and few.layout.legend.yanchor == "bottom" and few.layout.legend.xanchor == "right"


def test_a_category_keeps_its_colour_and_place_whatever_the_data():
    order = ["县内就近", "跨县", "跨地市", "跨省"]
    big_local = pl.DataFrame({"unit_code": ["5401"] * 2, "name": ["拉萨市"] * 2, "category": ["县内就近", "跨省"], "value": [90, 10]})
    big_out = pl.DataFrame({"unit_code": ["5401"] * 2, "name": ["拉萨市"] * 2, "category": ["县内就近", "跨省"], "value": [10, 90]})
    a, b = (valid(charts.stacked_bars(df, "zh", "范围", order=order)) for df in (big_local, big_out))
    assert [tr.name for tr in a.data] == [tr.name for tr in b.data] == ["县内就近", "跨省"]
    # the units top down in their order, the categories in the legend as in the bars, 100% marked
    assert (
        a.layout.yaxis.autorange == "reversed"
        and a.layout.legend.traceorder == "normal"
        and a.layout.xaxis.ticktext[-1] == "100%"
        and a.layout.margin.r >= 28
    )
    assert {tr.name: tr.marker.color for tr in a.data} == {tr.name: tr.marker.color for tr in b.data}
    assert a.data[1].marker.color == charts.PALETTE[3]  # 跨省's own place in the order
    unordered = valid(charts.stacked_bars(big_out, "zh", "范围"))
    assert [tr.name for tr in unordered.data] == ["跨省", "县内就近"]  # without an order: largest first


def test_meeting_charts_in_large_type_and_the_dark_theme():
    rank = pl.DataFrame({"unit_code": ["540329100"], "name": ["孜托镇"], "completion": [0.73], "status": ["behind"], "actual": [1769]})
    fig = valid(charts.ranking_bars(rank, 0.926, "zh", big=True))
    assert fig.layout.font.size == 18 and fig.layout.xaxis.tickfont.size == 16 and fig.layout.title.font.size == 20
    assert valid(charts.ranking_bars(rank, 0.926, "zh")).layout.xaxis.tickfont.size is None
    dark = valid(charts.on_dark(fig))
    assert dark.layout.paper_bgcolor == dark.layout.plot_bgcolor == "#0b0f14" and dark.layout.font.color == "#f3f4f6"
    assert dark.layout.annotations[0].font.color == "#f3f4f6"  # the 序时进度 label, readable on the dark page
    bars = valid(charts.ranked_bars(["一村", "二村"], [3, 5], "zh", "完成数", big=True))
    assert bars.layout.yaxis.tickfont.size == 16 and list(bars.data[0].y) == ["一村", "二村"]


@pytest.mark.parametrize("lang, says", [("zh", "暂无数据"), ("en", "No data")])
def test_a_chart_without_data_says_so_instead_of_empty_axes(lang, says):
    empty = [
        charts.ranked_bars([], [], lang, "去向"),
        charts.stacked_bars(MIX.head(0), lang, "渠道"),
        charts.histogram(HIST.head(0), lang, "收入"),
        charts.share_bars(RANK.head(0).with_columns(share=pl.lit(0.0)), 0.6, lang, "组织化率"),
    ]
    for fig in map(valid, empty):
        assert [a.text for a in fig.layout.annotations] == [says]
        assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False and not fig.layout.shapes
        assert not charts.has_points(fig)
    drawn = valid(charts.ranked_bars(["四川"], [5], lang, "去向"))
    assert not drawn.layout.annotations and drawn.layout.xaxis.visible is not False and charts.has_points(drawn)
    zeros = valid(charts.ranked_bars(["甲", "乙"], [0, 0], lang, "人数"))  # nobody yet: an axis from 0, not −1…1
    assert zeros.layout.xaxis.rangemode == "tozero" and not zeros.layout.annotations
    pie = charts.figure([dict(type="pie", labels=["甲"], values=[3])], {}, lang)  # its points are values, not x or y
    assert not pie.layout.annotations and charts.has_points(pie)
