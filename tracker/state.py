"""The view state (year, snapshot, area, language, meeting mode, ranking metric) and its URL form.

The URL is the source of truth: every view is a shareable link. This module is the single owner:
it parses query parameters (user input: validated, never trusted), and renders them back.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from tracker.catalogue import METRICS
from tracker.hierarchy import REGION, Hierarchy
from tracker.i18n import t

KEYS = (
    "year",
    "snap",
    "area",
    "lang",
    "meet",
    "dark",
    "auto",
    "metric",
    "ch",
    "grp",
    "cmp",
    "f",
    "sort",
    "pg",
    "own",
    "kind",
    "gpick",
    "pol",
    "rule",
)
# what these pages show besides the shared view: the records view's filter, sort, page and "own records only" switch,
# the week-to-week list kind, the key-group pick, the subsidy policy and rule
PAGE_KEYS = ("f", "sort", "pg", "own", "kind", "gpick", "pol", "rule")
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
    filters: str = ""  # records view: the filter (catalogue.encode_filters form)
    sort: str = ""  # records view: "column:asc|desc"
    page: int = 1  # records view: page number
    own: bool = False  # records view: only what this unit reported
    kind: str = ""  # week-to-week: the list shown
    gpick: str = ""  # key groups: the group shown per unit
    policy: str = ""  # subsidies: the policy
    rule: str = ""  # subsidies: the rule whose persons are listed
    dark: bool = False  # meeting mode: high-contrast dark theme for projectors
    auto: int = 0  # meeting mode: step to the next unit every `auto` seconds (0: by hand)

    def params(self) -> dict[str, str]:
        p = {"year": str(self.year), "snap": self.snapshot.isoformat(), "area": self.area, "lang": self.lang}
        if self.meeting:
            p["meet"] = "1"
            if self.dark:
                p["dark"] = "1"
            if self.auto:
                p["auto"] = str(self.auto)
        if self.metric != "total":
            p["metric"] = self.metric
        if self.channels:
            p["ch"] = ",".join(self.channels)
        if self.group:
            p["grp"] = self.group
        if self.compare:
            p["cmp"] = self.compare.isoformat()
        for k, v in (
            ("f", self.filters),
            ("sort", self.sort),
            ("kind", self.kind),
            ("gpick", self.gpick),
            ("pol", self.policy),
            ("rule", self.rule),
        ):
            if v:
                p[k] = v
        if self.page > 1:
            p["pg"] = str(self.page)
        if self.own:
            p["own"] = "1"
        return p

    def shared_params(self) -> dict[str, str]:
        """The view every page shares (a menu link to another page keeps these, not this page's own choices)."""
        return {k: v for k, v in self.params().items() if k not in PAGE_KEYS}

    def record_filter(self) -> dict:
        from tracker.catalogue import decode_filters

        return decode_filters(self.filters)

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
    metric = qp.get("metric") if qp.get("metric") in METRICS and METRICS[qp.get("metric")].quota else "total"
    from tracker.analysis import Slice

    sl = Slice.parse(qp.get("ch"), qp.get("grp"))
    compare = None
    try:
        c = dt.date.fromisoformat(str(qp.get("cmp"))) if qp.get("cmp") else None
        compare = c if c in dates and c < snap else None
    except ValueError:
        compare = None
    from tracker.catalogue import decode_filters, encode_filters

    def word(k: str, n: int = 40) -> str:  # a page's own choice: a short identifier, checked again by the page
        v = str(qp.get(k) or "")[:n]
        return v if re.fullmatch(r"[A-Za-z0-9_:.\-]*", v) else ""

    pg = str(qp.get("pg") or "1")
    return State(
        year,
        snap,
        area,
        lang,
        qp.get("meet") == "1",
        metric,
        sl.channels,
        sl.group,
        compare,
        filters=encode_filters(decode_filters(str(qp.get("f") or ""))),
        sort=word("sort"),
        page=int(pg) if pg.isdigit() and 0 < int(pg) < 100_000 else 1,
        own=qp.get("own") == "1",
        kind=word("kind"),
        gpick=word("gpick"),
        policy=word("pol"),
        rule=word("rule"),
        dark=qp.get("dark") == "1",
        auto=int(qp["auto"]) if str(qp.get("auto")) in {str(x) for x in AUTO_STEPS} else 0,
    ), notices


AUTO_STEPS = (0, 15, 30, 60)  # meeting mode's auto-advance choices, seconds


def meeting_sequence(area: str, h: Hierarchy, home: str) -> list[str]:
    """The units meeting mode steps through from `area` (← →): the parent, then its children in order, round again.
    At the user's own area (or a unit without children) the sequence is that area and its children."""
    parent = area if area == home or len(area) <= len(home) else h.ancestors(area)[-2]
    kids = h.children(parent)
    return [parent, *kids] if kids else [area]


def step(area: str, h: Hierarchy, home: str, by: int) -> str:
    seq = meeting_sequence(area, h, home)
    i = seq.index(area) if area in seq else 0
    return seq[(i + by) % len(seq)]
