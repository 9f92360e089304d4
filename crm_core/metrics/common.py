"""Building blocks shared by the report families: resolving the range, counting per period."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import ibis
import pandas as pd

from ..backend import table as table_of
from ..backend import to_frame, to_rows
from ..filters import Filters, attributed, employees_in_scope, in_range
from ..periods import bucket, periods_between

By = Literal["department", "employee"] | None
GROUP_COLUMN = {"department": "department_id", "employee": "employee_id"}


def data_span(backend: ibis.BaseBackend, columns: list[tuple[str, str]]) -> tuple[dt.date, dt.date] | None:
    """First and last day found in the given (table, column) pairs, or None when all are empty."""
    lows, highs = [], []
    for table, col in columns:
        t = table_of(backend, table)
        lo, hi = to_rows(t.aggregate(lo=t[col].min(), hi=t[col].max()))[0].values()
        if lo is not None:
            lows.append(lo.date() if isinstance(lo, dt.datetime) else lo)
            highs.append(hi.date() if isinstance(hi, dt.datetime) else hi)
    return (min(lows), max(highs)) if lows else None


def resolve_range(
    backend: ibis.BaseBackend, filters: Filters, columns: list[tuple[str, str]]
) -> tuple[dt.date, dt.date] | None:
    """The filters' range, its open ends filled from the span of the data the report counts."""
    if filters.start and filters.end:
        return filters.start, filters.end
    span = data_span(backend, columns)
    if span is None:
        return (filters.start, filters.end) if filters.start or filters.end else None
    start = filters.start or span[0]
    end = filters.end or max(span[1], start)
    return start, end


def group_keys(backend: ibis.BaseBackend, filters: Filters, by: By) -> list:
    """The groups every period is shown for: the employees (or their departments) in scope."""
    emp = employees_in_scope(backend, filters)
    col = GROUP_COLUMN[by]
    return sorted(r[col] for r in to_rows(emp.select(col).distinct()) if r[col] is not None)


def complete_series(
    df: pd.DataFrame, periods: list[dt.date], value_cols: list[str], group_col: str | None, groups: list
) -> pd.DataFrame:
    """Every period (and group) present, 0 where nothing happened; sorted by period, then group
    (the groups given first, then any others seen, then records with no group, shown as empty)."""
    index_cols = ["period"] + ([group_col] if group_col else [])
    df = df.copy()
    if len(df):
        df["period"] = pd.to_datetime(df["period"]).dt.date
    if not group_col:  # the common case, kept cheap
        out = df.set_index("period")[value_cols].reindex(periods, fill_value=0).fillna(0).astype("int64")
        return out.rename_axis("period").reset_index()
    if group_col:
        df[group_col] = df[group_col].astype(object).where(df[group_col].notna(), None)
        seen = set(df[group_col].tolist())
        all_groups = list(groups) + sorted(g for g in seen - set(groups) if g is not None)
        if None in seen:
            all_groups.append(None)
        grid = pd.MultiIndex.from_product([periods, all_groups], names=index_cols).to_frame(index=False)
        grid[group_col] = grid[group_col].astype(object).where(grid[group_col].notna(), None)
    else:
        grid = pd.DataFrame({"period": periods})
    out = grid.merge(df[index_cols + value_cols], on=index_cols, how="left") if len(df) else grid
    for c in value_cols:
        out[c] = out[c].fillna(0).astype("int64") if c in out else 0
    return out[index_cols + value_cols].reset_index(drop=True)


def counts_in_range(
    backend: ibis.BaseBackend,
    filters: Filters,
    start: dt.date,
    end: dt.date,
    *,
    table: str,
    date_col: str,
    employee_col: str,
    value: str,
    distinct: str | None = None,
    by: By = None,
) -> pd.DataFrame:
    """Rows of ``table`` (or distinct ``distinct`` values) per period of ``date_col`` within
    [start, end], attributed to ``employee_col``; only the periods (and groups) that have any."""
    t = attributed(backend, filters, table_of(backend, table), employee_col)
    t = t.filter(in_range(t[date_col], start, end))
    keys = {"period": bucket(t[date_col], filters.period)}
    if by == "employee":
        keys["employee_id"] = t[employee_col]
    elif by == "department":
        emp = table_of(backend, "employees").select("employee_id", "department_id")
        t = t.left_join(emp, t[employee_col] == emp.employee_id)
        keys["department_id"] = t.department_id
    measure = t[distinct].nunique() if distinct else t.count()
    return to_frame(t.group_by(**keys).aggregate(**{value: measure}))


def count_per_period(
    backend: ibis.BaseBackend,
    filters: Filters,
    *,
    by: By = None,
    span_columns: list[tuple[str, str]] | None = None,
    **count,
) -> pd.DataFrame:
    """``counts_in_range`` over the filters' range, completed so every period (and group) shows.

    Columns: period[, department_id | employee_id], the value."""
    return combine_series(backend, filters, [count], by=by, span_columns=span_columns)


def combine_series(
    backend: ibis.BaseBackend,
    filters: Filters,
    counts: list[dict],
    *,
    by: By = None,
    span_columns: list[tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """Several ``counts_in_range`` side by side on one complete grid of periods (and groups)."""
    group_col = GROUP_COLUMN[by] if by else None
    values = [c["value"] for c in counts]
    keys = ["period"] + ([group_col] if group_col else [])
    rng = resolve_range(backend, filters, span_columns or [(c["table"], c["date_col"]) for c in counts])
    if rng is None:
        return pd.DataFrame(columns=keys + values)
    start, end = rng
    parts = [counts_in_range(backend, filters, start, end, by=by, **c) for c in counts]
    df = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=keys + values)
    if len(df):
        df = df.groupby(keys, dropna=False, sort=False)[values].sum(min_count=1).reset_index()
    groups = group_keys(backend, filters, by) if by else []
    return complete_series(df, periods_between(start, end, filters.period), values, group_col, groups)
