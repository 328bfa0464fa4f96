"""Row-wise DuckDB SQL run by Spark: each partition's rows go through DuckDB's own query.

Staging's conversions and the text scan work row by row (a row's staged values and suspicious
values depend on that row alone). Their SQL leans on what the engines do differently: strptime's
leniency (one-digit months, any run of white space, %p in any case), DuckDB's casts ('12.5' and
'1e3' are integers, '1_000' is 1000), a local time in the hour a clock goes back, and the Python
functions `e164` and `country_code`. Translating it would give Spark its own answers on exactly
the values an audit must get right. So Spark reads the rows and spreads them over its tasks
(`mapInArrow`), and each task runs the query DuckDB runs, in an in-memory DuckDB, on its batches
of rows as Arrow: the same SQL, the same functions, the same answers, whichever engine audits.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from pipelines.spark.tables import private_folder, write_part
from pipelines.warehouse import write_parquet

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

ROWS = "rows"  # the name a row-wise query reads its batch of rows by


def task_duckdb() -> duckdb.DuckDBPyConnection:
    """The in-memory DuckDB a batch is converted in: UTC, with the conversions' functions."""
    from pipelines import conversions

    conn = duckdb.connect()
    conn.execute("set TimeZone = 'UTC'")
    conversions.register_functions(conn)
    return conn


def convert_batches(sql: str, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """`sql` over each batch of rows (the table `rows`): what one Spark task runs."""
    conn = task_duckdb()
    try:
        for batch in batches:
            conn.register(ROWS, pa.Table.from_batches([batch]))
            yield from conn.sql(sql).to_arrow_table().to_batches()
            conn.unregister(ROWS)
    finally:
        conn.close()


class SparkRows:
    """Row-wise queries over rows of the warehouse, run by Spark (`to_parts`).

    Its folder is scratch space: the input rows as Parquet, owner-only (they hold personal
    data), removed once Spark has written the result.
    """

    def __init__(self, spark: SparkSession, folder: Path):
        self.spark = spark
        self.folder = folder

    def to_parts(
        self,
        conn: duckdb.DuckDBPyConnection,
        layer: str,
        table: str,
        source: str,
        sql: str,
        append: bool,
        scope: str | None = None,
    ) -> None:
        """Run `sql` (a row-wise query over `rows`) on the rows of `source` (a DuckDB query) by
        Spark, and keep its result where Spark writes it: a new part of `layer.table`
        (pipelines/parts.py), appended to the table's parts or in their place (those of
        `scope`), never read back into the DuckDB file."""
        name = f"{layer}.{table}" + (f".{scope}" if scope else "")
        work, frame, columns = self._converted(conn, name, source, sql)
        write_part(frame, conn, layer, table, columns, replace=not append, scope=scope)
        shutil.rmtree(work)

    def _converted(
        self, conn: duckdb.DuckDBPyConnection, name: str, source: str, sql: str
    ) -> tuple[Path, DataFrame, list[tuple[str, str]]]:
        """The scratch folder, Spark's frame of `sql` over the rows of `source`, and the
        result's columns with DuckDB's types (those of the query over no rows)."""
        from pyspark.sql.pandas.types import from_arrow_schema

        work = private_folder(self.folder / "_rows" / name, self.folder)
        given = write_parquet(conn, source, work / "in.parquet")
        empty = conn.sql(f"select * from ({source}) limit 0").to_arrow_table()
        probe = task_duckdb()
        probe.register(ROWS, empty)
        columns = [(c, kind) for c, kind, *_ in probe.execute(f"describe {sql}").fetchall()]
        arrow = probe.sql(sql).to_arrow_table().schema
        probe.close()
        frame = self.spark.read.parquet(str(given))
        result = frame.mapInArrow(
            lambda batches: convert_batches(sql, batches), from_arrow_schema(arrow)
        )
        return work, result, columns
