"""Sign-in: the users file and its command, and the app under AppTest signed in as a rep, a manager and an admin
of the demo company, each seeing exactly their scope (against crm_core for that viewer and plain SQL)."""

from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
import sys

import duckdb
import pytest
from conftest import DEMO_END, ROOT, run_page
from test_pages import CJK, ui_texts

from crm_core import auth
from crm_core.errors import UserError
from crm_core.filters import Filters
from crm_core.markup import md
from crm_core.reports import run_report
from crm_core.scope import Scope, viewer_for
from crm_core.store import Store
from crm_core.texts import text

PASSWORD = "correct horse 42"
START, END = dt.date(2026, 1, 1), DEMO_END
RANGE = dict(range="custom", start=START.isoformat(), end=END.isoformat())
# login name -> employee. The demo company at test size has admins (E0012) and managers (E0014 over D110's
# three teams, E0002 of D112) but no rep: the fixture makes E0001 a rep in E0002's team D112.
USERS = {"rep": "E0001", "manager": "E0014", "admin": "E0012", "ghost": "E9999", "gone": "E0009"}
USER_NAMES = {"rep": "胡欣峰"}  # the demo's E0001


def zh(key: str, **values) -> str:
    return text(key, "zh", **values)


# -- the users file and its command -------------------------------------------------------------------------
def test_a_users_file_keeps_a_hash_and_finds_the_user_by_name_and_password(tmp_path):
    path = tmp_path / "users.toml"
    assert auth.set_user(path, "  Wang.Wei ", "E0003", PASSWORD) is True
    assert auth.set_user(path, 'x"y\\z 王伟', "E0001", "another password") is True  # quotes, backslash, Chinese
    saved = path.read_text(encoding="utf-8")
    assert PASSWORD not in saved and "another password" not in saved and "$argon2id$" in saved
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    users = auth.load_users(path)
    assert sorted(users) == ['wang.wei', 'x"y\\z 王伟'] and users["wang.wei"].employee_id == "E0003"
    assert auth.check_password(users, "WANG.WEI", PASSWORD).employee_id == "E0003"
    assert auth.check_password(users, 'x"y\\z 王伟', "another password").employee_id == "E0001"
    assert auth.check_password(users, "wang.wei", PASSWORD + "x") is None
    assert auth.check_password(users, "nobody", PASSWORD) is None
    assert auth.set_user(path, "wang.wei", "E0004", "a new password") is False  # an update
    users = auth.load_users(path)
    assert users["wang.wei"].employee_id == "E0004" and auth.check_password(users, "wang.wei", PASSWORD) is None
    auth.remove_user(path, "Wang.Wei")
    assert sorted(auth.load_users(path)) == ['x"y\\z 王伟']


def test_a_users_file_refuses_short_passwords_odd_names_and_broken_files(tmp_path):
    path = tmp_path / "users.toml"
    with pytest.raises(UserError, match="at least 8"):
        auth.set_user(path, "a", "E0001", "short")
    with pytest.raises(UserError, match="empty"):
        auth.set_user(path, "  ", "E0001", PASSWORD)
    with pytest.raises(UserError, match="control"):
        auth.set_user(path, "a\x7fb", "E0001", PASSWORD)
    assert not path.exists()
    path.write_text("[users.a]\nemployee_id = 'E0001'\n")
    with pytest.raises(auth.UsersFileError, match="password_hash"):
        auth.load_users(path)
    path.write_text("[users\n")
    with pytest.raises(auth.UsersFileError, match="not valid TOML"):
        auth.load_users(path)
    with pytest.raises(auth.UsersFileError, match="does not exist"):
        auth.load_users(tmp_path / "missing.toml")


def test_the_users_file_in_force(tmp_path, monkeypatch):
    monkeypatch.setattr(auth, "DEFAULT_USERS", tmp_path / "data" / "users.toml")
    monkeypatch.delenv("CRM_USERS")
    assert auth.users_path() is None  # no file: no sign-in
    auth.set_user(auth.DEFAULT_USERS, "a", "E0001", PASSWORD)
    assert auth.users_path() == auth.DEFAULT_USERS
    monkeypatch.setenv("CRM_USERS", "")
    assert auth.users_path() is None  # turned off
    monkeypatch.setenv("CRM_USERS", str(tmp_path / "elsewhere.toml"))
    assert auth.users_path() == tmp_path / "elsewhere.toml"  # named: counts even while missing


def cli(*args, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crm_core", *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "CRM_USERS": ""})


def test_the_user_command_adds_updates_lists_and_removes_without_showing_the_password(demo_path, tmp_path):
    users = tmp_path / "users.toml"
    done = cli("user", "add", "Li.Na", "--employee", "E0014", "--db", str(demo_path), "--users", str(users),
               stdin=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    assert "created user li.na" in done.stderr and "E0014 (manager)" in done.stderr
    assert PASSWORD not in done.stdout + done.stderr + users.read_text()
    assert auth.check_password(auth.load_users(users), "li.na", PASSWORD).employee_id == "E0014"
    done = cli("user", "add", "li.na", "--employee", "E0012", "--db", str(demo_path), "--users", str(users),
               stdin="a second password\r\n")
    assert done.returncode == 0 and "updated user li.na" in done.stderr and "(admin)" in done.stderr
    assert auth.check_password(auth.load_users(users), "li.na", "a second password").employee_id == "E0012"
    listed = cli("user", "list", "--db", str(demo_path), "--users", str(users))
    assert listed.stdout.splitlines() == ["name,employee_id,role", "li.na,E0012,admin"]
    unknown = cli("user", "add", "x", "--employee", "E9999", "--db", str(demo_path), "--users", str(users),
                  stdin=PASSWORD + "\n")
    assert unknown.returncode == 2 and "E9999 is not in the database" in unknown.stderr
    short = cli("user", "add", "x", "--employee", "E0001", "--db", str(demo_path), "--users", str(users), stdin="abc\n")
    assert short.returncode == 2 and "at least 8 characters" in short.stderr and "abc" not in short.stderr
    assert sorted(auth.load_users(users)) == ["li.na"]
    assert cli("user", "remove", "LI.NA", "--users", str(users)).returncode == 0
    assert auth.load_users(users) == {}


# -- the app ------------------------------------------------------------------------------------------------
@pytest.fixture
def signin_db(app_db, tmp_path, monkeypatch):
    """The demo company (E0001 made a rep of D112) and a users file for USERS, named by $CRM_USERS."""
    with duckdb.connect(str(app_db)) as con:
        con.execute("UPDATE employees SET role = 'rep', department_id = 'D112' WHERE employee_id = 'E0001'")
    users = tmp_path / "users.toml"
    for name, employee in USERS.items():
        auth.set_user(users, name, employee, PASSWORD)
    monkeypatch.setenv("CRM_USERS", str(users))
    return app_db


def sign_in(name: str, password: str = PASSWORD, **query):
    """The app at the sign-in form, then the form filled and sent."""
    at = run_page(**query)
    assert [e.value for e in at.title] == [zh("signin.title")] and not at.metric
    at.text_input(key="signin_name").set_value(name)
    at.text_input(key="signin_password").set_value(password)
    [button] = [b for b in at.button if b.label == zh("signin.submit")]
    button.click().run()
    assert not at.exception, at.exception
    return at


def number(text: str) -> int:
    return int(text.replace(",", ""))


def visible(con, employee_id: str | None) -> str:
    """SQL of the employee ids whose records ``employee_id`` may see (None: every record, the admin),
    from employees.role and the departments' parent links (not crm_core's department_tree)."""
    role, dep = con.execute("SELECT coalesce(role, 'rep'), department_id FROM employees WHERE employee_id = ?",
                            [employee_id]).fetchone()
    if role == "admin":
        return None
    if role == "rep":
        return f"SELECT '{employee_id}'"
    return f"""WITH RECURSIVE under(d) AS (SELECT '{dep}' UNION SELECT department_id FROM departments, under
                                         WHERE parent_id = under.d)
               SELECT employee_id FROM employees WHERE department_id IN (SELECT d FROM under)"""


def by_hand(db, employee_id: str) -> dict:
    """The Overview's numbers and the new customers per month, in plain SQL over what the employee may see."""
    con = duckdb.connect(str(db), read_only=True)
    people = visible(con, employee_id)
    mine = lambda col: "TRUE" if people is None else f"{col} IN ({people})"
    day = lambda col: f"CAST({col} AS DATE) BETWEEN DATE '{START}' AND DATE '{END}'"
    one = lambda sql: con.execute(sql).fetchone()[0] or 0
    counts = {metric: one(f"SELECT count(*) FROM customers WHERE {mine('owner_id')} AND {day(col)}")
              for metric, col in (("new_customers", "created_at"), ("next_contact_customers", "next_contact_at"),
                                  ("won_customers", "won_at"), ("churned_customers", "lost_at"))}
    counts["contacted_customers"] = one(f"SELECT count(DISTINCT customer_id) FROM follow_ups "
                                        f"WHERE {mine('employee_id')} AND {day('contacted_at')}")
    counts["net_growth"] = counts["new_customers"] - counts["churned_customers"]
    counts["revenue"] = round(one(f"SELECT sum(amount) FROM deals WHERE status = 'won' AND {mine('owner_id')} "
                                  f"AND {day('closed_at')}"))
    months = dict(con.execute(f"SELECT date_trunc('month', created_at)::DATE, count(*) FROM customers "
                              f"WHERE {mine('owner_id')} AND {day('created_at')} GROUP BY 1").fetchall())
    counts["per_month"] = [months.get(dt.date(2026, m, 1), 0) for m in range(1, 12)]
    counts["march"] = {r[0] for r in con.execute(
        f"SELECT customer_id FROM customers WHERE {mine('owner_id')} AND created_at >= '2026-03-01' "
        f"AND created_at < '2026-04-01'").fetchall()}
    counts["employees"] = (one("SELECT count(*) FROM employees") if people is None
                           else one(f"SELECT count(*) FROM ({people})"))
    con.close()
    return counts


def by_crm_core(db, employee_id: str) -> dict:
    """The same numbers from crm_core's reports for the employee's viewer."""
    store = Store(db, read_only=True)
    backend = store.backend()
    scope = Scope(backend, Filters(start=START, end=END), viewer_for(backend, employee_id))
    summary = run_report("growth-summary", scope).set_index("metric")["current"].to_dict()
    summary["revenue"] = round(run_report("revenue", scope)["revenue"].sum())
    summary["per_month"] = run_report("new-customers", scope)["new_customers"].tolist()
    store.close()
    return summary


OVERVIEW = ["new_customers", "contacted_customers", "next_contact_customers", "won_customers", "churned_customers",
            "net_growth", "revenue"]


@pytest.mark.parametrize("login", ["rep", "manager", "admin"])
def test_each_person_sees_exactly_their_scope(signin_db, login):
    employee = USERS[login]
    hand, core = by_hand(signin_db, employee), by_crm_core(signin_db, employee)
    assert [hand[k] for k in OVERVIEW + ["per_month"]] == [core[k] for k in OVERVIEW + ["per_month"]]
    everyone = by_hand(signin_db, "E0012")
    if login != "admin":  # the narrowing is real: fewer customers than the company, but some
        assert 0 < hand["new_customers"] < everyone["new_customers"]

    at = sign_in(login, **RANGE)
    assert at.title[0].value == zh("overview.title")
    assert [number(m.value) for m in at.metric] == [hand[k] for k in OVERVIEW]
    role = {"rep": "rep", "manager": "manager", "admin": "admin"}[login]
    assert any(c.value.startswith(zh("signin.as", name="", role="")[:4]) and zh(f"signin.role.{role}") in c.value
               for c in at.sidebar.caption)
    assert zh("sidebar.viewer_admin") not in [c.value for c in at.sidebar.caption]
    assert len(at.sidebar.multiselect(key="f_employees").options) == hand["employees"]

    at.switch_page("app_pages/growth.py").run()
    table = at.dataframe[0].value
    assert table.iloc[:, 1].tolist() == hand["per_month"]
    at.selectbox(key="growth_pick_None").set_value("2026-03-01").run()
    listed = at.dataframe[1].value
    assert set(listed[zh("list.col.customer_id")]) == hand["march"] and hand["march"]


def test_a_wrong_password_and_an_unknown_name_get_the_same_sentence(signin_db):
    for name, password in (("rep", PASSWORD + "!"), ("nobody", PASSWORD), ("rep", "")):
        at = sign_in(name, password, **RANGE)
        assert [e.value for e in at.error] == [zh("signin.wrong")]
        assert not at.metric and at.text_input(key="signin_name")  # still at the form, nothing else shown


def test_five_wrong_passwords_lock_the_name_for_fifteen_minutes(tmp_path, monkeypatch):
    path = tmp_path / "users.toml"
    auth.set_user(path, "wang.wei", "E0003", PASSWORD)
    users = auth.load_users(path)
    now = [1000.0]
    monkeypatch.setattr(auth.time, "monotonic", lambda: now[0])
    for _ in range(4):
        assert auth.check_password(users, "wang.wei", "wrong password") is None
    assert auth.locked_for("wang.wei") == 0
    assert auth.check_password(users, "Wang.Wei", PASSWORD) is not None  # a success forgets the failures
    for _ in range(5):
        assert auth.check_password(users, "wang.wei", "wrong password") is None
    now[0] += 60
    assert auth.locked_for("WANG.WEI") == 15 * 60 - 60 + 1
    assert auth.check_password(users, "wang.wei", PASSWORD) is None  # locked: even the right password
    assert auth.locked_for("somebody.else") == 0
    now[0] += 15 * 60 - 60
    assert auth.locked_for("wang.wei") == 0
    assert auth.check_password(users, "wang.wei", PASSWORD) is not None


def test_the_form_says_when_a_name_is_locked(signin_db):
    for _ in range(auth.MAX_FAILURES):
        assert [e.value for e in sign_in("rep", PASSWORD + "!", **RANGE).error] == [zh("signin.wrong")]
    at = sign_in("rep", **RANGE)  # the right password, too late
    assert [e.value for e in at.error] == [zh("signin.locked", minutes=15)]
    assert not at.metric


def test_a_user_whose_employee_is_not_in_the_data_sees_only_a_sentence(signin_db):
    at = sign_in("ghost", **RANGE)
    assert [e.value for e in at.error] == [zh("signin.refused.unknown_employee", employee="E9999")]
    assert not at.metric and not at.dataframe and not at.get("plotly_chart")
    at.button(key="signin_out").click().run()
    assert at.text_input(key="signin_name") and not at.error  # signed out: the form again


def test_an_inactive_employee_sees_only_a_sentence(signin_db):
    at = sign_in("gone", **RANGE)
    assert [e.value for e in at.error] == [zh("signin.refused.inactive", name="董峰静", employee="E0009")]
    assert not at.metric


def test_a_removed_employee_is_refused_at_the_next_run(signin_db):
    at = sign_in("rep", **RANGE)
    assert at.metric
    from ui.state import get_store  # the app's own Store: a write bumps the data version the viewer is keyed on

    with get_store().write() as cur:
        cur.execute("DELETE FROM employees WHERE employee_id = 'E0001'")
    at.run()
    assert [e.value for e in at.error] == [zh("signin.refused.unknown_employee", employee="E0001")]
    assert not at.metric


def test_a_rep_with_no_records_is_not_sent_to_the_import_page(signin_db):
    with duckdb.connect(str(signin_db)) as con:
        con.execute("INSERT INTO employees (employee_id, name, department_id, role) VALUES ('E0100', '新人', 'D112', 'rep')")
    users = auth.users_path()
    auth.set_user(users, "newcomer", "E0100", PASSWORD)
    at = sign_in("newcomer", **RANGE)
    assert [i.value for i in at.info] == [zh("signin.no_data")] and not at.metric


def test_the_import_page_is_for_admins_only(signin_db):
    for login, allowed in (("rep", False), ("manager", False), ("admin", True)):
        at = sign_in(login, **RANGE)
        at.switch_page("app_pages/import_data.py").run()
        assert not at.exception
        if allowed:
            assert at.title[0].value == zh("import.title") and at.get("file_uploader")
        else:
            assert [e.value for e in at.error] == [zh("signin.admins_only")]
            assert not at.title and not at.get("file_uploader")


def test_sign_out_forgets_the_person(signin_db):
    at = sign_in("rep", **RANGE)
    at.sidebar.multiselect(key="f_employees").set_value(["E0001"]).run()
    at.sidebar.button(key="signin_out").click().run()
    assert not at.exception and at.text_input(key="signin_name") and not at.metric
    assert "_signed_in_user" not in at.session_state and "f_employees" not in at.session_state


def test_no_users_file_means_the_admin_and_the_sidebar_says_so(app_db, tmp_path, monkeypatch):
    monkeypatch.setattr(auth, "DEFAULT_USERS", tmp_path / "no-users.toml")
    monkeypatch.delenv("CRM_USERS")
    everyone = by_hand(app_db, "E0012")
    at = run_page(**RANGE)
    assert at.title[0].value == zh("overview.title") and not at.text_input
    assert zh("sidebar.viewer_admin") in [c.value for c in at.sidebar.caption]
    assert [number(m.value) for m in at.metric] == [everyone[k] for k in OVERVIEW]
    at.switch_page("app_pages/import_data.py").run()
    assert at.title[0].value == zh("import.title")


def test_a_named_users_file_that_is_missing_or_broken_lets_nobody_in(app_db, tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_USERS", str(tmp_path / "missing.toml"))
    at = run_page(**RANGE)
    assert [e.value for e in at.error] == [zh("signin.users_file_broken")] and not at.metric and not at.text_input
    (tmp_path / "missing.toml").write_text("[users\n")
    at = run_page(**RANGE)
    assert [e.value for e in at.error] == [zh("signin.users_file_broken")] and not at.metric


def test_the_sign_in_speaks_english_too(signin_db):
    at = run_page(lang="en", **RANGE)
    assert at.title[0].value == "Sign in to CRM Insight"
    assert [w.label for w in at.text_input] == ["User name", "Password"]
    assert not [t for t in ui_texts(at) if CJK.search(t)]
    at.sidebar.radio(key="lang").set_value("zh").run()
    assert at.title[0].value == zh("signin.title")
    at.sidebar.radio(key="lang").set_value("en").run()
    at.text_input(key="signin_name").set_value("rep")
    at.text_input(key="signin_password").set_value("not it at all")
    [b for b in at.button if b.label == "Sign in"][0].click().run()
    assert [e.value for e in at.error] == ["Wrong user name or password."]
    at.text_input(key="signin_password").set_value(PASSWORD)
    [b for b in at.button if b.label == "Sign in"][0].click().run()
    assert at.title[0].value == "Sales overview"
    assert [c.value for c in at.sidebar.caption if c.value.startswith("Signed in as ")] == [
        "Signed in as " + md(USER_NAMES["rep"]) + " (sales rep)"]
    assert [b.label for b in at.sidebar.button] == ["Sign out"]


# -- OpenID Connect (st.login): the provider's e-mail names the employee ------------------------------------------
def oidc_page(email: str, **claims):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                          "google": {"client_id": "id", "client_secret": "secret",
                                     "server_metadata_url": "https://accounts.google.com/.well-known/openid-configuration"}}
    at.user = {"is_logged_in": True, "email": email, **claims} if email else {"is_logged_in": False}
    for key, value in RANGE.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_provider_signed_in_person_is_the_employee_with_that_email(signin_db, monkeypatch):
    monkeypatch.setenv("CRM_USERS", "")  # the provider alone
    rep = by_hand(signin_db, "E0001")
    at = oidc_page("")
    assert [b.label for b in at.button] == [zh("signin.with_provider", provider="Google")] and not at.metric
    at = oidc_page(" E0001@Demo-CRM.cn ", email_verified=True)
    assert [number(m.value) for m in at.metric] == [rep[k] for k in OVERVIEW]
    at.sidebar.button(key="signin_out").click().run()  # st.logout; a browser then reloads the app
    at.run()
    assert not at.metric and [b.label for b in at.button] == [zh("signin.with_provider", provider="Google")]
    at = oidc_page("stranger@example.com")
    assert [e.value for e in at.error] == [zh("signin.refused.unknown_email", email=md("stranger@example.com"))]
    assert not at.metric
    at = oidc_page("e0001@demo-crm.cn", email_verified=False)
    assert not at.metric and at.error
