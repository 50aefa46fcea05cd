"""Two app processes behind one address share one store (PostgreSQL, as deployed): a sign-in through one is good on
the other, five failed logins on one lock the name on both, and after stopping both, a new process still knows the session
and the lock."""

from __future__ import annotations

import os

import pytest

from tests.conftest import start_app, wait_idle
from tests.pgserver import pg_server  # noqa: F401  (fixture)
from tracker import auth, store

PW = "Lhorong-2026!"


@pytest.fixture
def shared_store(pg_server, tmp_path):  # noqa: F811
    """PostgreSQL, as deployed (SQLite shared by two processes: tests/test_store.py)."""
    url = pg_server.new_database()
    env = {
        "TRACKER_DEMO": "0",
        "TRACKER_STORE_URL": url,
        "TRACKER_USERS_FILE": str(tmp_path / "users.json"),
        "TRACKER_AUDIT_FILE": str(tmp_path / "audit.jsonl"),
    }
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        auth.add_user("lhorong", PW, "staff", "540329", "洛隆县就业局")
        auth.add_user("chamdo", PW, "analyst", "5403", "昌都市专班")
    finally:
        for k, v in old.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
        store.reset()
    return env


def both(fixture_dir, env):
    return [start_app(fixture_dir, env) for _ in range(2)]


def stop(apps) -> None:
    for proc, _ in apps:
        proc.terminate()
    for proc, _ in apps:
        proc.wait(10)


LIGHT = "/followup"  # a light page (no items yet): the sign-in is what is tested, not the overview's charts
WAIT = 45_000  # ms; two app servers and a browser on two shared cores


def shows(page, text: str) -> bool:
    """Wait for a text to appear (a script run can start after wait_idle has already returned)."""
    page.locator("[data-testid=stApp]", has_text=text).wait_for(timeout=WAIT)
    return True


def signed_in_as_lhorong(page, url: str) -> bool:
    page.goto(url + LIGHT)
    return shows(page, "洛隆县 · 督办事项")


def attempt(page, name: str, pw: str) -> None:
    """Submit the login form on the page it is on (no reload: quicker)."""
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(pw)
    page.get_by_role("button", name="登录").click()


def failures(url: str, name: str) -> int:
    import sqlalchemy as sa

    eng = sa.create_engine(url)
    try:
        with eng.connect() as c:
            return c.execute(
                sa.select(sa.func.count()).select_from(store.login_failures).where(store.login_failures.c.key == name)
            ).scalar()
    finally:
        eng.dispose()


def wait_until(cond, seconds: float = 45) -> None:
    import time

    end = time.time() + seconds
    while not cond():
        assert time.time() < end, "timed out"
        time.sleep(0.2)


def test_two_processes_share_sessions_and_lockouts_across_a_restart(fixture_dir, shared_store, browser):
    apps = both(fixture_dir, shared_store)
    try:
        (_, a), (_, b) = apps
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        page = ctx.new_page()
        page.goto(a + LIGHT)
        wait_idle(page)
        attempt(page, "lhorong", PW)
        assert shows(page, "洛隆县 · 督办事项")  # a sign-in returns to the page the link asked for
        assert signed_in_as_lhorong(page, b)  # the cookie from A is a session on B

        other = browser.new_context(locale="zh-CN").new_page()
        other.goto(a + LIGHT)
        wait_idle(other)
        url = shared_store["TRACKER_STORE_URL"]
        for i in range(5):  # one at a time: each failure is in the store before the next try
            attempt(other, "chamdo", "not-the-password")
            wait_until(lambda i=i: failures(url, "chamdo") == i + 1)
        assert shows(other, "用户名或密码错误")
        other.goto(b + LIGHT)
        wait_idle(other)
        attempt(other, "chamdo", PW)  # the right password, on the other process: locked all the same
        assert shows(other, "尝试次数过多")
    finally:
        stop(apps)

    # both stopped; one started again (a new port, same host: the browser keeps its cookie): nothing survives in a
    # process, so what it knows comes from the store
    apps = [start_app(fixture_dir, shared_store)]
    try:
        url = apps[0][1]
        assert signed_in_as_lhorong(page, url)
        other.goto(url + LIGHT)
        wait_idle(other)
        attempt(other, "chamdo", PW)
        assert shows(other, "尝试次数过多")
        ctx.close()
    finally:
        stop(apps)
