"""The at-risk report (DESIGN.md, "at risk (early warning)") against its definition written independently in
plain pandas (tests/files/early_warning.py): on the demo company for several filter sets and two viewers, on
the demo with second surveys added (the demo has one survey per customer, so no score can drop), and on
small hand-counted databases for the edges.

Readings chosen where DESIGN.md leaves room (each is repeated where it is used):

- E = the filters' end (the start plays no part). Days are calendar days: E minus the event's day.
- customers: those in scope by owner (customers.owner_id; a department includes its sub-departments; with a
  people filter unowned customers drop, without one everything counts, unowned too), not lost by E (lost_at
  empty or its day after E). Their purchases, follow-ups and surveys count whoever made them (by anyone the
  viewer may see).
- purchases: a customer's won deals (status won, customer_id set, closed_at set, dated by closed_at); a
  customer with won_at set and no won deal at all has one purchase on won_at. "As of E" = on or before E.
- purchase_gap: 3+ purchases as of E (two on one day are two); usual_days = max(7, (last day - first day) /
  (purchases - 1)), a float; days_since = E - the last purchase's day; at risk when days_since > 2 x
  usual_days; ratio = days_since / usual_days.
- contact_gap: the same over the follow-ups (contacted_at) as of E, needing 4+.
- nps_drop: the two latest surveys as of E (by responded_at, ties by survey_id: the greater id is the later);
  at risk when previous score - latest score >= 3; ratio = that drop (float); days_since = E - the latest
  survey's day; usual_days empty.
- one row per rule met: customer_id, employee_id (the owner; empty for a pool customer), reason, days_since
  (int), usual_days (float), ratio (float); ordered by ratio descending, then customer_id, then reason.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
import pytest
from conftest import DEMO_END

from crm_core.filters import Filters
from crm_core.reports import get
from crm_core.scope import Scope, Viewer
from crm_core.store import Store
from files.checks import same_rows
from files.early_warning import (AT_RISK_COLUMNS, customer, deal, expected_at_risk, fill, follow_up, load, narrowed,
                                 survey, won)

D = dt.date
T = dt.datetime
FILTER_SETS = {
    "all": Filters(start=D(2023, 1, 1), end=DEMO_END),
    "partial": Filters(start=D(2026, 4, 15), end=D(2026, 9, 10)),
    "dept": Filters(start=D(2025, 1, 1), end=D(2026, 6, 30), departments=("D110",)),
    "employees": Filters(start=D(2024, 7, 1), end=DEMO_END, employees=("E0003", "E0007")),
}
MANAGER = Viewer("E0014", "manager", "D110")  # the demo's 华东大区 manager: D111, D112, D113 below
REP = Viewer("E0002", "rep", "D112")
REASONS = {"purchase_gap", "contact_gap", "nps_drop"}


def check(df: pd.DataFrame, expected: list[tuple], what: str = "at-risk") -> None:
    """DESIGN's columns exactly, and the rows in order equal ``expected`` (numbers to 1e-9 relative)."""
    same_rows(df, AT_RISK_COLUMNS, expected, what, abs_tol=1e-12)


def run(backend, f: Filters, viewer: Viewer | None = None) -> pd.DataFrame:
    return get("at-risk").run(Scope(backend, f, viewer) if viewer else Scope(backend, f))


def check_types(df: pd.DataFrame) -> None:
    assert pd.api.types.is_integer_dtype(df["days_since"]), df.dtypes
    assert pd.api.types.is_float_dtype(df["usual_days"]) and pd.api.types.is_float_dtype(df["ratio"]), df.dtypes


# -- the demo company ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tables(demo_store):
    return load(demo_store.cursor())


@pytest.mark.parametrize("name", FILTER_SETS)
def test_at_risk_vs_pandas(demo_store, tables, name):
    f = FILTER_SETS[name]
    expected = expected_at_risk(tables, f)
    assert len(expected) > 5 and {"purchase_gap", "contact_gap"} <= {r[2] for r in expected}  # something to compare
    df = run(demo_store.backend(), f)
    check(df, expected, f"at-risk {name}")
    check_types(df)


@pytest.mark.parametrize("name", ["all", "dept"])
def test_at_risk_per_owner_vs_pandas(demo_store, tables, name):
    """Per owner (empty: the pool): distinct customers at risk and rows per reason, most customers first, ties
    by owner id (the pool sorts as an empty id)."""
    f = FILTER_SETS[name]
    rows = pd.DataFrame(expected_at_risk(tables, f), columns=AT_RISK_COLUMNS)
    owner = rows.employee_id.fillna("")
    expected = []
    for who, part in rows.groupby(owner):
        counts = part.reason.value_counts()
        expected.append((who or None, part.customer_id.nunique(), int(counts.get("purchase_gap", 0)),
                         int(counts.get("contact_gap", 0)), int(counts.get("nps_drop", 0))))
    expected.sort(key=lambda r: (-r[1], r[0] or ""))
    got = get("at-risk-by-owner").run(Scope(demo_store.backend(), f))
    same_rows(got, ["employee_id", "customers", "purchase_gap", "contact_gap", "nps_drop"], expected, "per owner",
              abs_tol=0)


def test_demo_at_risk_is_not_vacuous(tables):
    """The whole-span set holds pool customers (empty employee_id), ratio ties (ordered by customer_id) and
    usual_days both raised to 7 and above it; the start plays no part."""
    rows = expected_at_risk(tables, FILTER_SETS["all"])
    assert any(r[1] is None for r in rows) and any(r[1] is not None for r in rows)
    ratios = [r[5] for r in rows]
    assert len(set(ratios)) < len(ratios)
    assert any(r[4] == 7.0 for r in rows) and any(r[4] > 7.0 for r in rows)
    assert expected_at_risk(tables, Filters(start=DEMO_END, end=DEMO_END)) == rows


@pytest.mark.parametrize("viewer", [MANAGER, REP], ids=["manager", "rep"])
@pytest.mark.parametrize("name", FILTER_SETS)
def test_at_risk_as_a_viewer(demo_store, tables, viewer, name):
    """DESIGN "Who sees what": the report as a manager or a rep equals the definition computed over only the
    records they may see (their customers; purchases, follow-ups and surveys by the people they may see)."""
    f = FILTER_SETS[name]
    expected = expected_at_risk(narrowed(tables, viewer), f)
    if name == "all":
        assert expected and len(expected) < len(expected_at_risk(tables, f))
    check(run(demo_store.backend(), f, viewer), expected, f"at-risk {name} as {viewer.employee_id}")


@pytest.fixture(scope="module")
def resurveyed(demo_path, tmp_path_factory):
    """A copy of the demo where every surveyed customer answers a second time: 10 to 60 days later, or at the
    same moment (then the survey_id decides which is the later), with scores that drop by 0 to 6 or rise."""
    path = tmp_path_factory.mktemp("resurveyed") / "demo.duckdb"
    shutil.copyfile(demo_path, path)
    s = Store(path)
    with s.write() as cur:
        cur.execute("""
            INSERT INTO surveys
            SELECT CASE WHEN i % 5 = 0 THEN 'R' ELSE 'A' END || survey_id,  -- 'R..' sorts after 'S..', 'A..' before
                   customer_id,
                   CASE WHEN i % 5 IN (0, 1) THEN responded_at ELSE responded_at + to_days(10 + i % 51) END,
                   greatest(0, least(10, score - (i % 9) + 2))
            FROM (SELECT *, row_number() OVER (ORDER BY survey_id) AS i FROM surveys)""")
    yield s
    s.close()


@pytest.mark.parametrize("end", [D(2025, 6, 30), D(2026, 3, 31), DEMO_END])
def test_at_risk_nps_drop_on_the_resurveyed_demo(resurveyed, end):
    t = load(resurveyed.cursor())
    f = Filters(start=D(2023, 1, 1), end=end)
    expected = expected_at_risk(t, f)
    drops = [r for r in expected if r[2] == "nps_drop"]
    assert len(drops) > 5 and {r[5] for r in drops} >= {3.0, 4.0}
    check(run(resurveyed.backend(), f), expected, f"at-risk resurveyed {end}")
    g = Filters(start=D(2023, 1, 1), end=end, departments=("D110",))
    check(run(resurveyed.backend(), g), expected_at_risk(t, g), f"at-risk resurveyed D110 {end}")


# -- a small hand-counted database ---------------------------------------------------------------------
def bought(cid, owner, *days) -> list[dict]:
    """Won deals of ``cid`` by its owner, closed at ``days`` (amount 10 each)."""
    return [won(f"{cid}-{i}", cid, owner, day) for i, day in enumerate(days)]


E = D(2025, 12, 31)
AT_RISK = dict(customers=[
    customer("P3", "A"),  # exactly 3 purchases 06-02 06-12 06-22
    customer("P2", "C"),  # 2 purchases (a third won deal has no closed_at)
    customer("PEQ", "A"),  # 11-21 12-01 12-11: usual 10, 20 days since = 2 x usual: not at risk
    customer("PONE", "B"),  # 11-20 11-30 12-10: usual 10, 21 days since: at risk
    customer("PMIN", "A"),  # 12-01 12-02 12-03: mean gap 1 -> usual 7, 28 days since
    customer("PMIN14", "B"),  # 12-15 12-16 12-17: usual 7, 14 days since = 2 x 7: not at risk (but at E+1)
    customer("PSAME", "B"),  # 03-01 twice (one deal by C) and 03-11: 3 purchases, mean gap 5 -> 7
    customer("PW", "B", won_at=T(2025, 1, 21)),  # 2 won deals: won_at adds no third purchase
    customer("PAFTER", "C"),  # 11-01 11-11 as of E (the third on 2026-01-05)
    customer("PLOST", "A", lost_at=T(2025, 12, 31, 10)),  # lost on E: excluded
    customer("PLATER", "B", lost_at=T(2026, 1, 1)),  # lost after E: counts
    customer("POOL", None),  # a pool customer: empty employee_id
    customer("PTIE", "C"),  # 11-11 11-21 12-01: ratio 30 / 10 = 3.0, the same as S3's drop
    customer("PFRAC", "C"),  # 06-01 06-11 06-26: usual 25 / 2 = 12.5
    customer("TWO", "A"),  # purchase_gap 70 / 10 = 7.0 and nps_drop 10 -> 3 = 7.0
    customer("F4", "B"),  # exactly 4 follow-ups (and a fifth after E)
    customer("F3", "C"),  # 3 follow-ups
    customer("FMIN", "A"),  # 4 follow-ups, two on 12-01: usual 7, 28 days since
    customer("S3", "C"),  # 9 -> 6: drop 3
    customer("S2", "A"),  # 8 -> 6: drop 2
    customer("STIE", "B"),  # two surveys at one moment: st-a 10, st-b 5 -> st-b is the latest: drop 5
    customer("SREV", "C"),  # at one moment: sr-a 2, sr-b 9 -> a rise
    customer("SOLD", "A"),  # 10, 5, 4: only the latest two count (drop 1)
    customer("SAFTER", "B"),  # 10, 9 as of E (1 after E)
], deals=[
    *bought("P3", "A", T(2025, 6, 2, 9), T(2025, 6, 12), T(2025, 6, 22, 23)),
    *bought("P2", "C", T(2025, 1, 1), T(2025, 1, 11)), won("P2-nc", "P2", "C", None),  # won, never closed
    deal("P2-lost", "P2", "C", "lost", 50.0, T(2025, 2, 1)),
    *bought("PEQ", "A", T(2025, 11, 21), T(2025, 12, 1), T(2025, 12, 11)),
    *bought("PONE", "B", T(2025, 11, 20), T(2025, 11, 30), T(2025, 12, 10)),
    *bought("PMIN", "A", T(2025, 12, 1), T(2025, 12, 2), T(2025, 12, 3)),
    *bought("PMIN14", "B", T(2025, 12, 15), T(2025, 12, 16), T(2025, 12, 17, 22)),
    *bought("PSAME", "B", T(2025, 3, 1, 9), T(2025, 3, 11)), won("PSAME-c", "PSAME", "C", T(2025, 3, 1, 17)),
    *bought("PW", "B", T(2025, 1, 1), T(2025, 1, 11)),
    *bought("PAFTER", "C", T(2025, 11, 1), T(2025, 11, 11), T(2026, 1, 5)),
    *bought("PLOST", "A", T(2025, 1, 1), T(2025, 1, 11), T(2025, 1, 21)),
    *bought("PLATER", "B", T(2025, 1, 1), T(2025, 1, 11), T(2025, 1, 21)),
    won("POOL-a", "POOL", "A", T(2025, 4, 1)), won("POOL-b", "POOL", "B", T(2025, 4, 11)),
    won("POOL-c", "POOL", "C", T(2025, 4, 21)),
    *bought("PTIE", "C", T(2025, 11, 11), T(2025, 11, 21), T(2025, 12, 1)),
    *bought("PFRAC", "C", T(2025, 6, 1), T(2025, 6, 11), T(2025, 6, 26)),
    *bought("TWO", "A", T(2025, 10, 2), T(2025, 10, 12), T(2025, 10, 22)),
    won("nc1", None, "A", T(2025, 1, 1)), won("nc2", None, "A", T(2025, 1, 2)), won("nc3", None, "A", T(2025, 1, 3)),
], follow_ups=[
    follow_up("f4a", "F4", "A", T(2025, 9, 1)), follow_up("f4b", "F4", "B", T(2025, 9, 11)),
    follow_up("f4c", "F4", "C", T(2025, 9, 21)), follow_up("f4d", "F4", "B", T(2025, 10, 1, 18)),
    follow_up("f4e", "F4", "B", T(2026, 1, 2)),  # after E (and after E + 1)
    follow_up("f3a", "F3", "C", T(2025, 1, 1)), follow_up("f3b", "F3", "C", T(2025, 1, 11)),
    follow_up("f3c", "F3", "C", T(2025, 1, 21)),
    follow_up("fma", "FMIN", "A", T(2025, 12, 1, 10)), follow_up("fmb", "FMIN", "A", T(2025, 12, 1, 15)),
    follow_up("fmc", "FMIN", "B", T(2025, 12, 2)), follow_up("fmd", "FMIN", "A", T(2025, 12, 3)),
], surveys=[
    survey("s3a", "S3", T(2025, 5, 1), 9), survey("s3b", "S3", T(2025, 11, 1, 12), 6),
    survey("s2a", "S2", T(2025, 5, 1), 8), survey("s2b", "S2", T(2025, 11, 1), 6),
    survey("st-a", "STIE", T(2025, 10, 10, 10), 10), survey("st-b", "STIE", T(2025, 10, 10, 10), 5),
    survey("sr-a", "SREV", T(2025, 10, 10, 10), 2), survey("sr-b", "SREV", T(2025, 10, 10, 10), 9),
    survey("so1", "SOLD", T(2025, 1, 1), 10), survey("so2", "SOLD", T(2025, 2, 1), 5),
    survey("so3", "SOLD", T(2025, 3, 1), 4),
    survey("sa1", "SAFTER", T(2025, 6, 1), 10), survey("sa2", "SAFTER", T(2025, 7, 1), 9),
    survey("sa3", "SAFTER", T(2026, 1, 2), 1),  # after E (and after E + 1)
    survey("tw1", "TWO", T(2025, 6, 1), 10), survey("tw2", "TWO", T(2025, 12, 30), 3),
])

# As of E = 2025-12-31, by ratio descending (ties by customer_id, then reason):
HAND = [
    ("PSAME", "B", "purchase_gap", 295, 7.0, 295 / 7),  # last 03-11; mean gap 10 / 2 = 5 -> 7
    ("PLATER", "B", "purchase_gap", 344, 10.0, 34.4),  # last 01-21; 20 / 2
    ("POOL", None, "purchase_gap", 254, 10.0, 25.4),  # last 04-21
    ("P3", "A", "purchase_gap", 192, 10.0, 19.2),  # last 06-22 (23:00: the day counts, not the hour)
    ("PFRAC", "C", "purchase_gap", 188, 12.5, 188 / 12.5),  # last 06-26; 25 / 2
    ("F4", "B", "contact_gap", 91, 10.0, 9.1),  # last 10-01; 30 / 3
    ("TWO", "A", "nps_drop", 1, None, 7.0),  # 10 -> 3 on 12-30; nps_drop sorts before purchase_gap
    ("TWO", "A", "purchase_gap", 70, 10.0, 7.0),  # last 10-22
    ("STIE", "B", "nps_drop", 82, None, 5.0),  # st-a 10 -> st-b 5 on 10-10
    ("FMIN", "A", "contact_gap", 28, 7.0, 4.0),  # 4 follow-ups over 2 days -> 7
    ("PMIN", "A", "purchase_gap", 28, 7.0, 4.0),
    ("PTIE", "C", "purchase_gap", 30, 10.0, 3.0),
    ("S3", "C", "nps_drop", 60, None, 3.0),  # 9 -> 6 on 11-01
    ("PONE", "B", "purchase_gap", 21, 10.0, 2.1),  # 21 > 2 x 10 (PEQ's 20 is not)
]


def test_at_risk_hand_counted(store):
    """Exactly 3 purchases are enough, 2 are not (won_at adds none beside won deals; a won deal without
    closed_at is none; purchases after E do not count); exactly 4 follow-ups are enough, 3 are not; days since
    exactly 2 x usual_days is not at risk, one more day is; usual_days below 7 is raised to 7; a customer lost
    on E is out, lost after E in; a drop of exactly 3 is in, 2 out, only the latest two surveys count and a
    tie on responded_at goes by survey_id; a customer meeting two rules has two rows."""
    b = fill(store, **AT_RISK)
    assert (E - D(2025, 3, 11)).days == 295 and (E - D(2025, 1, 21)).days == 344 and (E - D(2025, 4, 21)).days == 254
    assert (E - D(2025, 6, 22)).days == 192 and (E - D(2025, 6, 26)).days == 188 and (E - D(2025, 10, 1)).days == 91
    assert (E - D(2025, 10, 22)).days == 70 and (E - D(2025, 10, 10)).days == 82 and (E - D(2025, 11, 1)).days == 60
    f = Filters(start=D(2025, 12, 1), end=E)  # the start plays no part
    check(pd.DataFrame(expected_at_risk(load(store.cursor()), f), columns=AT_RISK_COLUMNS), HAND)  # pandas agrees
    df = run(b, f)
    check(df, HAND)
    check_types(df)
    check(run(b, Filters(start=D(2020, 1, 1), end=E)), HAND)


def test_at_risk_hand_counted_people(store):
    """With a people filter: customers by owner, the pool customer drops; deals and follow-ups by others still
    count (PSAME's deal by C, F4's follow-ups by A and C, POOL's deals do not make POOL anyone's)."""
    b = fill(store, **AT_RISK)
    f = dict(start=D(2025, 12, 1), end=E)
    mine = {who: [r for r in HAND if r[1] == who] for who in "ABC"}
    assert [r[0] for r in mine["A"]] == ["P3", "TWO", "TWO", "FMIN", "PMIN"]
    assert [r[0] for r in mine["B"]] == ["PSAME", "PLATER", "F4", "STIE", "PONE"]
    assert [r[0] for r in mine["C"]] == ["PFRAC", "PTIE", "S3"]
    for who, rows in mine.items():
        check(run(b, Filters(**f, employees=(who,))), rows, f"at-risk {who}")
    d1 = [r for r in HAND if r[1] in ("A", "B")]  # D1 holds D2: A's and B's rows, in HAND's order
    check(run(b, Filters(**f, departments=("D1",))), d1, "at-risk D1")
    check(run(b, Filters(**f, departments=("D2",))), mine["B"], "at-risk D2")


def test_at_risk_a_day_later(store):
    """E = 2026-01-01 for B's customers: PMIN14 is now 15 days past three purchases a day apart (15 > 2 x 7);
    PLATER is lost on E; F4's fifth follow-up and SAFTER's third survey are still after E."""
    b = fill(store, **AT_RISK)
    E2 = D(2026, 1, 1)
    hand = [
        ("PSAME", "B", "purchase_gap", 296, 7.0, 296 / 7),
        ("F4", "B", "contact_gap", 92, 10.0, 9.2),
        ("STIE", "B", "nps_drop", 83, None, 5.0),
        ("PONE", "B", "purchase_gap", 22, 10.0, 2.2),
        ("PMIN14", "B", "purchase_gap", 15, 7.0, 15 / 7),
    ]
    f = Filters(start=E2, end=E2, employees=("B",))
    check(pd.DataFrame(expected_at_risk(load(store.cursor()), f), columns=AT_RISK_COLUMNS), hand)
    check(run(b, f), hand)


def test_at_risk_nobody(store):
    """No customer meets a rule: an empty frame with DESIGN's columns."""
    b = fill(store, **AT_RISK)
    empty = run(b, Filters(start=D(2024, 1, 1), end=D(2024, 12, 31)))
    assert list(empty.columns) == AT_RISK_COLUMNS and empty.empty
    assert expected_at_risk(load(store.cursor()), Filters(start=D(2024, 1, 1), end=D(2024, 12, 31))) == []
