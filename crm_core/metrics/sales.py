"""Are we winning: the customer funnel, the deal funnel with time in stage, revenue, Pareto, RFM, segments
and products (DESIGN.md, "Metric definitions").

A purchase is a customer's won deal (status won, dated by closed_at; one without closed_at is no purchase), or,
for a customer with won_at set but no won deal at all, one purchase on won_at of amount 0. Customer-centric reports (funnel, Pareto, RFM,
segments, new buyers) take the customers in scope (by owner) and their follow-ups, deals and purchases by
anyone the viewer may see; revenue sums the won deals in scope (by deal owner), customer or not.
"""

from __future__ import annotations

import datetime as dt
import json

import ibis
import ibis.expr.types as ir
import pandas as pd

from ..filters import in_range, on_or_before
from ..periods import bucket, periods_between
from ..reports import report
from ..schema import DEFAULT_DEAL_STAGES, STAGES_SETTING
from .common import By, GROUP_COLUMN, bucket_range, complete_series, created_in, group_keys, in_group
from .distributions import NONE, _ranked, clean, created_in_range

STEPS = ("created", "contacted", "opportunity", "won")
SEGMENTS = ("champions", "loyal", "new", "potential loyalists", "at risk", "lost", "hibernating", "need attention")
DIMENSIONS = ("industry", "region", "size", "source", "category")
PARETO_SHARE = 0.8


def deal_stages(scope) -> list[str]:
    """The ordered deal stages from the settings (a JSON list or comma-separated), else the default."""
    return stages_from(scope.setting(STAGES_SETTING))


def stages_from(raw: str | None) -> list[str]:
    """The ordered deal stages a value of the deal_stages setting names (None or empty: the default)."""
    if not raw:
        return list(DEFAULT_DEAL_STAGES)
    try:
        stages = json.loads(raw)
    except ValueError:
        stages = raw.split(",")
    return [str(s).strip() for s in stages if str(s).strip()]


def purchases(scope, among: ir.Table | None = None) -> ir.Table:
    """Every purchase the viewer may see: customer_id, at (timestamp), amount (see ``purchase_rows``); from the
    store's copy when it keeps one for the viewer (Scope.purchases). With ``among`` (customers the viewer sees),
    only theirs: the won deals are narrowed to them before anything is built on every won deal."""
    kept = scope.purchases()
    if kept is not None:
        return kept if among is None else kept.filter(kept.customer_id.isin(among.customer_id))
    if among is None:
        return purchase_rows(scope.visible("deals"), scope.visible("customers"))
    return purchase_rows(scope.visible("deals"), among, only_theirs=True)


def purchase_rows(deals: ir.Table, customers: ir.Table, only_theirs: bool = False) -> ir.Table:
    """The purchases of ``deals`` and ``customers``: each won deal with a customer and a close date (at: its
    close, amount: its amount, 0 when empty) and, for a customer with won_at and no won deal at all, won_at at 0.
    Columns: customer_id, at, amount. ``only_theirs``: the won deals of ``customers`` only."""
    any_won = deals.filter(deals.status == "won", deals.customer_id.notnull())
    if only_theirs:
        any_won = any_won.filter(any_won.customer_id.isin(customers.customer_id))
    won = any_won.filter(any_won.closed_at.notnull())
    won = won.select(customer_id=won.customer_id.cast("string"), at=won.closed_at,
                     amount=ibis.coalesce(won.amount, 0.0).cast("float64"))
    c = customers
    # won_at stands in only for a customer with no won deal at all (a won deal without a close date is no date).
    bare = c.filter(c.won_at.notnull(), ~c.customer_id.isin(any_won.customer_id))
    # One schema for both halves (a customer's id is NOT NULL, a deal's is not).
    return won.union(bare.select(customer_id=bare.customer_id.cast("string"), at=bare.won_at,
                                 amount=ibis.literal(0.0, "float64")))


def _conversions(steps: list[str], counts: list[int], key: str, value: str) -> pd.DataFrame:
    """Rows (key, value, conversion_from_previous, conversion_from_first); the first step's from-previous is 1.0,
    a division by zero empty."""
    prev = [counts[0], *counts[:-1]]
    out = pd.DataFrame({key: steps, value: pd.array(counts, dtype="int64")})
    out["conversion_from_previous"] = [(n / p if p else float("nan")) if i else (1.0 if counts[0] else float("nan"))
                                       for i, (n, p) in enumerate(zip(counts, prev))]
    out["conversion_from_first"] = [n / counts[0] if counts[0] else float("nan") for n in counts]
    return out


# -- the customer funnel ---------------------------------------------------------------------------------
def _ever_contacted(scope) -> ir.Column:
    """The customer_id of every follow-up the viewer sees; when the store keeps next_contacts, of each customer's
    first one only (within the level's group: the same customers, a tenth of the rows), or of its summary."""
    summary = scope.contact_summary()
    if summary is not None:
        return summary.customer_id
    kept = scope.next_contacts(people=False)
    if kept is None:
        return scope.visible("follow_ups").customer_id
    fu, level = kept
    return fu.filter(fu[f"seq_{level}"] == 1).customer_id


def funnel_rows(scope) -> ir.Table:
    """Customers created in the range with the furthest step each reached at any time (0 created .. 3 won)."""
    c = created_in_range(scope)
    # Deals, purchases and the contacted among c first: each hash table is then built on c's customers, not on
    # every deal, purchase or contacted customer (at XL for one region: 1.5 -> 1.1 s).
    deals = scope.visible("deals")
    deals = deals.filter(deals.customer_id.isin(c.customer_id))
    bought = purchases(scope, among=c)
    ever = _ever_contacted(scope)
    contacted = ever.name("contacted_id").as_table()
    contacted = contacted.filter(contacted.contacted_id.isin(c.customer_id))
    return c.mutate(reached=reached(c, deals, bought, contacted.contacted_id))


def reached(c: ir.Table, deals: ir.Table, bought: ir.Table, contacted: ir.Column) -> ir.IntegerValue:
    """The furthest funnel step each customer of ``c`` reached: 3 won (a purchase in ``bought``), 2 opportunity
    (a deal), 1 contacted (its id in ``contacted``), else 0 created."""
    return ibis.cases((c.customer_id.isin(bought.customer_id), 3), (c.customer_id.isin(deals.customer_id), 2),
                      (c.customer_id.isin(contacted), 1), else_=0)


def _funnel_drill(scope, row: dict, column: str | None = None) -> ir.Table:
    """The customers who reached the row's step; with column dropped_out, those who reached the step before
    it and got no further."""
    rows = funnel_rows(scope)
    step = STEPS.index(row["step"])
    if column == "dropped_out":
        picked = rows.filter(rows.reached == step - 1) if step else rows.filter(ibis.literal(False))
    else:
        picked = rows.filter(rows.reached >= step)
    return picked.drop("reached")


@report("funnel", columns=["step", "customers", "conversion_from_previous", "conversion_from_first"],
        drill=_funnel_drill)
def funnel(scope) -> pd.DataFrame:
    """Customers created in the range and how many reached each step at any time: created -> contacted (a
    follow-up) -> opportunity (a deal) -> won (a purchase); a step counts those who reached it or a later one.
    Columns: step, customers, conversion_from_previous, conversion_from_first (fractions)."""
    rows = scope.customer_steps()
    if rows is None:
        rows = funnel_rows(scope)
    else:  # the same steps as the store keeps them (crm_core.customer_steps), of the customers created in the range
        rows = created_in(scope, rows, "customers")
    got = scope.run(rows.aggregate(**{s: (rows.reached >= i).sum() for i, s in enumerate(STEPS)}))
    counts = [int(0 if pd.isna(got[s].iloc[0]) else got[s].iloc[0]) for s in STEPS]
    return _conversions(list(STEPS), counts, "step", "customers")


# -- the deal funnel ---------------------------------------------------------------------------------------
def _deals_created(scope) -> ir.Table:
    return created_in(scope, scope.deals, "deals")


def _stage_index(col: ir.StringValue, stages: list[str]) -> ir.IntegerValue:
    return ibis.cases(*[(col == s, i) for i, s in enumerate(stages)], else_=ibis.null("int64"))


def _created_history(scope) -> ir.Table:
    """The stage history rows of the deals created in the range."""
    return scope.history_of(_deals_created(scope))


def stage_spans(h: ir.Table, stages: list[str]) -> ir.Table:
    """History rows with ``days``: the exact (fractional) days until the deal entered its next recorded stage (by
    time, ties in the stages' order), NULL on its last row."""
    w = ibis.window(group_by=h.deal_id, order_by=[h.entered_at, _stage_index(h.stage, stages)])
    h = h.mutate(left_at=h.entered_at.lead().over(w))
    # as a double before dividing: Spark reads the literal 86400.0 as a decimal and rounds the quotient to 8 places
    days = (h.left_at.epoch_seconds() - h.entered_at.epoch_seconds()).cast("float64") / 86400.0
    return h.mutate(days=days).drop("left_at")


def _furthest_stage(scope, stages: list[str]) -> ir.Table:
    """deal_id and the index of the furthest stage each deal created in the range ever entered."""
    h = _created_history(scope)
    return h.group_by("deal_id").aggregate(furthest=_stage_index(h.stage, stages).max())


def _deal_drill(scope, row: dict, column: str | None = None) -> ir.Table:
    """The customers of the deals that reached the row's stage (with column dropped_out: that reached the stage
    before it and got no further)."""
    stages = deal_stages(scope)
    f = _furthest_stage(scope, stages)
    i = stages.index(row["stage"])
    f = f.filter(f.furthest == i - 1) if column == "dropped_out" else f.filter(f.furthest >= i)
    d = scope.deals
    c = scope.visible("customers")
    return c.filter(c.customer_id.isin(d.filter(d.deal_id.isin(f.deal_id)).customer_id))


@report("deal-funnel", drill=_deal_drill,
        columns=["stage", "deals", "conversion_from_previous", "conversion_from_first", "median_days_in_stage"])
def deal_funnel(scope) -> pd.DataFrame:
    """Deals created in the range that ever entered each stage (settings' order; a deal that skipped a stage
    passed it when it entered a later one), conversions as in the funnel, and the median days (exact,
    fractional) spent in the stage by deals that left it (entered their next recorded stage).
    Columns: stage, deals, conversion_from_previous, conversion_from_first, median_days_in_stage."""
    stages = deal_stages(scope)
    kept = scope.deal_spans()
    if kept is None:
        f = _furthest_stage(scope, stages)
        h = stage_spans(_created_history(scope), stages)
    else:  # the same rows as the store keeps them (crm_core.deal_spans): no window over the history
        h = created_in(scope, kept, "deals")
        f = h.filter(h.first_row)
    h = h.filter(h.days.notnull())
    # One statement: deals per furthest stage (key: its index) and each stage's median days (key: the stage).
    furthest = f.group_by(key=f.furthest.cast("string")).aggregate(kind=ibis.literal("furthest"), value=f.count())
    medians = h.group_by(key=h.stage).aggregate(kind=ibis.literal("median"), value=h.days.median())
    text, number = ibis.dtype("string").copy(nullable=True), ibis.dtype("float64").copy(nullable=True)
    got = scope.run(ibis.union(*[t.select(kind=t.kind.cast(text), key=t.key.cast(text), value=t.value.cast(number))
                                 for t in (furthest, medians)], distinct=False))
    per_furthest = {int(k): int(v) for kind, k, v in got.itertuples(index=False)
                    if kind == "furthest" and k is not None and not pd.isna(k)}
    counts = [sum(n for i, n in per_furthest.items() if i >= step) for step in range(len(stages))]
    median_days = {k: v for kind, k, v in got.itertuples(index=False) if kind == "median"}
    out = _conversions(stages, counts, "stage", "deals")
    out["median_days_in_stage"] = out["stage"].map(median_days).astype("float64")
    return out


# -- revenue and products ----------------------------------------------------------------------------------
def won_deals(scope, start: dt.date, end: dt.date) -> ir.Table:
    """Won deals in scope (by deal owner) closed within [start, end]."""
    d = scope.deals
    return d.filter(d.status == "won", in_range(d.closed_at, start, end))


def _revenue_drill(scope, row: dict, column: str | None = None, by: By = None) -> ir.Table:
    """The customers of the won deals behind a period's revenue."""
    d = in_group(scope, won_deals(scope, *bucket_range(scope, row["period"])), "deals", row, by)
    c = scope.visible("customers")
    return c.filter(c.customer_id.isin(d.customer_id))


@report("revenue", columns=["period", "revenue"], drill=_revenue_drill)
def revenue(scope, by: By = None) -> pd.DataFrame:
    """Sum of amount of won deals by closed_at, per period (0 where none). Column: revenue."""
    group_col = GROUP_COLUMN[by] if by else None
    keys = ["period"] + ([group_col] if group_col else [])
    rng = scope.date_range([("deals", "closed_at")])
    if rng is None:
        return pd.DataFrame(columns=keys + ["revenue"])
    d = won_deals(scope, *rng)
    group = {"period": bucket(d.closed_at, scope.filters.period)}
    if by == "employee":
        group["employee_id"] = d.owner_id
    elif by == "department":
        emp = scope.employees.select(emp_id="employee_id", department_id="department_id")
        d = d.left_join(emp, d.owner_id == emp.emp_id)
        group["department_id"] = d.department_id
    sums = scope.run(d.group_by(**group).aggregate(revenue=ibis.coalesce(d.amount, 0.0).sum()))
    groups = group_keys(scope, by) if by else []
    return complete_series(sums, periods_between(*rng, scope.filters.period), ["revenue"], group_col, groups,
                           dtype="float64")


def _product(col: ir.StringValue) -> ir.StringValue:
    return ibis.coalesce(clean(col), NONE)


def _first_buys(scope) -> ir.Table:
    """Each customer in scope's first won deal of each product ever: customer_id, product, first_at."""
    d = scope.visible("deals")
    d = scope.of_customers(d.filter(d.status == "won", d.closed_at.notnull()))
    return d.group_by(customer_id=d.customer_id, product=_product(d.product)).aggregate(first_at=d.closed_at.min())


def _products_drill(scope, row: dict, column: str | None = None) -> ir.Table:
    """The new buyers of the row's product in the range (column new_buyers), else its buyers in the range."""
    start, end = scope.date_range([("deals", "closed_at")]) or (dt.date(1900, 1, 1), dt.date(1900, 1, 1))
    if column == "new_buyers":
        f = _first_buys(scope)
        ids = f.filter(f.product == row["product"], in_range(f.first_at, start, end)).customer_id
    else:
        d = won_deals(scope, start, end)
        ids = d.filter(_product(d.product) == row["product"]).customer_id
    c = scope.visible("customers")
    return c.filter(c.customer_id.isin(ids))


@report("products", columns=["product", "revenue", "new_buyers"], drill=_products_drill)
def products(scope) -> pd.DataFrame:
    """Per product: revenue (won deals closed in the range) and new_buyers (customers whose first won deal of
    that product ever closed in the range). Products with either; by revenue, then name. Columns: product,
    revenue, new_buyers."""
    cols = ["product", "revenue", "new_buyers"]
    rng = scope.date_range([("deals", "closed_at")])
    if rng is None:
        return pd.DataFrame({"product": pd.Series(dtype=object), "revenue": pd.Series(dtype="float64"),
                             "new_buyers": pd.Series(dtype="int64")})
    d = won_deals(scope, *rng)
    money = d.group_by(product=_product(d.product)).aggregate(revenue=ibis.coalesce(d.amount, 0.0).sum())
    f = _first_buys(scope)
    f = f.filter(in_range(f.first_at, *rng))
    new = f.group_by("product").aggregate(new_buyers=f.count())
    j = money.outer_join(new, money["product"] == new["product"])
    out = scope.run(j.select(product=ibis.coalesce(j["product"], j["product_right"]),
                             revenue=ibis.coalesce(j.revenue, 0.0), new_buyers=ibis.coalesce(j.new_buyers, 0)))
    out = out.astype({"revenue": "float64", "new_buyers": "int64"})
    return out.sort_values(["revenue", "product"], ascending=[False, True], kind="stable").reset_index(drop=True)[cols]


# -- Pareto ------------------------------------------------------------------------------------------------
def _revenue_per_customer(scope) -> ir.Table | None:
    """(customer_id, revenue): won deals closed in the range per customer in scope; None without deals."""
    rng = scope.date_range([("deals", "closed_at")])
    if rng is None:
        return None
    d = scope.visible("deals")
    d = scope.of_customers(d.filter(d.status == "won", in_range(d.closed_at, *rng)))
    return d.group_by("customer_id").aggregate(revenue=ibis.coalesce(d.amount, 0.0).sum())


def pareto_rows(scope) -> ir.Table | None:
    """The Pareto prefix as an expression: customers in scope ranked by revenue in the range (ties by
    customer_id), the shortest prefix whose cumulative share reaches 80%: (customer_id, revenue,
    cumulative_share, buyers, total), buyers and total over every customer with revenue. None without deals."""
    per_customer = _revenue_per_customer(scope)
    if per_customer is None:
        return None
    t = per_customer.filter(per_customer.revenue > 0)
    t = t.mutate(cumulative=t.revenue.cumsum(order_by=[ibis.desc(t.revenue), t.customer_id]),
                 total=t.revenue.sum().over(), buyers=t.count().over())
    # A customer is in the prefix while the customers ranked before it have not reached 80% yet.
    t = t.filter(t.cumulative - t.revenue < PARETO_SHARE * t.total * (1 - 1e-12))
    return t.select("customer_id", "revenue", cumulative_share=t.cumulative / t.total, buyers=t.buyers, total=t.total)


def _pareto_drill(scope, row: dict, column: str | None = None) -> ir.Table:
    """The customer of the row; with no customer_id, every customer of the prefix."""
    c = scope.customers
    if row.get("customer_id"):
        return c.filter(c.customer_id == row["customer_id"])
    rows = pareto_rows(scope)
    return c.filter(ibis.literal(False) if rows is None else c.customer_id.isin(rows.customer_id))


@report("pareto", columns=["customer_id", "revenue", "cumulative_share"], drill=_pareto_drill)
def pareto(scope) -> pd.DataFrame:
    """Customers ranked by revenue in the range (ties by customer_id): the shortest prefix whose cumulative
    share reaches 80%. Columns: customer_id, revenue, cumulative_share."""
    rows = pareto_rows(scope)
    got = None if rows is None else scope.run(
        rows.select("customer_id", "revenue", "cumulative_share").order_by([ibis.desc(rows.revenue), rows.customer_id]))
    if got is None or got.empty:
        return pd.DataFrame({"customer_id": pd.Series(dtype=object), "revenue": pd.Series(dtype="float64"),
                             "cumulative_share": pd.Series(dtype="float64")})
    return got.astype({"revenue": "float64", "cumulative_share": "float64"})


@report("pareto-summary", cli=False, columns=["buyers", "pareto_customers", "revenue"])
def pareto_summary(scope) -> pd.DataFrame:
    """One row: buyers in the range, how many of them bring 80% of revenue, and the revenue (counted in the
    statement: the prefix itself is not fetched)."""
    rows = pareto_rows(scope)
    got = None if rows is None else scope.run(
        rows.aggregate(buyers=rows.buyers.max(), pareto_customers=rows.count(), revenue=rows.total.max()))
    buyers, count, revenue = (0, 0, 0.0) if got is None else got.iloc[0]
    return pd.DataFrame({"buyers": [0 if pd.isna(buyers) else int(buyers)], "pareto_customers": [int(count)],
                         "revenue": [0.0 if pd.isna(revenue) else float(revenue)]})


# -- RFM ---------------------------------------------------------------------------------------------------
def _as_of(scope) -> dt.date | None:
    if scope.filters.end:
        return scope.filters.end
    rng = scope.date_range([("deals", "closed_at"), ("customers", "won_at")])
    return rng[1] if rng else None


def rfm_rows(scope) -> ir.Table:
    """Customers in scope with a purchase as of E (the range's end): recency (days), frequency, monetary, the
    scores r, f, m (1-5) and their segment."""
    end = _as_of(scope) or dt.date(1900, 1, 1)
    p = purchases(scope)
    p = scope.of_customers(p.filter(on_or_before(p.at, end)))
    g = p.group_by("customer_id").aggregate(last=p.at.max(), frequency=p.count(), monetary=p.amount.sum())
    g = g.mutate(recency=ibis.date(end).delta(g["last"].date(), unit="day"))
    n = g.count().over(ibis.window())

    def score(order):
        return (1 + (5 * ibis.rank().over(ibis.window(order_by=order)) / n).floor()).cast("int64")
    g = g.mutate(r=score(ibis.desc(g.recency)), f=score(g.frequency), m=score(g.monetary))
    segment = ibis.cases(
        ((g.r >= 4) & (g.f >= 4), "champions"), (g.f >= 4, "loyal"), ((g.r >= 4) & (g.f == 1), "new"),
        (g.r >= 4, "potential loyalists"), ((g.r <= 2) & (g.f >= 3), "at risk"), ((g.r == 1) & (g.f <= 2), "lost"),
        (g.r <= 2, "hibernating"), else_="need attention")
    return g.mutate(segment=segment)


def _rfm_drill(scope, row: dict, column: str | None = None) -> ir.Table:
    g = rfm_rows(scope)
    g = g.filter(g.segment == row["segment"])
    c = scope.customers
    j = c.inner_join(g.select("customer_id", "recency", "frequency", "monetary", "r", "f", "m"),
                     c.customer_id == g.customer_id)
    return j


@report("rfm", columns=["segment", "customers"], drill=_rfm_drill)
def rfm(scope) -> pd.DataFrame:
    """Customers with a purchase as of the range's end per RFM segment (all eight, in DESIGN.md's order).
    Columns: segment, customers."""
    g = rfm_rows(scope)
    got = scope.run(g.group_by("segment").aggregate(customers=g.count()))
    counts = dict(zip(got.segment, got.customers))
    return pd.DataFrame({"segment": list(SEGMENTS), "customers": [int(counts.get(s, 0)) for s in SEGMENTS]})


@report("rfm-segments", cli=False, columns=["segment", "customers", "revenue", "recency", "frequency", "monetary"])
def rfm_segments(scope) -> pd.DataFrame:
    """Per RFM segment: customers, their revenue in the range, and their median recency (days), frequency and
    monetary as of the range's end (what the segment looks like)."""
    g = rfm_rows(scope)
    per_customer = _revenue_per_customer(scope)
    if per_customer is None:
        g = g.mutate(revenue=ibis.literal(0.0, "float64"))
    else:
        g = g.left_join(per_customer, g.customer_id == per_customer.customer_id)
    stats = scope.run(g.group_by("segment").aggregate(
        customers=g.count(), revenue=ibis.ifelse(g.revenue > 0, g.revenue, 0.0).sum(), recency=g.recency.median(),
        frequency=g.frequency.median(), monetary=g.monetary.median()))
    out = pd.DataFrame({"segment": list(SEGMENTS)}).merge(stats, on="segment", how="left")
    out["revenue"] = out.revenue.fillna(0.0).astype("float64")
    out["customers"] = out.customers.fillna(0).astype("int64")
    return out[["segment", "customers", "revenue", "recency", "frequency", "monetary"]]


# -- segments ----------------------------------------------------------------------------------------------
def segment_value(c: ir.Table, dimension: str) -> ir.StringValue:
    """A customer attribute as a segment: cleaned, "(none)" when missing."""
    return ibis.coalesce(clean(c[dimension]), NONE)


def segment_dimension(dimension: str | None) -> str:
    from ..errors import UserError

    if dimension not in DIMENSIONS:
        raise UserError(f"segments needs --dimension, one of: {', '.join(DIMENSIONS)}")
    return dimension


def _segments_drill(scope, row: dict, column: str | None = None, dimension: str | None = None) -> ir.Table:
    """The customers created in the range with the row's value (with column won_customers: those won by the
    range's end)."""
    c = created_in_range(scope)
    c = c.filter(segment_value(c, segment_dimension(dimension)) == row["value"])
    if column == "won_customers":
        rng = scope.date_range([("customers", "created_at")])
        c = c.filter(c.won_at.notnull() & (on_or_before(c.won_at, rng[1]))) if rng else c.filter(ibis.literal(False))
    return c


@report("segments", columns=["value", "customers", "won_customers", "revenue", "win_rate"], drill=_segments_drill)
def segments(scope, dimension: str | None = None) -> pd.DataFrame:
    """Customers created in the range per value of the dimension ("(none)" when missing): customers,
    won_customers (of those, won_at on or before the range's end), revenue (won deals closed in the range of
    the customers in scope with that value) and win_rate (their won deals / their deals closed won or lost in
    the range; empty when none). Columns: value, customers, won_customers, revenue, win_rate."""
    dimension = segment_dimension(dimension)
    cols = ["value", "customers", "won_customers", "revenue", "win_rate"]
    c = created_in_range(scope)
    rng = scope.date_range([("customers", "created_at")])
    won = c.won_at.notnull() & ((on_or_before(c.won_at, rng[1])) if rng else ibis.literal(False))
    rows = c.group_by(value=segment_value(c, dimension)).aggregate(customers=c.count(), won_customers=won.sum())
    every = scope.customers
    d = scope.visible("deals")
    d = d.filter(d.status.isin(["won", "lost"]), in_range(d.closed_at, *rng)) if rng else d.filter(ibis.literal(False))
    d = d.inner_join(every.select(cid="customer_id", value=segment_value(every, dimension)), d.customer_id == every.customer_id)
    money = d.group_by("value").aggregate(
        revenue=ibis.coalesce(d.amount, 0.0).sum(where=d.status == "won"),
        won_deals=(d.status == "won").sum(), closed_deals=d.count())
    j = rows.left_join(money, rows.value == money.value)
    out = scope.run(j.select("customers", "won_customers", "revenue", "won_deals", "closed_deals", value=rows.value))
    if out.empty:
        return pd.DataFrame({k: pd.Series(dtype=t) for k, t in
                             zip(cols, [object, "int64", "int64", "float64", "float64"])})
    out["revenue"] = out.revenue.fillna(0.0).astype("float64")
    out["win_rate"] = (out.won_deals / out.closed_deals).where(out.closed_deals.fillna(0) > 0).astype("float64")
    out = out.astype({"customers": "int64", "won_customers": "int64"})
    return _ranked(out, "value")[cols]
