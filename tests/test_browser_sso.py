"""Single sign-on against a real OpenID Connect provider (npm oidc-provider) started on loopback: st.login,
the provider's login and consent pages, the callback, the server-side mapping to role and area, sign-out."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import audit_lines, free_port, start_app, wait_idle
from tracker import auth

OIDC = Path(__file__).parent / "oidc"


def _wait_port(port: int, proc: subprocess.Popen) -> None:
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("the OIDC provider exited") from None
            time.sleep(0.2)
    raise RuntimeError("the OIDC provider did not start")


@pytest.fixture(scope="module")
def sso_app(fixture_dir, tmp_path_factory):
    if not (OIDC / "node_modules" / "oidc-provider").exists():
        if not shutil.which("npm"):
            pytest.fail("npm is missing: the SSO test needs Node.js to run the OIDC provider")
        subprocess.run(["npm", "install", "--no-audit", "--no-fund"], cwd=OIDC, check=True, capture_output=True)
    d = tmp_path_factory.mktemp("sso_app")
    op_port, app_port = free_port(), free_port()
    redirect = f"http://127.0.0.1:{app_port}/oauth2callback"
    op = subprocess.Popen(["node", "provider.mjs", str(op_port), redirect], cwd=OIDC, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_port(op_port, op)
    (d / "secrets.toml").write_text(
        "[auth]\n"
        f'redirect_uri = "{redirect}"\n'
        'cookie_secret = "a-long-random-test-cookie-secret-0123456789"\n'
        'client_id = "tracker"\nclient_secret = "tracker-test-secret"\n'
        f'server_metadata_url = "http://127.0.0.1:{op_port}/.well-known/openid-configuration"\n'
        # Streamlit asks for prompt=select_account by default, which this provider (like many) does not support
        'client_kwargs = { prompt = "login", scope = "openid profile email" }\n',
        encoding="utf-8",
    )
    env = {
        "TRACKER_DEMO": "0",
        "TRACKER_USERS_FILE": str(d / "users.json"),
        "TRACKER_STORE_URL": f"sqlite:///{d / 'state.db'}",
        "TRACKER_AUDIT_FILE": str(d / "audit.jsonl"),
    }
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:  # the server-side table: SSO subject/e-mail -> role and area; no local password
        auth.add_user("chamdo", "", "analyst", "5403", "昌都市专班", oidc=("chamdo@xz.gov.cn",))
    finally:
        for k, v in old.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    proc, url = start_app(fixture_dir, env, ["--secrets.files", str(d / "secrets.toml")], port=app_port)
    yield url, d
    proc.terminate()
    op.terminate()
    proc.wait(10)
    op.wait(10)


def sso_login(page, url: str, login: str) -> None:
    page.goto(url)
    wait_idle(page)
    page.get_by_role("button", name="政务单点登录").click()
    page.wait_for_selector("input[name=login]", timeout=30_000)  # the provider's own page
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "anything")
    page.click("button[type=submit]")
    page.wait_for_selector("button[type=submit]:has-text('Continue')", timeout=30_000)  # consent
    page.click("button[type=submit]:has-text('Continue')")
    page.wait_for_url(url + "/**", timeout=30_000)
    wait_idle(page)


def test_sso_login_is_mapped_to_role_and_area(sso_app, browser):
    url, d = sso_app
    ctx = browser.new_context(viewport={"width": 1500, "height": 1100}, locale="zh-CN")
    page = ctx.new_page()
    sso_login(page, url, "chamdo")
    app = page.locator("[data-testid=stApp]")
    page.locator(".main-svg text", has_text="洛隆县").first.wait_for(timeout=20_000)  # the ranking chart has drawn
    body = app.inner_text()
    assert "昌都市农牧民转移就业调度" in body and "昌都市专班（专班分析员）· 昌都市" in body
    assert "洛隆县" in body and "卡若区" in body and "拉萨市" not in body and "城关区" not in body
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_selector("button[name=logout][value=yes]", timeout=30_000)  # the provider ends its session too
    page.click("button[name=logout][value=yes]")
    page.wait_for_url(url + "/**", timeout=30_000)
    wait_idle(page)
    assert page.get_by_role("button", name="政务单点登录").is_visible() and "洛隆县" not in app.inner_text()

    page.goto(url)  # a fresh load: the identity cookie is gone too
    wait_idle(page)
    assert page.get_by_role("button", name="政务单点登录").is_visible() and "洛隆县" not in app.inner_text()
    sso_login(page, url, "stranger")  # signed in at the provider, but not in the server-side table
    body = app.inner_text()
    assert "单点登录成功，但该账号尚未授权使用本系统，请联系管理员开通。" in body and "昌都市" not in body
    ctx.close()
    acts = [r["action"] for r in audit_lines(d / "state.db")]
    who = [r["who"] for r in audit_lines(d / "state.db")]
    assert list(zip(who, acts, strict=True)) == [("chamdo", "login_sso"), ("chamdo", "logout"), ("stranger@xz.gov.cn", "sso_unmapped")]
