"""The growth reports on the demo company equal the same counts done independently in plain pandas,
and the CLI prints them with the documented columns."""

import datetime as dt
import io
import subprocess
import sys

import pandas as pd
import pytest

from crm_core.scope import Scope
from crm_core import metrics
from crm_core.filters import Filters
from conftest import ROOT

D = dt.date
FILTER_SETS = [
    Filters(start=D(2025, 1, 1), end=D(2025, 12, 31), period="month"),
    Filters(start=D(2025, 3, 5), end=D(2025, 5, 20), period="week"),
    Filters(start=D(2024, 2, 29), end=D(2026, 11, 23), period="quarter", departments=("D110",)),
    Filters(start=D(2026, 10, 1), end=D(2026, 11, 30), period="day", employees=("E0003", "E0005")),
    Filters(start=D(2024, 1, 1), end=D(2026, 6, 30), period="year", departments=("D120", "D150")),
]
REPORTS = [  # function, table, date column, attributed to, counted distinct
    (metrics.new_customers, "customers", "created_at", "owner_id", None, "new_customers"),
    (metrics.contacted_customers, "follow_ups", "contacted_at", "employee_id", "customer_id", "contacted_customers"),
    (metrics.next_contact_customers, "customers", "next_contact_at", "owner_id", None, "next_contact_customers"),
    (metrics.won_customers, "customers", "won_at", "owner_id", None, "won_customers"),
]


@pytest.fixture(scope="module")
def tables(demo_store):
    q = lambda sql: demo_store.cursor().execute(sql).df()  # noqa: E731
    return {t: q(f"SELECT * FROM {t}") for t in ("customers", "follow_ups", "employees", "departments")}


def people(tables, f: Filters) -> set | None:
    """Employees passing the filters, found by walking the department tree in plain Python."""
    if not (f.departments or f.employees):
        return None
    emp = tables["employees"]
    if f.departments:
        deps, parents = set(f.departments), dict(zip(tables["departments"].department_id, tables["departments"].parent_id))
        for d in parents:
            p = d
            while p is not None and not pd.isna(p):
                if p in f.departments:
                    deps.add(d)
                p = parents.get(p)
        emp = emp[emp.department_id.isin(deps)]
    if f.employees:
        emp = emp[emp.employee_id.isin(f.employees)]
    return set(emp.employee_id)


def period_of(ts: pd.Series, period: str) -> pd.Series:
    d = ts.dt.normalize()
    if period == "week":
        return (d - pd.to_timedelta(d.dt.day_of_week, unit="D")).dt.date
    if period == "month":
        return d.dt.to_period("M").dt.start_time.dt.date
    if period == "quarter":
        return d.dt.to_period("Q").dt.start_time.dt.date
    if period == "year":
        return d.dt.to_period("Y").dt.start_time.dt.date
    return d.dt.date


def expected(tables, f, table, date_col, emp_col, distinct, by=None) -> dict:
    df = tables[table]
    df = df[(df[date_col] >= pd.Timestamp(f.start)) & (df[date_col] < pd.Timestamp(f.end) + pd.Timedelta(days=1))]
    allowed = people(tables, f)
    if allowed is not None:
        df = df[df[emp_col].isin(allowed)]
    df = df.assign(period=period_of(df[date_col], f.period))
    keys = ["period"]
    if by == "employee":
        df = df.assign(group=df[emp_col].astype(object))
        keys.append("group")
    g = df.groupby(keys, dropna=False)
    counts = g[distinct].nunique() if distinct else g.size()
    return {k: v for k, v in counts.items() if v}


@pytest.mark.parametrize("f", FILTER_SETS, ids=lambda f: f"{f.period}-{f.departments or f.employees or 'all'}")
@pytest.mark.parametrize("fn, table, date_col, emp_col, distinct, value", REPORTS, ids=lambda r: getattr(r, "__name__", ""))
def test_report_equals_pandas(demo_store, tables, f, fn, table, date_col, emp_col, distinct, value):
    got = fn(Scope(demo_store.backend(), f))
    want = expected(tables, f, table, date_col, emp_col, distinct)
    assert {p: n for p, n in zip(got.period, got[value]) if n} == want
    assert len(got) == len(set(got.period)), "one row per period"
    assert got.period.iloc[0] <= f.start and got.period.iloc[-1] <= f.end
    assert sum(want.values()) > 0 or value == "next_contact_customers", "the filter set must have data to compare"


@pytest.mark.parametrize("f", FILTER_SETS[:3], ids=["month", "week", "quarter-dept"])
def test_contacted_by_employee_equals_pandas(demo_store, tables, f):
    got = metrics.contacted_customers(Scope(demo_store.backend(), f), by="employee")
    want = expected(tables, f, "follow_ups", "contacted_at", "employee_id", "customer_id", by="employee")
    assert {(p, e): n for p, e, n in zip(got.period, got.employee_id, got.contacted_customers) if n} == want


def test_net_growth_equals_pandas(demo_store, tables):
    f = FILTER_SETS[0]
    got = metrics.net_growth(Scope(demo_store.backend(), f))
    new = expected(tables, f, "customers", "created_at", "owner_id", None)
    churned = expected(tables, f, "customers", "lost_at", "owner_id", None)
    for p, n, c, g in got[["period", "new_customers", "churned_customers", "net_growth"]].itertuples(index=False):
        assert (n, c, g) == (new.get(p, 0), churned.get(p, 0), new.get(p, 0) - churned.get(p, 0))


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crm_core", *args], capture_output=True, text=True, cwd=ROOT)


@pytest.mark.parametrize("name, columns", [
    ("new-customers", ["period", "new_customers"]),
    ("contacted-customers", ["period", "contacted_customers"]),
    ("next-contact", ["period", "next_contact_customers"]),
    ("won-customers", ["period", "won_customers"]),
    ("net-growth", ["period", "new_customers", "churned_customers", "net_growth"]),
])
def test_cli_prints_the_documented_columns(demo_path, demo_store, name, columns):
    r = cli("report", name, "--db", str(demo_path), "--start", "2025-01-01", "--end", "2025-06-30",
            "--period", "month", "--department", "D120", "--by", "employee")
    assert r.returncode == 0, r.stderr
    out = pd.read_csv(io.StringIO(r.stdout), dtype={"employee_id": str})
    assert list(out.columns) == [columns[0], "employee_id", *columns[1:]]
    assert out.period.iloc[0] == "2025-01-01" and out.period.iloc[-1] == "2025-06-01"
    fn = {"new-customers": metrics.new_customers, "contacted-customers": metrics.contacted_customers,
          "next-contact": metrics.next_contact_customers, "won-customers": metrics.won_customers,
          "net-growth": metrics.net_growth}[name]
    direct = fn(Scope(demo_store.backend(), Filters(start=D(2025, 1, 1), end=D(2025, 6, 30), departments=("D120",))), by="employee")
    assert out[columns[1]].tolist() == direct[columns[1]].tolist()


def test_cli_explains_what_is_wrong(demo_path, tmp_path):
    missing = cli("report", "new-customers", "--db", str(tmp_path / "none.duckdb"))
    assert missing.returncode != 0 and "no database at" in missing.stderr and "demo" in missing.stderr
    bad_date = cli("report", "new-customers", "--db", str(demo_path), "--start", "2025-13-01")
    assert bad_date.returncode != 0 and "YYYY-MM-DD" in bad_date.stderr
    unknown = cli("report", "new-customers", "--db", str(demo_path), "--department", "D999")
    assert unknown.returncode != 0 and "unknown department D999" in unknown.stderr
    backwards = cli("report", "new-customers", "--db", str(demo_path), "--start", "2025-02-01", "--end", "2025-01-01")
    assert backwards.returncode != 0 and "after the end" in backwards.stderr
