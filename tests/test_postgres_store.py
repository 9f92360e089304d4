"""PostgreSQL as the store: what lands there equals what lands in DuckDB, a write is all or nothing and one
at a time, other processes see it, and a hosted start on an empty database builds the demo company there.
(The metric and import suites run against PostgreSQL under `pytest -m postgres`; see conftest.)"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading

import psycopg
import pytest

from conftest import DEMO_END, ROOT, run_page
from crm_core import postgres, schema
from crm_core.demo import build_demo
from crm_core.filters import Filters
from crm_core.reports import run_report
from crm_core.scope import Scope
from crm_core.store import Store, open_store
from files.checks import snapshot

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url(pg_server, request):
    """An empty PostgreSQL database of its own."""
    return pg_server.database("t_" + request.node.name.lower().replace("[", "_").replace("]", "")[:50])


def pg_rows(url: str, sql: str) -> list[tuple]:
    """Rows read by plain psycopg, not by crm_core."""
    with psycopg.connect(url) as con:
        return con.execute(sql).fetchall()


def test_open_store_takes_a_postgresql_url_and_creates_the_tables(pg_url):
    store = open_store(pg_url)
    try:
        assert isinstance(store, postgres.PostgresStore)
        tables = {r[0] for r in pg_rows(pg_url, "SELECT table_name FROM information_schema.tables "
                                                "WHERE table_schema = 'public'")}
        assert tables == set(schema.TABLES)
        assert store.is_empty() and store.schema_version() == schema.SCHEMA_VERSION
    finally:
        store.close()


def test_the_demo_company_built_in_postgres_equals_the_one_in_duckdb(pg_url, demo_store):
    """Every row of every table, Chinese text, empty strings, NULLs, floats and timestamps included."""
    store = open_store(pg_url)
    try:
        build_demo(store, customers=3000, seed=11, end=DEMO_END)  # as conftest's demo_path
        duck = demo_store.duck if hasattr(demo_store, "duck") else demo_store
        got, expected = snapshot(store), snapshot(duck)
        for name in schema.TABLES:
            if name == "settings":  # data_version counts the writes each store took
                continue
            assert got[name] == expected[name], name
        assert len(got["follow_ups"]) > 10_000
    finally:
        store.close()


AWKWARD = [("C1", 'quote " comma , newline\nend', None, ""), ("C2", "", "", None),
           ("C3", "emoji 😀 and 中文 and \\ backslash", "E1", "NULL"), ("C4", "tab\tand ; semicolon", None, "\\N")]


def test_awkward_values_go_back_and_forth_unchanged(pg_url, tmp_path):
    """The same write on DuckDB and on PostgreSQL leaves the same rows, read back by each database's own client;
    a second write changing one row changes exactly that row."""
    duck, pg = Store(tmp_path / "same.duckdb"), open_store(pg_url)
    try:
        for store in (duck, pg):
            with store.write() as cur:
                for cid, name, owner, source in AWKWARD:
                    cur.execute("INSERT INTO customers (customer_id, name, owner_id, created_at, source, lat, lon) "
                                "VALUES (?, ?, ?, TIMESTAMP '2025-01-02 03:04:05.123456', ?, 0.1, 1e-300)",
                                [cid, name, owner, source])
            with store.write() as cur:
                cur.execute("UPDATE customers SET lon = 2.5 WHERE customer_id = 'C2'")
        assert snapshot(pg)["customers"] == snapshot(duck)["customers"]
        plain = sorted(pg_rows(pg_url, "SELECT customer_id, name, owner_id, source, lon FROM customers"))
        assert plain == sorted((c, n, o, s, 2.5 if c == "C2" else 1e-300) for c, n, o, s in AWKWARD)
    finally:
        duck.close()
        pg.close()


def test_a_failed_write_leaves_postgres_as_it_was(pg_url):
    store = open_store(pg_url)
    try:
        with store.write() as cur:
            cur.execute("INSERT INTO customers (customer_id, name, created_at) VALUES ('K1', 'kept', TIMESTAMP '2025-01-01')")
        before, version = snapshot(store), store.data_version()
        with pytest.raises(RuntimeError):
            with store.write() as cur:
                cur.execute("DELETE FROM customers")
                cur.execute("INSERT INTO customers (customer_id, name, created_at) VALUES ('K2', 'x', TIMESTAMP '2025-01-01')")
                raise RuntimeError("the import found a problem")
        assert snapshot(store) == before
        assert pg_rows(pg_url, "SELECT customer_id FROM customers") == [("K1",)]
        assert store.data_version() == version
    finally:
        store.close()


def test_writers_in_several_processes_take_turns(pg_url):
    """Four stores (as four app processes) write at once; every write counts: data_version rises by 4."""
    stores = [open_store(pg_url) for _ in range(4)]
    try:
        start = int(pg_rows(pg_url, "SELECT value FROM settings WHERE key = 'data_version'")[0][0]
                    if pg_rows(pg_url, "SELECT value FROM settings WHERE key = 'data_version'") else 0)
        threads = [threading.Thread(target=s.put_setting, args=(f"note_{i}", str(i))) for i, s in enumerate(stores)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert int(pg_rows(pg_url, "SELECT value FROM settings WHERE key = 'data_version'")[0][0]) == start + 4
        assert sorted(pg_rows(pg_url, "SELECT key, value FROM settings WHERE key LIKE 'note_%'")) == [
            (f"note_{i}", str(i)) for i in range(4)]
    finally:
        for s in stores:
            s.close()


def test_another_process_sees_a_write_within_seconds(pg_url, monkeypatch):
    """data_version (every cache's key) is read from the database again after VERSION_TTL: a write by another
    process refreshes this one's reports."""
    monkeypatch.setattr(postgres, "VERSION_TTL", 0.0)
    reader, writer = open_store(pg_url), open_store(pg_url)
    try:
        seen = reader.data_version()
        writer.put_setting("holiday_country", "CN")
        assert reader.data_version() == seen + 1
    finally:
        reader.close()
        writer.close()


def test_reports_on_postgres_equal_plain_sql_there(pg_url):
    store = open_store(pg_url)
    try:
        build_demo(store, customers=1500, seed=5, end=DEMO_END)
        f = Filters(start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31), period="quarter")
        got = run_report("new-customers", Scope(store.backend(), f))
        plain = pg_rows(pg_url, """SELECT date_trunc('quarter', created_at)::date, count(*) FROM customers
                                   WHERE created_at >= '2025-01-01' AND created_at < '2026-01-01' GROUP BY 1 ORDER BY 1""")
        assert [(str(p)[:10], int(n)) for p, n in zip(got.period, got.new_customers)] == [(str(p), n) for p, n in plain]
        assert sum(n for _, n in plain) > 100
    finally:
        store.close()


def test_the_cli_reads_and_imports_through_a_url(pg_url, tmp_path):
    def cli(*args):
        return subprocess.run([sys.executable, "-m", "crm_core", *args], capture_output=True, text=True, cwd=ROOT)

    sample = ROOT / "data" / "samples"
    imported = cli("import", str(next(sample.glob("客户*.csv"))), "--db", pg_url)
    assert imported.returncode == 0, imported.stderr
    customers = pg_rows(pg_url, "SELECT count(*) FROM customers")[0][0]
    assert customers > 0
    out = cli("report", "new-customers", "--db", pg_url, "--period", "year", "--format", "csv")
    assert out.returncode == 0, out.stderr
    assert sum(int(line.split(",")[-1]) for line in out.stdout.strip().splitlines()[1:]) == customers


def test_an_unreachable_server_is_one_sentence(tmp_path):
    url = "postgresql://someone:secret@127.0.0.1:1/nothing"
    out = subprocess.run([sys.executable, "-m", "crm_core", "report", "new-customers", "--db", url],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2
    assert "cannot reach the PostgreSQL database postgresql://someone:***@127.0.0.1:1/nothing" in out.stderr
    assert "secret" not in out.stderr and "Traceback" not in out.stderr


def test_a_hosted_start_on_an_empty_postgres_builds_the_demo_company_there(pg_url, monkeypatch):
    monkeypatch.setenv("CRM_DB_URL", pg_url)
    monkeypatch.delenv("CRM_DB", raising=False)
    at = run_page(range="all_time")
    customers = pg_rows(pg_url, "SELECT count(*) FROM customers")[0][0]
    assert customers > 1000
    assert int(at.metric[0].value.replace(",", "")) == customers  # every customer of the demo company is new once


def test_the_app_says_so_when_the_database_cannot_be_reached(monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CRM_DB_URL", "postgresql://someone:secret@127.0.0.1:1/nothing")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    said = " ".join(e.value for e in at.error).replace("\u200b", "").replace("\\", "")  # as the page shows it
    assert "postgresql://someone:***@127.0.0.1:1/nothing" in said, said
    assert ":secret@" not in said and "CRM_DB_URL" in said


def test_reruns_in_new_threads_reuse_a_few_connections(pg_url):
    """Streamlit runs every rerun in a new thread: 40 of them, 8 at a time, open at most POOL_SIZE + 1
    connections (the Ibis pool and the store's own)."""
    store = open_store(pg_url)
    name = pg_url.rsplit("/", 1)[1]

    failed = []

    def rerun():
        try:
            scope = Scope(store.backend(), Filters())
            assert scope.run(scope.customers.count()).iloc[0, 0] == 0
            store.data_version()
        except Exception as e:  # noqa: BLE001 - reported below
            failed.append(repr(e))

    try:
        for _ in range(5):
            threads = [threading.Thread(target=rerun) for _ in range(8)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
        assert failed == []
        opened = pg_rows(pg_url.rsplit("/", 1)[0] + "/postgres",
                         f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{name}'")[0][0]
        assert 1 <= opened <= postgres.POOL_SIZE + 1
    finally:
        store.close()
