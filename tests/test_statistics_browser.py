"""End to end in a real browser: click a bar of the distribution chart and get the customers behind it;
the regions map draws its markers with no map token. `streamlit run dashboard.py` on 127.0.0.1, Playwright
driving Debian Chromium."""

import time

import pytest

from e2e import RANGE, SHOTS, click_until_visible, require_chromium, zh_cn_page

pytestmark = pytest.mark.browser
require_chromium()

from playwright.sync_api import expect  # noqa: E402


@pytest.fixture(scope="module")
def page(chromium):
    with zh_cn_page(chromium) as pg:
        yield pg


def test_clicking_a_bar_opens_its_customer_list(dashboard, page):
    page.goto(f"{dashboard}/distribution?{RANGE}")
    bars = page.locator(".js-plotly-plot .barlayer .point path")
    expect(bars).to_have_count(3, timeout=60000)  # 普通客户, 潜在客户, 重点客户
    expect(page.get_by_text("客户名单：")).to_have_count(0)
    heading = page.get_by_role("heading", name="客户名单：重点客户")
    click_until_visible(bars.nth(2), heading)
    expect(page.get_by_text("个客户").last).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "distributions-drilldown.png"), full_page=True)


def test_regions_map_draws_without_a_token(dashboard, page):
    """Offline (every request off this machine refused), the map still reads as a map: the shipped province /
    state outlines and land are drawn, the five largest regions in orange."""
    import io

    import numpy as np
    from PIL import Image

    blocked = []

    def offline(route):
        if route.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            return route.continue_()
        blocked.append(route.request.url)
        return route.abort()

    page.route("**/*", offline)
    try:
        page.goto(f"{dashboard}/regions?{RANGE}")
        chart = page.get_by_test_id("stDeckGlJsonChart")
        expect(chart).to_be_visible(timeout=60000)
        expect(page.locator("canvas").first).to_be_visible(timeout=30000)
        expect(page.get_by_text("地区排名")).to_be_visible()
        time.sleep(3)  # let deck.gl draw its layers
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "regions-map.png"), full_page=True)
        shot = np.asarray(Image.open(io.BytesIO(chart.screenshot())).convert("RGB")).astype(int)
    finally:
        page.unroute("**/*")

    r, g, b = shot[..., 0], shot[..., 1], shot[..., 2]

    def share(mask) -> float:
        return float(mask.sum()) / r.size

    def near(c, d):
        return (abs(r - c[0]) <= d) & (abs(g - c[1]) <= d) & (abs(b - c[2]) <= d)

    assert share(near((226, 232, 240), 6)) > 0.10  # land
    assert share((b > 150) & (b - r > 40) & (b - g > 15)) > 0.002  # provinces / states shaded blue by count
    assert share((r > 200) & (g > 60) & (g < 200) & (b < 90)) > 0.0004  # the top five in orange, with their glow
    assert share(near((148, 163, 184), 14)) > 0.0005  # outlines of the provinces and states
