"""Running Ibis expressions: the one way a query runs, and the table handles it starts from.

Every metric is an Ibis expression, so it runs on any Ibis backend. Two things here keep the fixed
cost of a report low on the default DuckDB store: a table's schema is looked up once per store, not per
backend (Ibis asks the database each time), and results are fetched by DuckDB itself.
Only the Scope (crm_core.scope) and the importer take raw table handles.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import pandas as pd
import sqlglot.expressions as sge

from . import compiled as _compiled

# How many statements have run in this process (Store.query included): tests count them per redraw.
_statements = itertools.count()
STATEMENTS = {"n": 0}


def counted() -> int:
    """Bump and return the statement counter."""
    STATEMENTS["n"] = next(_statements) + 1
    return STATEMENTS["n"]


def raw_table(backend: ibis.BaseBackend, name: str) -> ir.Table:
    """The canonical table ``name`` on ``backend``, unnarrowed (the handle is cached on the backend).
    For crm_core.scope and the importer only: everything else reads through a Scope.

    A DuckDB store gives its backends one dict of the schemas it has looked up (``schemas`` in what it
    keeps), replaced by a new one after every write: a page run is a new thread with a new backend, and
    asking DuckDB for six schemas took about 11 ms of each redraw."""
    schemas = backend.__dict__.get("_crm_kept", {}).get("schemas")
    held = backend.__dict__.get("_crm_tables")
    if held is None or held[0] is not schemas:  # first use, or the store has written since
        held = backend.__dict__["_crm_tables"] = (schemas, {})
    cache = held[1]
    if name not in cache:
        if schemas is not None and name in schemas:
            cache[name] = ops.DatabaseTable(name, schema=schemas[name], source=backend,
                                            namespace=ops.Namespace()).to_expr()
        else:
            with _lock(backend):
                cache[name] = backend.table(name)
            if schemas is not None:
                schemas[name] = cache[name].schema()
    return cache[name]


def kept_settings(backend: ibis.BaseBackend) -> dict[str, str | None] | None:
    """The settings read so far (key -> value, None: not set), when the DuckDB store behind ``backend`` keeps
    them: one dict for all its backends, a new one after every write (a setting is a write). None: read each."""
    return backend.__dict__.get("_crm_kept", {}).get("settings")


def kept_depths(backend: ibis.BaseBackend) -> dict[str, int] | None:
    """The departments' depths a DuckDB store hands its backends when it keeps crm_core.next_contacts
    (None: it keeps nothing, or the backend is not a store's)."""
    return backend.__dict__.get("_crm_kept", {}).get("depths")


def contacts_until(backend: ibis.BaseBackend):
    """The day of the latest follow-up, when the DuckDB store behind ``backend`` keeps the customers' contact
    summary (crm_core.next_contacts.SUMMARY); else None."""
    return backend.__dict__.get("_crm_kept", {}).get("contacts_until")


def kept_current(backend: ibis.BaseBackend, table: str) -> bool:
    """Whether the DuckDB store behind ``backend`` keeps ``table`` (one of store.KEPT's) current (False: it does
    not, or the backend is not a store's)."""
    return table in backend.__dict__.get("_crm_kept", {}).get("current", {})


def kept_until(backend: ibis.BaseBackend, table: str) -> dt.date | None:
    """The day of the latest event the kept ``table`` holds, when it is current (None: not kept, or no event)."""
    return backend.__dict__.get("_crm_kept", {}).get("current", {}).get(table)


def deal_customers_loaded(backend: ibis.BaseBackend) -> bool:
    """Whether the DuckDB store behind ``backend`` found every deal's customer loaded (False: it did not look,
    or the backend is not a store's)."""
    return backend.__dict__.get("_crm_kept", {}).get("deal_customers_loaded", False)


def _spark_strips_whitespace_only() -> None:
    """Ibis writes ``strip()`` for Spark as TRIM(' \\t\\n\\r\\v\\f' FROM x), and Spark SQL reads the \\v and \\f of that
    literal as the letters v and f ("visit" became "isit"). Spark gets a regular expression instead (Java's
    \\s: the same six whitespace characters)."""
    try:
        from ibis.backends.sql.compilers.pyspark import PySparkCompiler
    except ImportError:  # no Spark here
        return

    def visit_Strip(self, op, *, arg):
        return self.f.regexp_replace(arg, sge.convert(r"^\s+|\s+$"), sge.convert(""))

    PySparkCompiler.visit_Strip = visit_Strip


_spark_strips_whitespace_only()

# Ibis merges each chain of selects into one before writing SQL. The engines flatten nested selects themselves;
# merging them took a fifth of the compile time, which is a fixed cost of every report (over the 50 declared
# reports at M, one department: 855 -> 670 ms of compiling, the statements' times unchanged within noise).
ibis.options.sql.fuse_selects = False


def _lock(backend: ibis.BaseBackend) -> threading.RLock:
    """One query at a time on a backend that threads share (a PostgreSQL store's pool: an Ibis backend is one
    connection, and not safe for two threads at once). A DuckDB backend is one thread's own."""
    return backend.__dict__.setdefault("_crm_lock", threading.RLock())


def run(expr: ir.Expr) -> pd.DataFrame:
    """The result of ``expr`` as a pandas DataFrame (on DuckDB, fetched directly by DuckDB).
    A scalar expression gives a one-row frame with one column."""
    if not isinstance(expr, ir.Table):
        expr = expr.name(expr.get_name() if _has_name(expr) else "value").as_table()
    backend = expr._find_backend()
    counted()
    if backend.name == "duckdb":
        return backend.con.execute(_compiled.sql(backend, expr)).df()  # (registers in-memory tables first)
    with _lock(backend):
        return expr.to_pandas()


def _has_name(expr) -> bool:
    try:
        expr.get_name()
        return True
    except Exception:  # noqa: BLE001 - an unnamed scalar
        return False


def scalar(expr: ir.Scalar):
    """The value of a scalar expression (None when it is NULL)."""
    value = run(expr).iloc[0, 0]
    return None if pd.isna(value) else value
