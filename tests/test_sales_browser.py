"""End to end in a real browser: click a step of the customer funnel and get the customers who reached it; the
Segments & revenue page draws. `streamlit run dashboard.py` on 127.0.0.1, Playwright driving Debian Chromium."""

import pytest

from e2e import RANGE, SHOTS, click_until_visible, require_chromium, zh_cn_page

pytestmark = pytest.mark.browser
require_chromium()

from playwright.sync_api import expect  # noqa: E402


@pytest.fixture(scope="module")
def page(chromium):
    with zh_cn_page(chromium) as pg:
        yield pg


def test_clicking_a_funnel_step_opens_its_customer_list(dashboard, page):
    page.goto(f"{dashboard}/funnel?{RANGE}")
    funnel = page.locator(".js-plotly-plot").first
    reached = funnel.locator(".barlayer .trace").first.locator(".point path")
    expect(reached).to_have_count(4, timeout=60000)  # created, contacted, opportunity, won
    expect(page.get_by_text("客户名单：")).to_have_count(0)
    heading = page.get_by_role("heading", name="客户名单：商机 · 到达该步的客户")
    click_until_visible(reached.nth(2), heading)
    expect(page.get_by_text("个客户").last).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "funnel-drilldown.png"), full_page=True)


def test_segments_page_draws(dashboard, page):
    page.goto(f"{dashboard}/segments?{RANGE}")
    expect(page.locator(".js-plotly-plot .barlayer .point path").first).to_be_visible(timeout=60000)
    expect(page.get_by_role("heading", name="客户细分与收入")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "segments.png"), full_page=True)
