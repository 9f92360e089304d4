"""Sign-in end to end: `streamlit run dashboard.py` with a users file named by $CRM_USERS, or with [auth] secrets
for a fake OpenID Connect provider (tests/oidc_fake.py), Playwright driving Debian Chromium. A rep signs in and
sees their own number, an admin everyone's."""

import shutil

import duckdb
import pytest

from e2e import RANGE, SHOTS, free_port, require_chromium, start_dashboard, stop, zh_cn_page

pytestmark = pytest.mark.browser
require_chromium()

from playwright.sync_api import expect  # noqa: E402

from crm_core import auth  # noqa: E402

PASSWORD = "correct horse 42"
START, END = "2026-01-01", "2026-11-23"  # e2e.RANGE


def company(demo_path, folder):
    """A copy of the demo company with E0001 made a rep of D112, and the new customers in RANGE that the rep
    (E0001) and an admin see, counted here in SQL."""
    db = folder / "signin.duckdb"
    shutil.copyfile(demo_path, db)
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE employees SET role = 'rep', department_id = 'D112' WHERE employee_id = 'E0001'")
        count = lambda where: con.execute(f"SELECT count(*) FROM customers WHERE {where} AND CAST(created_at AS DATE) "
                                          f"BETWEEN DATE '{START}' AND DATE '{END}'").fetchone()[0]
        numbers = {"rep": count("owner_id = 'E0001'"), "admin": count("TRUE")}
    assert 0 < numbers["rep"] < numbers["admin"]
    return db, numbers


@pytest.fixture(scope="module")
def signed(demo_path, tmp_path_factory):
    """(URL, numbers) of a dashboard over company() with a users file: rep -> E0001, admin -> E0012."""
    folder = tmp_path_factory.mktemp("signin-e2e")
    db, numbers = company(demo_path, folder)
    users = folder / "users.toml"
    auth.set_user(users, "rep", "E0001", PASSWORD)
    auth.set_user(users, "admin", "E0012", PASSWORD)
    proc, url = start_dashboard(db, users)
    yield url, numbers
    stop(proc)


@pytest.fixture(scope="module")
def provided(demo_path, tmp_path_factory):
    """(URL, numbers, provider) of a dashboard over company() signing people in with a fake OpenID Connect
    provider (tests/oidc_fake.py) and no users file."""
    from oidc_fake import FakeProvider

    folder = tmp_path_factory.mktemp("oidc-e2e")
    db, numbers = company(demo_path, folder)
    provider = FakeProvider()
    port = free_port()
    secrets = folder / "secrets.toml"
    secrets.write_text(provider.secrets_toml(port))
    proc, url = start_dashboard(db, secrets=secrets, port=port)
    yield url, numbers, provider
    stop(proc)
    provider.close()


@pytest.fixture
def page(chromium):
    with zh_cn_page(chromium) as pg:
        yield pg


def sign_in(page, name: str, password: str = PASSWORD) -> None:
    expect(page.get_by_role("heading", name="登录 CRM 洞察")).to_be_visible(timeout=60000)
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)  # no pages before signing in
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_a_rep_sees_their_own_number_then_an_admin_everyones(signed, page):
    url, numbers = signed
    page.goto(f"{url}/?{RANGE}")
    sign_in(page, "rep")
    first = page.get_by_test_id("stMetricValue").first
    expect(first).to_have_text(f"{numbers['rep']:,}", timeout=60000)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text("已登录：")).to_be_visible()
    expect(page.get_by_test_id("stSidebarNav")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "signin-rep.png"), full_page=True)

    sidebar.get_by_role("button", name="退出登录").click()
    sign_in(page, "admin")
    expect(first).to_have_text(f"{numbers['admin']:,}", timeout=60000)
    expect(sidebar.get_by_text("管理员")).to_be_visible()


def test_a_wrong_password_says_so_and_shows_nothing(signed, page):
    url, _ = signed
    page.goto(f"{url}/?{RANGE}")
    sign_in(page, "rep", PASSWORD + "x")
    expect(page.get_by_text("用户名或密码不正确。")).to_be_visible(timeout=30000)
    expect(page.get_by_test_id("stMetric")).to_have_count(0)


def test_a_link_to_a_page_opens_that_page_once_signed_in(signed, page):
    url, _ = signed
    page.goto(f"{url}/growth?{RANGE}")
    sign_in(page, "rep")
    expect(page.get_by_role("heading", level=1)).to_have_text("客户增长", timeout=60000)
    expect(page.get_by_text("Page not found")).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert "/growth" in page.url and "start=2026-01-01" in page.url


def test_a_provider_signs_in_the_employee_with_that_email(provided, page):
    """st.login end to end: the provider's e-mail is the rep's, then the admin's, then nobody's."""
    url, numbers, provider = provided
    page.goto(f"{url}/?{RANGE}")
    button = page.get_by_role("button", name="使用 Company 账号登录")
    first = page.get_by_test_id("stMetricValue").first
    sidebar = page.get_by_test_id("stSidebar")
    for email, login in (("E0001@demo-crm.cn", "rep"), ("e0012@demo-crm.cn", "admin")):
        expect(button).to_be_visible(timeout=60000)
        provider.email = email
        button.click()  # to the provider and back to the app's first page (without the range), signed in
        expect(page.get_by_role("heading", name="销售概览")).to_be_visible(timeout=60000)
        page.goto(f"{url}/?{RANGE}")  # the identity cookie holds across pages and sessions
        expect(first).to_have_text(f"{numbers[login]:,}", timeout=60000)
        sidebar.get_by_role("button", name="退出登录").click()
    expect(button).to_be_visible(timeout=60000)
    provider.email = "stranger@example.com"
    button.click()
    expect(page.get_by_text("没有员工使用邮箱")).to_be_visible(timeout=60000)
    expect(page.get_by_test_id("stMetric")).to_have_count(0)
