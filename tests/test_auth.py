"""Logins, roles and area scopes: the users file, throttling, sessions, the audit trail, the query layer's
scope check, and per role in the app (AppTest with real sessions and injected SSO users) on the fixture."""

from __future__ import annotations

import json
import os
import re
import stat

import pytest
from streamlit.testing.v1 import AppTest

import queries
from tests.conftest import REPO
from tracker import audit, auth, users

PW = "correct-horse-1"
ACCOUNTS = [  # username, role, area
    ("lhorong", "staff", "540329"),  # 洛隆县: persons 4 (A, B, C, D)
    ("chamdo", "analyst", "5403"),  # 昌都市: persons 5
    ("boss", "leader", "54"),
    ("root", "admin", "54"),
]
OTHER_COUNTIES = ["卡若区", "城关区"]  # never named on a 洛隆县 user's screens


@pytest.fixture
def accounts(fx, tmp_path, monkeypatch):
    """The fixture data with login required and four accounts (argon2 hashes in a temporary users file)."""
    monkeypatch.setenv("TRACKER_DEMO", "0")
    monkeypatch.setenv("TRACKER_USERS_FILE", str(tmp_path / "users.json"))
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'state.db'}")
    monkeypatch.setenv("TRACKER_AUDIT_FILE", str(tmp_path / "audit.jsonl"))
    for name, role, area in ACCOUNTS:
        auth.add_user(name, PW, role, area, name.title(), oidc=(f"{name}@xz.gov.cn",))
    auth.THROTTLE.clear()
    return tmp_path


# --- users file, passwords, throttling, sessions ------------------------------------------------------


def test_the_store_holds_salted_hashes_only(accounts):
    import sqlite3

    db = accounts / "state.db"
    rows = sqlite3.connect(db).execute("select username, hash from users order by username").fetchall()
    assert PW.encode() not in db.read_bytes()
    assert [r[0] for r in rows] == ["boss", "chamdo", "lhorong", "root"]
    assert all(r[1].startswith("$argon2id$") for r in rows)
    assert len({r[1] for r in rows}) == 4  # same password, different salts
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
    assert not (accounts / "users.json").exists()  # the store is the only copy


def test_an_existing_users_file_is_imported_once(tmp_path, monkeypatch):
    """An users.json of earlier versions becomes the store's accounts at the first start, and only then."""
    from tracker import store

    monkeypatch.setenv("TRACKER_DEMO", "0")
    monkeypatch.setenv("TRACKER_USERS_FILE", str(tmp_path / "users.json"))
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'state.db'}")
    monkeypatch.setenv("TRACKER_AUDIT_FILE", str(tmp_path / "audit.jsonl"))
    old = {"username": "zhuoma", "role": "staff", "area": "540329", "name": "卓玛", "disabled": False, "oidc": ["z@xz.gov.cn"]}
    rows = [old | {"hash": auth.hash_password(PW)}, old | {"username": "gone", "disabled": True, "oidc": [], "hash": ""}]
    (tmp_path / "users.json").write_text(json.dumps({"users": rows}), encoding="utf-8")
    store.reset()
    assert auth.login("zhuoma", PW).area == "540329"
    assert auth.load_users()["gone"].disabled and auth.load_users()["zhuoma"].oidc == ("z@xz.gov.cn",)
    auth.update_user("zhuoma", area="540302")
    store.reset()  # a restart: the file is not read again
    assert auth.get_user("zhuoma").area == "540302"


@pytest.mark.parametrize(
    "name, pw, role, area, msg",
    [
        ("x y", PW, "staff", "540329", "username"),
        ("new", PW, "king", "540329", "role"),
        ("new", PW, "staff", "549999", "unknown area"),
        ("new", "short", "staff", "540329", "8 characters"),
        ("lhorong", PW, "staff", "540329", "exists"),
    ],
)
def test_add_user_refuses_bad_input(accounts, name, pw, role, area, msg):
    with pytest.raises(ValueError, match=msg):
        auth.add_user(name, pw, role, area)
    assert len(auth.load_users()) == 4


def test_login_right_and_wrong(accounts):
    u = auth.login("lhorong", PW)
    assert (u.username, u.role, u.area) == ("lhorong", "staff", "540329")
    for name, pw in [("lhorong", "wrong-password"), ("nobody", PW)]:
        with pytest.raises(auth.LoginError) as e:
            auth.login(name, pw)
        assert e.value.zh == "用户名或密码错误，或账号已停用。"  # the same for a wrong name and a wrong password
    auth.update_user("lhorong", disabled=True)
    with pytest.raises(auth.LoginError):
        auth.login("lhorong", PW)
    acts = [(r["who"], r["action"]) for r in audit.read()]
    assert acts == [("lhorong", "login"), ("lhorong", "login_failed"), ("nobody", "login_failed"), ("lhorong", "login_failed")]


def test_throttle_locks_a_name_after_five_failures(accounts):
    t0 = 1_000_000.0
    for i in range(5):
        with pytest.raises(auth.LoginError, match="Wrong"):
            auth.login("chamdo", "bad", now=t0 + i)
    with pytest.raises(auth.LoginError) as e:  # even the right password is refused while locked
        auth.login("chamdo", PW, now=t0 + 10)
    assert e.value.zh == "尝试次数过多，请15分钟后再试。"
    assert auth.login("boss", PW, now=t0 + 10).username == "boss"  # other names are not affected
    assert auth.login("chamdo", PW, now=t0 + 4 + 15 * 60).username == "chamdo"  # the window has passed
    assert [r["action"] for r in audit.read()].count("login_locked") == 1


def test_sessions_expire_when_idle_and_in_any_case(accounts):
    s = auth.Sessions()
    tok = s.create("lhorong", now=0)
    assert s.get(tok, now=29 * 60) == ("lhorong", False)  # 29 min idle: alive, and touched
    assert s.get(tok, now=58 * 60) == ("lhorong", False)
    assert s.get(tok, now=89 * 60) == (None, True)  # 31 min idle: expired
    assert s.get(tok, now=90 * 60) == (None, False)  # gone
    tok = s.create("lhorong", now=0)
    for m in range(25, 12 * 60, 25):
        assert s.get(tok, now=m * 60)[0] == "lhorong"
    assert s.get(tok, now=12 * 3600 + 1) == (None, True)  # 12 h at most, however active
    s.end(tok)
    assert s.get("made-up-token") == (None, False)


def test_resolve_demo_sso_and_local(accounts, monkeypatch):
    tok = auth.SESSIONS.create("chamdo")
    assert auth.resolve(tok, None)[0].area == "5403"
    u, notice = auth.resolve(None, {"is_logged_in": True, "email": "lhorong@xz.gov.cn", "sub": "x1"})
    assert (u.username, u.area, u.source, notice) == ("lhorong", "540329", "oidc", None)
    assert auth.resolve(None, {"is_logged_in": True, "email": "someone@else.cn"}) == (None, "sso_unmapped")
    auth.update_user("chamdo", disabled=True)  # takes effect at the next click
    assert auth.resolve(tok, None) == (None, "account_disabled")
    monkeypatch.setenv("TRACKER_DEMO", "1")
    assert auth.resolve(None, None)[0] == auth.DEMO_USER


def test_users_command(accounts, monkeypatch, capsys):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("first-pass-123\n"))
    assert users.main(["add", "zhuoma", "--role", "staff", "--area", "540302", "--name", "卓玛", "--password-stdin"]) == 0
    assert auth.login("zhuoma", "first-pass-123").area == "540302"
    monkeypatch.setattr("sys.stdin", io.StringIO("second-pass-456\n"))
    assert users.main(["reset", "zhuoma", "--password-stdin"]) == 0
    with pytest.raises(auth.LoginError):
        auth.login("zhuoma", "first-pass-123")
    assert auth.login("zhuoma", "second-pass-456").username == "zhuoma"
    assert users.main(["set", "zhuoma", "--area", "5403", "--oidc", "zm@xz.gov.cn"]) == 0
    assert users.main(["disable", "zhuoma"]) == 0
    assert users.main(["add", "bad", "--role", "staff", "--area", "99", "--no-password"]) == 2
    capsys.readouterr()
    assert users.main(["list"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("zhuoma"))
    assert line.split("\t") == ["zhuoma", "staff", "5403", "卓玛", "disabled", "zm@xz.gov.cn"]
    acts = [r["action"] for r in audit.read() if r["who"].startswith("cli:")]
    assert acts == ["user_add", "user_reset", "user_set", "user_disable"]


def test_audit_chain_detects_edits_and_masks_ids(accounts):
    from tests.fixture import fixture_id

    audit.log("a", "export", "540329", "x.csv")
    audit.log("b", "view_records", "540329", f"filter id {fixture_id(1)}")
    audit.log("c", "logout", "54")
    assert audit.verify() is None
    from tests.test_audit_chain import put, raw_lines

    assert all(fixture_id(1).encode() not in x for x in raw_lines())
    assert audit.read()[1]["detail"] == f"filter id {fixture_id(1)[:6]}********{fixture_id(1)[-4:]}"
    lines = raw_lines()
    put([lines[0], lines[1].replace(b"view_records", b"export"), lines[2]])
    assert audit.verify() == 2  # the edited line's keyed MAC no longer matches
    put([lines[0], lines[2]])
    assert audit.verify() == 2  # a deleted line breaks the chain too


# --- the query layer ------------------------------------------------------------------------------------


def _persons(area: str) -> int:
    from tracker import dispatch

    day = queries.snapshot_dates()[-1]
    m = dispatch.measures(area, dispatch.resolve_dates(day))
    return int(m.filter(m["is_area"] & (m["snapshot_date"] == day))["persons"][0])


def test_query_layer_refuses_outside_the_scope(fx):
    county = auth.User("lhorong", "staff", "540329").scope()
    with queries.scoped(county):
        assert _persons("540329") == 4
        assert _persons("540329100") == 2  # 孜托镇, inside
        for area in ("54", "5403", "540302", "540102002001"):
            with pytest.raises(queries.Denied) as e:
                _persons(area)
            assert e.value.zh == "无权限：所选地区不在您的管辖范围内。"
    queries.set_scope(None)
    with pytest.raises(queries.Denied, match="No access scope"):
        _persons("540329")


def test_cached_results_never_cross_scopes(fx):
    queries.clear_cache()
    with queries.scoped(auth.User("boss", "leader", "54").scope()):
        assert _persons("54") == 7  # now cached for the region
    with queries.scoped(auth.User("lhorong", "staff", "540329").scope()), pytest.raises(queries.Denied):
        _persons("54")  # a cached answer is not an answer: the scope is checked first
    with queries.scoped(auth.User("chamdo", "analyst", "5403").scope()):
        assert _persons("5403") == 5


def test_users_who_may_ask_share_one_cached_result(fx, monkeypatch):
    queries.clear_cache()
    ran = []
    real = queries.run
    monkeypatch.setattr(queries, "run", lambda name, idents=None, **p: ran.append(name) or real(name, idents, **p))
    with queries.scoped(auth.User("boss", "leader", "54").scope()):
        assert _persons("5403") == 5
    first = len(ran)
    assert first > 0
    with queries.scoped(auth.User("chamdo", "analyst", "5403").scope()):  # another user, another role, same question
        assert _persons("5403") == 5
    assert len(ran) == first  # answered from the cache: the first wave of a meeting's users computes each page once


def test_person_rows_need_the_records_right(fx):
    from tracker import analysis

    day = queries.snapshot_dates()[-1]
    sl, flt = analysis.Slice((), None), analysis.RecordFilter()
    with queries.scoped(auth.User("boss", "leader", "54").scope()):
        assert analysis.records_count("54", day, sl, flt) == (10, 7)  # counts are aggregates
        with pytest.raises(queries.Denied, match="person-level"):
            analysis.records("54", day, sl, flt)
        with pytest.raises(queries.Denied):
            analysis.dq_outliers("54", day)
    with queries.scoped(auth.User("chamdo", "analyst", "5403").scope()):
        assert len(analysis.records("5403", day, sl, flt)) == 8  # E's second report (R10) is counted at home, in 卡若区


def test_every_query_is_scoped_or_a_builder(tmp_path):
    assert all("area" in q.params or "builder" in q.tags for q in queries.catalogue().values())
    bad = tmp_path / "leaky.sql"
    bad.write_text("-- Everything.\nselect * from records\n")
    with pytest.raises(ValueError, match=r"\$area"):
        queries.parse(bad)
    with pytest.raises(queries.Denied, match="Internal"):
        queries.run("rollup_village", path="x.parquet")


# --- the app, per role ----------------------------------------------------------------------------------


def texts(at: AppTest) -> str:
    """Everything a user can read on the page: text elements, metrics, tables, options and buttons."""
    out = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "error", "warning", "info", "success"):
        out += [str(e.value) for e in getattr(at, kind)]
    out += [f"{m.label} {m.value}" for m in at.metric]
    for df in at.dataframe:
        v = df.value
        out += [" ".join(map(str, v.columns))] + [" ".join(map(str, r)) for r in v.astype(str).values.tolist()]
    for w in list(at.selectbox) + list(at.multiselect) + list(at.radio):
        out += [str(w.label)] + [str(o) for o in w.options]
    out += [b.label for b in at.button]
    return "\n".join(out)


def app_as(username: str | None, page: str | None = None, **params) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    if username:
        at.session_state["_auth_token"] = auth.SESSIONS.create(username)  # what the login form stores
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(f"app_pages/{page}.py")
        at.run()
    assert not at.exception, at.exception
    return at


def nav_links(at: AppTest) -> list[str]:
    return [p.label for p in at.sidebar.page_link]


def test_login_required_without_demo_mode(accounts):
    at = app_as(None)
    assert [t.value for t in at.title] == ["转移就业调度看板"]
    assert not at.metric and not at.dataframe and "7人" not in texts(at)
    at.text_input(key="login_user").input("lhorong")
    at.text_input(key="login_pw").input("wrong-password")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["用户名或密码错误，或账号已停用。"]
    at.text_input(key="login_user").input("lhorong")
    at.text_input(key="login_pw").input(PW)
    at.button[0].click().run()
    assert not at.exception and at.session_state["_auth_token"]
    assert "洛隆县农牧民转移就业调度" in texts(at)
    assert [(r["who"], r["action"]) for r in audit.read()] == [("lhorong", "login_failed"), ("lhorong", "login")]


def test_county_staff_sees_exactly_the_county(accounts):
    at = app_as("lhorong")
    text = texts(at)
    assert "洛隆县农牧民转移就业调度" in text
    df = at.dataframe[0].value  # townships of 洛隆县, by completion: 孜托镇 2/3, 硕督镇 2/2
    assert sorted(zip(df["单位"], df["完成"], df["任务"], strict=True)) == [("孜托镇", "2人", "3人"), ("硕督镇", "2人", "2人")]
    card = next(re.sub(r"<[^>]+>", "", m.value) for m in at.markdown if "data-metric='total'" in m.value)
    assert "4人" in card and "任务 5人" in card and "80.0%" in card
    for name in OTHER_COUNTIES + ["全区", "拉萨市"]:
        assert name not in text, name
    assert at.sidebar.selectbox(key="w_town").label == "乡镇"  # the cascade starts below the own county
    assert not any(s.key in ("w_pref", "w_county") for s in at.sidebar.selectbox)
    from tracker import hierarchy

    towns = at.sidebar.selectbox(key="w_town").options
    assert towns[0] == "（全部）" and {"孜托镇", "硕督镇"} <= set(towns)
    assert len(towns) == 1 + len(hierarchy.load().children("540329"))  # 洛隆县's own townships, no others


@pytest.mark.parametrize(
    "page", ["channels", "destinations", "industries", "groups", "duration_income", "changes", "quality", "subsidies", "records"]
)
def test_county_staff_pages_show_only_the_county(accounts, page):
    text = texts(app_as("lhorong", page))
    assert "洛隆县" in text
    for name in OTHER_COUNTIES:
        assert name not in text, (page, name)


def test_records_of_a_county_user(accounts):
    at = app_as("lhorong", "records")
    assert any("共 **6** 条记录，涉及 **4** 人" in m.value for m in at.markdown)
    df = at.dataframe[0].value
    # D's second record was reported by 卡若区: it belongs to 洛隆县 (D's home) but the other county stays unnamed
    assert sorted(df["户籍县区"].tolist()) == ["洛隆县"] * 5 + ["辖区外"]
    assert [r["action"] for r in audit.read()] == ["view_records"]


@pytest.mark.parametrize("area", ["54", "5401", "540302", "540102002001"])
def test_tampered_area_in_the_url_is_refused(accounts, area):
    at = app_as("lhorong", area=area)
    assert [e.value for e in at.error] == [f"无权限：{area} 不在您的管辖范围（洛隆县）内。"]
    assert not at.metric and not at.dataframe
    text = texts(at)
    assert "7人" not in text and "拉萨市" not in text
    assert audit.read()[-1]["action"] == "denied_area"
    at.button[0].click().run()  # 回到本辖区
    assert not at.error and at.query_params["area"] == "540329"


def test_prefecture_analyst_drills_inside_the_prefecture(accounts):
    at = app_as("chamdo", area="540302")
    assert "卡若区农牧民转移就业调度" in texts(at)
    at = app_as("chamdo")
    df = at.dataframe[0].value
    assert sorted(zip(df["单位"], df["完成"], strict=True)) == [("卡若区", "1人"), ("洛隆县", "4人")]
    assert "拉萨市" not in texts(at) and "城关区" not in texts(at)


def test_leader_sees_aggregates_but_no_person_lists(accounts):
    at = app_as("boss")
    assert "7人" in next(m.value for m in at.markdown if "data-metric='total'" in m.value)
    assert "明细记录" not in nav_links(at) and "用户管理" not in nav_links(at)
    assert "调度总览" in nav_links(at) and "数据质量" in nav_links(at)
    at = app_as("boss", "records")
    assert [e.value for e in at.error] == ["无权限：您的角色（领导）不能使用此页面。"]
    assert not at.dataframe
    at = app_as("boss", "quality")
    assert "人员明细仅对分析员、县乡工作人员和管理员开放。" in texts(at)
    assert "全区导入批次（管理员）" not in texts(at)  # the region's ingest runs: administrators only
    assert "全区本周（2026-11-20）没有经导入报送的台账，因而没有拒收记录。" in texts(at)  # the area's own submissions: anyone
    assert not any("open_outliers" == getattr(b, "key", "") for b in at.button)
    at = app_as("boss", "users")
    assert [e.value for e in at.error] == ["无权限：您的角色（领导）不能使用此页面。"]
    assert [r["action"] for r in audit.read()][-2:] == ["denied_page", "denied_page"]


def test_admin_pages(accounts):
    at = app_as("root")
    assert {"用户管理", "审计日志", "导入台账", "目标任务", "明细记录"} <= set(nav_links(at))
    at = app_as("root", "users")
    df = at.dataframe[0].value
    assert df["用户名"].tolist() == ["boss", "chamdo", "lhorong", "root"]
    assert df["区划"].tolist() == ["54 全区", "5403 昌都市", "540329 洛隆县", "54 全区"]
    at = app_as("lhorong", "records")  # one audited record view
    at = app_as("root", "audit")
    assert "日志链完整：未发现改动或删除。" in [s.value for s in at.success]
    log = at.dataframe[0].value
    assert log["操作名称"].tolist()[0] == "查看明细记录" and log["用户"].tolist()[0] == "lhorong"
    assert log["区划"].tolist()[0] == "洛隆县" and "操作" not in log.columns  # names on screen, not codes


def test_sso_user_is_mapped_by_the_server_side_table(accounts):
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.user = {"is_logged_in": True, "email": "chamdo@xz.gov.cn", "sub": "c-1", "name": "Chamdo"}
    at.run()
    assert not at.exception and "昌都市农牧民转移就业调度" in texts(at)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.user = {"is_logged_in": True, "email": "stranger@example.com", "sub": "s-9"}
    at.run()
    assert [w.value for w in at.warning] == ["单点登录成功，但该账号尚未授权使用本系统，请联系管理员开通。"]
    assert not at.metric and not at.dataframe


def test_demo_mode_says_so(fx):
    at = app_as(None)
    assert at.info[0].value.startswith("演示模式：数据为模拟生成，无需登录，全部数据可见") and "TRACKER_" not in at.info[0].value
    assert "7人" in next(m.value for m in at.markdown if "data-metric='total'" in m.value)


def test_demo_mode_is_off_unless_asked_for(accounts, monkeypatch):
    monkeypatch.delenv("TRACKER_DEMO")
    at = app_as(None)
    assert at.text_input(key="login_pw") and not at.metric and "7人" not in texts(at)


def test_an_expired_session_asks_to_sign_in_again(accounts):
    import time

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.session_state["_auth_token"] = auth.SESSIONS.create("lhorong", now=time.time() - 31 * 60)  # 31 min idle
    at.run()
    assert [w.value for w in at.warning] == ["会话已过期，请重新登录。"]
    assert not at.metric and not at.dataframe and "孜托镇" not in texts(at)


def test_admin_adds_and_disables_a_user_in_the_page(accounts):
    at = app_as("root", "users")
    at.text_input[0].input("pubu")  # the add form: name, full name, area, password, SSO
    at.text_input[1].input("普布")
    next(s for s in at.selectbox if s.label == "角色").set_value("staff")
    form = {}
    for t in at.text_input:  # the add form comes first; the change popover repeats some labels
        form.setdefault(t.label, t)
    form["区划代码"].input("540302")
    form["初始密码（至少8位）"].input("pubu-pass-2026")
    next(b for b in at.button if b.label == "新增").click().run()
    assert not at.exception and [s.value for s in at.success][-1] == "已新增 pubu。"
    assert auth.login("pubu", "pubu-pass-2026").area == "540302"
    at.run()  # the next run lists the new account
    assert "pubu" in at.dataframe[0].value["用户名"].tolist()
    at.selectbox(key="u_pick").set_value("pubu").run()
    at.button(key="u_toggle").click().run()
    assert auth.load_users()["pubu"].disabled
    assert [(r["who"], r["action"]) for r in audit.read() if r["who"] == "root"] == [("root", "user_add"), ("root", "user_disable")]


def test_admin_keeps_bulletin_subscriptions_in_the_page(accounts):
    from tracker import deliver

    at = app_as("root", "users")
    form = at.get("form")[1]  # the subscription form (after the add-account form)
    form.text_input[0].input("洛隆县人社局")
    form.text_input[1].input("LL@xz.gov.cn ")
    form.text_input[2].input("540329")
    form.button[0].click().run()
    assert not at.exception
    assert deliver.recipients() == [deliver.Recipient("洛隆县人社局", "ll@xz.gov.cn", "540329", "zh")]
    at.run()
    table = at.dataframe[1].value  # after the accounts
    assert table.to_dict("records") == [{"姓名或单位": "洛隆县人社局", "邮箱": "ll@xz.gov.cn", "区划": "洛隆县", "语言": "中文"}]
    form = at.get("form")[1]
    form.text_input[1].input("not-an-address")
    form.button[0].click().run()
    assert [e.value for e in at.error] == ["邮箱地址无效 / not an e-mail address: not-an-address"]
    at.button(key="sub_remove").click().run()
    assert deliver.recipients() == []
    acts = [(r["who"], r["action"], r["area"], r["detail"]) for r in audit.read() if r["action"].startswith("subscription")]
    assert acts == [("root", "subscription_add", "540329", "ll@xz.gov.cn zh"), ("root", "subscription_remove", "540329", "ll@xz.gov.cn zh")]


def test_county_staff_analysis_numbers_are_the_county(accounts):
    at = app_as("lhorong", "channels")  # 洛隆县: A, B, C, D; organized A, B, D
    m = {x.label: x.value for x in at.metric}
    assert (m["人数"], m["有组织转移"], m["组织化率"]) == ("4人", "3人", "75.0%")
    at = app_as("lhorong", "duration_income")  # incomes per person 10,000, 8,000, 4,000, 8,000; months A, C 5; B, D 10
    m = {x.label: x.value for x in at.metric}
    assert (m["人均收入(元)"], m["人均收入中位数"]) == ("7,500元", "8,000元")
    assert (m["3至6个月（2人）"], m["6个月及以上（2人）"]) == ("50.0%", "50.0%")


@pytest.mark.parametrize(
    "username, role, area, may_send",
    [
        ("lhorong", None, None, True),
        ("root", None, None, True),
        ("chamdo", None, None, False),
        ("boss", None, None, False),
        ("zituo", "staff", "540329100", False),
    ],
)  # a township's staff: a submission replaces a whole county
def test_who_may_send_a_ledger(accounts, username, role, area, may_send):
    if role:
        auth.add_user(username, PW, role, area, username)
    assert ("导入台账" in nav_links(app_as(username))) is may_send
    at = app_as(username, "upload")
    assert ("无权限：您的角色" in texts(at)) is not may_send
