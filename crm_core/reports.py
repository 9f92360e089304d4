"""Every report by its CLI name: how the command line (and any other caller) runs it.

Each entry takes the backend, the Filters and the parsed options (by, as_of, rule_days, window_days,
field) and returns the report's DataFrame with the columns DESIGN.md documents.
"""

from __future__ import annotations

from typing import Callable

import pandas as pd

from . import metrics
from .metrics import statistics

Report = Callable[..., pd.DataFrame]


def _series(fn) -> Report:
    return lambda backend, filters, opts: fn(backend, filters, by=opts.get("by"))


REPORTS: dict[str, Report] = {
    "new-customers": _series(metrics.new_customers),
    "contacted-customers": _series(metrics.contacted_customers),
    "next-contact": _series(metrics.next_contact_customers),
    "won-customers": _series(metrics.won_customers),
    "net-growth": _series(metrics.net_growth),
    # Not in the CLI contract's table, used by the Overview page: totals now and in the range before.
    "growth-summary": lambda backend, filters, opts: metrics.growth_summary(backend, filters),
    # The statistics module (issue 4): distributions, owners, regions, the public pool.
    "categories": statistics.categories,
    "tags": statistics.tags,
    "custom-field": statistics.custom_field,
    "customers-per-owner": statistics.customers_per_owner,
    "regions": statistics.regions,
    "pool-risk": statistics.pool_risk,
    "pool-claims": statistics.pool_claims,
    # Not in the CLI contract's table, used by the statistics pages.
    "custom-fields": statistics.custom_fields,
    "owners-by-department": statistics.owners_by_department,
    "follow-up-hygiene": statistics.followup_hygiene,
    "customer-list": statistics.customer_list,
    "customer-count": statistics.customer_count,
}


def run_report(name: str, backend, filters, **opts) -> pd.DataFrame:
    """Run the report called ``name`` (see REPORTS)."""
    if name not in REPORTS:
        raise KeyError(name)
    return REPORTS[name](backend, filters, opts)
