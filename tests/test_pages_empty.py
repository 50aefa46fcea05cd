"""Every page handles an area with no rows in the chosen week, a week with no rows for the area, and odd URL
values: a message or zeros, never an exception."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO
from tests.test_app_pages import open_page as _open

PAGES = [
    "overview",
    "records",
    "channels",
    "destinations",
    "industries",
    "groups",
    "duration_income",
    "changes",
    "quality",
    "quotas",
    "subsidies",
    "followup",
]
EMPTY_COUNTY = "540102"  # 城关区 has rows; its neighbour 堆龙德庆区 has none
EMPTY = {"county": "540103", "township": "540329102", "prefecture": "5402"}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("level", sorted(EMPTY))
def test_empty_area(fx, page, level):
    at = _open(page, area=EMPTY[level])
    assert not at.exception, at.exception
    shown = " ".join(str(e.value) for e in at.markdown) + " ".join(str(m.value) for m in at.metric)
    assert "None" not in shown


@pytest.mark.parametrize("page", ["overview", "records", "changes", "channels", "duration_income", "groups"])
def test_previous_week_without_the_areas_rows(fx, page):
    # 卡若区 (540302) has rows only in the current week
    at = _open(page, area="540302", snap="2026-11-13")
    assert not at.exception, at.exception


@pytest.mark.parametrize("lang, text", [("zh", "下限 60.0% · 尚无转移人员"), ("en", "nobody placed yet")])
def test_share_card_with_nobody_placed(lang, text):
    # an area with a share floor and nobody placed yet (the demo's townships early in the year): no share, no gap
    from tracker.cards import card_html

    row = {
        "metric": "org_share",
        "status": None,
        "quota": 0.6,
        "quota_kind": "minimum",
        "gap": None,
        "needed": 0,
        "actual": None,
        "completion": None,
        "linear": 0.1,
        "seasonal": None,
        "new_week": None,
        "yoy": None,
    }
    import re

    assert text in re.sub(r"<[^>]+>", "", card_html(row, lang))  # the text a reader sees (parts wrap as units)


@pytest.mark.parametrize(
    "params",
    [
        {"year": "²"},
        {"year": "２０２６"},
        {"snap": "0001-01-01"},
        {"snap": "2026-13-45"},
        {"area": "５４"},
        {"area": "54' or 1=1"},
        {"metric": "__class__"},
        {"ch": "x,,y"},
        {"grp": "\u2028"},
        {"cmp": "9999-12-31"},
        {"lang": "fr"},
    ],
)
def test_odd_url_values(fx, params):
    at = _open("overview", **params)
    assert not at.exception, at.exception
    assert at.markdown or at.metric


def test_week_before_any_data_says_so(fx):
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.query_params["snap"] = "2020-01-03"
    at.run()  # the overview is the default page
    assert not at.exception
    assert any("2020-01-03" in w.value for w in at.warning)
