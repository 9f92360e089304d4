"""End to end: `streamlit run` on 127.0.0.1, driven by Playwright in headless Debian Chromium."""

import pytest

from e2e import RANGE, SHOTS, require_chromium, zh_cn_page

pytestmark = pytest.mark.browser
require_chromium()

from playwright.sync_api import expect  # noqa: E402


@pytest.fixture
def page(chromium):
    with zh_cn_page(chromium) as pg:
        yield pg


def test_overview_renders_kpis(dashboard, page):
    page.goto(f"{dashboard}/?{RANGE}")
    expect(page.get_by_test_id("stMetric")).to_have_count(7, timeout=60000)  # six growth numbers and revenue
    expect(page.get_by_text("新增客户").first).to_be_visible()
    expect(page.get_by_test_id("stMetricChart")).to_have_count(7, timeout=30000)  # each number's trend
    expect(page.locator(".js-plotly-plot")).to_have_count(1, timeout=30000)  # the growth trend
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "overview.png"), full_page=True)


def test_changing_the_period_redraws_the_chart(dashboard, page):
    page.goto(f"{dashboard}/growth?{RANGE}")
    ticks = page.locator(".js-plotly-plot .xaxislayer-above .xtick text")
    expect(ticks).to_have_count(11, timeout=60000)  # January to November
    expect(ticks.first).to_have_text("2026年1月")
    page.get_by_test_id("stSidebar").get_by_text("季度", exact=True).click()
    expect(ticks).to_have_text(["2026年Q1", "2026年Q2", "2026年Q3", "2026年Q4"], timeout=30000)
    assert "period=quarter" in page.url  # the link reproduces the view
    page.screenshot(path=str(SHOTS / "growth.png"), full_page=True)


def test_language_switch_in_the_browser(dashboard, page):
    page.goto(f"{dashboard}/?{RANGE}")
    expect(page.get_by_test_id("stMetric")).to_have_count(7, timeout=60000)
    page.get_by_test_id("stSidebar").get_by_text("English", exact=True).click()
    expect(page.get_by_role("heading", name="Sales overview")).to_be_visible(timeout=30000)
    expect(page.get_by_text("New customers").first).to_be_visible()


@pytest.mark.parametrize("path, title", [
    ("", "销售概览"), ("growth", "客户增长"), ("distribution", None), ("owners", None), ("regions", None),
    ("pool", None), ("import", "导入数据"),
])
def test_every_page_renders_in_chromium(dashboard, page, path, title):
    page.goto(f"{dashboard}/{path}?{RANGE}")
    heading = page.get_by_role("heading", level=1).first
    expect(heading).to_be_visible(timeout=60000)
    if title:
        expect(heading).to_have_text(title)
    page.wait_for_timeout(2000)  # a "Page not found" dialog came a moment after the page (pages/ folder)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_text("Page not found")).to_have_count(0)
