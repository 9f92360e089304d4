"""Is my team working its customers: every owner's customers, contacted in the range or not.

The customers are all those an employee owns today (the date range does not narrow them); a customer is
contacted when it has at least one follow-up in the range, by anyone.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd

from ..backend import table
from ..filters import Filters, attributed, employees_in_scope, in_range
from .common import resolve_range


def owned_rows(backend: ibis.BaseBackend, filters: Filters, with_contacted: bool = True) -> ir.Table:
    """Every owned customer in scope with ``contacted``: a follow-up in the filters' range, by anyone."""
    c = attributed(backend, filters, table(backend, "customers"), "owner_id")
    c = c.filter(c.owner_id.notnull())
    if not with_contacted:
        return c
    rng = resolve_range(backend, filters, [("follow_ups", "contacted_at")])
    if rng is None:
        return c.mutate(contacted=ibis.literal(False))
    fu = table(backend, "follow_ups")
    fu = fu.filter(in_range(fu.contacted_at, *rng))
    return c.mutate(contacted=c.customer_id.isin(fu.customer_id))


def customers_per_owner(backend: ibis.BaseBackend, filters: Filters) -> pd.DataFrame:
    """Per employee in scope (and any other owner id the customers carry), the customers owned today split
    into contacted / not contacted in the range. Sorted by employee_id; employees owning nothing show 0.
    Columns: employee_id, contacted, not_contacted."""
    rows = owned_rows(backend, filters)
    agg = rows.group_by(employee_id=rows.owner_id).aggregate(
        contacted=rows.contacted.cast("int64").sum(), not_contacted=(~rows.contacted).cast("int64").sum()
    ).to_pandas()
    emp = employees_in_scope(backend, filters).select("employee_id").to_pandas()
    out = emp.merge(agg, on="employee_id", how="outer")
    for col in ("contacted", "not_contacted"):
        out[col] = out[col].fillna(0).astype("int64")
    return out.sort_values("employee_id").reset_index(drop=True)[["employee_id", "contacted", "not_contacted"]]


def owners_by_department(backend: ibis.BaseBackend, filters: Filters) -> pd.DataFrame:
    """customers_per_owner rolled up to departments (see roll_up)."""
    emp = table(backend, "employees").select("employee_id", "department_id").to_pandas()
    deps = table(backend, "departments").select("department_id", "parent_id").to_pandas()
    return roll_up(customers_per_owner(backend, filters), emp, deps)


def roll_up(per_owner: pd.DataFrame, employees: pd.DataFrame, departments: pd.DataFrame) -> pd.DataFrame:
    """A customers_per_owner frame rolled up to departments: each department with its sub-departments, for
    the departments that hold any of the owners. ``employees``: employee_id, department_id; ``departments``:
    department_id, parent_id. Columns: department_id, parent_id, depth, employees, contacted, not_contacted
    (depth 0 at the top; rows in tree order)."""
    cols = ["department_id", "parent_id", "depth", "employees", "contacted", "not_contacted"]
    direct = per_owner.merge(employees[["employee_id", "department_id"]], on="employee_id", how="left").groupby(
        "department_id").agg(employees=("employee_id", "count"), contacted=("contacted", "sum"),
                             not_contacted=("not_contacted", "sum"))
    parent = dict(zip(departments.department_id, departments.parent_id.where(departments.parent_id.notna(), None)))
    total = {d: [0, 0, 0] for d in parent}
    for dep, row in direct.iterrows():
        seen = set()
        while dep is not None and dep in parent and dep not in seen:
            seen.add(dep)
            acc = total[dep]
            acc[0] += int(row.employees)
            acc[1] += int(row.contacted)
            acc[2] += int(row.not_contacted)
            dep = parent[dep]
    children: dict = {}
    for d in sorted(parent):
        children.setdefault(parent[d] if parent[d] in parent else None, []).append(d)
    rows = []

    def walk(dep, depth):
        if total[dep][0]:
            rows.append((dep, parent[dep], depth, *total[dep]))
        for child in children.get(dep, []):
            walk(child, depth + 1)

    for top in children.get(None, []):
        walk(top, 0)
    return pd.DataFrame(rows, columns=cols).astype({"depth": "int64", "employees": "int64", "contacted": "int64",
                                                    "not_contacted": "int64"})
