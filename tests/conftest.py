"""Shared fixtures: a fresh database file per test, and one small demo company per session.

`pytest -m postgres` runs the tests marked ``postgres`` (the metric and import suites, see POSTGRES_SUITE)
with PostgreSQL as the store, on a throwaway server (tests/pg_server.py):
- the import tests' ``store`` is a real PostgresStore: the importer writes to PostgreSQL;
- the metric tests' ``store`` and ``demo_store`` keep their DuckDB file, which the tests write their
  hand-counted rows to and their plain-pandas references read, while every report reads an identical copy
  in PostgreSQL, written through PostgresStore.write (``Mirrored``). Same tests, same expected numbers.

`pytest -m spark` runs the metric suite the same way with Spark (pyspark, local mode) reading the copy: each
mirrored store's tables are views of a Spark session of its own, registered again after every write.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Every statement whose SQL is kept per shape is also compiled afresh, and a difference fails the test
# (crm_core.compiled); set before crm_core is imported, and inherited by the app processes tests start.
os.environ["CRM_VERIFY_SQL"] = "1"

from crm_core.demo import build_demo  # noqa: E402
from crm_core.store import Store  # noqa: E402

DEMO_END = dt.date(2026, 11, 23)

# The test modules `pytest -m postgres` runs against PostgreSQL: every metric test and every import test.
METRIC_SUITE = ("test_growth", "test_growth_vs_pandas", "test_statistics", "test_statistics_vs_pandas",
                "test_sales_vs_pandas", "test_health_vs_pandas", "test_health_views_vs_pandas",
                "test_at_risk_vs_pandas", "test_care_vs_pandas", "test_behaviour", "test_team_vs_pandas",
                "test_scope", "test_hardening")
IMPORT_SUITE = ("test_import_bad_files", "test_import_formats", "test_import_hardening", "test_import_targets",
                "test_import_understanding", "test_targets_edit")
POSTGRES_SUITE = METRIC_SUITE + IMPORT_SUITE


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres: part of the suite `pytest -m postgres` runs against PostgreSQL")
    config.addinivalue_line("markers", "file_only: about the DuckDB file itself; not run against PostgreSQL")
    config.addinivalue_line("markers", "spark: every report on Spark (local mode) against DuckDB")
    config.addinivalue_line("markers", "not_on_spark(why): left out of `pytest -m spark`, for the reason given")
    expr = config.option.markexpr or ""
    config.crm_engine = next((e for e in ("postgres", "spark") if re.search(rf"(?<!not )\b{e}\b", expr)), "duckdb")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.module.__name__ in POSTGRES_SUITE and not item.get_closest_marker("file_only"):
            item.add_marker(pytest.mark.postgres)
        if item.module.__name__ in METRIC_SUITE and not item.get_closest_marker("file_only") \
                and not item.get_closest_marker("not_on_spark"):
            item.add_marker(pytest.mark.spark)


def _engine(request) -> str:
    return request.config.crm_engine


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server of Debian's on 127.0.0.1 for this session."""
    from pg_server import Server

    server = Server()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def spark_session():
    """One local Spark (SPARK_LOCAL_IP 127.0.0.1, no UI) for the session; each user takes a newSession() of
    it, whose temporary views are its own."""
    import os

    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    session = (SparkSession.builder.master("local[2]").appName("crm-insight-tests")
               .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
               .config("spark.sql.session.timeZone", "UTC").config("spark.sql.timestampType", "TIMESTAMP_NTZ")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true").getOrCreate())
    yield session
    session.stop()


SPARK_TYPES = {"VARCHAR": "string", "TIMESTAMP": "timestamp_ntz", "DOUBLE": "double", "BOOLEAN": "boolean",
               "DATE": "date", "INTEGER": "int"}


class SparkViews:
    """The canonical tables of a DuckDB store as the views of a Spark session of their own."""

    def __init__(self, session):
        import ibis

        self.session = session.newSession()
        self._backend = ibis.pyspark.connect(self.session)

    def load(self, source: Store) -> None:
        from crm_core import schema

        src = source.cursor()
        for name, cols in schema.TABLES.items():
            ddl = ", ".join(f"`{c}` {SPARK_TYPES[t.split()[0]]}" for c, t in cols.items())
            rows = src.sql(f"SELECT * FROM {name}").to_arrow_table()
            self.session.createDataFrame(rows, schema=ddl).createOrReplaceTempView(name)
        self._backend.__dict__.pop("_crm_tables", None)  # the table handles of the old views

    def backend(self):
        return self._backend

    def close(self) -> None:
        pass


class PostgresCopy:
    """A PostgreSQL store that holds a copy of a DuckDB store's rows, written through PostgresStore.write."""

    def __init__(self, store):
        self.store = store

    def load(self, source: Store) -> None:
        """Every row of every table of ``source`` in one write, replacing the rows there."""
        from crm_core import schema

        src = source.cursor()
        with self.store.write() as cur:
            for name in schema.TABLES:
                cur.execute(f"DELETE FROM {name}")
                cur.register("copied", src.sql(f"SELECT * FROM {name}").to_arrow_table())
                cur.execute(f"INSERT INTO {name} SELECT * FROM copied")
                cur.unregister("copied")

    def backend(self):
        return self.store.backend()

    def close(self) -> None:
        self.store.close()


class Mirrored:
    """A DuckDB store whose reports read another engine: what the test writes goes to the DuckDB file (which
    its references read through ``cursor``), and every write is loaded into the engine (a PostgresCopy or
    SparkViews); ``backend()`` is the engine's backend."""

    def __init__(self, duck: Store, engine):
        self.duck, self.engine = duck, engine
        engine.load(duck)

    def backend(self):
        return self.engine.backend()

    @contextlib.contextmanager
    def write(self, changes=None):
        with self.duck.write(changes) as cur:
            yield cur
        self.engine.load(self.duck)

    def __getattr__(self, name):  # cursor, query, path, ...: the DuckDB file's
        return getattr(self.duck, name)


def _pg_store(request, name: str):
    from crm_core.postgres import PostgresStore

    server = request.getfixturevalue("pg_server")
    return PostgresStore(server.database(name))


@pytest.fixture(autouse=True)
def no_sign_in(monkeypatch):
    """Every test starts without sign-in (the admin), whatever users file a developer keeps in data/; the
    sign-in tests name their own users file by $CRM_USERS; no login name starts locked by earlier wrong passwords."""
    from crm_core import auth

    monkeypatch.setenv("CRM_USERS", "")
    auth._FAILURES.clear()


@pytest.fixture
def store(tmp_path, request) -> Store:
    """An empty database file with the canonical schema (under `-m postgres`: an empty PostgreSQL database for
    the import tests, a mirrored file for the metric tests)."""
    s = Store(tmp_path / "crm.duckdb")
    if _engine(request) == "postgres" and request.node.get_closest_marker("postgres"):
        s.close()
        s = _pg_store(request, "test")
        if request.module.__name__ in METRIC_SUITE:
            s = Mirrored(Store(tmp_path / "crm.duckdb"), PostgresCopy(s))
    elif _engine(request) == "spark" and request.node.get_closest_marker("spark"):
        s = Mirrored(s, SparkViews(request.getfixturevalue("spark_session")))
    yield s
    s.close()
    if isinstance(s, Mirrored):
        s.engine.close()


@pytest.fixture(scope="session")
def demo_path(tmp_path_factory) -> Path:
    """A small demo company in a DuckDB file, built once per test session (do not write to it)."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    s = Store(path)
    build_demo(s, customers=3000, seed=11, end=DEMO_END)
    s.close()
    return path


@pytest.fixture(scope="session")
def demo_store(demo_path, request) -> Store:
    """The demo company, read-only (so CLI runs in other processes can read it too); under `-m postgres` its
    reports read a copy in PostgreSQL."""
    s = Store(demo_path, read_only=True)
    if _engine(request) == "postgres":
        s = Mirrored(s, PostgresCopy(_pg_store(request, "demo")))
    elif _engine(request) == "spark":
        s = Mirrored(s, SparkViews(request.getfixturevalue("spark_session")))
    yield s
    s.close()


@pytest.fixture
def app_db(demo_path, tmp_path, monkeypatch) -> Path:
    """A private copy of the demo company for a page under test, named by $CRM_DB."""
    import shutil

    path = tmp_path / "app.duckdb"
    shutil.copyfile(demo_path, path)
    monkeypatch.setenv("CRM_DB", str(path))
    return path


def run_page(page: str | None = None, **query):
    """Run the dashboard (and switch to ``page``, e.g. "app_pages/growth.py") under AppTest with a URL query."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


@pytest.fixture(scope="session")
def dashboard(demo_path, tmp_path_factory):
    """The URL of one `streamlit run dashboard.py` over a copy of the demo company, shared by the browser tests."""
    import shutil

    from e2e import start_dashboard, stop

    db = tmp_path_factory.mktemp("e2e") / "e2e.duckdb"
    shutil.copyfile(demo_path, db)
    proc, url = start_dashboard(db)
    yield url
    stop(proc)


@pytest.fixture(scope="session")
def chromium():
    """Headless Debian Chromium under Playwright."""
    from playwright.sync_api import sync_playwright

    from e2e import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
