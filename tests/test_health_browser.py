"""End to end in a real browser: click a lifecycle stage and get its customers; click an owner's bar of the
early warning and get their customers at risk; the care reminders draw and offer their download.
`streamlit run dashboard.py` on 127.0.0.1, Playwright driving Debian Chromium."""

import pytest

from e2e import RANGE, SHOTS, click_until_visible, require_chromium, zh_cn_page

pytestmark = pytest.mark.browser
require_chromium()

from playwright.sync_api import expect  # noqa: E402


@pytest.fixture(scope="module")
def page(chromium):
    with zh_cn_page(chromium) as pg:
        yield pg


def test_clicking_a_lifecycle_stage_opens_its_customers(dashboard, page):
    page.goto(f"{dashboard}/health?{RANGE}")
    bars = page.locator(".js-plotly-plot").first.locator(".barlayer .point path")
    expect(bars).to_have_count(6, timeout=60000)  # prospect, new, repeat, one-time, lapsed, lost
    heading = page.get_by_role("heading", name="客户名单：复购")
    click_until_visible(bars.nth(2), heading)
    expect(page.get_by_text("个客户").last).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "health-lifecycle.png"), full_page=True)


def test_clicking_an_owner_at_risk_opens_their_customers(dashboard, page):
    page.goto(f"{dashboard}/warning?{RANGE}")
    expect(page.get_by_text("个客户需要关注")).to_be_visible(timeout=60000)
    bars = page.locator(".js-plotly-plot").first.locator(".barlayer .trace").first.locator(".point path")
    expect(bars.first).to_be_visible()
    heading = page.get_by_role("heading", name="客户名单：预警客户 · ", exact=False)
    click_until_visible(bars.first, heading)
    expect(page.get_by_text("个客户").last).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "warning-at-risk.png"), full_page=True)


def test_care_reminders_draw_with_a_download(dashboard, page):
    page.goto(f"{dashboard}/warning?{RANGE}")
    page.locator("[data-testid=stMain]").get_by_text("关怀提醒", exact=True).first.click()
    expect(page.get_by_text("下载提醒清单（CSV）")).to_be_visible(timeout=60000)
    expect(page.locator(".js-plotly-plot .barlayer .point path").first).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "warning-care.png"), full_page=True)


# Each section and a text only it shows, in English.
SECTIONS = {
    "health": {"Lifecycle": "Movement over the range", "Churn": "Churn rate = customers lost",
               "Lifetime value": "Customer lifetime value", "Retention": "by the month of their first purchase",
               "NPS": "NPS = % promoters", "Behaviour": "Behaviour clusters"},
    "warning": {"At risk": "customers need attention", "What churned customers shared": "Churned customers were contacted",
                "Care reminders": "Download the reminders (CSV)"},
}


@pytest.mark.parametrize("path", list(SECTIONS))
def test_every_section_draws_in_english(dashboard, chromium, path):
    ctx = chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page = ctx.new_page()
    page.goto(f"{dashboard}/{path}?{RANGE}&lang=en")
    main = page.locator("[data-testid=stMain]")
    expect(page.get_by_role("heading", level=1).first).to_be_visible(timeout=60000)
    for section, shown in SECTIONS[path].items():
        main.get_by_text(section, exact=True).first.click()
        expect(main).to_contain_text(shown, timeout=60000)
        expect(page.get_by_test_id("stException")).to_have_count(0)
    ctx.close()
