"""A table the DuckDB store keeps beside the data, rebuilt inside the transaction of any write that changes
what it is built from (store.KEPT: crm_core.deal_spans, customer_steps, kept_summaries, customer_days;
crm_core.next_contacts keeps its own).

A fingerprint of the sources (kept in settings) says whether it is current; Store.write brings each kept
table up to date when the write touches its sources, and tells the backends which ones are current
(crm_core.backend.kept_current), so a Scope hands them out only then.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


def table(cur, name: str):
    """An unbound Ibis table of ``name`` with its schema as the database has it, for compiling a build's SELECT
    from the reports' own expressions (a partial schema would let Ibis write SELECT * for one column)."""
    import ibis
    from ibis.backends.sql.datatypes import DuckDBType

    columns = cur.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? "
                          "ORDER BY column_index", [name]).fetchall()
    return ibis.table({col: DuckDBType.from_string(kind) for col, kind in columns}, name=name)


def current(cur, kept: list) -> dict:
    """{table: its until day} of the tables of ``kept`` that are current (each digest taken once)."""
    seen: dict = {}
    return {k.table: k.until_day(cur) for k in kept if k.current(cur, seen=seen)}


def bring_up_to_date(cur, kept: list) -> dict:
    """Bring the tables of ``kept`` up to date, in order; {table: its until day} of those kept now."""
    seen: dict = {}
    return {k.table: k.until_day(cur) for k in kept if k.bring_up_to_date(cur, seen)}


@dataclass(frozen=True)
class Kept:
    """One kept table: how to build it, from what, and how to tell whether it is still current."""

    table: str
    sources: tuple[str, ...]  # the canonical tables (and settings) it is built from
    digest: str  # one SELECT of values that change whenever the sources change in a way that matters
    build: Callable[[object], str | None]  # cursor -> the SELECT of its rows (None: keep nothing)
    version: int  # part of the fingerprint: a new way of building it rebuilds the table
    until: str | None = None  # a SELECT of the day its rows hold everything up to (a summary "as of" that day)

    @property
    def fingerprint_key(self) -> str:
        return f"{self.table}_fingerprint"

    def fingerprint(self, cur, seen: dict | None = None) -> str:
        """The version and the digest's values. ``seen``: digests already taken in this pass, by their SELECT (two
        tables built from the same sources the same way share one)."""
        seen = {} if seen is None else seen
        if self.digest not in seen:
            seen[self.digest] = cur.execute(self.digest).fetchone()
        return "/".join(str(v) for v in (self.version, *seen[self.digest]))

    def _exists(self, cur) -> bool:
        return bool(cur.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?",
                                [self.table]).fetchone()[0])

    def current(self, cur, now: str | None = None, seen: dict | None = None) -> bool:
        """Whether the table exists and was built from the data as it is now (``now``: its fingerprint)."""
        kept = cur.execute("SELECT value FROM settings WHERE key = ?", [self.fingerprint_key]).fetchall()
        return self._exists(cur) and bool(kept) and kept[0][0] == (now or self.fingerprint(cur, seen))

    def bring_up_to_date(self, cur, seen: dict | None = None) -> bool:
        """Rebuild the table when what it is built from changed since it was built (or it is missing); whether
        it is kept now. Runs inside the caller's transaction."""
        now = self.fingerprint(cur, seen)
        if self.current(cur, now):
            return True
        select = self.build(cur)
        if select is None:
            self.drop(cur)
            return False
        cur.execute(f"CREATE OR REPLACE TABLE {self.table} AS {select}")
        cur.execute("INSERT INTO settings VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    [self.fingerprint_key, now])
        return True

    def until_day(self, cur):
        """The day of the latest event the table holds (None: none, or it has no such day)."""
        return None if self.until is None else cur.execute(self.until).fetchone()[0]

    def drop(self, cur) -> None:
        cur.execute(f"DROP TABLE IF EXISTS {self.table}")
        cur.execute("DELETE FROM settings WHERE key = ?", [self.fingerprint_key])
