"""``python -m crm_core``: build a demo company, import an export, print a report (DESIGN.md, "Command line")."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb
import pandas as pd

from .errors import UserError
from .exports import to_csv, to_json, to_xlsx, with_names
from .filters import Filters
from .schema import PERIODS, SCHEMA_VERSION
from .postgres import is_postgres_url
from .spark import is_spark_location
from .store import default_db_path, open_store


def _typed(parse):
    """An argparse type from a report option's parser (its ValueError message becomes the error)."""
    def convert(text: str):
        try:
            return parse(text)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e))
    convert.__name__ = getattr(parse, "__name__", "value")
    return convert


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number")
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must not be negative")
    return value


def build_parser() -> argparse.ArgumentParser:
    from .reports import OPTIONS, cli_reports, day

    reports = cli_reports()

    parser = argparse.ArgumentParser(prog="python -m crm_core", description="CRM Insight: reports from your CRM data.")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="build a demo company (replaces a previous demo; imported data only with --replace)")
    demo.add_argument("--db", default=None, help="database file (default: $CRM_DB or data/crm.duckdb)")
    demo.add_argument("--customers", type=_positive, default=None, help="how many customers (default 20,000)")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--end", type=_typed(day), default=None, help="last day of the demo data (default: today)")
    demo.add_argument("--replace", action="store_true", help="replace a database that holds imported data")

    imp = sub.add_parser("import", help="load a CSV/Excel export, all or nothing")
    imp.add_argument("file")
    imp.add_argument("--db", default=None)
    imp.add_argument("--table", default=None, help="which table the file holds (default: detected from its headers)")
    imp.add_argument("--mapping", default=None, help="JSON file mapping the file's headers to fields")
    imp.add_argument("--day-first", action="store_true", help="read 03/05/2024 as 3 May 2024")
    imp.add_argument("--skip-bad-rows", action="store_true", help="load the valid rows and report the others")
    imp.add_argument("--created-today", action="store_true",
                     help="a customer list without a creation date: date its new customers today (else refused)")

    rep = sub.add_parser("report", help="print a report as CSV (or JSON; or write it as CSV, JSON or XLSX to a file)")
    rep.add_argument("name", choices=list(reports), metavar="NAME", help="one of: " + ", ".join(reports))
    rep.add_argument("--db", default=None)
    rep.add_argument("--start", type=_typed(day))
    rep.add_argument("--end", type=_typed(day))
    rep.add_argument("--period", choices=PERIODS, default="month")
    rep.add_argument("--department", action="append", default=[], metavar="ID")
    rep.add_argument("--employee", action="append", default=[], metavar="ID")
    for option in OPTIONS.values():
        rep.add_argument(option.flag, dest=option.name, type=_typed(option.parse) if not option.choices else str,
                         choices=option.choices, help=option.help)
    rep.add_argument("--as-user", dest="as_user", metavar="EMPLOYEE_ID",
                     help="print only what this employee may see (their role and department decide)")
    rep.add_argument("--names", action="store_true",
                     help="add employee_name / department_name beside employee_id / department_id")
    rep.add_argument("--format", choices=["csv", "json", "xlsx"], default="csv",
                     help="xlsx: an Excel workbook, written to --output (it is binary)")
    rep.add_argument("--output", metavar="FILE", help="write the report to FILE instead of printing it")

    dig = sub.add_parser("digest", help="e-mail an employee the Overview and Team numbers of the last complete "
                                        "week or month, in their own scope (SMTP from CRM_SMTP_* variables)")
    dig.add_argument("--to", required=True, metavar="EMPLOYEE_ID", help="the recipient (their scope, their e-mail)")
    dig.add_argument("--period", choices=["week", "month"], default="week")
    dig.add_argument("--db", default=None)
    dig.add_argument("--app-url", default=None, help="the app's address for the link (default http://127.0.0.1:8501)")
    dig.add_argument("--lang", choices=["zh", "en"], default="zh")
    dig.add_argument("--as-of", dest="as_of", type=_typed(day), default=None,
                     help="the day the digest is made on (default: today); it covers the complete period before")
    dig.add_argument("--dry-run", action="store_true", help="write the e-mail (.eml) instead of sending it")
    dig.add_argument("--output", metavar="FILE", help="with --dry-run: write the .eml to FILE (default: stdout)")

    par = sub.add_parser("export-parquet", help="write every table as FOLDER/<table>.parquet (to load into Spark)")
    par.add_argument("folder")
    par.add_argument("--db", default=None, help="the database (a file or postgresql:// URL; default: $CRM_DB_URL, "
                                                "$CRM_DB or data/crm.duckdb)")

    user = sub.add_parser("user", help="the users file of a self-hosted install without an OpenID Connect provider")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    add = user_sub.add_parser("add", help="create a user, or give an existing one a new employee and password "
                                          "(read from standard input, or asked twice at a terminal; never echoed)")
    add.add_argument("name", help="the login name (compared in lower case)")
    add.add_argument("--employee", required=True, metavar="ID", help="the employee this user signs in as")
    add.add_argument("--db", default=None, help="the database the employee must be in (default: $CRM_DB or "
                                                "data/crm.duckdb)")
    add.add_argument("--users", default=None, help="the users file (default: $CRM_USERS or data/users.toml)")
    remove = user_sub.add_parser("remove", help="remove a user")
    remove.add_argument("name")
    remove.add_argument("--users", default=None)
    listing = user_sub.add_parser("list", help="the users, their employees and roles (never the hashes)")
    listing.add_argument("--db", default=None)
    listing.add_argument("--users", default=None)
    return parser


def _existing_store(path: str | None, read_only: bool = True):
    path = path or default_db_path()
    if is_postgres_url(path) or is_spark_location(path):
        return _open(path)
    if not Path(path).exists():
        raise UserError(f"no database at {path}: build one with `python -m crm_core demo --db {path}` "
                        f"or load your data with `python -m crm_core import FILE --db {path}`")
    store = _open(path, read_only)
    if read_only and store.schema_version() < SCHEMA_VERSION:  # an older database: bring it up to date once
        store.close()
        _open(path).close()
        store = _open(path, read_only)
    return store


def _open(path: str | None, read_only: bool = False):
    """The Store at ``path``; every way that fails is one sentence saying what to do (never a traceback)."""
    path = str(path or default_db_path())
    if is_postgres_url(path):
        return _open_postgres(path, read_only)
    if is_spark_location(path):
        return open_store(path)
    if Path(path).is_dir():
        raise UserError(f"{path} is a folder; --db takes a database file, e.g. {Path(path) / 'crm.duckdb'}")
    try:
        return open_store(path, read_only=read_only)
    except (NotADirectoryError, FileExistsError):
        raise UserError(f"cannot create {path}: a part of that path is a file, not a folder; give another --db")
    except PermissionError:
        raise UserError(f"no permission to {'read' if read_only else 'write'} {path}; give another --db "
                        "or change the file's permissions")
    except duckdb.Error as e:
        said = str(e).lower()
        if "lock" in said:
            raise UserError(f"the database {path} is in use by another program (the dashboard?); stop it, or copy "
                            "the file and give the copy as --db, then try again")
        if "permission" in said or "read-only" in said or "readonly" in said:
            raise UserError(f"no permission to {'read' if read_only else 'write'} {path}; give another --db "
                            "or change the file's permissions")
        if "catalog" in said and "settings" in said:
            raise UserError(f"{path} is a DuckDB file but not a CRM Insight database; give the right --db")
        if "not a valid duckdb" in said or "invalid" in said or "magic" in said or "corrupt" in said:
            raise UserError(f"{path} is not a CRM Insight database (a DuckDB file); give the right --db, or build "
                            f"one with `python -m crm_core demo --db NEW_FILE`")
        raise UserError(f"cannot open the database {path}: {e}")


def _open_postgres(url: str, read_only: bool):
    """The PostgreSQL store at ``url``; a server that cannot be reached is one sentence, not a traceback."""
    import psycopg

    from .postgres import display_url

    try:
        return open_store(url, read_only=read_only)
    except psycopg.OperationalError as e:
        said = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise UserError(f"cannot reach the PostgreSQL database {display_url(url)}: {said}; check the URL "
                        "(postgresql://USER:PASSWORD@HOST:PORT/DATABASE) and that the server is running")


def cmd_report(args) -> int:
    from .reports import OPTIONS, get
    from .scope import ADMIN, Scope, viewer_for

    if args.format == "xlsx" and not args.output:
        raise UserError("an xlsx workbook is binary and is not printed: give --output FILE, e.g. --output "
                        f"{args.name}.xlsx")
    if args.output and Path(args.output).is_dir():
        raise UserError(f"{args.output} is a folder; --output takes a file, e.g. {Path(args.output) / args.name}."
                        f"{args.format}")
    store = _existing_store(args.db)
    try:
        filters = Filters(start=args.start, end=args.end, period=args.period,
                          departments=tuple(args.department), employees=tuple(args.employee))
    except ValueError as e:
        raise UserError(str(e))
    backend = store.backend()
    viewer = viewer_for(backend, args.as_user) if args.as_user else ADMIN
    Scope(backend).require_known(filters)
    options = {name: getattr(args, name) for name in OPTIONS if getattr(args, name) is not None}
    df = get(args.name).run(Scope(backend, filters, viewer), **options)
    if args.names:
        people = Scope(backend, viewer=viewer).people()
        df = with_names(df, {e[0]: e[1] for e in people["employees"]}, {d[0]: d[1] for d in people["departments"]})
    if args.format == "xlsx":
        out: str | bytes = to_xlsx(df, args.name)
    else:
        out = to_json(df) + "\n" if args.format == "json" else to_csv(df)
    if not args.output:
        sys.stdout.write(out)
        return 0
    try:
        Path(args.output).write_bytes(out if isinstance(out, bytes) else out.encode("utf-8"))
    except FileNotFoundError:
        raise UserError(f"cannot write {args.output}: its folder does not exist")
    except PermissionError:
        raise UserError(f"no permission to write {args.output}; give another --output")
    except OSError as e:
        raise UserError(f"cannot write {args.output}: {e.strerror or e}")
    return 0


def cmd_digest(args) -> int:
    from . import digest

    if args.output and not args.dry_run:
        raise UserError("--output writes the e-mail instead of sending it: add --dry-run, or leave --output out")
    settings = None if args.dry_run else digest.smtp_settings()  # before the work: a missing setting is said first
    store = _existing_store(args.db)
    d = digest.compute(store.backend(), args.to, args.period, today=args.as_of,
                       app_url=args.app_url or digest.DEFAULT_APP_URL, lang=args.lang)
    msg = digest.message(d, settings.sender if settings else None)
    if args.dry_run:
        data = msg.as_bytes()
        if not args.output:
            sys.stdout.buffer.write(data)
            return 0
        try:
            Path(args.output).write_bytes(data)
        except OSError as e:
            raise UserError(f"cannot write {args.output}: {e.strerror or e}")
        print(f"wrote the digest for {d.email} to {args.output}", file=sys.stderr)
        return 0
    digest.send(msg, settings)
    print(f"sent the digest for {d.start} to {d.end} to {d.email}", file=sys.stderr)
    return 0


def cmd_demo(args) -> int:
    from .demo import DEFAULT_CUSTOMERS, build_demo, holds_demo

    store = _open(args.db)
    if not args.replace and not store.is_empty() and not holds_demo(store):
        counts = ", ".join(f"{n:,} {table}" for table, n in store.counts().items() if n)
        raise UserError(f"{store.path} holds imported data ({counts}); building the demo company would replace "
                        "all of it. Add --replace to do so, or give another --db")
    size = build_demo(store, customers=args.customers or DEFAULT_CUSTOMERS, seed=args.seed, end=args.end)
    print(f"demo company in {store.path}: {size.customers} customers, {size.employees} employees, "
          f"{size.follow_ups} follow-ups", file=sys.stderr)
    return 0


def cmd_export_parquet(args) -> int:
    store = _existing_store(args.db)
    try:
        if Path(args.folder).is_file():
            raise UserError(f"{args.folder} is a file; give a folder for the .parquet files")
        written = store.export_parquet(args.folder)
    finally:
        store.close()
    print(f"{len(written)} tables written to {args.folder}: "
          + ", ".join(f"{name} {n:,}" for name, n in written.items() if n), file=sys.stderr)
    return 0


def cmd_import(args) -> int:
    try:
        from .importing import cli_import
    except ImportError:
        raise UserError("importing is not available in this version")
    return cli_import(args)


def read_password(stream=None) -> str:
    """The new password: asked twice without echo at a terminal, else the first line of standard input."""
    import getpass

    stream = stream or sys.stdin
    if stream.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != first:
            raise UserError("the two passwords differ; nothing was changed")
        return first
    line = stream.readline()
    return line[:-1] if line.endswith("\n") else line


def cmd_user(args) -> int:
    from . import auth

    path = auth.cli_users_path(args.users)
    if args.user_command == "add":
        name = auth.check_login_name(args.name)
        store = _existing_store(args.db)
        try:
            viewer = auth.viewer_for_employee(store.backend(), args.employee)
        finally:
            store.close()
        password = read_password().rstrip("\r")
        created = auth.set_user(path, name, viewer.employee_id, password)
        print(f"{'created' if created else 'updated'} user {name} in {path}: employee {viewer.employee_id} "
              f"({viewer.role})", file=sys.stderr)
    elif args.user_command == "remove":
        auth.remove_user(path, args.name)
        print(f"removed user {auth.login_name(args.name)} from {path}", file=sys.stderr)
    else:
        users = auth.load_users(path)
        store = _existing_store(args.db)
        rows = []
        try:
            for user in sorted(users.values(), key=lambda u: u.name):
                try:
                    role = auth.viewer_for_employee(store.backend(), user.employee_id).role
                except auth.SignInRefused as e:
                    role = f"refused: {e}"
                rows.append((user.name, user.employee_id, role))
        finally:
            store.close()
        sys.stdout.write(to_csv(pd.DataFrame(rows, columns=["name", "employee_id", "role"])))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return {"report": cmd_report, "demo": cmd_demo, "import": cmd_import, "user": cmd_user,
                "digest": cmd_digest, "export-parquet": cmd_export_parquet}[args.command](args)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
