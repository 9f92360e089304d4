"""Who sees what, end to end: `streamlit run dashboard.py` with a users file, Playwright driving headless Debian
Chromium, signed in as a rep, a manager and an admin. Every report page draws without an exception and shows
that viewer's own number (crm_core for that viewer's Scope); a rep's employees filter holds only the rep; each
viewer's drill-down list and CSV download hold exactly that viewer's customers."""

from __future__ import annotations

import datetime as dt
import io
import math
import shutil
from urllib.parse import urlparse

import duckdb
import pandas as pd
import pytest

from e2e import RANGE, click_until_visible, require_chromium, start_dashboard, stop

pytestmark = pytest.mark.browser
require_chromium()

from playwright.sync_api import expect  # noqa: E402

from crm_core import auth  # noqa: E402
from crm_core.customer_list import drill_list  # noqa: E402
from crm_core.exports import to_csv  # noqa: E402
from crm_core.filters import Filters  # noqa: E402
from crm_core.metrics.early_warning import per_owner  # noqa: E402
from crm_core.reports import get  # noqa: E402
from crm_core.scope import Scope, viewer_for  # noqa: E402
from crm_core.store import Store  # noqa: E402
from crm_core.texts import text  # noqa: E402

PASSWORD = "correct horse 42"
START, END = dt.date(2026, 1, 1), dt.date(2026, 11, 23)  # e2e.RANGE
# As in tests/test_signin.py: E0001 made a rep of D112 (E0002's team), E0014 manages D110's three teams.
USERS = {"rep": "E0001", "manager": "E0014", "admin": "E0012"}
WAIT = 60000


def zh(key: str, **values) -> str:
    return text(key, "zh", **values)


def fmt(n) -> str:
    return f"{int(n):,}"


@pytest.fixture(scope="module")
def company(demo_path, tmp_path_factory):
    """(URL, backend) of one dashboard over a copy of the demo company with a users file for USERS; the backend
    (read-only, a twin of the app's file) is what the expected numbers come from."""
    folder = tmp_path_factory.mktemp("roles-e2e")
    db = folder / "roles.duckdb"
    shutil.copyfile(demo_path, db)
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE employees SET role = 'rep', department_id = 'D112' WHERE employee_id = 'E0001'")
    users = folder / "users.toml"
    for login, employee in USERS.items():
        auth.set_user(users, login, employee, PASSWORD)
    mirror = folder / "mirror.duckdb"  # the app holds the file's write lock: the test reads a twin
    shutil.copyfile(db, mirror)
    store = Store(mirror, read_only=True)
    proc, url = start_dashboard(db, users)
    yield url, store.backend()
    stop(proc)
    store.close()


@pytest.fixture(scope="module")
def signed_in(company, chromium):
    """login -> a page of its own browser context, signed in once (a users-file sign-in lasts as long as the
    tab's session: pages are then reached by the sidebar's links, never by reloading)."""
    url, _ = company
    pages, contexts = {}, []

    def page_for(login: str):
        if login not in pages:
            ctx = chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN",
                                       accept_downloads=True)
            contexts.append(ctx)
            pg = ctx.new_page()
            pg.goto(f"{url}/?{RANGE}")
            expect(pg.get_by_role("heading", name=zh("signin.title"))).to_be_visible(timeout=WAIT)
            pg.get_by_label("用户名").fill(login)
            pg.get_by_label("密码").fill(PASSWORD)
            pg.get_by_role("button", name="登录").click()
            expect(pg.get_by_role("heading", level=1)).to_have_text(zh("overview.title"), timeout=WAIT)
            pages[login] = pg
        return pages[login]

    yield page_for
    for ctx in contexts:
        ctx.close()


def scope_of(backend, login: str) -> Scope:
    return Scope(backend, Filters(start=START, end=END), viewer_for(backend, USERS[login]))


def go(page, path: str, title_key: str) -> None:
    """Follow the sidebar's link to the page at ``path`` ("" is the Overview) and wait for its title."""
    links = page.get_by_test_id("stSidebarNav").locator("a")
    target = None
    for i in range(links.count()):
        if urlparse(links.nth(i).get_attribute("href") or "").path.strip("/") == path:
            target = links.nth(i)
            break
    assert target is not None, f"no sidebar link to /{path}"
    target.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh(title_key), timeout=WAIT)


# The numbers of every trace's (or only the given trace's) numeric axis of the n-th chart of the page, sorted and rounded (ties alike in
# JS and Python: floor(v * 10 + 0.5) / 10), zeros left out.
PLOTTED = """([n, only]) => {
  const gd = document.querySelectorAll('[data-testid=stMain] .js-plotly-plot')[n];
  if (!gd || !gd._fullData) return null;
  const out = [];
  for (const t of gd._fullData.filter((_, i) => only === null || i === only)) for (const a of [t.x, t.y]) {
    const v = a ? Array.from(a) : [];
    if (v.length && v.every(x => typeof x === 'number')) out.push(...v);
  }
  return out.filter(x => Number.isFinite(x) && x !== 0).map(x => Math.floor(x * 10 + 0.5) / 10).sort((a, b) => a - b);
}"""


def rounded(values) -> list[float]:
    return sorted(math.floor(float(v) * 10 + 0.5) / 10 for v in values
                  if v is not None and not pd.isna(v) and math.isfinite(float(v)) and float(v) != 0)


def expect_plotted(page, expected, n: int = 0, trace: int | None = None) -> None:
    """Wait until the n-th chart plots exactly ``expected`` (see PLOTTED), then compare for a readable failure."""
    want = rounded(expected)
    try:
        page.wait_for_function(f"([n, only, want]) => JSON.stringify(({PLOTTED})([n, only])) === JSON.stringify(want)",
                               arg=[n, trace, want], timeout=WAIT)
    except Exception:
        pass
    assert page.evaluate(PLOTTED, [n, trace]) == want


def run(backend, login: str, name: str, **options) -> pd.DataFrame:
    return get(name).run(scope_of(backend, login), **options)


def check_pages(page, backend, login: str) -> None:
    main = page.get_by_test_id("stMain")

    def no_exception():
        expect(page.get_by_test_id("stException")).to_have_count(0)

    # Overview: the new-customers card.
    go(page, "", "overview.title")
    summary = run(backend, login, "growth-summary").set_index("metric")["current"]
    expect(page.get_by_test_id("stMetricValue").first).to_have_text(fmt(summary["new_customers"]), timeout=WAIT)
    no_exception()

    go(page, "growth", "growth.title")  # new customers per month
    expect_plotted(page, run(backend, login, "new-customers")["new_customers"])
    no_exception()

    go(page, "funnel", "sales.funnel.title")  # the customer funnel
    expect_plotted(page, run(backend, login, "funnel")["customers"], trace=0)  # (trace 1: the dropped-out)
    no_exception()

    go(page, "segments", "sales.segments.title")  # customers per industry
    seg = run(backend, login, "segments", dimension="industry").sort_values("customers", ascending=False,
                                                                            kind="stable")
    expect_plotted(page, seg["customers"].head(30))
    no_exception()

    go(page, "team", "team.title")  # the leaderboard by revenue, per employee
    board = run(backend, login, "leaderboard", by="employee")
    expect_plotted(page, board.sort_values("revenue", ascending=False)["revenue"].head(30))
    no_exception()

    go(page, "health", "health.title")  # customers per lifecycle stage
    expect_plotted(page, run(backend, login, "lifecycle")["customers"])
    no_exception()

    go(page, "warning", "warning.title")  # the headline's count of customers at risk
    owners = per_owner(run(backend, login, "at-risk"))
    if owners.empty:
        expect(main.get_by_text(zh("warning.none"))).to_be_visible(timeout=WAIT)
    else:
        n = fmt(owners["customers"].sum())
        headline = zh("warning.headline", n=n, parts="")
        expect(main.get_by_text(headline, exact=False).first).to_be_visible(timeout=WAIT)
    no_exception()

    go(page, "distribution", "stats.dist.title")  # customers created in the range, all categories
    total = run(backend, login, "categories")["customers"].sum()
    expect(main.get_by_text(zh("stats.total", n=fmt(total)), exact=True)).to_be_visible(timeout=WAIT)
    no_exception()

    go(page, "owners", "stats.owners.title")  # contacted / not contacted per owner
    oc = run(backend, login, "owner-contact").sort_values(["customers", "employee_id"], ascending=[False, True])
    expect_plotted(page, [*oc["contacted"].head(30), *oc["not_contacted"].head(30)])
    no_exception()

    go(page, "regions", "map.title")  # the map has no plotly chart: its download holds the ranking it shows
    regions = run(backend, login, "regions")
    button = main.get_by_role("button", name=zh("common.download_csv"))
    expect(button.first).to_be_visible(timeout=WAIT)
    with page.expect_download() as done:
        button.first.click()
    shown = pd.read_csv(io.BytesIO(_read(done.value)))
    assert shown.iloc[:, :2].astype(str).values.tolist() == regions.iloc[:, :2].astype(str).values.tolist()
    assert int(pd.to_numeric(shown["customers"]).sum()) == int(regions["customers"].sum())
    no_exception()

    go(page, "pool", "pool.title")  # customers about to be reclaimed into the pool, as of today
    risk = run(backend, login, "pool-risk", as_of=dt.date.today(), rule_days=None, window_days=1)
    metric = main.get_by_test_id("stMetric").filter(has_text=zh("pool.risk.header"))
    expect(metric.get_by_test_id("stMetricValue")).to_have_text(fmt(risk["customers"].sum()), timeout=WAIT)
    no_exception()


def _read(download) -> bytes:
    with open(download.path(), "rb") as f:
        return f.read()


@pytest.mark.parametrize("login", list(USERS))
def test_every_report_page_shows_the_viewers_own_numbers(company, signed_in, login):
    _, backend = company
    page = signed_in(login)
    if login != "admin":  # the narrowing is real
        mine = run(backend, login, "categories")["customers"].sum()
        assert 0 < mine < run(backend, "admin", "categories")["customers"].sum()
    check_pages(page, backend, login)


def test_a_reps_employees_filter_holds_only_the_rep(company, signed_in):
    _, backend = company
    page = signed_in("rep")
    names = dict(Scope(backend).run(Scope(backend).employees.select("employee_id", "name")).values.tolist())
    box = page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").filter(has_text=zh("sidebar.employees"))
    field = box.get_by_role("combobox")
    field.focus()
    field.press("ArrowDown")  # opens the list (a click may only focus it)
    options = page.get_by_role("listbox", name=zh("sidebar.employees")).get_by_role("option")
    expect(options).to_have_count(1, timeout=WAIT)
    shown = options.inner_text()
    assert shown.startswith(names["E0001"] + " · ")
    others = [n for e, n in names.items() if e != "E0001" and n != names["E0001"]]
    assert others and not [n for n in others if n in shown]
    page.keyboard.press("Escape")
    expect(options).to_have_count(0)


@pytest.mark.parametrize("login", list(USERS))
def test_a_drill_down_and_csv_hold_exactly_the_viewers_customers(company, signed_in, login):
    _, backend = company
    page = signed_in(login)
    scope = scope_of(backend, login)
    main = page.get_by_test_id("stMain")
    go(page, "distribution", "stats.dist.title")
    cats = get("categories").run(scope)
    if login != "admin":  # a narrower list than the admin's
        assert cats["customers"].sum() < get("categories").run(scope_of(backend, "admin"))["customers"].sum()

    button = main.get_by_role("button", name=zh("common.download_csv"))
    expect(button.first).to_be_visible(timeout=WAIT)
    with page.expect_download() as done:
        button.first.click()
    assert done.value.suggested_filename == "categories.csv"
    content = _read(done.value)
    assert content.decode("utf-8") == to_csv(cats)  # the viewer's report, byte for byte
    rows = pd.read_csv(io.BytesIO(content))
    assert len(rows) == len(cats) and int(rows["customers"].sum()) == int(cats["customers"].sum())

    first = cats.iloc[0]  # the first bar of the chart (the page draws the report's rows in order)
    total, _ = drill_list("categories", scope, {"category": first["category"]})
    assert total == first["customers"] > 0
    bars = main.locator(".js-plotly-plot .barlayer .point path")
    expect(bars).to_have_count(len(cats), timeout=WAIT)
    click_until_visible(bars.first, main.get_by_role("heading", name=zh("list.title", what=str(first["category"]))))
    expect(main.get_by_text(zh("list.count", n=fmt(total)), exact=True)).to_be_visible(timeout=WAIT)
    expect(page.get_by_test_id("stException")).to_have_count(0)
