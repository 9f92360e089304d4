"""The team reports (leaderboard, attainment, forecast) against DESIGN.md's definitions written independently
in plain pandas: on the demo company for several filter sets, by employee and by department, as an admin, a
manager and a rep; on a small hand-counted database for the edge cases; and once through the command line.

Readings chosen where DESIGN.md leaves room (each is repeated where it is used):

- the range [S, E] is the filters' start and end; "in the range" = the timestamp's day in [S, E].
- selected employees: every employee without a people filter, else those of the filter's departments (with
  their sub-departments, via parent_id) and/or the filter's employees (tests/files/frames.people). The
  viewer narrows them (DESIGN "Who sees what"): an admin sees all, a manager the employees of their
  department's subtree, a rep themselves.
- leaderboard by employee: one row per selected and visible employee, zeros included. new_customers =
  customers they own created in the range; contacted_customers = distinct customers of their follow-ups in
  the range; follow_ups = how many; won_customers = customers they own with won_at in the range; revenue =
  sum of amount (NULL as 0) of their won deals closed in the range; win_rate = their won deals closed in the
  range / their won or lost deals closed in the range, empty when none. Revenue first, ties by id.
- leaderboard by department: one row per department that has a selected and visible employee in its
  subtree and lies within the viewer's tree (admin: any department; manager: their department's subtree;
  rep: only their own department) and, when one is set, within the department filter's subtrees. A row
  counts the records of the selected and visible employees of its whole subtree; contacted customers are
  distinct across the subtree.
- attainment: targets whose period_start lies in [S, E] with one of the four metrics, that the viewer may see
  (admin all; manager: targets of the employees of their subtree and of the departments in it; rep: their
  own), narrowed by a people filter to the selected employees' targets plus, with a department filter, the
  targets of the departments within its subtrees. actual = the metric as in the leaderboard over the target's
  own period (period_start .. the last day of its month / quarter / year), not cut by the range, for its
  employee or every (visible) employee of its department's subtree; attainment = actual / target, empty for a
  target of 0. Ordered by period_start, department_id, employee_id (empty first), metric.
- forecast: open deals of the selected and visible employees whose expected_close_at's day lies in [S, E];
  per (first day of expected_close_at's month, owner): open_deals, open_amount (NULL as 0), weighted_amount
  = sum of amount (NULL as 0) x the stage's probability (settings `stage_probability`, a JSON object that
  overrides DESIGN's defaults stage by stage; a stage known to neither is 0). Ordered by month, employee_id.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys

import pandas as pd
import pytest
from conftest import ROOT

from crm_core.filters import Filters
from crm_core.reports import get
from crm_core.scope import ADMIN, Scope, Viewer
from files.checks import same_rows
from files.frames import TABLES, after, load, people, ts

D = dt.date
T = dt.datetime
NAMES = (*TABLES, "targets")
COUNTS = ["new_customers", "contacted_customers", "follow_ups", "won_customers", "revenue", "win_rate"]
COLUMNS = {
    "employee": ["employee_id", *COUNTS],
    "department": ["department_id", *COUNTS],
    "attainment": ["period_start", "period", "employee_id", "department_id", "metric", "actual", "target",
                   "attainment"],
    "forecast": ["month", "employee_id", "open_deals", "open_amount", "weighted_amount"],
}
METRICS = ("new_customers", "won_customers", "revenue", "follow_ups")
DEFAULT_PROBABILITY = {"lead": 0.1, "qualified": 0.25, "proposal": 0.5, "negotiation": 0.75}
PERIOD_FREQ = {"month": "M", "quarter": "Q", "year": "Y"}

MANAGER = Viewer("E0014", "manager", "D110")  # the demo's 华东大区: D111, D112, D113 below
REP = Viewer("E0002", "rep", "D112")
FILTER_SETS = {  # leaderboard and attainment
    "month": Filters(start=D(2026, 3, 1), end=D(2026, 3, 31)),
    "quarter": Filters(start=D(2025, 7, 1), end=D(2025, 9, 30)),
    "dept": Filters(start=D(2025, 1, 1), end=D(2026, 6, 30), departments=("D110",)),
    "employees": Filters(start=D(2024, 7, 1), end=D(2026, 11, 23), employees=("E0003", "E0007")),
}
FORECAST_SETS = {  # the demo's open deals are expected to close after its last day (2026-11-23)
    "month": Filters(start=D(2026, 12, 1), end=D(2026, 12, 31)),
    "quarter": Filters(start=D(2027, 1, 1), end=D(2027, 3, 31)),
    "dept": Filters(start=D(2026, 11, 1), end=D(2027, 3, 31), departments=("D110",)),
    "employees": Filters(start=D(2026, 11, 24), end=D(2027, 3, 31), employees=("E0003", "E0007")),
}


# -- comparing -----------------------------------------------------------------------------------------
def check(df: pd.DataFrame, kind: str, expected: list[tuple], name: str) -> None:
    same_rows(df.reset_index(drop=True), COLUMNS[kind], expected, name, abs_tol=1e-9)


def leaderboard(backend, f: Filters, viewer: Viewer = ADMIN, by: str | None = None) -> pd.DataFrame:
    return get("leaderboard").run(Scope(backend, f, viewer), by=by)


def attainment(backend, f: Filters, viewer: Viewer = ADMIN) -> pd.DataFrame:
    return get("attainment").run(Scope(backend, f, viewer))


def forecast(backend, f: Filters, viewer: Viewer = ADMIN) -> pd.DataFrame:
    return get("forecast").run(Scope(backend, f, viewer))


def frame(kind: str, rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS[kind])


# -- the definitions in pandas -----------------------------------------------------------------------
def empty(v) -> bool:
    return v is None or (not isinstance(v, str) and pd.isna(v))


def subtree(t, roots) -> set:
    """The departments ``roots`` with every department below them (walking parent_id)."""
    deps = t["departments"]
    parent = {d: (None if empty(p) else p) for d, p in zip(deps.department_id, deps.parent_id)}
    roots = set(roots)
    found = set()
    for d in parent:
        seen, x = set(), d
        while x is not None and x not in seen:
            if x in roots:
                found.add(d)
                break
            seen.add(x)
            x = parent.get(x)
    return found


def members(t, departments: set) -> set:
    """Employees whose department is one of ``departments``."""
    emp = t["employees"]
    return set(emp.employee_id[emp.department_id.isin(departments)])


def visible_employees(t, viewer: Viewer) -> set:
    if viewer.role == "rep":
        return {viewer.employee_id}
    if viewer.role == "manager":
        return members(t, subtree(t, [viewer.department_id]))
    return set(t["employees"].employee_id)


def selected(t, f: Filters, viewer: Viewer) -> set:
    """The selected employees (every one without a people filter) that the viewer may see."""
    chosen = people(t, f)
    return (set(t["employees"].employee_id) if chosen is None else chosen) & visible_employees(t, viewer)


def tally(t, who: set, a: dt.date, b: dt.date) -> dict:
    """The leaderboard's numbers for the employees ``who`` over the days a .. b."""
    lo, hi = ts(a), after(b)
    c, fu, d = t["customers"], t["follow_ups"], t["deals"]
    own = c[c.owner_id.isin(who)]
    made = fu[fu.employee_id.isin(who) & (fu.contacted_at >= lo) & (fu.contacted_at < hi)]
    closed = d[d.owner_id.isin(who) & (d.closed_at >= lo) & (d.closed_at < hi) & d.status.isin(["won", "lost"])]
    won = closed[closed.status == "won"]
    return {
        "new_customers": int(((own.created_at >= lo) & (own.created_at < hi)).sum()),
        "contacted_customers": int(made.customer_id.nunique()),
        "follow_ups": len(made),
        "won_customers": int(((own.won_at >= lo) & (own.won_at < hi)).sum()),
        "revenue": float(won.amount.fillna(0.0).sum()),
        "win_rate": len(won) / len(closed) if len(closed) else None,
    }


def row(key, numbers: dict) -> tuple:
    return (key, *(numbers[c] for c in COUNTS))


def by_revenue(rows: list[tuple]) -> list[tuple]:
    return sorted(rows, key=lambda r: (-r[5], r[0]))


def expected_leaderboard(t, f: Filters, viewer: Viewer = ADMIN, by: str = "employee") -> list[tuple]:
    who = selected(t, f, viewer)
    if by == "employee":
        return by_revenue([row(e, tally(t, {e}, f.start, f.end)) for e in who])
    if viewer.role == "manager":
        allowed = subtree(t, [viewer.department_id])
    elif viewer.role == "rep":
        allowed = {viewer.department_id}
    else:
        allowed = set(t["departments"].department_id)
    if f.departments:
        allowed &= subtree(t, f.departments)
    rows = []
    for d in t["departments"].department_id:
        inside = members(t, subtree(t, [d])) & who
        if d in allowed and inside:
            rows.append(row(d, tally(t, inside, f.start, f.end)))
    return by_revenue(rows)


def period_end(start: dt.date, period: str) -> dt.date:
    return pd.Period(start, freq=PERIOD_FREQ[period]).end_time.date()


def expected_attainment(t, f: Filters, viewer: Viewer = ADMIN) -> list[tuple]:
    sees = visible_employees(t, viewer)
    sees_deps = (set(t["departments"].department_id) if viewer.role == "admin" else
                 subtree(t, [viewer.department_id]) if viewer.role == "manager" else set())
    chosen = people(t, f)
    chosen_deps = subtree(t, f.departments) if f.departments else set()
    rows = []
    for r in t["targets"].itertuples(index=False):
        start = pd.Timestamp(r.period_start).date()
        e = None if empty(r.employee_id) else r.employee_id
        d = None if empty(r.department_id) else r.department_id
        if not f.start <= start <= f.end or r.metric not in METRICS:
            continue
        if viewer.role != "admin" and not (e in sees if e is not None else d in sees_deps):
            continue
        if chosen is not None and not (e in chosen if e is not None else d in chosen_deps):
            continue
        who = {e} if e is not None else members(t, subtree(t, [d])) & sees
        actual = float(tally(t, who, start, period_end(start, r.period))[r.metric])
        rows.append((start, r.period, e, d, r.metric, actual, float(r.target),
                     actual / r.target if r.target else None))
    return sorted(rows, key=lambda x: (x[0], x[3] or "", x[2] or "", x[4]))


def probabilities(t) -> dict:
    s = t["settings"]
    given = s.value[s.key == "stage_probability"]
    return {**DEFAULT_PROBABILITY, **(json.loads(given.iloc[0]) if len(given) else {})}


def expected_forecast(t, f: Filters, viewer: Viewer = ADMIN) -> list[tuple]:
    d = t["deals"]
    d = d[(d.status == "open") & d.owner_id.isin(selected(t, f, viewer))
          & (d.expected_close_at >= ts(f.start)) & (d.expected_close_at < after(f.end))]
    amount = d.amount.fillna(0.0)
    x = pd.DataFrame({"month": [D(v.year, v.month, 1) for v in d.expected_close_at],
                      "employee_id": d.owner_id, "amount": amount,
                      "weighted": amount * d.stage.map(probabilities(t)).astype(float).fillna(0.0)})
    g = x.groupby(["month", "employee_id"], sort=True)
    return [(m, e, int(n), float(a), float(w))
            for (m, e), n, a, w in zip(g.size().index, g.size(), g.amount.sum(), g.weighted.sum())]


# -- the demo company ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tables(demo_store):
    return load(demo_store.cursor(), NAMES)


@pytest.mark.parametrize("by", ["employee", "department"])
@pytest.mark.parametrize("name", FILTER_SETS)
def test_leaderboard_vs_pandas(demo_store, tables, name, by):
    f = FILTER_SETS[name]
    expected = expected_leaderboard(tables, f, by=by)
    assert len(expected) >= 2 and sum(r[3] for r in expected) > 10 and sum(r[5] for r in expected) > 0
    assert any(r[6] is not None and 0 < r[6] < 1 for r in expected)  # a win rate to compare
    check(leaderboard(demo_store.backend(), f, by=by), by, expected, f"leaderboard by {by} {name}")


@pytest.mark.parametrize("viewer", ["admin", "manager"])
@pytest.mark.parametrize("by", ["employee", "department"])
@pytest.mark.parametrize("name", FILTER_SETS)
def test_leaderboard_change_vs_pandas(demo_store, tables, name, by, viewer):
    """The Team page's two leaderboards in one statement: this range's and the equally long one before it's."""
    f, who = FILTER_SETS[name], {"admin": ADMIN, "manager": MANAGER}[viewer]
    days = (f.end - f.start).days + 1
    before = f.with_range(f.start - dt.timedelta(days=days), f.start - dt.timedelta(days=1))
    got = get("leaderboard-change").run(Scope(demo_store.backend(), f, who), by=by)
    for part, g in (("current", f), ("previous", before)):
        expected = expected_leaderboard(tables, g, who, by)
        assert sum(r[3] for r in expected) > 0 or (part, name) == ("previous", "employees"), (name, part)
        mine = got[got["range"] == part].drop(columns="range")
        check(mine, by, expected, f"leaderboard-change {part} by {by} {name} as {viewer}")


def test_leaderboard_by_employee_is_the_default(demo_store, tables):
    f = FILTER_SETS["month"]
    expected = expected_leaderboard(tables, f)
    assert len(expected) == 17  # every employee, the ones without a record in March too
    check(leaderboard(demo_store.backend(), f), "employee", expected, "leaderboard")


@pytest.mark.parametrize("name", FILTER_SETS)
def test_attainment_vs_pandas(demo_store, tables, name):
    f = FILTER_SETS[name]
    expected = expected_attainment(tables, f)
    assert len(expected) >= 8 and {r[4] for r in expected} == set(METRICS)
    assert sum(r[5] for r in expected) > 0
    check(attainment(demo_store.backend(), f), "attainment", expected, f"attainment {name}")


@pytest.mark.parametrize("name", FORECAST_SETS)
def test_forecast_vs_pandas(demo_store, tables, name):
    f = FORECAST_SETS[name]
    expected = expected_forecast(tables, f)
    assert len(expected) >= 2 and sum(r[2] for r in expected) > 5 and sum(r[4] for r in expected) > 0
    check(forecast(demo_store.backend(), f), "forecast", expected, f"forecast {name}")


@pytest.mark.parametrize("viewer", [MANAGER, REP], ids=["manager", "rep"])
@pytest.mark.parametrize("name", FILTER_SETS)
def test_team_reports_as_a_manager_and_a_rep(demo_store, tables, name, viewer):
    """Each report equals the reference over only what the viewer may see."""
    b = demo_store.backend()
    f = FILTER_SETS[name]
    for by in ("employee", "department"):
        expected = expected_leaderboard(tables, f, viewer, by)
        check(leaderboard(b, f, viewer, by), by, expected, f"leaderboard by {by} {name} as {viewer.role}")
    check(attainment(b, f, viewer), "attainment", expected_attainment(tables, f, viewer),
          f"attainment {name} as {viewer.role}")
    g = FORECAST_SETS[name]
    check(forecast(b, g, viewer), "forecast", expected_forecast(tables, g, viewer), f"forecast {name} as {viewer.role}")


def test_viewers_see_less_than_an_admin(tables):
    """A guard on the test above: what the manager and the rep see is neither nothing nor everything."""
    f = FILTER_SETS["month"]
    everyone = expected_leaderboard(tables, f)
    manager = expected_leaderboard(tables, f, MANAGER)
    rep = expected_leaderboard(tables, f, REP)
    assert len(rep) == 1 and 1 < len(manager) < len(everyone)
    assert [r[0] for r in expected_leaderboard(tables, f, MANAGER, "department")] != []
    assert 0 < len(expected_attainment(tables, f, REP)) < len(expected_attainment(tables, f, MANAGER)) \
        < len(expected_attainment(tables, f))
    g = FORECAST_SETS["quarter"]
    assert 0 < len(expected_forecast(tables, g, REP)) < len(expected_forecast(tables, g, MANAGER)) \
        < len(expected_forecast(tables, g))



def test_team_report_types(demo_store):
    """Counts are whole numbers, money and rates floats, period_start and month datetime.date."""
    b = demo_store.backend()
    f = FILTER_SETS["month"]
    for by in ("employee", "department"):
        df = leaderboard(b, f, by=by)
        assert all(pd.api.types.is_integer_dtype(df[c]) for c in COUNTS[:4]), df.dtypes
        assert all(pd.api.types.is_float_dtype(df[c]) for c in COUNTS[4:]), df.dtypes
    a = attainment(b, f)
    assert all(type(v) is dt.date for v in a.period_start)
    assert all(pd.api.types.is_float_dtype(a[c]) for c in ("actual", "target", "attainment")), a.dtypes
    g = forecast(b, FORECAST_SETS["month"])
    assert all(type(v) is dt.date for v in g.month) and pd.api.types.is_integer_dtype(g.open_deals)
    assert all(pd.api.types.is_float_dtype(g[c]) for c in ("open_amount", "weighted_amount")), g.dtypes

# -- a small hand-counted database ---------------------------------------------------------------------
def insert(cur, table: str, rows: list[dict]) -> None:
    """INSERT with named columns (the employees table has a role column after the ones named here)."""
    for r in rows:
        cols = list(r)
        cur.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                    [r[c] for c in cols])


def customer(cid, owner, created, won_at=None):
    return {"customer_id": cid, "name": cid, "owner_id": owner, "created_at": created, "won_at": won_at}


def follow_up(fid, customer_id, employee_id, at):
    return {"follow_up_id": fid, "customer_id": customer_id, "employee_id": employee_id, "contacted_at": at}


def deal(did, customer_id, owner, status, amount, closed=None, stage=None, expected=None):
    return {"deal_id": did, "customer_id": customer_id, "owner_id": owner, "status": status, "amount": amount,
            "closed_at": closed, "stage": stage or status, "expected_close_at": expected,
            "created_at": T(2024, 6, 1), "product": "P"}


def target(start, period, metric, value, employee=None, department=None):
    return {"period_start": start, "period": period, "employee_id": employee, "department_id": department,
            "metric": metric, "target": value}


# D1 > D2; D3 apart. A in D1, B in D2 (so under D1 too), C and Z (no record at all) in D3.
TEAM = {
    "departments": [{"department_id": "D1", "name": "One", "parent_id": None},
                    {"department_id": "D2", "name": "Two", "parent_id": "D1"},
                    {"department_id": "D3", "name": "Three", "parent_id": None}],
    "employees": [{"employee_id": "A", "name": "Ann", "department_id": "D1"},
                  {"employee_id": "B", "name": "Bob", "department_id": "D2"},
                  {"employee_id": "C", "name": "Cy", "department_id": "D3"},
                  {"employee_id": "Z", "name": "Zoe", "department_id": "D3"}],
    "customers": [
        customer("c1", "A", T(2025, 1, 10), won_at=T(2025, 2, 15, 23)),  # won on the range's last day
        customer("c2", "A", T(2024, 12, 31, 23, 59)),  # created the day before the range
        customer("c3", "B", T(2025, 2, 15, 12)),  # created on the range's last day
        customer("c4", "B", T(2025, 2, 16)),  # created the day after: in Q1 and February, not in the range
        customer("c5", "C", T(2025, 1, 1), won_at=T(2025, 3, 10)),  # won after the range
        customer("c6", None, T(2025, 1, 5)),  # in the public pool
        customer("c7", "A", T(2023, 1, 1), won_at=T(2025, 1, 20)),
    ],
    "follow_ups": [
        follow_up("f1", "c5", "A", T(2025, 1, 5)),  # A and B (D1's subtree) both contact c5
        follow_up("f2", "c5", "B", T(2025, 1, 6)),
        follow_up("f3", "c1", "A", T(2025, 1, 11)),
        follow_up("f4", "c1", "A", T(2025, 2, 15, 23, 59)),
        follow_up("f5", "c3", "B", T(2025, 2, 1)),
        follow_up("f6", "c2", "A", T(2025, 2, 16)),  # after the range, in February
        follow_up("f7", "c6", "C", T(2025, 1, 2)),  # C contacts a pool customer
        follow_up("f8", "c5", "B", T(2024, 12, 31, 23, 59)),  # before the range
    ],
    "deals": [
        deal("d1", "c1", "A", "won", 1000.0, T(2025, 1, 15)),
        deal("d2", "c7", "A", "lost", 500.0, T(2025, 2, 1), stage="proposal"),  # win_rate only
        deal("d3", "c7", "A", "won", None, T(2025, 2, 10)),  # won without an amount: revenue + 0
        deal("d4", "c3", "B", "won", 300.0, T(2025, 3, 5)),  # after the range, in Q1
        deal("d5", "c5", "C", "lost", 200.0, T(2025, 1, 20), stage="lead"),
        deal("d6", "c5", "C", "won", 50.0, T(2024, 12, 31, 23, 59)),  # before the range (and 2025)
        deal("d7", "c5", "C", "won", 5000.0, T(2025, 2, 1)),
        deal("d8", "c1", "A", "won", 500.0, T(2025, 3, 20)),  # after the range, in Q1
        # open deals for the forecast
        deal("o1", "c1", "A", "open", 1000.0, stage="proposal", expected=T(2025, 1, 20)),
        deal("o2", "c7", "A", "open", None, stage="lead", expected=T(2025, 1, 25)),  # no amount
        deal("o3", "c2", "A", "open", 400.0, stage="negotiation", expected=T(2025, 2, 10)),
        deal("o4", "c3", "B", "open", 200.0, stage="qualified", expected=T(2025, 2, 15, 23)),  # last day
        deal("o5", "c4", "B", "open", 999.0, stage="lead", expected=T(2025, 2, 16)),  # the day after
        deal("o6", "c5", "C", "open", 100.0, stage="pilot", expected=T(2025, 1, 31)),  # a stage of no probability
        deal("o7", "c5", "C", "open", 80.0, stage="qualified", expected=T(2024, 12, 31, 23, 59)),  # the day before
        deal("o8", "c1", "A", "open", 100.0, stage="lead"),  # no expected close
        deal("o9", None, "B", "open", 100.0, stage="lead", expected=T(2025, 1, 3)),  # no customer
    ],
    "targets": [
        target(D(2025, 1, 1), "quarter", "new_customers", 4.0, employee="B"),  # Q1 runs past the range
        target(D(2025, 1, 1), "quarter", "revenue", 2000.0, employee="A"),
        target(D(2025, 2, 1), "month", "follow_ups", 10.0, department="D1"),  # counts B of D2
        target(D(2025, 1, 1), "month", "new_customers", 0.0, employee="C"),  # a target of 0
        target(D(2025, 3, 1), "month", "revenue", 100.0, employee="A"),  # starts after the range
        target(D(2024, 12, 1), "month", "follow_ups", 50.0, employee="A"),  # starts before the range
        target(D(2025, 1, 1), "month", "contacted_customers", 5.0, employee="A"),  # no target metric
        target(D(2025, 2, 1), "month", "new_customers", 2.0, department="D2"),
        target(D(2025, 1, 1), "year", "revenue", 10000.0, department="D3"),
    ],
}
RANGE = dict(start=D(2025, 1, 1), end=D(2025, 2, 15))
ANN = Viewer("A", "manager", "D1")
BOB = Viewer("B", "rep", "D2")
CY = Viewer("C", "manager", "D3")

# The leaderboard rows of the range, counted by hand.
HAND_A = ("A", 1, 2, 3, 2, 1000.0, 2 / 3)  # c1 | c5 c1 | f1 f3 f4 | c1 c7 | d1 + d3 (no amount) | d1 d3 of d1 d2 d3
HAND_B = ("B", 1, 2, 2, 0, 0.0, None)  # c3 | c5 c3 | f2 f5 | - | d4 is in March | nothing closed
HAND_C = ("C", 1, 1, 1, 0, 5000.0, 0.5)  # c5 | c6 | f7 | c5 is won in March | d7 | d7 of d5 d7
HAND_Z = ("Z", 0, 0, 0, 0, 0.0, None)
HAND_D1 = ("D1", 2, 3, 5, 2, 1000.0, 2 / 3)  # A + B: c5 contacted by both counts once
HAND_D2 = ("D2", *HAND_B[1:])
HAND_D3 = ("D3", *HAND_C[1:])  # C + Z

# The attainment rows, counted by hand (actuals over each target's own period).
Q1, FEB = D(2025, 1, 1), D(2025, 2, 1)
ATT_A = (Q1, "quarter", "A", None, "revenue", 1500.0, 2000.0, 0.75)  # d1 1000 + d3 0 + d8 500 (March)
ATT_B = (Q1, "quarter", "B", None, "new_customers", 2.0, 4.0, 0.5)  # c3, and c4 after the range
ATT_C = (Q1, "month", "C", None, "new_customers", 1.0, 0.0, None)  # c5; a target of 0 -> empty
ATT_D3 = (Q1, "year", None, "D3", "revenue", 5000.0, 10000.0, 0.5)  # d7 (d6 is 2024's)
ATT_D1 = (FEB, "month", None, "D1", "follow_ups", 3.0, 10.0, 0.3)  # A's f4 f6, B's f5 (B is in D2)
ATT_D2 = (FEB, "month", None, "D2", "new_customers", 2.0, 2.0, 1.0)  # c3 c4


@pytest.fixture
def team(store):
    with store.write() as cur:
        for name, rows in TEAM.items():
            insert(cur, name, rows)
    return store


def both(kind: str, report: pd.DataFrame, expected_rows, hand: list[tuple], name: str) -> None:
    """The pandas reference agrees with the hand count, and so does the report."""
    check(frame(kind, expected_rows), kind, hand, f"{name} (the pandas reference)")
    check(report, kind, hand, name)


def test_leaderboard_hand_counted(team):
    """Edges of the range on both days; a lost deal in win_rate only; a won deal without amount; an employee
    without records as zeros; a department counting its sub-department, a customer contacted by two of its
    employees once; revenue first, ties by id."""
    b, t = team.backend(), load(team.cursor(), NAMES)
    f = Filters(**RANGE)
    both("employee", leaderboard(b, f, by="employee"), expected_leaderboard(t, f),
         [HAND_C, HAND_A, HAND_B, HAND_Z], "by employee")
    check(leaderboard(b, f), "employee", [HAND_C, HAND_A, HAND_B, HAND_Z], "by default")
    both("department", leaderboard(b, f, by="department"), expected_leaderboard(t, f, by="department"),
         [HAND_D3, HAND_D1, HAND_D2], "by department")
    # A department filter: its subtree's employees and departments only.
    d1 = Filters(**RANGE, departments=("D1",))
    check(leaderboard(b, d1, by="employee"), "employee", [HAND_A, HAND_B], "D1 by employee")
    check(leaderboard(b, d1, by="department"), "department", [HAND_D1, HAND_D2], "D1 by department")
    check(leaderboard(b, Filters(**RANGE, departments=("D2",)), by="department"), "department", [HAND_D2],
          "D2 by department")
    # An employee filter: the departments above C (D3 only here); D1 counts A alone.
    check(leaderboard(b, Filters(**RANGE, employees=("C",)), by="department"), "department", [HAND_D3], "C")
    check(leaderboard(b, Filters(**RANGE, employees=("A",)), by="department"), "department",
          [("D1", 1, 2, 3, 2, 1000.0, 2 / 3)], "A by department")
    # A range where nobody did anything: every employee, zeros, no win rate.
    quiet = Filters(start=D(2020, 1, 1), end=D(2020, 12, 31))
    check(leaderboard(b, quiet, by="employee"), "employee",
          [(e, 0, 0, 0, 0, 0.0, None) for e in "ABCZ"], "quiet")


def test_leaderboard_change_hand_counted(team):
    """This range's part is the hand count (its records on the first day's midnight included); the range
    before's is what the pandas reference counts there."""
    b, t = team.backend(), load(team.cursor(), NAMES)
    f = Filters(**RANGE)
    days = (f.end - f.start).days + 1
    before = f.with_range(f.start - dt.timedelta(days=days), f.start - dt.timedelta(days=1))
    for by, hand in (("employee", [HAND_C, HAND_A, HAND_B, HAND_Z]), ("department", [HAND_D3, HAND_D1, HAND_D2])):
        got = get("leaderboard-change").run(Scope(b, f), by=by)
        check(got[got["range"] == "current"].drop(columns="range"), by, hand, f"current by {by}")
        check(got[got["range"] == "previous"].drop(columns="range"), by, expected_leaderboard(t, before, by=by),
              f"previous by {by}")


def test_leaderboard_hand_counted_viewers(team):
    """A manager of D1 sees A and B and the departments D1 and D2; a rep (B) themselves and their own
    department, or with a department filter the filter's departments holding them; C's manager sees D3."""
    b, t = team.backend(), load(team.cursor(), NAMES)
    f = Filters(**RANGE)
    both("employee", leaderboard(b, f, ANN, "employee"), expected_leaderboard(t, f, ANN),
         [HAND_A, HAND_B], "manager by employee")
    both("department", leaderboard(b, f, ANN, "department"), expected_leaderboard(t, f, ANN, "department"),
         [HAND_D1, HAND_D2], "manager by department")
    both("employee", leaderboard(b, f, BOB, "employee"), expected_leaderboard(t, f, BOB), [HAND_B],
         "rep by employee")
    both("department", leaderboard(b, f, BOB, "department"), expected_leaderboard(t, f, BOB, "department"),
         [HAND_D2], "rep by department")
    d1 = Filters(**RANGE, departments=("D1",))
    both("department", leaderboard(b, d1, BOB, "department"), expected_leaderboard(t, d1, BOB, "department"),
         [HAND_D2], "rep by department, D1")  # D1 is above the rep's own department: not theirs to see
    both("department", leaderboard(b, f, CY, "department"), expected_leaderboard(t, f, CY, "department"),
         [HAND_D3], "C's manager by department")
    check(leaderboard(b, f, CY, "employee"), "employee", [HAND_C, HAND_Z], "C's manager by employee")


def test_attainment_hand_counted(team):
    """Targets starting in the range with a target metric; actuals over the whole month / quarter / year
    of the target (past the range's end); a department target counting a sub-department's employee; a
    target of 0 with an empty attainment; the order period_start, department_id, employee_id (empty first)."""
    b, t = team.backend(), load(team.cursor(), NAMES)
    f = Filters(**RANGE)
    both("attainment", attainment(b, f), expected_attainment(t, f),
         [ATT_A, ATT_B, ATT_C, ATT_D3, ATT_D1, ATT_D2], "attainment")
    # People filters: the selected employees' targets, and with a department filter its departments' targets.
    check(attainment(b, Filters(**RANGE, employees=("A",))), "attainment", [ATT_A], "A")
    check(attainment(b, Filters(**RANGE, departments=("D1",))), "attainment", [ATT_A, ATT_B, ATT_D1, ATT_D2], "D1")
    check(attainment(b, Filters(**RANGE, departments=("D2",))), "attainment", [ATT_B, ATT_D2], "D2")
    check(attainment(b, Filters(**RANGE, departments=("D3",))), "attainment", [ATT_C, ATT_D3], "D3")
    # February alone: only the targets starting in it, still over their whole month.
    check(attainment(b, Filters(start=FEB, end=FEB)), "attainment", [ATT_D1, ATT_D2], "February 1st")
    check(attainment(b, Filters(start=D(2025, 3, 2), end=D(2025, 12, 31))), "attainment", [], "nothing starts")


def test_attainment_hand_counted_viewers(team):
    b, t = team.backend(), load(team.cursor(), NAMES)
    f = Filters(**RANGE)
    both("attainment", attainment(b, f, ANN), expected_attainment(t, f, ANN),
         [ATT_A, ATT_B, ATT_D1, ATT_D2], "manager of D1")
    both("attainment", attainment(b, f, BOB), expected_attainment(t, f, BOB), [ATT_B], "rep B")
    both("attainment", attainment(b, f, CY), expected_attainment(t, f, CY), [ATT_C, ATT_D3], "manager of D3")


def test_a_department_target_counts_its_employees_without_targets(team):
    """Z (in D3) has no target of their own; their won deal counts in D3's revenue, for an admin, under a filter
    on D3 and for D3's manager (the narrowed counts read only the employees the targets name and those under
    the departments they name)."""
    with team.write() as cur:
        insert(cur, "deals", [deal("z1", "c5", "Z", "won", 7.0, T(2025, 6, 1))])
    b, t = team.backend(), load(team.cursor(), NAMES)
    d3 = (Q1, "year", None, "D3", "revenue", 5007.0, 10000.0, 0.5007)
    for f, viewer in [(Filters(**RANGE), ADMIN), (Filters(**RANGE, departments=("D3",)), ADMIN),
                      (Filters(**RANGE), CY), (Filters(**RANGE, employees=("C",)), CY)]:
        got = attainment(b, f, viewer)
        want = [d3] if f.employees != ("C",) else []  # an employee filter keeps no department's target
        reference = [r for r in expected_attainment(t, f, viewer) if r[3] == "D3"]
        both("attainment", got[got.department_id == "D3"], reference, want, f"D3 {f} as {viewer.role}")


def test_forecast_hand_counted(team):
    """Open deals expected to close in the range (both edge days; the days before and after and an open
    deal without a date left out); a deal without amount counts with 0; a stage of no known probability
    weighs 0; the setting stage_probability overrides one stage, the others keep DESIGN's defaults."""
    b, t = team.backend(), load(team.cursor(), NAMES)
    f = Filters(**RANGE)
    jan = D(2025, 1, 1)
    default = [(jan, "A", 2, 1000.0, 500.0),  # o1 1000 x 0.5 (proposal), o2 without amount
               (jan, "B", 1, 100.0, 10.0),  # o9 100 x 0.1 (lead)
               (jan, "C", 1, 100.0, 0.0),  # o6 at the stage "pilot": 0 (o7 is in December)
               (FEB, "A", 1, 400.0, 300.0),  # o3 400 x 0.75 (negotiation)
               (FEB, "B", 1, 200.0, 50.0)]  # o4 200 x 0.25 (qualified) on the last day; o5 the day after
    both("forecast", forecast(b, f), expected_forecast(t, f), default, "forecast")
    with team.write() as cur:
        cur.execute("INSERT INTO settings VALUES ('stage_probability', ?)", [json.dumps({"proposal": 0.6})])
    b, t = team.backend(), load(team.cursor(), NAMES)
    assert probabilities(t) == {"lead": 0.1, "qualified": 0.25, "proposal": 0.6, "negotiation": 0.75}
    set_ = [(jan, "A", 2, 1000.0, 600.0), *default[1:]]
    both("forecast", forecast(b, f), expected_forecast(t, f), set_, "forecast with stage_probability")
    check(forecast(b, Filters(**RANGE, employees=("B",))), "forecast", [default[1], default[4]], "B")
    check(forecast(b, Filters(**RANGE, departments=("D1",))), "forecast",
          [set_[0], default[1], default[3], default[4]], "D1")
    check(forecast(b, f, ANN), "forecast", [set_[0], default[1], default[3], default[4]], "manager of D1")
    check(forecast(b, f, BOB), "forecast", [default[1], default[4]], "rep B")
    check(forecast(b, f, CY), "forecast", [default[2]], "manager of D3")


# -- the command line ----------------------------------------------------------------------------------
def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crm_core", *args], capture_output=True, text=True, cwd=ROOT)


@pytest.mark.parametrize("args, f, viewer, by", [
    (["--start", "2026-03-01", "--end", "2026-03-31"], FILTER_SETS["month"], ADMIN, "employee"),
    (["--start", "2025-01-01", "--end", "2026-06-30", "--by", "department", "--as-user", "E0014"],
     Filters(start=D(2025, 1, 1), end=D(2026, 6, 30)), MANAGER, "department"),
], ids=["employee", "department-as-manager"])
def test_cli_leaderboard(demo_path, tables, args, f, viewer, by):
    """`python -m crm_core report leaderboard`: DESIGN's header line and the reference's numbers."""
    r = cli("report", "leaderboard", "--db", str(demo_path), *args)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == ",".join(COLUMNS[by])
    out = pd.read_csv(io.StringIO(r.stdout), dtype={COLUMNS[by][0]: str})
    expected = expected_leaderboard(tables, f, viewer, by)
    assert len(expected) >= 4
    if by == "employee":
        assert any(x[6] is None for x in expected)  # an empty win rate, printed as an empty cell
    check(out, by, expected, f"cli leaderboard {args}")
