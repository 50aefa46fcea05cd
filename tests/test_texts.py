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
