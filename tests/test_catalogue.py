"""The catalogue: each concept declared once. Adding a key group is one declaration, and it shows up in the records
filter, the key-groups page, the bulletin's key-group table and its Excel export (the SQL is expanded from the
catalogue, the derived files are versioned by the expanded SQL)."""

from __future__ import annotations

import re

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

import queries
from tests import fixture as F
from tests.conftest import REPO
from tracker import catalogue
from tracker.catalogue import Group


@pytest.fixture
def with_new_group(tmp_path, monkeypatch):
    """A copy of the fixture and one more key group: 返乡创业人员, read here as the self-found placements (B, D, G)."""
    root = F.build(tmp_path / "d")
    new = Group("returned_entrepreneurs", "返乡创业人员", "Returned entrepreneurs", sql="channel = 'self_found'")
    monkeypatch.setattr(catalogue, "GROUP_LIST", [*catalogue.GROUP_LIST, new])  # the one declaration
    monkeypatch.setenv("TRACKER_DATA_DIR", str(root))
    queries.reset()
    yield root
    queries.reset()


def run(page: str | None = None, **params) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(f"app_pages/{page}.py")
        at.run()
    assert not at.exception, at.exception
    return at


def test_a_new_key_group_is_one_declaration(with_new_group, tmp_path):
    # the records view has its filter, and the filter works (R2, R5, R9: three self-found placements, three persons)
    at = run("records", f="returned_entrepreneurs:1")
    assert at.selectbox(key="rf_returned_entrepreneurs").label == "返乡创业人员"
    assert at.selectbox(key="rf_returned_entrepreneurs").value == "1"
    assert any("共 **3** 条记录，涉及 **3** 人" in m.value for m in at.markdown)
    # the key-groups page counts it (from the snapshot's dimension rollup, rebuilt: its SQL changed)
    at = run("groups")
    tab = at.dataframe[0].value.set_index("群体")
    assert tab.loc["返乡创业人员", "人数"] == 3
    # the analyst slice offers it
    assert "返乡创业人员" in at.sidebar.selectbox(key="w_grp").options
    # the bulletin's key-group table, and the same table in its Excel export
    from tracker import bulletin

    b = bulletin.build("54", F.CUR, "zh")
    groups = b.tables["重点群体"]
    assert groups.filter(pl.col("群体") == "返乡创业人员")["人数"].to_list() == [3]
    path = tmp_path / "bulletin.xlsx"
    path.write_bytes(bulletin.xlsx_bytes(b))
    sheet = pl.read_excel(path, sheet_name="重点群体")
    assert sheet.filter(pl.col("群体") == "返乡创业人员")["人数"].to_list() == [3]
    # and the expanded SQL, as `python -m queries show` prints it, has it
    assert "'returned_entrepreneurs'" in queries.catalogue()["rollup_dims"].sql


def test_no_sql_file_lists_what_the_catalogue_declares():
    """Column lists come from the catalogue: no .sql file names a key group, a band or a filter parameter by hand."""
    for p in sorted((REPO / "queries").glob("*.sql")):
        text = p.read_text(encoding="utf-8")
        for word in ["poverty_alleviated", "junior_plus", "'lt3'", "f_income_min", "'cross_province') as org_xprov"]:
            assert word not in text, (p.name, word)


def test_show_prints_the_expanded_sql(capsys):
    from queries.__main__ import main

    assert main(["show", "person_bands"]) == 0
    out = capsys.readouterr().out
    assert "{{@" not in out and "as lt3" in out and "as ge6" in out
    assert main(["show", "nope"]) == 2


def test_metrics_are_rebuilt_not_averaged():
    """A ratio is numerator ÷ denominator of the summed measures at every level, guarded against a zero."""
    m = catalogue.METRICS["org_share"]
    df = pl.DataFrame({"organized": [3, 0, 2], "persons": [4, 0, 2]})
    assert df.select(m.expr())[:, 0].to_list() == [0.75, None, 1.0]
    assert m.value({"organized": 5, "persons": 6}) == 5 / 6 and m.value({"organized": 0, "persons": 0}) is None


@pytest.mark.parametrize(
    "text, want",
    [
        ("channel:government,broker;organized:1", {"channel": ["government", "broker"], "organized": True}),
        ("income:20000-;start:2026-03-01..", {"income_min": 20000, "start_from": __import__("datetime").date(2026, 3, 1)}),
        ("channel:nope;county:540329;gender:F", {"county": "540329", "gender": ["F"]}),
        ("months:3-13", {"months_min": 3.0}),  # 13 months is not a month count: dropped
        ("id_masked:%27%3B%20drop", {"id_masked": "'; drop"}),  # any text, escaped in the URL, bound as a parameter
        ("x:y;;:", {}),
    ],
)
def test_record_filters_in_the_url_are_checked(text, want):
    assert catalogue.decode_filters(text) == want
    assert catalogue.decode_filters(catalogue.encode_filters(want)) == want


def test_every_filter_parameter_reaches_the_sql():
    params = queries.catalogue()["records_page"].params
    assert {p for p in catalogue.filter_params()} <= params
    assert not [p for p in params if p.startswith("f_") and p not in catalogue.filter_params()]
    assert re.search(r"f_per_month_min", queries.macros_sql())


@pytest.mark.parametrize(
    ("text", "lang", "words"),
    [
        ("organized:1;dest_scope:cross_province", "zh", "转移就业范围：跨省(区外)；是否有组织：是"),
        ("organized:0;income:20000-", "zh", "是否有组织：否；收入(元)：20000–"),
        ("start:2026-01-01..2026-06-30", "en", "Start date: 2026-01-01–2026-06-30"),
        ("", "zh", "无筛选"),
        ("nonsense:1;channel:not_a_channel", "zh", "无筛选"),  # what decode drops is not described either
    ],
)
def test_a_filter_in_words(text, lang, words):
    from tracker.catalogue import describe_filters

    assert describe_filters(text, lang) == words


def test_category_colours_never_mean_a_status():
    """Channel mixes, duration bands and destination bars use colours that no status uses."""
    from tracker.charts import PALETTE
    from tracker.i18n import STATUS

    assert not {c.upper() for c in PALETTE} & {v[2].upper() for v in STATUS.values()}
    assert len(set(PALETTE)) == len(PALETTE) >= 8
