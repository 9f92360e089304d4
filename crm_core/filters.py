"""The one Filters value every report takes, and the one place it is applied to a table.

Filters carries the date range, the period, the department and employee selection and the viewer's
visible scope. ``attributed`` narrows any table to the records whose attributed employee passes all
three (departments include their sub-departments); row-level visibility lives here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Literal

import ibis
import ibis.expr.types as ir

from .backend import table, to_rows
from .schema import PERIODS

Period = Literal["day", "week", "month", "quarter", "year"]


@dataclass(frozen=True)
class Filters:
    """What the viewer asked for.

    start / end: inclusive days (None: the span of the data); period: the bucket of time series;
    departments / employees: empty means all; visible_employees: the viewer's scope (None: sees all).
    """

    start: dt.date | None = None
    end: dt.date | None = None
    period: Period = "month"
    departments: tuple[str, ...] = ()
    employees: tuple[str, ...] = ()
    visible_employees: tuple[str, ...] | None = field(default=None)

    def __post_init__(self):
        if self.period not in PERIODS:
            raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {self.period!r}")
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"the start {self.start} is after the end {self.end}")
        # Normalise so that equal selections hash equal (they are cache keys).
        object.__setattr__(self, "departments", tuple(sorted(set(map(str, self.departments)))))
        object.__setattr__(self, "employees", tuple(sorted(set(map(str, self.employees)))))
        if self.visible_employees is not None:
            object.__setattr__(self, "visible_employees", tuple(sorted(set(map(str, self.visible_employees)))))

    def with_range(self, start: dt.date | None, end: dt.date | None) -> "Filters":
        return replace(self, start=start, end=end)

    @property
    def restricts_people(self) -> bool:
        return bool(self.departments or self.employees) or self.visible_employees is not None


def department_subtree(backend: ibis.BaseBackend, roots: tuple[str, ...]) -> set[str]:
    """The given departments and every department below them."""
    deps = to_rows(table(backend, "departments").select("department_id", "parent_id"))
    children: dict[str | None, list[str]] = {}
    for d in deps:
        children.setdefault(d["parent_id"], []).append(d["department_id"])
    found, todo = set(), list(roots)
    while todo:
        dep = todo.pop()
        if dep not in found:
            found.add(dep)
            todo.extend(children.get(dep, ()))
    return found


def employees_in_scope(backend: ibis.BaseBackend, filters: Filters) -> ir.Table:
    """The employees table narrowed to the selected departments, employees and the viewer's scope."""
    emp = table(backend, "employees")
    if filters.departments:
        emp = emp.filter(emp.department_id.isin(sorted(department_subtree(backend, filters.departments))))
    if filters.employees:
        emp = emp.filter(emp.employee_id.isin(filters.employees))
    if filters.visible_employees is not None:
        emp = emp.filter(emp.employee_id.isin(filters.visible_employees))
    return emp


def attributed(backend: ibis.BaseBackend, filters: Filters, table: ir.Table, employee_col: str) -> ir.Table:
    """Rows of ``table`` whose attributed employee (``employee_col``) is within the filters.

    With no department, employee or scope restriction every row passes, including unowned ones
    (customers in the public pool); with any restriction only rows of a selected employee pass.
    """
    if not filters.restricts_people:
        return table
    emp = employees_in_scope(backend, filters).select("employee_id")
    return table.filter(table[employee_col].isin(emp.employee_id))


def in_range(col: ir.TimestampValue, start: dt.date, end: dt.date) -> ir.BooleanValue:
    """start <= col < end + 1 day: the range is inclusive of both days."""
    return (col >= ibis.timestamp(dt.datetime.combine(start, dt.time()))) & (
        col < ibis.timestamp(dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    )
