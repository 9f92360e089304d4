"""Are we keeping them: lifecycle stages, churn rate, CLV, NPS and retention by cohort (DESIGN.md).

Customers are those in scope (by owner); their purchases are as crm_core.metrics.sales defines them (won
deals by anyone the viewer sees, or won_at alone at 0). CLV's revenue and won deals are the won deals in
scope (by deal owner), with or without a customer. Days are calendar days.
"""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd

from ..filters import day_start, in_range, on_or_before
from ..periods import next_period, periods_between
from ..reports import report
from .common import bucket_range
from .sales import purchases, won_deals

STAGES = ("prospect", "new", "repeat", "one-time", "lapsed", "lost")


def _end(scope) -> dt.date | None:
    rng = scope.date_range([("customers", "created_at")])
    return rng[1] if rng else None


def _bought(scope, end: dt.date):
    """Per customer in scope, their purchases as of ``end``: first, last (days) and how many."""
    p = purchases(scope)
    p = p.filter(on_or_before(p.at, end), p.customer_id.isin(scope.customers.customer_id))
    return p.group_by("customer_id").aggregate(first=p.at.min().date(), last=p.at.max().date(), bought=p.count())


def lifecycle_rows(scope, end: dt.date):
    """Customers in scope created on or before ``end`` with their lifecycle stage as of it."""
    c = scope.customers
    c = c.filter(on_or_before(c.created_at, end))
    b = _bought(scope, end)
    j = c.left_join(b, c.customer_id == b.customer_id)
    e = ibis.date(end)
    stage = ibis.cases(
        (j.lost_at.notnull() & (on_or_before(j.lost_at, end)), "lost"),
        (j.bought.isnull(), "prospect"),
        (e.delta(j["last"], unit="day") > 365, "lapsed"),
        (e.delta(j["first"], unit="day") <= 90, "new"),
        (j.bought >= 2, "repeat"),
        else_="one-time")
    return j.select(*c.columns, stage=stage)


def _lifecycle_drill(scope, row: dict, column: str | None = None):
    end = _end(scope) or dt.date(1900, 1, 1)
    rows = lifecycle_rows(scope, end)
    return rows.filter(rows.stage == row["stage"]).drop("stage")


@report("lifecycle", columns=["stage", "customers"], drill=_lifecycle_drill)
def lifecycle(scope) -> pd.DataFrame:
    """Customers created on or before the range's end E per lifecycle stage as of E, by the first rule that
    matches: lost (lost_at by E), prospect (no purchase), lapsed (last purchase over 365 days before E), new
    (first purchase within 90 days), repeat (2+ purchases), one-time. All six stages. Columns: stage, customers."""
    end = _end(scope)
    counts = {}
    if end is not None:
        rows = lifecycle_rows(scope, end)
        got = scope.run(rows.group_by("stage").aggregate(customers=rows.count()))
        counts = dict(zip(got.stage, got.customers))
    return pd.DataFrame({"stage": list(STAGES), "customers": [int(counts.get(s, 0)) for s in STAGES]})


def _period_firsts(scope, start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date, dt.date]]:
    """(period, its first day inside the range, its last day inside the range) for every period."""
    out = []
    for p in periods_between(start, end, scope.filters.period):
        last = next_period(p, scope.filters.period) - dt.timedelta(days=1)
        out.append((p, max(p, start), min(last, end)))
    return out


def _churn_counts(scope, parts) -> pd.DataFrame:
    """churned and active_at_start for each (key, first, last) part, in one statement."""
    c = scope.customers
    measures = {}
    for i, (_, first, last) in enumerate(parts):
        measures[f"churned_{i}"] = (c.lost_at.notnull() & in_range(c.lost_at, first, last)).cast("int64").sum()
        measures[f"active_{i}"] = ((c.created_at < day_start(first)) & (c.lost_at.isnull() | (c.lost_at >= day_start(first)))
                                   ).cast("int64").sum()
    row = scope.run(c.aggregate(**measures)).iloc[0]
    value = lambda k: int(0 if pd.isna(row[k]) else row[k])
    return pd.DataFrame({"period": [p for p, _, _ in parts],
                         "churned": [value(f"churned_{i}") for i in range(len(parts))],
                         "active_at_start": [value(f"active_{i}") for i in range(len(parts))]})


def _churn_drill(scope, row: dict, column: str | None = None):
    """The customers churned in the row's period (column active_at_start: those active at its start)."""
    first, last = bucket_range(scope, row["period"])
    c = scope.customers
    if column == "active_at_start":
        return c.filter(c.created_at < day_start(first), c.lost_at.isnull() | (c.lost_at >= day_start(first)))
    return c.filter(c.lost_at.notnull(), in_range(c.lost_at, first, last))


@report("churn-rate", columns=["period", "churned", "active_at_start", "churn_rate"], drill=_churn_drill)
def churn_rate(scope) -> pd.DataFrame:
    """Per period: customers churned in it (lost_at in the part of the period inside the range), those active
    at its start (created before its first day inside the range, not lost before it) and churn_rate = churned /
    active_at_start (empty when none were active). Columns: period, churned, active_at_start, churn_rate."""
    rng = scope.date_range([("customers", "lost_at")])
    if rng is None:
        return pd.DataFrame({"period": [], "churned": pd.Series(dtype="int64"),
                             "active_at_start": pd.Series(dtype="int64"), "churn_rate": pd.Series(dtype="float64")})
    out = _churn_counts(scope, _period_firsts(scope, *rng))
    out["churn_rate"] = (out.churned / out.active_at_start).where(out.active_at_start > 0).astype("float64")
    return out


MAX_LIFETIME_YEARS = 10.0


@report("clv", columns=["average_order_value", "purchase_frequency", "churn_rate", "clv"])
def clv(scope) -> pd.DataFrame:
    """Customer lifetime value over the range: average order value (revenue / won deals) x purchase frequency
    per year (won deals / customers with a won deal / years in the range, days / 365.25) x expected lifetime
    (1 / the yearly churn rate, at most 10 years); the yearly churn rate is churned in the range / active at its
    start, scaled by 365.25 / days. Empty where a denominator is 0. Columns: average_order_value,
    purchase_frequency, churn_rate (yearly), clv."""
    cols = ["average_order_value", "purchase_frequency", "churn_rate", "clv"]
    rng = scope.date_range([("deals", "closed_at")])
    if rng is None:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    start, end = rng
    days = (end - start).days + 1
    d = won_deals(scope, start, end)
    money = scope.run(d.aggregate(revenue=ibis.coalesce(d.amount, 0.0).sum(), deals=d.count(),
                                  buyers=d.customer_id.nunique())).iloc[0]
    churn = _churn_counts(scope, [(start, start, end)]).iloc[0]
    nan = float("nan")
    deals, buyers = int(money.deals or 0), int(money.buyers or 0)
    revenue = float(0 if pd.isna(money.revenue) else money.revenue)
    aov = revenue / deals if deals else nan
    frequency = deals / buyers / (days / 365.25) if buyers else nan
    yearly = (churn.churned / churn.active_at_start) * 365.25 / days if churn.active_at_start else nan
    lifetime = nan if pd.isna(yearly) else (MAX_LIFETIME_YEARS if yearly == 0 else min(1 / yearly, MAX_LIFETIME_YEARS))
    return pd.DataFrame([[aov, frequency, yearly, aov * frequency * lifetime]], columns=cols).astype("float64")


@report("nps", columns=["promoters", "passives", "detractors", "responses", "nps"])
def nps(scope) -> pd.DataFrame:
    """Net promoter score over the surveys answered in the range: % promoters (9-10) - % detractors (0-6),
    from -100 to 100 (empty without responses). Columns: promoters, passives, detractors, responses, nps."""
    s = scope.surveys
    rng = scope.date_range([("surveys", "responded_at")])
    s = s.filter(in_range(s.responded_at, *rng)) if rng else s.filter(ibis.literal(False))
    row = scope.run(s.aggregate(promoters=(s.score >= 9).cast("int64").sum(),
                                passives=((s.score >= 7) & (s.score <= 8)).cast("int64").sum(),
                                detractors=(s.score <= 6).cast("int64").sum(), responses=s.count())).iloc[0]
    counts = {k: int(0 if pd.isna(row[k]) else row[k]) for k in ("promoters", "passives", "detractors", "responses")}
    score = (counts["promoters"] - counts["detractors"]) * 100 / counts["responses"] if counts["responses"] else float("nan")
    return pd.DataFrame([{**counts, "nps": float(score)}])


def _months(first: dt.date, later: dt.date) -> int:
    return (later.year - first.year) * 12 + later.month - first.month


@report("retention", columns=["cohort", "months_since", "customers", "share"])
def retention(scope) -> pd.DataFrame:
    """Customers grouped by the month of their first purchase ever, that purchase inside the range;
    per month since (0 up to the range's end), how many bought in that month and their share of the cohort
    (month 0 is 1.0). Columns: cohort, months_since, customers, share."""
    cols = ["cohort", "months_since", "customers", "share"]
    rng = scope.date_range([("deals", "closed_at"), ("customers", "won_at")])
    if rng is None:
        return pd.DataFrame(columns=cols)
    start, end = rng
    p = purchases(scope)
    p = p.filter(p.customer_id.isin(scope.customers.customer_id))
    first = p.group_by("customer_id").aggregate(first_at=p.at.min())
    # A cohort month cut by the range's start counts only the customers whose first purchase is inside it.
    first = first.filter(in_range(first.first_at, start, end))
    first = first.select("customer_id", cohort=first.first_at.truncate("M").cast("date"))
    last_month = end.replace(day=1)
    j = p.inner_join(first, p.customer_id == first.customer_id)
    j = j.filter(on_or_before(j.at, end))
    active = j.select("cohort", month=j.at.truncate("M").cast("date"), customer_id=j.customer_id).distinct()
    got = scope.run(active.group_by("cohort", "month").aggregate(customers=active.count()))
    if got.empty:
        return pd.DataFrame({"cohort": [], "months_since": pd.Series(dtype="int64"),
                             "customers": pd.Series(dtype="int64"), "share": pd.Series(dtype="float64")})
    got["cohort"] = pd.to_datetime(got.cohort).dt.date
    got["month"] = pd.to_datetime(got.month).dt.date
    sizes = got[got.cohort == got.month].set_index("cohort").customers
    counts = {(c, _months(c, m)): n for c, m, n in got[["cohort", "month", "customers"]].itertuples(index=False)}
    rows = [(c, k, int(counts.get((c, k), 0)), counts.get((c, k), 0) / sizes[c])
            for c in sorted(sizes.index) for k in range(_months(c, last_month) + 1)]
    return pd.DataFrame(rows, columns=cols).astype({"months_since": "int64", "customers": "int64", "share": "float64"})
