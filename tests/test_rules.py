"""Parametrized tests of the pure domain rules, edge cases included."""

from __future__ import annotations

import datetime as dt

import pytest

from tracker import fmt, rules
from tracker.rules import AHEAD, BEHIND, MET, NO_QUOTA, NOT_MET, ON_PACE, SERIOUS

D = dt.date


@pytest.mark.parametrize(
    ("on", "due", "expected"),
    [
        (D(2026, 1, 1), D(2026, 12, 31), 1 / 365),
        (D(2026, 11, 20), D(2026, 12, 31), 324 / 365),
        (D(2026, 12, 31), D(2026, 12, 31), 1.0),
        (D(2024, 12, 31), D(2024, 12, 31), 1.0),
        (D(2024, 3, 1), D(2024, 12, 31), 61 / 366),  # leap year: 31 + 29 + 1
        (D(2026, 3, 31), D(2026, 6, 30), 90 / 181),  # half-year due date
        (D(2026, 7, 15), D(2026, 6, 30), 1.0),  # past the due date
        (D(2026, 10, 1), D(2026, 12, 31), 274 / 365),
    ],
)
def test_time_progress(on, due, expected):
    assert rules.time_progress(on, due) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("actual", "target", "expected"),
    [
        (7, 10, 0.7),
        (0, 10, 0.0),
        (12, 10, 1.2),
        (5, 0, None),
        (5, None, None),
        (5, float("nan"), None),
    ],
)
def test_completion(actual, target, expected):
    assert rules.completion(actual, target) == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize(
    ("gap", "expected"),
    [
        (10.0, AHEAD),
        (0.0, AHEAD),
        (-0.1, ON_PACE),
        (-5.0, ON_PACE),
        (-5.01, ON_PACE),
        (-5.06, BEHIND),
        (-15.0, BEHIND),
        (-15.1, SERIOUS),
        (-80, SERIOUS),
        (None, NO_QUOTA),
    ],
)
def test_status_default_thresholds(gap, expected):
    assert rules.status(gap) == expected


def test_status_thresholds_are_configurable():
    assert rules.status(-3, (2, -2, -10)) == BEHIND
    assert rules.status(1, (2, -2, -10)) == ON_PACE


def test_gap_points_example_from_the_domain_brief():
    # 70% done on 1 October (75% of the year gone) is 5 points behind
    assert rules.gap_points(0.70, 0.75) == pytest.approx(-5.0)
    assert rules.gap_points(None, 0.75) is None


@pytest.mark.parametrize(
    ("org", "total", "share", "x"),
    [
        (6, 10, 0.6, 0),  # exactly met: no float rounding to 1
        (5, 10, 0.6, 3),  # (5+3)/(10+3) = 61.5% ≥ 60%, (5+2)/12 = 58.3% < 60%
        (0, 10, 0.6, 15),  # 15/25 = 60%
        (0, 0, 0.6, None),  # nobody placed yet: no share to bring up (not "1 more")
        (3, 4, 0.6, 0),
        (55, 100, 0.6, 13),  # (55+13)/113 = 60.18%, (55+12)/112 = 59.8%
        (1, 2, 1.0, None),  # 100% can never be reached by adding
        (2, 2, 1.0, 0),
        (5, 10, None, None),  # no floor set (a province without one): nothing to reach
        (5996, 10000, 0.6, 0),  # 59.96% is shown 60.0% and is 已达标: nothing needed beside that badge
        (5994, 10000, 0.6, 15),  # 59.94% is shown 59.9%: 未达标, (5994+15)/10015 = 60.0%
    ],
)
def test_organized_needed(org, total, share, x):
    assert rules.organized_needed(org, total, share) == x
    if x and total:
        assert (org + x) / (total + x) >= share > (org + x - 1) / (total + x - 1)


@pytest.mark.parametrize(
    ("share", "minimum", "expected"),
    [
        (0.6, 0.6, MET),
        (0.5999, 0.6, MET),
        (0.5994, 0.6, NOT_MET),
        (0.7, 0.6, MET),
        (None, 0.6, None),
        (0.7, None, None),
    ],
)
def test_share_status(share, minimum, expected):
    assert rules.share_status(share, minimum) == expected


@pytest.mark.parametrize(
    ("same", "final", "expected"),
    [
        (80, 100, 0.8),
        (0, 100, 0.0),
        (None, 100, None),
        (50, 0, None),
        (50, None, None),
        (120, 100, 1.0),
    ],
)
def test_seasonal_expected(same, final, expected):
    assert rules.seasonal_expected(same, final) == expected


def test_same_week_last_year_is_a_friday_52_weeks_back():
    d = rules.same_week_last_year(D(2026, 11, 20))
    assert d == D(2025, 11, 21) and d.weekday() == 4


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        ([], None),
        ([(D(2026, 1, 2), 10)], None),  # first week of the year: no rate yet
        ([(D(2026, 1, 2), 10), (D(2026, 1, 9), 24)], 14.0),
        (
            [
                (D(2026, 1, 2), 0),
                (D(2026, 1, 9), 10),
                (D(2026, 1, 16), 20),
                (D(2026, 1, 23), 30),
                (D(2026, 1, 30), 40),
                (D(2026, 2, 6), 60),
            ],
            12.5,
        ),  # last 4 weeks: (60 - 10) / 4
    ],
)
def test_run_rate(points, expected):
    assert rules.run_rate(points, 4) == expected


@pytest.mark.parametrize(
    ("actual", "rate", "on", "due", "expected"),
    [
        (100, 10.0, D(2026, 11, 20), D(2026, 12, 31), 100 + 10 * 41 / 7),
        (100, None, D(2026, 11, 20), D(2026, 12, 31), None),
        (100, -5.0, D(2026, 11, 20), D(2026, 12, 31), 100),  # restatements can shrink a week: no negative pace
        (100, 10.0, D(2026, 12, 31), D(2026, 12, 31), 100),
    ],
)
def test_projection(actual, rate, on, due, expected):
    assert rules.projection(actual, rate, on, due) == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize(
    ("target", "actual", "on", "due", "expected"),
    [
        (1000, 300, D(2026, 11, 20), D(2026, 12, 31), 700 / (41 / 7)),
        (1000, 1200, D(2026, 11, 20), D(2026, 12, 31), 0.0),  # quota already exceeded
        (0, 10, D(2026, 11, 20), D(2026, 12, 31), None),  # zero quota
        (None, 10, D(2026, 11, 20), D(2026, 12, 31), None),
        (1000, 300, D(2027, 1, 5), D(2026, 12, 31), None),  # past due, unmet
    ],
)
def test_required_weekly(target, actual, on, due, expected):
    got = rules.required_weekly(target, actual, on, due)
    assert got == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        (10, [1, 1, 1], [4, 3, 3]),  # tie: earlier child first
        (100, [0.5, 0.3, 0.2], [50, 30, 20]),
        (7, [0, 0, 0], [3, 2, 2]),  # all-zero weights: equal shares
        (5, [0, 1], [0, 5]),
        (11050, [1], [11050]),  # one child
        (0, [3, 4], [0, 0]),
        (1, [1 / 3, 1 / 3, 1 / 3], [1, 0, 0]),
        (55000, [0.1, 0.2, 0.3, 0.4], [5500, 11000, 16500, 22000]),
    ],
)
def test_largest_remainder(total, weights, expected):
    got = rules.largest_remainder(total, weights)
    assert got == expected and sum(got) == total


def test_largest_remainder_awkward_weights_always_sum():
    import random

    r = random.Random(7)
    for _ in range(200):
        n = r.randint(1, 30)
        w = [r.choice([0, r.random(), r.random() * 1e-9, 1e6]) for _ in range(n)]
        total = r.randint(0, 100_000)
        assert sum(rules.largest_remainder(total, w)) == total


@pytest.mark.parametrize(
    "today, week",
    [
        ("2026-11-20", "2026-11-20"),
        ("2026-11-22", "2026-11-20"),
        ("2026-11-23", "2026-11-20"),
        ("2026-11-26", "2026-11-20"),
        ("2027-01-01", "2027-01-01"),
        ("2026-12-31", "2026-12-25"),
    ],
)
def test_reporting_week(today, week):
    assert rules.reporting_week(dt.date.fromisoformat(today)) == dt.date.fromisoformat(week)


@pytest.mark.parametrize(
    "gap, want",
    [
        (-5.03, ON_PACE),
        (-5.04, ON_PACE),
        (-5.05, ON_PACE),
        (-5.06, BEHIND),
        (-0.04, AHEAD),
        (-0.05, ON_PACE),
        (-0.06, ON_PACE),
        (-14.96, SERIOUS + "?"),
    ],
)
def test_status_is_decided_on_the_figure_shown(gap, want):
    """马利镇 at −5.03 is shown "−5.0": the legend says ≥ −5 is 接近序时, so that is its status (issue 15)."""
    from tracker import fmt

    shown = fmt.short_points(gap)
    if want.endswith("?"):  # −14.96 is shown −15.0: behind, not seriously behind
        want = BEHIND
    assert rules.status(gap) == want, shown
    g = float(shown.replace("个百分点", "").replace("−", "-"))
    assert rules.status(g) == want  # the same status for the shown figure


@pytest.mark.parametrize(
    "share, minimum, want",
    [(0.5996, 0.6, MET), (0.5994, 0.6, NOT_MET), (0.6, 0.6, MET), (0.35, 0.35, MET), (0.3496, 0.35, MET), (0.3494, 0.35, NOT_MET)],
)
def test_share_status_on_the_shown_percentages(share, minimum, want):
    assert rules.share_status(share, minimum) == want


@pytest.mark.parametrize(
    "fn, x, want",
    [
        ("signed_pct", -0.061, "−6.1%"),
        ("signed_pct", 0.134, "+13.4%"),
        ("signed_pct", -0.0004, "+0.0%"),
        ("short_points", -5.03, "−5.0个百分点"),
        ("short_points", 1.06, "+1.1个百分点"),
        ("delta", -1234, "−1,234人"),
    ],
)
def test_one_minus_sign(fn, x, want):
    from tracker import fmt

    got = fmt.delta("count", x) if fn == "delta" else getattr(fmt, fn)(x)
    assert got == want and "-" not in got


@pytest.mark.parametrize(
    "organized, quota, minimum, want",
    [
        (0, 11050, 0.6, 6630),
        (6630, 11050, 0.6, 0),
        (7000, 11050, 0.6, 0),
        (3, 10, 0.6, 3),
        (0, 5, 0.6, 3),
        (5, None, 0.6, None),
        (0, 0, 0.6, None),
        (100, 333, 0.35, 17),
        (3, 10, None, None),  # no floor set
    ],
)  # 0.35 × 333 = 116.55 → 117
def test_organized_needed_by_year_end(organized, quota, minimum, want):
    assert rules.organized_needed_by_year_end(organized, quota, minimum) == want


@pytest.mark.parametrize(
    ("delta", "want"),
    [
        ("−11.6% 同比", "down"),  # our minus (U+2212): Streamlit alone would draw a green ↑
        ("-0.2个百分点", "down"),
        ("+3.6个百分点 同比", "up"),
        (" +1,134", "up"),
        ("无任务", "off"),
        ("完成率 69.1%", "off"),
        ("", "off"),
        (None, "off"),
    ],
)
def test_a_card_arrow_follows_the_sign_of_its_change(delta, want):
    assert fmt.arrow(delta) == want


@pytest.mark.parametrize(
    "kind, xs, lang, signed, want",
    [
        # a prefecture ranking: every cell in 万人 once one is 100,000 or more
        ("count", [134_000, 9_812, None], "zh", False, ["13.40万人", "0.98万人", "—"]),
        ("count", [9_812, 512], "zh", False, ["9,812人", "512人"]),
        ("count", [99_999.5, 9_812], "zh", False, ["10.00万人", "0.98万人"]),  # rounds as persons() does
        ("count", [134_000, 9_812], "en", False, ["134,000", "9,812"]),
        ("money", [120_000_000, 8_500_000], "zh", False, ["1.20亿元", "0.09亿元"]),
        ("money", [8_500_000, 3_000], "zh", False, ["850.0万元", "0.3万元"]),
        ("money", [9_210_600, -12_000], "zh", True, ["+921.1万元", "−1.2万元"]),
        ("count", [1_234, -12, None], "zh", True, ["+1,234人", "−12人", "—"]),
        ("share", [0.638, 0.6], "zh", False, ["63.8%", "60.0%"]),
    ],
)
def test_a_column_keeps_one_unit(kind, xs, lang, signed, want):
    assert fmt.column(kind, xs, lang, signed=signed) == want


@pytest.mark.parametrize(
    ("province", "env", "want"),
    [("54", None, 0.6), ("63", None, None), ("63", "0.5", 0.5), ("54", "0.65", 0.65)],
)
def test_the_floor_without_a_quota_is_tibets_only_in_tibet(monkeypatch, province, env, want):
    from tracker import settings

    monkeypatch.setenv("TRACKER_PROVINCE", province)
    if env is None:
        monkeypatch.delenv("TRACKER_ORG_SHARE_MIN", raising=False)
    else:
        monkeypatch.setenv("TRACKER_ORG_SHARE_MIN", env)
    assert settings.org_share_min() == want
