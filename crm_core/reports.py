"""Every report by its CLI name: how the command line (and any other caller) runs it.

Each entry takes the backend, the Filters and the parsed options (by, as_of, rule_days, window_days,
field) and returns the report's DataFrame with the columns DESIGN.md documents.
"""

from __future__ import annotations

from typing import Callable

import pandas as pd

from . import metrics

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
}


def run_report(name: str, backend, filters, **opts) -> pd.DataFrame:
    """Run the report called ``name`` (see REPORTS)."""
    if name not in REPORTS:
        raise KeyError(name)
    return REPORTS[name](backend, filters, opts)
