"""Domain rules as small pure functions: pacing, status, organized-share gap, projection, allocation.

No DuckDB, no Streamlit here; every function has parametrized tests in tests/test_rules.py.
"""

from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction

AHEAD, ON_PACE, BEHIND, SERIOUS, NO_QUOTA = "ahead", "on_pace", "behind", "serious", "no_quota"
MET, NOT_MET = "met", "not_met"


def time_progress(on: dt.date, due: dt.date, start: dt.date | None = None) -> float:
    """序时进度: share of the period elapsed, counting the snapshot day itself.

    The period runs from 1 January of the due date's year (or `start`) to the due date inclusive,
    so leap years and due dates other than 31 December come out right.
    """
    start = start or dt.date(due.year, 1, 1)
    total = (due - start).days + 1
    if total <= 0:
        return 1.0
    done = (on - start).days + 1
    return min(1.0, max(0.0, done / total))


def completion(actual: float | None, target: float | None) -> float | None:
    """Actual ÷ target; None (无任务) when there is no positive target."""
    if target is None or actual is None or (isinstance(target, float) and math.isnan(target)) or target <= 0:
        return None
    return actual / target


def gap_points(done: float | None, expected: float | None) -> float | None:
    """Completion minus expected progress, in percentage points."""
    if done is None or expected is None:
        return None
    return (done - expected) * 100


def shown(points: float) -> float:
    """A gap in points as the reader sees it (one decimal): statuses are decided on this figure, so a unit shown
    "−5.0" is never labelled as if it were below −5."""
    return round(points, 1) + 0.0  # + 0.0: no "−0.0"


def status(gap: float | None, thresholds: tuple[float, float, float] = (0, -5, -15)) -> str:
    """Ahead / on pace / behind / seriously behind from the gap in points as shown; no quota → no_quota."""
    if gap is None:
        return NO_QUOTA
    g = shown(gap)
    ahead, on_pace, behind = thresholds
    if g >= ahead:
        return AHEAD
    if g >= on_pace:
        return ON_PACE
    if g >= behind:
        return BEHIND
    return SERIOUS


def share_status(share: float | None, minimum: float | None) -> str | None:
    """Met / not met, on the share and the minimum as shown (one-decimal percentages)."""
    if share is None or minimum is None:
        return None
    return MET if shown(share * 100) >= shown(minimum * 100) else NOT_MET


def organized_needed(organized: int, total: int, minimum: float | None) -> int | None:
    """Smallest x ≥ 0 with (organized + x) / (total + x) ≥ minimum: extra organized placements needed.

    Exact arithmetic, so 60% of 10 with 6 organized needs 0, not a float-rounding 1. None if the
    minimum is 100% or more and not yet met (no number of additions reaches it), and None while nobody is placed:
    there is no share to bring up yet ("1 more" would read as if one person were missing; the year-end need against
    the quota says what is to be done). A share shown as meeting the floor (59.96%, shown 60.0%: 已达标) needs none,
    as its status says.
    """
    if minimum is None:  # no floor set: nothing is needed
        return None
    m = Fraction(str(minimum))
    if total == 0:
        return None
    if Fraction(organized, total) >= m or share_status(organized / total, minimum) == MET:
        return 0
    if m >= 1:
        return None
    x = (m * total - organized) / (1 - m)
    return max(0, math.ceil(x))


def organized_needed_by_year_end(organized: int, total_quota: float | None, minimum: float | None) -> int | None:
    """Organized placements still needed for the year's target to meet the floor: ⌈minimum × total quota⌉ − organized
    (at least 0); None without a total quota. 60% of a 11,050 quota is 6,630 organized placements by December."""
    if total_quota is None or total_quota <= 0 or minimum is None:
        return None
    need = math.ceil(Fraction(str(minimum)) * Fraction(str(total_quota)))
    return max(0, need - organized)


def seasonal_expected(last_year_same_week: float | None, last_year_final: float | None) -> float | None:
    """Share of last year's final total already reached by the same week last year."""
    if last_year_same_week is None or not last_year_final:
        return None
    return min(1.0, last_year_same_week / last_year_final)


def same_week_last_year(on: dt.date) -> dt.date:
    """The same weekday 52 weeks earlier (snapshots are taken on Fridays)."""
    return on - dt.timedelta(days=364)


def reporting_week(today: dt.date) -> dt.date:
    """The week a file sent today belongs to: the latest Friday on or before today (a Monday file is last week's,
    late)."""
    return today - dt.timedelta(days=(today.weekday() - 4) % 7)


def run_rate(cumulative: list[tuple[dt.date, float]], weeks: int = 4) -> float | None:
    """Average weekly increase over the last `weeks` weeks (fewer if the year is younger).

    `cumulative` is sorted by date. None with fewer than two points.
    """
    if len(cumulative) < 2:
        return None
    last_date, last = cumulative[-1]
    earlier = [(d, v) for d, v in cumulative if (last_date - d).days <= weeks * 7]
    d0, v0 = earlier[0] if earlier[0][0] != last_date else cumulative[-2]
    span_weeks = (last_date - d0).days / 7
    return (last - v0) / span_weeks if span_weeks > 0 else None


def projection(actual: float, rate: float | None, on: dt.date, due: dt.date) -> float | None:
    """Value at the due date if the recent weekly run-rate holds."""
    if rate is None:
        return None
    weeks_left = max(0, (due - on).days) / 7
    return actual + max(0.0, rate) * weeks_left


def required_weekly(target: float | None, actual: float, on: dt.date, due: dt.date) -> float | None:
    """Placements needed per week from now to finish on time; 0 when already met, None without quota
    or once the due date has passed with the target unmet."""
    if not target or target <= 0:
        return None
    left = target - actual
    if left <= 0:
        return 0.0
    days = (due - on).days
    if days <= 0:
        return None
    return left / (days / 7)


def largest_remainder(total: int, weights: list[float]) -> list[int]:
    """Split an integer total by weights so the parts sum exactly to the total (Hamilton's method).

    Zero or negative weights get 0; all-zero weights → equal shares. Ties in the remainder go to the
    earlier position, so the result is deterministic.
    """
    n = len(weights)
    if n == 0:
        return []
    w = [Fraction(max(0.0, float(x))) for x in weights]  # exact, so the parts sum exactly
    s = sum(w)
    if s <= 0:
        w, s = [Fraction(1)] * n, Fraction(n)
    exact = [total * x / s for x in w]
    floors = [math.floor(e) for e in exact]
    rest = total - sum(floors)
    order = sorted(range(n), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:rest]:
        floors[i] += 1
    return floors
