"""Real browser: sign in with a local account, see only the own county, a tampered link is refused, sign out."""

from __future__ import annotations

import re

import pytest

from tests.conftest import audit_lines, start_app_with_accounts, wait_idle
from tests.test_browser import click_bar

PW = "Lhorong-2026!"


@pytest.fixture(scope="module")
def login_app(fixture_dir, tmp_path_factory):
    d = tmp_path_factory.mktemp("auth_app")
    proc, url = start_app_with_accounts(
        fixture_dir, d, [("lhorong", PW, "staff", "540329", "洛隆县就业局"), ("chamdo", PW, "leader", "5403", "昌都市领导")]
    )
    yield url, d
    proc.terminate()
    proc.wait(10)


def sign_in(page, url: str, name: str, pw: str) -> None:
    page.goto(url)
    wait_idle(page)
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(pw)
    page.get_by_role("button", name="登录").click()
    # the sign-in's run has ended: the form is gone or says why not (idle alone can be read before the run starts)
    page.wait_for_function(
        "() => !document.querySelector('input[aria-label=用户名]') || document.querySelector('[data-testid=stAlert]')", timeout=30_000
    )
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
    page.get_by_label("密码").wait_for(timeout=30_000)  # the rerun may start late on a busy machine
    wait_idle(page)
    assert page.get_by_label("密码").is_visible()
    assert "孜托镇" not in app.inner_text()
    page.reload()  # the cookie is gone with the session: a reload does not sign in again
    wait_idle(page)
    assert page.get_by_label("密码").is_visible() and "孜托镇" not in app.inner_text()
    ctx.close()
    acts = [r["action"] for r in audit_lines(d / "state.db")]
    assert acts.count("login") == 1 and acts.count("logout") == 1 and acts.count("login_failed") == 1


def test_a_leader_clicking_a_bar_gets_the_breakdown_not_the_records(login_app, browser):
    url, _ = login_app
    ctx = browser.new_context(viewport={"width": 1500, "height": 1100}, locale="zh-CN")
    page = ctx.new_page()
    sign_in(page, url, "chamdo", PW)
    main = page.locator("[data-testid=stMain]")
    assert "昌都市农牧民转移就业调度" in main.inner_text()
    assert "点击柱条查看该单位的渠道分布" in main.inner_text() and "明细记录" not in main.inner_text()
    click_bar(page, "洛隆县")  # a leader sees aggregates only: the unit's breakdown by channel
    page.wait_for_url(re.compile(r"/channels\?.*area=540329"), timeout=15_000)
    wait_idle(page)
    assert main.locator("h3").first.inner_text().startswith("洛隆县 · 组织化与渠道")
    assert "f=" not in page.url
    ctx.close()


def test_county_staff_sends_its_own_ledger_and_gets_its_reject_report(fixture_dir, tmp_path, browser):
    """A county's staff uploads a file that also holds another county's row: its own rows replace its county's
    records for the week, the other county's row is refused (and that county untouched); the status page then
    offers the county's reject report; both the upload and the download are in the audit log."""
    import shutil

    import openpyxl
    import polars as pl

    from tests.test_ingest import HEAD, good_id, write_csv

    data = tmp_path / "data"
    shutil.copytree(fixture_dir, data)
    (data / "ledger.id").unlink(missing_ok=True)  # a ledger of its own
    accounts = [("lhorong", PW, "staff", "540329", "洛隆县就业局")]
    week = data / "snapshots" / "snapshot_date=2026-11-20" / "records.parquet"
    karuo_before = pl.read_parquet(week).filter(pl.col("county_code") == "540302").sort("record_id")
    rows = [
        [good_id(1), "洛隆县", "孜托镇", "540329100001", "政府组织", "四川省成都市", "2026/3/1", "5", "9000"],
        [good_id(2), "洛隆县", "孜托镇", "540329100001", "劳务经纪人", "拉萨市", "2026/4/1", "4", "6000"],
        [good_id(3, "540302"), "卡若区", "城关镇", "540302100001", "政府组织", "拉萨市", "2026/4/1", "4", "6000"],
    ]
    csv_path = write_csv(tmp_path / "洛隆县_1120.csv", [HEAD, *rows])
    proc, url = start_app_with_accounts(data, tmp_path, accounts, TRACKER_SECRET_KEY="browser-test")
    try:
        ctx = browser.new_context(viewport={"width": 1500, "height": 1200}, locale="zh-CN", accept_downloads=True)
        page = ctx.new_page()
        sign_in(page, url, "lhorong", PW)
        page.goto(url + "/upload")
        wait_idle(page)
        main = page.locator("[data-testid=stMain]")
        assert "报送台账：洛隆县" in main.inner_text() and "回退" not in main.inner_text()
        page.locator("input[type=file]").set_input_files(str(csv_path))
        wait_idle(page)
        page.get_by_role("button", name="导入", exact=True).click()
        page.wait_for_selector("text=接收2行，拒收1行。", timeout=60_000)
        wait_idle(page)
        assert "不属于您管辖的县区（只能报送本辖区的台账）: 1" in main.inner_text()
        df = pl.read_parquet(week)
        assert sorted(df.filter(pl.col("county_code") == "540329")["income_yuan"].to_list()) == [6000, 9000]
        # 卡若区's own rows untouched (the counting unit of a person 洛隆县 no longer reports moves to 卡若区)
        assert df.filter(pl.col("county_code") == "540302").sort("record_id").drop("home_code").equals(karuo_before.drop("home_code"))

        page.goto(url + "/submissions?snap=2026-11-20")
        wait_idle(page)
        assert "卡若区" not in main.inner_text()  # the status table lists the own county only
        with page.expect_download() as dl:
            page.get_by_role("button", name="下载拒收报告（1行）").click()
        path = tmp_path / "report.xlsx"
        dl.value.save_as(path)
        wb = openpyxl.load_workbook(path)
        rej = [[c.value for c in r] for r in wb["拒收 rejected"].iter_rows()]
        assert len(rej) == 2 and "不属于您管辖的县区（只能报送本辖区的台账）" in rej[1]
        assert "县区: 洛隆县" in [r[0].value for r in wb["汇总 summary"].iter_rows()]
        ctx.close()
    finally:
        proc.terminate()
        proc.wait(10)
    log = audit_lines(tmp_path / "state.db")
    ingest_line = next(r for r in log if r["action"] == "ingest")
    assert ingest_line["who"] == "lhorong" and ingest_line["area"] == "540329" and "outside_scope=1" in ingest_line["detail"]
    assert any(r["action"] == "export" and r["detail"].startswith("拒收报告_洛隆县") for r in log)
