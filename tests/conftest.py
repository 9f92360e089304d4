"""Shared fixtures: a fresh database file per test, and one small demo company per session."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crm_core.demo import build_demo  # noqa: E402
from crm_core.store import Store  # noqa: E402

DEMO_END = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def no_sign_in(monkeypatch):
    """Every test starts without sign-in (the admin), whatever users file a developer keeps in data/; the
    sign-in tests name their own users file by $CRM_USERS."""
    monkeypatch.setenv("CRM_USERS", "")


@pytest.fixture
def store(tmp_path) -> Store:
    """An empty database file with the canonical schema."""
    s = Store(tmp_path / "crm.duckdb")
    yield s
    s.close()


@pytest.fixture(scope="session")
def demo_path(tmp_path_factory) -> Path:
    """A small demo company in a DuckDB file, built once per test session (do not write to it)."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    s = Store(path)
    build_demo(s, customers=3000, seed=11, end=DEMO_END)
    s.close()
    return path


@pytest.fixture(scope="session")
def demo_store(demo_path) -> Store:
    """The demo company, read-only (so CLI runs in other processes can read it too)."""
    s = Store(demo_path, read_only=True)
    yield s
    s.close()


@pytest.fixture
def app_db(demo_path, tmp_path, monkeypatch) -> Path:
    """A private copy of the demo company for a page under test, named by $CRM_DB."""
    import shutil

    path = tmp_path / "app.duckdb"
    shutil.copyfile(demo_path, path)
    monkeypatch.setenv("CRM_DB", str(path))
    return path


def run_page(page: str | None = None, **query):
    """Run the dashboard (and switch to ``page``, e.g. "app_pages/growth.py") under AppTest with a URL query."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


@pytest.fixture(scope="session")
def dashboard(demo_path, tmp_path_factory):
    """The URL of one `streamlit run dashboard.py` over a copy of the demo company, shared by the browser tests."""
    import shutil

    from e2e import start_dashboard, stop

    db = tmp_path_factory.mktemp("e2e") / "e2e.duckdb"
    shutil.copyfile(demo_path, db)
    proc, url = start_dashboard(db)
    yield url
    stop(proc)


@pytest.fixture(scope="session")
def chromium():
    """Headless Debian Chromium under Playwright."""
    from playwright.sync_api import sync_playwright

    from e2e import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
