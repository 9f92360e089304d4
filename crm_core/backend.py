"""Running Ibis expressions: the table handles, and turning an expression into a small DataFrame.

Every metric is an Ibis expression, so it runs on any Ibis backend. Two things here keep the fixed
cost of a report low on the default DuckDB store: table handles are looked up once per backend (Ibis
asks the database for a table's schema each time), and results are fetched by DuckDB itself.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd


def table(backend: ibis.BaseBackend, name: str) -> ir.Table:
    """The canonical table ``name`` on ``backend`` (the handle is cached on the backend)."""
    cache = backend.__dict__.setdefault("_crm_tables", {})
    if name not in cache:
        cache[name] = backend.table(name)
    return cache[name]


def to_frame(expr: ir.Expr) -> pd.DataFrame:
    """The result of ``expr`` as a pandas DataFrame (on DuckDB, fetched directly by DuckDB)."""
    backend = expr._find_backend()
    if backend.name == "duckdb":
        return backend.con.execute(backend.compile(expr)).df()
    return expr.to_pandas()


def to_rows(expr: ir.Expr) -> list[dict]:
    """The result of ``expr`` as a list of dicts (small results: lookups, totals)."""
    backend = expr._find_backend()
    if backend.name == "duckdb":
        cur = backend.con.execute(backend.compile(expr))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]
    return expr.to_pyarrow().to_pylist()
