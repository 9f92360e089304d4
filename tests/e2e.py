"""Shared pieces of the browser tests: Debian Chromium, a `streamlit run` of the dashboard on 127.0.0.1."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# As root Chromium needs --no-sandbox; the network flags keep it from calling out; swiftshader draws WebGL (maps).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--use-gl=swiftshader",
                 "--enable-unsafe-swiftshader"]
RANGE = "range=custom&start=2026-01-01&end=2026-11-23"
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "tests" / "screenshots"))


@contextmanager
def zh_cn_page(chromium):
    """A fresh browser context, as a Chinese-speaking manager's desktop browser, and its one page."""
    ctx = chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    try:
        yield ctx.new_page()
    finally:
        ctx.close()


def require_chromium() -> None:
    """Skip the module where Chromium is missing, but never in CI: there the browser tests must run."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            raise RuntimeError("Debian chromium is missing: `make test` installs it (apt-get install chromium)")
        pytest.skip("Debian chromium is not installed (make test installs it)", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_dashboard(db: Path, users: Path | None = None, secrets: Path | None = None,
                    port: int | None = None) -> tuple[subprocess.Popen, str]:
    """`streamlit run dashboard.py` on 127.0.0.1 (a free port unless given) over the database ``db``, with
    sign-in by the users file ``users`` and by the [auth] of the secrets file ``secrets`` (each: else none);
    waits until healthy."""
    port = port or free_port()
    log = open(db.with_suffix(".log"), "w+b")  # a file, not a pipe: a full pipe would stall the server
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
         *(["--secrets.files", str(secrets)] if secrets else [])],
        cwd=ROOT, env={**os.environ, "CRM_DB": str(db), "CRM_USERS": str(users or "")}, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).status == 200:
                return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    pytest.fail("streamlit did not start: " + db.with_suffix(".log").read_text(errors="replace")[-2000:])


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=20)



def pick_option(page, field, index: int = 1, tries: int = 4) -> None:
    """Open the selectbox ``field``'s list and pick its option ``index``. A click may open the list or only focus
    the box (then ArrowDown opens it), and a page still settling from its first run may swallow a try."""
    from playwright.sync_api import expect

    option = page.get_by_role("option").nth(index)
    for _ in range(tries):
        field.click()
        if not option.is_visible():
            field.press("ArrowDown")
        try:
            expect(option).to_be_visible(timeout=10000)
        except AssertionError:
            page.keyboard.press("Escape")
            continue
        option.click()
        return
    raise AssertionError(f"the list of {field} did not open in {tries} tries")


def click_until_visible(target, shown, tries: int = 3) -> None:
    """Click a plotly bar until ``shown`` appears: the chart may still be settling from the page's first run,
    and plotly takes clicks on its drag layer above the bars (hence force)."""
    from playwright.sync_api import expect

    for _ in range(tries):
        target.click(force=True)
        try:
            expect(shown).to_be_visible(timeout=10000)
            return
        except AssertionError:
            continue
    expect(shown).to_be_visible()
