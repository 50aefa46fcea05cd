"""SQL injection through every URL parameter and every records filter changes nothing: values are bound,
identifiers come from allow-lists, and the data files are untouched."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import queries
from tests.conftest import REPO
from tests.test_app import run as overview
from tracker.state import KEYS

ATTACKS = [
    "54' or '1'='1",
    "54; drop table records; --",
    "'); copy (select * from records) to '/tmp/pwned.csv'; --",
    "54%' --",
    "$area",
    "{{sort}}",
    "1 union select 1",
]
TEXT_FILTERS = ["prefecture", "county", "township", "village", "dest_province", "dest_prefecture", "record_id", "id_masked"]
SHORT = ["' or 1=1 --", "'; drop table x;--", "%' or '%'='", "\\'; select 1;--"]  # the inputs take 20 characters


def fingerprint(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "audit" not in p.parts
    }  # the log grows, rightly


def total_card(at: AppTest) -> str:
    return next(re.sub(r"<[^>]+>", "", m.value) for m in at.markdown if "data-metric='total'" in m.value)  # as read


@pytest.mark.parametrize("key", KEYS)
def test_url_parameters(fx, key):
    overview()  # a plain first run writes what the app writes anyway (the weekly series of a new data version)
    before = fingerprint(fx)
    for attack in ATTACKS:
        at = overview(**{key: attack})
        assert "7人" in total_card(at) and "任务 10人" in total_card(at), (key, attack)  # the region, unchanged
        assert at.query_params.get(key) != attack  # the address bar shows the cleaned view, not the input
    assert fingerprint(fx) == before
    assert not Path("/tmp/pwned.csv").exists()


def test_records_text_filters(fx):
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("app_pages/records.py")
    at.run()
    before = fingerprint(fx)  # after the plain runs: what the app writes anyway is not the filters' doing
    for f in TEXT_FILTERS:
        for attack in SHORT:
            at.text_input(key=f"rf_{f}").set_value(attack).run()
            assert not at.exception, (f, attack)
            assert any("共 **0** 条记录，涉及 **0** 人" in m.value for m in at.markdown), (f, attack)
        at.text_input(key=f"rf_{f}").set_value("").run()
    assert any("共 **10** 条记录，涉及 **7** 人" in m.value for m in at.markdown)
    assert fingerprint(fx) == before


def test_query_layer_binds_values_and_allow_lists_identifiers(fx):
    from tracker import analysis

    day = queries.snapshot_dates()[-1]
    sl = analysis.Slice((), None)
    for attack in ATTACKS:  # an area that starts like the region still only matches codes that start with it
        r = queries.run(
            "records_count", path=queries.snapshot_file(day), area=attack, channels=None, grp=None, **analysis.RecordFilter().params()
        )
        assert r.row(0) == (0, 0), attack
        assert analysis.records_count("54", day, sl, analysis.RecordFilter(record_id=attack)) == (0, 0)
    with pytest.raises(ValueError, match="not an allowed"):
        queries.run(
            "slice_counts",
            idents={"dim": "channel from records; drop table x; --"},
            path="x",
            area="54",
            channels=None,
            grp=None,
            child_len=4,
        )
    evil = analysis.records("54", day, sl, analysis.RecordFilter(), sort="record_id; drop table records")
    assert evil["record_id"].to_list() == sorted(f"R{i}" for i in range(1, 11))  # an unknown sort falls back to the ID
    assert analysis.records_count("54", day, sl, analysis.RecordFilter()) == (10, 7)
