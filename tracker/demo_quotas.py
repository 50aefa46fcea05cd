"""The quota table (目标任务): the published figures under their own years, and the demo years' quotas.

Published, exact, filed under the year of their document (source `published`): seed 000's 2020 prefecture quotas
for organized cross-province and cross-prefecture transfers; seed 001's 2022 targets for Lhorong county 洛隆县
(540329). The demo years (this year and the last) take those figures over — and say so in the note — and
decompose everything else downward with the largest-remainder rule so that children sum exactly to their parent
(source `demo` throughout).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from tracker.hierarchy import REGION, Hierarchy
from tracker.rules import largest_remainder

# cited by their documents' titles: "seed 000" means nothing to an official
DOC000 = "《关于促进农牧民有组织跨区域转移就业的工作方案》（西藏自治区，2020年7月）"
DOC001 = "洛隆县2022年农牧民转移就业实施方案"
SEED000 = f"{DOC000}（已公布）"
SEED001 = f"{DOC001}（已公布）"
FROM000 = f"演示值：沿用{DOC000}已公布任务"
FROM001 = f"演示值：沿用{DOC001}已公布任务"
DEMO = "演示值：按权重逐级分解"
# the same notes for the English pages; a note typed by an office is shown as written
_EN000 = "Tibet Autonomous Region's 2020 plan for organized cross-regional transfer employment (July 2020)"
_EN001 = "Luolong County's 2022 transfer employment plan"
NOTES_EN = {
    SEED000: f"{_EN000} (published)",
    SEED001: f"{_EN001} (published)",
    FROM000: f"demo value: the published quotas of the {_EN000}",
    FROM001: f"demo value: the published quotas of {_EN001}",
    DEMO: "demo value: split down by weights",
}
# the wording of data generated before 2026-12-04
_OLD_ZH = {
    "种子000：西藏自治区2020年方案（已公布）": SEED000,
    "种子001：洛隆县2022年方案（已公布）": SEED001,
    "演示值：沿用种子000（西藏自治区2020年方案）已公布任务": FROM000,
    "演示值：沿用种子001（洛隆县2022年方案）已公布任务": FROM001,
}


def note_text(note: str | None, lang: str) -> str:
    """A quota's source note as the page shows it: by document title, in the page's language."""
    if not note:
        return ""
    note = _OLD_ZH.get(note, note)
    return NOTES_EN.get(note, note) if lang == "en" else note


YEAR000, YEAR001 = 2020, 2022
ORG_XPROV = {"5401": 1000, "5402": 1400, "5405": 800, "5404": 500, "5403": 800, "5406": 400, "5425": 100}
ORG_XPREF = {"5401": 5000, "5402": 20000, "5405": 16000, "5404": 3000, "5403": 6200, "5406": 4000, "5425": 800}
# rough shares of the region's rural labour force, for the demo decomposition of the total
PREF_WEIGHT = {"5401": 0.12, "5402": 0.27, "5403": 0.22, "5404": 0.07, "5405": 0.11, "5406": 0.15, "5425": 0.06}
LHORONG = "540329"
LHORONG_TARGETS = {
    "urban_new_jobs": 509,
    "new_dispatch_companies": 1,
    "new_transfer_bases": 1,
    "project_labour_share": 0.60,
    "total": 11050,
    "org_share": 0.60,
    "out_region": 90,
    "training": 1505,
    "training_directed_share": 0.35,
    "src_industry": 5850,
    "src_project": 3100,
    "src_flexible": 2100,
}
REGION_TOTAL = 615_000
REGION_INCOME = 3_500_000_000
ORG_SHARE_MIN = 0.60


def _split(total: int, codes: list[str], weights: list[float], fixed: dict[str, int]) -> dict[str, int]:
    """Largest-remainder split of `total` over codes, with some children fixed in advance."""
    rest = total - sum(fixed.get(c, 0) for c in codes)
    free = [c for c in codes if c not in fixed]
    parts = largest_remainder(rest, [w for c, w in zip(codes, weights, strict=True) if c not in fixed])
    out = dict(zip(free, parts, strict=True))
    out.update({c: fixed[c] for c in codes if c in fixed})
    return out


def build(h: Hierarchy, year: int, seed: int = 2026, factor: float = 1.0) -> pl.DataFrame:
    """Quota rows for one year. `factor` scales the demo totals (earlier years had lower targets)."""
    rng = np.random.default_rng(seed + year)
    due = dt.date(year, 12, 31)
    rows: list[tuple] = []

    def add(code, metric, target, note):
        rows.append((year, code, metric, float(target), due, note, "demo"))

    prefs = sorted(ORG_XPROV)
    counties = {p: h.of_level(3, p)["code"].to_list() for p in prefs}
    towns = {c: h.of_level(4, c)["code"].to_list() for p in prefs for c in counties[p]}
    n_vill = {t: max(1, h.of_level(5, t).height) for c in towns for t in towns[c]}
    # county weight: villages × a random factor; parks (one small township each) get little
    cw = {c: sum(n_vill[t] for t in towns[c]) * rng.uniform(0.7, 1.3) for p in prefs for c in counties[p]}
    tw = {t: n_vill[t] * rng.uniform(0.6, 1.4) for c in towns for t in towns[c]}

    total = round(REGION_TOTAL * factor)
    pref_total = _split(total, prefs, [PREF_WEIGHT[p] for p in prefs], {})
    income_pc = {p: rng.uniform(0.85, 1.15) for p in prefs}
    pref_income = _split(round(REGION_INCOME * factor / 10_000), prefs, [pref_total[p] * income_pc[p] for p in prefs], {})  # in 万元
    xprov = {p: round(ORG_XPROV[p] * (1 if factor == 1 else factor)) for p in prefs}
    xpref = {p: round(ORG_XPREF[p] * (1 if factor == 1 else factor)) for p in prefs}
    out_region = {p: round(xprov[p] * 1.5) for p in prefs}
    note_seed = FROM000 if factor == 1 else DEMO

    add(REGION, "total", total, DEMO)
    add(REGION, "income", sum(pref_income.values()) * 10_000, DEMO)
    add(REGION, "org_xprov", sum(xprov.values()), note_seed)
    add(REGION, "org_xpref", sum(xpref.values()), note_seed)
    add(REGION, "out_region", sum(out_region.values()), DEMO)
    add(REGION, "org_share", ORG_SHARE_MIN, DEMO)
    for p in prefs:
        add(p, "total", pref_total[p], DEMO)
        add(p, "income", pref_income[p] * 10_000, DEMO)
        add(p, "org_xprov", xprov[p], note_seed)
        add(p, "org_xpref", xpref[p], note_seed)
        add(p, "out_region", out_region[p], DEMO)
        add(p, "org_share", ORG_SHARE_MIN, DEMO)
        cs = counties[p]
        w = [cw[c] for c in cs]
        lh = {LHORONG: round(LHORONG_TARGETS["total"] * factor)} if LHORONG in cs else {}
        c_total = _split(pref_total[p], cs, w, lh)
        c_income = _split(pref_income[p], cs, [c_total[c] for c in cs], {})
        c_xprov = _split(xprov[p], cs, [c_total[c] for c in cs], {})
        c_xpref = _split(xpref[p], cs, [c_total[c] for c in cs], {})
        lh_out = {LHORONG: round(LHORONG_TARGETS["out_region"] * factor)} if LHORONG in cs else {}
        c_out = _split(out_region[p], cs, [c_total[c] for c in cs], lh_out)
        for c in cs:
            is_lh = c == LHORONG and factor == 1
            add(c, "total", c_total[c], FROM001 if is_lh else DEMO)
            add(c, "income", c_income[c] * 10_000, DEMO)
            add(c, "org_xprov", c_xprov[c], DEMO)
            add(c, "org_xpref", c_xpref[c], DEMO)
            add(c, "out_region", c_out[c], FROM001 if is_lh else DEMO)
            add(c, "org_share", ORG_SHARE_MIN, FROM001 if is_lh else DEMO)
            if is_lh:
                for m in [k for k in LHORONG_TARGETS if k not in ("total", "org_share", "out_region")]:
                    add(c, m, LHORONG_TARGETS[m], FROM001)
            ts = towns[c]
            tws = [tw[t] for t in ts]
            t_total = _split(c_total[c], ts, tws, {})
            t_income = _split(c_income[c], ts, [t_total[t] for t in ts], {})
            t_out = _split(c_out[c], ts, tws, {})
            t_xprov = _split(c_xprov[c], ts, tws, {})
            t_xpref = _split(c_xpref[c], ts, tws, {})
            for t in ts:
                add(t, "total", t_total[t], DEMO)
                add(t, "income", t_income[t] * 10_000, DEMO)
                add(t, "org_xprov", t_xprov[t], DEMO)
                add(t, "org_xpref", t_xpref[t], DEMO)
                add(t, "out_region", t_out[t], DEMO)
                add(t, "org_share", ORG_SHARE_MIN, DEMO)
    from tracker.quotas import frame

    return frame(rows)


def published() -> pl.DataFrame:
    """The seeds' own figures, under the years of their documents."""
    from tracker.quotas import frame

    d0, d1 = dt.date(YEAR000, 12, 31), dt.date(YEAR001, 12, 31)
    rows = [
        (YEAR000, REGION, "org_xprov", float(sum(ORG_XPROV.values())), d0, SEED000, "published"),
        (YEAR000, REGION, "org_xpref", float(sum(ORG_XPREF.values())), d0, SEED000, "published"),
    ]
    rows += [
        (YEAR000, p, m, float(v[p]), d0, SEED000, "published")
        for p in sorted(ORG_XPROV)
        for m, v in (("org_xprov", ORG_XPROV), ("org_xpref", ORG_XPREF))
    ]
    rows += [(YEAR001, LHORONG, m, float(v), d1, SEED001, "published") for m, v in LHORONG_TARGETS.items()]
    return frame(rows)


def build_years(h: Hierarchy, year: int) -> pl.DataFrame:
    """The published figures under their own years, the demo year (taking them over) and the year before at ~95%."""
    years = [published().filter(pl.col("year") < year - 1), build(h, year - 1, factor=0.95), build(h, year)]
    return pl.concat(years).sort("year", "unit_code", "metric")
