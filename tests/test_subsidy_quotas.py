"""Subsidy rules at their boundaries (pure and through SQL) and quota decomposition/consistency checks."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from tests import fixture as F
from tests.conftest import _use
from tracker import hierarchy, quotas, subsidy
from tracker.generate import write_snapshot

TIBET = subsidy.load("tibet_2020")
LINFEN = subsidy.load("linfen_2017")
RULES = {r.key: r for r in TIBET.rules}
DAY = dt.date(2026, 11, 20)


def p(months: float, scope: str = "cross_prefecture", channel: str = "government") -> dict:
    return {
        "months_employed": months,
        "dest_scope": scope,
        "channel": channel,
        "organized": channel in ("government", "dispatch_company", "cooperative", "broker"),
    }


@pytest.mark.parametrize(
    ("rule", "placement", "expected"),
    [
        ("travel_xpref", p(6.0), True),
        ("travel_xpref", p(5.9), False),
        ("travel_xpref", p(8, "cross_province"), False),
        ("travel_xprov", p(8, "cross_province"), True),
        ("travel_xpref", p(8, channel="self_found"), False),  # self-found is not organized
        ("service_xpref", p(8, channel="government"), False),  # government placements have no market entity
        ("service_xpref", p(8, channel="broker"), True),
        ("enterprise_reward", p(6.0, "local", "enterprise"), True),
        ("enterprise_reward", p(5.9, "local", "enterprise"), False),
        ("jobseek_xprov", p(12, "cross_province", "cooperative"), True),
    ],
)
def test_tibet_rules_at_the_boundaries(rule, placement, expected):
    assert RULES[rule].eligible(placement) is expected


def test_policies_are_configuration():
    assert [r.amount for r in TIBET.rules] == [500, 1000, 300, 500, 300, 500, 300]
    assert {r.key: r.amount for r in LINFEN.rules} == {"transport_xprov": 800, "station_service": 300}
    # seed 003: the transport subsidy is for poor rural workers only; no minimum months, any channel
    assert not LINFEN.rules[0].eligible(p(0.5, "cross_province", "self_found"))
    assert LINFEN.rules[0].eligible({**p(0.5, "cross_province", "self_found"), "poverty_alleviated": True})
    assert TIBET.months == "cumulative" and LINFEN.not_modelled and "社会保险补贴" in LINFEN.not_modelled[0]["zh"]


@pytest.fixture
def sub_dir(tmp_path):
    rows = [
        F.rec("S1", 1, F.V_Z, "government", "cross_prefecture", 6000, months=6.0),
        F.rec("S2", 2, F.V_Z, "government", "cross_prefecture", 5900, months=5.9, end_date=dt.date(2026, 9, 1)),
        F.rec("S3", 3, F.V_Z, "broker", "cross_province", 9000, months=7.0),
        F.rec("S4", 4, F.V_Z, "self_found", "cross_prefecture", 9000, months=9.0),
        # one person, two qualifying placements: paid once
        F.rec("S5", 5, F.V_S, "government", "cross_prefecture", 6000, months=6.5, start="2026-01-05", end_date=dt.date(2026, 7, 20)),
        F.rec("S6", 5, F.V_S, "government", "cross_prefecture", 3000, months=6.2, start="2026-05-01"),
        F.rec("S7", 6, F.V_S, "government", "cross_prefecture", 5500, months=5.2),  # still working: eligible within a month
        # 4 + 3 months of two organized cross-prefecture placements: 7 months this year, no single one reaches 6
        F.rec("S8", 7, F.V_S, "government", "cross_prefecture", 4000, months=4.0, start="2026-01-05", end_date=dt.date(2026, 5, 5)),
        F.rec("S9", 7, F.V_S, "government", "cross_prefecture", 3000, months=3.0, start="2026-06-01", end_date=dt.date(2026, 9, 1)),
        # 2 months through a broker outside the region, then 5 months of a self-found job: 7 months this year
        F.rec("S10", 8, F.V_S, "broker", "cross_province", 2000, months=2.0, start="2026-02-01", end_date=dt.date(2026, 4, 1)),
        F.rec("S11", 8, F.V_S, "self_found", "local", 5000, months=5.0, start="2026-06-01"),
        # a second county's report of S1's placement (same person and start date): counted once
        F.rec("S12", 1, F.V_K, "government", "cross_prefecture", 6000, months=6.0, home=F.V_Z, reported="2026-04-05", counted=False),
    ]
    quotas.frame([(2026, "54", "total", 10.0, dt.date(2026, 12, 31), "t", "issued")]).write_csv(tmp_path / "quotas.csv")
    write_snapshot(F.frame(rows), tmp_path, DAY)
    _use(tmp_path)
    yield tmp_path
    import os

    import queries

    os.environ.pop("TRACKER_DATA_DIR")
    queries.reset()


def totals(policy: subsidy.Policy) -> dict:
    est = subsidy.estimate("54", DAY, policy).filter(pl.col("is_area"))
    return {r["rule"]: (r["eligible"], r["within_month"], r["by_year_end"], r["yuan"]) for r in est.iter_rows(named=True)}


def test_estimate_through_sql_months_cumulative_over_the_year(sub_dir):
    """The document's reading (年度就业时间累计): a person's months this year over all their placements."""
    got = totals(TIBET)
    # S1, person 5 once, person 7 (4 + 3 months); within a month: S7 (5.2, still working), not S2 (5.9, ended)
    assert got["travel_xpref"] == (3, 1, 4, 1500)  # by year end also S7 (still working: 5.2 + 1.3 months left)
    assert got["travel_xprov"] == (2, 0, 2, 2000)  # S3, and person 8 (2 months cross-province + 5 months at home)
    assert got["service_xprov"] == (2, 0, 2, 1000)  # both through a broker
    assert got["enterprise_reward"] == (0, 0, 0, 0)
    recs = subsidy.records("54", DAY, RULES["travel_xpref"])  # one row per person: the longest qualifying placement
    assert dict(zip(recs["record_id"], recs["rule_months"], strict=True)) == {"S1": 6.0, "S5": 12.0, "S8": 7.0}


def test_subsidy_list_for_the_finance_office(sub_dir, tmp_path):
    """The Excel list: sheet named by the rule, labels not codes, yuan whole, a 合计 row of 3 persons and 1,500 yuan
    (3 × 500), a sign-off line."""
    from openpyxl import load_workbook

    from tracker.exports import for_people

    rule = RULES["travel_xpref"]
    recs = subsidy.records("54", DAY, rule).with_columns(amount=pl.lit(int(rule.amount), dtype=pl.Int64))
    recs = for_people(recs, "zh").rename({"amount": "金额(元)", "rule_months": "计补月数"})
    path = tmp_path / "list.xlsx"
    path.write_bytes(subsidy.list_xlsx(recs, rule, "西藏自治区", DAY, "zh"))
    wb = load_workbook(path)
    assert wb.sheetnames == [rule.zh[:31]]
    ws = wb.active
    assert ws["A1"].value == f"西藏自治区{rule.zh}对象清单（截至11月20日）"
    head = [c.value for c in ws[3]]
    assert "组织方式" in head and "金额(元)" in head and "channel" not in head
    col = {v: i for i, v in enumerate(head)}
    body = list(ws.iter_rows(min_row=4, max_row=6))
    assert {r[col["组织方式"]].value for r in body} <= {"政府组织", "劳务(派遣)公司", "劳务合作社", "劳务经纪人", "企业直招"}
    assert [r[col["金额(元)"]].value for r in body] == [500, 500, 500] and body[0][col["金额(元)"]].number_format == "#,##0"
    total = next(iter(ws.iter_rows(min_row=7, max_row=7)))
    assert total[0].value == "合计3人" and total[col["金额(元)"]].value == 1500
    assert ws.cell(row=9, column=1).value.startswith("经办人：")


def test_estimate_through_sql_months_per_placement(sub_dir):
    """The other reading, a policy setting: one placement must reach the months on its own."""
    from dataclasses import replace

    per = replace(TIBET, months="per_placement", rules=tuple(replace(r, months="per_placement") for r in TIBET.rules))
    got = totals(per)
    assert got["travel_xpref"] == (2, 1, 3, 1000)  # S1, person 5 (6.5); person 7's longest is 4 months; soon: S7
    assert got["travel_xprov"] == (1, 0, 1, 1000)  # S3 only
    recs = subsidy.records("54", DAY, per.rules[0])
    assert sorted(recs["record_id"].to_list()) == ["S1", "S5"]


def test_a_key_group_condition_through_sql(fx):
    """Seed 003 pays Linfen's transport subsidy to poor workers only: a rule with `groups`. On the fixture: the only
    poverty-alleviated person (C) works locally, so nobody qualifies cross-province; a local rule finds C alone, and a
    women's cross-province rule finds F alone."""
    from dataclasses import replace

    base = LINFEN.rules[0]
    assert totals(LINFEN)["transport_xprov"] == (0, 0, 0, 0)
    local = replace(base, key="t_local", dest_scope=("local",))
    women = replace(base, key="t_women", groups=("women",))
    got = totals(replace(LINFEN, rules=(local, women)))
    assert got["t_local"][0] == 1 and got["t_women"][0] == 1
    assert subsidy.records("54", DAY, local)["record_id"].to_list() == ["R4"]
    assert subsidy.records("54", DAY, women)["record_id"].to_list() == ["R8"]


def test_decompose_awkward_weights():
    kids = ["a", "b", "c", "d"]
    for total, w in [(11050, [0, 0, 0, 0]), (7, [1, 1, 1, 1]), (100, [0, 5, 0, 0]), (55000, [0.1, 1e-9, 3, 3])]:
        got = quotas.decompose(total, kids, w)
        assert sum(got.values()) == total
    assert quotas.decompose(5, ["x"], [0]) == {"x": 5}
    assert quotas.decompose(10, kids, [1, 1, 1, 1]) == {"a": 3, "b": 3, "c": 2, "d": 2}


def qrow(unit, metric, v):
    return (2026, unit, metric, float(v), dt.date(2026, 12, 31), "t", "issued")


def test_consistency_checks_find_planted_faults():
    h = hierarchy.load()
    towns = h.children("540329")
    rows = [
        qrow("5403", "total", 100),
        *[qrow(c, "total", 10) for c in h.children("5403")],  # 11 × 10 = 110 > 100
        qrow("540329", "org_xprov", 20),
        *[qrow(t, "org_xprov", 1) for t in towns[:-1]],  # 10 < 20, last one missing
        qrow("540329", "org_share", 0.6),
        qrow(towns[0], "org_share", 0.5),  # a township minimum below the county's
        qrow("549999", "total", 5),
    ]  # unknown unit
    q = quotas.frame(rows)
    found = {(f.check, f.unit_code, f.metric) for f in quotas.check(q, h, 2026)}
    assert ("over", "5403", "total") in found
    assert ("under", "540329", "org_xprov") in found
    assert ("missing", towns[-1], "org_xprov") in found
    assert ("share_below_parent", towns[0], "org_share") in found
    assert ("unknown_unit", "549999", "") in found


def test_demo_quota_table_is_consistent():
    from tracker import settings

    h = hierarchy.load()
    q = pl.read_csv(settings.REPO / "data" / "quotas.csv", schema=quotas.SCHEMA)
    assert quotas.check(q, h, 2026) == []


@pytest.mark.parametrize(
    "area, lang, said",
    [
        ("540329100", "zh", "下级任务合计与上级一致；任务下达到乡（镇）一级，村（居）一级未下达任务（进度排名按完成数排列）。"),
        ("54", "zh", "下级任务合计与上级一致；任务下达到乡（镇）一级，村（居）一级未下达任务（进度排名按完成数排列）。"),
        (
            "540329100",
            "en",
            "Children add up to their parents; quotas are set down to the township level, none for each village (ranked by what was done).",
        ),
        ("540329100001", "zh", "村（居）一级不下达任务。"),
    ],
)
def test_a_clean_check_says_down_to_which_level_quotas_are_set(area, lang, said):
    from tracker import demo_quotas

    h = hierarchy.load()
    q = demo_quotas.build_years(h, 2026).filter(pl.col("year") == 2026)
    assert quotas.consistent_text(q, h, area, lang) == said


def test_read_issued_table(tmp_path):
    h = hierarchy.load()
    path = tmp_path / "下达表.csv"
    path.write_text(
        "洛隆县2026年转移就业任务分解表\n单位,转移就业人数,组织化率,有组织跨省转移\n孜托镇,2423,60%,15\n"
        "540329101,1100,0.6,abc\n火星乡,5,,\n",
        encoding="utf-8",
    )
    rows, rejects = quotas.read_issued(path, h, 2026)
    got = {(r["unit_code"], r["metric"]): r["target"] for r in rows.iter_rows(named=True)}
    assert got == {
        ("540329100", "total"): 2423,
        ("540329100", "org_share"): 0.6,
        ("540329100", "org_xprov"): 15,
        ("540329101", "total"): 1100,
        ("540329101", "org_share"): 0.6,
    }
    assert [(r["row"], r["reason_en"]) for r in rejects] == [(4, "not a number"), (5, "unknown unit")]


def test_issuing_table_columns():
    from tracker import demo_quotas

    h = hierarchy.load()
    t = quotas.issuing_table(demo_quotas.build_years(h, 2026), h, "540329", 2026)
    assert t.columns[:3] == ["单位代码", "单位", "转移就业人数"] and t["单位"].to_list()[:2] == ["洛隆县", "孜托镇"]
    assert t["转移就业人数"][0] == 11050 and t["转移就业人数"][1:].sum() == 11050


def test_quota_table_replace_and_save(fx, tmp_path):
    full = quotas.table()
    assert full.height == 14 and full.filter(pl.col("unit_code") == "540329")["target"].to_list() == [0.6, 5.0]
    new = pl.DataFrame([qrow("540329", "total", 7), qrow("540329100", "total", 4)], schema=full.schema, orient="row")
    out = quotas.save(quotas.replace_rows(full, new), tmp_path / "quotas.csv")
    back = pl.read_csv(out, schema=full.schema)
    assert back.height == 14  # both rows replaced in place, nothing else touched
    got = dict(back.filter(pl.col("metric") == "total").select("unit_code", "target").iter_rows())
    assert (got["540329"], got["540329100"], got["5403"]) == (7, 4, 6)


@pytest.mark.parametrize("policy", [TIBET, LINFEN], ids=lambda p: p.key)
def test_subsidy_file_equals_the_rules_applied_to_the_records(small_demo, policy):
    """The page sums a per-snapshot file of persons per rule and counting unit; recount from the records here."""
    import queries

    day = dt.date(2026, 11, 20)
    left = subsidy.months_left(day)
    recs = pl.read_parquet(queries.snapshot_file(day)).filter(pl.col("counted"))
    year = recs.group_by("person_key").agg(
        ym=pl.col("months_employed").sum().clip(upper_bound=12), working=pl.col("end_date").is_null().any()
    )
    recs = recs.join(year, on="person_key")
    member = {"women": pl.col("gender") == "F", "junior_plus": pl.col("education").is_in(["junior", "senior", "college"])}
    for area in ("54", "5403", "540329", "540329100"):
        est = subsidy.estimate(area, day, policy)
        n = {2: 4, 4: 6, 6: 9, 9: 12}[len(area)]
        for r in policy.rules:
            ok = pl.lit(True) if r.organized is None else pl.col("organized") == r.organized
            ok &= pl.col("dest_scope").is_in(list(r.dest_scope)) if r.dest_scope else pl.lit(True)
            ok &= pl.col("channel").is_in(list(r.channel)) if r.channel else pl.lit(True)
            ok &= pl.any_horizontal([member.get(g, pl.col(g)) for g in r.groups]) if r.groups else pl.lit(True)
            cum = r.months == "cumulative"
            months = pl.col("ym") if cum else pl.col("months_employed")
            working = pl.col("working") if cum else pl.col("end_date").is_null()
            per = (
                recs.filter(ok & pl.col("home_code").str.starts_with(area))
                .group_by("person_key")
                .agg(
                    pl.col("home_code").first(),
                    best=months.max(),
                    reach=pl.when(working).then((months + left).clip(upper_bound=12)).otherwise(months).max(),
                )
                .with_columns(unit=pl.col("home_code").str.slice(0, n).str.pad_end(n, "0"))
            )
            counts = per.group_by("unit").agg(
                eligible=(pl.col("best") >= r.min_months).sum(),
                within_month=((pl.col("best") < r.min_months) & (pl.min_horizontal("reach", pl.col("best") + 1) >= r.min_months)).sum(),
                by_year_end=(pl.col("reach") >= r.min_months).sum(),
            )
            mine = est.filter(pl.col("rule") == r.key)
            top = mine.filter(pl.col("is_area")).row(0, named=True)
            assert (top["eligible"], top["within_month"], top["by_year_end"]) == tuple(
                int(counts[c].sum()) for c in ("eligible", "within_month", "by_year_end")
            ), (policy.key, r.key, area)
            assert top["yuan"] == top["eligible"] * r.amount
            kids = {
                u: (e, w, y)
                for u, e, w, y in mine.filter(~pl.col("is_area")).select("unit_code", "eligible", "within_month", "by_year_end").iter_rows()
                if e or w or y
            }
            want = {
                u: (e, w, y) for u, e, w, y in counts.select("unit", "eligible", "within_month", "by_year_end").iter_rows() if e or w or y
            }
            assert kids == want, (policy.key, r.key, area)
    whole = subsidy.estimate("54", day, policy).filter(pl.col("is_area"))
    assert whole["eligible"].sum() > 100  # the 2% demo has eligible persons, or this would prove nothing


def test_issuing_workbook_as_an_office_issues_it(tmp_path):
    """Title, 文号, the county's own row, its townships, 下级合计 equal to the county's 11,050, formats per metric,
    sign-off; and it loads back unchanged."""
    from openpyxl import load_workbook

    from tracker import demo_quotas

    h = hierarchy.load()
    q = demo_quotas.build_years(h, 2026)
    path = tmp_path / "分解下达表.xlsx"
    path.write_bytes(
        quotas.issuing_xlsx(
            q, h, "540329", 2026, issuer="洛隆县人力资源和社会保障局", doc_no="洛人社〔2026〕12号", today=dt.date(2026, 3, 2)
        )
    )
    ws = load_workbook(path)["分解下达表"]
    assert ws["A1"].value == "2026年洛隆县农牧民转移就业目标任务分解下达表" and ws["A2"].value == "文号：洛人社〔2026〕12号"
    head = [c.value for c in ws[4]]
    assert head[:3] == ["单位代码", "单位", "转移就业人数"]
    col = {v: i for i, v in enumerate(head)}
    rows = [[c for c in r] for r in ws.iter_rows(min_row=5)]
    assert rows[0][1].value == "洛隆县（本级）" and rows[0][col["转移就业人数"]].value == 11050
    assert rows[0][col["转移就业人数"]].number_format == "#,##0"
    assert rows[0][col["组织化率"]].value == 0.6 and rows[0][col["组织化率"]].number_format == "0.0%"  # 60.0%, never 0.600
    total = next(r for r in rows if r[1].value == "下级合计")
    assert total[col["转移就业人数"]].value == 11050 and total[col["组织化率"]].value is None  # shares do not add up
    assert any(str(r[0].value).startswith("制表单位：洛隆县人力资源和社会保障局") for r in rows if r[0].value)
    assert not any(str(r[0].value).startswith("注：") for r in rows if r[0].value)  # the townships add up
    back, rejects = quotas.read_issued(path, h, 2026)
    assert rejects == []  # the title, the total row and the sign-off are not units
    own = back.filter(pl.col("unit_code") == "540329")
    assert dict(own.select("metric", "target").iter_rows())["total"] == 11050
    assert back.filter(pl.col("metric") == "total")["target"].sum() == 2 * 11050
