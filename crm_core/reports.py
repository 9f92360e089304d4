"""Report declarations: each report is declared once, and the CLI, the app and the benchmarks derive from it.

A declaration is the ``@report`` decorator on the function that builds the report from a Scope::

    @report("new-customers", columns=["period", "new_customers"], drill=created_in_bucket)
    def new_customers(scope: Scope, by: By = None) -> pd.DataFrame:
        ...

It records the CLI name, the columns (DESIGN.md's contract; with ``by`` a department_id or employee_id
column follows ``period``), the typed options (the function's keyword parameters, each one of OPTIONS), the
function, and how a cell drills down: ``drill(scope, row, column, **options)`` gives the customers (rows of
the customers table, or at least the columns a list shows: crm_core.customer_list) behind ``row`` (the report
row's values) and ``column`` (the cell's column; None for the whole row). Page-internal queries are declared
with ``cli=False``: cached like the others, not offered on the command line.
"""

from __future__ import annotations

import datetime as dt
import inspect
from dataclasses import dataclass
from typing import Any, Callable

import ibis.expr.types as ir
import pandas as pd

from .errors import UserError
from .filters import FIRST_DAY, LAST_DAY


def day(text: str) -> dt.date:
    """A CLI day: YYYY-MM-DD within 1900-01-01 .. 2100-12-31."""
    try:
        value = dt.date.fromisoformat(str(text))
    except ValueError:
        raise ValueError(f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2025-03-31")
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(f"{text} is outside {FIRST_DAY} .. {LAST_DAY}")
    return value


def whole(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(str(text))
        except ValueError:
            raise ValueError(f"{text!r} is not a whole number")
        if not low <= value <= high:
            raise ValueError(f"{text} is outside {low} .. {high}")
        return value
    parse.__name__ = f"whole number {low}..{high}"
    return parse


@dataclass(frozen=True)
class Option:
    """A typed report option: how the CLI reads it (``parse`` raises ValueError with a message) and its help."""

    name: str
    parse: Callable[[str], Any]
    help: str
    choices: tuple[str, ...] | None = None

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


OPTIONS: dict[str, Option] = {o.name: o for o in [
    Option("by", str, "one row per period and department or employee", ("department", "employee")),
    Option("as_of", day, "the day an as-of report is taken on (default: today)"),
    Option("rule_days", whole(1, 3650), "pool recycle rule in days, for every category (default: the settings, else 30)"),
    Option("window_days", whole(1, 365), "how many days ahead pool risk looks (default 1)"),
    Option("field", str, "the custom field (custom-field)"),
    Option("dimension", str, "the customer attribute to segment by", ("industry", "region", "size", "source", "category")),
    Option("days", whole(1, 366), "how many days ahead (care)"),
]}

Drill = Callable[..., ir.Table]


@dataclass(frozen=True)
class Report:
    """One declared report (see the module)."""

    name: str
    columns: tuple[str, ...]
    build: Callable[..., pd.DataFrame]
    options: tuple[str, ...]
    drill: Drill | None = None
    cli: bool = True
    doc: str = ""

    def run(self, scope, **options) -> pd.DataFrame:
        """The report's rows for ``scope``; unknown options are an error, None ones are left out."""
        return self.build(scope, **self._checked(options))

    def drill_down(self, scope, row: dict, column: str | None = None, **options) -> ir.Table:
        """The customers behind a cell (see the module)."""
        if self.drill is None:
            raise UserError(f"the report {self.name} has no drill-down")
        return self.drill(scope, dict(row), column, **self._checked(options))

    def columns_for(self, by: str | None = None) -> list[str]:
        """The output's columns: the declared ones, with the group column after period when split (or in place
        of the declared employee_id of a report keyed by the group)."""
        cols = list(self.columns)
        if by and cols[0] in ("employee_id", "department_id"):  # a report keyed by the group (the leaderboard)
            cols[0] = f"{by}_id"
        elif by:
            cols.insert(cols.index("period") + 1 if "period" in cols else 0, f"{by}_id")
        return cols

    def _checked(self, options: dict) -> dict:
        options = {k: v for k, v in options.items() if v is not None}
        extra = sorted(set(options) - set(self.options))
        if extra:
            flags = ", ".join(OPTIONS[k].flag if k in OPTIONS else k for k in extra)
            takes = ", ".join(OPTIONS[k].flag for k in self.options if k in OPTIONS) or "none"
            raise UserError(f"the report {self.name} does not take {flags}; it takes: {takes}")
        return options


REPORTS: dict[str, Report] = {}


def report(name: str, *, columns, drill: Drill | None = None, cli: bool = True):
    """Declare the decorated function (scope, **options) -> DataFrame as the report ``name``."""
    def register(fn):
        if name in REPORTS:
            raise RuntimeError(f"report {name} is declared twice")
        params = [p for p in inspect.signature(fn).parameters.values()][1:]
        options = tuple(p.name for p in params if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD))
        internal = [o for o in options if o not in OPTIONS]
        if cli and internal:
            raise RuntimeError(f"report {name}: options {internal} are not in reports.OPTIONS")
        REPORTS[name] = Report(name, tuple(columns), fn, options, drill, cli, inspect.getdoc(fn) or "")
        return fn
    return register


def declared() -> dict[str, Report]:
    """Every declared report by name (importing the metric families declares them)."""
    from . import metrics  # noqa: F401 - registers the reports

    return REPORTS


def cli_reports() -> dict[str, Report]:
    return {name: r for name, r in sorted(declared().items()) if r.cli}


def get(name: str) -> Report:
    reports = declared()
    if name not in reports:
        raise UserError(f"unknown report {name}; one of: {', '.join(sorted(cli_reports()))}")
    return reports[name]


def run_report(name: str, scope, **options) -> pd.DataFrame:
    """The report ``name`` for ``scope`` (see ``report``)."""
    return get(name).run(scope, **options)


__all__ = ["OPTIONS", "REPORTS", "Option", "Report", "cli_reports", "declared", "get", "report",
           "run_report", "day", "whole"]
