"""The statistics reports on companies small enough to count by hand (DESIGN.md, "Metric definitions").

Departments: D1 > D2, and D9 apart. Employees: E1 in D1, E2 in D2, E9 in D9, E8 in D2 (owns nothing).
"""

import datetime as dt

import pandas as pd
import pytest

from crm_core.scope import Scope, Viewer
from crm_core import customer_list as cl
from crm_core import regions as places
from crm_core.errors import UserError
from crm_core.filters import Filters
from crm_core.metrics import distributions, owners, pool

D = dt.date
JAN = Filters(start=D(2025, 1, 1), end=D(2025, 1, 31))


def _people(cur):
    cur.execute("INSERT INTO departments VALUES ('D1','Sales',NULL),('D2','East','D1'),('D9','Other',NULL)")
    cur.execute("INSERT INTO employees (employee_id, name, department_id, email, active) VALUES ('E1','Li','D1',NULL,true),('E2','Wang','D2',NULL,true),"
                "('E8','Sun','D2',NULL,true),('E9','Zhao','D9',NULL,true)")


def _customers(cur, rows, cols="customer_id, owner_id, created_at, category"):
    n = len(cols.split(","))
    cur.executemany(f"INSERT INTO customers (name, {cols}) VALUES (?{', ?' * n})",
                    [("n-" + r[0], *r) for r in rows])


@pytest.fixture
def dist(store):
    with store.write() as cur:
        _people(cur)
        _customers(cur, [
            ("C1", "E1", "2025-01-01 00:00:00", "A"),          # first second of the range
            ("C2", "E2", "2025-01-31 23:59:59", "A"),          # last second of the range
            ("C3", "E9", "2025-01-15 10:00:00", "B"),
            ("C4", "E1", "2025-01-15 10:00:00", None),          # no category
            ("C5", None, "2025-01-16 10:00:00", "  "),          # blank category, in the pool
            ("C6", "E1", "2025-02-01 00:00:00", "A"),          # first second after the range
            ("C7", "E2", "2024-12-31 23:59:59", "B"),          # last second before it
        ])
        cur.executemany("INSERT INTO customer_tags VALUES (?, ?)", [
            ("C1", "x"), ("C1", "x"), ("C1", " y "), ("C2", "y"), ("C4", ""), ("C6", "x"), ("C7", "y")])
        cur.executemany("INSERT INTO customer_fields VALUES (?, ?, ?)", [
            ("C1", "级别", "VIP"), ("C2", "级别", None), ("C3", "级别", "普通"), ("C4", "来源", "展会"),
            ("C6", "级别", "VIP"), ("C3", "来源", "展会")])
    return store.backend()


def listed(backend, filters, report, row, column=None, **opts):
    """The drill-down list behind a cell of ``report``, whole."""
    return cl.drill_list(report, Scope(backend, filters), row, column, limit=None, **opts)[1]


def pairs(df):
    return list(map(tuple, df.itertuples(index=False)))


def test_categories_count_customers_created_in_the_range(dist):
    df = distributions.categories(Scope(dist, JAN))
    assert list(df.columns) == ["category", "customers"]
    assert pairs(df) == [("A", 2), ("B", 1), ("(none)", 2)]


def test_categories_department_includes_sub_departments(dist):
    assert pairs(distributions.categories(Scope(dist, Filters(start=JAN.start, end=JAN.end, departments=("D1",))))) == \
        [("A", 2), ("(none)", 1)]
    assert pairs(distributions.categories(Scope(dist, Filters(start=JAN.start, end=JAN.end, departments=("D2",))))) == [("A", 1)]
    assert pairs(distributions.categories(Scope(dist, Filters(start=JAN.start, end=JAN.end, employees=("E9",))))) == [("B", 1)]


def test_tags_repeated_tag_once_blank_tag_is_none(dist):
    df = distributions.tags(Scope(dist, JAN))
    assert list(df.columns) == ["tag", "customers"]
    # C1: x (twice), y; C2: y; C3: none; C4: only a blank tag; C5: none.
    assert pairs(df) == [("y", 2), ("x", 1), ("(none)", 3)]


def test_custom_field_missing_and_null_values_are_none(dist):
    df = distributions.custom_field(Scope(dist, JAN), "级别")
    assert list(df.columns) == ["value", "customers"]
    assert pairs(df) == [("VIP", 1), ("普通", 1), ("(none)", 3)]
    assert pairs(distributions.custom_field(Scope(dist, JAN), "来源")) == [("展会", 2), ("(none)", 3)]
    with pytest.raises(UserError, match="no custom field 'nothing'; the fields in this database: 级别, 来源"):
        distributions.custom_field(Scope(dist, JAN), "nothing")  # not every customer as "(none)"


def test_custom_fields_lists_fields_present(dist):
    assert pairs(distributions.custom_fields(Scope(dist))) == [("级别", 3), ("来源", 2)]


def test_distributions_of_an_empty_database(store):
    b = store.backend()
    assert distributions.categories(Scope(b, Filters())).empty
    assert list(distributions.tags(Scope(b, Filters())).columns) == ["tag", "customers"]
    assert list(distributions.regions(Scope(b, Filters())).columns) == ["region", "customers", "lat", "lon", "top5"]


# -- regions -----------------------------------------------------------------------------------------
def test_normalise_region_names():
    assert places.normalise("广东") == places.normalise("广东省") == places.normalise("深圳") == "广东省"
    assert places.normalise(None, "深圳市") == "广东省"
    assert places.normalise(" 广西 ", country="中国") == "广西壮族自治区"
    assert places.normalise("New York", "New York City", "美国") == "New York"
    assert places.normalise("Bayern", None, "德国") == "Bayern"
    assert places.normalise("", "") is None and places.normalise(None) is None


@pytest.fixture
def regional(store):
    rows = [  # (id, country, region, city, lat, lon)
        ("R1", "中国", "广东", None, None, None), ("R2", None, "广东省", None, None, None),
        ("R3", "中国", None, "深圳", None, None),                                   # city only
        ("R4", "中国", "北京", None, None, None), ("R5", "中国", "北京市", None, None, None),
        ("R6", "中国", "上海市", None, None, None), ("R7", "中国", "上海", None, None, None),
        ("R8", "美国", "New York", "New York City", None, None),
        ("R9", "Nowhere", "Zeta Land", None, 10.0, 20.0),                          # unknown to the libraries
        ("R10", "中国", "广西", None, None, None),
        ("R11", "中国", "江苏省", None, None, None), ("R12", "中国", "浙江省", None, None, None),
    ] + [(f"N{i}", None, None if i % 2 else "  ", None, None, None) for i in range(5)]  # five without a region
    with store.write() as cur:
        _people(cur)
        cur.executemany("INSERT INTO customers (customer_id, name, owner_id, created_at, country, region, city, lat, lon)"
                        " VALUES (?, ?, 'E1', '2025-01-10 09:00:00', ?, ?, ?, ?, ?)",
                        [(r[0], "n" + r[0], *r[1:]) for r in rows])
        cur.execute("INSERT INTO customers (customer_id, name, created_at, region) VALUES "
                    "('OUT', 'out', '2025-02-01 00:00:00', '广东')")
        places.normalise_stored_regions(cur)  # written as an old database had them; normalised once
    return store.backend()


def test_regions_normalised_ranked_and_top5_ties_by_name(regional):
    df = distributions.regions(Scope(regional, JAN))
    assert list(df.columns) == ["region", "customers", "lat", "lon", "top5"]
    got = list(zip(df.region, df.customers, df.top5))
    # 广东省 3; 上海市 and 北京市 tie at 2 (上 < 北); the ones tie: "New York" < "Zeta Land" < 广西… < 江苏省 < 浙江省.
    assert got == [("广东省", 3, True), ("上海市", 2, True), ("北京市", 2, True), ("New York", 1, True),
                   ("Zeta Land", 1, True), ("广西壮族自治区", 1, False), ("江苏省", 1, False), ("浙江省", 1, False),
                   ("(none)", 5, False)]


def test_regions_centroids_from_libraries_else_mean_of_customers(regional):
    df = distributions.regions(Scope(regional, JAN)).set_index("region")
    assert df.loc["广东省", "lat"] == pytest.approx(23.13, abs=0.5) and df.loc["广东省", "lon"] == pytest.approx(113.3, abs=0.5)
    assert df.loc["New York", "lat"] == pytest.approx(41.5, abs=2.5) and df.loc["New York", "lon"] == pytest.approx(-75, abs=3)
    assert (df.loc["Zeta Land", "lat"], df.loc["Zeta Land", "lon"]) == (10.0, 20.0)
    assert df.loc["(none)", ["lat", "lon"]].isna().all()


def test_none_never_in_top5_even_when_largest(store):
    with store.write() as cur:
        _people(cur)
        cur.executemany("INSERT INTO customers (customer_id, name, created_at, region) VALUES (?, ?, '2025-01-10', ?)",
                        [(f"C{i}", "n", None) for i in range(4)] + [("K1", "n", "广东"), ("K2", "n", "湖南")])
        places.normalise_stored_regions(cur)
    df = distributions.regions(Scope(store.backend(), JAN))
    assert list(zip(df.region, df.customers, df.top5)) == [("广东省", 1, True), ("湖南省", 1, True), ("(none)", 4, False)]


def test_region_drilldown_lists_the_normalised_region(regional):
    ids = set(listed(regional, JAN, "regions", {"region": "广东省"}).customer_id)
    assert ids == {"R1", "R2", "R3"}
    assert set(listed(regional, JAN, "regions", {"region": "(none)"}).customer_id) == {f"N{i}" for i in range(5)}


# -- customers per owner -------------------------------------------------------------------------------
@pytest.fixture
def owned(store):
    with store.write() as cur:
        _people(cur)
        _customers(cur, [
            ("C1", "E1", "2020-01-01 00:00:00", None),   # created long before: still counts (owned today)
            ("C2", "E1", "2025-01-05 00:00:00", None),
            ("C3", "E2", "2025-01-05 00:00:00", None),
            ("C4", "E2", "2025-03-05 00:00:00", None),   # created after the range, owned today
            ("C5", None, "2025-01-05 00:00:00", None),   # pool: nobody's
            ("C6", "E9", "2025-01-05 00:00:00", None),
        ])
        cur.executemany("INSERT INTO follow_ups (follow_up_id, customer_id, employee_id, contacted_at) VALUES (?,?,?,?)", [
            ("F1", "C1", "E9", "2025-01-31 23:59:59"),   # by someone else, last second: counts
            ("F2", "C2", "E1", "2025-02-01 00:00:00"),   # after the range
            ("F3", "C3", "E2", "2025-01-01 00:00:00"),   # first second
            ("F4", "C3", "E2", "2025-01-02 00:00:00"),   # twice: still one customer
            ("F5", "C5", "E1", "2025-01-10 00:00:00"),   # a pool customer
            ("F6", "C6", "E9", "2024-12-31 23:59:59"),   # before the range
            ("F7", "C6", None, "2025-01-20 10:00:00"),   # a follow-up with no author in the log: anyone counts
        ])
    return store.backend()


def test_customers_per_owner_splits_owned_customers_by_follow_ups_in_range(owned):
    df = owners.customers_per_owner(Scope(owned, JAN))
    assert list(df.columns) == ["employee_id", "contacted", "not_contacted"]
    assert pairs(df) == [("E1", 1, 1), ("E2", 1, 1), ("E8", 0, 0), ("E9", 1, 0)]


def test_customers_per_owner_with_department_filter(owned):
    df = owners.customers_per_owner(Scope(owned, Filters(start=JAN.start, end=JAN.end, departments=("D2",))))
    assert pairs(df) == [("E2", 1, 1), ("E8", 0, 0)]
    df = owners.customers_per_owner(Scope(owned, Filters(start=D(2025, 2, 1), end=D(2025, 2, 28), employees=("E1",))))
    assert pairs(df) == [("E1", 1, 1)]


def test_owners_roll_up_to_departments(owned):
    df = owners.owners_by_department(Scope(owned, JAN))
    assert [(r.department_id, r.depth, r.employees, r.contacted, r.not_contacted) for r in df.itertuples()] == \
        [("D1", 0, 3, 2, 2), ("D2", 1, 2, 1, 1), ("D9", 0, 1, 1, 0)]


def test_owner_drilldown_matches_the_counts(owned):
    assert set(listed(owned, JAN, "customers-per-owner", {"employee_id": "E1"}, "contacted").customer_id) == {"C1"}
    assert set(listed(owned, JAN, "customers-per-owner", {"employee_id": "E1"}, "not_contacted").customer_id) == {"C2"}
    assert set(listed(owned, JAN, "customers-per-owner", {"employee_id": "E2"}).customer_id) == {"C3", "C4"}


# -- pool risk -------------------------------------------------------------------------------------------
AS_OF = D(2025, 3, 10)  # N = 30, W = 1: at risk iff the last contact day is 2025-02-09 (reclaim 03-11 = D+1)


@pytest.fixture
def risky(store):
    cols = "customer_id, owner_id, created_at, category, assigned_at, won_at, lost_at"
    rows = [
        ("P1", "E1", "2024-06-01 09:00:00", "A", "2025-01-01 09:00:00", None, None),  # fu 02-09: at risk
        ("P2", "E1", "2024-06-01 09:00:00", "A", "2025-01-01 09:00:00", None, None),  # fu 02-10: reclaim D+2
        ("P3", "E1", "2024-06-01 09:00:00", "A", "2025-01-01 09:00:00", None, None),  # fu 02-08: reclaim on D
        ("P4", "E2", "2024-06-01 09:00:00", "A", "2025-01-01 09:00:00", None, None),  # fu 02-09 + after D: at risk
        ("P5", "E2", "2024-06-01 09:00:00", "A", "2025-02-09 08:00:00", None, None),  # never contacted, assigned 02-09
        ("P6", "E2", "2025-02-09 23:59:59", "A", None, None, None),                   # no assigned_at: created 02-09
        ("P7", "E2", "2024-06-01 09:00:00", "A", "2025-02-09 12:00:00", None, None),  # fu 01-05 before assignment
        ("P8", "E1", "2024-06-01 09:00:00", "A", "2025-01-01 09:00:00", "2025-03-10 23:00:00", None),  # won by D
        ("P9", "E1", "2024-06-01 09:00:00", "A", "2025-01-01 09:00:00", "2025-03-11 00:00:00", None),  # won after D
        ("P10", "E1", "2024-06-01 09:00:00", "A", "2025-01-01 09:00:00", None, "2025-03-10 12:00:00"),  # lost on D
        ("P11", "E1", "2024-06-01 09:00:00", "A", "2025-03-11 00:00:00", None, None),  # assigned after D
        ("P12", None, "2025-02-09 09:00:00", "A", None, None, None),                    # in the pool
        ("P13", "E9", "2024-06-01 09:00:00", "重点", "2024-06-01 09:00:00", None, None),  # fu 01-10: 59 days
        ("P14", "E9", "2024-06-01 09:00:00", "重点", "2024-06-01 09:00:00", None, None),  # fu 02-09: 29 days
        ("P15", "E1", "2024-05-01 09:00:00", "A", "2024-05-01 09:00:00", None, None),  # fu long ago only
    ]
    with store.write() as cur:
        _people(cur)
        _customers(cur, rows, cols)
        cur.executemany("INSERT INTO follow_ups (follow_up_id, customer_id, employee_id, contacted_at) VALUES (?,?,?,?)", [
            ("F1", "P1", "E1", "2025-02-09 23:59:59"), ("F1b", "P1", "E1", "2025-01-20 10:00:00"),
            ("F2", "P2", "E1", "2025-02-10 00:00:00"),
            ("F3", "P3", "E1", "2025-02-08 10:00:00"),
            ("F4", "P4", "E2", "2025-02-09 00:00:00"), ("F4b", "P4", "E2", "2025-03-11 08:00:00"),
            ("F7", "P7", "E9", "2025-01-05 10:00:00"),
            ("F8", "P8", "E1", "2025-02-09 10:00:00"), ("F9", "P9", "E1", "2025-02-09 10:00:00"),
            ("F10", "P10", "E1", "2025-02-09 10:00:00"), ("F11", "P11", "E1", "2025-02-09 10:00:00"),
            ("F13", "P13", "E9", "2025-01-10 10:00:00"), ("F14", "P14", "E9", "2025-02-09 10:00:00"),
            ("F15", "P15", "E1", "2024-06-01 10:00:00"),
        ])
    return store


def at_risk(backend, **kw):
    return set(pool.at_risk_rows(Scope(backend, Filters()), as_of=AS_OF, **kw).to_pandas().customer_id)


def test_pool_risk_day_arithmetic(risky):
    b = risky.backend()
    assert at_risk(b) == {"P1", "P4", "P5", "P6", "P7", "P9", "P14"}
    assert at_risk(b, window_days=2) == {"P1", "P2", "P4", "P5", "P6", "P7", "P9", "P14"}
    df = pool.pool_risk(Scope(b, Filters()), as_of=AS_OF)
    assert list(df.columns) == ["employee_id", "customers"]
    assert pairs(df) == [("E2", 4), ("E1", 2), ("E9", 1)]


def test_pool_risk_rule_days_and_reclaim_day(risky):
    b = risky.backend()
    # 60 days: last contact 2025-01-10 (P13) or assignment 2025-01-10.
    assert at_risk(b, rule_days=60) == {"P13"}
    assert at_risk(b, rule_days=59) == set()
    rows = pool.at_risk_rows(Scope(b, Filters()), as_of=AS_OF).to_pandas().set_index("customer_id")
    assert str(rows.loc["P1", "reclaim_day"])[:10] == "2025-03-11"


def test_pool_risk_per_category_rules_from_settings(risky):
    with risky.write() as cur:
        cur.execute("""INSERT INTO settings VALUES ('pool_rule_days', '{"重点": 60}')""")
    b = risky.backend()
    assert at_risk(b) == {"P1", "P4", "P5", "P6", "P7", "P9", "P13"}
    assert at_risk(b, rule_days=30) == {"P1", "P4", "P5", "P6", "P7", "P9", "P14"}  # overrides every category
    with risky.write() as cur:
        cur.execute("""UPDATE settings SET value = '{"重点": 60, "*": 31}' WHERE key = 'pool_rule_days'""")
    assert at_risk(b) == {"P3", "P13"}  # 31 days: last contact 2025-02-08


def test_pool_risk_filters_by_owner_department(risky):
    df = pool.pool_risk(Scope(risky.backend(), Filters(departments=("D1",))), as_of=AS_OF)
    assert pairs(df) == [("E2", 4), ("E1", 2)]


def test_pool_risk_drilldown_lists_the_customers(risky):
    df = listed(risky.backend(), Filters(), "pool-risk", {"employee_id": "E2"}, as_of=AS_OF)
    assert set(df.customer_id) == {"P4", "P5", "P6", "P7"}
    assert {"rule_days", "reclaim_day"} <= set(df.columns)


# -- pool claims ---------------------------------------------------------------------------------------
@pytest.fixture
def claims(store):
    with store.write() as cur:
        _people(cur)
        cur.executemany("INSERT INTO pool_events VALUES (?, 'C1', ?, ?, ?, ?)", [
            ("P1", "E1", "east", "claimed", "2025-01-01 00:00:00"),
            ("P2", "E1", "east", "claimed", "2025-01-31 23:59:59"),
            ("P3", "E2", "south", "claimed", "2025-03-31 23:59:59"),
            ("P4", "E2", "east", "claimed", "2025-04-01 00:00:00"),   # after the range
            ("P5", "E1", "east", "released", "2025-02-10 00:00:00"),
            ("P6", None, "east", "reclaimed", "2025-02-11 00:00:00"),
            ("P7", "E2", None, "claimed", "2025-02-15 12:00:00"),   # no pool: its own row, after the named ones
        ])
    return store.backend()


def test_pool_claims_complete_grid(claims):
    df = pool.pool_claims(Scope(claims, Filters(start=D(2025, 1, 1), end=D(2025, 3, 31))))
    assert list(df.columns) == ["period", "employee_id", "pool", "claims"]
    assert pairs(df) == [
        (D(2025, 1, 1), "E1", "east", 2), (D(2025, 1, 1), "E2", "south", 0), (D(2025, 1, 1), "E2", None, 0),
        (D(2025, 2, 1), "E1", "east", 0), (D(2025, 2, 1), "E2", "south", 0), (D(2025, 2, 1), "E2", None, 1),
        (D(2025, 3, 1), "E1", "east", 0), (D(2025, 3, 1), "E2", "south", 1), (D(2025, 3, 1), "E2", None, 0)]


def test_pool_claims_by_claimer_department_and_empty_range(claims):
    df = pool.pool_claims(Scope(claims, Filters(start=D(2025, 1, 1), end=D(2025, 4, 30), period="quarter", departments=("D2",))))
    assert pairs(df) == [(D(2025, 1, 1), "E2", "east", 0), (D(2025, 1, 1), "E2", "south", 1), (D(2025, 1, 1), "E2", None, 1),
                         (D(2025, 4, 1), "E2", "east", 1), (D(2025, 4, 1), "E2", "south", 0), (D(2025, 4, 1), "E2", None, 0)]
    df = pool.pool_claims(Scope(claims, Filters(start=D(2025, 6, 1), end=D(2025, 7, 31))))
    assert pairs(df) == [(D(2025, 6, 1), None, None, 0), (D(2025, 7, 1), None, None, 0)]


# -- follow-up hygiene -------------------------------------------------------------------------------------
def test_followup_hygiene_bands(store):
    d = AS_OF
    ago = lambda n, t="10:00:00": f"{d - dt.timedelta(days=n)} {t}"  # noqa: E731
    cols = "customer_id, owner_id, created_at, assigned_at, lost_at, next_contact_at"
    rows = [("H6", "E1", ago(400), None, None, None), ("H7", "E1", ago(400), None, None, ago(1, "23:00:00")),
            ("H14", "E1", ago(400), None, None, f"{d} 08:00:00"), ("H15", "E1", ago(400), None, None, None),
            ("H29", "E1", ago(400), None, None, None), ("H30", "E2", ago(400), None, None, ago(40)),
            ("H100", "E2", ago(400), None, None, None), ("HN", "E2", ago(400), ago(40), None, None),
            ("HL", "E2", ago(400), None, ago(5), ago(3)), ("HP", None, ago(400), None, None, ago(3))]
    with store.write() as cur:
        _people(cur)
        _customers(cur, rows, cols)
        cur.executemany("INSERT INTO follow_ups (follow_up_id, customer_id, employee_id, contacted_at) VALUES (?,?,?,?)",
                        [(f"F{c}", c, "E1", ago(int(c[1:]), "23:59:59")) for c, *_ in rows if c[1:].isdigit()]
                        + [("FX", "H30", "E1", ago(0, "09:00:00").replace(str(d), str(d + dt.timedelta(days=1))))])
    df = pool.followup_hygiene(Scope(store.backend(), Filters()), as_of=d)
    assert list(df.columns) == ["employee_id", "customers", "no_contact_7", "no_contact_15", "no_contact_30",
                                "overdue_next_contact"]
    # E1: 6 (none), 7 and 14 (7-14), 15 and 29 (15-29), overdue H7 (yesterday; H14's is due today).
    # E2: 30 (a contact after D does not count), 100, never contacted & assigned 40 days ago; HL lost.
    assert pairs(df) == [("E1", 5, 2, 2, 0, 1), ("E2", 3, 0, 0, 3, 1)]
    band = listed(store.backend(), Filters(), "follow-up-hygiene", {"employee_id": "E1"}, "no_contact_15", as_of=d)
    assert set(band.customer_id) == {"H15", "H29"}


# -- the customer list -----------------------------------------------------------------------------------
def test_customer_list_columns_status_last_contact_and_search(owned, store):
    with store.write() as cur:  # the store behind ``owned``
        cur.execute("UPDATE customers SET won_at = '2025-02-01' WHERE customer_id = 'C3'")
        cur.execute("UPDATE customers SET lost_at = '2025-02-01' WHERE customer_id = 'C6'")
    scope = Scope(owned, Filters(start=D(2020, 1, 1), end=D(2025, 12, 31)))
    total, df = cl.customer_list(scope, distributions.created_in_range(scope))
    assert total == 6
    assert list(df.columns) == cl.COLUMNS
    assert list(df.customer_id) == ["C4", "C2", "C3", "C5", "C6", "C1"]  # newest first, then by id
    status = dict(zip(df.customer_id, df.status))
    assert status == {"C1": "open", "C2": "open", "C3": "won", "C4": "open", "C5": "pool", "C6": "lost"}
    last = dict(zip(df.customer_id, df.last_contact_at))
    assert str(last["C3"]) == "2025-01-02 00:00:00" and str(last["C2"]) == "2025-02-01 00:00:00"
    assert pd.isna(last["C4"]) and str(last["C5"]) == "2025-01-10 00:00:00"
    assert str(last["C1"]) == "2025-01-31 23:59:59"  # by E9, of another department
    manager = Scope(owned, Filters(start=D(2020, 1, 1), end=D(2025, 12, 31)), Viewer("E1", "manager", "D1"))
    assert manager.contact_summary() is None  # does not see every follow-up: the last ones come from follow-ups
    theirs = cl.customer_list(manager, distributions.created_in_range(manager))[1].set_index("customer_id")
    assert str(theirs.last_contact_at["C3"]) == "2025-01-02 00:00:00" and pd.isna(theirs.last_contact_at["C1"])
    assert list(listed(owned, Filters(start=D(2020, 1, 1)), "categories", {"category": "(none)"},
                       search="N-C3").customer_id) == ["C3"]
    two = cl.customer_list(scope, distributions.created_in_range(scope), limit=2)
    assert two[0] == 6 and len(two[1]) == 2


def test_customer_list_category_tag_field_drilldowns_match_counts(dist):
    assert set(listed(dist, JAN, "categories", {"category": "A"}).customer_id) == {"C1", "C2"}
    assert set(listed(dist, JAN, "categories", {"category": "(none)"}).customer_id) == {"C4", "C5"}
    assert set(listed(dist, JAN, "tags", {"tag": "x"}).customer_id) == {"C1"}
    assert set(listed(dist, JAN, "tags", {"tag": "(none)"}).customer_id) == {"C3", "C4", "C5"}
    assert set(listed(dist, JAN, "custom-field", {"value": "(none)"}, field="级别").customer_id) == {"C2", "C4", "C5"}
    with pytest.raises(UserError):
        listed(dist, JAN, "colours", {"colour": "red"})
