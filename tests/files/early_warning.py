"""The at-risk and care reports written independently in plain pandas from DESIGN.md's words (the
readings are listed in tests/test_at_risk_vs_pandas.py and tests/test_care_vs_pandas.py), and the narrowing
of the tables to what a viewer may see ("Who sees what"), done here apart from crm_core.scope.

Every function takes ``t``, the tables as DataFrames (``load``), and a crm_core Filters value whose ``end``
is E (the tests always give one).
"""

from __future__ import annotations

import calendar
import datetime as dt

import holidays
import pandas as pd

from .frames import after, load, purchases, ts  # noqa: F401 - the tests import them from here too

AT_RISK_COLUMNS = ["customer_id", "employee_id", "reason", "days_since", "usual_days", "ratio"]
CARE_COLUMNS = ["date", "occasion", "customer_id", "employee_id"]
MIN_USUAL_DAYS = 7.0
PURCHASES_NEEDED, FOLLOW_UPS_NEEDED = 3, 4
NPS_DROP = 3
KEY_SHARE = 0.8
KEY_DAYS = 365
DEFAULT_COUNTRY = "CN"


def none_if_empty(v):
    return None if v is None or (not isinstance(v, str) and pd.isna(v)) else v


# -- who --------------------------------------------------------------------------------------------------
def _parents(t) -> dict:
    d = t["departments"]
    return {k: none_if_empty(p) for k, p in zip(d.department_id, d.parent_id)}


def _under(dep, roots, parents) -> bool:
    """``dep`` is one of ``roots`` or below one (walking parent_id)."""
    seen = set()
    while dep is not None and dep not in seen:
        if dep in roots:
            return True
        seen.add(dep)
        dep = parents.get(dep)
    return False


def people(t, f) -> set | None:
    """Employees the filters select (departments with every sub-department), or None without a people filter."""
    if not (f.departments or f.employees):
        return None
    emp, parents = t["employees"], _parents(t)
    if f.departments:
        emp = emp[emp.department_id.map(lambda d: _under(none_if_empty(d), set(f.departments), parents))]
    if f.employees:
        emp = emp[emp.employee_id.isin(f.employees)]
    return set(emp.employee_id)


def scoped_customers(t, f) -> pd.DataFrame:
    """Customers by owner; with a people filter unowned customers drop, without one everything counts."""
    who = people(t, f)
    c = t["customers"]
    return c if who is None else c[c.owner_id.isin(who)]


def visible_people(t, viewer) -> set | None:
    """Who a viewer may see: None (everything) for an admin; a rep themselves; a manager the employees of
    their department and its sub-departments."""
    if viewer.role == "admin":
        return None
    if viewer.role == "rep":
        return {viewer.employee_id}
    emp, parents = t["employees"], _parents(t)
    return set(emp[emp.department_id.map(lambda d: _under(none_if_empty(d), {viewer.department_id}, parents))]
               .employee_id)


def narrowed(t, viewer) -> dict[str, pd.DataFrame]:
    """The tables holding only what ``viewer`` may see: customers by owner, follow-ups by who made them,
    deals by owner, surveys with their (visible) customer; unowned records only for an admin."""
    who = visible_people(t, viewer)
    if who is None:
        return t
    out = dict(t)
    out["employees"] = t["employees"][t["employees"].employee_id.isin(who)]
    out["customers"] = t["customers"][t["customers"].owner_id.isin(who)]
    out["follow_ups"] = t["follow_ups"][t["follow_ups"].employee_id.isin(who)]
    out["deals"] = t["deals"][t["deals"].owner_id.isin(who)]
    out["surveys"] = t["surveys"][t["surveys"].customer_id.isin(set(out["customers"].customer_id))]
    return out


# -- at risk ------------------------------------------------------------------------------------------
def _gap_rows(events: pd.DataFrame, customers: pd.DataFrame, E: dt.date, needed: int, reason: str) -> list[tuple]:
    """One row per customer with ``needed``+ events as of E whose days since the last one exceed twice the
    mean gap between the first and the last event day (at least 7)."""
    owner = dict(zip(customers.customer_id, customers.owner_id))
    ev = events[events.customer_id.isin(owner) & (events.when < after(E))]
    rows = []
    for cid, when in ev.groupby("customer_id").when:
        n = len(when)  # events, not distinct days: two on one day are two
        if n < needed:
            continue
        first, last = when.min().date(), when.max().date()
        usual = max(MIN_USUAL_DAYS, (last - first).days / (n - 1))
        since = (E - last).days
        if since > 2 * usual:
            rows.append((cid, none_if_empty(owner[cid]), reason, since, usual, since / usual))
    return rows


def _nps_rows(surveys: pd.DataFrame, customers: pd.DataFrame, E: dt.date) -> list[tuple]:
    owner = dict(zip(customers.customer_id, customers.owner_id))
    s = surveys[surveys.customer_id.isin(owner) & (surveys.responded_at < after(E))]
    s = s.sort_values(["customer_id", "responded_at", "survey_id"])
    rows = []
    for cid, g in s.groupby("customer_id"):
        if len(g) < 2:
            continue
        previous, latest = g.iloc[-2], g.iloc[-1]
        drop = int(previous.score) - int(latest.score)
        if drop >= NPS_DROP:
            since = (E - latest.responded_at.date()).days
            rows.append((cid, none_if_empty(owner[cid]), "nps_drop", since, None, float(drop)))
    return rows


def expected_at_risk(t, f) -> list[tuple]:
    """The at-risk rows (see tests/test_at_risk_vs_pandas.py), ordered by ratio descending, then
    customer_id, then reason."""
    E = f.end
    c = scoped_customers(t, f)
    c = c[~(c.lost_at < after(E))]  # not lost by E (NaT < x is False: never lost)
    fu = t["follow_ups"]
    rows = (_gap_rows(purchases(t), c, E, PURCHASES_NEEDED, "purchase_gap")
            + _gap_rows(pd.DataFrame({"customer_id": fu.customer_id, "when": fu.contacted_at}), c, E,
                        FOLLOW_UPS_NEEDED, "contact_gap")
            + _nps_rows(t["surveys"], c, E))
    return sorted(rows, key=lambda r: (-r[5], r[0], r[2]))


# -- care ---------------------------------------------------------------------------------------------
def window(f, days: int) -> tuple[dt.date, dt.date]:
    return f.end + dt.timedelta(days=1), f.end + dt.timedelta(days=days)


def key_customers(t, f) -> list[str]:
    """The Pareto prefix over E-364 .. E: customers in scope with revenue > 0 from won deals by anyone
    (NULL amounts as 0), by revenue descending then customer_id; the shortest prefix reaching 80%."""
    E = f.end
    ids = set(scoped_customers(t, f).customer_id)
    d = t["deals"]
    w = d[(d.status == "won") & d.customer_id.isin(ids)
          & (d.closed_at >= ts(E - dt.timedelta(days=KEY_DAYS - 1))) & (d.closed_at < after(E))]
    revenue = w.assign(amount=w.amount.fillna(0.0)).groupby("customer_id").amount.sum()
    ranked = sorted(((r, cid) for cid, r in revenue.items() if r > 0), key=lambda x: (-x[0], x[1]))
    total = sum(r for r, _ in ranked)
    keys, cumulative = [], 0.0
    for r, cid in ranked:
        keys.append(cid)
        cumulative += r
        if cumulative / total >= KEY_SHARE:
            break
    return keys


def birthday_in(birthday: dt.date, year: int) -> dt.date:
    """The day a birthday falls on in ``year``: 29 February on 28 February in years that are not leap years."""
    if (birthday.month, birthday.day) == (2, 29) and not calendar.isleap(year):
        return dt.date(year, 2, 28)
    return dt.date(year, birthday.month, birthday.day)


def holiday_firsts(country: str, first: dt.date, last: dt.date) -> dict[tuple[str, int], dt.date]:
    """(holiday name, year) -> its first day in first .. last; the library's substituted days off
    ("Day off ...") dropped; two names on one day are two holidays."""
    years = list(range(first.year, last.year + 1))
    cal = holidays.country_holidays(country, years=years, language="en_US", observed=False)
    found = {}
    day = first
    while day <= last:
        for name in cal.get_list(day):
            if not name.startswith("Day off"):
                found.setdefault((name, day.year), day)
        day += dt.timedelta(days=1)
    return found


def country(t) -> str:
    s = t["settings"]
    found = s[s.key == "holiday_country"].value
    return found.iloc[0] if len(found) and none_if_empty(found.iloc[0]) else DEFAULT_COUNTRY


def expected_care(t, f, days: int) -> list[tuple]:
    """The care rows (see tests/test_care_vs_pandas.py), ordered by date, occasion, customer_id."""
    first, last = window(f, days)
    c = scoped_customers(t, f)
    owner = {cid: none_if_empty(o) for cid, o in zip(c.customer_id, c.owner_id)}
    rows = []
    for cid, born in zip(c.customer_id, c.birthday):
        if pd.isna(born):
            continue
        for year in range(first.year, last.year + 1):
            day = birthday_in(born.date(), year)
            if first <= day <= last:
                rows.append((day, "birthday", cid, owner[cid]))
    for cid, nxt in zip(c.customer_id, c.next_contact_at):
        if not pd.isna(nxt) and first <= nxt.date() <= last:
            rows.append((nxt.date(), "next_contact", cid, owner[cid]))
    keys = key_customers(t, f)
    for (name, _year), day in holiday_firsts(country(t), first, last).items():
        rows.extend((day, name, cid, owner[cid]) for cid in keys)
    return sorted(rows, key=lambda r: (r[0], r[1], r[2]))


# -- small hand-built databases ---------------------------------------------------------------------
T = dt.datetime
OLD = T(2023, 1, 1)
ORG = {
    # D1 > D2; D3 apart. A in D1, B in D2 (so under D1), C in D3.
    "departments": [{"department_id": "D1", "name": "One", "parent_id": None},
                    {"department_id": "D2", "name": "Two", "parent_id": "D1"},
                    {"department_id": "D3", "name": "Three", "parent_id": None}],
    "employees": [{"employee_id": "A", "name": "Ann", "department_id": "D1"},
                  {"employee_id": "B", "name": "Bob", "department_id": "D2"},
                  {"employee_id": "C", "name": "Cy", "department_id": "D3"}],
}


def customer(cid, owner=None, *, created=OLD, won_at=None, lost_at=None, birthday=None, next_contact_at=None):
    return {"customer_id": cid, "name": cid, "owner_id": owner, "created_at": created, "won_at": won_at,
            "lost_at": lost_at, "birthday": birthday, "next_contact_at": next_contact_at}


def deal(did, customer_id, owner, status, amount=None, closed=None):
    return {"deal_id": did, "customer_id": customer_id, "owner_id": owner, "status": status, "amount": amount,
            "closed_at": closed, "created_at": T(2022, 6, 1), "product": "P", "stage": status}


def won(did, customer_id, owner, closed, amount=10.0):
    return deal(did, customer_id, owner, "won", amount, closed)


def follow_up(fid, customer_id, employee, at):
    return {"follow_up_id": fid, "customer_id": customer_id, "employee_id": employee, "contacted_at": at}


def survey(sid, customer_id, at, score):
    return {"survey_id": sid, "customer_id": customer_id, "responded_at": at, "score": score}


def insert(cur, table: str, rows: list[dict]) -> None:
    """INSERT with named columns (the others keep their defaults or NULL)."""
    for row in rows:
        cols = list(row)
        cur.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                    [row[c] for c in cols])


def fill(store, settings: dict | None = None, **tables):
    """Write the org chart and ``tables`` (name -> rows) in one store write; return the Ibis backend."""
    with store.write() as cur:
        for name, rows in {**ORG, **tables}.items():
            insert(cur, name, rows)
        for key, value in (settings or {}).items():
            cur.execute("INSERT INTO settings VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        [key, value])
    return store.backend()
