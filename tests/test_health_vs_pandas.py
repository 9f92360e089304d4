"""The customer-health reports (lifecycle, churn-rate, clv, nps, retention) against DESIGN.md's definitions
written independently in plain pandas: on the demo company for several filter sets, and on small
hand-counted databases for the edge cases.

Readings chosen where DESIGN.md leaves room (each is repeated where it is used):

- scope: customers by owner (customers.owner_id; a department includes its sub-departments; with a people
  filter unowned customers drop). Without a people filter everything counts, unowned customers too.
- purchases: a customer's won deals by anyone (status won, customer_id set, dated by closed_at; a won deal
  without closed_at is no purchase); a customer with won_at set and no won deal at all in the data
  (whatever its closed_at) has one purchase of amount 0 on won_at. "As of E" = on or before the day E.
- lifecycle as of the range's end E (the start plays no part), over customers in scope created on or before
  E; lost = lost_at on or before E; purchases as of E; lapsed = E minus the last purchase's day > 365;
  new = E minus the first purchase's day <= 90; repeat = 2+ purchases (two on the same day are two).
- churn-rate: one row per period of the range, `period` the bucket's first day. The part of the period
  inside the range is [a, b] (a = max(bucket start, range start), b = min(bucket end, range end));
  churned = customers in scope with lost_at in [a, b]; active_at_start = created before the day a and not
  lost before it (lost_at empty or on/after a). So for a first period cut by the range's start the
  customers active on the range's first day. A customer created and lost inside the period counts as
  churned though it was not active at the start (the definition's literal reading). churn_rate =
  churned / active_at_start, empty when active_at_start is 0 (even if churned > 0).
- clv: days = the range's calendar days, both ends included ((end - start).days + 1), years = days / 365.25.
  Revenue and won deals: won deals in scope by deal owner closed in the range, deals without a customer
  included (a NULL amount adds 0). Customers with a won deal: distinct non-empty customer_id of those
  deals. churn_rate (yearly) = (churned in the range / active at the range's start) x 365.25 / days, with
  churned and active as in churn-rate over the whole range. Lifetime = 10 when the churn rate is 0, else
  min(1 / churn rate, 10). Empty values: average_order_value when there is no won deal; purchase_frequency
  when no won deal has a customer; churn_rate when nobody is active at the start; clv when any of the
  three is empty.
- nps: surveys responded in the range, of customers in scope (the survey goes with its customer's owner);
  nps = 100 x (promoters - detractors) / responses, empty when there is no response.
- retention: cohorts = customers in scope grouped by the month of their first purchase ever (purchases by
  anyone, all of the data). A month cut by the range's start counts only its part inside: a customer is in
  a cohort when its first purchase ever lies in [start, end] (a customer whose first purchase was before
  the start, even in the same month, is in no cohort shown). Rows: every cohort with at least one customer,
  months_since 0 .. (month of the range's end - cohort month), ordered by cohort then months_since;
  customers = cohort members with a purchase in that month, only purchases on or before the range's end
  counting (the last month is cut too); share = customers / cohort size (float). No cohort -> no rows.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from crm_core.filters import Filters
from crm_core.reports import get
from crm_core.scope import Scope
from files.checks import same_rows
from files.frames import after, load, people, periods, purchases, ts

D = dt.date
T = dt.datetime
FILTER_SETS = {
    "all": Filters(start=D(2024, 1, 1), end=D(2026, 11, 23), period="month"),
    "partial": Filters(start=D(2026, 4, 15), end=D(2026, 9, 10), period="month"),
    "dept": Filters(start=D(2025, 1, 1), end=D(2026, 6, 30), period="quarter", departments=("D110",)),
    "employees": Filters(start=D(2024, 7, 1), end=D(2026, 11, 23), period="month", employees=("E0003", "E0007")),
}
STAGES = ["lost", "prospect", "lapsed", "new", "repeat", "one-time"]  # the rules, in the order they are tried
SHOWN = ["prospect", "new", "repeat", "one-time", "lapsed", "lost"]  # the rows, as DESIGN.md's Command line lists them
COLUMNS = {
    "lifecycle": ["stage", "customers"],
    "churn-rate": ["period", "churned", "active_at_start", "churn_rate"],
    "clv": ["average_order_value", "purchase_frequency", "churn_rate", "clv"],
    "nps": ["promoters", "passives", "detractors", "responses", "nps"],
    "retention": ["cohort", "months_since", "customers", "share"],
}
MAX_LIFETIME = 10.0
YEAR = 365.25


# -- comparing -----------------------------------------------------------------------------------------
def check(df: pd.DataFrame, report: str, expected: list[tuple]) -> None:
    """The report's columns are exactly DESIGN's, and its rows (in order) equal ``expected``."""
    same_rows(df, COLUMNS[report], expected, report, abs_tol=1e-12)


def run(backend, report, f: Filters) -> pd.DataFrame:
    return get(report).run(Scope(backend, f))


def frame(report: str, rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS[report])


# -- the definitions in pandas -----------------------------------------------------------------------
def scoped_customers(t, f) -> pd.DataFrame:
    who = people(t, f)
    c = t["customers"]
    return c if who is None else c[c.owner_id.isin(who)]


def scoped_deals(t, f) -> pd.DataFrame:
    who = people(t, f)
    d = t["deals"]
    return d if who is None else d[d.owner_id.isin(who)]


def churn_counts(c: pd.DataFrame, a: dt.date, b: dt.date) -> tuple[int, int]:
    """(churned, active_at_start) of customers ``c`` over the days a .. b (both included)."""
    churned = int(((c.lost_at >= ts(a)) & (c.lost_at < after(b))).sum())
    active = int(((c.created_at < ts(a)) & ~(c.lost_at < ts(a))).sum())  # NaT < x is False: never lost
    return churned, active


def expected_lifecycle(t, f) -> list[tuple]:
    E = f.end
    c = scoped_customers(t, f)
    c = c[c.created_at < after(E)]
    p = purchases(t)
    p = p[p.when < after(E)]
    g = p.groupby("customer_id").when
    n = c.customer_id.map(g.size()).fillna(0)
    first = c.customer_id.map(g.min()).dt.normalize()
    last = c.customer_id.map(g.max()).dt.normalize()
    since_last = (ts(E) - last).dt.days
    since_first = (ts(E) - first).dt.days
    stage = np.select(
        [c.lost_at.notna() & (c.lost_at < after(E)), n == 0, since_last > 365, since_first <= 90, n >= 2],
        STAGES[:5], default="one-time")
    counts = pd.Series(stage).value_counts()
    return [(s, int(counts.get(s, 0))) for s in SHOWN]


def expected_churn_rate(t, f) -> list[tuple]:
    c = scoped_customers(t, f)
    starts = periods(f.start, f.end, f.period)
    rows = []
    for i, p in enumerate(starts):
        a = max(p, f.start)
        b = f.end if i == len(starts) - 1 else min(starts[i + 1] - dt.timedelta(days=1), f.end)
        churned, active = churn_counts(c, a, b)
        rows.append((p, churned, active, churned / active if active else None))
    return rows


def expected_clv(t, f) -> list[tuple]:
    days = (f.end - f.start).days + 1
    years = days / YEAR
    d = scoped_deals(t, f)
    w = d[(d.status == "won") & (d.closed_at >= ts(f.start)) & (d.closed_at < after(f.end))]
    revenue, won = float(w.amount.fillna(0.0).sum()), len(w)
    buyers = w.customer_id.dropna().nunique()
    aov = revenue / won if won else None
    frequency = won / buyers / years if buyers else None
    churned, active = churn_counts(scoped_customers(t, f), f.start, f.end)
    churn = churned / active * YEAR / days if active else None
    lifetime = None if churn is None else (MAX_LIFETIME if churn == 0 else min(1 / churn, MAX_LIFETIME))
    clv = aov * frequency * lifetime if None not in (aov, frequency, lifetime) else None
    return [(aov, frequency, churn, clv)]


def expected_nps(t, f) -> list[tuple]:
    s = t["surveys"]
    if people(t, f) is not None:
        s = s[s.customer_id.isin(set(scoped_customers(t, f).customer_id))]
    s = s[(s.responded_at >= ts(f.start)) & (s.responded_at < after(f.end))]
    promoters, detractors = int((s.score >= 9).sum()), int((s.score <= 6).sum())
    passives, responses = int(s.score.between(7, 8).sum()), len(s)
    nps = 100.0 * (promoters - detractors) / responses if responses else None
    return [(promoters, passives, detractors, responses, nps)]


def month_index(s) -> pd.Series:
    return s.dt.year * 12 + s.dt.month - 1


def expected_retention(t, f) -> list[tuple]:
    p = purchases(t)
    p = p[p.customer_id.isin(set(scoped_customers(t, f).customer_id))]
    first = p.groupby("customer_id").when.min()
    members = first[(first >= ts(f.start)) & (first < after(f.end))]
    if members.empty:
        return []
    cohort = month_index(members)
    bought = p[p.customer_id.isin(members.index) & (p.when < after(f.end))]
    bought = bought.assign(k=month_index(bought.when) - bought.customer_id.map(cohort), m=bought.customer_id.map(cohort))
    active = bought.groupby(["m", "k"]).customer_id.nunique()
    sizes = cohort.value_counts()
    last = f.end.year * 12 + f.end.month - 1
    rows = []
    for m in sorted(sizes.index):
        for k in range(last - m + 1):
            n = int(active.get((m, k), 0))
            rows.append((D(m // 12, m % 12 + 1, 1), k, n, n / int(sizes[m])))
    return rows


EXPECTED = {"lifecycle": expected_lifecycle, "churn-rate": expected_churn_rate, "clv": expected_clv,
            "nps": expected_nps, "retention": expected_retention}


# -- the demo company ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tables(demo_store):
    return load(demo_store.cursor())


@pytest.mark.parametrize("name", FILTER_SETS)
def test_lifecycle_vs_pandas(demo_store, tables, name):
    f = FILTER_SETS[name]
    expected = expected_lifecycle(tables, f)
    assert sum(n for _, n in expected) > 20 and sum(1 for _, n in expected if n) >= 4  # something to count
    check(run(demo_store.backend(), "lifecycle", f), "lifecycle", expected)


@pytest.mark.parametrize("name", FILTER_SETS)
def test_churn_rate_vs_pandas(demo_store, tables, name):
    f = FILTER_SETS[name]
    expected = expected_churn_rate(tables, f)
    assert sum(r[1] for r in expected) > 0 and all(r[2] > 0 for r in expected)
    check(run(demo_store.backend(), "churn-rate", f), "churn-rate", expected)


@pytest.mark.parametrize("name", FILTER_SETS)
def test_clv_vs_pandas(demo_store, tables, name):
    f = FILTER_SETS[name]
    expected = expected_clv(tables, f)
    assert None not in expected[0] and expected[0][2] > 0
    check(run(demo_store.backend(), "clv", f), "clv", expected)


@pytest.mark.parametrize("name", FILTER_SETS)
def test_nps_vs_pandas(demo_store, tables, name):
    f = FILTER_SETS[name]
    expected = expected_nps(tables, f)
    assert expected[0][3] > 5
    check(run(demo_store.backend(), "nps", f), "nps", expected)


@pytest.mark.parametrize("name", FILTER_SETS)
def test_retention_vs_pandas(demo_store, tables, name):
    f = FILTER_SETS[name]
    expected = expected_retention(tables, f)
    assert len(expected) > 5 and any(r[1] > 0 and r[2] > 0 for r in expected)
    check(run(demo_store.backend(), "retention", f), "retention", expected)


def test_demo_partial_range_matters(tables):
    """The partial filter set tells the readings apart: its first month holds customers created or lost, or
    with a first purchase, before the range's start (so the edge reading is exercised, not vacuous)."""
    f = FILTER_SETS["partial"]
    c = tables["customers"]
    month_start, start = ts(D(2026, 4, 1)), ts(f.start)
    assert ((c.created_at >= month_start) & (c.created_at < start)).any()
    first = purchases(tables).groupby("customer_id").when.min()
    assert ((first >= month_start) & (first < start)).any()


# -- small hand-counted databases ------------------------------------------------------------------
def insert(cur, table: str, rows: list[dict]) -> None:
    """INSERT with named columns (the employees table has a role column after the ones named here)."""
    for row in rows:
        cols = list(row)
        cur.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                    [row[c] for c in cols])


ORG = {
    # D1 > D2; D3 apart. A in D1, B in D2 (so under D1), C in D3.
    "departments": [{"department_id": "D1", "name": "One", "parent_id": None},
                    {"department_id": "D2", "name": "Two", "parent_id": "D1"},
                    {"department_id": "D3", "name": "Three", "parent_id": None}],
    "employees": [{"employee_id": "A", "name": "Ann", "department_id": "D1"},
                  {"employee_id": "B", "name": "Bob", "department_id": "D2"},
                  {"employee_id": "C", "name": "Cy", "department_id": "D3"}],
}
Y2025 = dict(start=D(2025, 1, 1), end=D(2025, 12, 31))
OLD = T(2023, 1, 1)


def customer(cid, owner=None, created=OLD, won_at=None, lost_at=None):
    return {"customer_id": cid, "name": cid, "owner_id": owner, "created_at": created, "won_at": won_at,
            "lost_at": lost_at}


def deal(did, customer_id, owner, status, amount=None, closed=None):
    return {"deal_id": did, "customer_id": customer_id, "owner_id": owner, "status": status, "amount": amount,
            "closed_at": closed, "created_at": T(2022, 6, 1), "product": "P", "stage": status}


def won(did, customer_id, owner, closed, amount=10.0):
    return deal(did, customer_id, owner, "won", amount, closed)


def survey(sid, customer_id, at, score):
    return {"survey_id": sid, "customer_id": customer_id, "responded_at": at, "score": score}


def fill(store, **tables):
    with store.write() as cur:
        for name, rows in {**ORG, **tables}.items():
            insert(cur, name, rows)
    return store.backend()


def lifecycle_rows(**counts) -> list[tuple]:
    return [(s, counts.get(s.replace("-", "_"), 0)) for s in SHOWN]


def test_lifecycle_boundaries(store):
    """As of E = 2025-12-31: lost on E is lost; lost after E is not; first purchase exactly 90 days before
    E -> new, 91 -> not; last purchase exactly 365 days before E -> not lapsed, 366 -> lapsed; two
    purchases on the same day -> repeat; won_at counts only without any won deal; purchases after E,
    customers created after E and deals without a customer play no part."""
    E = D(2025, 12, 31)
    b = fill(store, customers=[
        customer("lost1", "A", lost_at=T(2025, 12, 31, 18)),  # lost on E (with a purchase): lost
        customer("lostlater", "A", lost_at=T(2026, 1, 5)),  # lost after E, no purchase: prospect
        customer("pros", "B"),  # a lost deal only: prospect
        customer("after", "C", won_at=T(2026, 1, 2)),  # its only purchase after E: prospect
        customer("createdE", "A", created=T(2025, 12, 31, 23, 30)),  # created on E: prospect
        customer("future", "A", created=T(2026, 1, 1), won_at=T(2026, 1, 1)),  # created after E: not counted
        customer("lap366", "A"),  # one purchase 366 days before E: lapsed
        customer("lap365", "B"),  # one purchase 365 days before E (23:00): one-time
        customer("lap2", "C"),  # two purchases, the last 366 days before E: lapsed
        customer("new90", "A"),  # first purchase exactly 90 days before E (and a second): new
        customer("one91", "B"),  # one purchase 91 days before E: one-time
        customer("rep2", "A"),  # two purchases on one day (one by C): repeat
        customer("wonat", "C", won_at=T(2025, 3, 1)),  # won_at, no won deal: one purchase -> one-time
        customer("wonboth", "A", won_at=T(2025, 3, 1)),  # won_at and one won deal: one purchase -> one-time
        customer("wonatnew", "B", won_at=T(2025, 11, 15)),  # won_at only, 46 days before E: new
        customer("unowned", None),  # one purchase: one-time, only without a people filter
        customer("wonopen", "C", won_at=T(2025, 3, 1)),  # won_at and a won deal with no close date: no purchase
    ], deals=[
        won("l1", "lost1", "A", T(2025, 6, 1)),
        deal("p1", "pros", "B", "lost", 50.0, T(2025, 5, 1)),
        won("a1", "after", "C", T(2026, 1, 2)),
        won("f1", "future", "A", T(2026, 1, 1)),
        won("x366", "lap366", "A", T(2024, 12, 30, 10)),
        won("x365", "lap365", "B", T(2024, 12, 31, 23)),
        won("y1", "lap2", "C", T(2024, 6, 1)),
        won("y2", "lap2", "C", T(2024, 12, 30, 8)),
        won("n1", "new90", "A", T(2025, 10, 2, 23, 59)),
        won("n2", "new90", "A", T(2025, 11, 1)),
        won("o91", "one91", "B", T(2025, 10, 1)),
        won("r1", "rep2", "A", T(2025, 5, 5, 9)),
        won("r2", "rep2", "C", T(2025, 5, 5, 17)),
        deal("wl", "wonat", "C", "lost", 0.0, T(2025, 2, 1)),
        won("wb", "wonboth", "A", T(2025, 4, 1)),
        won("u1", "unowned", "B", T(2025, 2, 2)),
        won("nc", None, "A", T(2025, 12, 1)),  # no customer
        won("wo", "wonopen", "C", None),  # won, never dated: won_at does not stand in (the customer has a won deal)
    ])
    assert (E - D(2024, 12, 30)).days == 366 and (E - D(2025, 10, 2)).days == 90
    f = Filters(start=D(2025, 12, 1), end=E)  # the start plays no part
    hand = lifecycle_rows(lost=1, prospect=5, lapsed=2, new=2, repeat=1, one_time=5)
    check(frame("lifecycle", expected_lifecycle(load(store.cursor()), f)), "lifecycle", hand)  # pandas agrees
    check(run(b, "lifecycle", f), "lifecycle", hand)
    check(run(b, "lifecycle", Filters(start=D(2020, 1, 1), end=E)), "lifecycle", hand)
    # A: lost1 | lostlater createdE | lap366 | new90 | rep2 | wonboth.
    check(run(b, "lifecycle", Filters(start=E, end=E, employees=("A",))), "lifecycle",
          lifecycle_rows(lost=1, prospect=2, lapsed=1, new=1, repeat=1, one_time=1))
    # D1 = A and B (D2 under D1): adds pros | lap365 one91 | wonatnew.
    check(run(b, "lifecycle", Filters(start=E, end=E, departments=("D1",))), "lifecycle",
          lifecycle_rows(lost=1, prospect=3, lapsed=1, new=2, repeat=1, one_time=3))
    # C: after wonopen (prospect), lap2 (lapsed), wonat (one-time); rep2's deal by C does not make it C's.
    check(run(b, "lifecycle", Filters(start=E, end=E, employees=("C",))), "lifecycle",
          lifecycle_rows(prospect=2, lapsed=1, one_time=1))
    # A day later (E = 2026-01-01): lap365 is 366 days -> lapsed; new90 91 days -> repeat; wonatnew still new;
    # future created and bought on E: new; after still prospect (its purchase on 01-02); lostlater prospect.
    E2 = D(2026, 1, 1)
    check(run(b, "lifecycle", Filters(start=E2, end=E2)), "lifecycle",
          lifecycle_rows(lost=1, prospect=5, lapsed=3, new=2, repeat=2, one_time=4))
    check(frame("lifecycle", expected_lifecycle(load(store.cursor()), Filters(start=E2, end=E2))), "lifecycle",
          lifecycle_rows(lost=1, prospect=5, lapsed=3, new=2, repeat=2, one_time=4))


def test_lifecycle_nobody(store):
    """All six stages, 0 each, when no customer is created by E."""
    b = fill(store, customers=[customer("c1", "A", created=T(2025, 1, 1))])
    check(run(b, "lifecycle", Filters(start=D(2024, 1, 1), end=D(2024, 12, 31))), "lifecycle", lifecycle_rows())


CHURN_CUSTOMERS = [
    customer("K1", "A", created=T(2024, 6, 1), lost_at=T(2025, 1, 14, 23)),  # lost the day before the range
    customer("K2", "A", created=T(2024, 6, 1), lost_at=T(2025, 1, 15)),  # lost on the range's first day
    customer("K3", "A", created=T(2025, 1, 10), lost_at=T(2025, 2, 20)),  # created in January before the range
    customer("K4", "A", created=T(2025, 1, 15, 8)),  # created on the range's first day
    customer("K5", "A", created=T(2024, 1, 1), lost_at=T(2025, 3, 10, 23, 59)),  # lost on the range's last day
    customer("K6", "A", created=T(2024, 1, 1), lost_at=T(2025, 3, 11)),  # lost the day after the range
    customer("K7", "B", created=T(2024, 1, 1)),
    customer("K8", "A", created=T(2025, 2, 1), lost_at=T(2025, 2, 15)),  # created at Feb's midnight, lost in Feb
    customer("K9", None, created=T(2024, 1, 1), lost_at=T(2025, 2, 3)),  # unowned
    customer("K10", "C", created=T(2024, 1, 1)),
]


def test_churn_rate_partial_months(store):
    """Months cut at both edges (2025-01-15 .. 2025-03-10): churned counts only lost_at inside the range;
    the first month's active_at_start is taken on the range's first day; created on a period's first day
    is not active at its start; lost on it is."""
    b = fill(store, customers=CHURN_CUSTOMERS)
    f = Filters(start=D(2025, 1, 15), end=D(2025, 3, 10), period="month")
    # Jan (from 01-15): active K2 K3 K5 K6 K7 K9 K10 = 7 (K1 lost on the 14th, K4 created on the 15th); churned K2.
    # Feb: active K3 K4 K5 K6 K7 K9 K10 = 7 (K8 created on 02-01 itself); churned K3 K8 K9 = 3.
    # Mar (to 03-10): active K4 K5 K6 K7 K10 = 5; churned K5 (K6 is lost on the 11th).
    hand = [(D(2025, 1, 1), 1, 7, 1 / 7), (D(2025, 2, 1), 3, 7, 3 / 7), (D(2025, 3, 1), 1, 5, 1 / 5)]
    check(frame("churn-rate", expected_churn_rate(load(store.cursor()), f)), "churn-rate", hand)
    check(run(b, "churn-rate", f), "churn-rate", hand)
    # A: Jan K2 K3 K5 K6 (1 churned); Feb K3 K4 K5 K6 (K3 K8 churned); Mar K4 K5 K6 (K5).
    check(run(b, "churn-rate", Filters(start=f.start, end=f.end, employees=("A",))), "churn-rate",
          [(D(2025, 1, 1), 1, 4, 1 / 4), (D(2025, 2, 1), 2, 4, 2 / 4), (D(2025, 3, 1), 1, 3, 1 / 3)])
    # D1 = A + B: A's plus K7 every month.
    check(run(b, "churn-rate", Filters(start=f.start, end=f.end, departments=("D1",))), "churn-rate",
          [(D(2025, 1, 1), 1, 5, 1 / 5), (D(2025, 2, 1), 2, 5, 2 / 5), (D(2025, 3, 1), 1, 4, 1 / 4)])
    # Quarters, 2025-02-10 .. 2025-05-20: Q1 from 02-10: active K3 K4 K5 K6 K7 K8 K10 = 7 (K9 lost 02-03),
    # churned K3 K8 (February) K5 K6 (March) = 4; Q2 to 05-20: active K4 K7 K10 = 3, churned 0 -> 0.0.
    q = Filters(start=D(2025, 2, 10), end=D(2025, 5, 20), period="quarter")
    check(frame("churn-rate", expected_churn_rate(load(store.cursor()), q)), "churn-rate",
          [(D(2025, 1, 1), 4, 7, 4 / 7), (D(2025, 4, 1), 0, 3, 0.0)])
    check(run(b, "churn-rate", q), "churn-rate", [(D(2025, 1, 1), 4, 7, 4 / 7), (D(2025, 4, 1), 0, 3, 0.0)])


def test_churn_rate_nobody_active(store):
    """Every period appears; churn_rate is empty where active_at_start is 0, also when someone churned in it
    (created after the period's start and lost inside it)."""
    b = fill(store, customers=[*CHURN_CUSTOMERS,
                               customer("Z1", "C", created=T(2024, 1, 1, 6), lost_at=T(2024, 1, 20))])
    # Before anyone was created: two empty months.
    check(run(b, "churn-rate", Filters(start=D(2023, 11, 1), end=D(2023, 12, 31))), "churn-rate",
          [(D(2023, 11, 1), 0, 0, None), (D(2023, 12, 1), 0, 0, None)])
    # C: K10 and Z1 are created during 2024-01-01, so nobody is active at January's start; Z1 churns in
    # January (1 / 0 -> empty); K10 is active at February's start.
    hand = [(D(2024, 1, 1), 1, 0, None), (D(2024, 2, 1), 0, 1, 0.0)]
    c = Filters(start=D(2024, 1, 1), end=D(2024, 2, 29), employees=("C",))
    check(frame("churn-rate", expected_churn_rate(load(store.cursor()), c)), "churn-rate", hand)
    check(run(b, "churn-rate", c), "churn-rate", hand)
    # Weeks cut by the range's edges (Wed 2025-01-15 .. Tue 2025-01-21), employee A: week of 01-13 from
    # 01-15: active K2 K3 K5 K6, churned K2; week of 01-20 to 01-21: active K3 K4 K5 K6, none churned.
    check(run(b, "churn-rate", Filters(start=D(2025, 1, 15), end=D(2025, 1, 21), period="week", employees=("A",))),
          "churn-rate", [(D(2025, 1, 13), 1, 4, 1 / 4), (D(2025, 1, 20), 0, 4, 0.0)])


def clv_row(revenue, won_deals, buyers, days, churned, active) -> tuple:
    """The expected clv row from hand-counted totals (the formula of the module's reading)."""
    aov = revenue / won_deals if won_deals else None
    freq = won_deals / buyers / (days / YEAR) if buyers else None
    churn = churned / active * YEAR / days if active else None
    life = None if churn is None else (MAX_LIFETIME if churn == 0 else min(1 / churn, MAX_LIFETIME))
    return (aov, freq, churn, aov * freq * life if None not in (aov, freq, life) else None)


def test_clv_zero_churn(store):
    """Nobody churned: lifetime 10 years. Revenue and won deals by deal owner, the deal without a customer
    included; customers with a won deal counted distinct and without the empty one."""
    b = fill(store, customers=[
        customer("V1", "A", created=T(2024, 1, 1)), customer("V2", "A", created=T(2024, 1, 1)),
        customer("V3", "B", created=T(2024, 1, 1)), customer("V4", "C", created=T(2024, 1, 1)),
        customer("V5", "A", created=T(2025, 3, 1)),  # created in the range: not active at its start
    ], deals=[
        won("v1a", "V1", "A", T(2025, 2, 1), 100.0),
        won("v1b", "V1", "A", T(2025, 12, 31, 23), 300.0),
        won("v2", "V2", "B", T(2025, 6, 1), 200.0),  # by B for A's customer
        won("x", None, "A", T(2025, 7, 1), 400.0),  # no customer
        won("v3old", "V3", "B", T(2024, 12, 31, 23, 59), 1000.0),  # before the range
        won("v3new", "V3", "B", T(2026, 1, 1), 50.0),  # after the range
        deal("v4l", "V4", "C", "lost", 999.0, T(2025, 5, 1)),
        deal("v4o", "V4", "C", "open", 999.0),
    ])
    f = Filters(**Y2025)
    # 365 days; revenue 1000 over 4 won deals; customers V1 V2; active V1..V4, nobody churned.
    hand = [(250.0, 4 / 2 / (365 / 365.25), 0.0, 250.0 * (4 / 2 / (365 / 365.25)) * 10.0)]
    assert [clv_row(1000.0, 4, 2, 365, 0, 4)] == hand
    check(frame("clv", expected_clv(load(store.cursor()), f)), "clv", hand)
    check(run(b, "clv", f), "clv", hand)
    # A's deals v1a v1b x: 800 / 3, one customer (V1); A's customers V1 V2 active (V5 created later), none lost.
    check(run(b, "clv", Filters(**Y2025, employees=("A",))), "clv", [clv_row(800.0, 3, 1, 365, 0, 2)])
    # C: no won deal in the range -> average and frequency empty, churn 0/1 = 0, clv empty.
    check(run(b, "clv", Filters(**Y2025, employees=("C",))), "clv", [(None, None, 0.0, None)])
    # Before anything: nobody active and no won deal -> all empty.
    check(run(b, "clv", Filters(start=D(2023, 1, 1), end=D(2023, 12, 31))), "clv", [(None, None, None, None)])


def test_clv_with_churn(store):
    """Yearly churn rate scaled by 365.25 / days of a half-year range; 1 / churn rate as the lifetime, capped
    at 10 years; a customer created and lost inside the range counts as churned."""
    b = fill(store, customers=[
        customer("H0", "A", created=T(2024, 1, 1), lost_at=T(2024, 12, 31, 23)),  # lost before the range
        *[customer(f"H{i}", "A", created=T(2024, 1, 1)) for i in range(1, 5)],
        customer("H5", "A", created=T(2025, 1, 1), lost_at=T(2025, 5, 1)),  # created on the first day, lost
        *[customer(f"B{i:02}", "B", created=T(2024, 1, 1)) for i in range(1, 26)],
    ], deals=[
        won("h1", "H1", "A", T(2025, 2, 1), 120.0),
        won("h2", "H2", "A", T(2025, 3, 1), 80.0),
        won("h2b", "H2", "A", T(2025, 3, 15), 100.0),
        won("b2", "B02", "B", T(2025, 4, 1), 500.0),
        won("late", "H3", "A", T(2025, 7, 1), 9999.0),  # after the range
    ])
    with store.write() as cur:
        cur.execute("UPDATE customers SET lost_at = TIMESTAMP '2025-03-01 10:00' WHERE customer_id = 'H1'")
        cur.execute("UPDATE customers SET lost_at = TIMESTAMP '2025-02-01 00:00' WHERE customer_id = 'B01'")
    f = Filters(start=D(2025, 1, 1), end=D(2025, 6, 30))
    assert (f.end - f.start).days + 1 == 181
    # All: revenue 800, 4 won deals, buyers H1 H2 B02; active H1..H4 + 25 B = 29; churned H1 H5 B01 = 3.
    hand = [clv_row(800.0, 4, 3, 181, 3, 29)]
    assert 1 / hand[0][2] < 10
    check(frame("clv", expected_clv(load(store.cursor()), f)), "clv", hand)
    check(run(b, "clv", f), "clv", hand)
    # A: 300 / 3 over H1 H2; churned H1 H5 of 4 active: 2/4 x 365.25/181 -> lifetime 181 x 2 / 365.25 years.
    a = clv_row(300.0, 3, 2, 181, 2, 4)
    assert a[3] == pytest.approx(100.0 * (3 / 2 / (181 / 365.25)) * (181 * 2 / 365.25), rel=1e-12)
    check(run(b, "clv", Filters(start=f.start, end=f.end, employees=("A",))), "clv", [a])
    # B: 1 of 25 -> 0.0807 a year, 1 / that = 12.4 years -> capped at 10.
    bb = clv_row(500.0, 1, 1, 181, 1, 25)
    assert bb[3] == pytest.approx(500.0 * (365.25 / 181) * 10.0, rel=1e-12)
    check(run(b, "clv", Filters(start=f.start, end=f.end, employees=("B",))), "clv", [bb])


def test_nps_hand_counted(store):
    """Promoters 9-10, passives 7-8, detractors 0-6 (counts), surveys in the range (both edges), by the
    customer's owner; no response -> nps empty."""
    b = fill(store, customers=[customer("N1", "A"), customer("N2", "B"), customer("N3", "C"), customer("N4", None)],
             surveys=[
                 survey("s1", "N1", T(2025, 1, 1), 9),
                 survey("s2", "N1", T(2025, 3, 1), 10),
                 survey("s3", "N2", T(2025, 4, 1), 7),
                 survey("s4", "N2", T(2025, 5, 1), 8),
                 survey("s5", "N3", T(2025, 6, 1), 0),
                 survey("s6", "N3", T(2025, 12, 31, 23, 59), 6),
                 survey("s7", "N1", T(2024, 12, 31, 23, 59), 10),  # before the range
                 survey("s8", "N2", T(2026, 1, 1), 3),  # after the range
                 survey("s9", "N4", T(2025, 5, 5), 10),  # unowned customer
             ])
    f = Filters(**Y2025)
    hand = [(3, 2, 2, 7, 100.0 * (3 - 2) / 7)]
    check(frame("nps", expected_nps(load(store.cursor()), f)), "nps", hand)
    check(run(b, "nps", f), "nps", hand)
    check(run(b, "nps", Filters(**Y2025, employees=("A",))), "nps", [(2, 0, 0, 2, 100.0)])
    check(run(b, "nps", Filters(**Y2025, departments=("D1",))), "nps", [(2, 2, 0, 4, 50.0)])
    check(run(b, "nps", Filters(**Y2025, employees=("C",))), "nps", [(0, 0, 2, 2, -100.0)])
    check(run(b, "nps", Filters(**Y2025, departments=("D2",))), "nps", [(0, 2, 0, 2, 0.0)])
    none = [(0, 0, 0, 0, None)]
    check(frame("nps", expected_nps(load(store.cursor()), Filters(start=D(2020, 1, 1), end=D(2020, 12, 31)))), "nps", none)
    check(run(b, "nps", Filters(start=D(2020, 1, 1), end=D(2020, 12, 31))), "nps", none)
    check(run(b, "nps", Filters(start=D(2025, 1, 2), end=D(2025, 2, 28))), "nps", none)


RETENTION = dict(customers=[
    customer("Q1", "A"), customer("Q2", "A"), customer("Q3", "A", won_at=T(2025, 2, 10)), customer("Q4", "B"),
    customer("Q5", "B"), customer("Q6", "C"), customer("Q7", "C"), customer("Q8", None), customer("Q9", "A"),
], deals=[
    won("q1a", "Q1", "A", T(2025, 1, 20)), won("q1b", "Q1", "A", T(2025, 2, 5)), won("q1c", "Q1", "A", T(2025, 4, 9)),
    won("q2a", "Q2", "A", T(2025, 1, 10)), won("q2b", "Q2", "A", T(2025, 1, 20)),  # first purchase before 01-15
    deal("q3l", "Q3", "A", "lost", 5.0, T(2025, 3, 1)),  # Q3: won_at only
    won("q4a", "Q4", "B", T(2025, 2, 28)), won("q4b", "Q4", "B", T(2025, 4, 11)),
    won("q5a", "Q5", "B", T(2024, 12, 1)), won("q5b", "Q5", "B", T(2025, 2, 1)),  # December 2024 cohort
    won("q6", "Q6", "C", T(2025, 4, 10, 23)),
    won("q7", "Q7", "C", T(2025, 4, 11)),
    won("q8", "Q8", "A", T(2025, 1, 25)),  # unowned customer
    won("q9a", "Q9", "C", T(2025, 3, 3, 9)), won("q9b", "Q9", "C", T(2025, 3, 3, 15)),  # A's customer, by C
    won("nc", None, "A", T(2025, 2, 2)),
])


def test_retention_partial_months(store):
    """Range 2025-01-15 .. 2025-04-10: cohorts by first purchase ever inside the range (Q2, first purchase on
    01-10, is in no cohort; Q7's on 04-11 neither); purchases after the end do not count (Q4's on 04-11); the
    February cohort has no repeat buyer; month 0 is 1.0; every month up to the range's end."""
    b = fill(store, **RETENTION)
    f = Filters(start=D(2025, 1, 15), end=D(2025, 4, 10))
    jan, feb, mar, apr = D(2025, 1, 1), D(2025, 2, 1), D(2025, 3, 1), D(2025, 4, 1)
    hand = [(jan, 0, 2, 1.0), (jan, 1, 1, 0.5), (jan, 2, 0, 0.0), (jan, 3, 1, 0.5),  # Q1 Q8
            (feb, 0, 2, 1.0), (feb, 1, 0, 0.0), (feb, 2, 0, 0.0),  # Q3 (won_at) Q4: no repeat buyer
            (mar, 0, 1, 1.0), (mar, 1, 0, 0.0),  # Q9: two purchases on one day
            (apr, 0, 1, 1.0)]  # Q6
    check(frame("retention", expected_retention(load(store.cursor()), f)), "retention", hand)
    check(run(b, "retention", f), "retention", hand)
    # A: Q1, Q3, Q9 (Q8 unowned, Q4 B's, Q6 C's).
    check(run(b, "retention", Filters(start=f.start, end=f.end, employees=("A",))), "retention",
          [(jan, 0, 1, 1.0), (jan, 1, 1, 1.0), (jan, 2, 0, 0.0), (jan, 3, 1, 1.0),
           (feb, 0, 1, 1.0), (feb, 1, 0, 0.0), (feb, 2, 0, 0.0), (mar, 0, 1, 1.0), (mar, 1, 0, 0.0)])
    # B (Q4 and Q5): only the February cohort, without repeat buyers.
    check(run(b, "retention", Filters(start=f.start, end=f.end, employees=("B",))), "retention",
          [(feb, 0, 1, 1.0), (feb, 1, 0, 0.0), (feb, 2, 0, 0.0)])
    # December 2024 cut at the 2nd: Q5's first purchase (12-01) lies before the range -> no cohort, no rows.
    g = Filters(start=D(2024, 12, 2), end=D(2024, 12, 31))
    check(frame("retention", expected_retention(load(store.cursor()), g)), "retention", [])
    check(run(b, "retention", g), "retention", [])


def test_retention_whole_months(store):
    """The same data over whole months 2025-01-01 .. 2025-04-30: Q2 joins January, Q7 April, Q4's April
    purchase counts."""
    b = fill(store, **RETENTION)
    f = Filters(start=D(2025, 1, 1), end=D(2025, 4, 30))
    jan, feb, mar, apr = D(2025, 1, 1), D(2025, 2, 1), D(2025, 3, 1), D(2025, 4, 1)
    hand = [(jan, 0, 3, 1.0), (jan, 1, 1, 1 / 3), (jan, 2, 0, 0.0), (jan, 3, 1, 1 / 3),  # Q1 Q2 Q8
            (feb, 0, 2, 1.0), (feb, 1, 0, 0.0), (feb, 2, 1, 0.5),  # Q3 Q4
            (mar, 0, 1, 1.0), (mar, 1, 0, 0.0),
            (apr, 0, 2, 1.0)]  # Q6 Q7
    check(frame("retention", expected_retention(load(store.cursor()), f)), "retention", hand)
    check(run(b, "retention", f), "retention", hand)
    # No first purchase in the range (only later purchases of older cohorts, none here either): no rows.
    g = Filters(start=D(2025, 5, 1), end=D(2025, 6, 30))
    check(frame("retention", expected_retention(load(store.cursor()), g)), "retention", [])
    check(run(b, "retention", g), "retention", [])
