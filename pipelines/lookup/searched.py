"""Which datasets a look-up searched: the evidence behind "nothing held" as much as behind a list.

Identity resolution (core.subject_records) links a person by the email and phone columns of each
dataset's staging table. A dataset with no such column, or with no export loaded, cannot hold a
person the look-up finds; rows that could not be read (raw.<dataset>__rejects) were not searched.
"""

from __future__ import annotations

import duckdb

from pipelines.datamap import DataMap, DatasetSpec
from pipelines.lookup.model import Searched
from pipelines.warehouse import ident, table_exists


def searched_datasets(
    conn: duckdb.DuckDBPyConnection, data_map: DataMap, kind: str | None = None
) -> list[Searched]:
    """Every dataset of the data map, in its order, with what was searched in it. With `kind`
    (email or phone: a look-up that found nobody), a dataset without a column of that kind
    could not hold the identifier."""
    return [_searched(conn, data_map, spec, kind) for spec in data_map.datasets.values()]


def _searched(
    conn: duckdb.DuckDBPyConnection, data_map: DataMap, spec: DatasetSpec, kind: str | None
) -> Searched:
    system = data_map.system(spec.system)
    name = system.name if system else spec.system
    identifying = [c for c in spec.columns if c.is_identifier]
    columns = [c.name for c in identifying]
    rejected = _count(conn, f"raw.{ident(spec.name + '__rejects')}", spec.name + "__rejects")
    if not columns:
        return Searched(spec.name, name, [], 0, 0, rejected, "no email or phone column")
    if not table_exists(conn, "staging", spec.name):
        return Searched(spec.name, name, columns, 0, 0, rejected, "no export loaded")
    rows, files = conn.execute(
        f"select count(*), count(distinct _source_file) from staging.{ident(spec.name)}"
    ).fetchall()[0]
    note = "" if rows else "no rows in its exports"
    if kind and not any((c.type == "email") == (kind == "email") for c in identifying):
        note = f"no {kind} column (only reached through another identifier)"
    return Searched(spec.name, name, columns, rows, files, rejected, note)


def _count(conn: duckdb.DuckDBPyConnection, table: str, name: str) -> int:
    if not table_exists(conn, "raw", name):
        return 0
    return conn.execute(f"select count(*) from {table}").fetchall()[0][0]
