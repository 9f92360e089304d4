"""Customer growth: how many customers were created, contacted, scheduled, won and churned per period.

Each report has one row per period in the range (and per group with ``by``), zeros included: columns
``period`` (first day of the bucket), then ``department_id`` / ``employee_id`` with ``by``, then the
count. Attribution: follow-ups to who made the contact, customers to their current owner. A cell drills
down to the customers it counts.
"""

from __future__ import annotations

import datetime as dt

import ibis.expr.types as ir
import pandas as pd

from ..filters import in_range
from ..reports import report
from .common import By, Count, bucket_range, count_series, in_group, last_in

NEW = Count("customers", "created_at", "new_customers")
CONTACTED = Count("follow_ups", "contacted_at", "contacted_customers", distinct="customer_id")
NEXT_CONTACT = Count("customers", "next_contact_at", "next_contact_customers")
WON = Count("customers", "won_at", "won_customers")
CHURNED = Count("customers", "lost_at", "churned_customers")
GROWTH = (NEW, CONTACTED, NEXT_CONTACT, WON, CHURNED)
BY_VALUE = {c.value: c for c in GROWTH}


def counted_customers(scope, count: Count, row: dict, by: By = None) -> ir.Table:
    """The customers a growth count counts in the bucket (and group) of ``row``."""
    t = in_group(scope, count.rows(scope, *bucket_range(scope, row["period"])), count.table, row, by)
    if count.table == "customers":
        return t
    customers = scope.visible("customers")
    return customers.filter(customers.customer_id.isin(t[count.distinct]))


def _drill(count: Count):
    def drill(scope, row: dict, column: str | None = None, by: By = None) -> ir.Table:
        return counted_customers(scope, BY_VALUE.get(column, count), row, by)
    return drill


@report("new-customers", columns=["period", "new_customers"], drill=_drill(NEW))
def new_customers(scope, by: By = None) -> pd.DataFrame:
    """Customers whose created_at falls in the period. Column: new_customers."""
    return count_series(scope, [NEW], by)


@report("contacted-customers", columns=["period", "contacted_customers"], drill=_drill(CONTACTED))
def contacted_customers(scope, by: By = None) -> pd.DataFrame:
    """Distinct customers with at least one follow-up in the period (distinct per period and group).
    Column: contacted_customers."""
    return count_series(scope, [CONTACTED], by)


@report("next-contact", columns=["period", "next_contact_customers"], drill=_drill(NEXT_CONTACT))
def next_contact_customers(scope, by: By = None) -> pd.DataFrame:
    """Customers whose next_contact_at falls in the period. Column: next_contact_customers."""
    return count_series(scope, [NEXT_CONTACT], by)


@report("won-customers", columns=["period", "won_customers"], drill=_drill(WON))
def won_customers(scope, by: By = None) -> pd.DataFrame:
    """Customers whose won_at falls in the period. Column: won_customers."""
    return count_series(scope, [WON], by)


def churned_customers(scope, by: By = None) -> pd.DataFrame:
    """Customers whose lost_at falls in the period. Column: churned_customers."""
    return count_series(scope, [CHURNED], by)


@report("net-growth", columns=["period", "new_customers", "churned_customers", "net_growth"], drill=_drill(NEW))
def net_growth(scope, by: By = None) -> pd.DataFrame:
    """New and churned customers per period, and net_growth = new - churned. A net_growth cell drills
    down to the new customers. Columns: new_customers, churned_customers, net_growth."""
    out = count_series(scope, [NEW, CHURNED], by, span_columns=[("customers", "created_at"), ("customers", "lost_at")])
    out["net_growth"] = out["new_customers"] - out["churned_customers"]
    return out


@report("growth-trends", cli=False, drill=_drill(NEW),
        columns=["period", *BY_VALUE, "net_growth"])
def growth_trends(scope) -> pd.DataFrame:
    """Every growth count per period, in one statement (the Overview's trends); net_growth = new - churned."""
    out = count_series(scope, list(GROWTH), span_columns=[("customers", "created_at")])
    out["net_growth"] = out["new_customers"] - out["churned_customers"]
    return out


SUMMARY_COLUMNS = ["metric", "current", "previous", "previous_start", "previous_end"]


@report("growth-summary", cli=False, columns=SUMMARY_COLUMNS)
def growth_summary(scope) -> pd.DataFrame:
    """Totals over the whole range and over the equally long range just before it (previous_start ..
    previous_end), in one statement. Rows: new_customers, contacted_customers, next_contact_customers,
    won_customers, churned_customers, net_growth. Contacted customers are distinct over each range."""
    rng = scope.date_range([("customers", "created_at")])
    if rng is None:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    start, end = rng
    prev_start, prev_end = start - (end - start + dt.timedelta(days=1)), start - dt.timedelta(days=1)
    aggs = []
    for name in ("customers", "follow_ups"):
        counts = [c for c in GROWTH if c.table == name]
        t = scope.table(name)
        if len(counts) == 1:  # one date column: read only the two ranges (follow-ups are many)
            t = t.filter(in_range(t[counts[0].date_col], prev_start, end))
        if any(c.distinct for c in counts):  # distinct per range: distinct (key, range) pairs, then counted
            (c,) = counts
            days = scope.contact_days()
            kept = scope.next_contacts() if days is None else days
            if kept is not None:  # or each customer's last follow-up of each range, counted (see last_in)
                k, level = kept
                k = k.filter(in_range(k.contacted_at, prev_start, end))
                now = in_range(k.contacted_at, start, end) & last_in(k, level, end)
                before = in_range(k.contacted_at, prev_start, prev_end) & last_in(k, level, prev_end)
                if days is None:
                    counted = {"current": k.count(where=now), "previous": k.count(where=before)}
                else:  # the same rows counted per day: their sums
                    counted = {"current": k.n.sum(where=now), "previous": k.n.sum(where=before)}
                aggs.append(k.aggregate(**{f"{c.value}__{when}": n.cast("int64") for when, n in counted.items()}))
                continue
            pairs = t.select(key=t[c.distinct], current=in_range(t[c.date_col], start, end)).distinct()
            aggs.append(pairs.aggregate(**{f"{c.value}__current": pairs.count(where=pairs.current),
                                           f"{c.value}__previous": pairs.count(where=~pairs.current)}))
            continue
        ranges = (("current", (start, end)), ("previous", (prev_start, prev_end)))
        days = scope.customer_days() if name == "customers" else None
        if days is not None:  # the customers' dates counted per day: their sums
            aggs.append(days.aggregate(**{
                f"{c.value}__{when}": days.n.sum(where=(days.col == c.date_col) & in_range(days.at, a, b)).cast("int64")
                for c in counts for when, (a, b) in ranges}))
            continue
        aggs.append(t.aggregate(**{f"{c.value}__{when}": c.measure(t, in_range(t[c.date_col], a, b))
                                   for c in counts for when, (a, b) in ranges}))
    row = scope.run(aggs[0].cross_join(*aggs[1:]) if len(aggs) > 1 else aggs[0]).iloc[0]
    whole = lambda v: 0 if pd.isna(v) else int(v)  # noqa: E731 - a count over no rows is NULL on some engines
    rows = [(c.value, whole(row[f"{c.value}__current"]), whole(row[f"{c.value}__previous"])) for c in GROWTH]
    rows.append(("net_growth", rows[0][1] - rows[-1][1], rows[0][2] - rows[-1][2]))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS[:3]).assign(previous_start=prev_start, previous_end=prev_end)

