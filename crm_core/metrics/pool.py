"""The public pool (公海): customers about to be reclaimed, claims from the pools, follow-up hygiene.

Pool risk as of a day D under a recycle rule of N days and a window of W days: customers owned, neither
won nor lost by D (won_at / lost_at empty or after D), assigned on or before D (no assigned_at: taken as
assigned at created_at), whose last contact day L (the latest follow-up on or before D, or the assignment
day if none since) gives a reclaim day L + N within D+1 .. D+W. Whole calendar days; follow-ups after D do
not count. N is the category's rule from the settings (key ``pool_rule_days``: JSON {category: days},
"*" for every other category), else 30; ``rule_days`` overrides every category.

Only the follow-ups of the last max(N) days before D are read: a customer whose last contact is older
than that is at risk only through its assignment day, which this reading still sees.
"""

from __future__ import annotations

import datetime as dt
import json

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from ..customer_list import LAST_CONTACT, LISTED
from ..filters import day_start, in_range
from ..periods import bucket, periods_between
from ..reports import report
from .common import bucket_range, last_in

DEFAULT_RULE_DAYS = 30
RULE_SETTING = "pool_rule_days"
HYGIENE_DAYS = 30  # the longest no-contact band the hygiene view tells apart
LATEST = "last_at"  # the latest follow-up, on a row of the store's copy of the customers (see _customers)


def rules(scope, rule_days: int | None = None) -> tuple[int, dict[str, int]]:
    """(the default rule, {category: its own rule}) from the settings; ``rule_days`` overrides all."""
    if rule_days is not None:
        return int(rule_days), {}
    found = scope.setting(RULE_SETTING)
    default, per_category = DEFAULT_RULE_DAYS, {}
    if found:
        try:
            raw = json.loads(found)
        except ValueError:
            raise ValueError(f"the setting {RULE_SETTING} is not JSON like {{\"重点客户\": 60}}: {found!r}")
        for cat, days in (raw or {}).items():
            if cat == "*":
                default = int(days)
            else:
                per_category[str(cat)] = int(days)
    return default, per_category


def _last_follow_ups(scope, as_of: dt.date, since: dt.date, until: dt.date | None = None) -> ir.Table:
    """fu_customer, last_fu: each customer's latest follow-up on or before ``as_of``, for the customers whose
    latest falls in ``since`` .. ``until`` (default ``as_of``)."""
    until = as_of if until is None else until
    summary = scope.contact_summary(as_of=as_of)
    kept = scope.next_contacts(people=False) if summary is None else None
    if summary is not None:  # nothing after as_of: the latest follow-up is the customer's last
        s = summary.filter(in_range(summary.last_at, since, until))
        return s.select(fu_customer=s.customer_id, last_fu=s.last_at)
    if kept is not None:  # the latest follow-up is the one whose next contact comes after as_of
        fu, level = kept
        fu = fu.filter(in_range(fu.contacted_at, since, until), last_in(fu, level, as_of))
        return fu.select(fu_customer=fu.customer_id, last_fu=fu.contacted_at)
    fu = scope.visible("follow_ups")
    fu = fu.filter(in_range(fu.contacted_at, since, as_of))
    last = fu.group_by(fu_customer=fu.customer_id).aggregate(last_fu=fu.contacted_at.max())
    return last if until == as_of else last.filter(in_range(last.last_fu, since, until))


def _assigned_at(t: ir.Table) -> ir.TimestampValue:
    """When the customer was assigned: assigned_at, or created_at when it has none."""
    return ibis.coalesce(t.assigned_at, t.created_at)


def _last_contact(scope, customers: ir.Table, as_of: dt.date, lookback: int) -> ir.Table:
    """``customers`` with assigned_day and last_contact_day: the later of the assignment day and the day of
    the latest follow-up on or before ``as_of`` among those of the last ``lookback`` days. Customers from
    the store's copy (``_customers``) carry their latest follow-up (last_at), which is then the one."""
    since = as_of - dt.timedelta(days=max(lookback, 1) - 1)
    if LATEST in customers.columns:  # kept for the drill-downs' lists (see _with_customer)
        j = customers.mutate(last_fu=ibis.ifelse(in_range(customers[LATEST], since, as_of), customers[LATEST],
                                                 ibis.null("timestamp")))
    else:
        last = _last_follow_ups(scope, as_of, since)
        j = customers.left_join(last, customers.customer_id == last.fu_customer).drop("fu_customer")
    assigned_day = _assigned_at(j).date()
    j = j.mutate(assigned_day=assigned_day,
                 last_contact_day=ibis.greatest(assigned_day, ibis.coalesce(j.last_fu.date(), assigned_day)))
    return j.drop("last_fu")


def _customers(scope, as_of: dt.date) -> ir.Table:
    """The customers in scope: the store's copy of what pool risk and hygiene read of them, with each one's latest
    follow-up (crm_core.kept_summaries.LAST_CONTACTS), when it is the answer as of ``as_of`` and the viewer sees
    everything; else scope.customers. Either way the rows' customer_id leads back to scope.customers."""
    kept = scope.customers_with_last_contact(as_of)
    return scope.customers if kept is None else kept


def _with_customer(scope, rows: ir.Table, *columns: str) -> ir.Table:
    """The customers of ``rows`` for a drill-down's list, with the ``columns`` of rows. Rows from the store's copy
    (``_customers``) already hold what the list shows, and their latest follow-up is the one it shows (that copy
    is handed out only to a viewer who sees every follow-up); other rows get every column of the customers."""
    if LATEST in rows.columns:
        return rows.select(*LISTED, *columns, **{LAST_CONTACT: rows[LATEST]})
    c = scope.customers
    r = rows.select("customer_id", *columns).rename(row_customer="customer_id")
    j = c.inner_join(r, c.customer_id == r.row_customer)
    return j.select(*c.columns, *columns)


def _open_owned(scope, as_of: dt.date, won_counts: bool) -> ir.Table:
    """Owned customers in scope (see ``_customers``), assigned on or before ``as_of`` and not lost by then
    (nor won, unless ``won_counts``)."""
    c = _customers(scope, as_of)
    after = day_start(as_of + dt.timedelta(days=1))
    c = c.filter(c.owner_id.notnull(), c.lost_at.isnull() | (c.lost_at >= after),
                 _assigned_at(c) < after)
    if not won_counts:
        c = c.filter(c.won_at.isnull() | (c.won_at >= after))
    return c


def at_risk_rows(scope, as_of: dt.date | None = None, rule_days: int | None = None,
                 window_days: int | None = None) -> ir.Table:
    """The customers at pool risk (see the module), with rule_days, last_contact_day and reclaim_day."""
    as_of = as_of or dt.date.today()
    window = 1 if window_days is None else int(window_days)
    default, per_category = rules(scope, rule_days)
    c = _open_owned(scope, as_of, won_counts=False)
    if per_category:
        n = ibis.cases(*[(c.category == cat, days) for cat, days in per_category.items()], else_=default)
    else:
        n = ibis.literal(default)
    c = c.mutate(rule_days=n.cast("int64"))
    # Reclaim day L + N in D+1 .. D+W  <=>  N - W <= D - L <= N - 1: L lies in D - max(N) + 1 .. D - min(N) + W.
    days = [default, *per_category.values()]
    first = as_of - dt.timedelta(days=max(max(days), 1) - 1)
    last_day = min(as_of, as_of - dt.timedelta(days=min(days) - window))
    # Only customers assigned in those days or last contacted in them can be at risk: narrowing to them first
    # leaves a few thousand to join with every recent follow-up instead of every owned customer (at M, 130,000).
    if LATEST in c.columns:
        recent = in_range(c[LATEST], first, last_day)
    else:
        recent = c.customer_id.isin(_last_follow_ups(scope, as_of, first, last_day).fu_customer)
    assigned_day = _assigned_at(c).date()
    c = c.filter(assigned_day.between(first, last_day) | recent)
    c = _last_contact(scope, c, as_of, max(days))
    age = ibis.date(as_of).delta(c.last_contact_day, unit="day")
    c = c.filter(age >= c.rule_days - window, age <= c.rule_days - 1)
    return c.mutate(reclaim_day=c.last_contact_day + c.rule_days.as_interval("D"))


def _risk_drill(scope, row: dict, column: str | None = None, as_of: dt.date | None = None,
                rule_days: int | None = None, window_days: int | None = None) -> ir.Table:
    """The customers at risk (of the row's owner, when it names one), with rule_days and reclaim_day."""
    rows = at_risk_rows(scope, as_of, rule_days, window_days)
    if row.get("employee_id") is not None:
        rows = rows.filter(rows.owner_id == str(row["employee_id"]))
    return _with_customer(scope, rows, "rule_days", "reclaim_day")


@report("pool-risk", columns=["employee_id", "customers"], drill=_risk_drill)
def pool_risk(scope, as_of: dt.date | None = None, rule_days: int | None = None,
              window_days: int | None = None) -> pd.DataFrame:
    """Customers that will be reclaimed into the pool within the window, per owner; owners with none are
    left out. Sorted by customers (most first), then employee_id. Columns: employee_id, customers."""
    rows = at_risk_rows(scope, as_of, rule_days, window_days)
    df = scope.run(rows.group_by(employee_id=rows.owner_id).aggregate(customers=rows.count()))
    df["customers"] = df["customers"].astype("int64")
    return df.sort_values(["customers", "employee_id"], ascending=[False, True]).reset_index(drop=True)


def _claims_drill(scope, row: dict, column: str | None = None) -> ir.Table:
    """The customers claimed in the row's period by its employee from its pool."""
    e = scope.pool_events
    e = e.filter(e.action == "claimed", in_range(e["at"], *bucket_range(scope, row["period"])))
    for col in ("employee_id", "pool"):
        value = row.get(col)
        e = e.filter(e[col].isnull() if value is None or pd.isna(value) else e[col] == value)
    c = scope.visible("customers")
    return c.filter(c.customer_id.isin(e.customer_id))


@report("pool-claims", columns=["period", "employee_id", "pool", "claims"], drill=_claims_drill)
def pool_claims(scope) -> pd.DataFrame:
    """Claims from the pools (pool_events with action claimed) per period, employee (who claimed) and pool.
    Every period of the range appears: each (employee, pool) with a claim in the range on every period,
    0 where it claimed nothing; a range without claims gives one row per period with empty employee and
    pool and 0. Columns: period, employee_id, pool, claims."""
    cols = ["period", "employee_id", "pool", "claims"]
    rng = scope.date_range([("pool_events", "at")])
    if rng is None:
        return pd.DataFrame(columns=cols)
    start, end = rng
    period = scope.filters.period
    e = scope.pool_events
    e = e.filter(e.action == "claimed", in_range(e["at"], start, end))
    claims = scope.run(e.group_by(period=bucket(e["at"], period), employee_id=e.employee_id, pool=e.pool)
                       .aggregate(claims=e.count()))
    periods = periods_between(start, end, period)
    if claims.empty:  # no claim: one row per period, with no employee and pool
        return pd.DataFrame({"period": periods, "employee_id": None, "pool": None, "claims": 0})[cols]
    # The grid (every period x every pair that claimed, in the report's order) is laid out by position: each
    # column repeats a few values, so no string is made per row (the statement's 35,000-row grid for one region
    # at M cost more to fetch and convert than to count).
    pairs = claims[["employee_id", "pool"]].drop_duplicates() \
        .sort_values(["employee_id", "pool"], na_position="last", ignore_index=True)
    at_pair = claims.merge(pairs.reset_index(), on=["employee_id", "pool"], how="left")["index"].to_numpy()
    at_period = pd.Index(pd.to_datetime(periods)).get_indexer(pd.to_datetime(claims["period"]))
    counts = np.zeros(len(periods) * len(pairs), dtype="int64")
    counts[at_period * len(pairs) + at_pair] = claims["claims"].to_numpy()
    none_for_missing = {col: pairs[col].to_numpy(dtype=object, na_value=None) for col in ("employee_id", "pool")}
    return pd.DataFrame({"period": np.repeat(np.array(periods, dtype=object), len(pairs)),
                         **{col: pd.Series(np.tile(values, len(periods)), dtype=object)
                            for col, values in none_for_missing.items()},
                         "claims": counts}, columns=cols)


HYGIENE_BANDS = {
    # name: predicate on the days since the last contact (see hygiene_rows)
    "no_contact_7": lambda t: (t.days_since_contact >= 7) & (t.days_since_contact < 15),
    "no_contact_15": lambda t: (t.days_since_contact >= 15) & (t.days_since_contact < 30),
    "no_contact_30": lambda t: t.days_since_contact >= 30,
    "overdue_next_contact": lambda t: t.overdue,
}


def hygiene_rows(scope, as_of: dt.date | None = None) -> ir.Table:
    """Owned customers in scope not lost by D (as of, default today), assigned on or before D, with
    days_since_contact (D - L, L as in pool risk; 30 stands for "30 or more") and overdue (next_contact_at
    on a day before D)."""
    as_of = as_of or dt.date.today()
    c = _last_contact(scope, _open_owned(scope, as_of, won_counts=True), as_of, HYGIENE_DAYS)
    age = ibis.date(as_of).delta(c.last_contact_day, unit="day")
    return c.mutate(days_since_contact=age,
                    overdue=c.next_contact_at.notnull() & (c.next_contact_at < day_start(as_of)))


def _hygiene_drill(scope, row: dict, column: str | None = None, as_of: dt.date | None = None) -> ir.Table:
    """The customers of a hygiene band (``column``; all owned ones for "customers"), of the row's owner
    when it names one, with days_since_contact."""
    rows = hygiene_rows(scope, as_of)
    if column in HYGIENE_BANDS:
        rows = rows.filter(HYGIENE_BANDS[column](rows))
    if row.get("employee_id") is not None:
        rows = rows.filter(rows.owner_id == str(row["employee_id"]))
    return _with_customer(scope, rows, "days_since_contact")


@report("follow-up-hygiene", cli=False, drill=_hygiene_drill,
        columns=["employee_id", "customers", *HYGIENE_BANDS])
def followup_hygiene(scope, as_of: dt.date | None = None) -> pd.DataFrame:
    """Per owner, as of D: customers (owned, not lost, assigned by D), those with no contact for 7-14,
    15-29 and 30+ days, and those whose next contact is overdue. Sorted by employee_id.
    Columns: employee_id, customers, no_contact_7, no_contact_15, no_contact_30, overdue_next_contact."""
    rows = hygiene_rows(scope, as_of)
    measures = {name: pred(rows).sum() for name, pred in HYGIENE_BANDS.items()}
    df = scope.run(rows.group_by(employee_id=rows.owner_id).aggregate(customers=rows.count(), **measures))
    for col in ["customers", *HYGIENE_BANDS]:
        df[col] = df[col].fillna(0).astype("int64")
    return df.sort_values("employee_id").reset_index(drop=True)[["employee_id", "customers", *HYGIENE_BANDS]]
