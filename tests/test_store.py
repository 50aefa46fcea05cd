"""The store of the app's own state, on SQLite and on a real PostgreSQL server: the migrations build exactly the
tables the code reads, sessions and lock-outs survive a restart (a new engine), an users.json is imported once.
Two app processes on one store: tests/test_two_processes.py."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tests.pgserver import any_store, pg_server  # noqa: F401  (fixtures)
from tracker import auth, store

PW = "correct-horse-1"
pytestmark = pytest.mark.usefixtures("any_store")


def test_the_migrations_build_what_the_code_reads():
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    eng = store.engine()
    with eng.connect() as c:
        diff = compare_metadata(MigrationContext.configure(c), store.meta)
    assert diff == []
    assert store.revisions(eng)[0] == store.revisions(eng)[1]


def test_a_restart_keeps_sessions_and_lockouts(capsys):
    auth.add_user("lhorong", PW, "staff", "540329")
    token = auth.SESSIONS.create("lhorong")
    for _ in range(5):
        with pytest.raises(auth.LoginError, match="Wrong"):
            auth.login("chamdo", "bad")
    store.reset()  # what a new process starts with
    assert auth.resolve(token, None)[0].username == "lhorong"
    with pytest.raises(auth.LoginError, match="Too many attempts"):
        auth.login("chamdo", "whatever")
    assert auth.login("lhorong", PW).area == "540329"  # other names are not affected
    auth.SESSIONS.end(token)
    assert auth.resolve(token, None) == (None, None)
    assert "migrating schema (empty) → 0005" in capsys.readouterr().err  # said once, at the first start


def test_the_store_keeps_only_a_hash_of_the_token():
    token = auth.SESSIONS.create("lhorong")
    with store.engine().connect() as c:
        kept = c.execute(sa.select(store.sessions.c.token_hash)).scalars().all()
    assert token not in kept and len(kept) == 1 and len(kept[0]) == 64


def test_an_users_file_is_imported_once(tmp_path):
    rows = [
        {
            "username": "zhuoma",
            "role": "analyst",
            "area": "5403",
            "name": "卓玛",
            "disabled": False,
            "oidc": [],
            "hash": auth.hash_password(PW),
        }
    ]
    (tmp_path / "users.json").write_text(json.dumps({"users": rows}), encoding="utf-8")
    store.reset()
    assert auth.login("zhuoma", PW).role == "analyst"
    auth.update_user("zhuoma", disabled=True)
    assert store.import_users_file(store.engine()) == 0  # already done: the file does not bring the account back
    assert auth.get_user("zhuoma").disabled


CHILD = """
import sys
from tracker import auth
step, token = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None
if step == "sign-in":
    print(auth.SESSIONS.create(auth.login("lhorong", "correct-horse-1").username))
    for _ in range(5):
        try:
            auth.login("chamdo", "bad")
        except auth.LoginError:
            pass
else:
    print(auth.resolve(token, None)[0].username)
    try:
        auth.login("chamdo", "anything")
    except auth.LoginError as e:
        print(e.en)
"""


def test_two_processes_on_one_sqlite_file():
    """The default store shared by two processes (one app process each, behind one address): a session made in one
    is known to the other; failures in one lock the name in the other. (Browsers and PostgreSQL: test_two_processes.)"""
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    if not os.environ["TRACKER_STORE_URL"].startswith("sqlite"):
        pytest.skip("PostgreSQL with two app processes: tests/test_two_processes.py")
    auth.add_user("lhorong", PW, "staff", "540329")

    def child(*args):
        r = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, cwd=REPO, timeout=60)
        assert r.returncode == 0, r.stderr
        return r.stdout.split("\n")

    token = child("sign-in")[0]
    assert child("check", token)[:2] == ["lhorong", "Too many attempts: try again in 15 min."]


def test_status_and_an_online_backup(tmp_path, capsys):
    import os
    import sqlite3

    auth.add_user("lhorong", PW, "staff", "540329")
    assert store.main(["status"]) == 0
    out = capsys.readouterr().out
    assert "revision: 0005 (head 0005)" in out and "users: 1" in out
    if not os.environ["TRACKER_STORE_URL"].startswith("sqlite"):
        with pytest.raises(SystemExit, match="pg_dump"):
            store.main(["backup", str(tmp_path / "copy.db")])
        return
    token = auth.SESSIONS.create("lhorong")  # the app keeps writing while the copy is taken
    assert store.main(["backup", str(tmp_path / "copy.db")]) == 0
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert copy.execute("select username from users").fetchall() == [("lhorong",)]
    assert copy.execute("select count(*) from sessions").fetchone() == (1,) and token


def test_audit_writers_in_several_processes_keep_one_chain(tmp_path, monkeypatch):
    """Three processes write the audit log at once: one chain, every line, the anchor on the last one; an edit
    made in the database shows."""
    import os
    import subprocess
    import sys

    from tracker import audit

    monkeypatch.setenv("TRACKER_SECRET_KEY_FILE", str(tmp_path / "secret" / "key.secret"))
    monkeypatch.delenv("TRACKER_SECRET_KEY", raising=False)
    assert audit.log("first", "login")
    code = "import sys\nfrom tracker import audit\nfor i in range(20):\n    assert audit.log(f'p{sys.argv[1]}', 'export', '54', str(i))\n"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(k)], env=dict(os.environ)) for k in range(3)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    chain = audit.status()
    assert (chain.lines, chain.first_bad, chain.anchor) == (61, None, 61)
    assert sorted(int(r["detail"]) for r in audit.read() if r["who"] == "p1") == list(range(20))
    t = store.audit_lines
    with store.engine().begin() as c:
        c.execute(sa.update(t).where(t.c.seq == 30).values(line=sa.func.replace(t.c.line, "export", "login")))
    assert audit.verify() == 30


def test_an_unreachable_store_says_so(monkeypatch):
    from tracker.errors import TrackerError

    monkeypatch.setenv("TRACKER_STORE_URL", "postgresql+psycopg://tracker:secret@127.0.0.1:1/none?connect_timeout=2")
    with pytest.raises(TrackerError) as e:
        store.engine()
    assert "请检查 TRACKER_STORE_URL" in e.value.zh and "secret" not in e.value.zh + e.value.en
