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
from crm_core.metrics.health import changed, stage_counts
from crm_core.reports import get
from crm_core.scope import ADMIN, Scope, Viewer
from files.checks import same_rows
from test_health_vs_pandas import (  # the readings fixed there, reused as they are
    MAX_LIFETIME, STAGES, YEAR, after, churn_counts, deal, expected_lifecycle, fill, load, people, periods,
    purchases, scoped_customers, survey, ts, won)

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
    "lifecycle-transitions": ["from_stage", "to_stage", "customers"],
    "lifecycle": ["stage", "customers"],
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


@pytest.mark.parametrize("name", FILTER_SETS)
def test_lifecycle_transitions_vs_pandas(demo_store, tables, name):
    """Every (from, to) pair, unchanged ones too; the Health page's two views read from it (stage_counts,
    changed) equal the lifecycle and lifecycle-movement references."""
    f = FILTER_SETS[name]
    m = movements(tables, f)
    n = m.groupby(["from_stage", "to_stage"]).size()
    expected = sorted((a, b, int(k)) for (a, b), k in n.items())
    assert any(a != b for a, b, _ in expected)
    if name != "all":  # the whole company starts before anyone was created: everyone comes from "none"
        assert any(a == b for a, b, _ in expected)
    got = run(demo_store.backend(), "lifecycle-transitions", f)
    check(got, "lifecycle-transitions", expected)
    check(stage_counts(got), "lifecycle", expected_lifecycle(tables, f))
    check(changed(got), "lifecycle-movement", expected_movement(tables, f))


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


# -- small hand-counted databases ------------------------------------------------------------------
# ORG (from test_health_vs_pandas): D1 > D2, D3 apart; A in D1, B in D2 (so under D1), C in D3.
def customer(cid, owner=None, created=T(2023, 1, 1), won_at=None, lost_at=None, **attributes):
    return {"customer_id": cid, "name": cid, "owner_id": owner, "created_at": created, "won_at": won_at,
            "lost_at": lost_at, **attributes}


MOVEMENT = dict(customers=[
    customer("M1", "A", created=T(2024, 1, 1)),  # bought 02-01 (58 days before S-1: new), again 05-01: repeat
    customer("M2", "A", created=T(2024, 1, 1)),  # bought 2024-06-01 and 2024-08-01: repeat, then 425 days: lapsed
    customer("M3", "B", created=T(2025, 5, 10)),  # created in the range, no purchase: none -> prospect
    customer("M4", "B", created=T(2024, 1, 1), lost_at=T(2025, 6, 15)),  # prospect -> lost
    customer("M5", "C", created=T(2024, 1, 1), lost_at=T(2025, 1, 1)),  # lost before the range: lost -> lost
    customer("M6", "A", created=T(2025, 10, 1), won_at=T(2025, 10, 1)),  # created after E: not counted
    customer("M7", "A", created=T(2025, 3, 31, 23)),  # created on S-1: prospect; bought 08-01 (60 days): new
    customer("M8", "A", created=T(2025, 4, 1), won_at=T(2025, 4, 1, 9)),  # created on S: none; won_at only,
    #                                                                      182 days before E: one-time
    customer("M9", None, created=T(2024, 1, 1)),  # unowned; bought 06-01 (121 days): prospect -> one-time
    customer("M10", "B", created=T(2024, 1, 1)),  # bought 2024-12-01: one-time at both ends, no movement
    customer("M11", "C", created=T(2024, 1, 1)),  # bought from A on 07-02, exactly 90 days before E: new
    customer("M12", "A", created=T(2024, 1, 1)),  # bought on S-1 (new) and on E: repeat (first 183 days back)
    customer("M13", "C", created=T(2024, 1, 1)),  # bought only after E: prospect at both ends
], deals=[
    won("m1a", "M1", "A", T(2025, 2, 1)), won("m1b", "M1", "A", T(2025, 5, 1)),
    won("m2a", "M2", "A", T(2024, 6, 1)), won("m2b", "M2", "A", T(2024, 8, 1)),
    won("m6", "M6", "A", T(2025, 10, 1)),
    won("m7", "M7", "A", T(2025, 8, 1)),
    deal("m8", "M8", "A", "lost", 30.0, T(2025, 4, 2)),  # a lost deal: M8's purchase is its won_at
    won("m9", "M9", "B", T(2025, 6, 1)),
    won("m10", "M10", "B", T(2024, 12, 1)),
    won("m11", "M11", "A", T(2025, 7, 2, 18)),
    won("m12a", "M12", "A", T(2025, 3, 31, 23, 59)), won("m12b", "M12", "A", T(2025, 9, 30, 23)),
    won("m13", "M13", "C", T(2025, 10, 1)),
    won("nc", None, "A", T(2025, 5, 5)),  # no customer: no one moves
])
Q2Q3 = dict(start=D(2025, 4, 1), end=D(2025, 9, 30))  # S-1 = 2025-03-31


def test_lifecycle_movement_hand_counted(store):
    """A customer moving new -> repeat (M1, M12) and one repeat -> lapsed (M2) across the range, besides
    customers created in it (from "none"), lost in it, and ones that stay put (not shown)."""
    b = fill(store, **MOVEMENT)
    f = Filters(**Q2Q3)
    S1, E = f.start - DAY, f.end
    assert (S1 - D(2025, 2, 1)).days == 58 and (E - D(2025, 2, 1)).days == 241  # M1: new, then not new
    assert (S1 - D(2024, 8, 1)).days == 242 and (E - D(2024, 8, 1)).days == 425  # M2: repeat, then lapsed
    assert (E - D(2025, 7, 2)).days == 90 and (E - D(2025, 6, 1)).days == 121 and (E - D(2025, 4, 1)).days == 182
    # Everyone: new->repeat M1 M12; prospect->new M7 M11; none->one-time M8; none->prospect M3;
    # prospect->lost M4; prospect->one-time M9; repeat->lapsed M2. Unchanged: M5 (lost), M10, M13; M6 later.
    hand = [("new", "repeat", 2), ("prospect", "new", 2), ("none", "one-time", 1), ("none", "prospect", 1),
            ("prospect", "lost", 1), ("prospect", "one-time", 1), ("repeat", "lapsed", 1)]
    check(pd.DataFrame(expected_movement(load(store.cursor()), f), columns=COLUMNS["lifecycle-movement"]),
          "lifecycle-movement", hand)  # the pandas reference agrees with the hand count
    check(run(b, "lifecycle-movement", f), "lifecycle-movement", hand)
    assert drilled(b, "lifecycle-movement", f, {"from_stage": "new", "to_stage": "repeat"}) == ["M1", "M12"]
    assert drilled(b, "lifecycle-movement", f, {"from_stage": "repeat", "to_stage": "lapsed"}) == ["M2"]
    assert drilled(b, "lifecycle-movement", f, {"from_stage": "prospect", "to_stage": "new"}) == ["M11", "M7"]
    assert drilled(b, "lifecycle-movement", f, {"from_stage": "none", "to_stage": "one-time"}) == ["M8"]
    # A: M1 M12 (new->repeat), M8, M7, M2.
    check(run(b, "lifecycle-movement", Filters(**Q2Q3, employees=("A",))), "lifecycle-movement",
          [("new", "repeat", 2), ("none", "one-time", 1), ("prospect", "new", 1), ("repeat", "lapsed", 1)])
    # D1 = A and B: adds M3 (none->prospect) and M4 (prospect->lost); M10 stays one-time.
    check(run(b, "lifecycle-movement", Filters(**Q2Q3, departments=("D1",))), "lifecycle-movement",
          [("new", "repeat", 2), ("none", "one-time", 1), ("none", "prospect", 1), ("prospect", "lost", 1),
           ("prospect", "new", 1), ("repeat", "lapsed", 1)])
    # C: M11 bought from A (purchases by anyone): prospect->new; M5 and M13 stay put.
    check(run(b, "lifecycle-movement", Filters(**Q2Q3, employees=("C",))), "lifecycle-movement",
          [("prospect", "new", 1)])
    assert drilled(b, "lifecycle-movement", Filters(**Q2Q3, employees=("C",)),
                   {"from_stage": "prospect", "to_stage": "new"}) == ["M11"]
    # Before anyone was created: no movement, no rows.
    check(run(b, "lifecycle-movement", Filters(start=D(2022, 6, 1), end=D(2022, 6, 30))), "lifecycle-movement", [])


SEGMENTS = dict(customers=[
    customer("G1", "A", created=T(2024, 1, 1), industry=" 制造业 "),  # trimmed: 制造业
    customer("G2", "B", created=T(2024, 1, 1), lost_at=T(2025, 3, 1), industry="制造业"),  # churned
    customer("G3", "C", created=T(2024, 1, 1), industry="制造业"),  # active, no won deal in the range
    customer("G4", "A", created=T(2025, 2, 1), industry="零售"),  # created in the range: not active at S
    customer("G5", "A", created=T(2025, 1, 1, 8), lost_at=T(2025, 5, 1), industry="零售"),  # created on S
    customer("G6", "B", created=T(2024, 1, 1), industry=None),  # (none)
    customer("G7", "B", created=T(2024, 1, 1), lost_at=T(2024, 12, 31, 23), industry=""),  # (none), lost before S
    customer("G8", "A", created=T(2024, 1, 1), industry="   "),  # (none) once trimmed
    customer("G9", None, created=T(2024, 1, 1), industry="金融"),  # unowned
    customer("G10", "C", created=T(2024, 1, 1), industry="教育"),  # its only won deal before S: no buyer
    customer("G11", "A", created=T(2024, 1, 1), industry="物流"),  # A's customer, bought only from C
], deals=[
    won("g1a", "G1", "A", T(2025, 1, 1), 100.0),  # on S
    won("g1b", "G1", "C", T(2025, 6, 30, 23, 59), 300.0),  # on E, by C for A's customer
    won("g2", "G2", "B", T(2025, 2, 1), None),  # no amount: 0
    won("g3x", "G3", "C", T(2024, 12, 31, 23, 59), 999.0),  # before S
    won("g3y", "G3", "C", T(2025, 7, 1), 999.0),  # after E
    deal("g3l", "G3", "C", "lost", 500.0, T(2025, 3, 1)),
    deal("g3o", "G3", "C", "open", 500.0),
    won("g4", "G4", "A", T(2025, 3, 1), 200.0),
    won("g5", "G5", "B", T(2025, 4, 1), 400.0),
    won("g5b", "G5", "A", T(2025, 4, 2), 600.0),
    won("g6", "G6", "B", T(2025, 5, 1), 50.0),
    won("g8", "G8", "A", T(2025, 5, 2), 70.0),
    won("g9", "G9", "A", T(2025, 6, 1), 1000.0),
    won("g10", "G10", "C", T(2024, 6, 1), 80.0),
    won("g11", "G11", "C", T(2025, 4, 20), 40.0),  # by C for A's customer
    won("nc", None, "A", T(2025, 3, 3), 5000.0),  # no customer: in no segment
])
H1 = dict(start=D(2025, 1, 1), end=D(2025, 6, 30))  # 181 days


def test_clv_by_segment_hand_counted(store):
    """Values trimmed, NULL / empty / blank as "(none)"; revenue by anyone's won deals in the range (NULL
    amount 0); a segment nobody of which was active at the start (零售) has churn_rate and clv empty; a
    segment without a buyer (教育) is not shown; ordered by buyers, then value."""
    b = fill(store, **SEGMENTS)
    f = Filters(**H1)
    days = (f.end - f.start).days + 1
    assert days == 181
    hand = [SEG["(none)"], SEG["制造业"], SEG["零售"], SEG["物流"], SEG["金融"]]
    assert SEG["零售"][4] is None and SEG["零售"][5] is None and SEG["零售"][2] == 400.0
    assert SEG["(none)"][5] == pytest.approx(60.0 * (2 / 2 / (181 / 365.25)) * 10.0, rel=1e-12)
    assert SEG["制造业"][4] == pytest.approx(365.25 / 3 / 181) and 1 / SEG["制造业"][4] < 10  # 1 / churn, uncapped
    check(pd.DataFrame(expected_clv_by_segment(load(store.cursor()), f, "industry"),
                       columns=COLUMNS["clv-by-segment"]), "clv-by-segment", hand)  # the reference agrees
    check(run(b, "clv-by-segment", f, dimension="industry"), "clv-by-segment", hand)
    assert drilled(b, "clv-by-segment", f, {"value": "制造业"}, dimension="industry") == ["G1", "G2"]
    assert drilled(b, "clv-by-segment", f, {"value": "零售"}, dimension="industry") == ["G4", "G5"]
    assert drilled(b, "clv-by-segment", f, {"value": "(none)"}, dimension="industry") == ["G6", "G8"]
    # C: G3 and G10, neither with a won deal in the range: no rows.
    check(run(b, "clv-by-segment", Filters(**H1, employees=("C",)), dimension="industry"), "clv-by-segment", [])
    # size is empty everywhere: one segment of every customer. Buyers G1 G2 G4 G5 G6 G8 G9 G11; 10 deals,
    # 100+300+0+200+400+600+50+70+1000+40 = 2760; active G1 G2 G3 G6 G8 G9 G10 G11 = 8; churned G2 G5.
    whole = [("(none)", 8, *clv_parts(2760.0, 10, 8, days, 2, 8))]
    check(pd.DataFrame(expected_clv_by_segment(load(store.cursor()), f, "size"), columns=COLUMNS["clv-by-segment"]),
          "clv-by-segment", whole)
    check(run(b, "clv-by-segment", f, dimension="size"), "clv-by-segment", whole)


# Hand counts of SEGMENTS over H1 (181 days), industry, everyone:
# (none): G6 G7 G8; deals g6 50, g8 70; buyers G6 G8; active G6 G8 (G7 lost before S); churned none.
# 制造业: G1 G2 G3; deals g1a 100, g1b 300, g2 0; buyers G1 G2; active all 3; churned G2.
# 零售: G4 G5; deals g4 200, g5 400, g5b 600; buyers G4 G5; active none (created 02-01 and on S); G5 churned.
# 物流: G11; g11 40 (by C); active 1, churned 0.   金融: G9; g9 1000; active 1, churned 0.
SEG = {
    "(none)": ("(none)", 2, *clv_parts(120.0, 2, 2, 181, 0, 2)),
    "制造业": ("制造业", 2, *clv_parts(400.0, 3, 2, 181, 1, 3)),
    "零售": ("零售", 2, *clv_parts(1200.0, 3, 2, 181, 1, 0)),
    "物流": ("物流", 1, *clv_parts(40.0, 1, 1, 181, 0, 1)),
    "金融": ("金融", 1, *clv_parts(1000.0, 1, 1, 181, 0, 1)),
}


def test_clv_by_segment_counts_deals_by_anyone_under_a_people_filter(store):
    """With a people filter the segment holds the selected employees' customers, and their won deals count
    whoever owns the deal ("by anyone", as lifecycle-movement's purchases do).

    DISAGREEMENT (kept failing on purpose): the report counts only the won deals owned by the selected
    employees. For employee A it gives 零售 2 deals / 800 (g5, by B, left out), 制造业 1 deal / 100 (g1b,
    by C, left out), and no 物流 row at all (G11 bought only from C), where the definition ("their won
    deals closed in [S, E] by anyone") gives 3 / 1200, 2 / 400 and a 物流 row; the drill-down of 物流
    likewise misses G11."""
    b = fill(store, **SEGMENTS)
    a = Filters(**H1, employees=("A",))
    # A: G1 G4 G5 G8 G11. 零售 as for everyone (g5 by B counts); (none) G8 alone; 制造业 G1 alone (g1b by C
    # counts); 物流 G11 (g11 by C).
    hand = [SEG["零售"], ("(none)", 1, *clv_parts(70.0, 1, 1, 181, 0, 1)),
            ("制造业", 1, *clv_parts(400.0, 2, 1, 181, 0, 1)), SEG["物流"]]
    check(pd.DataFrame(expected_clv_by_segment(load(store.cursor()), a, "industry"),
                       columns=COLUMNS["clv-by-segment"]), "clv-by-segment", hand)  # the reference agrees
    check(run(b, "clv-by-segment", a, dimension="industry"), "clv-by-segment", hand)
    assert drilled(b, "clv-by-segment", a, {"value": "物流"}, dimension="industry") == ["G11"]


NPS = dict(customers=[customer("N1", "A"), customer("N2", "B"), customer("N3", "C"), customer("N4", None)],
           surveys=[
               survey("s1", "N1", T(2025, 1, 14, 23, 59), 10),  # the day before S
               survey("s2", "N1", T(2025, 1, 15), 9),  # on S: promoter
               survey("s3", "N2", T(2025, 1, 31, 23, 59), 6),  # detractor
               survey("s4", "N3", T(2025, 1, 20), 7),  # passive
               # no survey in February
               survey("s5", "N2", T(2025, 3, 1), 0),  # detractor
               survey("s6", "N1", T(2025, 3, 31, 23), 8),  # passive
               survey("s7", "N4", T(2025, 3, 15), 10),  # unowned customer: promoter
               survey("s10", "N3", T(2025, 3, 20), 10),  # promoter
               survey("s8", "N3", T(2025, 4, 10, 23), 9),  # on E: promoter
               survey("s9", "N1", T(2025, 4, 11), 0),  # the day after E
           ])


def test_nps_trend_hand_counted(store):
    """Months cut at both ends (2025-01-15 .. 2025-04-10); February has no response: counts 0, nps empty."""
    b = fill(store, **NPS)
    f = Filters(start=D(2025, 1, 15), end=D(2025, 4, 10))
    jan, feb, mar, apr = D(2025, 1, 1), D(2025, 2, 1), D(2025, 3, 1), D(2025, 4, 1)
    # Jan: s2 (P) s4 (Pa) s3 (D); Mar: s7 s10 (P) s6 (Pa) s5 (D); Apr: s8 (P).
    hand = [(jan, 1, 1, 1, 3, 0.0), (feb, 0, 0, 0, 0, None), (mar, 2, 1, 1, 4, 25.0), (apr, 1, 0, 0, 1, 100.0)]
    check(pd.DataFrame(expected_nps_trend(load(store.cursor()), f), columns=COLUMNS["nps-trend"]), "nps-trend", hand)
    check(run(b, "nps-trend", f), "nps-trend", hand)
    assert drilled(b, "nps-trend", f, {"period": jan}) == ["N1", "N2", "N3"]
    assert drilled(b, "nps-trend", f, {"period": jan}, "promoters") == ["N1"]
    assert drilled(b, "nps-trend", f, {"period": mar}, "promoters") == ["N3", "N4"]
    assert drilled(b, "nps-trend", f, {"period": mar}, "detractors") == ["N2"]
    assert drilled(b, "nps-trend", f, {"period": mar}, "passives") == ["N1"]
    assert drilled(b, "nps-trend", f, {"period": apr}, "detractors") == []  # s9 is after E
    assert drilled(b, "nps-trend", f, {"period": feb}) == []
    # A (N1): Jan s2; Mar s6; April's s9 is after E -> empty.
    check(run(b, "nps-trend", Filters(start=f.start, end=f.end, employees=("A",))), "nps-trend",
          [(jan, 1, 0, 0, 1, 100.0), (feb, 0, 0, 0, 0, None), (mar, 0, 1, 0, 1, 0.0), (apr, 0, 0, 0, 0, None)])
    # D1 (N1 N2): Jan s2 s3; Mar s5 s6.
    check(run(b, "nps-trend", Filters(start=f.start, end=f.end, departments=("D1",))), "nps-trend",
          [(jan, 1, 0, 1, 2, 0.0), (feb, 0, 0, 0, 0, None), (mar, 0, 1, 1, 2, -50.0), (apr, 0, 0, 0, 0, None)])
    # Quarters: Q1 from 01-15: P s2 s7 s10, Pa s4 s6, D s3 s5; Q2 to 04-10: s8.
    q = Filters(start=f.start, end=f.end, period="quarter")
    check(run(b, "nps-trend", q), "nps-trend", [(jan, 3, 2, 2, 7, 100.0 / 7), (apr, 1, 0, 0, 1, 100.0)])
    # No survey at all in the range: every month shown, all zeros, nps empty.
    empty = Filters(start=D(2024, 11, 1), end=D(2024, 12, 31))
    check(run(b, "nps-trend", empty), "nps-trend",
          [(D(2024, 11, 1), 0, 0, 0, 0, None), (D(2024, 12, 1), 0, 0, 0, 0, None)])
