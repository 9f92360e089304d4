"""The Scope: every read of every report goes through it, already narrowed to what the viewer may see.

A Scope is (backend, Filters, Viewer). ``scope.customers``, ``scope.follow_ups``, ``scope.deals``, ... are
the canonical tables narrowed twice, by one rule (schema.ATTRIBUTION: each record belongs to an employee,
or to the customer or deal it hangs off):

- the viewer (DESIGN.md, "Who sees what"): an admin sees everything, unowned records too; a manager the
  records of the employees of their department and its sub-departments; a rep their own;
- the filters' departments (with sub-departments, from the department_tree closure) and employees: with
  either set, only records of the selected employees pass (unowned ones do not).

``scope.visible(name)`` is a table narrowed by the viewer alone, for reports that count "by anyone" (a
follow-up by anyone the viewer may see) or span "the data". Raw tables are private to this module and to
the importer; a test fails when any other module reads one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from functools import cached_property

import ibis
import ibis.expr.types as ir
import pandas as pd

from . import backend as _backend
from . import customer_days as _cdays
from . import customer_steps as _steps
from . import deal_spans as _spans
from . import employee_contact_days as _employee_days
from . import kept_summaries as _summaries
from . import next_contacts as _next
from .errors import UserError
from .filters import FIRST_DAY, LAST_DAY, Filters
from .schema import ATTRIBUTED_VIA, ATTRIBUTION, ROLES, SHARED


@dataclass(frozen=True)
class Viewer:
    """Who is looking. ``employee_id`` None: the local admin of an app without sign-in."""

    employee_id: str | None = None
    role: str = "admin"
    department_id: str | None = None

    def __post_init__(self):
        if self.role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, not {self.role!r}")

    @property
    def sees_all(self) -> bool:
        return self.role == "admin"


ADMIN = Viewer()


def viewer_for(backend: ibis.BaseBackend, employee_id: str) -> Viewer:
    """The Viewer of an employee, with their role (empty: rep) and department; UserError when unknown."""
    emp = _backend.raw_table(backend, "employees")
    found = _backend.run(emp.filter(emp.employee_id == str(employee_id)).select("role", "department_id"))
    if found.empty:
        known = _backend.run(emp.select("employee_id").order_by("employee_id").limit(21))["employee_id"].tolist()
        raise UserError(f"unknown employee {employee_id}; known ones: {', '.join(known[:20])}"
                        + (" ..." if len(known) > 20 else "") if known else
                        f"unknown employee {employee_id}: the database has no employees yet")
    role = found["role"].iloc[0]
    role = str(role).strip().lower() if isinstance(role, str) and role.strip() else "rep"
    department = found["department_id"].iloc[0]
    return Viewer(str(employee_id), role if role in ROLES else "rep", None if pd.isna(department) else department)


def find_employees(backend: ibis.BaseBackend, *, employee_id: str | None = None,
                   email: str | None = None) -> pd.DataFrame:
    """The employees (employee_id, name, active) with this id, or whose e-mail is ``email`` (compared
    without surrounding spaces and case), in id order; for signing people in (crm_core.auth)."""
    emp = _backend.raw_table(backend, "employees")
    if employee_id is not None:
        emp = emp.filter(emp.employee_id == str(employee_id))
    if email is not None:
        emp = emp.filter(emp.email.strip().lower() == str(email).strip().lower())
    found = _backend.run(emp.select("employee_id", "name", "active").order_by("employee_id"))
    return found.assign(active=found["active"].map(lambda a: True if pd.isna(a) else bool(a)))


class Scope:
    """Tables narrowed to a viewer and a set of filters, and the one way to run a query on them."""

    def __init__(self, backend: ibis.BaseBackend, filters: Filters | None = None, viewer: Viewer = ADMIN):
        self.backend = backend
        self.filters = filters or Filters()
        self.viewer = viewer

    def with_filters(self, filters: Filters | None = None, **changes) -> "Scope":
        """The same viewer with other filters (or these filters changed)."""
        return Scope(self.backend, replace(filters or self.filters, **changes), self.viewer)

    # -- running ---------------------------------------------------------------------------------
    @staticmethod
    def run(expr: ir.Expr) -> pd.DataFrame:
        """The result of an expression built from this scope's tables, as a (small) DataFrame."""
        return _backend.run(expr)

    @staticmethod
    def scalar(expr: ir.Scalar):
        return _backend.scalar(expr)

    # -- who -------------------------------------------------------------------------------------
    def _raw(self, name: str) -> ir.Table:
        return _backend.raw_table(self.backend, name)

    def subtree(self, roots) -> ir.Column:
        """The ids of the departments ``roots`` (ids, or a column of them) and every department below."""
        tree = self._raw("department_tree")
        if isinstance(roots, ir.Column):
            return tree.filter(tree.ancestor_id.isin(roots)).descendant_id
        return tree.filter(tree.ancestor_id.isin(list(roots))).descendant_id

    @cached_property
    def _visible_employees(self) -> ir.Table | None:
        """The employees whose records the viewer may see; None: all records, unowned ones too."""
        emp = self._raw("employees")
        if self.viewer.sees_all:
            return None
        if self.viewer.role == "manager" and self.viewer.department_id is not None:
            return emp.filter(emp.department_id.isin(self.subtree([self.viewer.department_id])))
        return emp.filter(emp.employee_id == self.viewer.employee_id)

    @cached_property
    def _selected_employees(self) -> ir.Table | None:
        """The visible employees narrowed to the filters' departments and employees; None: no narrowing."""
        emp = self._visible_employees
        if not self.filters.restricts_people:
            return emp
        emp = self._raw("employees") if emp is None else emp
        if self.filters.departments:
            emp = emp.filter(emp.department_id.isin(self.subtree(self.filters.departments)))
        if self.filters.employees:
            emp = emp.filter(emp.employee_id.isin(list(self.filters.employees)))
        return emp

    # -- tables ----------------------------------------------------------------------------------
    def table(self, name: str, people: bool = True, parents=None) -> ir.Table:
        """Table ``name`` narrowed to the viewer and, with ``people``, to the filters' departments and
        employees (see the module). ``parents``, for a table narrowed through its parent (schema.ATTRIBUTED_VIA):
        a function from the parent table so narrowed to the rows of it the caller wants (the customers created in
        the range, say): only those rows' children are kept, so later steps carry fewer rows."""
        if parents is not None and name not in ATTRIBUTED_VIA:
            raise ValueError(f"{name} is not narrowed through a parent table: parents= applies to "
                             f"{', '.join(sorted(ATTRIBUTED_VIA))}")
        raw = self._raw(name)
        if name == "department_tree" and not self.viewer.sees_all:
            # The links within the viewer's own tree: no department row above it (its totals are not theirs).
            mine = self._visible_departments()
            return raw.filter(raw.ancestor_id.isin(mine), raw.descendant_id.isin(mine))
        if name in SHARED:
            return raw
        if name == "targets":
            return self._targets(raw)
        employees = self._selected_employees if people else self._visible_employees
        if employees is None and parents is None:
            return raw
        if name == "employees":
            return employees
        if name in ATTRIBUTION:
            return raw if employees is None else raw.filter(raw[ATTRIBUTION[name]].isin(employees.employee_id))
        parent, key = ATTRIBUTED_VIA[name]
        parent_rows = self.table(parent, people)
        return raw.filter(raw[key].isin((parent_rows if parents is None else parents(parent_rows))[key]))

    def _visible_departments(self) -> ir.Column:
        """A manager's department and every one below it; a rep's own department."""
        if self.viewer.role == "manager" and self.viewer.department_id is not None:
            return self.subtree([self.viewer.department_id])
        dep = self._raw("departments")
        return dep.filter(dep.department_id == (self.viewer.department_id or "")).department_id

    def next_contacts(self, people: bool = True, per_employee: bool = False,
                      per_channel: bool = False) -> tuple[ir.Table, str] | None:
        """The follow-ups as the store keeps them for counting distinct customers (crm_core.next_contacts),
        narrowed like ``table("follow_ups", people)``, and the level to count at: the one whose group is exactly
        the employees counted (``per_employee``: counts per employee; ``per_channel``: per channel, too). None
        when the store keeps nothing or no level fits (several departments or employees picked): count distinct
        customer_ids instead."""
        depths = _backend.kept_depths(self.backend)
        if depths is None:
            return None
        level = "employee" if per_employee else self._level(people, depths)
        if level is None:
            return None
        level += "_channel" if per_channel else ""
        raw = self._raw(_next.TABLE)
        employees = self._selected_employees if people else self._visible_employees
        return (raw if employees is None else raw.filter(raw.employee_id.isin(employees.employee_id))), level

    def contacts_per_employee_day(self, end: dt.date) -> ir.Table | None:
        """The store's follow-ups counted per employee and day (crm_core.employee_contact_days: employee_id, day,
        follow_ups, last_ones), narrowed like ``table("follow_ups")``, when no follow-up comes after ``end``: then
        last_ones counts the customers whose last follow-up by that employee up to ``end`` falls on that day.
        None otherwise (or when the store does not keep it): read ``next_contacts(per_employee=True)``."""
        until = _backend.kept_until(self.backend, _employee_days.TABLE)
        if until is None or end < until:
            return None
        return self._of_selected(self._raw(_employee_days.TABLE), "employee_id")

    def contact_days(self) -> tuple[ir.Table, str] | None:
        """The store's next_contacts counted per day (crm_core.next_contacts.DAYS) for the group that is exactly
        the employees a count in scope covers, and its level: the company (an admin without people filters) or
        one department's subtree (one department picked, or a manager's own; not both unless the same). Columns
        as next_contacts has them, contacted_at (the day's first moment), next_<level>, last_<level>, and n: how
        many kept rows each stands for (sum it where next_contacts is counted). None otherwise."""
        group = self._day_group()
        if group is None:
            return None
        t, level = self._of_group(self._raw(_next.DAYS), *group), group[0]
        return t.select(contacted_at=t.day.cast("timestamp"), **{f"next_{level}": t.next, f"last_{level}": t["last"]},
                        n=t.n), level

    def customer_days(self) -> ir.Table | None:
        """The customers' dates counted per day, as the store keeps them (crm_core.customer_days: col, at (the day's
        first moment), n), for the group that is exactly the customers in scope: the company or one department's
        subtree, as ``contact_days``. None otherwise (or when the store does not keep them current): count
        ``self.customers``."""
        group = self._day_group()
        if group is None or not _backend.kept_current(self.backend, _cdays.TABLE):
            return None
        t = self._of_group(self._raw(_cdays.TABLE), *group)
        return t.select("col", at=t.day.cast("timestamp"), n=t.n)

    def _day_group(self) -> tuple[str, str | None] | None:
        """(level, department) of the day tables' group that is exactly the employees in scope (department None:
        the company), when there is one."""
        depths = _backend.kept_depths(self.backend)
        level = None if depths is None else self._level(True, depths)
        if level == "company":
            return level, None
        if level is None or not level.startswith("depth"):
            return None
        v = self.viewer
        roots = {*self.filters.departments, *([v.department_id] if v.role == "manager" else [])}
        return (level, next(iter(roots))) if len(roots) == 1 else None

    @staticmethod
    def _of_group(t: ir.Table, level: str, key: str | None) -> ir.Table:
        return t.filter(t.level == level, t.grp.isnull() if key is None else t.grp == key)

    def contact_summary(self, as_of: dt.date | None = None) -> ir.Table | None:
        """Each customer's follow-ups in one row, as the store keeps them (crm_core.next_contacts.SUMMARY:
        customer_id, n, first_day, last_at), when the viewer sees every follow-up and, with ``as_of``, no follow-up
        comes after that day (then they are the customer's follow-ups as of it). None: read next_contacts or
        the follow-ups instead."""
        until = _backend.contacts_until(self.backend)
        if until is None or (as_of is not None and as_of < until):
            return None
        kept = self.next_contacts(people=False)
        if kept is None or kept[1] != "company":
            return None
        return self._raw(_next.SUMMARY)

    def _level(self, people: bool, depths: dict[str, int]) -> str | None:
        """The next_contacts level whose group is exactly the employees a count covers (see the module)."""
        v, f = self.viewer, self.filters
        employees, departments = (f.employees, f.departments) if people else ((), ())
        manager = v.role == "manager" and v.department_id is not None
        if not v.sees_all and not manager or len(employees) == 1:
            return "employee"  # one employee at most
        if employees or len(departments) > 1:
            return None
        roots = [*departments, *([v.department_id] if manager else [])]
        if not roots:
            return "company"
        # A manager's tree and a department filter: the deeper one's subtree when it lies within the other,
        # else nobody (and any level counts 0).
        depth = max(depths.get(r, -1) for r in roots)
        if depth < 0:
            return "employee"  # an unknown department: nobody
        return f"depth{depth}" if depth < _next.DEPTHS else None

    def visible(self, name: str) -> ir.Table:
        """Table ``name`` narrowed to the viewer only: every record the viewer may see."""
        return self.table(name, people=False)

    def _targets(self, raw: ir.Table) -> ir.Table:
        """Targets of the visible employees, and of departments within the viewer's own department tree."""
        emp = self._visible_employees
        if emp is None:
            return raw
        own = (self.subtree([self.viewer.department_id]) if self.viewer.role == "manager"
               and self.viewer.department_id is not None else None)
        mine = raw.employee_id.isin(emp.employee_id)
        return raw.filter(mine | raw.department_id.isin(own) if own is not None else mine)

    customers = property(lambda self: self.table("customers"))
    follow_ups = property(lambda self: self.table("follow_ups"))
    deals = property(lambda self: self.table("deals"))
    deal_stage_history = property(lambda self: self.table("deal_stage_history"))
    pool_events = property(lambda self: self.table("pool_events"))
    customer_tags = property(lambda self: self.table("customer_tags"))
    customer_fields = property(lambda self: self.table("customer_fields"))
    surveys = property(lambda self: self.table("surveys"))
    targets = property(lambda self: self.table("targets"))
    employees = property(lambda self: self.table("employees"))
    departments = property(lambda self: self.table("departments"))
    department_tree = property(lambda self: self.table("department_tree"))

    def of_customers(self, t: ir.Table) -> ir.Table:
        """The rows of ``t`` (deals, or rows made from deals and customers) whose customer_id is a customer in
        scope (``scope.customers``).

        The importer refuses a deal whose customer is not loaded, and nothing deletes customers. When the store
        confirms that (crm_core.store.deal_customers_loaded) and the scope holds every customer, this is only
        "customer_id is set": the semi-join against all of them, most of such a report's time at 1M customers,
        is left out."""
        if self._selected_employees is None and _backend.deal_customers_loaded(self.backend):
            return t.filter(t.customer_id.notnull())
        return t.filter(t.customer_id.isin(self.customers.customer_id))

    def deal_spans(self) -> ir.Table | None:
        """The deals' stage history with each row's days in the stage, as the store keeps it (crm_core.deal_spans),
        narrowed like ``self.deals`` (by the deal's owner); None when the store does not keep it current."""
        if not _backend.kept_current(self.backend, _spans.TABLE):
            return None
        return self._of_selected(self._raw(_spans.TABLE))

    def customer_steps(self) -> ir.Table | None:
        """Every customer's furthest funnel step over everything, as the store keeps it (crm_core.customer_steps),
        narrowed like ``self.customers`` (by owner); None unless the viewer sees everything and the store keeps
        it (and the contact summary it is built from) current."""
        if not (self.viewer.sees_all and _backend.kept_current(self.backend, _steps.TABLE)
                and _backend.contacts_until(self.backend) is not None):
            return None
        return self._of_selected(self._raw(_steps.TABLE))

    def purchases(self) -> ir.Table | None:
        """Every purchase (crm_core.metrics.sales.purchases) as the store keeps them (crm_core.kept_summaries), when
        the viewer sees everything (they are then every purchase it may see) and the store keeps them current;
        else None. Not narrowed by the filters' people: purchases are by anyone the viewer sees."""
        if not (self.viewer.sees_all and _backend.kept_current(self.backend, _summaries.PURCHASE_ROWS.table)):
            return None
        return self._raw(_summaries.PURCHASE_ROWS.table)

    def summary(self, name: str, as_of: dt.date, owned: bool = False) -> ir.Table | None:
        """The per-customer summary ``name`` the store keeps (crm_core.kept_summaries), over everything, when the
        viewer sees everything and nothing it summarises comes after ``as_of`` (then its rows are the answer as
        of that day); else None. ``owned``: narrowed like ``self.customers`` (by its owner_id)."""
        until = _backend.kept_until(self.backend, name)
        if not self.viewer.sees_all or until is None or as_of < until:
            return None
        return self._of_selected(self._raw(name)) if owned else self._raw(name)

    def customers_with_last_contact(self, as_of: dt.date) -> ir.Table | None:
        """The store's copy of the customers in scope with their follow-ups by anyone (kept_summaries.LAST_CONTACTS:
        kept_summaries.OWNED_COLUMNS, n, first_day, last_at), when it is the answer as of ``as_of`` (see
        ``summary``); else None."""
        return self.summary(_summaries.LAST_CONTACTS.table, as_of, owned=True)

    def _of_selected(self, t: ir.Table, column: str = "owner_id") -> ir.Table:
        """``t``'s rows whose ``column`` is one of the filters' employees (all when the filters pick none)."""
        employees = self._selected_employees
        return t if employees is None else t.filter(t[column].isin(employees.employee_id))

    def history_of(self, deals: ir.Table) -> ir.Table:
        """The stage history rows of ``deals``, deals this scope handed out (narrowed already): one semi-join on
        them, not a second one on every deal in scope first (at M for one region: 45 of deal-funnel's 95 ms)."""
        h = self._raw("deal_stage_history")
        return h.filter(h.deal_id.isin(deals.deal_id))

    def setting(self, key: str, default: str | None = None) -> str | None:
        """The value of setting ``key`` (``default`` when unset), read once per write where the store keeps them."""
        kept = _backend.kept_settings(self.backend)  # taken before reading: a write meanwhile replaces it
        if kept is not None and key in kept:
            value = kept[key]
        else:
            s = self._raw("settings")
            found = self.run(s.filter(s.key == key).select("value"))["value"]
            value = found.iloc[0] if len(found) and found.iloc[0] is not None else None
            if kept is not None:
                kept[key] = value
        return default if value is None else value

    def require_known(self, filters: Filters) -> None:
        """UserError naming any department or employee of ``filters`` the database does not have."""
        for name, col, ids, what in (("departments", "department_id", filters.departments, "department"),
                                     ("employees", "employee_id", filters.employees, "employee")):
            if not ids:
                continue
            t = self._raw(name)
            known = set(self.run(t.select(col))[col])
            unknown = [i for i in ids if i not in known]
            if unknown:
                raise UserError(f"unknown {what} {', '.join(unknown)}; known ones: {', '.join(sorted(known)[:20])}"
                                + (" ..." if len(known) > 20 else ""))

    # -- time ------------------------------------------------------------------------------------
    def span(self, columns: list[tuple[str, str]]) -> tuple[dt.date, dt.date] | None:
        """First and last day in the given (table, column) pairs of the records the viewer may see, in one
        statement; None when all are empty."""
        parts = []
        for name, col in columns:
            t = self.visible(name)
            parts.append(t.aggregate(lo=t[col].cast("timestamp").min(), hi=t[col].cast("timestamp").max()))
        both = parts[0] if len(parts) == 1 else ibis.union(*parts)
        row = self.run(both.aggregate(lo=both.lo.min(), hi=both.hi.max())).iloc[0]
        if pd.isna(row["lo"]):
            return None
        # A database written before imports refused such dates may hold 0001-01-01 or 9999-12-31.
        clamp = lambda v: min(max(pd.Timestamp(v).date(), FIRST_DAY), LAST_DAY)
        return clamp(row["lo"]), clamp(row["hi"])

    def date_range(self, columns: list[tuple[str, str]]) -> tuple[dt.date, dt.date] | None:
        """The filters' range, its open ends filled from the span of the data the report counts."""
        f = self.filters
        if f.start and f.end:
            return f.start, f.end
        span = self.span(columns)
        if span is None:
            return (f.start, f.end) if f.start or f.end else None
        start = f.start or span[0]
        return start, f.end or max(span[1], start)

    # -- lookups for the filter widgets and labels -------------------------------------------------
    def people(self) -> dict:
        """What the sidebar needs, in two statements: the departments the viewer may pick (all, for an
        admin; their own tree for a manager; their own department for a rep) in tree order, and the
        employees they may see. Lists of tuples: departments (department_id, name, parent_id, depth),
        depth counted from the top the viewer sees; employees (employee_id, name, department_id)."""
        emp = self.visible("employees").select("employee_id", "name", "department_id").order_by("employee_id")
        dep = self._raw("departments").select("department_id", "name", "parent_id")
        if self.viewer.role == "manager":
            dep = dep.filter(dep.department_id.isin(self.subtree([self.viewer.department_id])))
        elif not self.viewer.sees_all:
            dep = dep.filter(dep.department_id == self.viewer.department_id)
        tree = self._raw("department_tree")
        links = tree.inner_join(dep, tree.descendant_id == dep.department_id)
        links = links.filter(links.ancestor_id.isin(dep.department_id))
        rows = self.run(links.select("department_id", "name", "parent_id", "ancestor_id", "depth"))
        # A department's path from the top: its visible ancestors, farthest first; sorting by it gives tree order.
        paths = rows.sort_values("depth", ascending=False).groupby("department_id")["ancestor_id"].agg(tuple)
        deps = rows[rows.depth == 0].assign(path=lambda d: d.department_id.map(paths)).sort_values("path")
        deps = deps.assign(depth=deps.path.map(len) - 1)[["department_id", "name", "parent_id", "depth"]]
        emps = self.run(emp)
        tidy = lambda df: [tuple(None if pd.isna(v) else v for v in row) for row in df.itertuples(index=False)]
        return {"departments": tidy(deps), "employees": tidy(emps)}
