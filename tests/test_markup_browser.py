"""Names full of markup, imported as a manager would, are shown as text everywhere (issue 9): no link, bold,
formula, colour or icon from the data on any page in Chromium, drill-down headings included; downloads and
CLI output neutralise formula cells."""

import re
import subprocess
import sys

import pytest

from conftest import ROOT
from e2e import SHOTS, pick_option, require_chromium, start_dashboard, stop

pytestmark = pytest.mark.browser
require_chromium()

from playwright.sync_api import expect  # noqa: E402

EVIL = {  # what each text would become if it were live
    "link": "[Re-login](https://evil.example/login)",
    "html": '<a href="https://evil.example/x">点我</a>',
    "bold": "**粗体**",
    "formula": "$x^2$",
    "colour": ":red[红色]",
    "icon": ":material/home:",
    "autolink": "www.evil.example",
}
NAMES = list(EVIL.values())


def write_export(folder):
    """A customer list whose owners, departments, categories, tags, sources and custom field are markup."""
    rows = [["客户编号", "客户名称", "负责人", "所属部门", "创建时间", "省份", "客户来源", "客户级别", "客户标签", "行业等级"]]
    for i, name in enumerate(NAMES * 3):
        rows.append([f"M{i:03d}", f"{name} 公司{i}", NAMES[i % len(NAMES)], NAMES[(i + 1) % len(NAMES)],
                     f"2026-0{1 + i % 9}-1{i % 9} 10:00", "广东", name, NAMES[(i + 2) % len(NAMES)],
                     NAMES[(i + 3) % len(NAMES)], "=HYPERLINK(\"https://evil.example\")" if i == 0 else name])
    path = folder / "markup.csv"
    path.write_text("\n".join(",".join('"' + c.replace('"', '""') + '"' for c in r) for r in rows) + "\n",
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def markup_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("markup")
    db = folder / "markup.duckdb"
    run = subprocess.run([sys.executable, "-m", "crm_core", "import", str(write_export(folder)), "--db", str(db)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return db


@pytest.fixture(scope="module")
def markup_app(markup_db):
    import shutil

    served = markup_db.with_name("served.duckdb")  # the CLI test reads the original meanwhile
    shutil.copyfile(markup_db, served)
    proc, url = start_dashboard(served)
    yield url
    stop(proc)


def live_markup(page) -> dict:
    """Counts of markup that could only have come from the data, in the page's main area and sidebar."""
    area = "[data-testid='stMain'], [data-testid='stSidebar']"
    return page.evaluate("""(area) => {
        const roots = [...document.querySelectorAll(area)];
        const q = (sel) => roots.reduce((n, r) => n + r.querySelectorAll(sel).length, 0);
        return {links: q("a[href*='evil']:not([href^='#'])"), bold: q("strong, b"), formula: q(".katex"),
                colour: q("[data-testid='stMarkdownColoredText'], span[style*='color: rgb(255']"),
                icons: q("[data-testid='stIconMaterial']")};
    }""", area)


RANGE = "range=custom&start=2026-01-01&end=2026-12-31"


@pytest.mark.parametrize("path", ["", "growth", "distribution", "owners", "regions", "pool"])
def test_no_markup_from_the_data_is_live_on_any_page(markup_app, chromium, path):
    ctx = chromium.new_context(viewport={"width": 1400, "height": 1200}, locale="zh-CN")
    page = ctx.new_page()
    page.goto(f"{markup_app}/{path}?{RANGE}")
    expect(page.get_by_role("heading", level=1).first).to_be_visible(timeout=60000)
    page.wait_for_timeout(1500)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    baseline_icons = live_markup(page)["icons"]  # the app's own icons (navigation) are not data
    if path in ("distribution", "owners", "regions"):  # open a drill-down: its heading names the data value
        # The drill-down's own picker, found by its label once it is drawn (on a slow machine the page's other
        # selectboxes come first, and the last one drawn so far may not be it).
        picker = re.compile(r"^(查看客户名单|查看员工的客户|查看地区的客户)$")  # list.pick, owners', map's
        field = page.get_by_test_id("stMain").get_by_role("combobox", name=picker).last
        expect(field).to_be_visible(timeout=60000)
        pick_option(page, field, 1)  # after "(none)": the first data value
        expect(page.get_by_role("heading", name="客户名单").first).to_be_visible(timeout=30000)
        page.wait_for_timeout(1000)
    found = live_markup(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"markup-{path or 'overview'}.png"), full_page=True)
    assert found["links"] == 0 and found["bold"] == 0 and found["formula"] == 0 and found["colour"] == 0, found
    assert found["icons"] == baseline_icons, found
    ctx.close()


def test_the_markup_shows_as_text(markup_app, chromium):
    ctx = chromium.new_context(viewport={"width": 1400, "height": 1200}, locale="zh-CN")
    page = ctx.new_page()
    page.goto(f"{markup_app}/distribution?{RANGE}")
    expect(page.get_by_role("heading", level=1).first).to_be_visible(timeout=60000)
    page.get_by_test_id("stSelectbox").last.click()
    page.get_by_role("option", name=EVIL["link"], exact=True).click()
    expect(page.get_by_role("heading", name="客户名单：" + EVIL["link"])).to_be_visible(timeout=30000)
    ctx.close()


def test_cli_output_neutralises_formula_cells(markup_db):
    run = subprocess.run([sys.executable, "-m", "crm_core", "report", "custom-field", "--field", "行业等级",
                          "--db", str(markup_db)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "'=HYPERLINK" in run.stdout and "\n=HYPERLINK" not in run.stdout
