"""The care report (DESIGN.md, "care reminders") against its definition written independently in plain pandas
(tests/files/early_warning.py): on the demo company for several windows and filter sets and two viewers, and
on small hand-counted databases for the edges; then both at-risk and care through the command line.

Readings chosen where DESIGN.md leaves room (each is repeated where it is used):

- E = the filters' end; the window is E+1 .. E+N (`--days N`), both ends included.
- customers: those in scope by owner (customers.owner_id; a department includes its sub-departments; with a
  people filter unowned customers drop, without one everything counts, unowned too), all of them: lost ones
  (and ones created after E) included, DESIGN.md excluding none.
- `birthday`: customers.birthday's month and day in the window, dated on that day of the window's year(s);
  29 February on 28 February in years that are not leap years (29 February in leap years). A window over a
  year end, or longer than a year, gives a row per occurrence.
- `next_contact`: customers.next_contact_at's day in the window, dated on that day.
- public holidays: the `holidays` package, `country_holidays(country, years=..., language="en_US",
  observed=False)`, country from the settings key `holiday_country` (default "CN"); the library's substituted
  days off (names starting "Day off") dropped; two names on one day are two holidays. For each (name, year)
  with a day in the window, one row per key customer dated on its first day in the window; occasion = the
  name ("National Day", "Chinese New Year's Eve", "Chinese New Year (Spring Festival)" are three occasions).
- key customers: the Pareto prefix over E-364 .. E: customers in scope ranked by revenue = sum of the amounts
  (NULL as 0) of their won deals by anyone closed on those days, revenue > 0 only, ties by customer_id; the
  shortest prefix whose cumulative share of the total reaches 80% (exactly 80% is reached).
- rows: date (a datetime.date), occasion, customer_id, employee_id (the owner; empty for a pool customer),
  ordered by date, occasion (as text: upper case before lower case), customer_id. No rows: an empty frame
  with the four columns.
"""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys

import pandas as pd
import pytest
from conftest import DEMO_END, ROOT

from crm_core.filters import Filters
from crm_core.reports import get
from crm_core.scope import Scope, Viewer
from files.checks import same_rows
from files.early_warning import (AT_RISK_COLUMNS, CARE_COLUMNS, customer, deal, expected_at_risk, expected_care,
                                 fill, key_customers, load, narrowed, won)

D = dt.date
T = dt.datetime
HOLIDAYS_WINTER = {"New Year's Day", "Chinese New Year's Eve", "Chinese New Year (Spring Festival)"}
HOLIDAYS_AUTUMN = {"National Day", "Mid-Autumn Festival"}
CASES = {  # name: (filters, days, occasions the reference must find, so the comparison is not vacuous)
    "all-7": (Filters(start=D(2023, 1, 1), end=DEMO_END), 7, {"birthday", "next_contact"}),
    "all-30": (Filters(start=D(2023, 1, 1), end=DEMO_END), 30, {"birthday", "next_contact"}),
    # 2025-12-21 .. 2026-04-19: over the year end, both Chinese New Year names and Tomb-Sweeping Day
    "year-end-120": (Filters(start=D(2025, 1, 1), end=D(2025, 12, 20)), 120,
                     {"birthday", "next_contact", "Tomb-Sweeping Day"} | HOLIDAYS_WINTER),
    # 2025-09-29 .. 2025-10-12: 1 October (National Day, three days) and Mid-Autumn on 10-06
    "october-14": (Filters(start=D(2025, 1, 1), end=D(2025, 9, 28)), 14, {"birthday"} | HOLIDAYS_AUTUMN),
    # 2026-09-11 .. 2026-10-10
    "partial-30": (Filters(start=D(2026, 4, 15), end=D(2026, 9, 10)), 30,
                   {"birthday", "next_contact"} | HOLIDAYS_AUTUMN),
    "dept-30": (Filters(start=D(2025, 1, 1), end=D(2026, 9, 20), departments=("D110",)), 30,
                {"birthday", "next_contact"} | HOLIDAYS_AUTUMN),
    "employees-120": (Filters(start=D(2025, 1, 1), end=D(2025, 12, 20), employees=("E0003", "E0007")), 120,
                      {"birthday", "next_contact"} | HOLIDAYS_WINTER),
}
MANAGER = Viewer("E0014", "manager", "D110")  # the demo's 华东大区 manager: D111, D112, D113 below
REP = Viewer("E0002", "rep", "D112")


def check(df: pd.DataFrame, expected: list[tuple], what: str = "care") -> None:
    same_rows(df, CARE_COLUMNS, expected, what, abs_tol=0)


def run(backend, f: Filters, days: int, viewer: Viewer | None = None) -> pd.DataFrame:
    return get("care").run(Scope(backend, f, viewer) if viewer else Scope(backend, f), days=days)


def reference(t, f: Filters, days: int) -> pd.DataFrame:
    return pd.DataFrame(expected_care(t, f, days), columns=CARE_COLUMNS)


# -- the demo company ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tables(demo_store):
    return load(demo_store.cursor())


@pytest.mark.parametrize("name", CASES)
def test_care_vs_pandas(demo_store, tables, name):
    f, days, occasions = CASES[name]
    expected = expected_care(tables, f, days)
    assert occasions <= {r[1] for r in expected}, {r[1] for r in expected}
    df = run(demo_store.backend(), f, days)
    check(df, expected, f"care {name}")
    assert all(type(v) is dt.date for v in df["date"]), df["date"].map(type).unique()


def test_demo_care_is_not_vacuous(tables):
    """The demo exercises the readings: lost and pool customers get rows; the key customers are a real prefix
    (fewer than the customers with revenue in the 365 days); a holiday of several days is one occasion on its
    first day in the window; a holiday on E itself is not in the window."""
    f, days, _ = CASES["year-end-120"]
    rows = expected_care(tables, f, days)
    c = tables["customers"]
    lost = set(c[c.lost_at.notna()].customer_id)
    pool = set(c[c.owner_id.isna()].customer_id)
    assert {r[2] for r in rows} & lost and {r[2] for r in rows} & pool
    keys = key_customers(tables, f)
    d = tables["deals"]
    buyers = d[(d.status == "won") & (d.closed_at >= pd.Timestamp(f.end - dt.timedelta(days=364)))
               & (d.closed_at < pd.Timestamp(f.end + dt.timedelta(days=1)))].customer_id.nunique()
    assert 10 < len(keys) < buyers
    # one row per key customer and holiday name: the three-day Spring Festival is one occasion, on its first day
    spring = [r for r in rows if r[1] == "Chinese New Year (Spring Festival)"]
    assert len(spring) == len(keys) and {r[0] for r in spring} == {D(2026, 2, 17)}
    # Mid-Autumn 2026 falls on 2026-09-25: on E it is not in the window, a day earlier it is.
    on_e = expected_care(tables, Filters(start=D(2026, 1, 1), end=D(2026, 9, 25)), 10)
    before = expected_care(tables, Filters(start=D(2026, 1, 1), end=D(2026, 9, 24)), 10)
    assert "Mid-Autumn Festival" not in {r[1] for r in on_e} and "Mid-Autumn Festival" in {r[1] for r in before}


@pytest.mark.parametrize("viewer", [MANAGER, REP], ids=["manager", "rep"])
@pytest.mark.parametrize("name", ["all-30", "year-end-120", "october-14", "dept-30"])
def test_care_as_a_viewer(demo_store, tables, viewer, name):
    """DESIGN "Who sees what": as a manager or a rep the report equals the definition computed over only the
    records they may see (their customers; the key customers ranked by the deals of the people they may see)."""
    f, days, _ = CASES[name]
    expected = expected_care(narrowed(tables, viewer), f, days)
    assert expected
    if not f.restricts_people:  # (the department case holds only the manager's people anyway)
        assert len(expected) < len(expected_care(tables, f, days))
    check(run(demo_store.backend(), f, days, viewer), expected, f"care {name} as {viewer.employee_id}")


# -- small hand-counted databases ------------------------------------------------------------------
BIRTHDAYS = dict(customers=[
    customer("LEAP", "A", birthday=D(1992, 2, 29)),
    customer("FEB28", "B", birthday=D(1990, 2, 28)),
    customer("MAR1", "C", birthday=D(1985, 3, 1), lost_at=T(2024, 5, 1)),  # lost long ago: still reminded
    customer("ONE", "A", birthday=D(1970, 2, 25)),
    customer("ONEN", None, birthday=D(1999, 3, 2)),  # a pool customer
    customer("JAN", "B", birthday=D(1980, 1, 15)),
    customer("NONE", "C"),  # no birthday
])


def test_care_birthday_29_february(store):
    """29 February counts on 28 February in a year that is not a leap year, on 29 February in a leap year; a
    birthday on E is not in the window, one on E + N is."""
    b = fill(store, **BIRTHDAYS)
    # 2027 (not a leap year): E = 2027-02-25, window 02-26 .. 03-02. ONE's 02-25 is E itself; ONEN's 03-02 is E + 5.
    f = Filters(start=D(2027, 1, 1), end=D(2027, 2, 25))
    hand = [(D(2027, 2, 28), "birthday", "FEB28", "B"), (D(2027, 2, 28), "birthday", "LEAP", "A"),
            (D(2027, 3, 1), "birthday", "MAR1", "C"), (D(2027, 3, 2), "birthday", "ONEN", None)]
    check(reference(load(store.cursor()), f, 5), hand)  # pandas agrees
    check(run(b, f, 5), hand)
    check(run(b, Filters(start=f.start, end=f.end, employees=("A",)), 5), [(D(2027, 2, 28), "birthday", "LEAP", "A")])
    # 2028 (a leap year): E = 2028-02-25, window 02-26 .. 03-01 (five days with the 29th); ONEN's 03-02 is E + 6.
    g = Filters(start=D(2028, 1, 1), end=D(2028, 2, 25))
    hand = [(D(2028, 2, 28), "birthday", "FEB28", "B"), (D(2028, 2, 29), "birthday", "LEAP", "A"),
            (D(2028, 3, 1), "birthday", "MAR1", "C")]
    check(reference(load(store.cursor()), g, 5), hand)
    check(run(b, g, 5), hand)
    # A leap-year window ending on 02-28 (2028-02-23 .. 02-28): LEAP's birthday is on the 29th, outside.
    h = Filters(start=D(2028, 1, 1), end=D(2028, 2, 22))
    hand = [(D(2028, 2, 25), "birthday", "ONE", "A"), (D(2028, 2, 28), "birthday", "FEB28", "B")]
    check(reference(load(store.cursor()), h, 6), hand)
    check(run(b, h, 6), hand)


def test_care_a_window_over_a_year(store):
    """E = 2026-09-30, 366 days: 2026-10-01 .. 2027-10-01. A birthday on 1 October falls on both ends (two
    rows); National Day of 2026 and of 2027 are two rows (one per name and year), each dated on its first
    day in the window; the 2026 days off (10-06, 10-07) are dropped; LEAP on 2027-02-28."""
    b = fill(store, customers=[
        customer("OCT1", "A", birthday=D(1988, 10, 1)),
        customer("SEP30", "B", birthday=D(1977, 9, 30)),  # 2026-09-30 is E; 2027-09-30 is in
        customer("LEAP", "A", birthday=D(1992, 2, 29)),
        customer("KEY", "C"),
    ], deals=[won("k", "KEY", "C", T(2026, 6, 1), 100.0)])
    f = Filters(start=D(2026, 1, 1), end=D(2026, 9, 30))
    assert f.end + dt.timedelta(days=366) == D(2027, 10, 1)
    key = lambda day, name: (day, name, "KEY", "C")  # noqa: E731
    hand = [
        key(D(2026, 10, 1), "National Day"), (D(2026, 10, 1), "birthday", "OCT1", "A"),  # upper case sorts first
        key(D(2027, 1, 1), "New Year's Day"),
        key(D(2027, 2, 5), "Chinese New Year's Eve"),
        key(D(2027, 2, 6), "Chinese New Year (Spring Festival)"),  # 02-06 .. 02-08: one row
        (D(2027, 2, 28), "birthday", "LEAP", "A"),
        key(D(2027, 4, 5), "Tomb-Sweeping Day"),
        key(D(2027, 5, 1), "Labor Day"),  # 05-01 .. 05-02
        key(D(2027, 6, 9), "Dragon Boat Festival"),
        key(D(2027, 9, 15), "Mid-Autumn Festival"),
        (D(2027, 9, 30), "birthday", "SEP30", "B"),
        key(D(2027, 10, 1), "National Day"), (D(2027, 10, 1), "birthday", "OCT1", "A"),
    ]
    check(reference(load(store.cursor()), f, 366), hand)
    check(run(b, f, 366), hand)


KEYS = dict(customers=[
    customer("K1", "A"),
    customer("K2", "B"),
    customer("K3", None),  # a pool customer
    customer("K4", "C", next_contact_at=T(2026, 10, 1, 9)),
    customer("K5", "A"),
    customer("K6", "B"),
    customer("NC1", "C", next_contact_at=T(2026, 9, 25, 18)),  # on E
    customer("NC2", "A", next_contact_at=T(2026, 9, 26)),  # E + 1, midnight
    customer("NC3", None, next_contact_at=T(2026, 10, 1, 23, 59)),  # E + 6
    customer("NC4", "B", next_contact_at=T(2026, 10, 2)),  # E + 7
], deals=[
    won("k1", "K1", "A", T(2026, 3, 1), 700.0),
    won("k2a", "K2", "C", T(2025, 9, 26), 60.0),  # by C; on E - 364, the first day of the 365
    won("k2b", "K2", "B", T(2026, 9, 25, 23, 59), 40.0),  # on E
    won("k3", "K3", "A", T(2026, 5, 1), 100.0),
    won("k4", "K4", "C", T(2026, 6, 1), 80.0),
    won("k5old", "K5", "A", T(2025, 9, 25, 23, 59), 5000.0),  # E - 365: before the 365 days
    won("k5new", "K5", "A", T(2026, 9, 26), 5000.0),  # after E
    won("k5null", "K5", "A", T(2026, 7, 1), None),  # no amount: revenue 0
    deal("k5lost", "K5", "A", "lost", 9999.0, T(2026, 8, 1)),
    won("k6", "K6", "B", T(2026, 2, 1), 20.0),
    won("nc", None, "A", T(2026, 4, 1), 10000.0),  # no customer
])


def test_care_holidays_on_the_window_edges(store):
    """E = 2026-09-25, the day of Mid-Autumn Festival 2026: it is not in the window 09-26 .. 10-01, National
    Day on E + 6 is. Key customers over 2025-09-26 .. 2026-09-25: K1 700, then K2 K3 tied at 100 (K2 first by
    id: 60 by C on the first day + 40 on E), K4 80, K6 20; total 1000; K1 70%, K1 + K2 exactly 80% -> K1, K2.
    next_contact_at on E is out, at E + 1's midnight in, at 23:59 on E + 6 in, on E + 7 out."""
    b = fill(store, **KEYS)
    f = Filters(start=D(2026, 1, 1), end=D(2026, 9, 25))
    hand = [(D(2026, 9, 26), "next_contact", "NC2", "A"),
            (D(2026, 10, 1), "National Day", "K1", "A"), (D(2026, 10, 1), "National Day", "K2", "B"),
            (D(2026, 10, 1), "next_contact", "K4", "C"), (D(2026, 10, 1), "next_contact", "NC3", None)]
    t = load(store.cursor())
    assert key_customers(t, f) == ["K1", "K2"]
    check(reference(t, f, 6), hand)
    check(run(b, f, 6), hand)
    # Five days (09-26 .. 09-30): neither holiday.
    check(run(b, f, 5), hand[:1])
    people = dict(start=f.start, end=f.end)
    # B: K2 100 (C's deal for B's customer counts: deals by anyone), K6 20 -> K2 alone is 83%.
    check(run(b, Filters(**people, employees=("B",)), 6), [(D(2026, 10, 1), "National Day", "K2", "B")])
    # C: K4 80 of 80.
    check(run(b, Filters(**people, employees=("C",)), 6),
          [(D(2026, 10, 1), "National Day", "K4", "C"), (D(2026, 10, 1), "next_contact", "K4", "C")])
    # D1 (A and B, D2 below D1): K1 700, K2 100, K6 20 -> K1 alone is 85%.
    check(run(b, Filters(**people, departments=("D1",)), 6),
          [(D(2026, 9, 26), "next_contact", "NC2", "A"), (D(2026, 10, 1), "National Day", "K1", "A")])


def test_care_holidays_first_day_and_names(store):
    """A holiday already running on E is dated on its first day in the window; the library's days off are
    no occasion; Chinese New Year's Eve and the Spring Festival are two occasions; no key customer, no
    holiday rows."""
    b = fill(store, **KEYS)
    t = load(store.cursor())
    # E = 2026-10-01, window 10-02 .. 10-06: National Day (10-01 .. 10-03) on 10-02; 10-06 is a day off.
    # Keys over 2025-10-02 .. 2026-10-01: K5 5000 (its 2026-09-26 deal is now inside), K1 700, K3 100, K4 80,
    # K2 40 (its 60 of 2025-09-26 left the 365 days), K6 20: total 5940, K5 alone 84%.
    f = Filters(start=D(2026, 1, 1), end=D(2026, 10, 1))
    assert key_customers(t, f) == ["K5"]
    hand = [(D(2026, 10, 2), "National Day", "K5", "A"), (D(2026, 10, 2), "next_contact", "NC4", "B")]
    check(reference(t, f, 5), hand)
    check(run(b, f, 5), hand)
    # E = 2026-10-03, window 10-04 .. 10-08: only the days off 10-06 and 10-07 -> nothing.
    g = Filters(start=D(2026, 1, 1), end=D(2026, 10, 3))
    assert expected_care(t, g, 5) == []
    empty = run(b, g, 5)
    assert list(empty.columns) == CARE_COLUMNS and empty.empty
    # E = 2026-02-15, window 02-16 .. 02-18. Keys over 2025-02-16 .. 2026-02-15: K5 5000, K2 60, K6 20 -> K5.
    h = Filters(start=D(2026, 1, 1), end=D(2026, 2, 15))
    hand = [(D(2026, 2, 16), "Chinese New Year's Eve", "K5", "A"),
            (D(2026, 2, 17), "Chinese New Year (Spring Festival)", "K5", "A")]
    check(reference(t, h, 3), hand)
    check(run(b, h, 3), hand)
    # C's only customers with revenue (K4, 2026-06-01) bought outside 2025-02-16 .. 2026-02-15: no key customer.
    check(run(b, Filters(start=h.start, end=h.end, employees=("C",)), 3), [])


def test_care_holiday_country_from_the_settings(store):
    """settings holiday_country = US: 2026-07-04 is Independence Day (observed=False: the observed Friday
    07-03 is no holiday); the same window has no Chinese holiday."""
    b = fill(store, settings={"holiday_country": "US"}, customers=[customer("KEY", "B")],
             deals=[won("k", "KEY", "B", T(2026, 1, 10), 5.0)])
    f = Filters(start=D(2026, 1, 1), end=D(2026, 7, 1))
    hand = [(D(2026, 7, 4), "Independence Day", "KEY", "B")]
    check(reference(load(store.cursor()), f, 3), hand)
    check(run(b, f, 3), hand)
    check(run(b, f, 2), [])


# -- the command line --------------------------------------------------------------------------------
def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crm_core", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)


def cells(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def test_cli_at_risk_and_care(demo_path, tables):
    """`python -m crm_core report at-risk | care --days 30` print DESIGN's header and the reference's rows
    (numbers at full precision, empty cells for empty values, ISO dates)."""
    t = tables
    f = Filters(start=D(2023, 1, 1), end=D(2026, 9, 10))
    r = cli("report", "at-risk", "--db", str(demo_path), "--start", str(f.start), "--end", str(f.end))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == ",".join(AT_RISK_COLUMNS)
    out = cells(r.stdout)
    got = pd.DataFrame({"customer_id": out.customer_id, "employee_id": out.employee_id.replace("", None),
                        "reason": out.reason, "days_since": out.days_since.astype(int),
                        "usual_days": pd.to_numeric(out.usual_days.replace("", None)),
                        "ratio": out.ratio.astype(float)})
    expected = expected_at_risk(t, f)
    assert len(expected) > 100
    same_rows(got, AT_RISK_COLUMNS, expected, "cli at-risk", abs_tol=1e-12)

    g = Filters(start=D(2025, 1, 1), end=D(2025, 9, 20))  # window 2025-09-21 .. 10-20: National Day, Mid-Autumn
    r = cli("report", "care", "--days", "30", "--db", str(demo_path), "--start", str(g.start), "--end", str(g.end))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == ",".join(CARE_COLUMNS)
    out = cells(r.stdout)
    got = pd.DataFrame({"date": out.date.map(dt.date.fromisoformat), "occasion": out.occasion,
                        "customer_id": out.customer_id, "employee_id": out.employee_id.replace("", None)})
    expected = expected_care(t, g, 30)
    assert HOLIDAYS_AUTUMN | {"birthday", "next_contact"} <= {e[1] for e in expected}
    same_rows(got, CARE_COLUMNS, expected, "cli care", abs_tol=0)

