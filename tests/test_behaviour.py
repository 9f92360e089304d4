"""The customer-behaviour reports (contact-frequency, repurchase, behaviour-clusters, churn-profile,
churn-rhythm) against their definitions written independently in plain pandas on the tables read directly
(not through crm_core.metrics): on the demo company for several filter sets, one with a department, and on
small hand-counted databases for the edges.

Readings (each repeated where it is used):

- scope: customers by owner, follow-ups by who made them (a department includes its sub-departments; with a
  people filter unowned records drop). "Their" follow-ups and surveys (clusters, churn-rhythm) are those of
  anyone (the admin sees all). Purchases: won deals with a customer and closed_at, by closed_at; won_at at 0
  for a customer with won_at and no won deal at all. "As of E": on or before the day E (E = the range's end).
- contact-frequency: follow-ups in scope in [start, end], per bucket of contacted_at and channel (trimmed;
  empty or missing -> "(none)"); every channel seen on every period, 0 where none, "(none)" last.
- clusters: recency_days = E - the day of the last purchase; contact_every_days = 365 / max(follow-ups on the
  days E-364 .. E, 1); the fit on every k-th buyer by customer_id, the 1st, the k+1-th, ... (k = ceil(buyers /
  20,000)), of log1p of the features, standardised by the sample's mean and population standard deviation.
- churned: lost_at in [start, end]; stayed: created on or before E and lost_at empty or after E. Rhythm window:
  the 90 days ending on the reference day (lost_at's day, or E), both included.
"""

from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction

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
NONE = "(none)"
FILTER_SETS = {
    "year": Filters(start=D(2025, 12, 1), end=D(2026, 11, 23), period="month"),
    "partial": Filters(start=D(2026, 4, 15), end=D(2026, 9, 10), period="week"),
    "dept": Filters(start=D(2025, 1, 1), end=D(2026, 6, 30), period="quarter", departments=("D110",)),
}
COLUMNS = {
    "contact-frequency": ["period", "channel", "follow_ups", "customers", "contacts_per_customer"],
    "repurchase": ["buyers", "repeat_buyers", "repurchase_rate"],
    "behaviour-clusters": ["cluster", "customers", "recency_days", "purchases", "revenue", "contact_every_days",
                           "description"],
    "churn-profile": ["aspect", "value", "churned", "stayed", "churned_share", "stayed_share"],
    "churn-rhythm": ["group", "customers", "follow_ups", "contact_every_days", "responses", "nps"],
}
FEATURES = ["recency_days", "purchases", "revenue", "contact_every_days"]
VOCABULARY = {"recent", "lapsing", "rare", "frequent", "low_value", "high_value", "contacted_often",
              "contacted_seldom", "typical"}
ASPECTS = {"industry": "industry", "source": "source", "owner": "owner_id", "size": "size"}


def run(backend, name: str, f: Filters) -> pd.DataFrame:
    return get(name).run(Scope(backend, f))


def drilled(backend, name: str, f: Filters, row: dict, column: str | None = None) -> pd.DataFrame:
    return Scope.run(get(name).drill_down(Scope(backend, f), row, column))


def check(df: pd.DataFrame, name: str, expected: list[tuple]) -> None:
    same_rows(df, COLUMNS[name], expected, name, abs_tol=1e-9)


# -- the definitions in pandas -----------------------------------------------------------------------
def scoped(t, f: Filters, table: str, col: str) -> pd.DataFrame:
    who = people(t, f)
    df = t[table]
    return df if who is None else df[df[col].isin(who)]


def bucket_of(day: pd.Timestamp, starts: list[dt.date]) -> dt.date:
    return max(p for p in starts if p <= day.date())


def text(v) -> str:
    """A value as the reports show it: trimmed, "(none)" when empty or missing."""
    return NONE if v is None or (not isinstance(v, str) and pd.isna(v)) or not str(v).strip() else str(v).strip()


def expected_contact_frequency(t, f: Filters) -> list[tuple]:
    fu = scoped(t, f, "follow_ups", "employee_id")
    fu = fu[(fu.contacted_at >= ts(f.start)) & (fu.contacted_at < after(f.end))]
    starts = periods(f.start, f.end, f.period)
    fu = fu.assign(period=fu.contacted_at.map(lambda v: bucket_of(v, starts)), channel=fu.channel.map(text))
    g = fu.groupby(["period", "channel"]).agg(n=("follow_up_id", "size"), c=("customer_id", "nunique"))
    channels = sorted(set(fu.channel), key=lambda v: (v == NONE, v)) or [None]
    rows = []
    for p in starts:
        for ch in channels:
            n, c = (int(g.loc[(p, ch)].n), int(g.loc[(p, ch)].c)) if (p, ch) in g.index else (0, 0)
            rows.append((p, ch, n, c, n / c if c else None))
    return rows


def buyer_purchases(t, f: Filters) -> pd.DataFrame:
    """The purchases as of E of the customers in scope."""
    p = purchases(t)
    p = p[p.when < after(f.end)]
    return p[p.customer_id.isin(set(scoped(t, f, "customers", "owner_id").customer_id))]


def expected_repurchase(t, f: Filters) -> list[tuple]:
    n = buyer_purchases(t, f).groupby("customer_id").size()
    buyers, repeat = len(n), int((n >= 2).sum())
    return [(buyers, repeat, repeat / buyers if buyers else None)]


def expected_features(t, f: Filters) -> pd.DataFrame:
    """Per buyer as of E (customer_id as index): the four features."""
    E = f.end
    p = buyer_purchases(t, f)
    g = p.groupby("customer_id")
    out = pd.DataFrame({"last": g.when.max(), "purchases": g.size(), "revenue": g.amount.sum()})
    out["recency_days"] = (ts(E) - out["last"].dt.normalize()).dt.days
    fu = t["follow_ups"]
    fu = fu[(fu.contacted_at >= ts(E - dt.timedelta(days=364))) & (fu.contacted_at < after(E))]
    n = fu.groupby("customer_id").size().reindex(out.index, fill_value=0)
    out["contact_every_days"] = 365 / np.maximum(n, 1)
    return out[FEATURES].astype("float64").sort_index()


def replicated_sizes(feats: pd.DataFrame, sample_size: int = 20_000) -> list[int]:
    """The clustering written again from its definition: the cluster sizes, by mean revenue (highest first)."""
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    x = np.log1p(feats.to_numpy())
    k = math.ceil(len(x) / sample_size)
    sample = x[::k]  # every k-th customer by customer_id: the 1st, the k+1-th, ...
    mean, scale = sample.mean(axis=0), sample.std(axis=0)
    scale[scale == 0] = 1
    z = (sample - mean) / scale
    with threadpool_limits(1):
        km = KMeans(n_clusters=min(4, len(np.unique(z, axis=0))), random_state=0, n_init=10).fit(z)
    label = (((((x - mean) / scale)[:, None, :] - km.cluster_centers_[None]) ** 2).sum(axis=2)).argmin(axis=1)
    df = pd.DataFrame({"label": label, "revenue": feats.revenue.to_numpy()}).groupby("label").revenue.agg(["size", "mean"])
    return df.sort_values("mean", ascending=False)["size"].tolist()


def churn_sets(t, f: Filters) -> pd.DataFrame:
    """The customers in scope that churned or stayed, with group and ref (the reference day)."""
    c = scoped(t, f, "customers", "owner_id")
    churned = c.lost_at.notna() & (c.lost_at >= ts(f.start)) & (c.lost_at < after(f.end))
    stayed = (c.created_at < after(f.end)) & (c.lost_at.isna() | (c.lost_at >= after(f.end)))
    c = c.assign(group=np.where(churned, "churned", np.where(stayed, "stayed", "")))
    c = c[c.group != ""]
    return c.assign(ref=np.where(c.group == "churned", c.lost_at.dt.normalize(), ts(f.end)))


def expected_churn_profile(t, f: Filters) -> list[tuple]:
    c = churn_sets(t, f)
    rows = []
    for aspect, col in ASPECTS.items():
        values = c[col].map(text)
        counts = pd.crosstab(values, c.group).reindex(columns=["churned", "stayed"], fill_value=0)
        totals = counts.sum()
        part = []
        for value, (churned, stayed) in counts.iterrows():
            cs = churned / totals.churned if totals.churned else None
            ss = stayed / totals.stayed if totals.stayed else None
            part.append((aspect, value, int(churned), int(stayed), cs, ss))
        part.sort(key=lambda r: (-abs(Fraction(r[2], totals.churned or 1) - Fraction(r[3], totals.stayed or 1)), r[1]))
        rows += part
    return rows


def expected_churn_rhythm(t, f: Filters) -> list[tuple]:
    c = churn_sets(t, f)
    rows = []
    for group in ("churned", "stayed"):
        mine = c[c.group == group][["customer_id", "ref"]]

        def in_window(df, col):
            j = df.merge(mine, on="customer_id")
            return j[(j[col] >= j.ref - pd.Timedelta(days=89)) & (j[col] < j.ref + pd.Timedelta(days=1))]
        fu, sv = in_window(t["follow_ups"], "contacted_at"), in_window(t["surveys"], "responded_at")
        n, fus, resp = len(mine), len(fu), len(sv)
        nps = 100 * (int((sv.score >= 9).sum()) - int((sv.score <= 6).sum())) / resp if resp else None
        rows.append((group, n, fus, 90 * n / fus if fus else None, resp, nps))
    return rows


# -- the demo company ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tables(demo_store):
    return load(demo_store.cursor())


@pytest.mark.parametrize("name", FILTER_SETS)
def test_contact_frequency_vs_pandas(demo_store, tables, name):
    f = FILTER_SETS[name]
    expected = expected_contact_frequency(tables, f)
    assert sum(r[2] for r in expected) > 50 and len({r[1] for r in expected}) >= 3
    df = run(demo_store.backend(), "contact-frequency", f)
    check(df, "contact-frequency", expected)
    fu = scoped(tables, f, "follow_ups", "employee_id")
    starts = periods(f.start, f.end, f.period) + [None]
    for row in df[df.follow_ups > 0].head(3).to_dict("records"):  # the drill: customers of that period and channel
        p = row["period"]
        following = starts[starts.index(p) + 1]
        first, last = max(p, f.start), f.end if following is None else min(following - dt.timedelta(days=1), f.end)
        mine = fu[(fu.contacted_at >= ts(first)) & (fu.contacted_at < after(last)) & (fu.channel.map(text) == row["channel"])]
        got = drilled(demo_store.backend(), "contact-frequency", f, row)
        assert sorted(got.customer_id) == sorted(set(mine.customer_id)) and len(got) == row["customers"]


@pytest.mark.parametrize("name", FILTER_SETS)
def test_repurchase_vs_pandas(demo_store, tables, name):
    f = FILTER_SETS[name]
    expected = expected_repurchase(tables, f)
    assert expected[0][1] > 5
    df = run(demo_store.backend(), "repurchase", f)
    check(df, "repurchase", expected)
    n = buyer_purchases(tables, f).groupby("customer_id").size()
    row = df.iloc[0].to_dict()
    assert sorted(drilled(demo_store.backend(), "repurchase", f, row).customer_id) == sorted(n.index)
    assert sorted(drilled(demo_store.backend(), "repurchase", f, row, "repeat_buyers").customer_id) == \
        sorted(n[n >= 2].index)


@pytest.mark.parametrize("name", FILTER_SETS)
def test_behaviour_clusters_vs_pandas(demo_store, tables, name):
    """Four clusters numbered by mean revenue; deterministic; sizes add up to the buyers; each cluster's means
    are the pandas means of the features of the customers its drill-down lists; and the clustering written
    again from its definition (numpy, sklearn) gives the same sizes."""
    f = FILTER_SETS[name]
    b = demo_store.backend()
    feats = expected_features(tables, f)
    df = run(b, "behaviour-clusters", f)
    pd.testing.assert_frame_equal(df, run(b, "behaviour-clusters", f), check_exact=True)
    assert list(df.columns) == COLUMNS["behaviour-clusters"]
    assert df.cluster.tolist() == [1, 2, 3, 4] and df.revenue.is_monotonic_decreasing
    assert df.customers.sum() == len(feats) and (df.customers > 0).all()
    seen = set()
    for row in df.to_dict("records"):
        ids = drilled(b, "behaviour-clusters", f, row).customer_id.tolist()
        assert len(ids) == row["customers"] and not seen & set(ids)
        seen |= set(ids)
        want = feats.loc[ids].mean()
        for name_ in FEATURES:
            assert row[name_] == pytest.approx(want[name_], rel=1e-9), (row["cluster"], name_)
        words = row["description"].split(" ")
        assert 1 <= len(words) <= 3 and set(words) <= VOCABULARY and "typical" not in words
    assert seen == set(feats.index)
    assert df.customers.tolist() == replicated_sizes(feats)


def test_behaviour_clusters_fit_on_a_sample(demo_store, tables, monkeypatch):
    """With a sample of at most 150 buyers (k = 5 on the demo's), the fit still follows the definition and every
    buyer is placed."""
    from crm_core.metrics import behaviour

    monkeypatch.setattr(behaviour, "SAMPLE_SIZE", 150)
    f = FILTER_SETS["year"]
    feats = expected_features(tables, f)
    assert math.ceil(len(feats) / 150) >= 4
    df = run(demo_store.backend(), "behaviour-clusters", f)
    assert df.customers.sum() == len(feats)
    assert df.customers.tolist() == replicated_sizes(feats, 150)


@pytest.mark.parametrize("name", FILTER_SETS)
def test_churn_profile_vs_pandas(demo_store, tables, name):
    f = FILTER_SETS[name]
    expected = expected_churn_profile(tables, f)
    assert sum(r[2] for r in expected if r[0] == "industry") > 5
    df = run(demo_store.backend(), "churn-profile", f)
    check(df, "churn-profile", expected)
    c = churn_sets(tables, f)
    for row in df.head(2).to_dict("records") + df[df.aspect == "owner"].head(1).to_dict("records"):
        has = c[c[ASPECTS[row["aspect"]]].map(text) == row["value"]]
        for column, group in (("churned", "churned"), ("stayed", "stayed"), (None, "stayed")):
            got = drilled(demo_store.backend(), "churn-profile", f, row, column)
            assert sorted(got.customer_id) == sorted(has[has.group == group].customer_id)


@pytest.mark.parametrize("name", FILTER_SETS)
def test_churn_rhythm_vs_pandas(demo_store, tables, name):
    f = FILTER_SETS[name]
    expected = expected_churn_rhythm(tables, f)
    assert all(r[1] > 5 and r[2] > 5 for r in expected)
    df = run(demo_store.backend(), "churn-rhythm", f)
    check(df, "churn-rhythm", expected)
    c = churn_sets(tables, f)
    for row in df.to_dict("records"):
        got = drilled(demo_store.backend(), "churn-rhythm", f, row)
        assert sorted(got.customer_id) == sorted(c[c.group == row["group"]].customer_id)


def test_top_differences_are_the_churned_over_represented(demo_store):
    from crm_core.metrics.behaviour import top_differences

    profile = run(demo_store.backend(), "churn-profile", FILTER_SETS["year"])
    top = top_differences(profile, 3)
    gaps = (profile.churned_share - profile.stayed_share)
    assert len(top) == 3 and top.gap.tolist() == sorted(gaps[gaps > 0], reverse=True)[:3]


# -- small hand-counted databases ------------------------------------------------------------------
def insert(cur, table: str, rows: list[dict]) -> None:
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
OLD = T(2020, 1, 1)
Y2025 = dict(start=D(2025, 1, 1), end=D(2025, 12, 31))


def fill(store, **tables):
    with store.write() as cur:
        for name, rows in {**ORG, **tables}.items():
            insert(cur, name, rows)
    return store.backend()


def customer(cid, owner=None, created=OLD, won_at=None, lost_at=None, **more):
    return {"customer_id": cid, "name": cid, "owner_id": owner, "created_at": created, "won_at": won_at,
            "lost_at": lost_at, **more}


def follow_up(fid, cid, emp, at, channel="phone"):
    return {"follow_up_id": fid, "customer_id": cid, "employee_id": emp, "contacted_at": at, "channel": channel}


def won(did, cid, owner, closed, amount=10.0):
    return {"deal_id": did, "customer_id": cid, "owner_id": owner, "status": "won", "amount": amount,
            "closed_at": closed, "created_at": T(2022, 6, 1), "product": "P", "stage": "won"}


def survey(sid, cid, at, score):
    return {"survey_id": sid, "customer_id": cid, "responded_at": at, "score": score}


def test_contact_frequency_by_hand(store):
    """Periods cut by the range's edges count their part inside; a blank or missing channel is "(none)";
    every channel seen appears on every period; one customer contacted twice counts once."""
    b = fill(store, customers=[customer("x", "A"), customer("y", "A"), customer("z", "A")], follow_ups=[
        follow_up("f1", "x", "A", T(2025, 1, 14, 23, 59)),  # before the range
        follow_up("f2", "x", "A", T(2025, 1, 15)),
        follow_up("f3", "x", "B", T(2025, 1, 20)),
        follow_up("f4", "y", "A", T(2025, 1, 31), channel="  "),
        follow_up("f5", "y", "C", T(2025, 2, 10), channel=None),
        follow_up("f6", "z", "A", T(2025, 3, 10, 23), channel="wechat"),
        follow_up("f7", "z", "A", T(2025, 3, 11), channel="wechat"),  # after the range
    ])
    f = Filters(start=D(2025, 1, 15), end=D(2025, 3, 10))
    jan, feb, mar = D(2025, 1, 1), D(2025, 2, 1), D(2025, 3, 1)
    check(run(b, "contact-frequency", f), "contact-frequency", [
        (jan, "phone", 2, 1, 2.0), (jan, "wechat", 0, 0, None), (jan, NONE, 1, 1, 1.0),
        (feb, "phone", 0, 0, None), (feb, "wechat", 0, 0, None), (feb, NONE, 1, 1, 1.0),
        (mar, "phone", 0, 0, None), (mar, "wechat", 1, 1, 1.0), (mar, NONE, 0, 0, None)])
    d1 = Filters(start=D(2025, 1, 15), end=D(2025, 3, 10), departments=("D1",))  # A and B: not C's f5
    assert run(b, "contact-frequency", d1).follow_ups.tolist() == [2, 0, 1, 0, 0, 0, 0, 1, 0]
    assert drilled(b, "contact-frequency", f, {"period": feb, "channel": NONE}).customer_id.tolist() == ["y"]
    assert drilled(b, "contact-frequency", d1, {"period": feb, "channel": NONE}).empty
    empty = Filters(start=D(2024, 1, 1), end=D(2024, 2, 10))  # no follow-up: every period, no channel
    check(run(b, "contact-frequency", empty), "contact-frequency",
          [(jan.replace(year=2024), None, 0, 0, None), (feb.replace(year=2024), None, 0, 0, None)])


BUYERS = dict(customers=[
    customer("b1", "A"),  # two won deals on one day: repeat; 150
    customer("b2", "B", won_at=T(2025, 12, 31, 18)),  # won_at on E, no deal: one purchase of 0, no follow-up
    customer("b3", "C"),  # one purchase as of E (another after E)
    customer("b5", "C"),  # the same as b3
    customer("n1", "A"),  # no purchase
    customer("u1", None, won_at=T(2026, 2, 1)),  # its purchase after E
], deals=[
    won("d1", "b1", "A", T(2025, 6, 1, 9), 100.0), won("d2", "b1", "C", T(2025, 6, 1, 17), 50.0),
    won("d3", "b3", "C", T(2024, 1, 1), 10.0), won("d4", "b3", "C", T(2026, 1, 2), 99.0),
    won("d5", "b5", "C", T(2024, 1, 1), 10.0),
], follow_ups=[
    follow_up("g1", "b1", "C", T(2025, 1, 1)),  # E-364: counts (by C, outside D1: by anyone)
    follow_up("g2", "b1", "A", T(2024, 12, 31, 23, 59)),  # E-365: does not
    follow_up("g3", "b1", "A", T(2025, 12, 31, 23, 59)),  # E: counts
    follow_up("g4", "b1", "A", T(2026, 1, 1)),  # after E
    follow_up("g5", "b3", "C", T(2025, 7, 1)), follow_up("g6", "b5", "C", T(2025, 7, 1)),
])


def test_repurchase_by_hand(store):
    b = fill(store, **BUYERS)
    check(run(b, "repurchase", Filters(**Y2025)), "repurchase", [(4, 1, 0.25)])
    check(run(b, "repurchase", Filters(**Y2025, departments=("D1",))), "repurchase", [(2, 1, 0.5)])
    check(run(b, "repurchase", Filters(start=D(2023, 1, 1), end=D(2023, 12, 31))), "repurchase", [(0, 0, None)])
    f = Filters(**Y2025)
    assert sorted(drilled(b, "repurchase", f, {}, "repeat_buyers").customer_id) == ["b1"]
    assert sorted(drilled(b, "repurchase", f, {}, "buyers").customer_id) == ["b1", "b2", "b3", "b5"]


def test_clusters_on_fewer_than_four_distinct_buyers(store):
    """Four buyers, two of them alike: three clusters by mean revenue; one customer without follow-ups gets
    365; a single distinct point (D3: b3 and b5) is one "typical" cluster; the features as counted by hand."""
    b = fill(store, **BUYERS)
    f = Filters(**Y2025)
    df = run(b, "behaviour-clusters", f)
    assert list(df.columns) == COLUMNS["behaviour-clusters"]
    recency_b1 = (D(2025, 12, 31) - D(2025, 6, 1)).days
    recency_b3 = (D(2025, 12, 31) - D(2024, 1, 1)).days
    expected = [(1, 1, recency_b1, 2.0, 150.0, 365 / 2), (2, 2, recency_b3, 1.0, 10.0, 365.0), (3, 1, 0.0, 1.0, 0.0, 365.0)]
    assert [tuple(r) for r in df[COLUMNS["behaviour-clusters"][:-1]].itertuples(index=False)] == expected
    assert all(set(d.split(" ")) <= VOCABULARY for d in df.description)
    assert sorted(drilled(b, "behaviour-clusters", f, {"cluster": 2}).customer_id) == ["b3", "b5"]
    assert drilled(b, "behaviour-clusters", f, {"cluster": 4}).empty
    one = run(b, "behaviour-clusters", Filters(**Y2025, departments=("D3",)))
    assert [tuple(r) for r in one.itertuples(index=False)] == [(1, 2, recency_b3, 1.0, 10.0, 365.0, "typical")]
    d1 = run(b, "behaviour-clusters", Filters(**Y2025, departments=("D1",)))  # b1's follow-up by C counts
    assert d1.contact_every_days.tolist() == [182.5, 365.0] and d1.customers.tolist() == [1, 1]
    none = run(b, "behaviour-clusters", Filters(start=D(2023, 1, 1), end=D(2023, 12, 31)))
    assert none.empty and list(none.columns) == COLUMNS["behaviour-clusters"]


def test_describe_words():
    from crm_core.metrics.behaviour import describe

    assert describe({"recency_days": -1.2, "purchases": 0.3, "revenue": 0.9, "contact_every_days": 0.6}) == \
        "recent high_value contacted_seldom"
    assert describe({"recency_days": 0.05, "purchases": -0.3, "revenue": 0.2, "contact_every_days": 0.4}) == \
        "contacted_seldom rare"  # the third (0.2) is under 0.5
    assert describe({"recency_days": 0.05, "purchases": 0.0, "revenue": 0.0, "contact_every_days": 0.0}) == "typical"


CHURN = dict(customers=[
    customer("c1", "A", industry="软件", source="展会", size="S", lost_at=T(2025, 12, 31, 20)),  # lost on E
    customer("c2", "B", industry="软件", source=None, size=" ", lost_at=T(2025, 3, 1, 10)),
    customer("c3", "A", industry="金融", source="展会", lost_at=T(2026, 1, 1)),  # lost after E: stayed
    customer("c4", None, industry=None),  # in the pool: owner "(none)"
    customer("c5", "C", created=T(2026, 1, 1)),  # created after E: neither
    customer("c6", "C", lost_at=T(2024, 12, 31, 23, 59)),  # lost before the range: neither
    customer("c7", "C", industry="金融", created=T(2025, 12, 31, 23)),  # created on E: stayed
], follow_ups=[
    follow_up("h1", "c1", "A", T(2025, 10, 3)),  # ref - 89 days: counts
    follow_up("h2", "c1", "A", T(2025, 10, 2, 23, 59)),  # ref - 90: does not
    follow_up("h3", "c1", "A", T(2025, 12, 31, 23, 59)),  # on ref: counts
    follow_up("h4", "c1", "A", T(2026, 1, 1)),
    follow_up("h5", "c2", "C", T(2025, 2, 1)),  # by C: by anyone
    follow_up("h6", "c3", "A", T(2025, 6, 1)),  # outside c3's window: the stayed have none
], surveys=[
    survey("s1", "c1", T(2025, 11, 1), 10), survey("s2", "c1", T(2025, 1, 1), 0),  # s2 outside the window
    survey("s3", "c2", T(2025, 2, 15), 3), survey("s4", "c3", T(2025, 12, 1), 8), survey("s5", "c7", T(2025, 12, 31), 9),
])


def test_churn_profile_by_hand(store):
    b = fill(store, **CHURN)
    third = 1 / 3
    check(run(b, "churn-profile", Filters(**Y2025)), "churn-profile", [
        ("industry", "软件", 2, 0, 1.0, 0.0), ("industry", "金融", 0, 2, 0.0, 2 * third),
        ("industry", NONE, 0, 1, 0.0, third),
        ("source", NONE, 1, 2, 0.5, 2 * third), ("source", "展会", 1, 1, 0.5, third),  # a tie: by value
        ("owner", "B", 1, 0, 0.5, 0.0), ("owner", NONE, 0, 1, 0.0, third), ("owner", "C", 0, 1, 0.0, third),
        ("owner", "A", 1, 1, 0.5, third),
        ("size", NONE, 1, 3, 0.5, 1.0), ("size", "S", 1, 0, 0.5, 0.0)])
    f = Filters(**Y2025)
    assert drilled(b, "churn-profile", f, {"aspect": "owner", "value": "B"}, "churned").customer_id.tolist() == ["c2"]
    assert sorted(drilled(b, "churn-profile", f, {"aspect": "size", "value": NONE}, "stayed").customer_id) == \
        ["c3", "c4", "c7"]
    d3 = run(b, "churn-profile", Filters(**Y2025, departments=("D3",)))  # C: c7 stayed, nobody churned
    assert d3.churned.sum() == 0 and d3.churned_share.isna().all() and d3.stayed_share.tolist() == [1.0] * 4


def test_churn_rhythm_by_hand(store):
    b = fill(store, **CHURN)
    f = Filters(**Y2025)
    check(run(b, "churn-rhythm", f), "churn-rhythm", [("churned", 2, 3, 60.0, 2, 0.0),
                                                      ("stayed", 3, 0, None, 2, 50.0)])
    assert sorted(drilled(b, "churn-rhythm", f, {"group": "stayed"}).customer_id) == ["c3", "c4", "c7"]
    check(run(b, "churn-rhythm", Filters(**Y2025, departments=("D3",))), "churn-rhythm",
          [("churned", 0, 0, None, 0, None), ("stayed", 1, 0, None, 1, 100.0)])


def test_every_behaviour_report_on_an_empty_database(store):
    b = store.backend()
    for f in (Filters(), Filters(**Y2025)):
        for name in ("behaviour-clusters", "churn-profile") + (("contact-frequency",) if f.start is None else ()):
            df = run(b, name, f)
            assert df.empty and list(df.columns) == COLUMNS[name], name
        check(run(b, "repurchase", f), "repurchase", [(0, 0, None)])
        check(run(b, "churn-rhythm", f), "churn-rhythm", [("churned", 0, 0, None, 0, None), ("stayed", 0, 0, None, 0, None)])
    months = run(b, "contact-frequency", Filters(**Y2025))  # a range: every period, no channel, 0
    assert len(months) == 12 and months.channel.isna().all() and months.follow_ups.sum() == 0
