"""Identity resolution run by Spark: the same statements as on DuckDB, translated.

pipelines/staging/subjects.py writes a resolution as a list of queries in DuckDB's dialect (the
nodes, the identifier rows by node, the records, the edges; then the roots, the keyed
pseudonyms and the three core tables). On Spark each query is translated by sqlglot and made a
temporary view, materialised once (a local checkpoint) since the next queries read it more than
once. The connected components are scipy's on the driver, as on DuckDB: the edges come back as
Arrow (two integer columns per link, far fewer than the identifier rows) and the labels go out
the same way. The core tables Spark makes are written as Parquet and read into the warehouse.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from pipelines.spark.sql import translate
from pipelines.staging.subjects import WORKING
from pipelines.warehouse import literal

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


class OnSpark:
    """A resolution's statements run by Spark (a Resolver, pipelines/staging/subjects.py)."""

    def __init__(
        self, spark: SparkSession, folder: Path, conn: duckdb.DuckDBPyConnection, into: str
    ):
        self.spark, self.conn, self.into = spark, conn, into
        self.work = folder / "_subjects"

    @classmethod
    def engine(cls, spark: SparkSession, folder: Path) -> Any:
        """The Engine (conn, into) -> OnSpark that build_subjects takes."""
        return lambda conn, into: cls(spark, folder, conn, into)

    def identifiers(self, rows: str, not_a_person: list[str]) -> None:
        shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir(parents=True, mode=0o700)
        self.work.parent.chmod(0o700)
        given = self.work / "ids.parquet"
        self.conn.execute(
            f"copy (select * from ({rows}) where value not in (select unnest($skip::varchar[]))) "
            f"to {literal(str(given))} (format parquet, compression zstd)",
            {"skip": not_a_person},
        )
        given.chmod(0o600)
        self._view("_ids", self.spark.read.parquet(str(given)))

    def make(self, table: str, select: str, params: dict[str, Any] | None = None) -> None:
        args = {name: bytearray(value) for name, value in (params or {}).items()}
        frame = self.spark.sql(translate(select), args=args)
        if table.startswith("_"):
            self._view(table, frame)
            return
        out = self.work / table
        frame.write.mode("overwrite").parquet(str(out))
        parts = literal(str(out / "*.parquet"))
        self.conn.execute(f"create or replace {self.into}{table} as from read_parquet({parts})")
        shutil.rmtree(out)

    def edges(self) -> tuple[Any, Any, int]:
        edges = self.spark.table("_edges").toArrow()
        [[size]] = self.spark.sql("select coalesce(max(node), 0) + 1 from _nodes").collect()
        return edges["node"].to_numpy(), edges["first"].to_numpy(), size

    def labels(self, found: pa.Table) -> None:
        self._view("_labels", self.spark.createDataFrame(found))

    def drop(self, table: str) -> None:
        self.spark.catalog.dropTempView(table)

    def close(self) -> None:
        for table in WORKING:
            self.drop(table)
        shutil.rmtree(self.work, ignore_errors=True)

    def _view(self, name: str, frame: Any) -> None:
        frame.localCheckpoint().createOrReplaceTempView(name)
