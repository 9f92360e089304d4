"""Customer growth: how many customers were created, contacted, scheduled, won and churned per period.

Each function returns one row per period in the range (and per group with ``by``), zeros included:
columns ``period`` (first day of the bucket), then ``department_id`` / ``employee_id`` with ``by``,
then the count. Attribution: follow-ups to who made the contact, customers to their current owner.
"""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd

from ..backend import table, to_rows
from ..filters import Filters, attributed, in_range
from .common import By, combine_series, count_per_period, resolve_range

NEW = dict(table="customers", date_col="created_at", employee_col="owner_id", value="new_customers")
CONTACTED = dict(table="follow_ups", date_col="contacted_at", employee_col="employee_id",
                 value="contacted_customers", distinct="customer_id")
NEXT_CONTACT = dict(table="customers", date_col="next_contact_at", employee_col="owner_id",
                    value="next_contact_customers")
WON = dict(table="customers", date_col="won_at", employee_col="owner_id", value="won_customers")
CHURNED = dict(table="customers", date_col="lost_at", employee_col="owner_id", value="churned_customers")


def new_customers(backend: ibis.BaseBackend, filters: Filters, by: By = None) -> pd.DataFrame:
    """Customers whose created_at falls in the period. Column: new_customers."""
    return count_per_period(backend, filters, by=by, **NEW)


def contacted_customers(backend: ibis.BaseBackend, filters: Filters, by: By = None) -> pd.DataFrame:
    """Distinct customers with at least one follow-up in the period (distinct per period and group).
    Column: contacted_customers."""
    return count_per_period(backend, filters, by=by, **CONTACTED)


def next_contact_customers(backend: ibis.BaseBackend, filters: Filters, by: By = None) -> pd.DataFrame:
    """Customers whose next_contact_at falls in the period. Column: next_contact_customers."""
    return count_per_period(backend, filters, by=by, **NEXT_CONTACT)


def won_customers(backend: ibis.BaseBackend, filters: Filters, by: By = None) -> pd.DataFrame:
    """Customers whose won_at falls in the period. Column: won_customers."""
    return count_per_period(backend, filters, by=by, **WON)


def churned_customers(backend: ibis.BaseBackend, filters: Filters, by: By = None) -> pd.DataFrame:
    """Customers whose lost_at falls in the period. Column: churned_customers."""
    return count_per_period(backend, filters, by=by, **CHURNED)


def net_growth(backend: ibis.BaseBackend, filters: Filters, by: By = None) -> pd.DataFrame:
    """New and churned customers per period, and net_growth = new - churned.

    Columns: new_customers, churned_customers, net_growth."""
    out = combine_series(backend, filters, [NEW, CHURNED], by=by)
    out["net_growth"] = out["new_customers"] - out["churned_customers"]
    return out


SUMMARY_METRICS = {"new_customers": NEW, "contacted_customers": CONTACTED,
                   "next_contact_customers": NEXT_CONTACT, "won_customers": WON, "churned_customers": CHURNED}


def _total(backend: ibis.BaseBackend, filters: Filters, start, end, spec: dict) -> int:
    t = attributed(backend, filters, table(backend, spec["table"]), spec["employee_col"])
    t = t.filter(in_range(t[spec["date_col"]], start, end))
    measure = t[spec["distinct"]].nunique() if spec.get("distinct") else t.count()
    return int(list(to_rows(measure.name("n").as_table())[0].values())[0])


def growth_summary(backend: ibis.BaseBackend, filters: Filters) -> pd.DataFrame:
    """Totals over the whole range and over the equally long range just before it.

    Columns: metric (new_customers, contacted_customers, next_contact_customers, won_customers,
    churned_customers, net_growth), current, previous. Contacted customers are distinct over the range."""
    rng = resolve_range(backend, filters, [("customers", "created_at")])
    if rng is None:
        return pd.DataFrame(columns=["metric", "current", "previous"])
    start, end = rng
    length = end - start + dt.timedelta(days=1)
    prev_start, prev_end = start - length, start - dt.timedelta(days=1)
    rows = [(name, _total(backend, filters, start, end, spec), _total(backend, filters, prev_start, prev_end, spec))
            for name, spec in SUMMARY_METRICS.items()]
    out = pd.DataFrame(rows, columns=["metric", "current", "previous"])
    net = out.set_index("metric").loc["new_customers"] - out.set_index("metric").loc["churned_customers"]
    return pd.concat([out, pd.DataFrame([("net_growth", int(net.current), int(net.previous))], columns=out.columns)],
                     ignore_index=True)
