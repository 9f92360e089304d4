"""Customer growth: how many customers were created, contacted, scheduled, won and churned per period.

Each function returns one row per period in the range (and per group with ``by``), zeros included:
columns ``period`` (first day of the bucket), then ``department_id`` / ``employee_id`` with ``by``,
then the count. Attribution: follow-ups to who made the contact, customers to their current owner.
"""

from __future__ import annotations

import ibis
import pandas as pd

from ..filters import Filters
from .common import By, combine_series, count_per_period

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
