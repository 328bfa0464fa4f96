"""The retention periods (audit.retention_periods) worked out by Spark.

pipelines/rules/retention_due.py writes each retention row's periods as a query in DuckDB's
dialect; the time-zone steps in it are helper functions with one meaning on both engines
(`local_time`, `local_instant`, `local_date`: functions_duckdb.sql and functions_spark.sql,
where Java's choice in the hour a clock goes back is corrected to DuckDB's). Here each query is
translated and run by Spark over the tables it reads (their Parquet parts, or copies), and its
rows are kept where Spark writes them, one more part of audit.retention_periods
(pipelines/parts.py); audit.retention_due stays a view over it.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from pipelines.rules.retention_due import AFFECTED
from pipelines.spark.sql import install_functions, tables_in, translate
from pipelines.spark.tables import private_folder, share_tables, write_part
from pipelines.warehouse import write_parquet

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


class PeriodsOnSpark:
    """A PeriodsEngine: each query's rows, computed by Spark, kept as a part of the table."""

    def __init__(self, spark: SparkSession, folder: Path):
        self.spark = spark
        self.work = folder / "_retention"
        self.exported: set[str] = set()

    def __call__(self, conn: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> None:
        if not self.exported:
            private_folder(self.work, self.work.parent)
            install_functions(self.spark)
        needed = [name for name in tables_in(sql) if name not in self.exported]
        if needed:
            share_tables(conn, self.spark, self.work, needed)
            self.exported |= set(needed)
        if AFFECTED in sql:  # an update's records: new each update
            # named without a leading _: Spark skips such a file
            given = write_parquet(conn, f"select * from {AFFECTED}", self.work / "affected.parquet")
            self.spark.read.parquet(str(given)).createOrReplaceTempView(AFFECTED)
        frame = self.spark.sql(translate(sql), args=params)
        # kept where Spark writes them, one more part of the table, in the table's columns
        columns = [c[:2] for c in conn.execute("describe audit.retention_periods").fetchall()]
        write_part(frame, conn, "audit", "retention_periods", columns, replace=False)

    def close(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)
