"""Are we keeping them: lifecycle stages, churn rate, CLV, NPS and retention by cohort (DESIGN.md).

Customers are those in scope (by owner); their purchases are as crm_core.metrics.sales defines them (won
deals by anyone the viewer sees, or won_at alone at 0). CLV's revenue and won deals are the won deals in
scope (by deal owner), with or without a customer. Days are calendar days.
"""

from __future__ import annotations

import bisect
import datetime as dt

import ibis
import ibis.expr.types as ir
import pandas as pd

from ..filters import day_start, in_range, on_or_before
from ..periods import as_dates, bucket, next_period, periods_between
from ..reports import report
from .common import bucket_range, complete_series
from .sales import purchases, segment_dimension, segment_value, won_deals

STAGES = ("prospect", "new", "repeat", "one-time", "lapsed", "lost")


def _end(scope) -> dt.date | None:
    rng = scope.date_range([("customers", "created_at")])
    return rng[1] if rng else None


def _bought(scope, end: dt.date, before: dt.date | None = None):
    """Per customer in scope, their purchases as of ``end``: first, last (days) and how many (bought); with
    ``before``, the same as of that earlier day too (first0, last0, bought0: 0 when none by then)."""
    p = purchases(scope)
    p = scope.of_customers(p.filter(on_or_before(p.at, end)))
    earlier = {}
    if before is not None:
        by = on_or_before(p.at, before)
        earlier = dict(first0=p.at.min(where=by).date(), last0=p.at.max(where=by).date(), bought0=p.count(where=by))
    return p.group_by("customer_id").aggregate(first=p.at.min().date(), last=p.at.max().date(), bought=p.count(),
                                               **earlier)


def _stage(end: dt.date, lost_at, bought, first, last):
    """The lifecycle stage as of ``end``, by the first rule that matches (see lifecycle), from the customer's
    lost_at and their purchases by then: how many (bought; NULL or 0: none), the first and the last day."""
    e = ibis.date(end)
    return ibis.cases(
        (lost_at.notnull() & (on_or_before(lost_at, end)), "lost"),
        (bought.isnull() | (bought == 0), "prospect"),
        (e.delta(last, unit="day") > 365, "lapsed"),
        (e.delta(first, unit="day") <= 90, "new"),
        (bought >= 2, "repeat"),
        else_="one-time")


def lifecycle_rows(scope, end: dt.date):
    """Customers in scope created on or before ``end`` with their lifecycle stage as of it."""
    c = scope.customers
    c = c.filter(on_or_before(c.created_at, end))
    b = _bought(scope, end)
    j = c.left_join(b, c.customer_id == b.customer_id)
    return j.select(*c.columns, stage=_stage(end, j.lost_at, j.bought, j["first"], j["last"]))


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


def _movement_rows(scope):
    """Customers created by the range's end: their stage the day before the range (``none`` if not created
    yet) and at its end, or None without customers. One pass over the purchases for both days."""
    rng = scope.date_range([("customers", "created_at")])
    if rng is None:
        return None
    start, end = rng
    before = start - dt.timedelta(days=1)
    c = scope.customers
    c = c.filter(on_or_before(c.created_at, end))
    b = _bought(scope, end, before)
    j = c.left_join(b, c.customer_id == b.customer_id)
    was = ibis.cases((~on_or_before(j.created_at, before), "none"),
                     else_=_stage(before, j.lost_at, j.bought0, j.first0, j.last0))
    return j.select(*c.columns, stage=_stage(end, j.lost_at, j.bought, j["first"], j["last"]), from_stage=was)


def _movement_drill(scope, row: dict, column: str | None = None):
    rows = _movement_rows(scope)
    if rows is None:
        return scope.customers.filter(ibis.literal(False))
    rows = rows.filter(rows.from_stage == row["from_stage"], rows.stage == row["to_stage"])
    return rows.drop("stage", "from_stage")


TRANSITION_COLUMNS = ["from_stage", "to_stage", "customers"]


@report("lifecycle-transitions", cli=False, columns=TRANSITION_COLUMNS, drill=_movement_drill)
def lifecycle_transitions(scope) -> pd.DataFrame:
    """Customers created by the range's end per (stage the day before the range starts, ``none`` when not yet
    created; stage at its end), unchanged pairs too, by from_stage, then to_stage: lifecycle (``stage_counts``)
    and lifecycle-movement (``changed``) from one statement, as the Health page reads them.
    Columns: from_stage, to_stage, customers."""
    rows = _movement_rows(scope)
    if rows is None:
        return pd.DataFrame({"from_stage": [], "to_stage": [], "customers": pd.Series(dtype="int64")})
    got = scope.run(rows.group_by(from_stage=rows.from_stage, to_stage=rows.stage).aggregate(customers=rows.count()))
    got = got.astype({"customers": "int64"}).sort_values(["from_stage", "to_stage"], kind="stable")
    return got.reset_index(drop=True)[TRANSITION_COLUMNS]


def stage_counts(transitions: pd.DataFrame) -> pd.DataFrame:
    """lifecycle's rows from lifecycle-transitions: the customers per stage at the range's end, all six stages."""
    counts = transitions.groupby("to_stage")["customers"].sum()
    return pd.DataFrame({"stage": list(STAGES), "customers": [int(counts.get(s, 0)) for s in STAGES]})


def changed(transitions: pd.DataFrame) -> pd.DataFrame:
    """lifecycle-movement's rows from lifecycle-transitions: the pairs where the stage changed, most first."""
    moved = transitions[transitions.from_stage != transitions.to_stage]
    moved = moved.sort_values(["customers", "from_stage", "to_stage"], ascending=[False, True, True], kind="stable")
    return moved.reset_index(drop=True)[TRANSITION_COLUMNS]


@report("lifecycle-movement", cli=False, columns=TRANSITION_COLUMNS, drill=_movement_drill)
def lifecycle_movement(scope) -> pd.DataFrame:
    """How customers moved between lifecycle stages over the range: per (stage the day before the range starts,
    ``none`` when not yet created; stage at its end), the customers, for customers created by the end; the pairs
    where the stage changed, most first. Columns: from_stage, to_stage, customers."""
    return changed(lifecycle_transitions(scope))


def _period_firsts(scope, start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date, dt.date]]:
    """(period, its first day inside the range, its last day inside the range) for every period."""
    out = []
    for p in periods_between(start, end, scope.filters.period):
        last = next_period(p, scope.filters.period) - dt.timedelta(days=1)
        out.append((p, max(p, start), min(last, end)))
    return out


def _churn_counts(scope, parts) -> pd.DataFrame:
    """churned and active_at_start for each (key, first, last) part, in one statement: customers created,
    lost, and gone (created and lost) per day, summed over each part's days in Python. active_at_start on a
    day a = created before a - created and lost before a; churned = lost on a day of [first, last]. A single
    part counts both directly (created before a and not lost before a is the same set)."""
    if len(parts) == 1:  # one part (a range inside one period): the same two counts, in one pass
        (period, first, last), = parts
        got = scope.run(_churn_in(scope, first, last))
        return got.assign(period=[period])[["period", "churned", "active_at_start"]].astype(
            {"churned": "int64", "active_at_start": "int64"})
    c = scope.customers
    gone = c.filter(c.lost_at.notnull())
    days = ibis.union(c.select(kind=ibis.literal("created"), day=c.created_at.date()),
                      gone.select(kind=ibis.literal("lost"), day=gone.lost_at.date()),
                      gone.select(kind=ibis.literal("gone"), day=ibis.greatest(gone.created_at, gone.lost_at).date()),
                      distinct=False)
    got = scope.run(days.group_by("kind", "day").aggregate(n=days.count()).order_by("kind", "day"))
    per_kind: dict[str, tuple[list[dt.date], list[int]]] = {}
    for kind, day, n in zip(got["kind"].tolist(), as_dates(got["day"]), got["n"].tolist()):
        day_list, totals = per_kind.setdefault(kind, ([], [0]))
        day_list.append(day)
        totals.append(totals[-1] + int(n))

    def before(kind: str, day_list: list[dt.date]) -> list[int]:
        """How many of ``kind`` fell on a day before each day of ``day_list``."""
        days_sorted, totals = per_kind.get(kind, ([], [0]))
        return [totals[bisect.bisect_left(days_sorted, d)] for d in day_list]

    firsts, after_lasts = [a for _, a, _ in parts], [b + dt.timedelta(days=1) for _, _, b in parts]
    churned = [x - y for x, y in zip(before("lost", after_lasts), before("lost", firsts))]
    active = [x - y for x, y in zip(before("created", firsts), before("gone", firsts))]
    return pd.DataFrame({"period": [p for p, _, _ in parts], "churned": churned, "active_at_start": active}
                        ).astype({"churned": "int64", "active_at_start": "int64"})


def _churn_in(scope, first: dt.date, last: dt.date) -> ir.Table:
    """One row: churned (lost on a day of [first, last]) and active_at_start (created before ``first``, not lost
    before it), as _churn_counts counts them for one part."""
    c, start = scope.customers, day_start(first)
    return c.aggregate(
        churned=ibis.coalesce((c.lost_at.notnull() & in_range(c.lost_at, first, last)).sum(), 0),
        active_at_start=ibis.coalesce(((c.created_at < start) & (c.lost_at.isnull() | (c.lost_at >= start))).sum(), 0))


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


CLV_COLUMNS = ["average_order_value", "purchase_frequency", "churn_rate", "clv"]


def clv_parts(revenue: float, deals: int, buyers: int, churned: int, active: int, days: int) -> list[float]:
    """average_order_value, purchase_frequency (per year), churn_rate (yearly) and clv from the range's counts;
    NaN where a denominator is 0; the expected lifetime is 1 / the yearly churn rate, at most 10 years."""
    nan = float("nan")
    aov = revenue / deals if deals else nan
    frequency = deals / buyers / (days / 365.25) if buyers else nan
    yearly = (churned / active) * 365.25 / days if active else nan
    return [aov, frequency, yearly, aov * frequency * expected_lifetime(yearly)]


def expected_lifetime(yearly_churn: float) -> float:
    """Years a customer is expected to stay: 1 / the yearly churn rate, at most 10 (10 when nobody churns)."""
    if pd.isna(yearly_churn):
        return float("nan")
    return MAX_LIFETIME_YEARS if yearly_churn == 0 else min(1 / yearly_churn, MAX_LIFETIME_YEARS)


@report("clv", columns=CLV_COLUMNS)
def clv(scope) -> pd.DataFrame:
    """Customer lifetime value over the range: average order value (revenue / won deals) x purchase frequency
    per year (won deals / customers with a won deal / years in the range, days / 365.25) x expected lifetime
    (1 / the yearly churn rate, at most 10 years); the yearly churn rate is churned in the range / active at its
    start, scaled by 365.25 / days. Empty where a denominator is 0. Columns: average_order_value,
    purchase_frequency, churn_rate (yearly), clv."""
    rng = scope.date_range([("deals", "closed_at")])
    if rng is None:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in CLV_COLUMNS})
    start, end = rng
    d = won_deals(scope, start, end)
    money = d.aggregate(revenue=ibis.coalesce(d.amount, 0.0).sum(), deals=d.count(), buyers=d.customer_id.nunique())
    got = scope.run(money.cross_join(_churn_in(scope, start, end))).iloc[0]  # one statement
    revenue = float(0 if pd.isna(got.revenue) else got.revenue)
    parts = clv_parts(revenue, int(got.deals or 0), int(got.buyers or 0), int(got.churned), int(got.active_at_start),
                      (end - start).days + 1)
    return pd.DataFrame([parts], columns=CLV_COLUMNS).astype("float64")


def _won_by_anyone(scope, start: dt.date, end: dt.date):
    """Won deals closed in [start, end] by anyone the viewer may see: a segment's customers' purchases."""
    d = scope.visible("deals")
    return d.filter(d.status == "won", in_range(d.closed_at, start, end))


def _clv_segment_drill(scope, row: dict, column: str | None = None, dimension: str | None = None):
    """The customers of the row's value with a won deal in the range."""
    dim = segment_dimension(dimension)
    rng = scope.date_range([("deals", "closed_at")])
    c = scope.customers
    if rng is None:
        return c.filter(ibis.literal(False))
    d = _won_by_anyone(scope, *rng)
    return c.filter(segment_value(c, dim) == row["value"], c.customer_id.isin(d.customer_id))


@report("clv-by-segment", cli=False, columns=["value", "buyers", *CLV_COLUMNS], drill=_clv_segment_drill)
def clv_by_segment(scope, dimension: str | None = None) -> pd.DataFrame:
    """CLV and its parts per value of a customer attribute (industry, region, size, source, category; "(none)"
    when missing), over the customers in scope with that value: their won deals in the range (by anyone the
    viewer sees), their churn over the range. Values with a buyer, most buyers first. Columns: value, buyers,
    average_order_value, purchase_frequency, churn_rate, clv."""
    dim = segment_dimension(dimension)
    cols = ["value", "buyers", *CLV_COLUMNS]
    rng = scope.date_range([("deals", "closed_at")])
    if rng is None:
        return pd.DataFrame({c: pd.Series(dtype=object if c == "value" else "float64") for c in cols})
    start, end = rng
    c = scope.customers
    c = c.mutate(value=segment_value(c, dim))
    d = _won_by_anyone(scope, start, end)
    d = d.inner_join(c.select("customer_id", "value"), d.customer_id == c.customer_id)
    money = d.group_by("value").aggregate(revenue=ibis.coalesce(d.amount, 0.0).sum(), deals=d.count(),
                                          buyers=d.customer_id.nunique())
    first = day_start(start)
    churn = c.group_by("value").aggregate(
        churned=(c.lost_at.notnull() & in_range(c.lost_at, start, end)).sum(),
        active=((c.created_at < first) & (c.lost_at.isnull() | (c.lost_at >= first))).sum())
    j = money.left_join(churn, money.value == churn.value)
    got = scope.run(j.select(money.value, "revenue", "deals", "buyers", "churned", "active"))
    days = (end - start).days + 1
    rows = [[v, int(b), *clv_parts(float(r or 0), int(n), int(b), int(ch or 0), int(a or 0), days)]
            for v, r, n, b, ch, a in got[["value", "revenue", "deals", "buyers", "churned", "active"]].itertuples(index=False)]
    out = pd.DataFrame(rows, columns=cols).astype({"buyers": "int64", **{k: "float64" for k in CLV_COLUMNS}})
    return out.sort_values(["buyers", "value"], ascending=[False, True], kind="stable").reset_index(drop=True)


@report("nps", columns=["promoters", "passives", "detractors", "responses", "nps"])
def nps(scope) -> pd.DataFrame:
    """Net promoter score over the surveys answered in the range: % promoters (9-10) - % detractors (0-6),
    from -100 to 100 (empty without responses). Columns: promoters, passives, detractors, responses, nps."""
    s = scope.surveys
    rng = scope.date_range([("surveys", "responded_at")])
    s = s.filter(in_range(s.responded_at, *rng)) if rng else s.filter(ibis.literal(False))
    row = scope.run(s.aggregate(promoters=(s.score >= 9).sum(),
                                passives=((s.score >= 7) & (s.score <= 8)).sum(),
                                detractors=(s.score <= 6).sum(), responses=s.count())).iloc[0]
    counts = {k: int(0 if pd.isna(row[k]) else row[k]) for k in ("promoters", "passives", "detractors", "responses")}
    score = (counts["promoters"] - counts["detractors"]) * 100 / counts["responses"] if counts["responses"] else float("nan")
    return pd.DataFrame([{**counts, "nps": float(score)}])


def _nps_drill(scope, row: dict, column: str | None = None):
    """The customers who answered in the row's period (column promoters/passives/detractors: those answers)."""
    s = scope.surveys
    first, last = bucket_range(scope, row["period"])
    s = s.filter(in_range(s.responded_at, first, last))
    band = {"promoters": s.score >= 9, "passives": (s.score >= 7) & (s.score <= 8), "detractors": s.score <= 6}
    if column in band:
        s = s.filter(band[column])
    c = scope.customers
    return c.filter(c.customer_id.isin(s.customer_id))


@report("nps-trend", cli=False, columns=["period", "promoters", "passives", "detractors", "responses", "nps"],
        drill=_nps_drill)
def nps_trend(scope) -> pd.DataFrame:
    """NPS per period of the range (surveys answered in it, the period cut by the range's edges), every period
    shown. Columns: period, promoters, passives, detractors, responses, nps (empty without responses)."""
    cols = ["period", "promoters", "passives", "detractors", "responses", "nps"]
    rng = scope.date_range([("surveys", "responded_at")])
    if rng is None:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c not in ("period", "nps") else
                                          ("float64" if c == "nps" else object)) for c in cols})
    s = scope.surveys
    s = s.filter(in_range(s.responded_at, *rng))
    s = s.mutate(period=bucket(s.responded_at, scope.filters.period))
    got = scope.run(s.group_by("period").aggregate(promoters=(s.score >= 9).sum(),
                                                   passives=((s.score >= 7) & (s.score <= 8)).sum(),
                                                   detractors=(s.score <= 6).sum(), responses=s.count()))
    counts = ["promoters", "passives", "detractors", "responses"]
    out = complete_series(got, periods_between(*rng, scope.filters.period), counts, None, [])
    out["nps"] = ((out.promoters - out.detractors) * 100 / out.responses).where(out.responses > 0).astype("float64")
    return out[cols]


def _months(first: dt.date, later: dt.date) -> int:
    return (later.year - first.year) * 12 + later.month - first.month


def _cohort_months(scope, start: dt.date, end: dt.date):
    """(cohort, month, customer_id) for each month a customer of a cohort (first purchase ever inside
    [start, end]) bought in, up to ``end``."""
    p = purchases(scope)
    p = scope.of_customers(p)
    first = p.group_by("customer_id").aggregate(first_at=p.at.min())
    # A cohort month cut by the range's start counts only the customers whose first purchase is inside it.
    first = first.filter(in_range(first.first_at, start, end))
    first = first.select("customer_id", cohort=first.first_at.truncate("M").cast("date"))
    j = p.inner_join(first, p.customer_id == first.customer_id)
    j = j.filter(on_or_before(j.at, end))
    return j.select("cohort", month=j.at.truncate("M").cast("date"), customer_id=j.customer_id).distinct()


def _retention_drill(scope, row: dict, column: str | None = None):
    """The customers of the row's cohort who bought in its month (months_since after the cohort's)."""
    rng = scope.date_range([("deals", "closed_at"), ("customers", "won_at")])
    c = scope.customers
    if rng is None:
        return c.filter(ibis.literal(False))
    cohort = pd.Timestamp(row["cohort"]).date()
    k = int(row.get("months_since") or 0)
    month = dt.date(cohort.year + (cohort.month - 1 + k) // 12, (cohort.month - 1 + k) % 12 + 1, 1)
    a = _cohort_months(scope, *rng)
    a = a.filter(a.cohort == cohort, a.month == month)
    return c.filter(c.customer_id.isin(a.customer_id))


@report("retention", columns=["cohort", "months_since", "customers", "share"], drill=_retention_drill)
def retention(scope) -> pd.DataFrame:
    """Customers grouped by the month of their first purchase ever, that purchase inside the range;
    per month since (0 up to the range's end), how many bought in that month and their share of the cohort
    (month 0 is 1.0). Columns: cohort, months_since, customers, share."""
    cols = ["cohort", "months_since", "customers", "share"]
    rng = scope.date_range([("deals", "closed_at"), ("customers", "won_at")])
    if rng is None:
        return pd.DataFrame(columns=cols)
    start, end = rng
    last_month = end.replace(day=1)
    active = _cohort_months(scope, start, end)
    got = scope.run(active.group_by("cohort", "month").aggregate(customers=active.count()))
    if got.empty:
        return pd.DataFrame({"cohort": [], "months_since": pd.Series(dtype="int64"),
                             "customers": pd.Series(dtype="int64"), "share": pd.Series(dtype="float64")})
    got["cohort"] = as_dates(got.cohort)
    got["month"] = as_dates(got.month)
    sizes = got[got.cohort == got.month].set_index("cohort").customers
    counts = {(c, _months(c, m)): n for c, m, n in got[["cohort", "month", "customers"]].itertuples(index=False)}
    rows = [(c, k, int(counts.get((c, k), 0)), counts.get((c, k), 0) / sizes[c])
            for c in sorted(sizes.index) for k in range(_months(c, last_month) + 1)]
    return pd.DataFrame(rows, columns=cols).astype({"months_since": "int64", "customers": "int64", "share": "float64"})
