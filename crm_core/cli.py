"""``python -m crm_core``: build a demo company, import an export, print a report (DESIGN.md, "Command line")."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import duckdb

from .errors import UserError
from .exports import to_csv, to_json
from .filters import Filters
from .schema import PERIODS
from .store import default_db_path, open_store


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2025-03-31")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number")
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must not be negative")
    return value


def build_parser() -> argparse.ArgumentParser:
    from .reports import REPORTS

    parser = argparse.ArgumentParser(prog="python -m crm_core", description="CRM Insight: reports from your CRM data.")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="build a demo company (replaces the data in the database)")
    demo.add_argument("--db", default=None, help="database file (default: $CRM_DB or data/crm.duckdb)")
    demo.add_argument("--customers", type=_positive, default=None, help="how many customers (default 20,000)")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--end", type=_date, default=None, help="last day of the demo data (default: today)")

    imp = sub.add_parser("import", help="load a CSV/Excel export, all or nothing")
    imp.add_argument("file")
    imp.add_argument("--db", default=None)
    imp.add_argument("--table", default=None, help="which table the file holds (default: detected from its headers)")
    imp.add_argument("--mapping", default=None, help="JSON file mapping the file's headers to fields")
    imp.add_argument("--day-first", action="store_true", help="read 03/05/2024 as 3 May 2024")
    imp.add_argument("--skip-bad-rows", action="store_true", help="load the valid rows and report the others")

    rep = sub.add_parser("report", help="print a report as CSV")
    rep.add_argument("name", choices=sorted(REPORTS), metavar="NAME", help="one of: " + ", ".join(sorted(REPORTS)))
    rep.add_argument("--db", default=None)
    rep.add_argument("--start", type=_date)
    rep.add_argument("--end", type=_date)
    rep.add_argument("--period", choices=PERIODS, default="month")
    rep.add_argument("--department", action="append", default=[], metavar="ID")
    rep.add_argument("--employee", action="append", default=[], metavar="ID")
    rep.add_argument("--by", choices=["department", "employee"])
    rep.add_argument("--as-of", type=_date, dest="as_of")
    rep.add_argument("--rule-days", type=_positive, dest="rule_days")
    rep.add_argument("--window-days", type=_positive, dest="window_days")
    rep.add_argument("--field")
    rep.add_argument("--format", choices=["csv", "json"], default="csv")
    return parser


def _existing_store(path: str | None, read_only: bool = True):
    path = path or default_db_path()
    if not Path(path).exists():
        raise UserError(f"no database at {path}: build one with `python -m crm_core demo --db {path}` "
                        f"or load your data with `python -m crm_core import FILE --db {path}`")
    return _open(path, read_only)


def _open(path: str | None, read_only: bool = False):
    try:
        return open_store(path, read_only=read_only)
    except duckdb.IOException as e:
        if "lock" in str(e).lower():
            raise UserError(f"the database {path or default_db_path()} is in use by another program "
                            "(the dashboard?); stop it or use another --db, then try again")
        raise


def _check_ids(store, table: str, column: str, ids: list[str], what: str) -> None:
    if not ids:
        return
    known = {r[0] for r in store.query(f"SELECT {column} FROM {table}")}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise UserError(f"unknown {what} {', '.join(unknown)}; known ones: {', '.join(sorted(known)[:20])}"
                        + (" ..." if len(known) > 20 else ""))


def cmd_report(args) -> int:
    from .reports import run_report

    store = _existing_store(args.db)
    _check_ids(store, "departments", "department_id", args.department, "department")
    _check_ids(store, "employees", "employee_id", args.employee, "employee")
    try:
        filters = Filters(start=args.start, end=args.end, period=args.period,
                          departments=tuple(args.department), employees=tuple(args.employee))
    except ValueError as e:
        raise UserError(str(e))
    opts = {k: getattr(args, k) for k in ("by", "as_of", "rule_days", "window_days", "field")
            if getattr(args, k) is not None}
    df = run_report(args.name, store.backend(), filters, **opts)
    sys.stdout.write(to_json(df) + "\n" if args.format == "json" else to_csv(df))
    return 0


def cmd_demo(args) -> int:
    from .demo import DEFAULT_CUSTOMERS, build_demo

    store = _open(args.db)
    size = build_demo(store, customers=args.customers or DEFAULT_CUSTOMERS, seed=args.seed, end=args.end)
    print(f"demo company in {store.path}: {size.customers} customers, {size.employees} employees, "
          f"{size.follow_ups} follow-ups", file=sys.stderr)
    return 0


def cmd_import(args) -> int:
    try:
        from .importing import cli_import
    except ImportError:
        raise UserError("importing is not available in this version")
    return cli_import(args)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return {"report": cmd_report, "demo": cmd_demo, "import": cmd_import}[args.command](args)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
