"""Opening the database: the DuckDB file under data/ by default, or any Ibis backend URL.

One ``Store`` per process holds the DuckDB connection; every thread reads through its own cursor
(Streamlit runs each session in its own thread), and writes go one at a time through ``Store.write``,
a single transaction that bumps ``data_version`` so caches keyed on it refresh.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
from pathlib import Path
from typing import Iterator

import duckdb
import ibis

from . import (customer_days, customer_steps, deal_spans, employee_contact_days, kept, kept_summaries, next_contacts,
               schema)
from .backend import counted

DEFAULT_DB = Path(__file__).resolve().parent.parent / "data" / "crm.duckdb"
DB_ENV = "CRM_DB"
URL_ENV = "CRM_DB_URL"


def default_db_path() -> str:
    """The database to open: $CRM_DB_URL if set (postgresql://user:password@host/db, the hosted store; or
    spark:FOLDER, Parquet files read by Spark), else $CRM_DB (a DuckDB file), else data/crm.duckdb."""
    return os.environ.get(URL_ENV) or os.environ.get(DB_ENV) or str(DEFAULT_DB)


# The tables kept beside the data (crm_core.kept), in the order they are built: after next_contacts, whose
# summary customer_steps reads.
KEPT = (deal_spans.KEPT, customer_steps.KEPT, kept_summaries.PURCHASE_ROWS, kept_summaries.PURCHASES,
        kept_summaries.SCORES, kept_summaries.LAST_CONTACTS, customer_days.KEPT, employee_contact_days.KEPT)


class Store:
    """A DuckDB database file with the canonical schema; thread-safe reads, one writer at a time."""

    def __init__(self, path: str | os.PathLike, read_only: bool = False, keep: bool = True):
        """``keep``: keep crm_core.next_contacts up to date (False drops it: reports count the slow way)."""
        self.path = str(path)
        self.keep = keep
        if self.path != ":memory:" and not self.path.startswith("md:"):  # md: a MotherDuck database
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._con = duckdb.connect(self.path, read_only=read_only)
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self.read_only = read_only
        # What every backend of this store is told, kept current by writes: the kept table's depths
        # (Scope.next_contacts), the day its contact summary counts up to (contacts_until, see
        # Scope.contact_summary), whether every deal's customer is loaded (Scope.of_customers) and which of the
        # tables of KEPT are current, with the day each holds everything up to (``current``: Scope.deal_spans,
        # Scope.customer_steps, Scope.summary). And the tables' schemas and the settings as looked up
        # (crm_core.backend.raw_table, Scope.setting), new dicts after each write.
        self._kept: dict = {"depths": None, "deal_customers_loaded": False, "schemas": {}, "settings": {},
                            "contacts_until": None, "current": {}}
        if not read_only:
            self.migrate()
        else:
            if keep:
                self._kept["depths"] = next_contacts.depths(self._con.cursor(), check=True)
                self._kept["contacts_until"] = _contacts_until(self._con.cursor(), self._kept["depths"])
                cur = self._con.cursor()
                self._kept["current"] = kept.current(cur, KEPT)
            self._kept["deal_customers_loaded"] = deal_customers_loaded(self._con.cursor())
        self._version = self._read_version()

    # -- reading ---------------------------------------------------------------------------------
    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's own DuckDB cursor on the shared database."""
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._local.cursor = self._con.cursor()
        return cur

    def backend(self) -> ibis.BaseBackend:
        """This thread's Ibis backend (over its own cursor); what every metric function takes."""
        be = getattr(self._local, "backend", None)
        if be is None:
            # Its own cursor: Ibis must never find another query's unfinished result on it.
            be = self._local.backend = ibis.duckdb.from_connection(self._con.cursor())
            be.__dict__["_crm_kept"] = self._kept
        return be

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        """All rows of a small query on this thread's cursor (fetched to the end, so the cursor is free).
        For the store's own bookkeeping and the importer: reports read through a Scope."""
        counted()
        return self.cursor().execute(sql, params or []).fetchall()

    def data_version(self) -> int:
        """A number that changes whenever data is written: the cache key of every report. Kept in memory:
        a DuckDB file has one writing process, this one, and Store.write updates it."""
        return self._version

    def _read_version(self) -> int:
        return int(self.get_setting("data_version", "0"))

    def schema_version(self) -> int:
        return int(self.get_setting("schema_version", "0") or 0)

    def counts(self) -> dict[str, int]:
        """Rows per data table (what a replacement would lose)."""
        names = [t for t in schema.TABLES if t not in ("settings", "department_tree")]
        row = self.query("SELECT " + ", ".join(f"(SELECT count(*) FROM {t})" for t in names))[0]
        return dict(zip(names, row))

    def export_parquet(self, folder: str | os.PathLike) -> dict[str, int]:
        """Every canonical table as FOLDER/<table>.parquet, typed as the schema says (timestamps without a time
        zone), for loading into Spark or any other engine; the rows written per table."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        be = self.backend()
        written = {}
        for name in schema.TABLES:
            table = be.table(name)
            table.to_parquet(folder / f"{name}.parquet")
            written[name] = int(table.count().execute())
        return written

    def is_empty(self) -> bool:
        return self.query("SELECT count(*) FROM customers")[0][0] == 0

    # -- writing ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One transaction on a dedicated cursor, one writer at a time: all of it lands, or none of it."""
        with self._write_lock:
            cur = self._con.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            finally:
                cur.close()

    @contextlib.contextmanager
    def write(self, changes: tuple[str, ...] | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """A write: one transaction that also rebuilds the department tree, brings next_contacts and the tables
        of KEPT up to date and bumps data_version. ``changes``: the only tables the write touches, when the
        writer knows (a setting, targets): then a kept table is not even checked unless they are what it is
        built from."""
        check = self.keep and (changes is None or bool(set(changes) & set(next_contacts.SOURCES)))
        others = [k for k in KEPT if self.keep and (changes is None or bool(set(changes) & set(k.sources)))]
        deals = changes is None or bool(set(changes) & {"deals", "customers"})
        with self._transaction() as cur:
            yield cur
            rebuild_department_tree(cur)
            if check:
                next_contacts.bring_up_to_date(cur)
                depths = next_contacts.depths(cur)
                until = _contacts_until(cur, depths)
            current = {t: day for t, day in self._kept["current"].items() if t not in {k.table for k in others}}
            current |= kept.bring_up_to_date(cur, others)
            if deals:
                loaded = deal_customers_loaded(cur)
            cur.execute(
                "INSERT INTO settings VALUES ('data_version', '1') ON CONFLICT (key) DO UPDATE "
                "SET value = CAST(CAST(settings.value AS BIGINT) + 1 AS VARCHAR)"
            )
        if check:
            self._kept.update(depths=depths, contacts_until=until)
        self._kept["current"] = current
        if deals:
            self._kept["deal_customers_loaded"] = loaded
        self._kept.update(schemas={}, settings={})
        self._version = self._read_version()

    def migrate(self) -> None:
        """Create missing tables and columns, bring older databases up to this schema, record its version."""
        with self._transaction() as cur:
            for ddl in schema.create_statements():
                cur.execute(ddl)
            found = cur.execute("SELECT value FROM settings WHERE key = 'schema_version'").fetchall()
            before = int(found[0][0]) if found else schema.SCHEMA_VERSION
            if before < 2:
                cur.execute("ALTER TABLE employees ADD COLUMN IF NOT EXISTS role VARCHAR")
                from .regions import normalise_stored_regions

                normalise_stored_regions(cur)
                rebuild_department_tree(cur)
            if self.keep:
                next_contacts.bring_up_to_date(cur)
                current = kept.bring_up_to_date(cur, KEPT)
            else:
                next_contacts.drop(cur)
                for k in KEPT:
                    k.drop(cur)
                current = {}
            depths = next_contacts.depths(cur)
            until = _contacts_until(cur, depths)
            loaded = deal_customers_loaded(cur)
            if not found or before != schema.SCHEMA_VERSION:
                cur.execute(
                    "INSERT INTO settings VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE "
                    "SET value = excluded.value",
                    [str(schema.SCHEMA_VERSION)],
                )
        self._kept.update(depths=depths, deal_customers_loaded=loaded, schemas={}, settings={}, contacts_until=until,
                          current=current)

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        rows = self.query("SELECT value FROM settings WHERE key = ?", [key])
        return rows[0][0] if rows else default

    def put_setting(self, key: str, value: str) -> None:
        """Write one setting in its own transaction (bumping the data version, so caches refresh)."""
        with self.write(changes=("settings",)) as cur:
            cur.execute("INSERT INTO settings VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        [key, value])

    def close(self) -> None:
        self._con.close()


def _contacts_until(cur, depths) -> dt.date | None:
    """next_contacts.contacts_until, when the kept table is current (``depths``: what the store found)."""
    return None if depths is None else next_contacts.contacts_until(cur)


def deal_customers_loaded(cur) -> bool:
    """Whether every deal's customer_id (when set) is a loaded customer. The importer refuses any other, so only
    a database edited by hand says no (tests narrow copies so)."""
    return not cur.execute("SELECT EXISTS (SELECT 1 FROM deals d ANTI JOIN customers c ON d.customer_id = "
                           "c.customer_id WHERE d.customer_id IS NOT NULL)").fetchone()[0]


def rebuild_department_tree(cur) -> None:
    """department_tree anew from departments: every (ancestor, descendant, depth), each department its
    own at depth 0. A parent loop cannot hang it: paths stop at 64 levels."""
    cur.execute("DELETE FROM department_tree")
    cur.execute("""
        INSERT INTO department_tree
        WITH RECURSIVE walk(ancestor_id, descendant_id, depth) AS (
            SELECT department_id, department_id, 0 FROM departments
            UNION ALL
            SELECT w.ancestor_id, d.department_id, w.depth + 1
            FROM walk w JOIN departments d ON d.parent_id = w.descendant_id
            WHERE w.depth < 64 AND d.department_id <> w.ancestor_id
        )
        SELECT ancestor_id, descendant_id, min(depth) FROM walk GROUP BY ALL""")


def open_store(location: str | os.PathLike | None = None, read_only: bool = False) -> Store:
    """The store at ``location``: a postgresql:// URL, or a DuckDB file (default: default_db_path())."""
    location = str(location or default_db_path())
    from .postgres import PostgresStore, is_postgres_url
    from .spark import SparkStore, is_spark_location

    if is_postgres_url(location):
        return PostgresStore(location, read_only=read_only)
    if is_spark_location(location):
        return SparkStore(location)
    return Store(location, read_only=read_only)
