"""Who sees what (DESIGN.md): every declared report and drill-down, for a manager and a rep, equals the same
report computed by an admin over a copy of the database that holds only the rows that viewer may see.

The copy is narrowed here, independently of crm_core.scope: the viewer's employees from the departments'
parent links, then every table by its owner, employee, customer or deal, in plain SQL.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import DEMO_END, ROOT

from crm_core import customer_list as cl
from crm_core.filters import Filters
from crm_core.reports import declared
from crm_core.scope import ADMIN, Scope, Viewer
from crm_core.store import Store

D = dt.date
MANAGER = Viewer("E0014", "manager", "D110")  # the demo's 华东大区 manager: D111, D112, D113 below
REP = Viewer("E0002", "rep", "D112")
FILTER_SETS = [
    Filters(),
    Filters(start=D(2026, 3, 1), end=D(2026, 6, 30), period="week"),
    Filters(start=D(2025, 7, 1), end=D(2026, 6, 30), departments=("D112",)),
]
OPTIONS = {  # the options each report is run with (beside none at all, where it takes none)
    "new-customers": [{}, {"by": "employee"}, {"by": "department"}],
    "contacted-customers": [{}, {"by": "employee"}],
    "net-growth": [{}, {"by": "department"}],
    "custom-field": [{"field": "客户级别"}],
    "pool-risk": [{"as_of": DEMO_END, "window_days": 10}],
    "follow-up-hygiene": [{"as_of": DEMO_END}],
    "segments": [{"dimension": "industry"}, {"dimension": "region"}],
    "clv-by-segment": [{"dimension": "size"}],
    "leaderboard": [{}, {"by": "department"}],
    "care": [{}, {"days": 120}],
    "revenue": [{}, {"by": "employee"}],
}


def visible_employees(con, viewer: Viewer) -> list[str]:
    if viewer.role == "rep":
        return [viewer.employee_id]
    parents = dict(con.execute("SELECT department_id, parent_id FROM departments").fetchall())
    under = {d for d in parents if _ancestors(d, parents) & {viewer.department_id}}
    return [e for e, d in con.execute("SELECT employee_id, department_id FROM employees").fetchall() if d in under]


def _ancestors(dep, parents) -> set:
    seen = set()
    while dep is not None and dep not in seen:
        seen.add(dep)
        dep = parents.get(dep)
    return seen


def visible_departments(con, viewer: Viewer) -> list[str]:
    """A manager's department and every one below it; a rep's own department."""
    if viewer.role == "rep":
        return [viewer.department_id]
    parents = dict(con.execute("SELECT department_id, parent_id FROM departments").fetchall())
    return [d for d in parents if _ancestors(d, parents) & {viewer.department_id}]


def narrowed_copy(source: Path, target: Path, viewer: Viewer) -> Path:
    """A copy of ``source`` holding only what ``viewer`` may see (departments: the viewer's own tree, so a
    department row of the leaderboard is one the viewer may see; targets: their employees' and, for a manager,
    their departments')."""
    shutil.copyfile(source, target)
    con = duckdb.connect(str(target))
    people = visible_employees(con, viewer)
    con.execute("CREATE TEMP TABLE people AS SELECT unnest(?) AS id", [people])
    con.execute("CREATE TEMP TABLE teams AS SELECT unnest(?) AS id", [visible_departments(con, viewer)])
    team_targets = "department_id IN (SELECT id FROM teams)" if viewer.role == "manager" else "false"
    for sql in [
        f"DELETE FROM targets WHERE NOT (coalesce(employee_id IN (SELECT id FROM people), false) OR "
        f"coalesce({team_targets}, false))",
        "DELETE FROM department_tree WHERE ancestor_id NOT IN (SELECT id FROM teams) "
        "OR descendant_id NOT IN (SELECT id FROM teams)",
        "DELETE FROM employees WHERE employee_id NOT IN (SELECT id FROM people)",
        "DELETE FROM customers WHERE owner_id IS NULL OR owner_id NOT IN (SELECT id FROM people)",
        "DELETE FROM follow_ups WHERE employee_id IS NULL OR employee_id NOT IN (SELECT id FROM people)",
        "DELETE FROM deals WHERE owner_id IS NULL OR owner_id NOT IN (SELECT id FROM people)",
        "DELETE FROM pool_events WHERE employee_id IS NULL OR employee_id NOT IN (SELECT id FROM people)",
        "DELETE FROM customer_tags WHERE customer_id NOT IN (SELECT customer_id FROM customers)",
        "DELETE FROM customer_fields WHERE customer_id NOT IN (SELECT customer_id FROM customers)",
        "DELETE FROM surveys WHERE customer_id IS NULL OR customer_id NOT IN (SELECT customer_id FROM customers)",
        "DELETE FROM deal_stage_history WHERE deal_id NOT IN (SELECT deal_id FROM deals)",
    ]:
        con.execute(sql)
    con.close()
    Store(target).close()  # opened for writing: what the store keeps (next_contacts) follows the deletes
    return target


@pytest.fixture(scope="module", params=[MANAGER, REP], ids=["manager", "rep"])
def pair(request, demo_path, tmp_path_factory):
    """(the demo company, the copy narrowed by hand to what the viewer sees, the viewer)."""
    viewer = request.param
    copy = narrowed_copy(demo_path, tmp_path_factory.mktemp("narrowed") / "copy.duckdb", viewer)
    whole, narrowed = Store(demo_path, read_only=True), Store(copy, read_only=True)
    yield whole.backend(), narrowed.backend(), viewer
    whole.close()
    narrowed.close()


def runs():
    for name, rep in sorted(declared().items()):
        for opts in OPTIONS.get(name, [{}]):
            yield name, opts


@pytest.mark.parametrize("name, opts", list(runs()), ids=lambda v: v if isinstance(v, str) else
                         ",".join(f"{k}={x}" for k, x in v.items()))
def test_every_report_holds_exactly_the_viewers_rows(pair, name, opts):
    whole, narrowed, viewer = pair
    report = declared()[name]
    for f in FILTER_SETS:
        if f.departments and viewer.role == "rep" and "D112" not in f.departments:
            continue
        seen = report.run(Scope(whole, f, viewer), **opts)
        expected = report.run(Scope(narrowed, f, ADMIN), **opts)
        pd.testing.assert_frame_equal(seen.reset_index(drop=True), expected.reset_index(drop=True),
                                      check_dtype=False, obj=f"{name} {opts} {f}")
        if report.drill is None or seen.empty:
            continue
        for row in seen.head(2).to_dict("records"):
            for column in [None, *[c for c in seen.columns if c in report.columns[1:]]][:3]:
                got = cl.drill_list(name, Scope(whole, f, viewer), row, column, limit=None, **opts)[1]
                want = cl.drill_list(name, Scope(narrowed, f, ADMIN), row, column, limit=None, **opts)[1]
                pd.testing.assert_frame_equal(got, want, check_dtype=False, obj=f"{name} drill {row} {column}")


def test_the_narrowing_is_not_empty_nor_everything(pair):
    """A guard on the test above: each viewer sees some customers, and fewer than an admin."""
    whole, narrowed, viewer = pair
    f = Filters(start=D(2025, 1, 1), end=DEMO_END)
    mine = declared()["new-customers"].run(Scope(whole, f, viewer))["new_customers"].sum()
    everyone = declared()["new-customers"].run(Scope(whole, f))["new_customers"].sum()
    assert 0 < mine < everyone


def test_a_table_narrowed_through_some_of_its_parents_rows(pair):
    """customer_tags narrowed through the customers created since June (as the tag report asks): exactly the
    tags of those of the viewer's customers, counted in the copy that holds only the viewer's data."""
    whole, narrowed, viewer = pair
    since = dt.datetime(2026, 6, 1)
    tags = Scope(whole, viewer=viewer).table("customer_tags", parents=lambda c: c.filter(c.created_at >= since))
    got = sorted(map(tuple, tags.select("customer_id", "tag").execute().to_numpy().tolist()))
    want = sorted(map(tuple, narrowed.con.execute(
        "SELECT customer_id, tag FROM customer_tags WHERE customer_id IN "
        "(SELECT customer_id FROM customers WHERE created_at >= ?)", [since]).fetchall()))
    assert got == want and 0 < len(want)


def test_parents_is_refused_for_a_table_not_narrowed_through_a_parent(demo_store):
    """Asked of customers or employees, ``parents`` would be ignored (or, for employees, give nothing): an error."""
    scope = Scope(demo_store.backend())
    for name in ("customers", "employees", "follow_ups"):
        with pytest.raises(ValueError, match="not narrowed through a parent"):
            scope.table(name, parents=lambda c: c)


def test_a_manager_sees_their_department_tree_and_a_rep_only_themselves(demo_store):
    b = demo_store.backend()
    people = Scope(b, viewer=MANAGER).people()
    assert [(d[0], d[3]) for d in people["departments"]] == [("D110", 0), ("D111", 1), ("D112", 1), ("D113", 1)]
    assert {e[2] for e in people["employees"]} <= {"D110", "D111", "D112", "D113"}
    rep = Scope(b, viewer=REP).people()
    assert [e[0] for e in rep["employees"]] == ["E0002"] and [d[0] for d in rep["departments"]] == ["D112"]
    admin = Scope(b).people()
    assert len(admin["employees"]) == 17
    tree = [(d[0], d[3]) for d in admin["departments"]]
    assert tree[:3] == [("D100", 0), ("D110", 1), ("D111", 2)] and ("D160", 1) in tree  # each after its parent


# -- no read escapes the Scope ---------------------------------------------------------------------------
ALLOWED = {"crm_core/scope.py", "crm_core/backend.py", "crm_core/store.py", "crm_core/postgres.py", "crm_core/demo.py",
           "crm_core/regions.py", "crm_core/next_contacts.py",  # the write-time normaliser and the kept tables
           "crm_core/kept.py", "crm_core/deal_spans.py", "crm_core/customer_steps.py", "crm_core/kept_summaries.py",
           "crm_core/customer_days.py", "crm_core/employee_contact_days.py"}
TABLES = "customers|follow_ups|deals|deal_stage_history|pool_events|customer_tags|customer_fields|surveys|" \
         "targets|employees|departments|department_tree|settings"
RAW_READS = [r"raw_table\(", r"\bbackend\.table\(", r"\.table\(\s*[\"']", r"\.query\(", r"\.execute\(",
             r"\.cursor\(", r"\bibis\.duckdb\.connect", rf"(?i)\bselect\b[^\"']*\b(from|join)\s+({TABLES})\b"]


def source_files():
    for folder in ("crm_core", "ui", "app_pages"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel not in ALLOWED and not rel.startswith("crm_core/importing/"):
                yield rel
    yield "dashboard.py"


@pytest.mark.parametrize("rel", list(source_files()))
def test_no_module_but_the_scope_and_the_importer_reads_a_raw_table(rel):
    text = (ROOT / rel).read_text(encoding="utf-8")
    found = [p for p in RAW_READS if re.search(p, text)]
    assert not found, f"{rel} reads around the Scope: {found}"


def test_the_raw_read_check_can_fail():
    assert any(re.search(p, 'store.query("SELECT * FROM customers")') for p in RAW_READS)
    assert any(re.search(p, "t = raw_table(backend, 'follow_ups')") for p in RAW_READS)
