"""Is my team working its customers: every owner's customers, contacted in the range or not.

The customers are all those an employee owns today (the date range does not narrow them); a customer is
contacted when it has at least one follow-up in the range, by anyone the viewer may see.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd

from ..filters import in_range
from ..reports import report
from .common import last_in

PARTS = ("contacted", "not_contacted")


def owned_rows(scope, with_contacted: bool = True, counted: bool = False) -> ir.Table:
    """Every owned customer in scope with ``contacted``: a follow-up in the filters' range, by anyone.
    ``counted``: only owner_id and contacted are read (what the counts need), so the rows may come from the
    store's copy of the customers with their latest follow-up (crm_core.kept_summaries)."""
    c = scope.customers
    c = c.filter(c.owner_id.notnull())
    if not with_contacted:
        return c
    rng = scope.date_range([("follow_ups", "contacted_at")])
    if rng is None:
        return c.mutate(contacted=ibis.literal(False))
    kept = scope.customers_with_last_contact(rng[1]) if counted else None
    if kept is not None:  # nothing after the range: contacted in it when its latest follow-up is
        kept = kept.filter(kept.owner_id.notnull())
        return kept.mutate(contacted=ibis.coalesce(in_range(kept.last_at, *rng), False))
    summary = scope.contact_summary(as_of=rng[1])
    kept = scope.next_contacts(people=False) if summary is None else None
    if summary is not None:  # nothing after the range: contacted in it when the last follow-up is
        fu = summary.filter(in_range(summary.last_at, *rng))
    elif kept is not None:  # each customer's last follow-up in the range: one row per customer to look up
        fu, level = kept
        fu = fu.filter(in_range(fu.contacted_at, *rng), last_in(fu, level, rng[1]))
    else:
        fu = scope.visible("follow_ups")
        fu = fu.filter(in_range(fu.contacted_at, *rng))
    return c.mutate(contacted=c.customer_id.isin(fu.customer_id))


def _owner_drill(scope, row: dict, column: str | None = None) -> ir.Table:
    """An owner's customers; with column contacted / not_contacted, only those."""
    part = column if column in PARTS else None
    rows = owned_rows(scope, with_contacted=part is not None)
    if row.get("employee_id") is not None:
        rows = rows.filter(rows.owner_id == str(row["employee_id"]))
    if part is not None:
        rows = rows.filter(rows.contacted == (part == "contacted")).drop("contacted")
    return rows


@report("customers-per-owner", columns=["employee_id", "contacted", "not_contacted"], drill=_owner_drill)
def customers_per_owner(scope) -> pd.DataFrame:
    """Per employee in scope (and any other owner id the customers carry), the customers owned today split
    into contacted / not contacted in the range. Sorted by employee_id; employees owning nothing show 0.
    Columns: employee_id, contacted, not_contacted."""
    rows = owned_rows(scope, counted=True)
    agg = rows.group_by(employee_id=rows.owner_id).aggregate(
        contacted=rows.contacted.sum(), not_contacted=(~rows.contacted).sum())
    emp = scope.employees.select("employee_id")
    j = emp.outer_join(agg, emp.employee_id == agg.employee_id)
    out = scope.run(j.select(employee_id=ibis.coalesce(j.employee_id, j.employee_id_right),
                             contacted=j.contacted, not_contacted=j.not_contacted))
    for col in PARTS:
        out[col] = out[col].fillna(0).astype("int64")
    return out.sort_values("employee_id").reset_index(drop=True)[["employee_id", *PARTS]]


@report("owner-contact", cli=False, drill=_owner_drill,
        columns=["employee_id", "contacted", "not_contacted", "customers", "contact_rate"])
def owner_contact(scope) -> pd.DataFrame:
    """customers-per-owner with customers (contacted + not contacted) and contact_rate (contacted /
    customers; empty for an owner of none)."""
    df = customers_per_owner(scope)
    df["customers"] = df["contacted"] + df["not_contacted"]
    df["contact_rate"] = (df["contacted"] / df["customers"]).where(df["customers"] > 0)
    return df


@report("department-links", cli=False, columns=["ancestor_id", "descendant_id", "depth", "parent_id"])
def department_links(scope) -> pd.DataFrame:
    """The department tree (every ancestor, descendant and depth) with each descendant's parent: what
    roll_up needs, small and the same for every filter."""
    tree, deps = scope.department_tree, scope.departments.select("department_id", "parent_id")
    links = tree.inner_join(deps, tree.descendant_id == deps.department_id)
    return scope.run(links.select("ancestor_id", "descendant_id", "depth", "parent_id")
                     .order_by(["ancestor_id", "depth", "descendant_id"]))


@report("owners-by-department", cli=False,
        columns=["department_id", "parent_id", "depth", "employees", "contacted", "not_contacted"])
def owners_by_department(scope) -> pd.DataFrame:
    """customers_per_owner rolled up to departments (see roll_up)."""
    return roll_up(customers_per_owner(scope), department_links(scope), scope.run(scope.visible("employees")
                   .select("employee_id", "department_id")))


def roll_up(per_owner: pd.DataFrame, links: pd.DataFrame, employees: pd.DataFrame) -> pd.DataFrame:
    """Per-owner counts (employee_id, contacted, not_contacted) summed per department over its subtree,
    for the departments holding any of the owners; depth 0 at the top, rows in tree order. ``links``: the
    department-links report; ``employees``: employee_id, department_id.
    Columns: department_id, parent_id, depth, employees, contacted, not_contacted."""
    cols = ["department_id", "parent_id", "depth", "employees", "contacted", "not_contacted"]
    direct = per_owner[["employee_id", "contacted", "not_contacted"]].merge(
        employees[["employee_id", "department_id"]], on="employee_id", how="left")
    if direct.empty or links.empty:
        return pd.DataFrame({c: pd.Series(dtype=object if c.endswith("_id") else "int64") for c in cols})
    sums = direct.merge(links, left_on="department_id", right_on="descendant_id").groupby("ancestor_id").agg(
        employees=("employee_id", "count"), contacted=("contacted", "sum"), not_contacted=("not_contacted", "sum"))
    # Tree order: each department after its ancestors, siblings by id (the path from the top, as a key).
    paths = links.sort_values("depth", ascending=False).groupby("descendant_id")["ancestor_id"].agg(tuple)
    info = links[links.depth == 0].set_index("descendant_id")
    out = sums[sums.employees > 0].reset_index().rename(columns={"ancestor_id": "department_id"})
    out["parent_id"] = out["department_id"].map(info["parent_id"]).astype(object)
    out["parent_id"] = out["parent_id"].where(out["parent_id"].notna(), None)
    out["depth"] = out["department_id"].map(paths.map(len)) - 1
    out = out.assign(_path=out["department_id"].map(paths)).sort_values("_path")
    return out[cols].astype({c: "int64" for c in cols[2:]}).reset_index(drop=True)
