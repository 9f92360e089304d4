"""The demo company: its roles (DESIGN.md, "Who sees what") and that a seed always gives the same data."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from crm_core.demo import DEPARTMENTS, build_demo
from crm_core.schema import ROLES, TABLES
from crm_core.store import Store

REGIONS = {d[0] for d in DEPARTMENTS if d[2] == "D100" and d[3] is None}  # the 大区
SALES = {d[0] for d in DEPARTMENTS if d[3]}
END = dt.date(2025, 6, 30)


def _build(path, seed: int = 3):
    store = Store(path)
    build_demo(store, customers=8000, seed=seed, end=END)  # 20 sales employees: some departments have reps
    store.close()
    return path


@pytest.fixture(scope="module")
def company_path(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("roles") / "demo.duckdb")


@pytest.fixture(scope="module")
def company(company_path):
    s = Store(company_path, read_only=True)
    yield s
    s.close()


def _roles(store: Store) -> dict[str, list[tuple]]:
    rows = store.query("SELECT role, department_id, employee_id, active FROM employees ORDER BY employee_id")
    out: dict[str, list[tuple]] = {}
    for role, dep, emp, active in rows:
        out.setdefault(role, []).append((dep, emp, active))
    return out


def test_every_employee_has_a_role(company):
    assert set(_roles(company)) == set(ROLES)


def test_admins_are_the_sales_centre(company):
    admins = _roles(company)["admin"]
    assert 1 <= len(admins) <= 2
    assert {dep for dep, _, _ in admins} == {"D100"}


def test_one_manager_per_region_and_per_sales_department(company):
    managers = [dep for dep, _, _ in _roles(company)["manager"]]
    assert sorted(managers) == sorted(REGIONS | SALES)


def test_a_sales_departments_manager_is_its_first_active_employee(company):
    for dep in SALES:
        people = company.query("SELECT employee_id, active, role FROM employees WHERE department_id = ? "
                                  "ORDER BY employee_id", [dep])
        head = next((p for p in people if p[1]), people[0])
        assert head[2] == "manager"
        assert all(p[2] == "rep" for p in people if p is not head)


def test_reps_are_the_sales_staff(company):
    reps = _roles(company)["rep"]
    assert reps and {dep for dep, _, _ in reps} <= SALES


def test_admins_and_region_managers_own_no_records(company):
    for table, col in (("customers", "owner_id"), ("follow_ups", "employee_id"), ("deals", "owner_id"),
                       ("pool_events", "employee_id"), ("targets", "employee_id")):
        deps = company.query(f"SELECT DISTINCT e.department_id FROM {table} t JOIN employees e ON t.{col} = e.employee_id")
        assert {d for d, in deps} == SALES, table


def test_the_same_seed_gives_the_same_data(company_path, tmp_path):
    con = duckdb.connect()
    con.execute(f"ATTACH '{company_path}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{_build(tmp_path / 'b.duckdb')}' AS b (READ_ONLY)")
    con.execute(f"ATTACH '{_build(tmp_path / 'c.duckdb', seed=4)}' AS c (READ_ONLY)")

    def differing(x: str, y: str, table: str) -> int:
        both = (f"(SELECT * FROM {x}.{table} EXCEPT ALL SELECT * FROM {y}.{table}) UNION ALL "
                f"(SELECT * FROM {y}.{table} EXCEPT ALL SELECT * FROM {x}.{table})")
        return con.execute(f"SELECT count(*) FROM ({both})").fetchone()[0]

    tables = [t for t in TABLES if t != "settings"]  # settings hold a data_version
    assert {t: differing("a", "b", t) for t in tables} == {t: 0 for t in tables}
    assert con.execute("SELECT count(*) FROM a.customers").fetchone()[0] == 8000
    assert differing("a", "c", "customers") > 0
