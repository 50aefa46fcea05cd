"""Real browser, issue 17: every view a link, a card's number opens its records, meeting mode at 1280×720, the phone,
a deep link through the login, and no raw identifier, None or Streamlit default on any Chinese page."""

from __future__ import annotations

import re

import pytest

from tests.conftest import click_map_unit, start_app_with_accounts, wait_idle
from tests.test_browser import fixture_app  # noqa: F401  (the module's app on the hand-made fixture)
from tracker import nav

PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"
XPROV = "f=organized%3A1%3Bdest_scope%3Across_province"


def _context(browser, width=1500, height=1100, phone=False):
    return browser.new_context(
        viewport={"width": width, "height": height},
        locale="zh-CN",
        is_mobile=phone,
        has_touch=phone,
        user_agent=PHONE_UA if phone else None,
    )


def _records_text(page) -> tuple[str, str]:
    """The count line and the records themselves (the phone's record cards are in the page at every width)."""
    main = page.locator("[data-testid=stMain]")
    count = re.search(r"共 \S+ 条记录，涉及 \S+ 人", main.inner_text()).group(0)
    return count, page.locator("ul.tr-recs").text_content()


def test_a_filtered_records_link_gives_the_same_rows_in_a_fresh_browser(fixture_app, browser):  # noqa: F811
    link = fixture_app + "/records?area=54&" + XPROV + "&sort=income_yuan:desc"
    seen = []
    for _ in range(2):  # a new context: no cookie, no session, only the link
        ctx = _context(browser)
        page = ctx.new_page()
        page.goto(link)
        wait_idle(page)
        seen.append(_records_text(page))
        assert page.get_by_text("筛选条件（所有字段） · 2").is_visible()  # the form shows the link's filter
        ctx.close()
    assert seen[0] == seen[1]
    count, rows = seen[0]
    assert count == "共 2 条记录，涉及 2 人"  # B's broker placement and F: the 有组织跨省转移 card's 2人
    assert rows.index("12,000") < rows.index("5,000")  # sorted by income, highest first, as the link says
    assert "540102199001010" not in rows  # IDs masked on the cards too


def test_a_card_number_opens_its_records(fixture_app, browser):  # noqa: F811
    ctx = _context(browser)
    page = ctx.new_page()
    page.goto(fixture_app + "/?area=5403")
    wait_idle(page)
    card = page.locator(".tr-card[data-metric=total]")
    assert card.locator(".tr-value").inner_text() == "5人"
    card.locator("a.tr-link").click()
    page.wait_for_url("**/records?**", timeout=15_000)
    wait_idle(page)
    assert "area=5403" in page.url and "counted%3A1" in page.url
    assert _records_text(page)[0] == "共 7 条记录，涉及 5 人"  # the card's 5 persons: A, B ×2, C, D ×2, E
    page.goto(fixture_app + "/?area=54")
    wait_idle(page)
    page.locator(".tr-card[data-metric=org_xprov] a.tr-link").click()
    page.wait_for_url("**/records?**", timeout=15_000)
    wait_idle(page)
    assert _records_text(page)[0] == "共 2 条记录，涉及 2 人"
    ctx.close()


def _one_line(page, selector: str) -> list[str]:
    """Texts of `selector` elements laid out on more than one line (a figure cut from its unit)."""
    return page.eval_on_selector_all(
        selector,
        """els => els.filter(e => {
            const r = document.createRange(); r.selectNodeContents(e);
            const size = parseFloat(getComputedStyle(e).fontSize);
            const tops = [...r.getClientRects()].map(x => x.top).sort((a, b) => a - b);
            return tops.length > 1 && tops[tops.length - 1] - tops[0] > 0.8 * size;  // a second line, not a tag's offset
        }).map(e => e.innerText)""",
    )


def test_meeting_mode_at_1280x720(fixture_app, browser):  # noqa: F811
    ctx = _context(browser, 1280, 720)
    page = ctx.new_page()
    page.goto(fixture_app + "/?area=5403&meet=1")
    wait_idle(page)
    main = page.locator("[data-testid=stMain]")
    assert "演示模式" not in main.inner_text()
    assert not page.locator("[data-testid=stSidebar]").is_visible()
    # the seven headline cards on the first screen, nothing to scroll (the pace and its gap share a line there)
    from tracker.catalogue import CARD_METRICS

    bottoms = page.locator(".tr-card").evaluate_all(
        "(es, keys) => es.filter(e => keys.includes(e.dataset.metric)).map(e => e.getBoundingClientRect().bottom)", list(CARD_METRICS)
    )
    assert len(bottoms) == 7 and max(bottoms) <= 720, bottoms
    assert "季节进度" not in page.locator(".tr-card[data-metric=total]").inner_text()  # the desk's line of its own
    # a need of nothing is not on the projector (the desk says 无需新增): 昌都市 needs none by the year's end
    assert "尚需" not in page.locator(".tr-card[data-metric=org_share]").inner_text()
    # in English too, at the region (one more needed by year end): "Needed by year end" under the metric's title
    page.goto(fixture_app + "/?area=54&meet=1&lang=en")
    wait_idle(page)
    share = page.locator(".tr-card[data-metric=org_share]").inner_text()
    assert "Needed by year end" in share and "Organized placements still needed" not in share, share
    bottoms = page.locator(".tr-card").evaluate_all(
        "(es, keys) => es.filter(e => keys.includes(e.dataset.metric)).map(e => e.getBoundingClientRect().bottom)", list(CARD_METRICS)
    )
    assert len(bottoms) == 7 and max(bottoms) <= 720, bottoms
    page.goto(fixture_app + "/?area=5403&meet=1")
    wait_idle(page)
    # large type everywhere, the ranking included, and nothing broken inside a figure or a phrase
    assert page.locator(".tr-value").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 40
    table = page.locator("table.tr-rank")
    assert table.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 22
    assert table.locator("tbody tr").count() == 2  # 洛隆县, 卡若区
    assert _one_line(page, ".tr-seg") == [] and _one_line(page, "table.tr-rank td") == []
    # ← → step through 昌都市's parent and its siblings in code order: … 昌都市 (5403), 林芝市 (5404) …
    exit_btn = page.get_by_role("button", name="退出投屏")
    assert exit_btn.is_visible()
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(r"area=5404(&|$)"), timeout=15_000)
    wait_idle(page)
    assert "林芝市农牧民转移就业调度" in main.inner_text()
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(re.compile(r"area=5403(&|$)"), timeout=15_000)
    wait_idle(page)
    # the dark theme for a projector, then Esc leaves meeting mode
    page.get_by_text("深色").click()
    page.wait_for_url(re.compile(r"dark=1"), timeout=15_000)
    wait_idle(page)
    bg = page.locator("[data-testid=stAppViewContainer]").evaluate("e => getComputedStyle(e).backgroundColor")
    assert bg == "rgb(11, 15, 20)"
    select = page.locator("[data-testid=stMain] [data-testid=stSelectbox] [role=group]").last  # the ranking metric
    assert select.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(31, 41, 55)"
    map_bg = page.locator(".js-plotly-plot").first.evaluate("e => e._fullLayout.paper_bgcolor")
    assert map_bg == "#0b0f14"  # the map is not a white box on the dark page
    # a county has no map: its townships' completion stands beside the laggards, in large type, on the dark page
    page.goto(fixture_app + "/?area=540329&meet=1&dark=1")
    wait_idle(page)
    bars = page.locator(".js-plotly-plot").first
    bars.wait_for(timeout=15_000)
    lag = page.get_by_text("进度滞后单位").first.bounding_box()
    box = bars.bounding_box()
    assert box["x"] > lag["x"] + 400 and abs(box["y"] - lag["y"]) < 80, (box, lag)  # the right half, level with it
    assert bars.evaluate("e => [e._fullLayout.paper_bgcolor, e._fullLayout.xaxis.tickfont.size]") == ["#0b0f14", 16]
    page.keyboard.press("Escape")
    page.wait_for_function("() => !location.search.includes('meet=1')", timeout=15_000)
    wait_idle(page)
    assert page.locator("[data-testid=stSidebar]").is_visible()
    ctx.close()


def test_phone_overview_and_records(fixture_app, browser):  # noqa: F811
    ctx = _context(browser, 390, 844, phone=True)
    page = ctx.new_page()
    page.goto(fixture_app + "/?area=5403")
    wait_idle(page)
    bar = page.locator(".st-key-tr_phonebar")
    page.wait_for_function(  # the area as one line, at the top
        "() => { const e = document.querySelector('.st-key-tr_phonebar');"
        " return e && (e.innerText + [...e.querySelectorAll('input')].map(i => i.value).join(' ')).includes('全区 › 昌都市'); }",
        timeout=15_000,
    )
    above = page.locator("[data-testid=stMain]").inner_text()[:300]  # what stood above it, should it not be at the top
    assert bar.is_visible() and bar.bounding_box()["y"] < 80, above  # right under the header
    page.locator("[data-testid=stMain]").evaluate("e => e.scrollTo(0, 1500)")
    page.wait_for_timeout(300)
    assert bar.is_visible() and bar.bounding_box()["y"] < 80  # and still there a page further down
    assert not page.locator(".st-key-tr_crumbs").is_visible()
    assert not page.locator(".st-key-tr_wide").first.is_visible()  # no eight-column grid on a phone
    lst = page.locator("ul.tr-rlist")
    assert lst.is_visible() and lst.locator("li").count() == 2
    cards = page.locator(".tr-card")
    a, b = cards.nth(0).bounding_box(), cards.nth(1).bounding_box()
    assert a["y"] == b["y"] and a["width"] < 200  # two cards a row
    # the headline figure in the phone's size, on one line (5,360.7万|元 had broken: the cards' own sheet had won)
    value = cards.nth(0).locator(".tr-value")
    assert (
        value.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") < 24
        and value.evaluate("e => getComputedStyle(e).whiteSpace") == "nowrap"
    )
    # a card line wider than the card wraps, but never inside a figure and its unit ("1.7个百分|点" on a phone)
    assert page.locator(".tr-card .tr-nb").count() > 20 and _one_line(page, ".tr-card .tr-nb") == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    lag = page.locator(".st-key-tr_laggards li").first  # a laggard line breaks at its commas, not in "差228|人"
    assert lag.evaluate("e => getComputedStyle(e).wordBreak") == "keep-all"
    lst.locator("a", has_text="洛隆县").click()  # a tap drills
    page.wait_for_url(re.compile(r"area=540329(&|$)"), timeout=15_000)
    wait_idle(page)
    assert "洛隆县农牧民转移就业调度" in page.locator("[data-testid=stMain]").inner_text()

    page.goto(fixture_app + "/records?area=540329")
    wait_idle(page)
    recs = page.locator("ul.tr-recs li")
    assert recs.count() == 6 and recs.first.is_visible()  # the persons counted in 洛隆县: A, B ×2, C, D ×2
    top = recs.first.bounding_box()["y"]
    assert top < 900 * 2  # within two screens, not after a page of filters
    text = recs.first.inner_text()
    for label in ("户籍乡镇：", "组织方式：", "务工月数：", "劳务收入(元)："):
        assert label in text, label

    # a tap on a data grid shows Streamlit's toolbar above it: in room of its own, not over the chart's axis above
    page.goto(fixture_app + "/channels?area=54")
    wait_idle(page)
    grid = page.locator("[data-testid=stDataFrame]").first
    grid.wait_for(timeout=30_000)
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + 30)
    bar = page.locator("[data-testid=stElementToolbar]").first
    bar.wait_for(state="visible", timeout=10_000)
    above = grid.evaluate(
        "g => { const c = g.closest('[data-testid=stElementContainer]'); let p = c.previousElementSibling;"
        " while (p && !p.getBoundingClientRect().height) p = p.previousElementSibling; return p.getBoundingClientRect().bottom; }"
    )
    assert bar.bounding_box()["y"] >= above - 1, (bar.bounding_box(), above)
    ctx.close()


@pytest.fixture(scope="module")
def staff_app(fixture_dir, tmp_path_factory):
    d = tmp_path_factory.mktemp("deeplink_app")
    proc, url = start_app_with_accounts(fixture_dir, d, [("lhorong2", "Lhorong-2026!", "staff", "540329", "洛隆县就业局")])
    yield url
    proc.terminate()
    proc.wait(10)


def test_a_deep_link_survives_the_login(staff_app, browser):
    ctx = _context(browser)
    page = ctx.new_page()
    page.goto(staff_app + "/records?area=540329101&f=dest_scope%3Alocal")
    wait_idle(page)
    page.get_by_label("用户名").fill("lhorong2")
    page.get_by_label("密码").fill("Lhorong-2026!")
    page.get_by_role("button", name="登录").click()
    page.get_by_label("密码").wait_for(state="detached", timeout=30_000)  # the URL matched before: wait for the login
    page.locator("[data-testid=stMain]", has_text="条记录").wait_for(timeout=30_000)
    wait_idle(page)
    assert "/records?" in page.url and "area=540329101" in page.url
    main = page.locator("[data-testid=stMain]").inner_text()
    assert "硕督镇" in main and "明细记录" in main
    assert "共 2 条记录，涉及 2 人" in main  # C and D's local placements in 硕督镇: the link's filter was kept
    ctx.close()


def test_the_status_map_renders_offline_with_every_unit_and_drills(fixture_app, browser):  # noqa: F811
    ctx = _context(browser)
    outside = []

    def only_loopback(route):
        host = route.request.url.split("/")[2].split(":")[0]
        if host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    ctx.route("**/*", only_loopback)
    page = ctx.new_page()
    page.goto(fixture_app + "/?area=54")
    wait_idle(page)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot')].some(g => (g.data || []).some(t => t.meta === 'markers'))"
    )
    units = page.evaluate(
        """() => {
        const gd = [...document.querySelectorAll('.js-plotly-plot')].find(g => (g.data || []).some(t => t.meta === 'markers'));
        return {polygons: gd.data.filter(t => String(t.meta || '').startsWith('unit:')).map(t => t.meta.slice(5)).sort(),
                markers: gd.data.find(t => t.meta === 'markers').text,
                grey: gd.data.filter(t => t.meta === 'no_data').map(t => t.x.filter(v => v === null).length + 1)};
    }"""
    )
    assert units["polygons"] == ["5401", "5403"]  # the two prefectures with data (or a quota) in their status colour
    assert units["grey"] and units["grey"][0] >= 5  # the other five drawn in grey (as many rings or more)
    assert sorted(units["markers"]) == ["拉萨市", "昌都市"]  # each coloured unit a marker (hover, click)
    assert "示意图" in page.locator("[data-testid=stMain]").inner_text()
    click_map_unit(page, "5403")
    page.wait_for_url(re.compile(r"area=5403(&|$)"), timeout=15_000)
    wait_idle(page)
    assert "昌都市农牧民转移就业调度" in page.locator("[data-testid=stMain]").inner_text()
    assert outside == [], outside  # no CDN, no tiles, no fonts from elsewhere
    ctx.close()


PAGES = [p.url_path for p in nav.PAGES]  # every page of the menu, the overview at the root
LEVELS = ["54", "540329", "540329100"]  # region, county, township: the prefecture level is laid out as the region
# what must never reach a Chinese page: field names and codes, empty values, Streamlit's own English
RAW = re.compile(
    r"\b[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+\b|\bNone\b|\bNaN\b|\bnan\b|\bnull\b|\bTrue\b|\bFalse\b"
    r"|\bpython\b|\bmake run\b|--\w+|种子\d*"  # commands and the seeds' file numbers are for developers
)
DEFAULTS = ("Choose", "Drag and drop", "200MB", "Browse files", "Page not found", "No results", "Deploy", "Running", "Rerun")
VISIBLE_TEXT = """() => {
    const skip = '[data-testid*=Icon], script, style';  // icons are font ligatures: their text is the icon's name
    const out = [];
    const walk = n => {
        if (n.nodeType === 3) { out.push(n.textContent); return; }
        if (n.nodeType !== 1 || n.matches(skip)) return;
        const s = getComputedStyle(n);
        if (s.display === 'none' || s.visibility === 'hidden') return;
        n.childNodes.forEach(walk);
    };
    walk(document.querySelector('[data-testid=stApp]'));
    document.querySelectorAll('[data-testid=stApp] input').forEach(i => out.push(' ' + (i.value || i.placeholder || '')));
    return out.join(' ');
}"""


def test_no_raw_identifier_none_or_english_default_on_any_chinese_page(fixture_app, browser):  # noqa: F811
    ctx = _context(browser)
    page = ctx.new_page()
    found = {}
    for area in LEVELS:
        page.goto(f"{fixture_app}/?area={area}")
        for name in PAGES:  # through the menu, as a user goes (and faster than a new session per page)
            if name:
                page.locator(f"[data-testid=stSidebar] a[href^='{name}?']").first.click()
                page.wait_for_url(f"**/{name}?**area={area}**", timeout=15_000)
            wait_idle(page)
            text = page.evaluate(VISIBLE_TEXT)
            bad = sorted({m.group(0) for m in RAW.finditer(text)}) + [d for d in DEFAULTS if d in text]
            if bad:
                found[f"/{name}?area={area}"] = bad
            assert page.title().endswith(" · 转移就业调度看板") and len(page.title()) > 12, page.title()  # the page first
    ctx.close()
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())


def test_a_mistyped_address_gets_a_chinese_notice_and_the_overview(fixture_app, browser):  # noqa: F811
    ctx = _context(browser)
    page = ctx.new_page()
    page.goto(f"{fixture_app}/qudao?area=540329")  # an address that is not a page
    dialog = page.locator("[role=dialog]")
    dialog.wait_for(timeout=30_000)
    page.wait_for_function("() => document.querySelector('[role=dialog]').innerText.includes('页面不存在')", timeout=10_000)
    text = dialog.inner_text()
    assert text.split("\n") == ["页面不存在", "您打开的页面不存在，已为您打开首页。"]  # Streamlit names no page here
    wait_idle(page)
    assert "转移就业" in page.locator("[data-testid=stMain] h3").first.inner_text()  # the overview runs meanwhile
    page.goto(f"{fixture_app}/qudao?lang=en")  # in English, Streamlit's own words stay
    page.locator("[role=dialog]").wait_for(timeout=30_000)
    page.wait_for_timeout(500)
    assert "Page not found" in page.locator("[role=dialog]").inner_text()
    ctx.close()
