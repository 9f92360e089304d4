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


def purchases(t) -> pd.DataFrame:
    """customer_id, when, amount: won deals with a customer and closed_at, by closed_at; won_at (amount 0) for a
    customer with won_at and no won deal at all in the data."""
    d = t["deals"]
    won = d[d.status == "won"]
    w = won[won.customer_id.notna() & won.closed_at.notna()]
    bought = pd.DataFrame({"customer_id": w.customer_id, "when": w.closed_at, "amount": w.amount.fillna(0.0)})
    c = t["customers"]
    only = c[c.won_at.notna() & ~c.customer_id.isin(set(won.customer_id.dropna()))]
    marked = pd.DataFrame({"customer_id": only.customer_id, "when": only.won_at, "amount": 0.0})
    return pd.concat([bought, marked], ignore_index=True)


def periods(start: dt.date, end: dt.date, period: str) -> list[dt.date]:
    """The first day of every period overlapping [start, end]."""
    if period == "day":
        return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    if period == "week":
        first = start - dt.timedelta(days=start.weekday())
        return [first + dt.timedelta(weeks=i) for i in range((end - first).days // 7 + 1)]
    freq = {"month": "M", "quarter": "Q", "year": "Y"}[period]
    return list(pd.period_range(start, end, freq=freq).start_time.date)
