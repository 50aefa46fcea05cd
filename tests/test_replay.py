"""A week-by-week replay: three counties over four weeks, their files arriving in a scrambled order (a later week
before an earlier one, a late county, a wrong file rolled back, a correction of the first week after the fourth),
with file names that change every week and no record ids. After every step each week holds exactly what the
counties have sent (or carried); at the end the overview, the week-to-week page and the submission view show
the hand-computed numbers below. Rows in = accepted + rejected at every step."""

from __future__ import annotations

import datetime as dt
import json
import os

import polars as pl
import pytest

import queries
from tests.conftest import REPO, mark_input
from tests.test_ingest import HEAD, KEY, good_id
from tracker import analysis, dispatch, ingest, submissions

W1, W2, W3, W4 = (dt.date(2026, 11, 6), dt.date(2026, 11, 13), dt.date(2026, 11, 20), dt.date(2026, 11, 27))
A, B, C = "540329", "540302", "540102"  # 洛隆县, 卡若区, 城关区
PLACE = {A: ("洛隆县", "孜托镇", "540329100001"), B: ("卡若区", "城关镇", "540302100001"), C: ("城关区", "八廓街道", "540102002001")}
PERSON = {"a1": (A, 1), "a2": (A, 2), "a3": (A, 3), "b1": (B, 1), "b2": (B, 2), "c1": (C, 1), "c2": (C, 2)}
CHANNEL = {"a1": "政府组织", "a2": "劳务经纪人", "a3": "自主就业", "b1": "劳务经纪人", "b2": "自主就业", "c1": "政府组织", "c2": "企业直招"}
DEST = {"a1": "四川省成都市", "a2": "拉萨市", "a3": "昌都市", "b1": "四川省成都市", "b2": "拉萨市", "c1": "山南市", "c2": "拉萨市"}


def row(p: str, income: int, channel: str | None = None, dest: str | None = None, bad_id: bool = False) -> list[str]:
    county, n = PERSON[p]
    name, town, village = PLACE[county]
    pid = good_id(n, county)
    if bad_id:
        pid = pid[:17] + ("0" if pid[17] != "0" else "1")
    return [pid, name, town, village, channel or CHANNEL[p], dest or DEST[p], "2026/3/1", "8", str(income)]


def send(tmp_path, name: str, rows: list[list[str]], week: dt.date, when: str) -> ingest.Result:
    f = tmp_path / "in" / name
    f.parent.mkdir(exist_ok=True)
    f.write_text("\n".join(",".join(r) for r in [HEAD, *reversed(rows)]), encoding="utf-8")  # another row order each time
    mark_input(f)
    res = ingest.ingest([f], week, tmp_path / "data", user="县里", key=KEY, when=dt.datetime.fromisoformat(when))
    assert res.rows_in == res.accepted + res.rejected and res.exit_code in (0, 1), res.summary("zh")
    return res


def state(tmp_path, week: dt.date) -> dict[str, dict[str, int]]:
    """Per county, person -> income, as the week's snapshot holds it."""
    df = pl.read_parquet(tmp_path / "data" / "snapshots" / f"snapshot_date={week}" / "records.parquet")
    who = {good_id(n, c): p for p, (c, n) in PERSON.items()}
    masked = {k[:6] + "********" + k[-4:]: v for k, v in who.items()}
    out: dict[str, dict[str, int]] = {}
    for county, idm, income in df.select("county_code", "id_masked", "income_yuan").iter_rows():
        out.setdefault(county, {})[masked[idm]] = income
    return out


def statuses(tmp_path, week: dt.date) -> dict[str, str]:
    m = json.loads((tmp_path / "data" / "snapshots" / f"snapshot_date={week}" / "manifest.json").read_text())
    return {c: v["status"] + (f" {v['from']}" if v.get("from") else "") for c, v in m["counties"].items()}


@pytest.fixture(scope="module")
def replay(tmp_path_factory):
    """Every step of the replay, with the state of each week checked right after it."""
    tmp = tmp_path_factory.mktemp("replay")
    r = send(
        tmp,
        "全区台账_1106.csv",
        [row("a1", 8000), row("a2", 6000), row("b1", 5000), row("c1", 7000), row("b2", 1, bad_id=True)],
        W1,
        "2026-11-06T10:00",
    )
    assert (r.rows_in, r.accepted, r.rejected) == (5, 4, 1)
    assert state(tmp, W1) == {A: {"a1": 8000, "a2": 6000}, B: {"b1": 5000}, C: {"c1": 7000}}

    # week 3 arrives before week 2: the counties that have not sent week 3 carry week 1
    send(tmp, "卡若区1120报送.csv", [row("b1", 6000), row("b2", 4000)], W3, "2026-11-20T09:00")
    assert state(tmp, W3) == {A: {"a1": 8000, "a2": 6000}, B: {"b1": 6000, "b2": 4000}, C: {"c1": 7000}}
    assert statuses(tmp, W3) == {A: f"carried {W1}", B: "submitted", C: f"carried {W1}"}

    # week 2 of 洛隆县: week 3 now carries 洛隆县's and 城关区's week 2 (城关区 itself carried from week 1)
    r = send(tmp, "洛隆县_1113.csv", [row("a1", 8500), row("a2", 6500), row("a3", 3000)], W2, "2026-11-13T10:00")
    assert state(tmp, W2) == {A: {"a1": 8500, "a2": 6500, "a3": 3000}, B: {"b1": 5000}, C: {"c1": 7000}}
    assert state(tmp, W3) == {A: {"a1": 8500, "a2": 6500, "a3": 3000}, B: {"b1": 6000, "b2": 4000}, C: {"c1": 7000}}
    assert statuses(tmp, W3) == {A: f"carried {W2}", B: "submitted", C: f"carried {W2}"}
    assert any(W3.isoformat() in n["zh"] for n in r.notes)

    send(tmp, "洛隆县_1120.csv", [row("a1", 9000), row("a2", 7000), row("a3", 3500)], W3, "2026-11-20T10:00")
    # 城关区's week 2 comes on Monday (late); week 3 carries it
    send(tmp, "城关区_1113_迟报.csv", [row("c1", 7500), row("c2", 2000)], W2, "2026-11-16T10:00")
    assert state(tmp, W2)[C] == {"c1": 7500, "c2": 2000} and state(tmp, W3)[C] == {"c1": 7500, "c2": 2000}
    assert state(tmp, W3)[A] == {"a1": 9000, "a2": 7000, "a3": 3500}

    # 洛隆县 sends a wrong file for week 3 (one person), and an administrator rolls it back
    send(tmp, "洛隆县_1120_v2.csv", [row("a1", 9100)], W3, "2026-11-20T11:00")
    assert state(tmp, W3)[A] == {"a1": 9100} and state(tmp, W3)[B] == {"b1": 6000, "b2": 4000}
    assert submissions.main(["--data-dir", str(tmp / "data"), "rollback", "--week", W3.isoformat(), "--county", A, "--user", "admin"]) == 0
    assert state(tmp, W3) == {A: {"a1": 9000, "a2": 7000, "a3": 3500}, B: {"b1": 6000, "b2": 4000}, C: {"c1": 7500, "c2": 2000}}

    # week 4: one file for two counties (a2 gone, a3 now through a broker, b1's destination corrected), one bad row;
    # 城关区 sends nothing
    r = send(
        tmp,
        "第48周_洛隆县卡若区.csv",
        [
            row("a1", 9500),
            row("a3", 4000, channel="劳务经纪人"),
            row("b1", 6500, dest="重庆市"),
            row("b2", 4500),
            row("c2", 2500)[:7] + ["13", "2500"],
        ],
        W4,
        "2026-11-27T16:00",
    )
    assert (r.rows_in, r.accepted, r.rejected, r.by_reason) == (5, 4, 1, {"months": 1})
    assert state(tmp, W4) == {A: {"a1": 9500, "a3": 4000}, B: {"b1": 6500, "b2": 4500}, C: {"c1": 7500, "c2": 2000}}
    assert statuses(tmp, W4) == {A: "submitted", B: "submitted", C: f"carried {W3}"}

    # 卡若区 and 城关区 correct their week 1 after week 4: week 2 carries 卡若区, so it follows; week 3 has its own
    # file. 城关区 sent week 2 itself: its week-2 diff now shows c1's destination as restated.
    send(tmp, "卡若区_1106_更正.csv", [row("b1", 5200)], W1, "2026-11-30T09:00")
    send(tmp, "城关区_1106_更正.csv", [row("c1", 7000, dest="拉萨市")], W1, "2026-11-30T09:30")
    assert state(tmp, W1) == {A: {"a1": 8000, "a2": 6000}, B: {"b1": 5200}, C: {"c1": 7000}}
    assert state(tmp, W2) == {A: {"a1": 8500, "a2": 6500, "a3": 3000}, B: {"b1": 5200}, C: {"c1": 7500, "c2": 2000}}
    assert state(tmp, W3)[B] == {"b1": 6000, "b2": 4000}
    return tmp / "data"


@pytest.fixture
def use(replay):
    os.environ["TRACKER_DATA_DIR"] = str(replay)
    queries.reset()
    yield replay
    os.environ.pop("TRACKER_DATA_DIR", None)
    queries.reset()


@pytest.mark.parametrize(
    "week, persons, organized, income", [(W1, 4, 4, 26_200), (W2, 6, 4, 32_700), (W3, 7, 4, 39_000), (W4, 6, 4, 34_000)]
)
def test_every_week_counts_what_the_counties_sent(use, week, persons, organized, income):
    row = dispatch.measures("54", dispatch.resolve_dates(week)).filter((pl.col("snapshot_date") == week) & pl.col("is_area")).to_dicts()[0]
    assert (row["persons"], row["organized"], row["income"]) == (persons, organized, income)


def test_week_to_week_counts(use):
    c = analysis.changes("54", W3, W4).filter(pl.col("is_area")).to_dicts()[0]
    assert (c["new"], c["late"], c["ended"], c["changed"], c["removed"]) == (0, 0, 0, 2, 1)
    changed = analysis.changes_list("54", W3, W4, "changed").sort("id_masked")
    assert [set(f.split(", ")) for f in changed["fields"]] == [{"destination"}, {"channel", "organized"}]
    # week 2's diff was rebuilt when week 1 was corrected: 卡若区's b1 is carried (no change), 城关区's c1 differs
    c2 = analysis.changes("54", W1, W2).filter(pl.col("is_area")).to_dicts()[0]
    assert (c2["new"], c2["late"], c2["changed"], c2["removed"]) == (0, 2, 1, 0)  # a3, c2 (started in March: late)
    changed = analysis.changes_list("54", W1, W2, "changed")
    assert changed["id_masked"].to_list() == [good_id(1, C)[:6] + "********" + good_id(1, C)[-4:]]
    assert set(changed["fields"][0].split(", ")) == {"dest_scope", "destination"}


def test_overview_and_submission_view(use, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.test_app import card

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.query_params["snap"] = W4.isoformat()
    at.run()
    assert not at.exception, at.exception
    total = card(at, "total")
    assert "6人" in total and "本周净增 −1人" in total  # a2 removed: the net change in persons
    assert "3.4万元" in card(at, "income") and "66.7%" in card(at, "org_share")
    # 城关区's one row in week 4's file was rejected: its file counts as refused, and week 3's data stands
    assert "本周数据沿用上周的县区：城关区（报送被拒，沿用11月20日数据）" in [w.value for w in at.warning]
    at.switch_page("app_pages/submissions.py")
    at.query_params["snap"] = W2.isoformat()
    at.run()
    assert not at.exception, at.exception
    tab = at.dataframe[0].value.set_index("县区")
    assert tab.loc["洛隆县", "状态"] == "按时报送" and tab.loc["城关区", "状态"] == "迟报"
    assert tab.loc["卡若区", "状态"] == "未报送（沿用上周）" and tab.loc["卡若区", "沿用自"] == W1.isoformat()
    hist = submissions.history(use, W3, A)
    assert [(s["seq"], s["status"]) for s in hist] == [(1, "current"), (2, "rolled_back")]
    # week 4 on the submissions page: 城关区 refused, counted with the carried (as the overview's line said)
    at.query_params["snap"] = W4.isoformat()
    at.run()
    assert not at.exception, at.exception
    tab = at.dataframe[0].value.set_index("县区")
    assert tab.loc["城关区", "状态"] == "报送被拒（沿用上周）" and tab.loc["城关区", "沿用自"] == W3.isoformat()
    counts = {m.label: m.value for m in at.metric}
    assert counts == {"已报送": "2个县区", "迟报": "0个县区", "沿用上周数据": "1个县区", "无本周数据": "75个县区"}  # of 78
    assert not [i for i in at.info if "整周载入" in i.value]  # the week came county by county
