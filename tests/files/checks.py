"""What tests compare: the database before and after (every table's rows and data_version), and a report's rows
against an independent computation."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from crm_core.schema import TABLES


def snapshot(store) -> dict[str, list[tuple]]:
    """Every canonical table's rows, sorted, plus the settings (which hold data_version)."""
    return {t: sorted(store.query(f"SELECT * FROM {t}"), key=repr) for t in TABLES}


def rows(store, sql: str) -> list[tuple]:
    """The rows of ``sql`` on the store itself (the DuckDB file, or PostgreSQL under `-m postgres`)."""
    return store.query(sql)


def plain(v):
    """A cell as a plain Python value: None for any empty, date for dates, int/float/str otherwise."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date() if v == v.normalize() else v.to_pydatetime()
    if isinstance(v, dt.datetime):
        return v.date() if v.time() == dt.time() else v
    if isinstance(v, np.generic):
        return v.item()
    return v


def same(a, b, abs_tol: float) -> bool:
    """Equal cells: both empty, numbers within 1e-9 relative (or ``abs_tol``), anything else exactly."""
    a, b = plain(a), plain(b)
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return b == pytest.approx(a, rel=1e-9, abs=abs_tol)
    return a == b


def same_rows(df: pd.DataFrame, columns: list[str], expected: list[tuple], name: str, abs_tol: float) -> None:
    """The report ``name`` has exactly ``columns``, and its rows (in order) equal ``expected``."""
    assert list(df.columns) == columns, name
    got = [tuple(plain(v) for v in row) for row in df.itertuples(index=False)]
    exp = [tuple(plain(v) for v in row) for row in expected]
    ok = len(got) == len(exp) and all(len(g) == len(e) and all(same(x, y, abs_tol) for x, y in zip(g, e))
                                      for g, e in zip(got, exp))
    if not ok:
        lines = [f"{name}: rows differ", "  got:"] + [f"    {g}" for g in got] + ["  expected:"] + [f"    {e}" for e in exp]
        pytest.fail("\n".join(lines), pytrace=False)
