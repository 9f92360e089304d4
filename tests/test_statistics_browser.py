"""End to end in a real browser: click a bar of the distribution chart and get the customers behind it;
the regions map draws its markers with no map token. `streamlit run` of the pages on 127.0.0.1, Playwright
driving Debian Chromium (skipped where Chromium is missing, as tests/test_browser.py does)."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.browser
if not Path(CHROMIUM).exists():
    pytest.skip("Debian chromium is not installed (make test installs it)", allow_module_level=True)

from playwright.sync_api import expect, sync_playwright  # noqa: E402

RANGE = "range=custom&start=2026-01-01&end=2026-11-23"
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "tests" / "screenshots"))
PAGES = ("distributions", "regions")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def servers(demo_path, tmp_path_factory):
    """One `streamlit run pages/<page>.py` per page (they are also registered in dashboard.py's navigation)."""
    procs, urls = [], {}
    for name in PAGES:
        db = tmp_path_factory.mktemp("e2e_stats") / f"{name}.duckdb"  # one DuckDB file per server process
        shutil.copyfile(demo_path, db)
        env = {**os.environ, "CRM_DB": str(db), "PYTHONPATH": str(ROOT)}
        port = free_port()
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", f"pages/{name}.py", "--server.address", "127.0.0.1",
             "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
        urls[name] = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    for proc, url in zip(procs, urls.values()):
        while time.time() < deadline:
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            for p in procs:
                p.kill()
            pytest.fail("streamlit did not start: " + proc.stdout.read().decode(errors="replace")[-2000:])
    yield urls
    for p in procs:
        p.terminate()
        p.wait(timeout=20)


@pytest.fixture(scope="module")
def page():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--use-gl=swiftshader",
            "--enable-unsafe-swiftshader"])
        ctx = b.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        yield ctx.new_page()
        ctx.close()
        b.close()


def test_clicking_a_bar_opens_its_customer_list(servers, page):
    page.goto(f"{servers['distributions']}/?{RANGE}")
    bars = page.locator(".js-plotly-plot .barlayer .point path")
    expect(bars).to_have_count(3, timeout=60000)  # 普通客户, 潜在客户, 重点客户
    expect(page.get_by_text("客户名单：")).to_have_count(0)
    bars.nth(2).click(force=True)  # plotly takes clicks on its drag layer above the bars
    heading = page.get_by_role("heading", name="客户名单：重点客户")
    expect(heading).to_be_visible(timeout=30000)
    expect(page.get_by_text("个客户").last).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "distributions-drilldown.png"), full_page=True)


def test_regions_map_draws_without_a_token(servers, page):
    page.goto(f"{servers['regions']}/?{RANGE}")
    expect(page.get_by_test_id("stDeckGlJsonChart")).to_be_visible(timeout=60000)
    expect(page.locator("canvas").first).to_be_visible(timeout=30000)
    expect(page.get_by_text("地区排名")).to_be_visible()
    time.sleep(2)  # let deck.gl draw its layers
    page.screenshot(path=str(SHOTS / "regions-map.png"), full_page=True)
