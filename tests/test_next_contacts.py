"""What the store keeps for counting contacted customers (crm_core.next_contacts and its day counts) and for the
other reports it serves (crm_core.kept: deal_spans, customer_steps, kept_summaries, customer_days): the same
numbers as counting distinct customers (or finding each one's last contact) on the follow-ups, or reading the
rows they are built from, for every viewer, filter and period, and current after every write.

The metric suites run on DuckDB with it (the default) and on PostgreSQL and Spark without it; here the two
ways meet on one DuckDB database: a copy of the demo company opened with ``keep=False``.
"""

import datetime as dt
import shutil

import duckdb
import pandas as pd
import pytest

from crm_core import backend, next_contacts
from crm_core.customer_list import drill_list
from crm_core.filters import Filters
from crm_core.importing import load, read_file
from crm_core.metrics import contacted_customers, growth_summary
from crm_core.metrics.owners import customers_per_owner, owned_rows
from crm_core.metrics.pool import followup_hygiene, hygiene_rows, pool_risk
from crm_core.metrics.team import attainment, leaderboard, leaderboard_change
from crm_core.metrics.behaviour import contact_frequency
from crm_core.metrics.early_warning import at_risk
from crm_core.metrics.sales import deal_funnel, funnel, funnel_rows
from crm_core.metrics.growth import growth_trends
from crm_core.metrics.behaviour import repurchase
from crm_core.metrics.health import clv, lifecycle_transitions, retention
from crm_core.metrics.sales import purchases, rfm_segments
from crm_core.scope import ADMIN, Scope, Viewer
from crm_core.store import Store

D = dt.date
MANAGER = Viewer("E0014", "manager", "D110")  # the demo's 华东大区 manager: D111, D112, D113 below
DEEP_MANAGER = Viewer("E0003", "manager", "D111")
REP = Viewer("E0002", "rep", "D112")
VIEWERS = {"admin": ADMIN, "manager": MANAGER, "deep manager": DEEP_MANAGER, "rep": REP}
PEOPLE = {
    "everyone": {},
    "top department": {"departments": ("D100",)},
    "region": {"departments": ("D110",)},
    "city": {"departments": ("D111",)},
    "outside the manager's tree": {"departments": ("D120",)},
    "unknown department": {"departments": ("D999",)},
    "two departments": {"departments": ("D111", "D120")},
    "one employee": {"employees": ("E0002",)},
    "two employees": {"employees": ("E0002", "E0007")},
}
RANGES = {"year": (D(2025, 11, 24), D(2026, 11, 23)), "mid-period": (D(2026, 2, 11), D(2026, 8, 19)),
          "one day": (D(2026, 5, 6), D(2026, 5, 6)), "open": (None, None)}
PERIODS = [("year", "month"), ("year", "week"), ("mid-period", "quarter"), ("mid-period", "year"), ("one day", "day"),
           ("open", "month")]  # ranges cut inside periods at both ends, and the data's own span


@pytest.fixture(scope="module")
def both(demo_path, tmp_path_factory):
    """(the demo company as the store keeps it, a copy that keeps nothing)."""
    copy = tmp_path_factory.mktemp("unkept") / "demo.duckdb"
    shutil.copyfile(demo_path, copy)
    Store(copy, keep=False).close()
    kept, unkept = Store(demo_path, read_only=True), Store(copy, read_only=True)
    yield kept.backend(), unkept.backend()
    kept.close()
    unkept.close()


def test_the_copy_keeps_nothing_and_the_demo_keeps_the_table(both):
    kept, unkept = both
    assert Scope(kept).next_contacts() is not None and Scope(unkept).next_contacts() is None
    assert Scope(kept).deal_spans() is not None and Scope(unkept).deal_spans() is None
    assert Scope(kept).customer_steps() is not None and Scope(unkept).customer_steps() is None
    assert Scope(kept, viewer=MANAGER).customer_steps() is None  # over everything: only for who sees everything
    # the follow-ups per employee and day: for a range up to the latest follow-up's day (or later) only
    assert Scope(kept).contacts_per_employee_day(AS_OF) is not None
    assert Scope(kept).contacts_per_employee_day(AS_OF - dt.timedelta(days=1)) is None
    assert Scope(unkept).contacts_per_employee_day(AS_OF) is None


REPORTS = {
    "contacted-customers": lambda s: contacted_customers(s),
    "contacted-customers by employee": lambda s: contacted_customers(s, by="employee"),
    "growth-trends": growth_trends,
    "growth-summary": growth_summary,
    "leaderboard": leaderboard,
    "leaderboard-change": leaderboard_change,  # the days after the split range from the per-day counts
    "contact-frequency": contact_frequency,
}
WHOLE_RANGE = {  # (no periods: run once per range)
    "customers-per-owner": customers_per_owner,
    "follow-up-hygiene": lambda s: followup_hygiene(s, as_of=s.filters.end or AS_OF),
    "pool-risk": lambda s: pool_risk(s, as_of=s.filters.end or AS_OF),
    "at-risk": at_risk,
    "attainment": attainment,  # the follow-ups per employee and day, for periods ending on or after the latest
    "funnel": funnel,  # from crm_core.customer_steps
    "deal-funnel": deal_funnel,  # from crm_core.deal_spans
    # from the store's purchases (crm_core.kept_summaries)
    "lifecycle-transitions": lifecycle_transitions,
    "clv": clv,
    "retention": retention,
    "rfm-segments": rfm_segments,
    "repurchase": repurchase,
    # the customers behind them, as the drill-downs list them
    "contacted or not": lambda s: listed(s, owned_rows(s), "contacted"),
    "days since contact": lambda s: listed(s, hygiene_rows(s, s.filters.end or AS_OF), "days_since_contact"),
    "furthest funnel step": lambda s: listed(s, funnel_rows(s), "reached"),
    # the lists themselves, with the last contact they show
    "pool-risk list": lambda s: drill_list("pool-risk", s, {}, as_of=s.filters.end or AS_OF, window_days=30,
                                           limit=None)[1],
    "hygiene list": lambda s: drill_list("follow-up-hygiene", s, {}, "no_contact_15", as_of=s.filters.end or AS_OF,
                                         limit=None)[1],
}
AS_OF = D(2026, 11, 23)


def listed(scope, rows, column: str) -> pd.DataFrame:
    return scope.run(rows.select("customer_id", column).order_by("customer_id"))


@pytest.mark.parametrize("viewer", VIEWERS, ids=str)
@pytest.mark.parametrize("people", PEOPLE, ids=str)
def test_every_viewer_and_filter_counts_the_same_with_and_without_what_the_store_keeps(both, viewer, people):
    kept, unkept = both
    for rng, period in PERIODS:
        f = Filters(*RANGES[rng], period=period, **PEOPLE[people])
        # "open": as of the data's last day, where an admin reads the kept summaries
        whole = period in ("quarter", "day") or rng == "open" and viewer == "admin"
        for name, report in (REPORTS | WHOLE_RANGE if whole else REPORTS).items():
            got = report(Scope(kept, f, VIEWERS[viewer]))
            want = report(Scope(unkept, f, VIEWERS[viewer]))
            pd.testing.assert_frame_equal(got, want, obj=f"{name} {rng} {period}")


@pytest.mark.parametrize("viewer, people, level", [
    ("admin", "everyone", "company"), ("admin", "top department", "depth0"), ("admin", "region", "depth1"),
    ("admin", "city", "depth2"), ("manager", "everyone", "depth1"), ("manager", "city", "depth2"),
    ("deep manager", "region", "depth2"), ("rep", "everyone", "employee"), ("admin", "one employee", "employee"),
    ("admin", "two departments", None), ("admin", "two employees", None)])
def test_the_level_counted_at_is_the_one_whose_group_is_the_employees_counted(both, viewer, people, level):
    got = Scope(both[0], Filters(**PEOPLE[people]), VIEWERS[viewer]).next_contacts()
    assert (got[1] if got else None) == level


# -- a company small enough to count by hand -------------------------------------------------------------
@pytest.fixture
def company(store):
    """D1 > D2 > D3; E1 in D1, E2 in D2, E3 in D3, E4 in none. C1 is contacted by everyone."""
    with store.write() as cur:
        cur.execute("INSERT INTO departments VALUES ('D1','Sales',NULL),('D2','East','D1'),('D3','Shanghai','D2')")
        cur.execute("INSERT INTO employees (employee_id, name, department_id) VALUES ('E1','Li','D1'),('E2','Wang','D2'),"
                    "('E3','Zhang','D3'),('E4','Zhao',NULL)")
        cur.execute("INSERT INTO customers (customer_id, name, owner_id, created_at) VALUES ('C1','A','E1','2024-01-01'),"
                    "('C2','B','E3','2024-01-01')")
        cur.executemany("INSERT INTO follow_ups (follow_up_id, customer_id, employee_id, contacted_at) VALUES (?,?,?,?)", [
            ("F1", "C1", "E3", "2024-01-31 23:00:00"),  # the last day of January ...
            ("F2", "C1", "E3", "2024-02-01 08:00:00"),  # ... and the first of February (the same week)
            ("F3", "C1", "E2", "2024-02-01 08:00:00"),  # the same moment, by another
            ("F4", "C1", "E1", "2024-02-20 10:00:00"),
            ("F5", "C1", "E4", "2024-02-21 10:00:00"),  # by someone of no department
            ("F6", "C2", "E3", "2024-02-10 10:00:00"),
            ("F7", "C2", None, "2024-02-10 11:00:00"),  # by nobody
        ])
    return store


def counts(store, period="month", start=D(2024, 1, 1), end=D(2024, 2, 29), **people) -> list[int]:
    return contacted_customers(Scope(store.backend(), Filters(start=start, end=end, period=period, **people)))[
        "contacted_customers"].tolist()


def test_counted_by_hand(company):
    assert counts(company) == [1, 2]
    assert counts(company, departments=("D2",)) == [1, 2]  # E2 and E3
    assert counts(company, departments=("D3",)) == [1, 2]
    assert counts(company, employees=("E2",)) == [0, 1]
    assert counts(company, "week", D(2024, 1, 29), D(2024, 2, 11)) == [1, 1]  # F1..F3 one week; F6, F7 the next
    assert counts(company, "week", D(2024, 1, 29), D(2024, 1, 31)) == [1]  # the range ends before F2
    assert counts(company, "year") == [2]
    summary = growth_summary(Scope(company.backend(), Filters(start=D(2024, 2, 1), end=D(2024, 2, 29))))
    assert summary.set_index("metric").loc["contacted_customers", ["current", "previous"]].tolist() == [2, 1]
    board = leaderboard(Scope(company.backend(), Filters(start=D(2024, 2, 1), end=D(2024, 2, 20))))
    assert board.set_index("employee_id")["contacted_customers"].to_dict() == {"E1": 1, "E2": 1, "E3": 2, "E4": 0}
    # up to the last follow-up's day: from the follow-ups per employee and day. E1 follows C1 up again.
    with company.write() as cur:
        cur.execute("INSERT INTO follow_ups (follow_up_id, customer_id, employee_id, contacted_at) "
                    "VALUES ('F8', 'C1', 'E1', '2024-02-21 12:00:00')")
    assert Scope(company.backend()).contacts_per_employee_day(D(2024, 2, 21)) is not None
    board = leaderboard(Scope(company.backend(), Filters(start=D(2024, 2, 1), end=D(2024, 2, 21)))).set_index("employee_id")
    assert board["contacted_customers"].to_dict() == {"E1": 1, "E2": 1, "E3": 2, "E4": 1}
    assert board["follow_ups"].to_dict() == {"E1": 2, "E2": 1, "E3": 2, "E4": 1}


def test_a_write_that_changes_follow_ups_or_the_tree_rebuilds_it_and_other_writes_do_not(company, tmp_path):
    def marked() -> bool:
        return company.query(f"SELECT count(*) FROM {next_contacts.TABLE} WHERE customer_id = 'marker'")[0][0] == 1

    def mark():
        with company._transaction() as cur:  # a row no build makes, written around the store's bookkeeping
            cur.execute(f"INSERT INTO {next_contacts.TABLE} (customer_id) VALUES ('marker')")

    mark()
    company.put_setting("stage_probability", "{}")
    assert marked(), "a setting is not what the table is built from"
    with company.write() as cur:
        cur.execute("UPDATE employees SET department_id = 'D1' WHERE employee_id = 'E3'")
    assert not marked()
    assert counts(company, departments=("D3",)) == [0, 0]  # E3 moved up: D3 has nobody left
    assert counts(company, departments=("D1",)) == [1, 2]

    mark()
    path = tmp_path / "follow_ups.csv"
    path.write_text("follow_up_id,customer_id,employee_id,contacted_at\nF8,C2,E2,2024-01-05 09:00:00\n", encoding="utf-8")
    load(company, read_file(path))
    assert not marked()
    assert counts(company) == [2, 2]


def test_the_contact_summary_is_each_customers_follow_ups_as_of_the_latest_and_follows_writes(company, tmp_path):
    def summary(as_of=None):
        s = Scope(company.backend())
        t = s.contact_summary(as_of)
        return None if t is None else s.run(t.order_by("customer_id")).values.tolist()

    assert backend.contacts_until(company.backend()) == D(2024, 2, 21)
    assert summary(D(2024, 2, 20)) is None  # F5 comes after: as of the 20th the summary is not the answer
    assert summary(D(2024, 2, 21)) == summary() == [  # C1: F1..F5; C2: F6, F7 (by nobody)
        ["C1", 5, pd.Timestamp("2024-01-31"), pd.Timestamp("2024-02-21 10:00")],
        ["C2", 2, pd.Timestamp("2024-02-10"), pd.Timestamp("2024-02-10 11:00")]]
    assert Scope(company.backend(), viewer=Viewer("E1", "manager", "D1")).contact_summary() is None  # not all of them

    path = tmp_path / "follow_ups.csv"
    path.write_text("follow_up_id,customer_id,employee_id,contacted_at\nF8,C2,E2,2024-03-05 09:00:00\n", encoding="utf-8")
    load(company, read_file(path))
    assert backend.contacts_until(company.backend()) == D(2024, 3, 5)
    assert summary()[1] == ["C2", 3, pd.Timestamp("2024-02-10"), pd.Timestamp("2024-03-05 09:00")]
    assert summary(D(2024, 3, 4)) is None


def test_a_failed_write_leaves_it_as_it_was(company):
    before = company.query(f"SELECT count(*) FROM {next_contacts.TABLE}")[0][0]
    with pytest.raises(RuntimeError):
        with company.write() as cur:
            cur.execute("DELETE FROM follow_ups")
            raise RuntimeError("the import found a problem")
    assert company.query(f"SELECT count(*) FROM {next_contacts.TABLE}")[0][0] == before == 7
    assert counts(company) == [1, 2]


def test_a_read_only_store_does_not_trust_a_table_its_data_has_moved_away_from(company):
    company.close()
    with duckdb.connect(company.path) as con:  # written around the store, as an older version could have
        con.execute("DELETE FROM follow_ups WHERE customer_id = 'C2'")
    reader = Store(company.path, read_only=True)
    try:
        assert Scope(reader.backend()).next_contacts() is None
        assert Scope(reader.backend()).customer_steps() is None  # built from the summary, as stale
        assert counts(reader) == [1, 1]
    finally:
        reader.close()


def test_contact_gaps_counted_by_hand(company):
    """As of 31 March, C1 (owned by E1) was last contacted 39 days before (F5, 21 February) after 5 follow-ups
    over 21 days: usual 21 / 4 = 5.25, so 7, and 39 > 2 x 7. The manager of D1 does not see E4's F5: 4
    follow-ups over 20 days, the last 40 days before."""
    def gaps(viewer):
        s = Scope(company.backend(), Filters(start=D(2024, 3, 1), end=D(2024, 3, 31)), viewer)
        level = s.next_contacts(people=False)[1]
        return level, at_risk(s)[["customer_id", "reason", "days_since", "usual_days", "ratio"]].values.tolist()

    assert gaps(ADMIN) == ("company", [["C1", "contact_gap", 39, 7.0, 39 / 7]])
    assert gaps(Viewer("E1", "manager", "D1")) == ("depth0", [["C1", "contact_gap", 40, 7.0, 40 / 7]])
    assert gaps(Viewer("E2", "manager", "D2")) == ("depth1", [])  # F1..F3: fewer than 4 follow-ups, and C1 is E1's
    assert gaps(Viewer("E3", "rep", "D3")) == ("employee", [])  # his C2 had one follow-up by him


def test_the_funnels_contacted_step_counted_by_hand(company):
    """C3 (E3's) was contacted only by E4, who is in no department: contacted for the admin, not for the
    manager of D1 nor for E3."""
    with company.write() as cur:
        cur.execute("INSERT INTO customers (customer_id, name, owner_id, created_at) VALUES ('C3','C','E3','2024-01-01')")
        cur.execute("INSERT INTO follow_ups (follow_up_id, customer_id, employee_id, contacted_at) "
                    "VALUES ('F8','C3','E4','2024-03-01 09:00:00')")

    def created_and_contacted(viewer):
        s = Scope(company.backend(), Filters(start=D(2024, 1, 1), end=D(2024, 3, 31)), viewer)
        assert s.next_contacts(people=False) is not None
        return funnel(s)["customers"].tolist()[:2]

    assert created_and_contacted(ADMIN) == [3, 3]
    assert created_and_contacted(Viewer("E1", "manager", "D1")) == [3, 2]
    assert created_and_contacted(Viewer("E3", "rep", "D3")) == [2, 1]  # C2 by himself (F6); C3 by E4


def test_customers_per_channel_counted_by_hand(company):
    with company.write() as cur:
        cur.executemany("UPDATE follow_ups SET channel = ? WHERE follow_up_id = ?", [
            ("phone", "F1"), (" phone ", "F2"), ("visit", "F3"), ("", "F4"), (None, "F5"), ("phone", "F6"), ("phone", "F7")])
    df = contact_frequency(Scope(company.backend(), Filters(start=D(2024, 1, 1), end=D(2024, 2, 29))))
    assert list(zip(df.channel, df.follow_ups, df.customers)) == [
        ("phone", 1, 1), ("visit", 0, 0), ("(none)", 0, 0),  # January
        ("phone", 3, 2), ("visit", 1, 1), ("(none)", 2, 1)]  # February: " phone " is phone; "" and none are (none)
    assert Scope(company.backend()).next_contacts(per_channel=True)[1] == "company_channel"


def test_customers_per_owner_counted_by_hand(company):
    """Read from the store's copy of the customers for the admin (crm_core.kept_summaries), from the customers and
    follow-ups for a manager of the whole company; C3 was never contacted."""
    with company.write() as cur:
        cur.execute("INSERT INTO customers (customer_id, name, owner_id, created_at) VALUES ('C3','C','E2','2024-01-05')")

    def split(start, end, viewer=ADMIN):
        s = Scope(company.backend(), Filters(start=start, end=end), viewer)
        assert (s.summary("customer_last_contacts", end) is not None) == (viewer is ADMIN)
        df = customers_per_owner(s)
        return list(zip(df.employee_id, df.contacted, df.not_contacted))

    manager = Viewer("E1", "manager", "D1")  # sees E1, E2 and E3 (E4 is in no department)
    feb = [("E1", 1, 0), ("E2", 0, 1), ("E3", 1, 0)]
    assert split(D(2024, 2, 1), D(2024, 2, 29)) == [*feb, ("E4", 0, 0)]
    assert split(D(2024, 2, 1), D(2024, 2, 29), manager) == feb
    late_feb = [("E1", 1, 0), ("E2", 0, 1), ("E3", 0, 1)]  # C2's follow-ups are of 10 February
    assert split(D(2024, 2, 15), D(2024, 2, 29)) == [*late_feb, ("E4", 0, 0)]
    assert split(D(2024, 2, 15), D(2024, 2, 29), manager) == late_feb


def test_the_funnels_follow_every_write_that_changes_what_they_are_kept_from(company):
    """The customer funnel (crm_core.customer_steps) and the deal funnel (crm_core.deal_spans), read from what
    the store keeps, after writes that add a deal, win it, add a customer, move a customer and a deal."""
    def funnels(**people):
        s = Scope(company.backend(), Filters(start=D(2024, 1, 1), end=D(2024, 12, 31), **people))
        assert s.customer_steps() is not None and s.deal_spans() is not None
        return funnel(s)["customers"].tolist(), deal_funnel(s)["deals"].tolist()[:2]

    assert funnels() == ([2, 2, 0, 0], [0, 0])  # C1 and C2, both contacted
    with company.write() as cur:
        cur.execute("INSERT INTO deals (deal_id, customer_id, owner_id, status, created_at) "
                    "VALUES ('O1','C2','E2','open','2024-03-01')")
        cur.execute("INSERT INTO deal_stage_history VALUES ('O1','lead','2024-03-01'),('O1','qualified','2024-03-03')")
    assert funnels() == ([2, 2, 1, 0], [1, 1])
    with company.write() as cur:
        cur.execute("UPDATE deals SET status = 'won', closed_at = '2024-03-09' WHERE deal_id = 'O1'")
    assert funnels() == ([2, 2, 1, 1], [1, 1])
    with company.write() as cur:
        cur.execute("INSERT INTO customers (customer_id, name, owner_id, created_at) "
                    "VALUES ('C3','C','E4','2024-05-01')")
    assert funnels() == ([3, 2, 1, 1], [1, 1])
    assert funnels(departments=("D3",)) == ([1, 1, 1, 1], [0, 0])  # C2 is E3's; O1 is E2's (D2)
    with company.write() as cur:
        cur.execute("UPDATE customers SET owner_id = 'E1' WHERE customer_id = 'C2'")
        cur.execute("UPDATE deals SET owner_id = 'E3' WHERE deal_id = 'O1'")
    assert funnels(departments=("D3",)) == ([0, 0, 0, 0], [1, 1])


def test_the_purchases_follow_every_write_that_changes_the_won_deals_or_the_customers_won_without_one(company):
    """The purchases (sales.purchases) an admin reads are the store's copy (crm_core.kept_summaries); a manager's
    are built from the deals and customers. Both follow the writes, including ones that keep the row count."""
    def bought(viewer=ADMIN):
        s = Scope(company.backend(), viewer=viewer)
        assert (s.purchases() is not None) == (viewer is ADMIN)
        p = s.run(purchases(s))
        return sorted((r.customer_id, str(r.at.date()), r.amount) for r in p.itertuples())

    def both():
        got = bought()
        assert got == bought(Viewer("E1", "manager", "D1"))  # D1's tree: E1, E2, E3 own every deal and customer
        return got

    assert both() == []
    with company.write() as cur:
        cur.execute("INSERT INTO deals (deal_id, customer_id, owner_id, status, closed_at, amount) VALUES "
                    "('W1','C1','E1','won','2024-01-05',100),('W2','C2','E3','won','2024-02-01',NULL),"
                    "('W3','C2','E3','won',NULL,50),('L1','C1','E2','lost','2024-01-09',70)")
    assert both() == [("C1", "2024-01-05", 100.0), ("C2", "2024-02-01", 0.0)]  # no close, no purchase
    with company.write() as cur:  # as many rows as before: an amount changed
        cur.execute("UPDATE deals SET amount = 250 WHERE deal_id = 'W1'")
    assert both() == [("C1", "2024-01-05", 250.0), ("C2", "2024-02-01", 0.0)]
    with company.write() as cur:
        cur.execute("UPDATE deals SET status = 'lost' WHERE deal_id = 'W1'")
    assert both() == [("C2", "2024-02-01", 0.0)]
    with company.write() as cur:  # C1 won without a won deal: won_at stands in, at 0
        cur.execute("UPDATE customers SET won_at = '2024-03-05' WHERE customer_id IN ('C1', 'C2')")
    assert both() == [("C1", "2024-03-05", 0.0), ("C2", "2024-02-01", 0.0)]  # C2 has won deals: no stand-in


def test_early_warning_follows_every_write_that_changes_the_purchases_or_surveys_it_is_kept_from(company):
    """At-risk as of 31 March reads each customer's purchases and latest scores from what the store keeps
    (crm_core.kept_summaries) for the admin, and groups the rows for a manager; both follow the writes."""
    def reasons(viewer=ADMIN):
        s = Scope(company.backend(), Filters(start=D(2024, 1, 1), end=D(2024, 3, 31)), viewer)
        got = at_risk(s)
        return sorted((r.reason, r.days_since) for r in got.itertuples() if r.reason != "contact_gap")

    with company.write() as cur:  # C1 bought every 10 days, then not for 70; its score fell from 9 to 5
        cur.execute("INSERT INTO deals (deal_id, customer_id, owner_id, status, closed_at) VALUES "
                    "('W1','C1','E1','won','2024-01-01'),('W2','C1','E1','won','2024-01-11'),"
                    "('W3','C1','E1','won','2024-01-21')")
        cur.execute("INSERT INTO surveys VALUES ('S1','C1','2024-02-01',9),('S2','C1','2024-03-01',5)")
    assert Scope(company.backend()).summary("customer_purchases", D(2024, 3, 31)) is not None
    assert Scope(company.backend()).summary("customer_scores", D(2024, 3, 31)) is not None
    assert Scope(company.backend()).summary("customer_purchases", D(2024, 1, 20)) is None  # a purchase after it
    assert reasons() == reasons(Viewer("E1", "manager", "D1")) == [("nps_drop", 30), ("purchase_gap", 70)]
    with company.write() as cur:  # as many rows as before: the last purchase moved, the last score changed
        cur.execute("UPDATE deals SET closed_at = '2024-03-30' WHERE deal_id = 'W3'")
        cur.execute("UPDATE surveys SET score = 8 WHERE survey_id = 'S2'")
    assert reasons() == reasons(Viewer("E1", "manager", "D1")) == []


def test_hygiene_and_pool_risk_follow_every_write_that_changes_the_customers_or_their_follow_ups(company, tmp_path):
    """Follow-up hygiene and pool risk as of 31 March read each customer's latest follow-up off the store's copy
    of the customers (crm_core.kept_summaries.LAST_CONTACTS) for the admin; it follows the writes."""
    def hygiene():
        s = Scope(company.backend())
        assert s.summary("customer_last_contacts", D(2024, 3, 31)) is not None
        got = followup_hygiene(s, as_of=D(2024, 3, 31))
        return got[["employee_id", "customers", "no_contact_30"]].values.tolist()

    def at_risk_on(day):  # C1's last contact 21 Feb + 30 days: reclaimed on 22 March
        return pool_risk(Scope(company.backend()), as_of=day)[["employee_id", "customers"]].values.tolist()

    assert hygiene() == [["E1", 1, 1], ["E3", 1, 1]]  # C1 last contacted 21 Feb, C2 10 Feb
    assert at_risk_on(D(2024, 3, 21)) == [["E1", 1]]
    path = tmp_path / "follow_ups.csv"
    path.write_text("follow_up_id,customer_id,employee_id,contacted_at\nF8,C2,E3,2024-03-25 09:00:00\n"
                    "F9,C1,E1,2024-03-20 09:00:00\n", encoding="utf-8")
    load(company, read_file(path))
    assert hygiene() == [["E1", 1, 0], ["E3", 1, 0]]
    assert at_risk_on(D(2024, 4, 18)) == [["E1", 1]]  # now from 20 March
    with company.write() as cur:  # as many customers as before: one lost, one moved
        cur.execute("UPDATE customers SET lost_at = '2024-03-30' WHERE customer_id = 'C1'")
        cur.execute("UPDATE customers SET owner_id = 'E2' WHERE customer_id = 'C2'")
    assert hygiene() == [["E2", 1, 0]]
    assert at_risk_on(D(2024, 4, 18)) == []


def test_customer_counts_follow_every_write_that_changes_the_customers_or_the_tree(company):
    """New and won customers per month for the company and one department, read from the customers' days as the
    store keeps them (crm_core.customer_days), after writes that win a customer, move one and move an employee."""
    def counts_of(**people):
        s = Scope(company.backend(), Filters(start=D(2024, 1, 1), end=D(2024, 3, 31), period="month", **people))
        assert s.customer_days() is not None
        trends = growth_trends(s)
        summary = growth_summary(s).set_index("metric")["current"]
        assert summary["new_customers"] == trends["new_customers"].sum()
        assert summary["won_customers"] == trends["won_customers"].sum()
        return trends["new_customers"].tolist(), trends["won_customers"].tolist()

    assert counts_of() == ([2, 0, 0], [0, 0, 0])  # C1 (E1) and C2 (E3), created 1 January
    assert counts_of(departments=("D3",)) == ([1, 0, 0], [0, 0, 0])
    with company.write() as cur:  # as many customers as before: C2 won in February, then C1 moved to E3
        cur.execute("UPDATE customers SET won_at = '2024-02-10' WHERE customer_id = 'C2'")
    assert counts_of(departments=("D3",)) == ([1, 0, 0], [0, 1, 0])
    with company.write() as cur:
        cur.execute("UPDATE customers SET owner_id = 'E3' WHERE customer_id = 'C1'")
    assert counts_of(departments=("D3",)) == ([2, 0, 0], [0, 1, 0])
    with company.write() as cur:  # E3 moves up to D2: D3 has nobody
        cur.execute("UPDATE employees SET department_id = 'D2' WHERE employee_id = 'E3'")
    assert counts_of(departments=("D3",)) == ([0, 0, 0], [0, 0, 0])
    assert counts_of(departments=("D2",)) == ([2, 0, 0], [0, 1, 0])
