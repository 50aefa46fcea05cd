"""Analyst queries on the fixture (numbers by hand, see tests/fixture.py) and agreement with the overview."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

import queries
from tests import fixture as F
from tracker import analysis as A
from tracker import dispatch, quotas
from tracker.analysis import RecordFilter, Slice


def rows(df: pl.DataFrame, key: str, val: str, unit: str | None = None) -> dict:
    sub = df.filter(pl.col("is_area")) if unit is None else df.filter(pl.col("unit_code") == unit)
    return dict(sub.select(key, val).iter_rows())


def test_raw_measures_equal_the_rollup(fx):
    for area in ("54", "5403", "540329", "540102002"):
        raw = A.measures(area, F.CUR).drop("is_area").sort("unit_code")
        d = dispatch.resolve_dates(F.CUR)
        roll = dispatch.measures(area, d).filter(pl.col("snapshot_date") == F.CUR).drop("snapshot_date", "is_area").sort("unit_code")
        assert raw.equals(roll.select(raw.columns)), area


def test_channel_counts(fx):
    ch = A.by_dimension("54", F.CUR, "channel")
    assert rows(ch, "value", "persons") == {
        "government": 2,
        "self_found": 3,
        "broker": 1,
        "enterprise": 1,
        "cooperative": 1,
        "dispatch_company": 1,
    }
    assert rows(ch, "value", "income") == {
        "government": 12_000,
        "self_found": 18_000,
        "broker": 5_000,
        "enterprise": 4_000,
        "cooperative": 7_000,
        "dispatch_company": 12_000,
    }
    # per child unit, D's government placement (reported by 卡若区) counts in 昌都市 at home
    assert rows(ch, "value", "persons", unit="5401") == {"dispatch_company": 1, "self_found": 1}


def test_channel_slice(fx):
    m = A.measures("54", F.CUR, Slice(("government",)))
    top = m.filter(pl.col("is_area")).to_dicts()[0]
    assert (top["persons"], top["organized"], top["income"]) == (2, 2, 12_000)  # A and D's government placement


def test_group_slice_and_profile(fx):
    g = A.groups("54", F.CUR)
    assert rows(g, "key_group", "persons") == {
        "all_persons": 7,
        "poverty_alleviated": 1,
        "women": 1,
        "junior_plus": 7,
        "relocated": 0,
        "disabled": 0,
        "veteran": 0,
        "two_after": 0,
    }
    assert rows(g, "key_group", "organized")["women"] == 1 and rows(g, "key_group", "income")["poverty_alleviated"] == 4_000
    women = A.measures("54", F.CUR, Slice((), "women")).filter(pl.col("is_area")).to_dicts()[0]
    assert (women["persons"], women["income"]) == (1, 12_000)


def test_duration_bands_and_income_histogram(fx):
    b = A.bands("54", F.CUR).filter(pl.col("is_area")).to_dicts()[0]
    assert (b["persons"], b["lt3"], b["m3to6"], b["ge6"]) == (7, 1, 4, 2)
    assert b["median_income"] == 8_000
    hist = A.income_hist("54", F.CUR, bin_yuan=5000, nbins=3)
    assert hist.select("lower", "upper", "persons").rows() == [(0, 5000, 1), (5000, 10000, 4), (10000, None, 2)]


def test_destinations(fx):
    prov = rows(A.by_dimension("54", F.CUR, "dest_province_code"), "value", "persons")
    assert prov == {"51": 3, "54": 5}  # B, F, G in Sichuan; A, B (local first job), C, D, E inside
    scope = rows(A.by_dimension("5403", F.CUR, "dest_scope"), "value", "persons")
    assert scope == {"cross_prefecture": 2, "local": 3, "cross_province": 1, "cross_county": 1}


def test_week_to_week_changes(fx):
    s = A.changes("54", F.PREV, F.CUR).filter(pl.col("is_area")).to_dicts()[0]
    assert (s["new"], s["late"], s["ended"], s["changed"], s["removed"]) == (5, 1, 1, 1, 0)
    lst = A.changes_list("54", F.PREV, F.CUR)  # the previous week: from the precomputed diff
    assert lst.sort("record_id").equals(A.changes_list("54", F.PREV, F.CUR, raw=True).sort("record_id"))
    kinds = dict(lst.select("record_id", "kind").iter_rows())
    assert kinds == {"R3": "new", "R5": "new", "R6": "new", "R7": "new", "R10": "new", "R9": "late", "R4": "ended", "R1": "changed"}
    assert lst.filter(pl.col("record_id") == "R1")["fields"][0] == "industry"
    lh = A.changes("540329", F.PREV, F.CUR).filter(pl.col("is_area")).to_dicts()[0]
    assert (lh["new"], lh["ended"], lh["changed"]) == (3, 1, 1)  # R3, R5, R6 (D's duplicate belongs at home)


def test_records_filter_sort_page(fx):
    flt = RecordFilter(channel=["self_found"])
    assert A.records_count("54", F.CUR, Slice(), flt) == (3, 3)
    page = A.records("54", F.CUR, Slice(), flt, "income_yuan", "desc", 0, 50)
    assert page["record_id"].to_list() == ["R9", "R5", "R2"]
    assert A.records("54", F.CUR, Slice(), flt, "income_yuan", "desc", 1, 2)["record_id"].to_list() == ["R2"]
    assert "person_key" not in page.columns
    assert page["id_masked"].str.contains(r"^\d{6}\*{8}[0-9X]{4}$").all()


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (RecordFilter(), (6, 4)),  # everything counted in 洛隆县, incl. D's record reported by 卡若区
        (RecordFilter(county="540329"), (5, 4)),  # only what 洛隆县 itself reported
        (RecordFilter(organized=True), (3, 3)),
        (RecordFilter(income_min=5000, income_max=10_000), (3, 3)),
        (RecordFilter(start_from=dt.date(2026, 11, 14), start_to=dt.date(2026, 11, 30)), (3, 2)),
        (RecordFilter(ended=True), (2, 2)),
        (RecordFilter(id_masked="0003"), (0, 0)),
        (RecordFilter(poverty_alleviated=True), (1, 1)),
        (RecordFilter(dest_scope=["cross_province"], channel=["broker"]), (1, 1)),
        (RecordFilter(record_id="R1"), (1, 1)),
    ],
)
def test_records_filters(fx, flt, expected):
    assert A.records_count("540329", F.CUR, Slice(), flt) == expected


def test_sort_column_must_be_allowed(fx):
    import queries

    with pytest.raises(ValueError):
        queries.run(
            "records_page",
            idents={"sort": "record_id; drop table quotas", "direction": "asc"},
            path="x",
            area="54",
            channels=None,
            grp=None,
            limit=1,
            offset=0,
            **RecordFilter().params(),
        )


def test_analyst_numbers_agree_with_overview_on_generated_data(small_demo):
    day = dt.date(2026, 11, 20)
    d = dispatch.resolve_dates(day)
    for area in ("54", "5403", "540329", "540329100"):
        ov = (
            dispatch.measures(area, d)
            .filter(pl.col("snapshot_date") == day)
            .select("unit_code", "persons", "organized", "org_xprov", "org_xpref", "out_region", "income")
            .sort("unit_code")
        )
        raw = A.measures(area, day).select(ov.columns).sort("unit_code")
        assert raw.equals(ov), area
        g = A.groups(area, day).filter(pl.col("key_group") == "all_persons").select("unit_code", "persons").sort("unit_code")
        assert g.equals(ov.select("unit_code", "persons")), area
        b = A.bands(area, day).select("unit_code", "persons", "lt3", "m3to6", "ge6").sort("unit_code")
        assert b.select("unit_code", "persons").equals(ov.select("unit_code", "persons"))
        assert (b["lt3"] + b["m3to6"] + b["ge6"]).equals(b["persons"])
        hist = A.income_hist(area, day)
        assert hist["persons"].sum() == ov.filter(pl.col("unit_code") == area)["persons"][0]


def test_rollup_equals_raw_on_a_million_rows(tmp_path):
    """The per-village rollup and the raw records give identical numbers for every measure at every level."""
    import os

    import queries
    from tracker import demo_quotas, generate, hierarchy

    h = hierarchy.load()
    recs = generate.placements(h, demo_quotas.build_years(h, 2026), 2026, 1.75, current_year=2026)
    day = dt.date(2026, 11, 20)
    frame = generate.snapshot_frame(recs, day)
    assert frame.height >= 1_000_000
    quotas.frame([(2026, "54", "total", 1.0, dt.date(2026, 12, 31), "t", "issued")]).write_csv(tmp_path / "quotas.csv")
    generate.write_snapshot(frame, tmp_path, day)
    os.environ["TRACKER_DATA_DIR"] = str(tmp_path)
    queries.reset()
    try:
        d = dispatch.resolve_dates(day)
        for area in ("54", "5402", "540329", "540329100"):
            roll = dispatch.measures(area, d).drop("snapshot_date", "is_area").sort("unit_code")
            raw = A.measures(area, day).drop("is_area").sort("unit_code")
            assert raw.equals(roll.select(raw.columns)), area
            if area == "54":  # and both equal a plain polars count of distinct persons
                assert roll.filter(pl.col("unit_code") == "54")["persons"][0] == frame["person_key"].n_unique()
    finally:
        os.environ.pop("TRACKER_DATA_DIR")
        queries.reset()


@pytest.mark.parametrize(
    "dim",
    [
        "channel",
        "dest_scope",
        "dest_province_code",
        "dest_prefecture_code",
        "industry",
        "job_source",
        "education",
        "gender",
        "training_type",
    ],
)
def test_dimension_rollup_equals_raw(small_demo, dim):
    day = dt.date(2026, 11, 20)
    for area in ("54", "5403", "540329", "540329100"):
        cols = ["unit_code", "is_area", "value", "persons", "organized", "placements", "income"]
        fast = A.by_dimension(area, day, dim).select(cols).sort("unit_code", "value")
        raw = A.by_dimension(area, day, dim, raw=True).select(cols).sort("unit_code", "value")
        assert fast.equals(raw), (dim, area)


def test_group_band_and_histogram_rollups_equal_raw(small_demo):
    day = dt.date(2026, 11, 20)
    for area in ("54", "5403", "540329100"):
        s = ["unit_code", "key_group"]
        assert A.groups(area, day).sort(s).equals(A.groups(area, day, raw=True).sort(s)), area
        b = ["unit_code", "is_area", "persons", "lt3", "m3to6", "ge6", "income", "median_income"]
        assert A.bands(area, day).select(b).sort("unit_code").equals(A.bands(area, day, raw=True).select(b).sort("unit_code"))
        h1 = A.income_hist(area, day)
        h2 = A.income_hist(area, day, raw=True)
        assert h1.select("bin", "lower", "upper", "persons").equals(h2.select("bin", "lower", "upper", "persons")), area
        m1, m2 = A.measures(area, day).sort("unit_code"), A.measures(area, day, raw=True).sort("unit_code")
        assert m1.equals(m2.select(m1.columns)), area


def test_precomputed_week_diff_and_medians_equal_raw(small_demo):
    day, prev = dt.date(2026, 11, 20), dt.date(2026, 11, 13)
    for area in ("54", "5403", "540329100"):
        fast = A.changes(area, prev, day).sort("unit_code")
        raw = A.changes(area, prev, day, raw=True).sort("unit_code")
        assert fast.equals(raw), area
        lf = A.changes_list(area, prev, day, None, 100_000).sort("record_id")
        lr = A.changes_list(area, prev, day, None, 100_000, raw=True).sort("record_id")
        assert lf.equals(lr.select(lf.columns)), area
        b1 = A.bands(area, day).sort("unit_code")["median_income"]
        b2 = A.bands(area, day, raw=True).sort("unit_code")["median_income"]
        assert b1.equals(b2), area


@pytest.mark.parametrize("area", ["54", "5403", "540329", "540302"])
def test_a_pair_of_counties_shows_the_same_persons_at_every_level(fx, area):
    """D (洛隆县's person, a second placement reported by 卡若区) and E (卡若区's, reported again by 洛隆县): both
    counties see both persons, as their prefecture and the region do; Lhasa sees none."""
    got = A.dq_cross_county(area, F.CUR)
    assert got.to_dicts() == [{"county_a": "540302", "county_b": "540329", "persons": 2, "persons_all": 2}]
    assert A.dq_cross_county(area, F.CUR, raw=True).equals(got)


def test_no_pair_of_counties_outside_the_area(fx):
    assert A.dq_cross_county("5401", F.CUR).height == 0


def test_a_person_of_three_counties_is_in_each_pair_and_counted_once(tmp_path):
    """P reported by 城关区, 卡若区 and 洛隆县; Q by 卡若区 and 洛隆县 (from a home in 洛隆县); R by 洛隆县 alone."""
    import queries

    rows = [
        ("P", "540102", "540102001"),
        ("P", "540302", "540102001"),
        ("P", "540329", "540102001"),
        ("Q", "540302", "540329100"),
        ("Q", "540329", "540329100"),
        ("R", "540329", "540329100"),
    ]
    f = tmp_path / "cross.parquet"
    pl.DataFrame(rows, schema=["person_key", "county_code", "home_code"], orient="row").write_parquet(f)

    def pairs(area):
        return [tuple(r) for r in queries.run("dq_cross_county", path=str(f), area=area).rows()]

    every = [("540302", "540329", 2, 2), ("540102", "540302", 1, 2), ("540102", "540329", 1, 2)]
    assert pairs("54") == every and pairs("540329") == every and pairs("5403") == every
    # 拉萨市 has P only: all three of P's pairs, and one person
    assert pairs("5401") == [("540102", "540302", 1, 1), ("540102", "540329", 1, 1), ("540302", "540329", 1, 1)]
    assert pairs("5406") == []


def test_cross_county_file_equals_the_snapshot(small_demo):
    day = dt.date(2026, 11, 20)
    whole = A.dq_cross_county("54", day, raw=True)
    assert whole["persons"].sum() > 0  # the 2% demo has cross-county persons, or this would prove nothing
    for area in ("54", "5403", "540329", "5401"):
        assert A.dq_cross_county(area, day).equals(A.dq_cross_county(area, day, raw=True)), area


def test_unfiltered_record_counts_from_the_rollup_equal_raw(small_demo):
    day, sl, flt = dt.date(2026, 11, 20), A.Slice(), A.RecordFilter()
    for area in ("54", "5403", "540329", "540329100"):
        fast, raw = A.records_count(area, day, sl, flt), A.records_count(area, day, sl, flt, raw=True)
        assert fast == raw and fast[0] >= fast[1] > 0, area


def test_data_quality_counts_file_equals_the_snapshot(small_demo):
    day = dt.date(2026, 11, 20)  # checked against polars counting the snapshot's records directly
    recs = pl.read_parquet(queries.snapshot_file(day)).with_columns(own=pl.coalesce("village_code", "township_code"))
    for area in ("54", "5403", "540329", "540329100"):
        got = A.dq_units(area, day)
        r = recs.filter(pl.col("own").str.starts_with(area))
        n = len(area) if area != "54" else 2
        top = got.filter(pl.col("is_area")).row(0, named=True)
        assert top["records"] == r.height > 0
        assert top["no_village"] == r["village_code"].null_count()
        assert top["no_education"] == r["education"].null_count()
        assert top["bad_id"] == (~r["id_check_ok"]).sum()
        assert top["trained_no_type"] == (r["trained"] & r["training_type"].is_null()).sum()
        assert top["late_reports"] == ((r["reported_date"] - r["start_date"]).dt.total_days() > 28).sum()
        assert top["repeated"] == (~r["counted"]).sum()
        if area == "54":
            assert top["repeated"] > 0  # the demo's persons reported by a second county
        assert top["reported_7d"] == (r["reported_date"] > day - dt.timedelta(days=7)).sum()
        assert top["last_reported"] == r["reported_date"].max()
        kids = got.filter(~pl.col("is_area"))
        assert kids["records"].sum() == r.height and len(kids["unit_code"][0]) > n


@pytest.mark.parametrize("floor, factor", [(20_000, 10.0), (0, 1.0), (0, 1.5), (500, 0.2)])
def test_income_outliers_from_the_rate_file_equal_the_snapshot(small_demo, floor, factor):
    day = dt.date(2026, 11, 20)  # (0, 1.0): everything above the median itself, so the median must be exact
    for area in ("54", "5403", "540329", "540329100", "540329100001"):
        fast = A.dq_outliers(area, day, floor, factor, limit=100_000).sort("record_id")
        raw = A.dq_outliers(area, day, floor, factor, limit=100_000, raw=True).sort("record_id")
        assert fast.equals(raw), (area, floor, factor)
        if area == "54" and floor == 0:
            assert raw.height > 1000  # a real list, not two empty frames


@pytest.mark.parametrize(
    ("area", "metric", "records", "persons"),
    [
        ("54", "total", 9, 7),  # A 1, B 2, C 1, D 2, E 1 (its repeat R10 does not count), F 1, G 1
        ("54", "org_xprov", 2, 2),  # B's broker placement, F
        ("54", "org_xpref", 2, 2),  # A, E
        ("54", "out_region", 3, 3),  # B, F, G
        ("5403", "org_xprov", 1, 1),  # B
        ("540329", "total", 6, 4),  # A, B ×2, C, D ×2 (D's second placement, reported by 卡若区, counts at home)
        ("5401", "out_region", 2, 2),  # F, G
    ],
)
def test_a_card_number_opens_exactly_its_records(fx, area, metric, records, persons):
    """The card's number is a link to the records view with the metric's filter: the persons there equal the card."""
    from tracker import catalogue

    flt = RecordFilter(**catalogue.metric_records(metric))
    assert A.records_count(area, F.CUR, Slice(), flt) == (records, persons)
    d = dispatch.resolve_dates(F.CUR)
    card = dispatch.measures(area, d).filter((pl.col("snapshot_date") == F.CUR) & pl.col("is_area"))
    assert card[catalogue.METRICS[metric].num][0] == persons


def test_every_count_card_links_to_its_records_on_generated_data(small_demo):
    from tracker import catalogue

    day = dt.date(2026, 11, 20)
    d = dispatch.resolve_dates(day)
    linked = [k for k in catalogue.CARD_METRICS + ["organized", "trained"] if catalogue.metric_records(k) is not None]
    assert linked == ["total", "org_xprov", "org_xpref", "out_region", "organized", "trained"]
    for area in ("54", "5403", "540329", "540329100"):
        wk = dispatch.measures(area, d).filter((pl.col("snapshot_date") == day) & pl.col("is_area"))
        for k in linked:
            n = A.records_count(area, day, Slice(), RecordFilter(**catalogue.metric_records(k)))[1]
            assert n == wk[catalogue.METRICS[k].num][0], (area, k)
