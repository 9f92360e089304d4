"""What a test compares to prove the database did not change: every table's rows and data_version."""

from __future__ import annotations

from crm_core.schema import TABLES


def snapshot(store) -> dict[str, list[tuple]]:
    """Every canonical table's rows, sorted, plus the settings (which hold data_version)."""
    cur = store.cursor()
    return {t: sorted(cur.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in TABLES}


def rows(store, sql: str) -> list[tuple]:
    return store.cursor().execute(sql).fetchall()
