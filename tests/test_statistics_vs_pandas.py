"""The statistics reports on the demo company against the same definitions written in plain pandas,
for several filter sets (whole span, department with sub-departments, employees, short range)."""

import datetime as dt

import pandas as pd
import pytest
from conftest import DEMO_END

from crm_core.scope import Scope
from crm_core import customer_list as cl
from crm_core.filters import Filters
from crm_core.reports import run_report

D = dt.date
FILTER_SETS = {
    "all": Filters(),
    "dept": Filters(start=D(2026, 1, 1), end=D(2026, 6, 30), departments=("D110",)),
    "employees": Filters(start=D(2025, 3, 1), end=D(2025, 9, 15), employees=("E0003", "E0007")),
    "weeks": Filters(start=D(2024, 12, 1), end=D(2025, 2, 28), period="week", departments=("D120", "D150")),
}


@pytest.fixture(scope="module")
def tables(demo_store):
    cur = demo_store.cursor()
    out = {name: cur.execute(f"SELECT * FROM {name}").df()
           for name in ("customers", "follow_ups", "employees", "departments", "customer_tags", "customer_fields",
                        "pool_events")}
    return out


def scope(t, f: Filters):
    """The employee ids the filters select, or None for everyone (unowned records too)."""
    if not (f.departments or f.employees):
        return None
    emp = t["employees"]
    if f.departments:
        deps, todo = set(), list(f.departments)
        while todo:
            d = todo.pop()
            deps.add(d)
            todo += t["departments"].loc[t["departments"].parent_id == d, "department_id"].tolist()
        emp = emp[emp.department_id.isin(deps)]
    if f.employees:
        emp = emp[emp.employee_id.isin(f.employees)]
    return set(emp.employee_id)


def attributed(df, col, people):
    return df if people is None else df[df[col].isin(people)]


def between(s, start, end):
    return (s >= pd.Timestamp(start)) & (s < pd.Timestamp(end + dt.timedelta(days=1)))


def span(series, f):
    start = f.start or series.min().date()
    end = f.end or series.max().date()
    return start, end


def created(t, f):
    c = attributed(t["customers"], "owner_id", scope(t, f))
    start, end = span(t["customers"].created_at, f)
    return c[between(c.created_at, start, end)]


def clean(s):
    s = s.astype(object).where(s.notna(), None).map(lambda v: v.strip() if isinstance(v, str) else v)
    return s.map(lambda v: v if v else None)


def ranked(counts: pd.Series):
    """{value: customers} as sorted pairs: largest first, ties by name, "(none)" last."""
    items = sorted(((k, int(v)) for k, v in counts.items()), key=lambda kv: (kv[0] == "(none)", -kv[1], kv[0]))
    return items


def pairs(df):
    return [(a, int(b)) for a, b in df.itertuples(index=False)]


@pytest.mark.parametrize("name", FILTER_SETS)
def test_categories_tags_fields(demo_store, tables, name):
    f, b = FILTER_SETS[name], demo_store.backend()
    c = created(tables, f)
    assert len(c) > 20
    assert pairs(run_report("categories", Scope(b, f))) == ranked(clean(c.category).fillna("(none)").value_counts())
    tags = tables["customer_tags"].assign(tag=lambda d: clean(d.tag)).dropna().drop_duplicates()
    tagged = c[["customer_id"]].merge(tags, on="customer_id", how="left")
    expected = tagged.fillna({"tag": "(none)"}).drop_duplicates().tag.value_counts()
    assert pairs(run_report("tags", Scope(b, f))) == ranked(expected)
    fields = tables["customer_fields"]
    lvl = fields[fields.field == "客户级别"].assign(value=lambda d: clean(d.value)).dropna()[["customer_id", "value"]]
    valued = c[["customer_id"]].merge(lvl.drop_duplicates(), on="customer_id", how="left").fillna({"value": "(none)"})
    assert pairs(run_report("custom-field", Scope(b, f), field="客户级别")) == ranked(valued.value.value_counts())


@pytest.mark.parametrize("name", FILTER_SETS)
def test_regions(demo_store, tables, name):
    f = FILTER_SETS[name]
    c = created(tables, f)
    # The demo writes full province names (and US states / foreign cities), so no normalising is needed here.
    counts = clean(c.region).fillna("(none)").value_counts()
    expected = ranked(counts)
    top = [r for r, _ in expected if r != "(none)"][:5]
    df = run_report("regions", Scope(demo_store.backend(), f))
    assert list(df.columns) == ["region", "customers", "lat", "lon", "top5"]
    assert list(zip(df.region, df.customers)) == expected
    assert df.loc[df.top5, "region"].tolist() == top
    assert df.loc[df.region != "(none)", ["lat", "lon"]].notna().all().all()


@pytest.mark.parametrize("name", FILTER_SETS)
def test_customers_per_owner(demo_store, tables, name):
    f = FILTER_SETS[name]
    people = scope(tables, f)
    c = attributed(tables["customers"], "owner_id", people)
    c = c[c.owner_id.notna()]
    fu = tables["follow_ups"]
    start, end = span(fu.contacted_at, f)
    contacted = set(fu.loc[between(fu.contacted_at, start, end), "customer_id"])
    c = c.assign(contacted=c.customer_id.isin(contacted))
    per = c.groupby("owner_id").contacted.agg(contacted="sum", total="count")
    emps = sorted(people if people is not None else set(tables["employees"].employee_id) | set(per.index))
    expected = [(e, int(per.contacted.get(e, 0)), int(per.total.get(e, 0) - per.contacted.get(e, 0))) for e in emps]
    df = run_report("customers-per-owner", Scope(demo_store.backend(), f))
    assert list(df.columns) == ["employee_id", "contacted", "not_contacted"]
    assert list(map(tuple, df.itertuples(index=False))) == expected
    assert df.contacted.sum() > 0 and (name == "all" or df.not_contacted.sum() > 0)  # every demo customer has one


def pandas_last_contact(t, customers, as_of):
    fu = t["follow_ups"]
    fu = fu[fu.contacted_at < pd.Timestamp(as_of + dt.timedelta(days=1))]
    last = fu.groupby("customer_id").contacted_at.max().dt.normalize()
    assigned = customers.assigned_at.fillna(customers.created_at).dt.normalize()
    last_fu = customers.customer_id.map(last)
    return assigned, pd.concat([assigned, last_fu], axis=1).max(axis=1)


def pandas_open_owned(t, f, as_of, won_counts):
    c = attributed(t["customers"], "owner_id", scope(t, f))
    after = pd.Timestamp(as_of + dt.timedelta(days=1))
    keep = c.owner_id.notna() & (c.lost_at.isna() | (c.lost_at >= after)) & (c.assigned_at.fillna(c.created_at) < after)
    if not won_counts:
        keep &= c.won_at.isna() | (c.won_at >= after)
    return c[keep]


@pytest.mark.parametrize("name", ["all", "dept", "employees"])
@pytest.mark.parametrize("as_of,rule,window", [(DEMO_END, None, 1), (DEMO_END, 15, 7),
                                               (DEMO_END - dt.timedelta(days=100), None, 3)])
def test_pool_risk(demo_store, tables, name, as_of, rule, window):
    f = FILTER_SETS[name]
    c = pandas_open_owned(tables, f, as_of, won_counts=False)
    _, last = pandas_last_contact(tables, c, as_of)
    n = rule or 30
    reclaim = last + pd.Timedelta(days=n)
    d = pd.Timestamp(as_of)
    risk = c[(reclaim >= d + pd.Timedelta(days=1)) & (reclaim <= d + pd.Timedelta(days=window))]
    counts = risk.owner_id.value_counts()
    expected = sorted(((e, int(k)) for e, k in counts.items()), key=lambda x: (-x[1], x[0]))
    b = demo_store.backend()
    df = run_report("pool-risk", Scope(b, f), as_of=as_of, rule_days=rule, window_days=window)
    assert list(df.columns) == ["employee_id", "customers"]
    assert pairs(df) == expected
    listed = cl.drill_list("pool-risk", Scope(b, f), {}, as_of=as_of, rule_days=rule, window_days=window, limit=None)[1]
    assert set(listed.customer_id) == set(risk.customer_id)
    if name == "all":
        assert len(risk) > 0


@pytest.mark.parametrize("name", FILTER_SETS)
def test_pool_claims(demo_store, tables, name):
    f = FILTER_SETS[name]
    e = attributed(tables["pool_events"], "employee_id", scope(tables, f))
    start, end = span(tables["pool_events"]["at"], f)
    e = e[(e.action == "claimed") & between(e["at"], start, end)]
    if f.period == "week":
        bucket = (e["at"].dt.normalize() - pd.to_timedelta(e["at"].dt.day_of_week, unit="D")).dt.date
        first = start - dt.timedelta(days=start.weekday())
        periods = [first + dt.timedelta(weeks=i) for i in range((end - first).days // 7 + 1)]
    else:
        bucket = e["at"].dt.to_period("M").dt.start_time.dt.date
        periods = list(pd.period_range(start, end, freq="M").start_time.date)
    got = e.assign(period=bucket).groupby(["period", "employee_id", "pool"]).size()
    pairs_seen = sorted(set((emp, p) for _, emp, p in got.index))
    expected = [(per, emp, p, int(got.get((per, emp, p), 0))) for per in periods for emp, p in pairs_seen]
    df = run_report("pool-claims", Scope(demo_store.backend(), f))
    assert list(df.columns) == ["period", "employee_id", "pool", "claims"]
    assert list(map(tuple, df.itertuples(index=False))) == expected
    assert df.claims.sum() == len(e) > 0


@pytest.mark.parametrize("name", ["all", "dept"])
@pytest.mark.parametrize("as_of", [DEMO_END, DEMO_END - dt.timedelta(days=200)])
def test_followup_hygiene(demo_store, tables, name, as_of):
    f = FILTER_SETS[name]
    c = pandas_open_owned(tables, f, as_of, won_counts=True)
    _, last = pandas_last_contact(tables, c, as_of)
    age = (pd.Timestamp(as_of) - last).dt.days
    c = c.assign(b7=age.between(7, 14), b15=age.between(15, 29), b30=age >= 30,
                 overdue=c.next_contact_at < pd.Timestamp(as_of))
    g = c.groupby("owner_id").agg(customers=("customer_id", "count"), b7=("b7", "sum"), b15=("b15", "sum"),
                                  b30=("b30", "sum"), overdue=("overdue", "sum")).sort_index()
    expected = [(e, *map(int, row)) for e, row in zip(g.index, g.itertuples(index=False))]
    df = run_report("follow-up-hygiene", Scope(demo_store.backend(), f), as_of=as_of)
    assert list(map(tuple, df.itertuples(index=False))) == expected
    assert df.no_contact_30.sum() > 0 and df.no_contact_7.sum() > 0


@pytest.mark.parametrize("name", ["all", "dept"])
def test_drilldowns_hold_what_the_reports_count(demo_store, name):
    f, b = FILTER_SETS[name], demo_store.backend()
    count = lambda report, row, column=None, **opts: cl.drill_list(report, Scope(b, f), row, column, limit=1, **opts)[0]
    for report, opts in (("categories", {}), ("tags", {}), ("regions", {}), ("custom-field", {"field": "合作意向"})):
        df = run_report(report, Scope(b, f), **opts)
        key = df.columns[0]
        for value, n in df.iloc[:3, :2].itertuples(index=False):
            assert count(report, {key: value}, **opts) == n, (report, value)
    per = run_report("customers-per-owner", Scope(b, f)).iloc[0]
    assert count("customers-per-owner", {"employee_id": per.employee_id}, "contacted") == per.contacted
    assert count("customers-per-owner", {"employee_id": per.employee_id}, "not_contacted") == per.not_contacted
    hyg = run_report("follow-up-hygiene", Scope(b, f), as_of=DEMO_END).iloc[0]
    assert count("follow-up-hygiene", {"employee_id": hyg.employee_id}, "no_contact_7", as_of=DEMO_END) == hyg.no_contact_7
