"""Real browser: sign in with a local account, see only the own county, a tampered link is refused, sign out."""

from __future__ import annotations

import os

import pytest

from tests.conftest import start_app, wait_idle
from tracker import auth

PW = "Lhorong-2026!"


@pytest.fixture(scope="module")
def login_app(fixture_dir, tmp_path_factory):
    d = tmp_path_factory.mktemp("auth_app")
    env = {"TRACKER_DEMO": "0", "TRACKER_USERS_FILE": str(d / "users.json"), "TRACKER_AUDIT_FILE": str(d / "audit.jsonl")}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        auth.add_user("lhorong", PW, "staff", "540329", "洛隆县就业局")
    finally:
        for k, v in old.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    proc, url = start_app(fixture_dir, env)
    yield url, d
    proc.terminate()
    proc.wait(10)


def sign_in(page, url: str, name: str, pw: str) -> None:
    page.goto(url)
    wait_idle(page)
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(pw)
    page.get_by_role("button", name="登录").click()
    wait_idle(page)


def test_local_login_own_county_only_and_logout(login_app, browser):
    url, d = login_app
    ctx = browser.new_context(viewport={"width": 1500, "height": 1100}, locale="zh-CN")
    page = ctx.new_page()
    page.goto(url + "/?area=54")  # no data before signing in, whatever the link says
    wait_idle(page)
    body = page.locator("[data-testid=stApp]").inner_text()
    assert "登录" in body and "7人" not in body and "昌都市" not in body

    sign_in(page, url, "lhorong", "not-the-password")
    assert "用户名或密码错误，或账号已停用。" in page.locator("[data-testid=stAlert]").inner_text()

    sign_in(page, url, "lhorong", PW)
    app = page.locator("[data-testid=stApp]")
    page.locator(".main-svg text", has_text="硕督镇").first.wait_for(timeout=20_000)  # the ranking chart has drawn
    body = app.inner_text()
    assert "洛隆县农牧民转移就业调度" in body
    assert "洛隆县就业局（县乡工作人员）· 洛隆县" in body  # who is signed in, in the sidebar
    assert "孜托镇" in body and "硕督镇" in body
    for other in ("卡若区", "城关区", "拉萨市", "全区"):
        assert other not in body, other
    nav = page.locator("[data-testid=stSidebar]").inner_text()
    assert "明细记录" in nav and "用户管理" not in nav and "审计日志" not in nav

    page.goto(url + "/?area=5401")  # a reload with a tampered link: still signed in (cookie), and refused
    wait_idle(page)
    body = app.inner_text()
    assert "无权限：5401 不在您的管辖范围（洛隆县）内。" in body
    assert "拉萨市" not in body and "城关区" not in body
    page.get_by_role("button", name="回到本辖区").click()
    wait_idle(page)
    assert "洛隆县农牧民转移就业调度" in app.inner_text() and "area=540329" in page.url

    page.goto(url + "/users")  # a page the role may not use, typed in by hand
    wait_idle(page)
    assert "无权限：您的角色（县乡工作人员）不能使用此页面。" in app.inner_text() and "lhorong" not in app.inner_text()

    page.get_by_role("button", name="退出登录").click()
    wait_idle(page)
    assert page.get_by_label("密码").is_visible()
    assert "孜托镇" not in app.inner_text()
    page.reload()  # the cookie is gone with the session: a reload does not sign in again
    wait_idle(page)
    assert page.get_by_label("密码").is_visible() and "孜托镇" not in app.inner_text()
    ctx.close()
    acts = [line for line in (d / "audit.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sum('"action": "login"' in a for a in acts) == 1 and sum('"logout"' in a for a in acts) == 1
    assert sum('"login_failed"' in a for a in acts) == 1
