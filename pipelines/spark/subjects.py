"""Identity resolution run by Spark: the same statements as on DuckDB, translated.

pipelines/staging/subjects.py writes a resolution as a list of queries in DuckDB's dialect (the
nodes, the identifier rows by node, the records, the edges; then the roots, the keyed
pseudonyms and the three core tables). On Spark each query is translated by sqlglot and made a
temporary view, materialised once (a local checkpoint) since the next queries read it more than
once. The connected components are scipy's on the driver, as on DuckDB: the edges come back as
Arrow (two integer columns per link, far fewer than the identifier rows) and the labels go out
the same way. The core tables of a full resolution are kept where Spark writes them, as Parquet
parts (pipelines/parts.py); an update's rows for the people it touched are read back and merged.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from pipelines.spark.sql import translate
from pipelines.spark.tables import private_folder, read_back, write_part
from pipelines.staging.subjects import FULL, WORKING
from pipelines.warehouse import write_parquet

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
        private_folder(self.work, self.work.parent)
        given = write_parquet(
            self.conn,
            f"select * from ({rows}) where value not in (select unnest($skip::varchar[]))",
            self.work / "ids.parquet",
            {"skip": not_a_person},
        )
        self._view("_ids", self.spark.read.parquet(str(given)))

    def make(self, table: str, select: str, params: dict[str, Any] | None = None) -> None:
        args = {name: bytearray(value) for name, value in (params or {}).items()}
        frame = self.spark.sql(translate(select), args=args)
        if table.startswith("_"):
            self._view(table, frame)
        elif self.into == FULL:  # kept where Spark writes it: the core table's one part
            write_part(frame, self.conn, "core", table, None, replace=True)
        else:  # the touched people's rows, merged into the core tables by build_subjects
            into = f"create or replace {self.into}{table} as"
            read_back(frame, self.work / table, self.conn, into)

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
