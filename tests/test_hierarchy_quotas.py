"""The real hierarchy and the quota table: published figures exact, decompositions consistent."""

from __future__ import annotations

import polars as pl
import pytest

from tracker import demo_quotas, hierarchy


@pytest.fixture(scope="module")
def h():
    return hierarchy.load()


@pytest.fixture(scope="module")
def q(h):
    return demo_quotas.build_years(h, 2026)


def test_lhorong_and_its_townships(h):
    assert h.name("540329") == "洛隆县"
    towns = h.children("540329")
    assert len(towns) == 11 and towns[0] == "540329100" and h.name("540329100") == "孜托镇"


def test_unit_counts_of_tibet(h):
    counts = h.units.group_by("level").len().sort("level")["len"].to_list()
    assert counts == [1, 7, 78, 705, 5580]


def test_every_code_starts_with_its_parent(h):
    bad = h.units.filter((pl.col("level") > 1) & ~pl.col("code").str.starts_with(pl.col("parent_code")))
    assert bad.height == 0


def test_english_names(h):
    assert [h.name(c, "en") for c in ("5401", "5402", "5403", "5404", "5405", "5406", "5425")] == [
        "Lhasa",
        "Shigatse",
        "Chamdo",
        "Nyingchi",
        "Shannan",
        "Nagqu",
        "Ngari",
    ]
    assert h.name("540329", "en") == "Luolong County"


def test_national_destinations(h):
    assert h.name("51") == "四川省" and h.name("1101") == "北京市" and h.name("5101") == "成都市"


def target(q, year, unit, metric):
    r = q.filter((pl.col("year") == year) & (pl.col("unit_code") == unit) & (pl.col("metric") == metric))
    assert r.height == 1, (unit, metric)
    return r["target"][0]


@pytest.mark.parametrize(
    ("pref", "xprov", "xpref"),
    [
        ("5401", 1000, 5000),
        ("5402", 1400, 20000),
        ("5405", 800, 16000),
        ("5404", 500, 3000),
        ("5403", 800, 6200),
        ("5406", 400, 4000),
        ("5425", 100, 800),
    ],
)
def test_seed000_prefecture_quotas_exact(q, pref, xprov, xpref):
    assert target(q, 2026, pref, "org_xprov") == xprov
    assert target(q, 2026, pref, "org_xpref") == xpref


def test_seed000_region_totals(q):
    assert target(q, 2026, "54", "org_xprov") == 5000 and target(q, 2026, "54", "org_xpref") == 55000


@pytest.mark.parametrize(
    ("metric", "value"),
    [
        ("total", 11050),
        ("org_share", 0.60),
        ("out_region", 90),
        ("training", 1505),
        ("training_directed_share", 0.35),
        ("src_industry", 5850),
        ("src_project", 3100),
        ("src_flexible", 2100),
    ],
)
def test_seed001_lhorong_targets_exact(q, metric, value):
    assert target(q, 2026, "540329", metric) == value


@pytest.mark.parametrize("year", [2025, 2026])
@pytest.mark.parametrize("metric", ["total", "org_xprov", "org_xpref", "out_region", "income"])
def test_children_sum_to_parents(q, year, metric):
    y = q.filter((pl.col("year") == year) & (pl.col("metric") == metric))
    val = dict(y.select("unit_code", "target").iter_rows())
    for plen, clen in ((2, 4), (4, 6), (6, 9)):
        for p in [c for c in val if len(c) == plen]:
            kids = [v for c, v in val.items() if len(c) == clen and c.startswith(p)]
            assert sum(kids) == pytest.approx(val[p]), (p, metric)


def test_every_county_and_township_has_quotas(q, h):
    units = set(q.filter((pl.col("year") == 2026) & (pl.col("metric") == "total"))["unit_code"].to_list())
    assert set(h.of_level(3)["code"].to_list()) <= units
    assert set(h.of_level(4)["code"].to_list()) <= units


def test_demo_values_are_marked(q):
    """Every figure says where it comes from; the seeds' own figures stay under their documents' years."""
    notes = q.filter((pl.col("year") == 2026) & (pl.col("unit_code") == "540102") & (pl.col("metric") == "total"))
    assert "演示" in notes["source_note"][0] and notes["source"][0] == "demo"
    lh = q.filter((pl.col("year") == 2026) & (pl.col("unit_code") == "540329") & (pl.col("metric") == "total"))
    assert lh["source_note"][0] == "演示值：沿用洛隆县2022年农牧民转移就业实施方案已公布任务" and lh["source"][0] == "demo"
    pub = q.filter(pl.col("source") == "published")
    assert set(pub["year"].to_list()) == {2020, 2022}
    assert pub.filter((pl.col("year") == 2020) & (pl.col("unit_code") == "54"))["target"].sort().to_list() == [5000, 55000]
    assert pub.filter(pl.col("year") == 2022).filter(pl.col("metric") == "total")["target"].to_list() == [11050]


def test_committed_quota_file_matches_the_builder(q):
    from tracker import settings

    committed = pl.read_csv(settings.REPO / "data" / "quotas.csv", schema=q.schema)
    assert committed.sort("year", "unit_code", "metric").equals(q)


@pytest.mark.parametrize(
    "note, lang, shown",
    [
        (demo_quotas.FROM001, "zh", "演示值：沿用洛隆县2022年农牧民转移就业实施方案已公布任务"),
        # data generated before the notes named their documents reads the same
        ("演示值：沿用种子000（西藏自治区2020年方案）已公布任务", "zh", demo_quotas.FROM000),
        (demo_quotas.FROM001, "en", "demo value: the published quotas of Luolong County's 2022 transfer employment plan"),
        (demo_quotas.DEMO, "en", "demo value: split down by weights"),
        ("地区行署2026年1号文件", "en", "地区行署2026年1号文件"),  # an office's own note, as written
        (None, "zh", ""),
    ],
)
def test_a_quota_note_names_its_document(note, lang, shown):
    assert demo_quotas.note_text(note, lang) == shown
    assert "种子" not in demo_quotas.note_text(note, lang) and "seed" not in demo_quotas.note_text(note, lang)
