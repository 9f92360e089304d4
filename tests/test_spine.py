"""The report spine: declarations, --as-user, the department tree, the migration of older databases, and
how many statements a redraw costs."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import threading

import duckdb
import pandas as pd
import pytest
from conftest import ROOT, run_page

from crm_core import backend
from crm_core.errors import UserError
from crm_core.filters import Filters
from crm_core.reports import cli_reports, declared, get
from crm_core.scope import Scope, Viewer, viewer_for
from crm_core.store import Store

DESIGN_COLUMNS = {  # DESIGN.md, "Command line"
    "new-customers": ["period", "new_customers"], "contacted-customers": ["period", "contacted_customers"],
    "next-contact": ["period", "next_contact_customers"], "won-customers": ["period", "won_customers"],
    "net-growth": ["period", "new_customers", "churned_customers", "net_growth"],
    "categories": ["category", "customers"], "tags": ["tag", "customers"], "custom-field": ["value", "customers"],
    "customers-per-owner": ["employee_id", "contacted", "not_contacted"],
    "regions": ["region", "customers", "lat", "lon", "top5"], "pool-risk": ["employee_id", "customers"],
    "pool-claims": ["period", "employee_id", "pool", "claims"],
    "funnel": ["step", "customers", "conversion_from_previous", "conversion_from_first"],
    "deal-funnel": ["stage", "deals", "conversion_from_previous", "conversion_from_first", "median_days_in_stage"],
    "revenue": ["period", "revenue"], "pareto": ["customer_id", "revenue", "cumulative_share"],
    "rfm": ["segment", "customers"], "segments": ["value", "customers", "won_customers", "revenue", "win_rate"],
    "products": ["product", "revenue", "new_buyers"],
    "lifecycle": ["stage", "customers"], "churn-rate": ["period", "churned", "active_at_start", "churn_rate"],
    "clv": ["average_order_value", "purchase_frequency", "churn_rate", "clv"],
    "nps": ["promoters", "passives", "detractors", "responses", "nps"],
    "retention": ["cohort", "months_since", "customers", "share"],
    "at-risk": ["customer_id", "employee_id", "reason", "days_since", "usual_days", "ratio"],
    "care": ["date", "occasion", "customer_id", "employee_id"],
    "leaderboard": ["employee_id", "new_customers", "contacted_customers", "follow_ups", "won_customers", "revenue",
                    "win_rate"],
    "attainment": ["period_start", "period", "employee_id", "department_id", "metric", "actual", "target", "attainment"],
    "forecast": ["month", "employee_id", "open_deals", "open_amount", "weighted_amount"],
}


def cli(*args):
    return subprocess.run([sys.executable, "-m", "crm_core", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_the_cli_offers_exactly_the_declared_cli_reports():
    assert sorted(cli_reports()) == sorted(DESIGN_COLUMNS)
    assert not {"customer-list", "customer-count", "growth-summary", "growth-trends"} & set(cli_reports())


@pytest.mark.parametrize("name", sorted(declared()))
def test_every_report_prints_its_declared_columns(demo_store, name):
    report = get(name)
    opts = {"custom-field": {"field": "客户级别"}, "segments": {"dimension": "size"},
            "clv-by-segment": {"dimension": "size"}}.get(name, {})
    df = report.run(Scope(demo_store.backend(), Filters()), **opts)
    assert list(df.columns) == report.columns_for(), name
    if name in DESIGN_COLUMNS:
        assert list(report.columns) == DESIGN_COLUMNS[name]
    if "by" in report.options:
        split = report.run(Scope(demo_store.backend(), Filters()), by="employee")
        assert list(split.columns) == report.columns_for("employee")


def test_a_report_refuses_an_option_it_does_not_take(demo_store):
    with pytest.raises(UserError, match="does not take --as-of"):
        get("categories").run(Scope(demo_store.backend()), as_of=pd.Timestamp("2026-01-01").date())
    run = cli("report", "categories", "--db", str(demo_store.path), "--rule-days", "3")
    assert run.returncode == 2 and "does not take --rule-days" in run.stderr


# -- --as-user ------------------------------------------------------------------------------------------
def test_as_user_prints_the_viewers_part_and_an_admin_sees_all(demo_path, tmp_path):
    db = tmp_path / "roles.duckdb"
    shutil.copyfile(demo_path, db)
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE employees SET role = 'rep' WHERE employee_id = 'E0002'")
    common = ["--db", str(db), "--start", "2026-01-01", "--end", "2026-06-30"]
    everyone = pd.read_csv(io.StringIO(cli("report", "customers-per-owner", *common).stdout))
    admin = pd.read_csv(io.StringIO(cli("report", "customers-per-owner", *common, "--as-user", "E0012").stdout))
    pd.testing.assert_frame_equal(everyone, admin)
    rep = pd.read_csv(io.StringIO(cli("report", "customers-per-owner", *common, "--as-user", "E0002").stdout))
    assert rep.employee_id.tolist() == ["E0002"]  # numbers: test_a_rep_counts_only_their_own_contacts
    manager = pd.read_csv(io.StringIO(cli("report", "customers-per-owner", *common, "--as-user", "E0014").stdout))
    assert manager.employee_id.tolist() == ["E0001", "E0002", "E0003", "E0014"]  # 华东大区: D110 and below
    unknown = cli("report", "new-customers", *common, "--as-user", "E9999")
    assert unknown.returncode == 2 and "unknown employee E9999" in unknown.stderr and "Traceback" not in unknown.stderr


def test_a_rep_counts_only_their_own_contacts(demo_store):
    """Contacted (by anyone) means by anyone the viewer may see: for a rep, their own follow-ups."""
    b = demo_store.backend()
    f = Filters(start=pd.Timestamp("2026-01-01").date(), end=pd.Timestamp("2026-06-30").date())
    rep = Scope(b, f, Viewer("E0002", "rep", "D112"))
    got = get("customers-per-owner").run(rep).set_index("employee_id").loc["E0002"]
    con = demo_store.cursor()
    expected = con.execute("""
        SELECT count(*) FILTER (WHERE contacted), count(*) FILTER (WHERE NOT contacted) FROM (
          SELECT c.customer_id, EXISTS (SELECT 1 FROM follow_ups f WHERE f.customer_id = c.customer_id
                 AND f.employee_id = 'E0002' AND f.contacted_at >= '2026-01-01' AND f.contacted_at < '2026-07-01')
                 AS contacted
          FROM customers c WHERE c.owner_id = 'E0002')""").fetchone()
    assert (got.contacted, got.not_contacted) == expected


def test_viewer_for_reads_the_role_and_an_empty_role_is_a_rep(store):
    with store.write() as cur:
        cur.execute("INSERT INTO departments VALUES ('D1', 'Sales', NULL)")
        cur.execute("INSERT INTO employees (employee_id, name, department_id, role) VALUES "
                    "('E1', 'Li', 'D1', 'manager'), ('E2', 'Wang', 'D1', NULL), ('E3', 'Sun', 'D1', ' Admin ')")
    b = store.backend()
    assert [(v.role, v.department_id) for v in map(lambda e: viewer_for(b, e), ["E1", "E2", "E3"])] == \
        [("manager", "D1"), ("rep", "D1"), ("admin", "D1")]
    with pytest.raises(UserError, match="unknown employee E7; known ones: E1, E2, E3"):
        viewer_for(b, "E7")


# -- the department tree -----------------------------------------------------------------------------
def tree(store) -> set:
    return set(store.cursor().execute("SELECT ancestor_id, descendant_id, depth FROM department_tree").fetchall())


def test_the_department_tree_follows_every_write_in_the_same_transaction(store):
    with store.write() as cur:
        cur.execute("INSERT INTO departments VALUES ('A', 'a', NULL), ('B', 'b', 'A'), ('C', 'c', 'B'), ('X', 'x', NULL)")
    assert tree(store) == {("A", "A", 0), ("B", "B", 0), ("C", "C", 0), ("X", "X", 0), ("A", "B", 1), ("B", "C", 1),
                           ("A", "C", 2)}
    with store.write() as cur:
        cur.execute("UPDATE departments SET parent_id = 'X' WHERE department_id = 'B'")
    assert ("X", "C", 2) in tree(store) and ("A", "C", 2) not in tree(store)
    with pytest.raises(RuntimeError):
        with store.write() as cur:
            cur.execute("UPDATE departments SET parent_id = 'A' WHERE department_id = 'B'")
            raise RuntimeError("rolled back")
    assert ("X", "C", 2) in tree(store)  # the failed write left the tree as the departments are


def test_a_loop_in_the_departments_does_not_hang(store):
    with store.write() as cur:
        cur.execute("INSERT INTO departments VALUES ('A', 'a', 'B'), ('B', 'b', 'A')")
    assert {("A", "B", 1), ("B", "A", 1), ("A", "A", 0), ("B", "B", 0)} == tree(store)


# -- table handles --------------------------------------------------------------------------------
def test_each_thread_reads_on_its_own_backend_with_the_schemas_looked_up_once(store, monkeypatch):
    with store.write() as cur:
        cur.execute("INSERT INTO customers (customer_id, name, created_at) VALUES ('C1', 'a', '2025-01-01')")
    mine = backend.raw_table(store.backend(), "customers")
    seen = {}

    def page_run():  # a page run is a thread of its own, with a backend of its own
        be = store.backend()
        table = backend.raw_table(be, "customers")
        seen.update(backend=be, source=table.op().source, schema=table.schema(), rows=Scope(be).run(table).shape[0])

    monkeypatch.setattr(type(store.backend()), "get_schema", lambda *a, **k: pytest.fail("schema looked up again"))
    thread = threading.Thread(target=page_run)
    thread.start()
    thread.join()
    assert seen["source"] is seen["backend"] is not store.backend()
    assert seen["schema"] == mine.schema() and seen["rows"] == 1
    monkeypatch.undo()
    with store.write() as cur:  # a write may change a table: handles are looked up again after it
        cur.execute("ALTER TABLE customers ADD COLUMN note VARCHAR")
    assert "note" in backend.raw_table(store.backend(), "customers").columns


def test_a_setting_is_read_once_per_write_and_every_thread_sees_a_new_one(store):
    store.put_setting("pool_rule_days", '{"*": 20}')
    before = backend.STATEMENTS["n"]
    assert Scope(store.backend()).setting("pool_rule_days") == '{"*": 20}'
    assert Scope(store.backend()).setting("deal_stages", "none") == "none"  # not set: the default, also kept
    seen = []
    thread = threading.Thread(target=lambda: seen.append((Scope(store.backend()).setting("pool_rule_days"),
                                                          Scope(store.backend()).setting("deal_stages"))))
    thread.start()
    thread.join()
    assert seen == [('{"*": 20}', None)] and backend.STATEMENTS["n"] - before == 2  # one statement per key
    store.put_setting("pool_rule_days", '{"*": 45}')
    assert Scope(store.backend()).setting("pool_rule_days") == '{"*": 45}'


# -- an older database -------------------------------------------------------------------------------
def test_a_version_1_database_is_brought_up_to_date(tmp_path):
    path = tmp_path / "v1.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE settings (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT INTO settings VALUES ('schema_version', '1')")
    con.execute("CREATE TABLE departments (department_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, parent_id VARCHAR)")
    con.execute("CREATE TABLE employees (employee_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, "
                "department_id VARCHAR, email VARCHAR, active BOOLEAN DEFAULT TRUE)")
    con.execute("INSERT INTO departments VALUES ('D1', 'Sales', NULL), ('D2', 'East', 'D1')")
    con.execute("INSERT INTO employees VALUES ('E1', 'Li', 'D2', NULL, true)")
    s = Store(path)  # creates the other tables, then migrates
    s.close()
    con.close()
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO customers (customer_id, name, created_at, region, city) VALUES "
                "('C1', 'a', '2025-01-01', '广东', NULL), ('C2', 'b', '2025-01-01', NULL, '深圳'), "
                "('C3', 'c', '2025-01-01', 'Bayern', 'München')")
    con.execute("UPDATE settings SET value = '1' WHERE key = 'schema_version'")
    con.close()
    s = Store(path)
    rows = s.query("SELECT customer_id, region FROM customers ORDER BY 1")
    assert rows == [("C1", "广东省"), ("C2", "广东省"), ("C3", "Bayern")]
    assert s.query("SELECT role FROM employees") == [(None,)]
    assert ("D1", "D2", 1) in set(s.query("SELECT * FROM department_tree"))
    assert s.schema_version() == 2
    s.close()


def test_the_cli_reads_a_version_1_database_after_bringing_it_up_to_date(demo_path, tmp_path):
    db = tmp_path / "old.duckdb"
    shutil.copyfile(demo_path, db)
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE settings SET value = '1' WHERE key = 'schema_version'")
        con.execute("DELETE FROM department_tree")
    run = cli("report", "new-customers", "--db", str(db), "--department", "D110", "--start", "2026-01-01",
              "--end", "2026-03-31")
    assert run.returncode == 0, run.stderr
    assert sum(int(line.split(",")[1]) for line in run.stdout.splitlines()[1:]) > 0


# -- statements per redraw ----------------------------------------------------------------------------
def test_the_overview_redraws_a_filter_change_in_at_most_three_statements(app_db):
    at = run_page(range="custom", start="2026-01-01", end="2026-06-30")
    before = backend.STATEMENTS["n"]
    at.sidebar.multiselect(key="f_departments").set_value(["D120"]).run()
    assert not at.exception
    assert 1 <= backend.STATEMENTS["n"] - before <= 3
    before = backend.STATEMENTS["n"]
    at.sidebar.selectbox(key="f_range").set_value("last_year").run()
    assert 1 <= backend.STATEMENTS["n"] - before <= 3


def test_the_statement_count_counts(store):
    before = backend.STATEMENTS["n"]
    store.query("SELECT 1")
    Scope(store.backend()).run(Scope(store.backend()).customers.count())
    assert backend.STATEMENTS["n"] - before == 2
