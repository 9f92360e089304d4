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
  subtree and lies within the department filter's subtrees when one is set, else within the viewer's tree
  (admin: any department; manager: their department's subtree; rep: only their own department). A row
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
    if f.departments:
        allowed = subtree(t, f.departments)
    elif viewer.role == "manager":
        allowed = subtree(t, [viewer.department_id])
    elif viewer.role == "rep":
        allowed = {viewer.department_id}
    else:
        allowed = set(t["departments"].department_id)
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
