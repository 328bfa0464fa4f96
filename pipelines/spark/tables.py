"""The warehouse's tables as Spark reads them, by the names DuckDB gives them (`layer.table`).

A table the warehouse keeps as Parquet parts (what the Spark engine computes: staging, the text
scan's values, the core tables, the retention periods; written by `write_part`, listed by
pipelines/parts.py) is a Spark view over its parts. Any other is written by DuckDB as a
Parquet copy, `<root>/<layer>/<table>/` (`export_tables`), which Spark registers (`register`).
Either way a query names a table the same way on both engines (`share_tables`).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from pipelines import parts
from pipelines.warehouse import ident, literal, table_columns, write_parquet

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

PARTS_DATABASE = "warehouse_parts"  # Spark's catalog tables of the warehouse's Parquet parts


def private_folder(folder: Path, root: Path) -> Path:
    """`folder` made anew, empty, with every folder from `root` down to it the owner's only."""
    below = folder.relative_to(root)  # a ValueError for a folder outside root
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, mode=0o700)
    for depth in range(len(below.parts) + 1):
        (root / Path(*below.parts[:depth])).chmod(0o700)
    return folder


def read_back(
    frame: DataFrame, folder: Path, conn: duckdb.DuckDBPyConnection, into: str, columns: str = "*"
) -> None:
    """Spark's rows written as Parquet in `folder`, then `into` (an SQL prefix: `create table
    t as`, `insert into t`) DuckDB's select of `columns` from them; the files removed."""
    frame.write.mode("overwrite").parquet(str(folder))
    parts = literal(str(folder / "*.parquet"))
    conn.execute(f"{into} select {columns} from read_parquet({parts})")
    shutil.rmtree(folder)


def write_part(
    frame: DataFrame,
    conn: duckdb.DuckDBPyConnection,
    layer: str,
    table: str,
    columns: list[tuple[str, str]] | None,
    replace: bool,
    scope: str | None = None,
) -> None:
    """Spark's rows kept where Spark writes them: a new Parquet part of `layer.table`
    (pipelines/parts.py: `columns`, `replace` and `scope` as `add_part` takes them)."""
    part = parts.new_part(conn, layer, table)
    frame.write.parquet(str(part))
    parts.add_part(conn, layer, table, part, columns, replace, scope)


def share_tables(
    conn: duckdb.DuckDBPyConnection, spark: SparkSession, root: Path, names: list[str]
) -> None:
    """Each `layer.table` of `names` readable by Spark as `layer.table`: a table the warehouse
    keeps as Parquet parts (pipelines/parts.py) straight from its parts, any other from a
    Parquet copy written under `root`."""
    copied = []
    for name in names:
        schema, table = name.split(".")
        kept = parts.parts_of(conn, schema, table)
        if kept:
            _view_over_parts(spark, schema, table, kept, table_columns(conn, schema, table))
        else:
            copied.append(name)
    export_tables(conn, root, copied)
    register(spark, root)


def _view_over_parts(
    spark: SparkSession, schema: str, table: str, kept: list[Path], columns: list[str]
) -> None:
    """`schema.table` in Spark as the union of its parts' rows (every part of a table has its
    columns: an append is made with the same spec, raw columns and code, else a rebuild). Each
    part is a catalog table of its own (`warehouse_parts.<schema>__<table>__<n>`), so Spark
    reads its schema and lists its files once, not for every query that reads the view."""
    names = ", ".join(_spark_ident(c) for c in columns)
    spark.sql(f"create database if not exists {PARTS_DATABASE}")
    selects = []
    for number, part in enumerate(kept):
        name = _spark_ident(f"{schema}__{table}__{number}")
        _drop(spark, PARTS_DATABASE, f"{schema}__{table}__{number}")
        location = part.as_posix().replace("'", "\\'")
        spark.sql(f"create table {PARTS_DATABASE}.{name} using parquet location '{location}'")
        selects.append(f"select {names} from {PARTS_DATABASE}.{name}")
    spark.sql(f"create database if not exists {_spark_ident(schema)}")
    _drop(spark, schema, table)
    union = " union all ".join(selects)
    spark.sql(f"create view {_spark_ident(schema)}.{_spark_ident(table)} as {union}")


def _drop(spark: SparkSession, schema: str, table: str) -> None:
    """Drop Spark's `schema.table`, a table or a view (DROP TABLE refuses a view, and DROP
    VIEW a table): an earlier audit in this session may have registered it either way."""
    name = f"{schema}.{table}"
    if spark.catalog.tableExists(name):
        kind = "view" if spark.catalog.getTable(name).tableType == "VIEW" else "table"
        spark.sql(f"drop {kind} {_spark_ident(schema)}.{_spark_ident(table)}")


def _spark_ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def export_tables(conn: duckdb.DuckDBPyConnection, root: Path, names: list[str]) -> None:
    """Write each `layer.table` of `names` as `<root>/<layer>/<table>/part-0.parquet`, the
    folders 0700 and the files 0600 (they hold personal data, as the warehouse does)."""
    for name in names:
        schema, table = name.split(".")
        folder = root / schema / table
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        folder.parent.chmod(0o700)
        write_parquet(
            conn, f"select * from {ident(schema)}.{ident(table)}", folder / "part-0.parquet"
        )


def register(spark: SparkSession, root: Path) -> list[str]:
    """Every `<root>/<layer>/<table>/` folder as the Spark table `layer.table`; their names."""
    names = []
    for folder in sorted(p for p in root.glob("*/*") if p.is_dir()):
        layer, table = folder.parent.name, folder.name
        spark.sql(f"create database if not exists {_spark_ident(layer)}")
        _drop(spark, layer, table)
        name = f"{_spark_ident(layer)}.{_spark_ident(table)}"
        spark.sql(f"create table {name} using parquet location '{folder.as_posix()}'")
        names.append(f"{layer}.{table}")
    return names
