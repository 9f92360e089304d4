"""Growth reports on a company small enough to count by hand (DESIGN.md, "Metric definitions").

Departments: D1 > D2 > D3, and D9 apart. Employees: E1 in D1, E2 in D2, E3 in D3, E9 in D9.
"""

import datetime as dt

import pytest

from crm_core.scope import Scope, Viewer
from crm_core.filters import Filters
from crm_core.metrics import (contacted_customers, growth_summary, net_growth, new_customers,
                              next_contact_customers, won_customers)

D = dt.date


@pytest.fixture
def company(store):
    with store.write() as cur:
        cur.execute("INSERT INTO departments VALUES ('D1','Sales',NULL),('D2','East','D1'),('D3','Shanghai','D2'),('D9','Other',NULL)")
        cur.execute("INSERT INTO employees (employee_id, name, department_id, email, active) VALUES ('E1','Li','D1',NULL,true),('E2','Wang','D2',NULL,true),"
                    "('E3','Zhang','D3',NULL,true),('E9','Zhao','D9',NULL,true)")
        cur.executemany(
            "INSERT INTO customers (customer_id, name, owner_id, created_at, won_at, lost_at, next_contact_at) VALUES (?,?,?,?,?,?,?)",
            [
                ("C1", "Alpha", "E1", "2024-01-01 00:00:00", "2024-01-31 23:59:59", None, None),  # a Monday
                ("C2", "Beta", "E2", "2024-01-07 23:59:59", None, None, "2024-03-15 10:00:00"),  # a Sunday
                ("C3", "Gamma", "E3", "2024-01-08 00:00:00", None, "2024-02-10 09:00:00", None),
                ("C4", "Delta", None, "2024-02-15 12:00:00", None, None, None),  # in the public pool
                ("C5", "Eps", "E9", "2023-12-31 23:59:59", None, None, None),  # the day before the range
                ("C6", "Zeta", "E2", "2024-03-01 08:00:00", None, None, None),
            ],
        )
        cur.executemany(
            "INSERT INTO follow_ups (follow_up_id, customer_id, employee_id, contacted_at) VALUES (?,?,?,?)",
            [
                ("F1", "C1", "E1", "2024-01-02 10:00:00"),
                ("F2", "C1", "E1", "2024-01-20 10:00:00"),  # same customer again, same month
                ("F3", "C1", "E2", "2024-01-21 10:00:00"),  # same customer, another colleague
                ("F4", "C2", "E2", "2024-02-01 10:00:00"),
                ("F5", "C3", "E3", "2024-04-30 23:59:59"),  # last second of the range
                ("F6", "C3", "E3", "2024-05-01 00:00:00"),  # first second after it
            ],
        )
    return store.backend()


JAN_TO_APR = Filters(start=D(2024, 1, 1), end=D(2024, 4, 30))
MONTHS = [D(2024, 1, 1), D(2024, 2, 1), D(2024, 3, 1), D(2024, 4, 1)]


def rows(df, value):
    return list(zip(df["period"], df[value]))


def test_new_customers_per_month_with_empty_months(company):
    assert rows(new_customers(Scope(company, JAN_TO_APR)), "new_customers") == list(zip(MONTHS, [3, 1, 1, 0]))


def test_range_is_inclusive_and_a_cut_period_counts_its_part_inside(company):
    df = new_customers(Scope(company, Filters(start=D(2024, 1, 8), end=D(2024, 2, 15), period="month")))
    assert rows(df, "new_customers") == [(D(2024, 1, 1), 1), (D(2024, 2, 1), 1)]  # C3 on its first second, C4


def test_weeks_start_on_monday(company):
    df = new_customers(Scope(company, Filters(start=D(2024, 1, 1), end=D(2024, 1, 14), period="week")))
    assert rows(df, "new_customers") == [(D(2024, 1, 1), 2), (D(2024, 1, 8), 1)]


def test_a_range_starting_midweek_names_the_week_by_its_monday(company):
    df = new_customers(Scope(company, Filters(start=D(2024, 1, 3), end=D(2024, 1, 9), period="week")))
    assert rows(df, "new_customers") == [(D(2024, 1, 1), 1), (D(2024, 1, 8), 1)]  # C2 (Sunday), C3


def test_quarter_and_year_buckets(company):
    q = new_customers(Scope(company, Filters(start=D(2023, 12, 1), end=D(2024, 4, 30), period="quarter")))
    assert rows(q, "new_customers") == [(D(2023, 10, 1), 1), (D(2024, 1, 1), 5), (D(2024, 4, 1), 0)]
    y = new_customers(Scope(company, Filters(start=D(2023, 12, 1), end=D(2024, 4, 30), period="year")))
    assert rows(y, "new_customers") == [(D(2023, 1, 1), 1), (D(2024, 1, 1), 5)]


def test_department_includes_sub_departments_and_excludes_the_pool(company):
    df = new_customers(Scope(company, JAN_TO_APR.__class__(start=JAN_TO_APR.start, end=JAN_TO_APR.end, departments=("D2",))))
    assert rows(df, "new_customers") == list(zip(MONTHS, [2, 0, 1, 0]))  # C2, C3 (D3 is under D2), C6


def test_employee_filter_and_viewer_scope_combine(company):
    f = Filters(start=D(2024, 1, 1), end=D(2024, 4, 30), employees=("E2", "E3"))
    rep = Viewer("E3", "rep", "D3")  # a rep sees their own records only
    assert rows(new_customers(Scope(company, f, rep)), "new_customers") == list(zip(MONTHS, [1, 0, 0, 0]))  # only C3


def test_contacted_customers_are_distinct_per_bucket(company):
    df = contacted_customers(Scope(company, JAN_TO_APR))
    assert rows(df, "contacted_customers") == list(zip(MONTHS, [1, 1, 0, 1]))  # C1 thrice in Jan; F5 in, F6 out


def test_contacted_customers_by_employee_credit_whoever_made_the_contact(company):
    df = contacted_customers(Scope(company, Filters(start=D(2024, 1, 1), end=D(2024, 1, 31))), by="employee")
    assert list(zip(df.employee_id, df.contacted_customers)) == [("E1", 1), ("E2", 1), ("E3", 0), ("E9", 0)]


def test_by_department_shows_every_department_in_scope_and_the_pool(company):
    df = new_customers(Scope(company, Filters(start=D(2024, 2, 1), end=D(2024, 2, 29))), by="department")
    assert list(zip(df.department_id, df.new_customers)) == [("D1", 0), ("D2", 0), ("D3", 0), ("D9", 0), (None, 1)]


def test_next_contact_won_and_net_growth(company):
    assert rows(next_contact_customers(Scope(company, JAN_TO_APR)), "next_contact_customers") == list(zip(MONTHS, [0, 0, 1, 0]))
    assert rows(won_customers(Scope(company, JAN_TO_APR)), "won_customers") == list(zip(MONTHS, [1, 0, 0, 0]))
    net = net_growth(Scope(company, JAN_TO_APR))
    assert list(net.columns) == ["period", "new_customers", "churned_customers", "net_growth"]
    assert net.values.tolist() == [[D(2024, 1, 1), 3, 0, 3], [D(2024, 2, 1), 1, 1, 0],
                                   [D(2024, 3, 1), 1, 0, 1], [D(2024, 4, 1), 0, 0, 0]]


def test_without_a_range_the_report_spans_its_data(company):
    df = new_customers(Scope(company, Filters(period="month")))
    assert df.period.iloc[0] == D(2023, 12, 1) and df.period.iloc[-1] == D(2024, 3, 1)
    assert df.new_customers.sum() == 6


def test_empty_database_gives_an_empty_report(store):
    df = new_customers(Scope(store.backend(), Filters()))
    assert list(df.columns) == ["period", "new_customers"] and df.empty


def test_summary_compares_with_the_range_just_before(company):
    s = growth_summary(Scope(company, Filters(start=D(2024, 1, 1), end=D(2024, 1, 31)))).set_index("metric")
    counts = s[["current", "previous"]]
    assert counts.loc["new_customers"].tolist() == [3, 1]  # Dec 2023 had C5
    assert counts.loc["contacted_customers"].tolist() == [1, 0]
    assert counts.loc["net_growth"].tolist() == [3, 1]
    assert (s.previous_start.iloc[0], s.previous_end.iloc[0]) == (D(2023, 12, 1), D(2023, 12, 31))


def test_filters_reject_a_backwards_range_and_unknown_period():
    with pytest.raises(ValueError, match="after the end"):
        Filters(start=D(2024, 2, 1), end=D(2024, 1, 1))
    with pytest.raises(ValueError, match="period"):
        Filters(period="fortnight")
