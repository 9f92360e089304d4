"""One definition, two engines: every declared report gives the same rows on Spark (pyspark, local mode) as on
DuckDB, over the demo company, for an admin and for a manager. Spark reads the company the way an operator
loads it (README): the Parquet files of `python -m crm_core export-parquet`. `pytest -m spark` selects these."""

import datetime as dt
import os
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from conftest import ROOT, SPARK_TYPES
from crm_core import schema
from crm_core.filters import Filters
from crm_core.reports import declared
from crm_core.scope import ADMIN, Scope, viewer_for

pyspark = pytest.importorskip("pyspark")
if not shutil.which("java") and not os.environ.get("CI"):
    pytest.skip("Spark needs Java", allow_module_level=True)

import ibis  # noqa: E402

pytestmark = pytest.mark.spark

D = dt.date
# Options a report needs to run at all (the rest run with their defaults).
OPTIONS = {"segments": {"dimension": "industry"}, "clv-by-segment": {"dimension": "region"},
           "custom-field": {"field": "客户级别"}}
FILTERS = {
    "half-year-by-month": Filters(start=D(2025, 1, 1), end=D(2025, 6, 30), period="month"),
    "six-weeks-one-department": Filters(start=D(2025, 3, 1), end=D(2025, 4, 15), period="week", departments=("D110",)),
}


@pytest.fixture(scope="module")
def parquet(demo_path, tmp_path_factory):
    """The demo company exported by the CLI: a folder of <table>.parquet."""
    folder = tmp_path_factory.mktemp("parquet")
    done = subprocess.run([sys.executable, "-m", "crm_core", "export-parquet", str(folder), "--db", str(demo_path)],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "13 tables written" in done.stderr and "customers 3,000" in done.stderr
    return folder


@pytest.fixture(scope="module")
def spark_backend(parquet, spark_session):
    """Every canonical table of the demo company as a Spark view over its Parquet file, through Ibis."""
    session = spark_session.newSession()
    for name, cols in schema.TABLES.items():
        table = session.read.parquet(str(parquet / f"{name}.parquet"))
        assert [(f.name, f.dataType.simpleString()) for f in table.schema.fields] == [
            (c, SPARK_TYPES[t.split()[0]]) for c, t in cols.items()], name  # typed as the schema says
        table.createOrReplaceTempView(name)
    return ibis.pyspark.connect(session)


def viewers(backend):
    return {"admin": ADMIN, "manager": viewer_for(backend, "E0014")}  # E0014 manages D110's three teams


@pytest.mark.parametrize("fname", list(FILTERS))
@pytest.mark.parametrize("name", sorted(declared()))
def test_every_report_is_the_same_on_spark(spark_backend, demo_store, name, fname):
    report, f = declared()[name], FILTERS[fname]
    duck = getattr(demo_store, "duck", demo_store).backend()  # DuckDB's, also when `-m spark` mirrors the demo
    for who, viewer in viewers(duck).items():
        if who == "manager" and fname != "half-year-by-month":
            continue
        on_duck = report.run(Scope(duck, f, viewer), **OPTIONS.get(name, {}))
        on_spark = report.run(Scope(spark_backend, f, viewer), **OPTIONS.get(name, {}))
        pd.testing.assert_frame_equal(on_spark.reset_index(drop=True), on_duck.reset_index(drop=True),
                                      check_dtype=False, obj=f"{name} as {who}")


def test_the_comparison_can_tell(spark_backend, demo_store):
    """The reports compared above hold numbers: a department's new customers are not all zero."""
    f = FILTERS["six-weeks-one-department"]
    assert declared()["new-customers"].run(Scope(spark_backend, f))["new_customers"].sum() > 0


def test_the_cli_reads_the_parquet_folder_through_spark(parquet, demo_path):
    """`--db spark:FOLDER`: the same CSV as from the DuckDB file."""
    def report(db):
        done = subprocess.run([sys.executable, "-m", "crm_core", "report", "won-customers", "--db", db, "--period",
                               "quarter", "--start", "2025-01-01", "--end", "2026-06-30"], cwd=ROOT,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    on_duck = report(str(demo_path))
    assert report(f"spark:{parquet}") == on_duck and len(on_duck.splitlines()) == 7


def test_the_dashboard_runs_on_spark(parquet, demo_store, spark_backend, monkeypatch):
    """CRM_DB_URL=spark:FOLDER: the Overview draws, with the numbers of the same company in DuckDB; an import
    is refused in a sentence (the Spark store is read-only)."""
    from conftest import run_page
    from crm_core.store import open_store

    monkeypatch.setenv("CRM_DB_URL", f"spark:{parquet}")
    at = run_page(range="all_time")
    customers = demo_store.query("SELECT count(*) FROM customers")[0][0]
    assert int(at.metric[0].value.replace(",", "")) == customers  # every customer is new once
    with pytest.raises(Exception, match="read-only"):
        open_store(f"spark:{parquet}").write()
    with pytest.raises(Exception, match="export-parquet"):
        open_store(f"spark:{parquet}/nothing-here")
