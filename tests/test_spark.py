"""One definition, two engines: the growth reports give the same numbers on Spark as on DuckDB."""

import datetime as dt
import os
import shutil

import pytest

from crm_core import metrics
from crm_core.filters import Filters
from crm_core.scope import Scope

pyspark = pytest.importorskip("pyspark")
if not shutil.which("java") and not os.environ.get("CI"):
    pytest.skip("Spark needs Java", allow_module_level=True)

import ibis  # noqa: E402

D = dt.date
TABLES = ("departments", "department_tree", "employees", "customers", "follow_ups")


@pytest.fixture(scope="module")
def spark_backend(demo_store):
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    session = (SparkSession.builder.master("local[2]").appName("crm-insight-tests")
               .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
               .config("spark.sql.session.timeZone", "UTC").config("spark.sql.timestampType", "TIMESTAMP_NTZ")
               .getOrCreate())
    cur = demo_store.cursor()
    for name in TABLES:
        frame = cur.execute(f"SELECT * FROM {name} WHERE {'created_at < TIMESTAMP ' + repr('2025-07-01') if name == 'customers' else 'true'}").df()
        session.createDataFrame(frame).createOrReplaceTempView(name)
    yield ibis.pyspark.connect(session)
    session.stop()


@pytest.fixture(scope="module")
def duck_backend(demo_store, tmp_path_factory):
    """The same rows in DuckDB, through the same code."""
    from crm_core.store import Store

    s = Store(tmp_path_factory.mktemp("duck") / "same.duckdb")
    src = demo_store.cursor()
    with s.write() as cur:
        for name in TABLES:
            if name == "department_tree":
                continue  # Store.write rebuilds it from departments
            frame = src.execute(f"SELECT * FROM {name} WHERE {'created_at < TIMESTAMP ' + repr('2025-07-01') if name == 'customers' else 'true'}").df()
            cur.register("frame", frame)
            cur.execute(f"INSERT INTO {name} SELECT * FROM frame")
            cur.unregister("frame")
    yield s.backend()
    s.close()


@pytest.mark.parametrize("f", [
    Filters(start=D(2025, 1, 1), end=D(2025, 6, 30), period="month"),
    Filters(start=D(2025, 3, 1), end=D(2025, 4, 15), period="week", departments=("D110",)),
], ids=["month", "week-dept"])
@pytest.mark.parametrize("report", [metrics.new_customers, metrics.contacted_customers, metrics.net_growth],
                         ids=lambda r: r.__name__)
def test_spark_equals_duckdb(spark_backend, duck_backend, f, report):
    on_spark = report(Scope(spark_backend, f))
    on_duck = report(Scope(duck_backend, f))
    assert on_spark.to_dict("records") == on_duck.to_dict("records")
    assert on_duck.iloc[:, -1].sum() > 0
