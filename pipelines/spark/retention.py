"""The retention periods (audit.retention_periods) worked out by Spark.

pipelines/rules/retention_due.py writes each retention row's periods as a query in DuckDB's
dialect; the time-zone steps in it are helper functions with one meaning on both engines
(`local_time`, `local_instant`, `local_date`: functions_duckdb.sql and functions_spark.sql,
where Java's choice in the hour a clock goes back is corrected to DuckDB's). Here each query is
translated and run by Spark over Parquet copies of the tables it reads, and its rows are added
to the warehouse's audit.retention_periods; audit.retention_due stays a view over it.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from pipelines.spark.sql import install_functions, tables_in, translate
from pipelines.spark.tables import export_tables, register
from pipelines.warehouse import literal

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

AFFECTED = "_retention_affected"  # the records an update works out again (a temporary table)


class PeriodsOnSpark:
    """A PeriodsEngine: each query's rows, computed by Spark, inserted into the warehouse."""

    def __init__(self, spark: SparkSession, folder: Path):
        self.spark = spark
        self.work = folder / "_retention"
        self.exported: set[str] = set()

    def __call__(self, conn: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> None:
        if not self.exported:
            shutil.rmtree(self.work, ignore_errors=True)
            self.work.mkdir(parents=True, mode=0o700)
            self.work.parent.chmod(0o700)
            install_functions(self.spark)
        needed = [name for name in tables_in(sql) if name not in self.exported]
        if needed:
            export_tables(conn, self.work, needed)
            register(self.spark, self.work)
            self.exported |= set(needed)
        if AFFECTED in sql:  # an update's records: new each update
            given = self.work / "affected.parquet"  # Spark skips a file whose name starts with _
            conn.execute(f"copy {AFFECTED} to {literal(str(given))} (format parquet)")
            given.chmod(0o600)
            self.spark.read.parquet(str(given)).createOrReplaceTempView(AFFECTED)
        out = self.work / "_periods"
        self.spark.sql(translate(sql), args=params).write.mode("overwrite").parquet(str(out))
        parts = literal(str(out / "*.parquet"))
        conn.execute(f"insert into audit.retention_periods from read_parquet({parts})")
        shutil.rmtree(out)

    def close(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)
