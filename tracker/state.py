"""The view state (year, snapshot, area, language, meeting mode, ranking metric) and its URL form.

The URL is the source of truth: every view is a shareable link. This module is the single owner:
it parses query parameters (user input: validated, never trusted), and renders them back.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from tracker.hierarchy import REGION, Hierarchy
from tracker.i18n import t
from tracker.metrics import CARD_METRICS

KEYS = ("year", "snap", "area", "lang", "meet", "metric", "ch", "grp", "cmp")
_CODE = re.compile(r"^\d{2}(\d{2}(\d{2}(\d{3}(\d{3})?)?)?)?$")


@dataclass(frozen=True)
class State:
    year: int
    snapshot: dt.date
    area: str = REGION
    lang: str = "zh"
    meeting: bool = False
    metric: str = "total"
    channels: tuple[str, ...] = ()  # analyst slice: placements through these channels
    group: str | None = None  # analyst slice: one key group
    compare: dt.date | None = None  # week-to-week page: the earlier snapshot

    def params(self) -> dict[str, str]:
        p = {"year": str(self.year), "snap": self.snapshot.isoformat(), "area": self.area, "lang": self.lang}
        if self.meeting:
            p["meet"] = "1"
        if self.metric != "total":
            p["metric"] = self.metric
        if self.channels:
            p["ch"] = ",".join(self.channels)
        if self.group:
            p["grp"] = self.group
        if self.compare:
            p["cmp"] = self.compare.isoformat()
        return p

    @property
    def slice(self):
        from tracker.analysis import Slice

        return Slice(self.channels, self.group)

    def with_(self, **kw) -> State:
        return replace(self, **kw)


def parse(qp: dict[str, str], dates: list[dt.date], h: Hierarchy, home: str = REGION) -> tuple[State | None, list[str]]:
    """State from query parameters; every problem becomes a notice, never an exception.

    `home` is the user's own area: the view when the URL names none (or an unknown code)."""
    lang = "en" if qp.get("lang") == "en" else "zh"
    notices: list[str] = []
    if not dates:
        return None, [t("no_snapshot", lang)]
    years = sorted({d.year for d in dates})
    y = str(qp.get("year", ""))
    year = int(y) if re.fullmatch(r"[0-9]{4}", y) and int(y) in years else years[-1]
    in_year = [d for d in dates if d.year == year]
    snap = in_year[-1]
    want = qp.get("snap")
    if want:
        try:
            w = dt.date.fromisoformat(str(want))
            earlier = [d for d in dates if d <= w]
            if w in dates:
                snap = w
            elif earlier:
                snap = earlier[-1]
                notices.append(t("snapshot_fallback", lang, want=w.isoformat(), got=snap.isoformat()))
            else:  # a date before any data: say so instead of silently showing the latest week
                notices.append(t("snapshot_fallback", lang, want=w.isoformat(), got=snap.isoformat()))
            if snap.year != year:
                year = snap.year
        except ValueError:
            notices.append(t("snapshot_fallback", lang, want=str(want)[:20], got=snap.isoformat()))
    area = str(qp.get("area") or home)
    if not _CODE.match(area) or not h.exists(area):
        notices.append(t("unknown_area", lang, code=area[:20]))
        area = home
    metric = qp.get("metric") if qp.get("metric") in CARD_METRICS else "total"
    from tracker.analysis import Slice

    sl = Slice.parse(qp.get("ch"), qp.get("grp"))
    compare = None
    try:
        c = dt.date.fromisoformat(str(qp.get("cmp"))) if qp.get("cmp") else None
        compare = c if c in dates and c < snap else None
    except ValueError:
        compare = None
    return State(year, snap, area, lang, qp.get("meet") == "1", metric, sl.channels, sl.group, compare), notices
