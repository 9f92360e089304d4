"""Cached data access: every declared report and drill-down list goes through here, keyed on the filters,
the viewer and the database's data version (the one invalidation mechanism: every write bumps it)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from crm_core.customer_list import drill_list
from crm_core.reports import run_report
from crm_core.scope import Scope

from .state import current_viewer, data_key, get_store


def _scope(filters, viewer) -> Scope:
    return Scope(get_store().backend(), filters, viewer)


@st.cache_data(show_spinner=False, max_entries=512)
def _report(name: str, filters, viewer, opts: tuple, version: tuple) -> pd.DataFrame:
    return run_report(name, _scope(filters, viewer), **dict(opts))


def report(name: str, filters, **opts) -> pd.DataFrame:
    """The declared report ``name`` for these filters and the signed-in viewer, cached until the data changes."""
    return _report(name, filters, current_viewer(), tuple(sorted(opts.items())), data_key())


@st.cache_data(show_spinner=False, max_entries=256)
def _drill(name: str, filters, viewer, row: tuple, column, opts: tuple, search, limit, version: tuple):
    return drill_list(name, _scope(filters, viewer), dict(row), column, search=search, limit=limit, **dict(opts))


def drill(name: str, filters, row: dict, column: str | None = None, *, search: str | None = None,
          limit: int | None = None, **opts) -> tuple[int, pd.DataFrame]:
    """(how many, the first ``limit``) customers behind a cell of the report ``name`` (see crm_core.customer_list)."""
    return _drill(name, filters, current_viewer(), tuple(sorted(row.items())), column, tuple(sorted(opts.items())),
                  search, limit, data_key())
