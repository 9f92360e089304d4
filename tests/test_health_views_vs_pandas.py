"""The health page's own reports (lifecycle-movement, clv-by-segment, nps-trend) against their definitions
written independently in plain pandas: on the demo company for several filter sets, their drill-downs,
as a manager and a rep, and on small hand-counted databases for the edge cases.

The readings are those fixed in test_health_vs_pandas.py (scope by the customer's owner; purchases = won
deals by anyone with a customer and a closed_at, or won_at when the customer has no won deal at all;
lifecycle's rules as of a day; churned / active_at_start; DESIGN's CLV formula with days = the range's
calendar days; NPS counts). Its reference helpers are imported. What the three views add:

- lifecycle-movement over [S, E]: customers in scope created on or before E; from_stage = the lifecycle
  stage as of the day S - 1 ("none" for a customer created after S - 1), to_stage = the stage as of E.
  Rows: the (from_stage, to_stage) pairs with from_stage != to_stage, customers = how many; ordered by
  customers descending, then from_stage, to_stage. Drill {from_stage, to_stage} -> exactly those customers.
- clv-by-segment --dimension D: value = the customer's attribute trimmed, "(none)" when NULL or empty
  (a value of blanks only is empty once trimmed). Per value, over the customers in scope with it: their
  won deals closed in [S, E] by anyone (deals without a customer belong to no segment); revenue =
  sum(amount, NULL as 0), deals, buyers = distinct customers with such a deal; churned = those customers
  lost in [S, E]; active = created before S and not lost before S. aov = revenue / deals; frequency =
  deals / buyers / (days / 365.25); yearly churn = churned / active x 365.25 / days (empty when active is
  0); lifetime = 10 when the churn is 0, else min(1 / churn, 10); clv = aov x frequency x lifetime (empty
  with the churn). Only values with a buyer; ordered by buyers descending, then value. Drill {value} ->
  the customers in scope with that value and a won deal closed in [S, E].
- nps-trend: every period bucket overlapping [S, E] (``period`` its first day, zeros included); the
  surveys of customers in scope answered in the bucket's part inside [S, E]; promoters 9-10, passives
  7-8, detractors 0-6, responses, nps = 100 x (promoters - detractors) / responses (empty without
  responses). Drill {period} with column None / promoters / passives / detractors -> the customers who
  answered in that part of the period (with such a score).

"Who sees what": a report run by a manager or a rep equals the reference computed over the tables
narrowed here, by hand, to what the viewer may see (customers and deals by owner, surveys by customer).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from crm_core.filters import Filters
from crm_core.reports import get
from crm_core.scope import ADMIN, Scope, Viewer
from files.checks import same_rows
from test_health_vs_pandas import (  # the readings fixed there, reused as they are
    MAX_LIFETIME, ORG, STAGES, YEAR, after, churn_counts, deal, fill, load, people, periods, purchases,
    scoped_customers, survey, ts, won)

D = dt.date
T = dt.datetime
DAY = dt.timedelta(days=1)
FILTER_SETS = {
    "all": Filters(start=D(2023, 11, 1), end=D(2026, 11, 23), period="month"),  # the whole demo company
    "partial": Filters(start=D(2026, 4, 15), end=D(2026, 9, 10), period="month"),  # months cut at both ends
    "dept": Filters(start=D(2025, 1, 1), end=D(2026, 6, 30), period="month", departments=("D110",)),
    "employees": Filters(start=D(2024, 7, 1), end=D(2026, 11, 23), period="month", employees=("E0003", "E0007")),
    "quarter": Filters(start=D(2024, 2, 10), end=D(2026, 8, 20), period="quarter"),  # quarters cut at both ends
}
DIMENSIONS = ["industry", "region", "size", "source", "category"]
COLUMNS = {
    "lifecycle-movement": ["from_stage", "to_stage", "customers"],
    "clv-by-segment": ["value", "buyers", "average_order_value", "purchase_frequency", "churn_rate", "clv"],
    "nps-trend": ["period", "promoters", "passives", "detractors", "responses", "nps"],
}
MANAGER = Viewer("E0014", "manager", "D110")  # as in test_scope: 华东大区 with D111, D112, D113 below
REP = Viewer("E0002", "rep", "D112")
SCORES = {"promoters": (9, 10), "passives": (7, 8), "detractors": (0, 6)}


# -- running and comparing --------------------------------------------------------------------------
def run(backend, report: str, f: Filters, viewer: Viewer = ADMIN, **options) -> pd.DataFrame:
    return get(report).run(Scope(backend, f, viewer), **options)


def drilled(backend, report: str, f: Filters, row: dict, column=None, viewer: Viewer = ADMIN, **options) -> list:
    """The customer_ids of a drill-down, sorted (duplicates kept, so that a doubled customer shows)."""
    table = get(report).drill_down(Scope(backend, f, viewer), row, column, **options)
    return sorted(table.execute()["customer_id"].tolist())


def check(df: pd.DataFrame, report: str, expected: list[tuple]) -> None:
    same_rows(df, COLUMNS[report], expected, report, abs_tol=1e-12)


# -- the definitions in pandas -----------------------------------------------------------------------
def stages_as_of(t, c: pd.DataFrame, day: dt.date) -> pd.Series:
    """customer_id -> lifecycle stage as of ``day`` (the rules in STAGES' order) of customers ``c``, all
    created on or before ``day``."""
    if c.empty:
        return pd.Series([], dtype=object)
    p = purchases(t)
    p = p[p.when < after(day)]
    g = p.groupby("customer_id").when
    n = c.customer_id.map(g.size()).fillna(0)
    first = pd.to_datetime(c.customer_id.map(g.min())).dt.normalize()
    last = pd.to_datetime(c.customer_id.map(g.max())).dt.normalize()
    since_last = (ts(day) - last).dt.days
    since_first = (ts(day) - first).dt.days
    stage = np.select(
        [c.lost_at.notna() & (c.lost_at < after(day)), n == 0, since_last > 365, since_first <= 90, n >= 2],
        STAGES[:5], default="one-time")
    return pd.Series(stage, index=c.customer_id.to_numpy())


def movements(t, f: Filters) -> pd.DataFrame:
    """customer_id, from_stage, to_stage of every customer in scope created on or before the range's end."""
    before = f.start - DAY
    c = scoped_customers(t, f)
    c = c[c.created_at < after(f.end)]
    old = c[c.created_at < after(before)]
    frm = stages_as_of(t, old, before).reindex(c.customer_id.to_numpy()).fillna("none")
    to = stages_as_of(t, c, f.end)
    return pd.DataFrame({"customer_id": c.customer_id.to_numpy(), "from_stage": frm.to_numpy(),
                         "to_stage": to.reindex(c.customer_id.to_numpy()).to_numpy()})


def expected_movement(t, f: Filters) -> list[tuple]:
    m = movements(t, f)
    m = m[m.from_stage != m.to_stage]
    n = m.groupby(["from_stage", "to_stage"]).size()
    return sorted(((a, b, int(k)) for (a, b), k in n.items()), key=lambda r: (-r[2], r[0], r[1]))


def movers(t, f: Filters, frm: str, to: str) -> list:
    m = movements(t, f)
    return sorted(m[(m.from_stage == frm) & (m.to_stage == to)].customer_id)


def segment_values(c: pd.DataFrame, dimension: str) -> pd.Series:
    v = c[dimension].astype(object).where(c[dimension].notna(), "").astype(str).str.strip()
    return v.mask(v == "", "(none)")


def segments(t, f: Filters, dimension: str) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """value -> (its customers in scope, their won deals closed in the range by anyone)."""
    c = scoped_customers(t, f)
    c = c.assign(value=segment_values(c, dimension))
    d = t["deals"]
    w = d[(d.status == "won") & d.customer_id.notna() & (d.closed_at >= ts(f.start)) & (d.closed_at < after(f.end))]
    return {value: (members, w[w.customer_id.isin(set(members.customer_id))])
            for value, members in c.groupby("value")}


def clv_parts(revenue: float, deals: int, buyers: int, days: int, churned: int, active: int) -> tuple:
    """(average_order_value, purchase_frequency, churn_rate, clv) of a segment with at least one buyer."""
    aov = revenue / deals
    frequency = deals / buyers / (days / YEAR)
    churn = churned / active * YEAR / days if active else None
    lifetime = None if churn is None else (MAX_LIFETIME if churn == 0 else min(1 / churn, MAX_LIFETIME))
    return aov, frequency, churn, (None if lifetime is None else aov * frequency * lifetime)


def expected_clv_by_segment(t, f: Filters, dimension: str) -> list[tuple]:
    days = (f.end - f.start).days + 1
    rows = []
    for value, (members, w) in segments(t, f, dimension).items():
        buyers = w.customer_id.nunique()
        if buyers:
            churned, active = churn_counts(members, f.start, f.end)
            rows.append((value, buyers, *clv_parts(float(w.amount.fillna(0.0).sum()), len(w), buyers, days,
                                                   churned, active)))
    return sorted(rows, key=lambda r: (-r[1], r[0]))


def segment_buyers(t, f: Filters, dimension: str, value: str) -> list:
    return sorted(set(segments(t, f, dimension)[value][1].customer_id))


def answered(t, f: Filters) -> dict[dt.date, pd.DataFrame]:
    """period -> the surveys of customers in scope answered in the period's part inside the range."""
    s = t["surveys"]
    if people(t, f) is not None:
        s = s[s.customer_id.isin(set(scoped_customers(t, f).customer_id))]
    starts = periods(f.start, f.end, f.period)
    out = {}
    for i, p in enumerate(starts):
        a = max(p, f.start)
        b = f.end if i == len(starts) - 1 else min(starts[i + 1] - DAY, f.end)
        out[p] = s[(s.responded_at >= ts(a)) & (s.responded_at < after(b))]
    return out


def expected_nps_trend(t, f: Filters) -> list[tuple]:
    rows = []
    for p, s in answered(t, f).items():
        promoters, passives, detractors = (int(s.score.between(*SCORES[k]).sum()) for k in SCORES)
        responses = len(s)
        rows.append((p, promoters, passives, detractors, responses,
                     100.0 * (promoters - detractors) / responses if responses else None))
    return rows


def respondents(t, f: Filters, period: dt.date, column: str | None) -> list:
    s = answered(t, f)[period]
    if column is not None:
        s = s[s.score.between(*SCORES[column])]
    return sorted(set(s.customer_id))


def narrowed(t, viewer: Viewer) -> dict[str, pd.DataFrame]:
    """The tables as ``viewer`` may see them: a rep their own records, a manager those of the employees of
    their department tree (customers and deals by owner, surveys by customer); unowned records drop."""
    if viewer.role == "rep":
        who = {viewer.employee_id}
    else:
        who = people(t, Filters(departments=(viewer.department_id,)))
    c = t["customers"][t["customers"].owner_id.isin(who)]
    return {**t, "employees": t["employees"][t["employees"].employee_id.isin(who)], "customers": c,
            "deals": t["deals"][t["deals"].owner_id.isin(who)],
            "surveys": t["surveys"][t["surveys"].customer_id.isin(set(c.customer_id))]}


# -- the demo company ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tables(demo_store):
    return load(demo_store.cursor())


@pytest.mark.parametrize("name", FILTER_SETS)
def test_lifecycle_movement_vs_pandas(demo_store, tables, name):
    f = FILTER_SETS[name]
    expected = expected_movement(tables, f)
    assert len(expected) >= 4 and sum(r[2] for r in expected) > 20  # something moved
    if name != "all":  # the whole company starts before anyone was created: everyone comes from "none"
        assert {r[0] for r in expected} - {"none"}
    check(run(demo_store.backend(), "lifecycle-movement", f), "lifecycle-movement", expected)


@pytest.mark.parametrize("dimension", DIMENSIONS)
@pytest.mark.parametrize("name", FILTER_SETS)
def test_clv_by_segment_vs_pandas(demo_store, tables, name, dimension):
    f = FILTER_SETS[name]
    expected = expected_clv_by_segment(tables, f, dimension)
    assert len(expected) >= 2
    if name == "all":  # nobody is active before the first customer is created: churn and clv empty
        assert all(r[4] is None and r[5] is None for r in expected)
    else:
        assert any(r[4] for r in expected)  # some segment with churn
    check(run(demo_store.backend(), "clv-by-segment", f, dimension=dimension), "clv-by-segment", expected)


@pytest.mark.parametrize("name", FILTER_SETS)
def test_nps_trend_vs_pandas(demo_store, tables, name):
    f = FILTER_SETS[name]
    expected = expected_nps_trend(tables, f)
    assert len(expected) >= 2 and sum(r[4] for r in expected) > 5
    check(run(demo_store.backend(), "nps-trend", f), "nps-trend", expected)


def test_demo_partial_range_matters(tables):
    """The partial filter set's cut months are not vacuous: surveys fall in April before the 15th and in
    September after the 10th, and customers are created in April before the start."""
    s, c = tables["surveys"], tables["customers"]
    assert ((s.responded_at >= ts(D(2026, 4, 1))) & (s.responded_at < ts(D(2026, 4, 15)))).any()
    assert ((s.responded_at >= ts(D(2026, 9, 11))) & (s.responded_at < ts(D(2026, 10, 1)))).any()
    assert ((c.created_at >= ts(D(2026, 4, 1))) & (c.created_at < ts(D(2026, 4, 15)))).any()
    q = FILTER_SETS["quarter"]
    assert ((s.responded_at >= ts(D(2026, 8, 21))) & (s.responded_at < ts(D(2026, 10, 1)))).any()
    assert periods(q.start, q.end, "quarter")[0] == D(2024, 1, 1)


@pytest.mark.parametrize("name", ["partial", "dept", "quarter"])
def test_drill_downs_vs_pandas(demo_store, tables, name):
    """Each drill-down gives exactly the reference's customers (every movement, the first segments, every
    period with each score column)."""
    b, f = demo_store.backend(), FILTER_SETS[name]
    for frm, to, n in expected_movement(tables, f):
        want = movers(tables, f, frm, to)
        assert len(want) == n
        assert drilled(b, "lifecycle-movement", f, {"from_stage": frm, "to_stage": to}) == want, (frm, to)
    for dimension in ("industry", "size"):
        for row in expected_clv_by_segment(tables, f, dimension)[:3]:
            want = segment_buyers(tables, f, dimension, row[0])
            assert len(want) == row[1]
            assert drilled(b, "clv-by-segment", f, {"value": row[0]}, dimension=dimension) == want, row[0]
    for row in expected_nps_trend(tables, f):
        for column in (None, *SCORES):
            want = respondents(tables, f, row[0], column)
            assert drilled(b, "nps-trend", f, {"period": row[0]}, column) == want, (row[0], column)


# -- who sees what ---------------------------------------------------------------------------------
VIEWER_FILTERS = {
    "partial": FILTER_SETS["partial"],
    "quarter": FILTER_SETS["quarter"],
    "D112": Filters(start=D(2025, 7, 1), end=D(2026, 6, 30), departments=("D112",)),
}


@pytest.mark.parametrize("fname", VIEWER_FILTERS)
@pytest.mark.parametrize("viewer", [MANAGER, REP], ids=["manager", "rep"])
def test_viewer_sees_the_reference_over_their_records(demo_store, tables, viewer, fname):
    """As a manager or a rep each report (and a drill-down of each) equals the reference over only the
    records the viewer may see, and (without a people filter, which may already hold only the viewer's
    records) differs from the admin's."""
    b, f = demo_store.backend(), VIEWER_FILTERS[fname]
    mine = narrowed(tables, viewer)
    differs = (lambda a, b: a != b) if not f.restricts_people else (lambda a, b: True)
    expected = expected_movement(mine, f)
    assert expected and differs(expected, expected_movement(tables, f))
    check(run(b, "lifecycle-movement", f, viewer), "lifecycle-movement", expected)
    frm, to, _ = expected[0]
    assert drilled(b, "lifecycle-movement", f, {"from_stage": frm, "to_stage": to}, viewer=viewer) == \
        movers(mine, f, frm, to)
    for dimension in DIMENSIONS:
        expected = expected_clv_by_segment(mine, f, dimension)
        assert expected and differs(expected, expected_clv_by_segment(tables, f, dimension))
        check(run(b, "clv-by-segment", f, viewer, dimension=dimension), "clv-by-segment", expected)
    value = expected[0][0]
    assert drilled(b, "clv-by-segment", f, {"value": value}, viewer=viewer, dimension="category") == \
        segment_buyers(mine, f, "category", value)
    expected = expected_nps_trend(mine, f)
    assert sum(r[4] for r in expected) > 0
    check(run(b, "nps-trend", f, viewer), "nps-trend", expected)
    busiest = max(expected, key=lambda r: r[4])[0]
    for column in (None, "detractors"):
        assert drilled(b, "nps-trend", f, {"period": busiest}, column, viewer=viewer) == \
            respondents(mine, f, busiest, column)
