"""What the plain-pandas references share: the raw tables as DataFrames, day boundaries, and who a people
filter selects. Test-side code only: the references never read crm_core's metrics."""

from __future__ import annotations

import datetime as dt

import pandas as pd

TABLES = ("customers", "follow_ups", "deals", "deal_stage_history", "surveys", "employees", "departments",
          "settings")


def load(cur, names=TABLES) -> dict[str, pd.DataFrame]:
    """The tables ``names`` read whole through a DuckDB cursor."""
    return {name: cur.execute(f"SELECT * FROM {name}").df() for name in names}


def ts(day: dt.date) -> pd.Timestamp:
    return pd.Timestamp(day)


def after(day: dt.date) -> pd.Timestamp:
    """Midnight that ends ``day``: "on or before day" is ``< after(day)``."""
    return pd.Timestamp(day + dt.timedelta(days=1))


def people(t, f) -> set | None:
    """Employees the filters select (departments with every sub-department, walking parent_id), or None
    without a people filter."""
    if not (f.departments or f.employees):
        return None
    emp = t["employees"]
    if f.departments:
        parent = {d: (None if pd.isna(p) else p) for d, p in zip(t["departments"].department_id, t["departments"].parent_id)}

        def under(d):
            seen = set()
            while d is not None and d not in seen:
                if d in f.departments:
                    return True
                seen.add(d)
                d = parent.get(d)
            return False

        emp = emp[emp.department_id.map(lambda d: not pd.isna(d) and under(d))]
    if f.employees:
        emp = emp[emp.employee_id.isin(f.employees)]
    return set(emp.employee_id)
