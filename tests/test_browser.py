"""Real browser (Debian chromium + Playwright) against `streamlit run` on a free port."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from tests.conftest import click_map_unit, select_ranking_row, start_app, wait_idle

STORES: dict[str, Path] = {}  # app url -> its own store (its audit log)


@pytest.fixture(scope="module")
def fixture_app(fixture_dir, tmp_path_factory):
    db = tmp_path_factory.mktemp("fixture_app_store") / "state.db"
    proc, url = start_app(fixture_dir, {"TRACKER_STORE_URL": f"sqlite:///{db}"})
    STORES[url] = db
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def demo_app(small_demo_dir):
    proc, url = start_app(small_demo_dir)
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1500, "height": 1100}, locale="zh-CN")
    p = ctx.new_page()
    yield p
    ctx.close()


def test_region_headline_numbers_on_screen(demo_app, small_demo_dir, page):
    # computed independently from the raw records with pyarrow, not through the app's queries
    t = pq.read_table(
        small_demo_dir / "snapshots" / "snapshot_date=2026-11-20" / "records.parquet",
        columns=["person_key", "organized", "income_yuan", "counted"],
    )
    t = t.filter(t["counted"])  # a placement reported by two counties counts once
    persons = len(pc.unique(t["person_key"]))
    organized = len(pc.unique(t.filter(t["organized"])["person_key"]))
    income = pc.sum(t["income_yuan"]).as_py()
    page.goto(demo_app)
    wait_idle(page)
    text = page.locator("[data-testid=stMain]").inner_text()
    want_persons = f"{persons / 10_000:.2f}万人" if persons >= 100_000 else f"{persons:,}人"
    assert want_persons in text
    assert f"{organized / persons * 100:.1f}%" in text
    want_income = f"{income / 1e8:.2f}亿元" if income >= 1e8 else f"{income / 1e4:,.1f}万元"
    assert want_income in text
    assert "截至11月20日" in text


def test_an_overview_link_opens_the_overview(fixture_app, page):
    """/overview?area=… (a kept or typed link) is the overview of that area, not Streamlit's "Page not found"."""
    page.goto(fixture_app + "/overview?area=540329")
    wait_idle(page)
    body = page.locator("body").inner_text()
    assert "Page not found" not in body and "洛隆县农牧民转移就业调度" in body and "area=540329" in page.url


def test_known_completion_and_laggard(fixture_app, page):
    page.goto(fixture_app)
    wait_idle(page)
    main = page.locator("[data-testid=stMain]")
    assert "完成率 70.0%" in main.inner_text()
    laggards = main.locator("li").all_inner_texts()
    assert "拉萨市 转移就业人数（严重滞后）：完成50.0%，低于序时进度38.8个百分点，差2人" in laggards
    assert page.locator("[data-testid=stSidebar]").is_visible()


def test_meeting_mode_hides_sidebar(fixture_app, page):
    from playwright.sync_api import expect

    page.goto(fixture_app + "/?meet=1")
    wait_idle(page)
    expect(page.locator("[data-testid=stMain]")).to_contain_text("完成率 70.0%", timeout=20_000)
    assert page.locator("[data-testid=stSidebar]").count() == 0 or not page.locator("[data-testid=stSidebar]").is_visible()
    assert page.locator(".tr-value").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 40


def test_click_a_bar_opens_its_records(fixture_app, page):
    page.goto(fixture_app)
    wait_idle(page)
    assert "点击柱条查看该单位的明细记录" in page.locator("[data-testid=stMain]").inner_text()
    click_bar(page, "昌都市")  # a bar is a number (昌都市's 5 placed persons): it opens the records behind it
    page.wait_for_url(re.compile(r"/records\?.*area=5403"), timeout=15_000)
    wait_idle(page)
    main = page.locator("[data-testid=stMain]").inner_text()
    assert "昌都市 · 明细记录" in main and "counted%3A1" in page.url
    assert "共 7 条记录，涉及 5 人" in main  # the ranking's 5 persons: A, B ×2, C, D ×2, E


def test_language_switch_keeps_the_area(fixture_app, page):
    page.goto(fixture_app + "/?area=540329")
    wait_idle(page)
    page.get_by_text("English", exact=True).click()
    page.wait_for_url("**lang=en**", timeout=15_000)
    wait_idle(page)
    text = page.locator("[data-testid=stMain]").inner_text()
    assert "Luolong County" in text and "Completion 80.0%" in text
    assert "area=540329" in page.url


def test_screenshot_for_the_readme(demo_app, page, tmp_path):
    page.goto(demo_app)
    wait_idle(page)
    page.wait_for_timeout(500)
    out = tmp_path / "overview.png"
    page.screenshot(path=str(out), full_page=True)
    assert out.stat().st_size > 50_000  # a rendered page, not a blank one


def click_bar(page, label: str) -> None:
    """Click the bar of one unit in the ranking chart (ticks and bars come in the same order; the map comes first)."""
    page.wait_for_selector(".js-plotly-plot .bars path", timeout=15_000)
    plot = page.locator(".js-plotly-plot", has=page.locator(".bars path")).first
    ticks = plot.locator(".yaxislayer-above .ytick text").all_text_contents()
    bar = plot.locator(".bars path").nth(ticks.index(label))
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def title(page) -> str:
    return page.locator("[data-testid=stMain] h3").first.inner_text()


def test_drill_three_levels_breadcrumb_reload_and_back(fixture_app, page):
    page.goto(fixture_app)
    wait_idle(page)
    click_map_unit(page, "5403")  # the map and the ranking rows drill; a bar opens records
    page.wait_for_url("**area=5403&**", timeout=15_000)
    wait_idle(page)
    click_map_unit(page, "540329")
    page.wait_for_url("**area=540329&**", timeout=15_000)
    wait_idle(page)
    select_ranking_row(page, "孜托镇")  # no map below a county
    page.wait_for_url("**area=540329100&**", timeout=15_000)
    wait_idle(page)
    assert title(page).startswith("孜托镇农牧民转移就业调度")
    assert "完成率 66.7%" in page.locator("[data-testid=stMain]").inner_text()  # 2 of 3
    # breadcrumb back up to the prefecture
    page.get_by_role("button", name="昌都市").click()
    page.wait_for_url("**area=5403&**", timeout=15_000)
    wait_idle(page)
    assert title(page).startswith("昌都市")
    # reload the URL: same view
    page.reload()
    wait_idle(page)
    assert title(page).startswith("昌都市") and "area=5403" in page.url
    # the browser's back button returns to the township
    page.go_back()
    page.wait_for_url("**area=540329100**", timeout=15_000)
    wait_idle(page)
    assert title(page).startswith("孜托镇")


def test_bookmark_of_a_county_on_an_analyst_page(fixture_app, page):
    page.goto(fixture_app + "/channels?area=540329")
    wait_idle(page)
    assert title(page).startswith("洛隆县 · 组织化与渠道")
    # the organized-share metric of 洛隆县: 3 of 4 persons (wait for it: a loaded CI machine renders slowly)
    page.wait_for_selector("[data-testid=stMetricValue] >> text=75.0%", timeout=30_000)
    page.get_by_role("link", name="明细记录").click()  # page switch keeps the area
    page.wait_for_url("**/records?**area=540329**", timeout=15_000)
    wait_idle(page)
    assert "共 6 条记录，涉及 4 人" in page.locator("[data-testid=stMain]").inner_text()


def test_records_csv_download_is_masked(fixture_app, fixture_dir, page, tmp_path):
    page.goto(fixture_app + "/records?area=540329")
    wait_idle(page)
    with page.expect_download(timeout=30_000) as dl:
        page.get_by_role("button", name="下载数据(CSV)").click()
    assert dl.value.suggested_filename == "明细记录_洛隆县_2026-11-20.csv"  # the area and the week, in Chinese
    path = tmp_path / "records.csv"
    dl.value.save_as(path)
    text = path.read_text(encoding="utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("记录编号,身份证号(脱敏)") and len(lines) == 7
    import re

    assert all(re.search(r",\d{6}\*{8}[0-9X]{4},", line) for line in lines[1:])
    assert not re.search(r"\d{17}[0-9X]", text)  # no full ID anywhere
    from tests.conftest import audit_lines

    log = audit_lines(STORES[fixture_app])
    assert [(r["who"], r["action"], r["area"], r["detail"]) for r in log if r["action"] == "export"][-1] == (
        "demo",
        "export",
        "540329",
        "明细记录_洛隆县_2026-11-20.csv",
    )  # every export leaves a line


def test_upload_page_ingests_a_ledger(tmp_path, browser):
    from tests.test_ingest import HEAD, row, write_csv

    data = tmp_path / "data"
    data.mkdir()
    csv_path = write_csv(tmp_path / "洛隆县台账.csv", [HEAD, row(1), row(2), row(3, channel="??")], "gb18030")
    # start from an empty data directory: the app says there is no data; ingest one snapshot through the page
    import shutil

    from tests import fixture

    fixture.build(data)  # the app needs at least one snapshot to render its filter bar
    shutil.rmtree(data / "snapshots" / "snapshot_date=2026-11-20")
    proc, url = start_app(data, {"TRACKER_SECRET_KEY": "browser-test"})
    try:
        ctx = browser.new_context(viewport={"width": 1400, "height": 1200})
        page = ctx.new_page()
        page.goto(url + "/upload")
        wait_idle(page)
        page.locator("input[type=file]").set_input_files(str(csv_path))
        wait_idle(page)
        page.get_by_role("button", name="导入", exact=True).click()
        page.wait_for_selector("text=接收2行，拒收1行。", timeout=30_000)
        wait_idle(page)
        assert "取值不在允许范围内: 1" in page.locator("[data-testid=stMain]").inner_text()  # the rejected row's reason
        assert (data / "snapshots" / "snapshot_date=2026-11-20" / "records.parquet").exists()  # the reporting week
        ctx.close()
    finally:
        proc.terminate()
        proc.wait(10)


def test_the_outlier_link_opens_exactly_the_outliers(demo_app, page):
    """数据质量 → 收入异常记录 → the link opens the records view filtered to those records (the filter in the URL),
    and a fresh browser given the same URL shows the same rows."""
    import re

    page.goto(demo_app + "/quality")
    wait_idle(page)
    main = page.locator("[data-testid=stMain]")
    link = main.get_by_role("link", name="在明细中查看这些记录")
    link.wait_for(timeout=30_000)
    caption = main.get_by_text("月均收入不低于").first.inner_text()
    listed = int(re.search(r"的记录：([\d,]+)条", caption).group(1).replace(",", ""))
    href = link.get_attribute("href")
    assert "f=per_month" in href
    link.click()
    page.wait_for_url("**/records?**f=per_month**", timeout=15_000)
    wait_idle(page)
    # the filter the link set, in the opened filter panel (its opening animation may still run on a busy machine)
    main.get_by_text("月均收入(元)≥").first.wait_for(timeout=15_000)
    text = main.inner_text()
    n = int(re.search(r"共 (\d+) 条记录", text).group(1))
    assert n == listed > 0 and "月均收入(元)≥" in text
    url = page.url
    ctx = page.context.browser.new_context(locale="zh-CN")  # the link sent to someone else
    other = ctx.new_page()
    other.goto(url)
    wait_idle(other)
    assert f"共 {n} 条记录" in other.locator("[data-testid=stMain]").inner_text(), caption
    ctx.close()
