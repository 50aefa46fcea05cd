"""The README's nginx example, run as written (only the TLS listener swapped for a loopback port): two Tibetan app
processes and a Qinghai one behind one nginx; scripts gzipped; each browser kept on one process by the cookie nginx
gives it, websocket and all; a province's pool reached under its path."""

from __future__ import annotations

import gzip
import re
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests import fixture as F
from tests.conftest import REPO, free_port, start_app, wait_idle

NGINX = Path("/usr/sbin/nginx")
pytestmark = pytest.mark.skipif(not NGINX.exists(), reason="nginx is missing: `make test` installs nginx-light")


def readme_config() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return re.search(r"```nginx\n(.*?)```", text, re.S).group(1)


def get(url: str, headers: dict | None = None) -> tuple[dict, bytes]:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=30) as r:
        out = {k.lower(): v for k, v in r.headers.items()}
        out["set-cookie"] = "; ".join(r.headers.get_all("Set-Cookie") or [])
        return out, r.read()


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, fixture_dir):
    tmp = tmp_path_factory.mktemp("nginx")
    qinghai = F.build_qinghai(tmp / "qinghai")
    procs, ports = [], {}
    try:
        for name in ("8501", "8502"):
            p, url = start_app(fixture_dir)
            procs.append(p)
            ports[name] = url.rsplit(":", 1)[1]
        p, url = start_app(qinghai, {"TRACKER_PROVINCE": "63"}, ["--server.baseUrlPath", "63"])
        procs.append(p)
        ports["8601"] = url.rsplit(":", 1)[1]
        port = free_port()
        conf = readme_config()
        conf = conf.replace("listen 443 ssl;", f"listen 127.0.0.1:{port};")
        conf = re.sub(r"\n\s*ssl_certificate [^\n]*", "", conf)
        for readme_port, real in ports.items():
            conf = conf.replace(f"server 127.0.0.1:{readme_port};", f"server 127.0.0.1:{real};")
        (tmp / "logs").mkdir()
        (tmp / "nginx.conf").write_text(
            "daemon off; pid nginx.pid; error_log logs/error.log; worker_processes 1;\n"
            "events { worker_connections 256; }\n"
            "http {\n"
            "    log_format t '$tracker_key ~~ $upstream_addr ~~ $request';\n"
            "    access_log logs/access.log t;\n"
            "    client_body_temp_path tmp; proxy_temp_path tmp;\n"
            f"{conf}\n}}\n",
            encoding="utf-8",
        )
        (tmp / "tmp").mkdir()
        ng = subprocess.Popen([str(NGINX), "-p", str(tmp), "-c", str(tmp / "nginx.conf")], stderr=subprocess.PIPE)
        procs.append(ng)
        deadline = time.time() + 20
        while True:
            try:
                get(f"http://127.0.0.1:{port}/_stcore/health")
                break
            except OSError:
                assert ng.poll() is None, ng.stderr.read().decode()
                assert time.time() < deadline, "nginx did not answer"
                time.sleep(0.2)
        yield {"url": f"http://127.0.0.1:{port}", "ports": ports, "log": tmp / "logs" / "access.log"}
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


def log_lines(path: Path) -> list[tuple[str, str, str]]:
    return [tuple(line.split(" ~~ ", 2)) for line in path.read_text(encoding="utf-8").splitlines()]


def test_scripts_are_gzipped(deployment):
    _, index = get(deployment["url"] + "/")
    script = re.search(rb'src="\.?/?(static/js/[^"]+\.js)"', index).group(1).decode()
    head, body = get(f"{deployment['url']}/{script}", {"Accept-Encoding": "gzip"})
    _, plain = get(f"http://127.0.0.1:{deployment['ports']['8501']}/{script}")
    assert head.get("content-encoding") == "gzip" and gzip.decompress(body) == plain
    assert len(body) < len(plain) / 2


def test_a_countys_ledger_is_not_refused_for_its_size(deployment):
    """nginx's default limit (1 MB) would refuse a county's ledger with 413 before Streamlit saw it."""
    req = urllib.request.Request(deployment["url"] + "/_stcore/health", data=b"x" * (5 << 20), method="POST")
    try:
        urllib.request.urlopen(req, timeout=30)
        code = 200
    except urllib.error.HTTPError as e:
        code = e.code
    assert code != 413  # Streamlit's own answer to a POST here (405), not nginx's


def test_each_browser_stays_on_one_process_and_each_province_on_its_own(deployment, browser):
    base, ports, log = deployment["url"], deployment["ports"], deployment["log"]
    # a first visit gets its route cookie (its own first request goes by address), and then goes by it
    head, _ = get(base + "/")
    route = re.search(r"tracker_route=([0-9a-f]{32});", head["set-cookie"]).group(1)
    assert "HttpOnly; Secure; SameSite=Lax" in head["set-cookie"]
    get(base + "/_stcore/health", {"Cookie": f"tracker_route={route}"})
    time.sleep(0.3)
    assert [k for k, _, _ in log_lines(log)[-2:]] == ["\\x7F\\x00\\x00\\x01", route]  # 127.0.0.1 as nginx logs its bytes
    # route keys, and the process nginx sends each to (its consistent hash)
    keys = [f"{i:032x}" for i in range(1, 13)]
    for k in keys:
        head, _ = get(base + "/_stcore/health", {"Cookie": f"tracker_route={k}"})
        assert "tracker_route" not in head["set-cookie"]  # nothing to set once a browser has one
    time.sleep(0.3)
    where = {k: up for k, up, _ in log_lines(log) if k in keys}
    one = next(k for k in keys if where[k].endswith(":" + ports["8501"]))
    two = next(k for k in keys if where[k].endswith(":" + ports["8502"]))

    seen = {}
    for key in (one, two):
        ctx = browser.new_context(locale="zh-CN")
        ctx.add_cookies([{"name": "tracker_route", "value": key, "url": base}])
        page = ctx.new_page()
        page.goto(base + "/")
        wait_idle(page)
        page.wait_for_selector("[data-metric=total]")
        seen[key] = page.inner_text("[data-metric=total]")
        ctx.close()
    assert all("7人" in t for t in seen.values())  # the fixture's region, from either process

    ctx = browser.new_context(locale="zh-CN")
    page = ctx.new_page()
    page.goto(base + "/63/")
    wait_idle(page)
    page.wait_for_selector("[data-metric=total]")
    assert "5人" in page.inner_text("[data-metric=total]") and "全省农牧民转移就业调度" in page.inner_text("[data-testid=stMain]")
    ctx.close()

    time.sleep(0.5)
    lines = log_lines(log)
    for key, app in ((one, "8501"), (two, "8502")):  # every request of each browser, its websocket too, to one process
        mine = [(up, req) for k, up, req in lines if k == key]
        assert {up for up, _ in mine} == {f"127.0.0.1:{ports[app]}"} and any("/_stcore/stream" in req for _, req in mine)
    assert any(up == f"127.0.0.1:{ports['8601']}" and "/63/_stcore/stream" in req for _, up, req in lines)
    assert not any(up == f"127.0.0.1:{ports['8601']}" for c, up, req in lines if not req.split(" ")[1].startswith("/63/"))
