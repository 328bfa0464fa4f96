"""The warehouse as Parquet tables: `<root>/<layer>/<table>/`, one folder per layer and table.

DuckDB writes tables into such folders (`export_tables`), Spark registers every folder
under the root as `layer.table` (`register`), and both read the same files, so a query names a
table the same way on either engine.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from pipelines.warehouse import ident, literal, write_parquet

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


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
        spark.sql(f"create database if not exists `{layer}`")
        spark.sql(f"drop table if exists `{layer}`.`{table}`")
        spark.sql(f"create table `{layer}`.`{table}` using parquet location '{folder.as_posix()}'")
        names.append(f"{layer}.{table}")
    return names
