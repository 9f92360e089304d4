"""Writing reports out (CLI output, app downloads): CSV or JSON, safe to open in a spreadsheet."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@")


def neutralise(value):
    """A text cell starting with = + - @ gets a leading apostrophe so spreadsheets do not run it."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells are neutralised; numbers and dates are never altered."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    return out


def with_names(df: pd.DataFrame, employees: dict, departments: dict) -> pd.DataFrame:
    """``df`` with employee_name after employee_id and department_name after department_id (from the
    given id -> name maps; empty where unknown), so a spreadsheet reads without a lookup."""
    out = df.copy()
    for col, names in (("employee_id", employees), ("department_id", departments)):
        if col in out.columns:
            out.insert(out.columns.get_loc(col) + 1, col.replace("_id", "_name"),
                       out[col].map(lambda k: names.get(k) if isinstance(k, str) else None))
    return out


def to_csv(df: pd.DataFrame) -> str:
    """CSV with a header row, ISO dates, no index; numbers at full precision."""
    return safe_frame(df).to_csv(index=False, lineterminator="\n", )


def to_json(df: pd.DataFrame) -> str:
    """A JSON list of records, ISO dates."""
    def default(v):
        if isinstance(v, (dt.date, dt.datetime, pd.Timestamp)):
            return v.isoformat()
        raise TypeError(type(v))
    records = safe_frame(df).astype(object).where(df.notna(), None).to_dict(orient="records")
    return json.dumps(records, ensure_ascii=False, default=default)
