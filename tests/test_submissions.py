"""County submissions: each file set replaces only its counties' rows for the week; a county that has not
submitted keeps last week's rows, carried forward and marked; counties one at a time = all together."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from tests.test_ingest import KEY
from tests.test_weekly_identity import W1, W2, line, write
from tracker import ingest, submissions

KARUO = dict(county="卡若区", town="城关镇", village="540302100001", pid_county="540302")


def lhorong(week: int) -> list[list[str]]:
    return [line(1), line(2, income=str(5000 + 1000 * week)), line(3)]


def karuo(week: int) -> list[list[str]]:
    return [line(11, **KARUO), line(12, **KARUO, income=str(4000 + 500 * week))]


def run(tmp_path, name, rows, day, **kw):
    return ingest.ingest([write(tmp_path / name, rows)], day, tmp_path / "data", user="县里", key=KEY, **kw)


def records(tmp_path, day) -> pl.DataFrame:
    return pl.read_parquet(tmp_path / "data" / "snapshots" / f"snapshot_date={day}" / "records.parquet")


def counties(tmp_path, day) -> dict:
    return json.loads((tmp_path / "data" / "snapshots" / f"snapshot_date={day}" / "manifest.json").read_text())["counties"]


def test_one_county_at_a_time_equals_all_together(tmp_path):
    one, both = tmp_path / "one", tmp_path / "both"
    one.mkdir(), both.mkdir()
    a = run(one, "洛隆县.csv", lhorong(1), W1)
    b = run(one, "卡若区.csv", karuo(1), W1)
    assert (a.accepted, b.accepted) == (3, 2)
    assert "本次替换的县区: 卡若区" in b.summary("zh")
    run(both, "全区.csv", lhorong(1) + karuo(1), W1)
    cols = [c for c in records(one, W1).columns if c != "reported_date"]
    assert records(one, W1).select(cols).sort("record_id").equals(records(both, W1).select(cols).sort("record_id"))
    assert {c: v["status"] for c, v in counties(one, W1).items()} == {"540302": "submitted", "540329": "submitted"}


def test_a_late_county_is_carried_forward_and_marked(tmp_path):
    run(tmp_path, "all.csv", lhorong(1) + karuo(1), W1)
    res = run(tmp_path, "洛隆县_1120.csv", lhorong(2), W2)  # 卡若区 has not sent its file yet
    df = records(tmp_path, W2)
    assert df.height == 5 and df.filter(pl.col("county_code") == "540302").height == 2  # not dropped to zero
    assert counties(tmp_path, W2)["540302"] == {"status": "carried", "from": W1.isoformat()}
    assert "数据沿用上周的县区: 卡若区" in res.summary("zh")
    # 卡若区 sends its file on Monday: it replaces the carried rows, 洛隆县's submission stays
    run(tmp_path, "卡若区_1120.csv", karuo(2), W2)
    df = records(tmp_path, W2)
    assert sorted(df.filter(pl.col("county_code") == "540302")["income_yuan"].to_list()) == [5_000, 8_000]
    assert sorted(df.filter(pl.col("county_code") == "540329")["income_yuan"].to_list()) == [7_000, 8_000, 8_000]
    assert {c: v["status"] for c, v in counties(tmp_path, W2).items()} == {"540302": "submitted", "540329": "submitted"}


def test_a_resubmission_replaces_only_its_county(tmp_path):
    run(tmp_path, "all.csv", lhorong(1) + karuo(1), W1)
    run(tmp_path, "洛隆县_更正.csv", lhorong(1)[:2], W1)  # 洛隆县 corrects its ledger: person 3 removed
    df = records(tmp_path, W1)
    assert df.filter(pl.col("county_code") == "540329").height == 2 and df.filter(pl.col("county_code") == "540302").height == 2


def test_replace_week_is_the_old_whole_week_behaviour(tmp_path):
    run(tmp_path, "all.csv", lhorong(1) + karuo(1), W1)
    run(tmp_path, "洛隆县.csv", lhorong(1), W1, replace_week=True)
    assert set(records(tmp_path, W1)["county_code"].to_list()) == {"540329"}


def test_counting_unit_over_the_whole_week():
    df = pl.DataFrame(
        {
            "person_key": [1, 1, 1, 2],
            "record_id": ["b", "a", "c", "d"],
            "village_code": ["540302100001", "540329100001", "540329100001", None],
            "township_code": ["540302100", "540329100", "540329100", "540329101"],
            "start_date": [dt.date(2026, 3, 1), dt.date(2026, 3, 1), dt.date(2026, 8, 1), dt.date(2026, 3, 1)],
            "reported_date": [dt.date(2026, 11, 1), dt.date(2026, 11, 8), dt.date(2026, 11, 8), dt.date(2026, 11, 1)],
        }
    )
    out = submissions.counting_units(df)
    assert out["record_id"].to_list() == ["b", "a", "c", "d"]  # the row order is kept
    assert out["home_code"].to_list() == ["540302100001"] * 3 + ["540329101"]  # the first-reported placement's village
    assert out["counted"].to_list() == [True, False, True, True]  # a: b's placement (same start) reported again


def test_history_and_rollback(tmp_path):
    run(tmp_path, "all.csv", lhorong(1) + karuo(1), W1)
    run(tmp_path, "洛隆县_错误.csv", [line(1, income="999999")], W1)  # a wrong file: 洛隆县 down to one row
    hist = submissions.history(tmp_path / "data", W1, "540329")
    assert [(s["seq"], s["status"], s["rows"]) for s in hist] == [(1, "superseded", 3), (2, "current", 1)]
    assert hist[1]["files"][0]["file"] == "洛隆县_错误.csv" and len(hist[1]["files"][0]["sha256"]) == 64
    assert (
        submissions.main(
            ["--data-dir", str(tmp_path / "data"), "rollback", "--week", W1.isoformat(), "--county", "540329", "--user", "admin"]
        )
        == 0
    )
    df = records(tmp_path, W1)
    assert sorted(df.filter(pl.col("county_code") == "540329")["income_yuan"].to_list()) == [6_000, 8_000, 8_000]
    assert df.filter(pl.col("county_code") == "540302").height == 2  # the other county untouched
    hist = submissions.history(tmp_path / "data", W1, "540329")
    assert [(s["seq"], s["status"]) for s in hist] == [(1, "current"), (2, "rolled_back")]
    assert counties(tmp_path, W1)["540329"]["rolled_back_by"] == "admin"
    # nothing earlier to go back to: a clear refusal, nothing changed
    assert submissions.main(["--data-dir", str(tmp_path / "data"), "rollback", "--week", W1.isoformat(), "--county", "540329"]) == 2
    assert records(tmp_path, W1).height == 5


def test_the_history_is_in_the_store_and_follows_a_moved_directory(tmp_path):
    import sqlite3

    run(tmp_path, "all.csv", lhorong(1) + karuo(1), W1)
    run(tmp_path, "洛隆县_更正.csv", lhorong(1)[:2], W1)
    assert not (tmp_path / "data" / "submissions" / "history.jsonl").exists()
    led = (tmp_path / "data" / "ledger.id").read_text().strip()
    db = sqlite3.connect(__import__("os").environ["TRACKER_STORE_URL"].removeprefix("sqlite:///"))
    kept = db.execute("select county, seq, event, rows from submission_events where ledger = ? order by id", (led,)).fetchall()
    assert kept == [("540302", 1, "submit", 2), ("540329", 1, "submit", 3), ("540329", 2, "submit", 2)]
    (tmp_path / "data").rename(tmp_path / "moved")  # a new mount point: the history comes along
    assert [(h["county"], h["seq"], h["status"]) for h in submissions.history(tmp_path / "moved", W1)] == [
        ("540302", 1, "current"),
        ("540329", 1, "superseded"),
        ("540329", 2, "current"),
    ]
    other = tmp_path / "other"
    other.mkdir()
    run(other, "洛隆县.csv", lhorong(1), W1)  # another ledger in the same store: its own history
    assert [(h["county"], h["seq"]) for h in submissions.history(other / "data", W1)] == [("540329", 1)]


def test_a_history_file_of_earlier_versions_is_imported_once(tmp_path, capsys):
    data = tmp_path / "data"
    (data / "submissions").mkdir(parents=True)
    old = [
        {"event": "submit", "week": W1.isoformat(), "county": "540329", "seq": 1, "time": "2026-11-20T10:00:00", "user": "县里"}
        | {"rows": 3, "persons": 3, "rejected": 0, "files": [{"file": "洛隆县.xlsx", "sha256": "0" * 64}], "report": None},
        {"event": "refused", "week": W1.isoformat(), "county": "540329", "seq": 2, "time": "2026-11-20T11:00:00", "user": "县里"}
        | {"rows": 0, "persons": 0, "rejected": 4, "files": [], "report": None},
    ]
    lines = [json.dumps(e) + "\n" for e in old] + [json.dumps(old[1] | {"user": "twice"}) + "\n", '{"event": "sub']
    (data / "submissions" / "history.jsonl").write_text("".join(lines), encoding="utf-8")  # a repeated number, a torn line
    hist = submissions.history(data, W1)
    assert [(h["seq"], h["status"], h["files"][0]["file"] if h["files"] else "") for h in hist] == [
        (1, "current", "洛隆县.xlsx"),
        (2, "refused", ""),
    ]
    assert "imported 2 submission events" in capsys.readouterr().err
    submissions._imported.clear()  # a new process
    assert len(submissions.history(data, W1)) == 2 and submissions.next_seq(data, W1, "540329") == 3


@pytest.mark.parametrize(
    "entry, n, due, want",
    [
        (None, 0, "2026-11-20T18:00", "missing"),
        ({"status": "carried", "from": "2026-11-13"}, 0, "2026-11-20T18:00", "carried"),
        ({"status": "submitted", "time": "2026-11-20T17:59:00"}, 1, "2026-11-20T18:00", "on_time"),
        ({"status": "submitted", "time": "2026-11-20T18:01:00"}, 1, "2026-11-20T18:00", "late"),
        ({"status": "submitted", "time": "2026-11-20T09:00:00"}, 2, "2026-11-20T18:00", "resubmitted"),
        ({"status": "submitted", "time": None}, 0, "2026-11-20T18:00", "no_record"),
    ],
)
def test_county_status(entry, n, due, want):
    assert submissions.county_status(entry, n, dt.datetime.fromisoformat(due)) == want


@pytest.mark.parametrize(
    "entry, n, want, counted_as",
    [
        (None, 0, "refused", "无本周数据"),  # no earlier week: the county has no data at all
        ({"status": "carried", "from": "2026-11-13"}, 0, "refused_carried", "沿用上周数据"),  # last week's data stands
        ({"status": "submitted", "time": "2026-11-20T09:00:00"}, 1, "on_time", "已报送"),  # a later bad file changes nothing
    ],
)
def test_a_refused_file_is_counted_by_where_the_countys_numbers_come_from(entry, n, want, counted_as):
    got = submissions.county_status(entry, n, dt.datetime.fromisoformat("2026-11-20T18:00"), refused=True)
    assert got == want
    assert [zh for (zh, _), keys in submissions.TALLY if got in keys] == [counted_as]


@pytest.mark.parametrize("setting, want", [("", "2026-11-20 18:00"), ("0 18:00", "2026-11-20 18:00"), ("3 12:00", "2026-11-23 12:00")])
def test_deadline(setting, want):
    assert f"{submissions.deadline(W2, setting):%Y-%m-%d %H:%M}" == want


def test_status_page(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    import queries
    from tests.conftest import REPO
    from tracker import hierarchy

    run(tmp_path, "all.csv", lhorong(1) + karuo(1), W1)
    run(tmp_path, "洛隆县_1120.csv", lhorong(2), W2)
    run(tmp_path, "洛隆县_1120_重报.csv", lhorong(2)[:2], W2)  # 洛隆县 sends again, one record fewer
    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TRACKER_SUBMISSION_DEADLINE", "3650 18:00")  # the test's submissions are all on time
    queries.reset()
    try:
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
        at.query_params["snap"] = W2.isoformat()
        at.run()  # the overview names the county whose numbers are last week's
        assert "本周数据沿用上周的县区：卡若区（沿用11月13日数据）" in [w.value for w in at.warning]
        at.switch_page("app_pages/submissions.py")
        at.run()
        assert not at.exception, at.exception
        m = {x.label: x.value for x in at.metric}
        n = hierarchy.load().of_level(3).height
        assert m == {"已报送": "1个县区", "迟报": "0个县区", "沿用上周数据": "1个县区", "无本周数据": f"{n - 2}个县区"}
        tab = at.dataframe[0].value.set_index("县区")
        assert tab.loc["洛隆县", "状态"] == "已重报" and tab.loc["洛隆县", "报送次数"] == 2
        # columns with gaps are shown as text, the way the cards write figures, "—" for nothing (never "None")
        assert tab.loc["洛隆县", "记录数"] == "2" and tab.loc["洛隆县", "记录数较上次"] == "−1"
        assert tab.loc["城关区", "记录数较上次"] == "—"
        assert tab.loc["卡若区", "状态"] == "未报送（沿用上周）" and tab.loc["卡若区", "沿用自"] == W1.isoformat()
        assert tab.loc["城关区", "状态"] == "未报送"
    finally:
        queries.reset()


def test_rollback_from_the_admin_page(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    import queries
    from tests.conftest import REPO

    run(tmp_path, "all.csv", lhorong(1) + karuo(1), W1)
    run(tmp_path, "洛隆县_错误.csv", [line(1, income="999999")], W1)
    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path / "data"))
    queries.reset()
    try:
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
        at.run()
        at.switch_page("app_pages/upload.py")
        at.run()
        at.date_input(key="up_date").set_value(W1).run()
        assert not at.exception, at.exception
        hist = at.dataframe[0].value
        assert list(zip(hist["县区"], hist["序号"], hist["状态"], strict=True)) == [
            ("卡若区", 1, "当前"),
            ("洛隆县", 1, "已被替换"),
            ("洛隆县", 2, "当前"),
        ]
        assert at.selectbox(key="rb_county").options == ["洛隆县"]  # only a county with two submissions
        at.button(key="rb_go").click().run()
        assert not at.exception, at.exception
        assert any("已回退：洛隆县第2次报送撤销，恢复第1次（3条）" in s.value for s in at.success)
        df = records(tmp_path, W1)
        assert sorted(df.filter(pl.col("county_code") == "540329")["income_yuan"].to_list()) == [6_000, 8_000, 8_000]
    finally:
        queries.reset()


def test_a_county_sends_only_its_own_county(tmp_path):
    """With the sender's scope (a county's staff), other counties' rows are refused and counted as the sender's:
    the other county's records, history and reports are untouched."""
    from tracker import rejects

    run(tmp_path, "all.csv", lhorong(1) + karuo(1), W1)
    bad = line(13, **KARUO)
    bad[0] = bad[0][:17] + ("0" if bad[0][17] != "0" else "1")  # a mistyped ID in the other county's row
    res = run(tmp_path, "洛隆县_1113.csv", lhorong(2) + [line(12, **KARUO, income="1")] + [bad], W1, scope="540329")
    assert (res.rows_in, res.accepted, res.rejected) == (5, 3, 2)
    assert res.by_reason == {"out_of_scope": 1, "id_check": 1}
    df = records(tmp_path, W1)
    assert sorted(df.filter(pl.col("county_code") == "540302")["income_yuan"].to_list()) == [4_500, 8_000]  # as before
    assert sorted(df.filter(pl.col("county_code") == "540329")["income_yuan"].to_list()) == [7_000, 8_000, 8_000]
    hist = submissions.history(tmp_path / "data", W1)
    assert [(s["county"], s["seq"], s["status"], s["rejected"]) for s in hist] == [
        ("540302", 1, "current", 0),
        ("540329", 1, "superseded", 0),
        ("540329", 2, "current", 2),
    ]
    rj, _ = rejects.load(tmp_path / "data" / hist[-1]["report"])
    assert sorted(rj["reason"].to_list()) == ["id_check", "out_of_scope"] and set(rj["county_code"]) == {"540329"}
    # the line of history keeps the county's rejected rows by reason (the quality page shows them)
    assert hist[-1]["reasons"] == {"id_check": 1, "out_of_scope": 1} and hist[0]["reasons"] is None


def test_a_countys_own_file_refused_whole_is_kept_as_refused(tmp_path):
    """洛隆县 sends its own file for week 2 with every row bad: nothing changes in the data, but the attempt is on
    record (报送被拒（沿用上周）, its reasons, its reject report), as when it is refused inside a larger run."""
    from tracker import rejects

    run(tmp_path, "all.csv", lhorong(1) + karuo(1), W1)
    run(tmp_path, "all.csv", lhorong(2) + karuo(2), W2)  # week 2 exists; 洛隆县 now sends again, all wrong
    before = records(tmp_path, W2)
    bad = [line(n) for n in (1, 2, 3)]
    for b in bad:
        b[0] = b[0][:17] + ("0" if b[0][17] != "0" else "1")  # a mistyped check digit in each
    res = run(tmp_path, "洛隆县_1120.csv", bad, W2, scope="540329")
    assert (res.rows_in, res.accepted, res.rejected) == (3, 0, 3)
    assert records(tmp_path, W2).equals(before)  # the data as it was
    hist = submissions.history(tmp_path / "data", W2, "540329")
    assert [(s["seq"], s["status"], s["rejected"], s["reasons"]) for s in hist] == [
        (1, "current", 0, None),
        (2, "refused", 3, {"id_check": 3}),
    ]
    rj, _ = rejects.load(tmp_path / "data" / hist[-1]["report"])
    assert rj.height == 3 and set(rj["reason"]) == {"id_check"}
    # a week whose county had sent before: its data stands, the page says submitted (the refusal is in the history)
    tab = submissions.week_table(["540329"], W2, tmp_path / "data", submissions.deadline(W2, "400 18:00"))
    assert tab["status"].to_list() == ["on_time"] and tab["rejected"].to_list() == [3]
    # a new week where 洛隆县's first file is refused whole: last week's data carried, said so
    res = run(tmp_path, "洛隆县_1127.csv", bad, W2 + dt.timedelta(days=7), scope="540329")
    assert res.accepted == 0
    tab = submissions.week_table(["540329"], W2 + dt.timedelta(days=7), tmp_path / "data", submissions.deadline(W2, "400 18:00"))
    assert tab["status"].to_list() == ["refused"]  # no week written yet: no carried data either


@pytest.mark.parametrize(
    "subs, want",
    [
        ([], {}),
        (  # the same bad rows sent again: the county's latest submission counts
            [
                {"county": "540329", "status": "superseded", "reasons": {"id_check": 2}},
                {"county": "540329", "status": "current", "reasons": {"id_check": 2, "months": 1}},
            ],
            {"id_check": 2, "months": 1},
        ),
        (  # a rolled-back submission does not stand; a refused one does; counties add up, most first
            [
                {"county": "540329", "status": "current", "reasons": {"months": 1}},
                {"county": "540329", "status": "rolled_back", "reasons": {"id_check": 9}},
                {"county": "540302", "status": "refused", "reasons": {"id_numeric": 3, "months": 1}},
                {"county": "540102", "status": "current", "reasons": None},
            ],
            {"id_numeric": 3, "months": 2},
        ),
    ],
)
def test_rejected_rows_by_reason(subs, want):
    got = submissions.rejected_by_reason(subs)
    assert got == want and list(got) == list(want)


def _quality(tmp_path, monkeypatch, area: str):
    from streamlit.testing.v1 import AppTest

    import queries
    from tests.conftest import REPO

    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path / "data"))
    queries.reset()
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.query_params.update(area=area, snap=W1.isoformat())
    at.run()
    at.switch_page("app_pages/quality.py")
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_quality_page_shows_an_area_its_own_counties_rejects(tmp_path, monkeypatch):
    import queries

    run(tmp_path, "all.csv", lhorong(1) + karuo(1), W1)
    bad = line(13)
    bad[0] = bad[0][:17] + ("0" if bad[0][17] != "0" else "1")  # a mistyped ID
    run(tmp_path, "洛隆县_1113.csv", lhorong(1) + [bad, bad], W1, scope="540329")
    try:
        at = _quality(tmp_path, monkeypatch, "540329100")  # a township of 洛隆县: its county's submissions
        by_reason = next(d.value for d in at.dataframe if "拒收原因" in d.value.columns)
        assert by_reason.to_dict("list") == {"拒收原因": ["身份证号校验位错误"], "拒收行数": [2]}  # the latest submission's
        tab = next(d.value for d in at.dataframe if "县区" in d.value.columns and "拒收原因" in d.value.columns)
        assert tab["县区"].tolist() == ["洛隆县", "洛隆县"] and tab["第几次报送"].tolist() == [2, 1]  # the latest first
        assert tab["接收行数"].tolist() == [3, 3] and tab["拒收行数"].tolist() == [2, 0]
        assert tab["拒收原因"].tolist() == ["身份证号校验位错误2行", "—"]
        assert "全区导入批次（管理员）" not in [m.value for m in at.markdown]  # region-wide runs: at the region only
        karuo_at = _quality(tmp_path, monkeypatch, "540302")  # another county sees only its own
        tab = next(d.value for d in karuo_at.dataframe if "县区" in d.value.columns and "拒收原因" in d.value.columns)
        assert tab["县区"].tolist() == ["卡若区"] and tab["拒收行数"].tolist() == [0]
        region = _quality(tmp_path, monkeypatch, "54")
        assert "##### 全区导入批次（管理员）" in [m.value for m in region.markdown]
    finally:
        queries.reset()
