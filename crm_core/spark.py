"""Spark as the store of a company that outgrew one machine: ``spark:FOLDER`` (README, "Spark").

FOLDER (a local path, hdfs://..., s3a://...) holds the Parquet files of ``python -m crm_core export-parquet``;
each becomes a Spark view named after its table, and every report runs in Spark through Ibis. Where Spark runs
is Spark's own configuration (spark.master in spark-defaults.conf, or $SPARK_*), local mode without one. The
store is read-only: data is imported into the DuckDB file or PostgreSQL and exported again.
"""

from __future__ import annotations

import os

import ibis

from . import schema
from .backend import counted
from .errors import UserError
from .store import Store

PREFIX = "spark:"


def is_spark_location(location: str) -> bool:
    return str(location).startswith(PREFIX)


class SparkStore(Store):
    """The canonical tables as Spark views over Parquet files; reads only."""

    def __init__(self, location: str, read_only: bool = True):
        from pyspark.sql import SparkSession  # only a Spark store needs it

        self.path = location
        self.folder = location[len(PREFIX):].rstrip("/")
        self.read_only = True
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        self.session = (SparkSession.builder.appName("crm-insight")
                        .config("spark.sql.session.timeZone", "UTC")  # timestamps are wall-clock times
                        .config("spark.sql.timestampType", "TIMESTAMP_NTZ")
                        .config("spark.ui.enabled", os.environ.get("CRM_SPARK_UI", "false"))
                        .getOrCreate())
        for name in schema.TABLES:
            path = f"{self.folder}/{name}.parquet"
            try:
                self.session.read.parquet(path).createOrReplaceTempView(name)
            except Exception as e:  # noqa: BLE001 - Spark's AnalysisException says "path does not exist"
                raise UserError(f"cannot read {path}: {str(e).splitlines()[0]}; write the folder with "
                                f"`python -m crm_core export-parquet {self.folder}`")
        self._backend = ibis.pyspark.connect(self.session)
        self._version = self._read_version()

    def cursor(self):
        raise TypeError("a Spark store has no DuckDB cursor: read through store.backend()")

    def backend(self) -> ibis.BaseBackend:
        return self._backend  # shared by every thread; backend.run runs one query at a time on it

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        counted()
        return [tuple(row) for row in self.session.sql(sql, args=list(params) if params else None).collect()]

    def write(self, changes=None):
        raise UserError("the Spark store is read-only: import into the DuckDB file or PostgreSQL, then "
                        "`python -m crm_core export-parquet` the folder again")

    def migrate(self) -> None:
        pass

    def close(self) -> None:
        pass  # the session is the process's; Spark stops it at exit
