"""Every table a page shows or lets download is for people: Chinese headers on a Chinese page (never a field name
such as unit_code), labels instead of codes, no None/NaN, one-decimal percentages, and a file name that says the
table, the area and the week (two areas' downloads never collide)."""

from __future__ import annotations

import re

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO
from tracker import exports, schema

PAGES = [
    "overview",
    "channels",
    "destinations",
    "industries",
    "groups",
    "duration_income",
    "changes",
    "quality",
    "quotas",
    "subsidies",
    "submissions",
    "reported",
    "records",
]
FIELD = re.compile(r"^[A-Za-z]+(_[A-Za-z0-9]+)+$|^[a-z]+$")  # an identifier: unit_code, name, persons
CODES = {v for c in schema.COLUMNS if c.enum for v in c.enum.values}


def _frames(at):
    for df in at.dataframe:
        v = df.value
        yield pl.from_pandas(v) if not isinstance(v, pl.DataFrame) else v


@pytest.fixture
def captured(fx, monkeypatch):
    import tracker.ui as ui

    seen = []
    orig = ui.download

    def rec(df, name, lang, key):
        seen.append((name, df, lang))
        return orig(df, name, lang, key)

    monkeypatch.setattr(ui, "download", rec)
    return seen


@pytest.mark.parametrize("area", ["54", "540329", "540329100"])
def test_every_table_is_for_people(captured, area):
    bad = []
    for page in PAGES:
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
        at.query_params["area"] = area
        at.run()
        at.switch_page(f"app_pages/{page}.py")
        at.run()
        assert not at.exception, (page, at.exception)
        for df in _frames(at):
            for c in df.columns:
                if FIELD.match(str(c)):
                    bad.append((page, "header", c))
            for c, t in df.schema.items():
                if t == pl.String:
                    vals = set(df[c].drop_nulls().to_list())
                    if vals & (CODES - {"other"}):
                        bad.append((page, "code", c, sorted(vals & CODES)[:3]))
                    if vals & {"None", "nan", "NaN"}:
                        bad.append((page, "None", c))
    assert captured, "no page offered a table download"
    for name, df, lang in captured:
        out = exports.for_people(df, lang)
        for c in out.columns:
            if FIELD.match(str(c)):
                bad.append(("download " + name, "header", c))
        for c, t in out.schema.items():
            if t.is_float():  # at most one decimal for a percentage or gap, two otherwise
                v = out[c].drop_nulls()
                if v.len() and ((v * 100 - (v * 100).round(0)).abs() > 1e-6).any():
                    bad.append(("download " + name, "decimals", c))
            if t == pl.String and set(out[c].drop_nulls().to_list()) & (CODES - {"other"}):
                bad.append(("download " + name, "code", c))
        stem = exports.file_name(name, lang, "洛隆县", __import__("datetime").date(2026, 11, 20))
        if not re.search(r"[\u4e00-\u9fff]", stem.split("_洛隆县_")[0]):
            bad.append(("file name", stem))
    assert bad == [], "\n".join(map(str, bad))


def test_for_people_by_hand():
    df = pl.DataFrame(
        {
            "unit_code": ["540329"],
            "name": ["洛隆县"],
            "actual": [4.0],
            "quota": [5.0],
            "completion": [0.8],
            "gap": [-8.7654321],
            "status": ["behind"],
            "industry": ["construction"],
        }
    )
    out = exports.for_people(df, "zh")
    assert out.columns == ["单位代码", "单位", "完成", "任务", "完成率%", "较序时(百分点)", "状态", "所属行业"]
    assert out.row(0) == ("540329", "洛隆县", 4, 5, 80.0, -8.8, "滞后序时", "建筑业")
    assert exports.file_name("org_xprov", "zh", "洛隆县", __import__("datetime").date(2026, 11, 20)) == ("有组织跨省转移_洛隆县_2026-11-20")
