"""PostgreSQL as the store (the hosted option): reports read it through Ibis, writes land in one transaction.

Reads: every thread has its own Ibis PostgreSQL backend, so every report runs in PostgreSQL itself.

Writes: the importer, the demo builder and the settings speak DuckDB SQL (one dialect to keep). A write
therefore runs on a working copy: the company is copied from PostgreSQL into an in-memory DuckDB, the write
runs there unchanged, and its net change goes back in the same PostgreSQL transaction that took the
copy. Each table is compared before and after, by the key its rows are grouped by (GROUP_KEYS); the
changed groups are deleted and written again with COPY. An advisory lock keeps one writer at a time
across every process on the database. All of it commits, or none of it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit, urlunsplit

import duckdb
import ibis

from . import schema
from .backend import counted
from .store import Store, rebuild_department_tree

# The columns a table's rows are grouped by when a write's change goes back: a changed group is deleted
# and written whole. The primary key where there is one; otherwise what the rows belong to.
GROUP_KEYS: dict[str, tuple[str, ...]] = {
    "departments": ("department_id",),
    "employees": ("employee_id",),
    "department_tree": ("ancestor_id",),
    "customers": ("customer_id",),
    "follow_ups": ("follow_up_id",),
    "deals": ("deal_id",),
    "deal_stage_history": ("deal_id",),
    "targets": ("period_start", "period", "employee_id", "department_id", "metric"),
    "pool_events": ("event_id",),
    "customer_tags": ("customer_id",),
    "customer_fields": ("customer_id",),
    "surveys": ("survey_id",),
    "settings": ("key",),
}
WRITE_LOCK = 7_340_112  # pg_advisory_xact_lock's key: one writer at a time on this database
POOL_SIZE = 4  # Ibis backends (PostgreSQL connections) a store hands out to the threads reading through it
VERSION_TTL = 2.0  # seconds a data_version read from the database is trusted (other processes may write)


def is_postgres_url(location: str) -> bool:
    return str(location).startswith(("postgresql://", "postgres://"))


def _pg_type(typ: str) -> str:
    return typ.replace("DOUBLE", "DOUBLE PRECISION")


def create_statements() -> list[str]:
    """The canonical tables in PostgreSQL's words, and an index on each group key that is not a primary key."""
    ddl = [f'CREATE TABLE IF NOT EXISTS {name} (' + ", ".join(f'"{c}" {_pg_type(t)}' for c, t in cols.items()) + ")"
           for name, cols in schema.TABLES.items()]
    for name, key in GROUP_KEYS.items():
        if "PRIMARY KEY" not in schema.TABLES[name][key[0]] or len(key) > 1:
            ddl.append(f"CREATE INDEX IF NOT EXISTS {name}_by_{key[0]} ON {name} ({', '.join(key)})")
    return ddl


def _quoted(cols) -> str:
    return ", ".join(f'"{c}"' for c in cols)


class PostgresStore(Store):
    """A PostgreSQL database with the canonical schema (see the module for how reads and writes go)."""

    def __init__(self, url: str, read_only: bool = False):
        import psycopg  # only a PostgreSQL store needs it

        self._psycopg = psycopg
        self.url = url
        self.path = display_url(url)
        self.read_only = read_only
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._pool: list[ibis.BaseBackend] = []
        self._pool_lock = threading.Lock()
        self._handed = 0
        self._con = None
        self._version_read = 0.0
        if not read_only:
            self.migrate()
        self._version = self._read_version()

    # -- reading ---------------------------------------------------------------------------------
    def _connection(self):
        """The store's own connection for its small queries (psycopg connections are thread-safe)."""
        with self._pool_lock:
            if self._con is None or self._con.closed:
                self._con = self._psycopg.connect(self.url, autocommit=True)
            return self._con

    def cursor(self):
        raise TypeError("a PostgreSQL store has no DuckDB cursor: read through store.backend() or store.query()")

    def backend(self) -> ibis.BaseBackend:
        """This thread's Ibis PostgreSQL backend: one of at most POOL_SIZE connections, handed out in turn.
        Streamlit runs every rerun in a new thread; a connection per thread would open one per click."""
        be = getattr(self._local, "backend", None)
        if be is None:
            with self._pool_lock:
                if len(self._pool) < POOL_SIZE:
                    self._pool.append(ibis.connect(self.url))
                be = self._pool[self._handed % len(self._pool)]
                self._handed += 1
            self._local.backend = be
        return be

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        counted()
        if params:  # the DuckDB placeholders of the store's few own queries
            return self._connection().execute(sql.replace("?", "%s"), params).fetchall()
        return self._connection().execute(sql).fetchall()

    def data_version(self) -> int:
        if time.monotonic() - self._version_read > VERSION_TTL:
            self._version = self._read_version()
        return self._version

    def _read_version(self) -> int:
        self._version_read = time.monotonic()
        return super()._read_version()

    # -- writing ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _pg_transaction(self):
        """One PostgreSQL transaction holding the database's write lock."""
        with self._write_lock, self._psycopg.connect(self.url) as pg:  # commits on success, rolls back on error
            pg.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])
            yield pg

    @contextlib.contextmanager
    def write(self, changes: tuple[str, ...] | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """A write on a DuckDB working copy (see the module); the net change lands in one PG transaction.
        (``changes``: as Store.write's; PostgreSQL keeps no next_contacts.)"""
        with self._pg_transaction() as pg, tempfile.TemporaryDirectory(prefix="crm-write-") as folder:
            work = duckdb.connect()
            try:
                _copy_in(pg, work, Path(folder))
                cur = work.cursor()
                cur.execute("BEGIN TRANSACTION")
                yield cur
                rebuild_department_tree(cur)
                cur.execute("INSERT INTO settings VALUES ('data_version', '1') ON CONFLICT (key) DO UPDATE "
                            "SET value = CAST(CAST(settings.value AS BIGINT) + 1 AS VARCHAR)")
                cur.execute("COMMIT")
                _copy_out(work, pg, Path(folder))
            finally:
                work.close()
        self._version = self._read_version()

    def migrate(self) -> None:
        with self._pg_transaction() as pg:
            for ddl in create_statements():
                pg.execute(ddl)
            pg.execute("INSERT INTO settings VALUES ('schema_version', %s) ON CONFLICT (key) DO UPDATE "
                       "SET value = excluded.value", [str(schema.SCHEMA_VERSION)])

    def close(self) -> None:
        with self._pool_lock:
            for be in self._pool:
                with contextlib.suppress(Exception):
                    be.disconnect()
            if self._con is not None:
                self._con.close()
            self._pool, self._con = [], None
        self._local = threading.local()


def display_url(url: str) -> str:
    """The URL to show people: no password in it."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)))


def _same(name: str, key: tuple[str, ...]) -> str:
    """c (changed keys) matches t (the table) on ``key``: = where a column cannot be NULL (so PostgreSQL can
    hash or use the index), IS NOT DISTINCT FROM where it can."""
    def nullable(col):
        return not any(word in schema.TABLES[name][col] for word in ("PRIMARY KEY", "NOT NULL"))
    return " AND ".join(f'c."{k}" {"IS NOT DISTINCT FROM" if nullable(k) else "="} t."{k}"' for k in key)


def _copy_in(pg, work: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Every canonical table from PostgreSQL into ``work`` (with its constraints), and a ``before_`` copy."""
    for ddl in schema.create_statements():
        work.execute(ddl)
    for name, cols in schema.TABLES.items():
        file = folder / f"{name}.csv"
        with open(file, "wb") as out, pg.cursor().copy(
                f"COPY (SELECT {_quoted(cols)} FROM {name}) TO STDOUT (FORMAT csv)") as copy:
            for chunk in copy:
                out.write(chunk)
        types = ", ".join(f"'{c}': '{t.split()[0]}'" for c, t in cols.items())
        work.execute(f"INSERT INTO {name} SELECT * FROM read_csv('{file}', header = false, allow_quoted_nulls = "
                     f"false, auto_detect = false, columns = {{{types}}})")
        work.execute(f"CREATE TABLE before_{name} AS SELECT * FROM {name}")
        os.remove(file)


def _copy_out(work: duckdb.DuckDBPyConnection, pg, folder: Path) -> None:
    """What the write changed, table by table: the changed groups deleted in PostgreSQL and written again."""
    for name, cols in schema.TABLES.items():
        key = GROUP_KEYS[name]
        same = _same(name, key)
        work.execute(f"""CREATE OR REPLACE TEMP TABLE changed AS
            SELECT DISTINCT {_quoted(key)} FROM (
                (SELECT * FROM {name} EXCEPT ALL SELECT * FROM before_{name})
                UNION ALL (SELECT * FROM before_{name} EXCEPT ALL SELECT * FROM {name}))""")
        if work.execute("SELECT count(*) FROM changed").fetchone()[0] == 0:
            continue
        keys, rows = folder / "keys.csv", folder / "rows.csv"
        work.execute(f"COPY changed TO '{keys}' (HEADER false)")
        work.execute(f"COPY (SELECT {_quoted(cols)} FROM {name} t WHERE EXISTS (SELECT 1 FROM changed c WHERE {same})) "
                     f"TO '{rows}' (HEADER false)")
        key_types = ", ".join(f'"{k}" {_pg_type(schema.TABLES[name][k].split()[0])}' for k in key)
        pg.execute(f"CREATE TEMP TABLE changed ({key_types}) ON COMMIT DROP")
        _send(pg, "COPY changed FROM STDIN (FORMAT csv)", keys)
        pg.execute(f"DELETE FROM {name} t USING changed c WHERE {same}")
        pg.execute("DROP TABLE changed")
        _send(pg, f"COPY {name} ({_quoted(cols)}) FROM STDIN (FORMAT csv)", rows)


def _send(pg, sql: str, file: Path) -> None:
    with pg.cursor().copy(sql) as copy, open(file, "rb") as f:
        while chunk := f.read(1 << 20):
            copy.write(chunk)
