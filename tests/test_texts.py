"""One laggard line of the overview: the shortfall in the metric's own unit (人, 人次, 家, 万元)."""

from __future__ import annotations

import pytest

from tracker import texts


@pytest.mark.parametrize(
    "metric, shortfall, lang, want",
    [
        ("total", 2, "zh", "**洛隆县** 转移就业人数（严重滞后）：完成50.0%，低于序时进度38.8个百分点，差2人"),
        ("new_transfer_bases", 1, "zh", "**洛隆县** 新建转移就业基地（严重滞后）：完成50.0%，低于序时进度38.8个百分点，差1家"),
        (
            "new_transfer_bases",
            1,
            "en",
            "**Lhorong** New transfer bases (Seriously behind): 50.0% done, 38.8 pp behind schedule, 1 short",
        ),
    ],
)
def test_the_shortfall_is_in_the_metrics_unit(metric, shortfall, lang, want):
    r = {
        "name": "洛隆县" if lang == "zh" else "Lhorong",
        "metric": metric,
        "status": "serious",
        "quota_kind": "count",
        "completion": 0.5,
        "gap": -38.8,
        "shortfall": shortfall,
    }
    assert texts.laggard_line(r, lang) == want


@pytest.mark.parametrize(
    "code, en",
    [("61", "Shaanxi Province"), ("14", "Shanxi Province"), ("15", "Inner Mongolia Autonomous Region"), ("50", "Chongqing")],
)
def test_provinces_go_by_their_english_names(code, en):
    """Destinations name provinces in English as they are known: 陕西 is Shaanxi (Shanxi is 山西)."""
    from tracker import hierarchy

    assert hierarchy.load().name(code, "en") == en


@pytest.mark.parametrize(
    "line, want",
    [
        (
            "本周净增 +3人 · 同比 +75.0%",
            "<span class='tr-seg'>本周净增 <span class='tr-nb'>+3人</span> ·</span> "
            "<span class='tr-seg'>同比 <span class='tr-nb'>+75.0%</span></span>",
        ),
        (
            "Net change this week +¥1.94 m · Year on year +23.8%",
            "<span class='tr-seg'>Net change this week <span class='tr-nb'>+¥1.94 m</span> ·</span> "
            "<span class='tr-seg'>Year on year <span class='tr-nb'>+23.8%</span></span>",
        ),
        ("1.2 pp above the minimum", "<span class='tr-seg'><span class='tr-nb'>1.2 pp</span> above the minimum</span>"),
    ],
)
def test_a_card_line_breaks_between_its_parts_never_inside_a_figure(line, want):
    """On a phone a card line wraps: the separator stays with the part before it (no line starting with ·), a figure
    keeps its sign and unit (no "+" at a line's end and "¥1.94 m" on the next)."""
    from tracker.cards import _unbroken

    assert _unbroken(line) == want


def _card_lines(row: dict, lang: str, pace: str, compact: bool) -> list[str]:
    import re

    from tracker.cards import card_html

    html = card_html(row, lang, pace, compact=compact)
    return [re.sub(r"<[^>]+>", "", x) for x in re.findall(r"<div class='tr-line'>(.*?)</div>", html)]


_TOTAL_ROW = {
    "metric": "total",
    "status": "behind",
    "quota": 615000,
    "quota_kind": "count",
    "source": None,
    "gap": -1.74,
    "actual": 558960,
    "completion": 0.909,
    "linear": 0.926,
    "seasonal": 0.99,
    "new_week": 3204,
    "yoy": 0.062,
}


_SEASONAL_ROW = {**_TOTAL_ROW, "gap": -8.1, "status": "behind"}  # 90.9% done against 99.0% of last year by this week


QUOTA_LINE, WEEK_LINE = "任务 61.50万人 · 完成率 90.9%", "本周净增 +3,204人 · 同比 +6.2%"


@pytest.mark.parametrize(
    "row, pace, compact, pace_lines",
    [
        # at the desk: the pace, the seasonal pace and the gap each on a line
        (_TOTAL_ROW, "linear", False, ["序时进度 92.6% · 季节进度 99.0%", "低于序时进度1.7个百分点"]),
        (_SEASONAL_ROW, "seasonal", False, ["序时进度 92.6% · 季节进度 99.0%", "较季节进度低8.1个百分点"]),
        # meeting mode: one line for the pace the status is judged by and the gap to it (seven cards on a 1280×720 screen)
        (_TOTAL_ROW, "linear", True, ["序时进度 92.6% · 滞后1.7个百分点"]),
        (_SEASONAL_ROW, "seasonal", True, ["季节进度 99.0% · 滞后8.1个百分点"]),
        # seasonal pace asked for, but no curve from last year: the linear pace, as the status uses
        ({**_TOTAL_ROW, "seasonal": None}, "seasonal", True, ["序时进度 92.6% · 滞后1.7个百分点"]),
        ({**_TOTAL_ROW, "gap": None}, "linear", True, ["序时进度 92.6% · —"]),
    ],
)
def test_meeting_cards_say_pace_and_gap_in_one_line(row, pace, compact, pace_lines):
    assert _card_lines(row, "zh", pace, compact) == [QUOTA_LINE, *pace_lines, WEEK_LINE]


def test_meeting_cards_in_english():
    assert _card_lines(_TOTAL_ROW, "en", "linear", True) == [
        "Quota 615,000 · Completion 90.9%",
        "Time elapsed 92.6% · 1.7 pp behind",
        "This week +3,204 · YoY +6.2%",  # short enough for a line at 1280 px
    ]


@pytest.mark.parametrize(
    "gap, kw, lang, want",
    [
        (-1.74, {"short": True}, "zh", "滞后1.7个百分点"),
        (6.36, {"short": True}, "zh", "超前6.4个百分点"),
        (-0.04, {"short": True}, "zh", "持平"),
        (0.04, {"short": True}, "en", "on pace"),
        (12.9, {"short": True}, "en", "12.9 pp ahead"),
        # on the figure shown: −0.04 is level with the seasonal pace, never "低0.0"
        (-0.04, {"seasonal": True}, "zh", "与季节进度持平"),
        (-8.14, {"seasonal": True}, "zh", "较季节进度低8.1个百分点"),
        (2.0, {"seasonal": True}, "en", "2.0 pp ahead of seasonal pace"),
        (-0.04, {"minimum": True}, "zh", "高于下限0.0个百分点"),
        # meeting mode, after the floor's own figure (下限 60.0% · 高出3.8个百分点)
        (3.8, {"minimum": True, "short": True}, "zh", "高出3.8个百分点"),
        (-1.14, {"minimum": True, "short": True}, "zh", "差1.1个百分点"),
        (-1.14, {"minimum": True, "short": True}, "en", "1.1 pp below"),
    ],
)
def test_gap_wording_on_the_figure_shown(gap, kw, lang, want):
    from tracker import fmt

    assert fmt.points(gap, lang, **kw) == want


def test_share_card_says_what_the_years_quota_still_needs():
    """已达标 beside a figure still needed: the share is met now, the year's total quota needs more organized placements."""
    row = {
        "metric": "org_share",
        "status": "met",
        "quota": 0.6,
        "quota_kind": "minimum",
        "source": None,
        "gap": 3.8,
        "needed": 0,
        "needed_year_end": 12648,
        "actual": 0.638,
        "completion": None,
        "linear": 0.926,
        "seasonal": None,
        "new_week": 0.001,
        "yoy": 0.0,
    }
    lines = _card_lines(row, "zh", "linear", False)
    assert lines[:2] == ["下限 60.0% · 高于下限3.8个百分点", "按全年任务测算尚需有组织转移 12,648人"]
    assert _card_lines(row, "en", "linear", False)[1] == "Organized placements still needed (year's quota) 12,648"


@pytest.mark.parametrize(
    ("n", "lang", "want"),
    [(0, "zh", "无需新增"), (0.4, "en", "None needed"), (12648, "zh", "12,648人"), (1023, "en", "1,023"), (None, "zh", "—")],
)
def test_a_need_of_nothing_says_so(n, lang, want):
    """无需新增 / "None needed", never 0人 beside a need elsewhere (the channels page's two needs, the desk's card)."""
    from tracker import fmt

    assert fmt.needed(n, lang) == want


@pytest.mark.parametrize(
    ("day", "lang", "want"), [((2026, 12, 4), "zh", "12月4日"), ((2026, 12, 4), "en", "4 Dec 2026"), ((2026, 11, 20), "en", "20 Nov 2026")]
)
def test_dates_as_people_write_them(day, lang, want):
    import datetime as dt

    from tracker import fmt

    assert fmt.date(dt.date(*day), lang) == want
    assert fmt.full_date(dt.date(*day), lang) == (
        f"{day[0]}年{want}" if lang == "zh" else want.replace("Dec", "December").replace("Nov", "November")
    )
