"""The warehouse as Parquet tables: `<root>/<layer>/<table>/`, one folder per layer and table.

DuckDB writes tables into such folders (`export_tables`), Spark registers every folder
under the root as `layer.table` (`register`), and both read the same files, so a query names a
table the same way on either engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from pipelines.warehouse import ident, literal

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def export_tables(conn: duckdb.DuckDBPyConnection, root: Path, names: list[str]) -> None:
    """Write each `layer.table` of `names` as `<root>/<layer>/<table>/part-0.parquet`, the
    folders 0700 and the files 0600 (they hold personal data, as the warehouse does)."""
    for name in names:
        schema, table = name.split(".")
        folder = root / schema / table
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        folder.parent.chmod(0o700)
        target = folder / "part-0.parquet"
        conn.execute(
            f"copy (select * from {ident(schema)}.{ident(table)}) to {literal(str(target))} "
            "(format parquet, compression zstd)"
        )
        target.chmod(0o600)


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
