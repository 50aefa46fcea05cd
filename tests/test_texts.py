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
