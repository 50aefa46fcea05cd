"""A tiny, hand-checkable data set on real codes. Every expected number in the tests comes from here.

Snapshot 2026-11-20 (the "current" one):

  person  home                       placements (channel, scope, income)                       organized
  A  1    洛隆县 孜托镇 V_Z             government / cross_prefecture / 10,000                     yes
  B  2    洛隆县 孜托镇 V_Z             self_found / local / 3,000 + broker / cross_province / 5,000 yes
  C  3    洛隆县 硕督镇 V_S             enterprise / local / 4,000                                 no
  D  4    洛隆县 硕督镇 V_S             self_found / local / 6,000 (from 11-14); a second placement  yes
                                      from 11-15 reported by 卡若区: government / cross_county / 2,000
                                      (a person reported by two counties, counted at home)
  E  5    卡若区 城关镇 V_K             cooperative / cross_prefecture / 7,000; the same placement  yes
                                      reported again by 洛隆县 two days later (R10: same start and values),
                                      counted once: not 14,000
  F  6    城关区 (Lhasa) V_L            dispatch_company / cross_province / 12,000                 yes
  G  7    城关区 八廓街道, no village    self_found / cross_province / 9,000                        no

  region: persons 7, organized 5 (71.4%), org cross-province 2 (B, F), org cross-prefecture 2 (A, E),
          out-of-region 3 (B, F, G), income 58,000 (per capita 8,285.7)
  Chamdo 5403: persons 5, organized 4 (80%), xprov 1, xpref 2, out-of-region 1, income 37,000
  Lhorong 540329: persons 4, organized 3 (75%), income 30,000; 孜托镇 2 persons, 硕督镇 2 persons
  Karuo 540302: persons 1 (D's duplicate record counts at home), income 7,000
  Lhasa 5401: persons 2, organized 1 (50%), out-of-region 2, income 21,000

Snapshot 2026-11-13 (previous week): A (9,000), B's first placement (3,000), C (3,500), F (11,000)
  → region 4 persons; new this week 3; Lhorong 3 persons.
Last year: 2025-11-21 has A, C, F, G (4 persons); 2025-12-26 adds E (5 persons): seasonal 80%.

Week-to-week (2026-11-13 → 2026-11-20), region: new 5 (R3, R5, R6, R7, R10), late 1 (R9 started 11-05, reported
  11-19), ended 1 (R4: C returned home 11-18), restated 1 (R1's industry: other → construction), removed 0.
Key groups: C is poverty-alleviated (4,000 yuan), F is a woman (12,000 yuan, organized); everyone has junior
  high. Months: 5.0 per record, G 2.0 → persons < 3 months 1 (G), 3–6 months 4 (A, C, E, F), ≥ 6: 2 (B, D
  with two records each). Income per person: A 10,000, B 8,000, C 4,000, D 8,000, E 7,000, F 12,000, G 9,000.

Quotas 2026 (due 31 Dec): total region 10, Chamdo 6, Lhasa 4, Lhorong 5, Karuo 1, 孜托镇 3, 硕督镇 2;
org_share 0.6 everywhere listed; org_xprov region 4, Chamdo 1, Lhasa 3.
Time progress on 2026-11-20 = 324/365 = 88.767%.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from tracker import ids, schema
from tracker.generate import write_snapshot

V_Z, V_S = "540329100001", "540329101201"
V_K, V_L = "540302100001", "540102002001"
T_G = "540102002"  # 八廓街道: G has no village
CUR, PREV = dt.date(2026, 11, 20), dt.date(2026, 11, 13)
LY_SAME, LY_FINAL = dt.date(2025, 11, 21), dt.date(2025, 12, 26)
TIME_PROGRESS = 324 / 365


def fixture_id(n: int, county: str = "540329") -> str:
    first17 = f"{county}19900101{n:03d}"
    return first17 + ids.check_char(first17)


def rec(
    rid: str,
    person: int,
    village: str | None,
    channel: str,
    scope: str,
    income: int,
    *,
    township: str | None = None,
    home: str | None = None,
    start: str = "2026-04-01",
    reported: str | None = None,
    months: float = 5.0,
    **kw,
) -> dict:
    township = township or village[:9]
    id18 = fixture_id(person)
    row = {
        "record_id": rid,
        "person_key": ids.person_key(id18, b"test-key"),
        "id_masked": ids.mask(id18),
        "id_check_ok": True,
        "gender": "M",
        "birth_year": 1990,
        "education": "junior",
        "prefecture_code": township[:4],
        "county_code": township[:6],
        "township_code": township,
        "village_code": village,
        "home_code": home or village or township,
        "poverty_alleviated": False,
        "relocated": False,
        "disabled": False,
        "veteran": False,
        "two_after": False,
        "dest_scope": scope,
        "dest_province_code": "51" if scope == "cross_province" else "54",
        "dest_prefecture_code": "5101"
        if scope == "cross_province"
        else ("5401" if scope == "cross_prefecture" and not township.startswith("5401") else township[:4]),
        "organized": channel in schema.ORGANIZED_CHANNELS,
        "channel": channel,
        "job_source": "industry",
        "industry": "construction",
        "start_date": dt.date.fromisoformat(start),
        "end_date": None,
        "reported_date": dt.date.fromisoformat(reported or start),
        "months_employed": months,
        "income_yuan": income,
        "trained": False,
        "training_type": None,
        "counted": True,
    }
    row.update(kw)
    return row


def frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema.POLARS_SCHEMA)


def current() -> list[dict]:
    return [
        rec("R1", 1, V_Z, "government", "cross_prefecture", 10_000),
        rec("R2", 2, V_Z, "self_found", "local", 3_000, start="2026-03-01", end_date=dt.date(2026, 6, 30)),
        rec("R3", 2, V_Z, "broker", "cross_province", 5_000, start="2026-11-16"),
        rec("R4", 3, V_S, "enterprise", "local", 4_000, poverty_alleviated=True, end_date=dt.date(2026, 11, 18)),
        rec("R5", 4, V_S, "self_found", "local", 6_000, start="2026-11-14"),
        rec("R6", 4, V_K, "government", "cross_county", 2_000, start="2026-11-15", reported="2026-11-18", home=V_S),
        rec("R7", 5, V_K, "cooperative", "cross_prefecture", 7_000, start="2026-11-17"),
        rec("R10", 5, V_Z, "cooperative", "cross_prefecture", 7_000, start="2026-11-17", reported="2026-11-19", home=V_K, counted=False),
        rec("R8", 6, V_L, "dispatch_company", "cross_province", 12_000, gender="F"),
        rec("R9", 7, None, "self_found", "cross_province", 9_000, township=T_G, start="2026-11-05", reported="2026-11-19", months=2.0),
    ]


def previous() -> list[dict]:
    return [
        rec("R1", 1, V_Z, "government", "cross_prefecture", 9_000, industry="other"),
        rec("R2", 2, V_Z, "self_found", "local", 3_000, start="2026-03-01", end_date=dt.date(2026, 6, 30)),
        rec("R4", 3, V_S, "enterprise", "local", 3_500, poverty_alleviated=True),
        rec("R8", 6, V_L, "dispatch_company", "cross_province", 11_000, gender="F"),
    ]


def last_year(final: bool) -> list[dict]:
    rows = [
        rec("L1", 1, V_Z, "government", "cross_prefecture", 8_000, start="2025-04-01"),
        rec("L4", 3, V_S, "enterprise", "local", 3_000, start="2025-04-01", poverty_alleviated=True),
        rec("L8", 6, V_L, "dispatch_company", "cross_province", 10_000, start="2025-04-01", gender="F"),
        rec("L9", 7, None, "self_found", "cross_province", 7_000, township=T_G, start="2025-04-01"),
    ]
    if final:
        rows.append(rec("L7", 5, V_K, "cooperative", "cross_prefecture", 6_000, start="2025-12-01"))
    return rows


QUOTAS = [  # unit, metric, target
    ("54", "total", 10),
    ("5403", "total", 6),
    ("5401", "total", 4),
    ("540329", "total", 5),
    ("540302", "total", 1),
    ("540329100", "total", 3),
    ("540329101", "total", 2),
    ("54", "org_share", 0.6),
    ("5403", "org_share", 0.6),
    ("5401", "org_share", 0.6),
    ("540329", "org_share", 0.6),
    ("54", "org_xprov", 4),
    ("5403", "org_xprov", 1),
    ("5401", "org_xprov", 3),
]


def build(root: Path) -> Path:
    """Write the fixture data directory: quotas.csv and four snapshots."""
    root.mkdir(parents=True, exist_ok=True)
    from tracker import quotas

    quotas.frame([(2026, u, m, float(v), dt.date(2026, 12, 31), "fixture", "issued") for u, m, v in QUOTAS]).write_csv(root / "quotas.csv")
    write_snapshot(frame(last_year(False)), root, LY_SAME)
    write_snapshot(frame(last_year(True)), root, LY_FINAL)
    write_snapshot(frame(previous()), root, PREV)
    write_snapshot(frame(current()), root, CUR)
    return root


# The national registry (tracker/registry.py): a second province, 青海省 (63), reporting the week 2026-11-20 with four
# of the fixture's persons among its five:
#   Q1 A   same placement (start 04-01), reported 03-28, before Tibet's R1 (04-01)   → counts in 63; A's home is 63
#   Q2 E   same placement (start 11-17), reported 11-20, after Tibet's R7 (11-17)     → counts in 54; E stays in 54
#   Q3 G   another placement (start 06-01, reported 06-01), before Tibet's R9 (11-19) → both count; G's home is 63
#   Q4 —   a person only Qinghai reports
#   Q5 F   same placement and report day as Tibet's R8 (04-01): the smaller record id, Q5, is first → counts in 63
# Country: placements 9 + 5 − 3 = 11 (Tibet 7, Qinghai 4); persons 7 + 5 − 4 = 8 (Tibet 4: B C D E; Qinghai 4: A F G
# and Q4's). Tibet's reports counting elsewhere: R1, R8 (placement and person), R9 (person only); Qinghai's: Q2.
QH_V = "630102001001"  # 西宁市城东区东关大街街道北关社区 (data/regions/units_63.csv)
QH_LEDU = "630202001001"  # 海东市乐都区碾伯街道朝阳山社区
QH_QUOTAS = [("63", "total", 10), ("6301", "total", 6), ("6302", "total", 4)]
# As 青海省's own dashboard shows it (TRACKER_PROVINCE=63): persons 5 (城东区 4, 乐都区 1), organized 3 (Q1, Q2, Q5),
# income 26,000; quotas 10 / 6 / 4 → 全省 50.0%, 西宁市 66.7%, 海东市 25.0%.


def qinghai() -> list[dict]:
    here = {"dest_province_code": "63", "dest_prefecture_code": "6301"}  # work inside the province
    return [
        rec("Q1", 1, QH_V, "government", "cross_province", 8_000, reported="2026-03-28"),
        rec("Q2", 5, QH_V, "cooperative", "cross_province", 6_000, start="2026-11-17", reported="2026-11-20"),
        rec("Q3", 7, QH_V, "self_found", "local", 5_000, start="2026-06-01", **here),
        rec("Q4", 101, QH_LEDU, "enterprise", "cross_prefecture", 4_000, start="2026-05-01", **here),
        rec("Q5", 6, QH_V, "dispatch_company", "local", 3_000, **here),
    ]


def build_qinghai(root: Path) -> Path:
    """青海省's data directory: its quotas and the week 2026-11-20."""
    from tracker import quotas

    root.mkdir(parents=True, exist_ok=True)
    rows = [(2026, u, m, float(v), dt.date(2026, 12, 31), "fixture", "issued") for u, m, v in QH_QUOTAS]
    quotas.frame(rows).write_csv(root / "quotas.csv")
    write_snapshot(frame(qinghai()), root, CUR)
    return root


def national(root: Path) -> Path:
    """A national root: the fixture as province=54 and 青海省's week as province=63 (only 2026-11-20)."""
    build(root / "province=54")
    build_qinghai(root / "province=63")
    return root
