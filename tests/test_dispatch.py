"""The overview's evaluated numbers on the fixture, computed by hand (see tests/fixture.py)."""

from __future__ import annotations

import polars as pl
import pytest

from tests import fixture as F
from tracker import dispatch


def evaluate(area: str, **kw) -> pl.DataFrame:
    d = dispatch.resolve_dates(F.CUR)
    return dispatch.evaluate(area, d, dispatch.measures(area, d), dispatch.quotas(area, 2026), **kw)


def get(ev: pl.DataFrame, unit: str, metric: str) -> dict:
    return ev.filter((pl.col("unit_code") == unit) & (pl.col("metric") == metric)).to_dicts()[0]


def test_dates(fx):
    d = dispatch.resolve_dates(F.CUR)
    assert (d.previous, d.ly_same, d.ly_final) == (F.PREV, F.LY_SAME, F.LY_FINAL)
    first = dispatch.resolve_dates(F.PREV)
    assert first.previous is None  # first snapshot of the year: no "new this week"


def test_region_total_card(fx):
    r = get(evaluate("54"), "54", "total")
    assert r["actual"] == 7 and r["quota"] == 10 and r["completion"] == pytest.approx(0.7)
    assert r["linear"] == pytest.approx(F.TIME_PROGRESS)
    assert r["seasonal"] == pytest.approx(0.8)  # 4 of last year's 5 by the same week
    assert r["gap"] == pytest.approx((0.7 - 324 / 365) * 100)  # −18.8 points
    assert r["status"] == "serious"
    assert r["new_week"] == 3 and r["yoy"] == pytest.approx(7 / 4 - 1)
    assert r["shortfall"] == 2  # 10 × 88.8% − 7 = 1.88 → 2 persons


def test_seasonal_pace_changes_the_benchmark(fx):
    r = get(evaluate("54", pace="seasonal"), "54", "total")
    assert r["expected"] == pytest.approx(0.8) and r["gap"] == pytest.approx(-10.0) and r["status"] == "behind"


def test_organized_share_minimum_and_needed(fx):
    ev = evaluate("54")
    r = get(ev, "54", "org_share")
    assert r["actual"] == pytest.approx(5 / 7) and r["status"] == "met" and r["needed"] == 0
    lhasa = get(ev, "5401", "org_share")  # 1 of 2 organized: (1+x)/(2+x) ≥ 0.6 → x = 1
    assert lhasa["actual"] == pytest.approx(0.5) and lhasa["status"] == "not_met" and lhasa["needed"] == 1
    assert lhasa["gap"] == pytest.approx(-10.0)


def test_income_and_per_capita(fx):
    ev = evaluate("54")
    assert get(ev, "54", "income")["actual"] == 58_000
    pc = get(ev, "54", "per_capita")
    assert pc["actual"] == pytest.approx(58_000 / 7) and pc["status"] == "no_quota" and pc["quota"] is None


def test_prefecture_level(fx):
    ev = evaluate("5403")
    r = get(ev, "5403", "total")
    assert r["actual"] == 5 and r["completion"] == pytest.approx(5 / 6) and r["status"] == "behind"
    lh = get(ev, "540329", "total")
    assert lh["actual"] == 4 and lh["completion"] == pytest.approx(0.8) and lh["new_week"] == 1
    assert lh["status"] == "behind"  # 80 − 88.8 = −8.8 points
    karuo = get(ev, "540302", "total")
    assert karuo["actual"] == 1 and karuo["completion"] == 1.0 and karuo["status"] == "ahead"
    assert karuo["new_week"] == 1  # nobody there last week: +1, not unknown
    assert karuo["yoy"] is None  # nobody last year either: no ratio


def test_unit_without_quota_shows_no_quota(fx):
    ev = evaluate("5403")
    r = get(ev, "5403", "out_region")
    assert r["actual"] == 1 and r["quota"] is None and r["completion"] is None and r["status"] == "no_quota"


def test_ranking_and_laggards(fx):
    ev = evaluate("54")
    rank = dispatch.ranking(ev, "total")
    assert rank["unit_code"].to_list() == ["5403", "5401"] and rank["rank"].to_list() == [1, 2]
    lag = dispatch.laggards(ev, "total")
    assert lag["unit_code"].to_list() == ["5401", "5403"]  # worst first: −38.8 then −5.4
    assert lag["status"].to_list() == ["serious", "behind"]
    share_lag = dispatch.laggards(ev, "org_share")
    assert share_lag["unit_code"].to_list() == ["5401"]
    every = dispatch.laggards(ev)  # all quota metrics: Lhasa's organized cross-province (1 of 3) too
    assert every.select("unit_code", "metric").rows() == [  # the missed floor first, then by severity and gap
        ("5401", "org_share"),
        ("5401", "org_xprov"),
        ("5401", "total"),
        ("5403", "total"),
    ]
    assert every["gap"].to_list()[1] == pytest.approx((1 / 3 - 324 / 365) * 100)


def test_township_children_include_no_village_bucket(fx):
    from tracker import hierarchy

    ev = dispatch.name_units(evaluate("540102002"), hierarchy.load(), "zh", "540102002")
    tot = ev.filter(pl.col("metric") == "total")
    names = dict(tot.select("unit_code", "name").iter_rows())
    actual = dict(tot.select("unit_code", "actual").iter_rows())
    assert names["540102002"] == "八廓街道" and actual["540102002"] == 2  # F and G
    assert names["540102002000"] == "八廓街道（未填村居）" and actual["540102002000"] == 1  # G
    assert names["540102002001"] == "绕赛社区居委会" and actual["540102002001"] == 1  # F


def test_trend_projection_and_required(fx):
    d = dispatch.resolve_dates(F.CUR)
    tr = dispatch.trend("54", d, dispatch.measures("54", d), dispatch.quotas("54", 2026))
    assert tr["this_year"] == [(F.PREV, 4), (F.CUR, 7)] and tr["last_year"] == [(F.LY_SAME, 4), (F.LY_FINAL, 5)]
    assert tr["rate"] == pytest.approx(3.0)
    assert tr["projection"] == pytest.approx(7 + 3 * 41 / 7)
    assert tr["required"] == pytest.approx(3 / (41 / 7))
    assert tr["seasonal"] == [(F.LY_SAME, 8.0), (F.LY_FINAL, 10.0)]


def test_organized_share_needs_today_and_by_year_end(fx):
    """Today's total vs the year's quota: Lhasa has 1 organized of 2 (needs 1 more for 60% today) and a quota of 4
    (60% of 4 = 2.4 → 3 organized by December: 2 more); Chamdo is at 4 of 5 today and 4 of a quota of 6 (3.6 → 4)."""
    ev = evaluate("54").filter(pl.col("metric") == "org_share")
    got = {r["unit_code"]: (r["needed"], r["needed_year_end"]) for r in ev.iter_rows(named=True)}
    assert got == {"54": (0, 1), "5401": (1, 2), "5403": (0, 0)}
