"""What users feel, in a real browser: clicks timed until the new content is drawn and the script is idle, a new
session on a warm server, a cold server's first page; the server's CPU and the bytes sent per click. The app as
configured against Streamlit's default garbage collection after every run and against websocket compression on,
side by side in one run.

    python -m bench.clicks --data DIR [--n 8]

"New content drawn" = the page heading (area · page · date) has changed, every plotly chart in the page has drawn
its SVG, and Streamlit reports the script as not running. New sessions and a cold server's first page are also timed
to the headline cards (the 转移就业人数 card visible), the figure a leader reads first. Each click starts from the same place (the region's
overview, or the page the click is about), so a click never waits for a previous one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PREFECTURES = ["拉萨市", "日喀则市", "昌都市", "林芝市", "山南市", "那曲市", "阿里地区"]
DRAWN = """before => {
    const main = document.querySelector('[data-testid=stMain]');
    const app = document.querySelector('[data-testid=stApp]');
    const h = main && main.querySelector('h3');
    if (!h || h.innerText === before || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    return [...main.querySelectorAll('.js-plotly-plot')].every(p => p.querySelector('.main-svg'));
}"""
TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TICK


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, -(-int(q * 100) * len(xs) // 100) - 1))]


class Meter:
    """Bytes the server sends over the page's websocket."""

    def __init__(self, page):
        self.bytes = 0
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload) -> None:
        self.bytes += len(payload)


def heading(page) -> str:
    h = page.locator("[data-testid=stMain] h3").first
    return h.inner_text() if h.count() else ""


def idle(page, timeout: int = 120_000) -> None:
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=timeout)
    page.wait_for_function(DRAWN, arg="\u0000", timeout=timeout)


def timed(page, meter: Meter, pid: int, act) -> tuple[float, float, int]:
    """(seconds until drawn, server CPU seconds, bytes) of one click."""
    before = heading(page)
    b0, c0 = meter.bytes, cpu_s(pid)
    t = time.perf_counter()
    act()
    page.wait_for_function(DRAWN, arg=before, timeout=120_000)
    s = time.perf_counter() - t
    page.wait_for_timeout(250)  # what the server still does after the page is drawn counts as the click's CPU
    return s, cpu_s(pid) - c0, meter.bytes - b0


def scenario(browser, url: str, pid: int, n: int) -> dict[str, list[tuple[float, float, int]]]:
    out: dict[str, list] = {"area change": [], "breadcrumb": [], "page switch": [], "chart bar → records": []}
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    page = ctx.new_page()
    meter = Meter(page)
    page.goto(url)
    idle(page)
    for i in range(n):
        name = PREFECTURES[i % len(PREFECTURES)]
        page.goto(url)
        idle(page)

        def pick(name=name):
            page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").nth(2).click()
            page.get_by_role("option", name=name, exact=True).click()

        out["area change"].append(timed(page, meter, pid, pick))
        out["breadcrumb"].append(timed(page, meter, pid, lambda: page.get_by_role("button", name="全区", exact=True).first.click()))
        menu = page.locator("[data-testid=stSidebar] a[href^='channels?']").first
        out["page switch"].append(timed(page, meter, pid, menu.click))
        page.goto(url)
        idle(page)
        bars = page.locator("[data-testid=stMain] .js-plotly-plot .barlayer .point path")
        k = bars.count()
        if k:
            bar = bars.nth(i % k)
            bar.scroll_into_view_if_needed()
            box = bar.bounding_box()
            xy = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            click = lambda xy=xy: page.mouse.click(*xy)  # plotly's drag layer takes clicks
            out["chart bar → records"].append(timed(page, meter, pid, click))
    ctx.close()
    return out


CARDS = "[data-testid=stMain] .tr-card[data-metric=total]"  # the headline cards: the first thing a leader reads


def sessions(browser, url: str, n: int) -> tuple[list[float], list[float]]:
    """New sessions (a browser context of their own: nothing cached): (seconds to the headline cards, to the whole
    page drawn and idle)."""
    cards, ts = [], []
    for _ in range(n):
        ctx = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
        page = ctx.new_page()
        t = time.perf_counter()
        page.goto(url)
        page.wait_for_selector(CARDS, state="visible", timeout=120_000)
        cards.append(time.perf_counter() - t)
        idle(page)
        ts.append(time.perf_counter() - t)
        ctx.close()
    return cards, ts


def cold(browser, data: Path, env: dict, args: list[str], entry: list[str]) -> tuple[float, float, object, str]:
    """A server started now, and its first page: from the start command to the headline cards, and to the overview
    drawn: (cards s, drawn s, process, url)."""
    from tests.conftest import start_app

    t = time.perf_counter()
    proc, url = start_app(data, env, args, entry=entry)
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    page = ctx.new_page()
    page.goto(url)
    page.wait_for_selector(CARDS, state="visible", timeout=180_000)
    c = time.perf_counter() - t
    idle(page, 180_000)
    s = time.perf_counter() - t
    ctx.close()
    return c, s, proc, url


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--n", type=int, default=8, help="clicks of each kind, new sessions")
    ap.add_argument("--today", default=dt.date.today().isoformat())
    ap.add_argument("--cold", type=int, default=1, help="cold starts of each configuration")
    ap.add_argument(
        "--configs", type=int, default=4, help="how many of the app configurations to run (1 = as configured, 2 = and without the warm-up)"
    )
    a = ap.parse_args(argv)
    sys.path.insert(0, str(REPO))
    from playwright.sync_api import sync_playwright

    from tests.conftest import PLAIN, WARMED

    env = {"TRACKER_TODAY": a.today, "TRACKER_PREBUILD": "0"}
    configs = [
        ("as configured (postScriptGC off)", [], WARMED),
        ("plain `streamlit run app.py`, no warm-up", [], PLAIN),
        ("Streamlit's default GC (postScriptGC on)", ["--runner.postScriptGC", "true"], WARMED),
        ("websocket compression on", ["--server.enableWebsocketCompression", "true"], WARMED),
    ]
    rows = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        colds: dict[str, list[tuple[float, float]]] = {}
        for _ in range(a.cold - 1):  # extra cold starts, the configurations alternated (the machine's hour drifts)
            for label, args, entry in configs[: a.configs]:
                cards_s, cold_s, proc, _url = cold(browser, a.data, env, args, entry)
                colds.setdefault(label, []).append((cards_s, cold_s))
                proc.terminate()
                proc.wait(15)
        for label, args, entry in configs[: a.configs]:
            cards_s, cold_s, proc, url = cold(browser, a.data, env, args, entry)
            try:
                new_cards, new = sessions(browser, url, a.n)
                clicks = scenario(browser, url, proc.pid, a.n) if entry is WARMED or a.configs < 2 else {}
            finally:
                proc.terminate()
                proc.wait(15)
            firsts = [*colds.get(label, []), (cards_s, cold_s)]
            rows.append((label, "cold server, first page: headline cards", [c for c, _ in firsts], None, None))
            rows.append((label, "cold server, first page", [s for _, s in firsts], None, None))
            rows.append((label, "new session, warm server: headline cards", new_cards, None, None))
            rows.append((label, "new session, warm server", new, None, None))
            for kind, xs in clicks.items():
                if not xs:  # nothing of that kind on the page (no completion chart without quotas)
                    continue
                rows.append((label, kind, [x[0] for x in xs], [x[1] for x in xs], [x[2] for x in xs]))
        browser.close()
    print(f"{dt.date.today()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; data {a.data}; {a.n} of each")
    print("| app | what | n | p50 | p95 | server CPU per click (median) | sent per click (median) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for label, what, ts, cpu, sent in rows:
        c = f"{statistics.median(cpu) * 1000:.0f} ms" if cpu else ""
        b = f"{statistics.median(sent) / 1024:.0f} KiB" if sent else ""
        print(f"| {label} | {what} | {len(ts)} | {statistics.median(ts) * 1000:,.0f} ms | {pct(ts, 0.95) * 1000:,.0f} ms | {c} | {b} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
