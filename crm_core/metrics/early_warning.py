"""Early warning: customers whose rhythm broke or whose survey score dropped (DESIGN.md, "at risk").

As of the range's end E, over the customers in scope not lost by E, one row per rule a customer meets:

- purchase_gap: 3+ purchases as of E and days since the last one > 2 x usual_days, usual_days being the
  mean gap between consecutive purchases ((last day - first day) / (purchases - 1)), at least 7;
- contact_gap: the same over their follow-ups, with 4+ follow-ups;
- nps_drop: their latest survey as of E scores at least 3 below the one before (ties by survey_id).

Purchases as crm_core.metrics.sales defines them; follow-ups and surveys by anyone the viewer may see.
Days are calendar days. ratio = days_since / usual_days for the gap rules, the score drop for nps_drop.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import pandas as pd

from .. import kept_summaries as _summaries
from ..filters import day_start, on_or_before
from ..reports import report
from .common import last_in
from .sales import purchases

REASONS = ("purchase_gap", "contact_gap", "nps_drop")
MIN_USUAL_DAYS = 7
GAP_FACTOR = 2
MIN_EVENTS = {"purchase_gap": 3, "contact_gap": 4}
MIN_SCORE_DROP = 3
COLUMNS = ["customer_id", "employee_id", "reason", "days_since", "usual_days", "ratio"]
PURCHASES, SCORES = _summaries.PURCHASES.table, _summaries.SCORES.table  # what the store keeps


def as_of(scope) -> dt.date | None:
    """E: the range's end, else the last day of purchases, follow-ups and surveys."""
    rng = scope.date_range([("deals", "closed_at"), ("customers", "won_at"), ("follow_ups", "contacted_at"),
                            ("surveys", "responded_at")])
    return rng[1] if rng else None


def per_customer(events: ir.Table, end: dt.date | None = None) -> ir.Table:
    """Per customer of (customer_id, at) events as of ``end`` (None: all of them): n (how many), first and last
    (their days)."""
    e = events if end is None else events.filter(on_or_before(events.at, end))
    return e.group_by("customer_id").aggregate(n=e.count(), first=e.at.min().date(), last=e.at.max().date())


def _purchases_per_customer(scope, end: dt.date) -> ir.Table:
    """per_customer of the purchases the viewer sees; from the store's summary (crm_core.kept_summaries) when
    the viewer sees every purchase and none comes after ``end``."""
    kept = scope.summary(PURCHASES, as_of=end)
    return per_customer(purchases(scope), end) if kept is None else kept


def _contacts_per_customer(scope, end: dt.date) -> ir.Table:
    """per_customer of the follow-ups the viewer sees; from the kept table when one level fits: the row of each
    customer's last follow-up up to ``end`` holds how many they had by then and the first's day; from the
    store's summary when nothing comes after ``end``."""
    summary = scope.contact_summary(as_of=end)
    if summary is not None:
        return summary.select("customer_id", n=summary.n, first=summary.first_day, last=summary.last_at.date())
    kept = scope.next_contacts(people=False)
    if kept is None:
        fu = scope.visible("follow_ups")
        return per_customer(fu.select(customer_id=fu.customer_id, at=fu.contacted_at), end)
    fu, level = kept
    fu = fu.filter(on_or_before(fu.contacted_at, end), last_in(fu, level, end))
    return fu.select("customer_id", n=fu[f"seq_{level}"].cast("int64"), first=fu[f"first_{level}"],
                     last=fu.contacted_at.date())


def _gap(g: ir.Table, reason: str, end: dt.date) -> ir.Table:
    """The gap rule over a per_customer table as of ``end``."""
    usual = ibis.greatest(g["last"].delta(g["first"], unit="day").cast("float64") / (g.n - 1),
                          ibis.literal(float(MIN_USUAL_DAYS)))
    since = ibis.date(end).delta(g["last"], unit="day")
    g = g.filter(g.n >= MIN_EVENTS[reason]).mutate(usual_days=usual, days_since=since)
    g = g.filter(g.days_since > GAP_FACTOR * g.usual_days)
    return g.select(customer_id=g.customer_id.cast("string"), reason=ibis.literal(reason), days_since=g.days_since.cast("int64"),
                    usual_days=g.usual_days, ratio=g.days_since / g.usual_days)


def latest_scores(s: ir.Table, end: dt.date | None = None) -> ir.Table:
    """Per customer of surveys ``s`` as of ``end`` (None: all of them): latest and previous score (ties by
    survey_id) and latest_day."""
    s = s.filter(s.customer_id.notnull())
    s = s if end is None else s.filter(on_or_before(s.responded_at, end))
    latest_first = ibis.window(group_by=s.customer_id, order_by=[ibis.desc(s.responded_at), ibis.desc(s.survey_id)])
    s = s.mutate(n=ibis.row_number().over(latest_first)).filter(lambda t: t.n < 2)
    return s.group_by("customer_id").aggregate(
        latest=s.score.max(where=s.n == 0), previous=s.score.max(where=s.n == 1),
        latest_day=s.responded_at.max(where=s.n == 0).date())


def _score_drop(scope, end: dt.date) -> ir.Table:
    g = scope.summary(SCORES, as_of=end)  # the store's, when the viewer sees every survey and none comes after end
    g = latest_scores(scope.visible("surveys"), end) if g is None else g
    g = g.filter(g.previous - g.latest >= MIN_SCORE_DROP)
    return g.select(customer_id=g.customer_id.cast("string"), reason=ibis.literal("nps_drop"),
                    days_since=ibis.date(end).delta(g.latest_day, unit="day").cast("int64"),
                    usual_days=ibis.null("float64"), ratio=(g.previous - g.latest).cast("float64"))


def at_risk_rows(scope, end: dt.date) -> ir.Table:
    """Every (customer, reason) at risk as of ``end``, with the customer's owner as employee_id. The customers
    come from the store's copy with their follow-ups (crm_core.kept_summaries) when it is the answer as of
    ``end``: their contact gaps are then read from the customers in scope, not from every customer's summary."""
    kept = scope.customers_with_last_contact(end)
    c = scope.customers if kept is None else kept
    c = c.filter(c.lost_at.isnull() | (c.lost_at >= day_start(end + dt.timedelta(days=1))))
    if kept is None:
        contacts = _contacts_per_customer(scope, end)
    else:
        contacts = c.filter(c.n.notnull()).select("customer_id", n=c.n, first=c.first_day, last=c.last_at.date())
    rules = ibis.union(_gap(_purchases_per_customer(scope, end), "purchase_gap", end),
                       _gap(contacts, "contact_gap", end), _score_drop(scope, end))
    # The contact gaps from the copy go through this join too, though they hold the owner already: leaving them
    # out of it measured slower for one region at 10M customers (380-400 -> 440-470 ms; company 2.5 -> 2.0 s).
    j = rules.inner_join(c, rules.customer_id == c.customer_id)
    return j.select("customer_id", employee_id=j.owner_id, reason=j.reason, days_since=j.days_since,
                    usual_days=j.usual_days, ratio=j.ratio)


def _ranked(rows: ir.Table) -> ir.Table:
    return rows.order_by([ibis.desc(rows.ratio), rows.customer_id, rows.reason])


def _at_risk_drill(scope, row: dict, column: str | None = None) -> ir.Table:
    """The customer of the row; on an owner's row, that owner's customers at risk (for the column's reason)."""
    c = scope.customers
    if row.get("customer_id"):
        return c.filter(c.customer_id == row["customer_id"])
    end = as_of(scope)
    if end is None:
        return c.filter(ibis.literal(False))
    rows = at_risk_rows(scope, end)
    if column in REASONS:
        rows = rows.filter(rows.reason == column)
    owner = row.get("employee_id")
    rows = rows.filter(rows.employee_id.isnull() if owner is None or pd.isna(owner) else rows.employee_id == owner)
    return c.filter(c.customer_id.isin(rows.customer_id))


@report("at-risk", columns=COLUMNS, drill=_at_risk_drill)
def at_risk(scope) -> pd.DataFrame:
    """Customers at risk as of the range's end, one row per rule met, ranked by ratio (highest first; ties by
    customer_id, reason). Columns: customer_id, employee_id (owner), reason (purchase_gap, contact_gap,
    nps_drop), days_since, usual_days (empty for nps_drop), ratio."""
    end = as_of(scope)
    if end is None:
        return _empty()
    out = scope.run(_ranked(at_risk_rows(scope, end)))
    return out.astype({"days_since": "int64", "usual_days": "float64", "ratio": "float64"})[COLUMNS]


def _empty() -> pd.DataFrame:
    return pd.DataFrame({"customer_id": pd.Series(dtype=object), "employee_id": pd.Series(dtype=object),
                         "reason": pd.Series(dtype=object), "days_since": pd.Series(dtype="int64"),
                         "usual_days": pd.Series(dtype="float64"), "ratio": pd.Series(dtype="float64")})


def per_owner(risk: pd.DataFrame) -> pd.DataFrame:
    """An at-risk frame summed per owner (empty: the public pool): customers at risk and how many meet each rule,
    most first (ties by owner). Columns: employee_id, customers, purchase_gap, contact_gap, nps_drop."""
    cols = ["employee_id", "customers", *REASONS]
    if risk.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c != "employee_id" else object) for c in cols})
    owner = risk.employee_id.astype(object).where(risk.employee_id.notna(), "")
    keyed = pd.DataFrame({"employee_id": owner, "reason": risk.reason.astype(object), "customer_id": risk.customer_id})
    # group-by sizes, not pd.crosstab / nunique: half the time on the company's 90k rows
    counts = keyed.groupby(["employee_id", "reason"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=list(REASONS), fill_value=0)
    counts["customers"] = keyed.drop_duplicates(["employee_id", "customer_id"]).groupby("employee_id").size()
    out = counts.reset_index()
    out = out.sort_values(["customers", "employee_id"], ascending=[False, True], kind="stable")
    out["employee_id"] = out.employee_id.where(out.employee_id != "", None)
    return out.astype({c: "int64" for c in cols[1:]})[cols].reset_index(drop=True)


@report("at-risk-by-owner", cli=False, columns=["employee_id", "customers", *REASONS], drill=_at_risk_drill)
def at_risk_by_owner(scope) -> pd.DataFrame:
    """The at-risk customers per owner (see per_owner). Columns: employee_id, customers, purchase_gap,
    contact_gap, nps_drop."""
    return per_owner(at_risk(scope))
