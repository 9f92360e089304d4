"""Cached data access: every report goes through here, keyed on the filters and the database version."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from crm_core.reports import run_report

from .state import get_store


@st.cache_data(show_spinner=False, max_entries=512)
def _report(name: str, filters, opts: tuple, version: int) -> pd.DataFrame:
    return run_report(name, get_store().backend(), filters, **dict(opts))


def report(name: str, filters, **opts) -> pd.DataFrame:
    """The report ``name`` (as the CLI names it) for these filters, cached until the data changes."""
    return _report(name, filters, tuple(sorted(opts.items())), get_store().data_version())
