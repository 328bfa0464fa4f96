"""raw.<dataset> -> staging.<dataset>: canonical names and types, normalised emails and phones.

Staging follows raw file by file (pipelines.staging.sources): when the files behind raw.<dataset>
are the ones staged last time plus new ones, only the new files' rows are converted and appended,
so an audit after new exports arrive costs what the new rows cost. Anything else (a file changed
or removed, a new column in raw, another dataset spec, other conversion code) rebuilds the table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import duckdb

from pipelines import conversions, parts
from pipelines import countries as country_names
from pipelines.conversions import record_key, source_text, typed
from pipelines.datamap.models import DatasetSpec
from pipelines.staging import countries, phones, sources
from pipelines.warehouse import ident, table_columns, table_exists, text_list, unordered

EMPTY_RAW = "(select null::varchar as _source_file, null::bigint as _row_number where false)"
CODE = [
    Path(conversions.__file__),
    Path(phones.__file__),
    Path(countries.__file__),
    Path(country_names.__file__),
    Path(__file__),
]


class RowEngine(Protocol):
    """Runs a row-wise query (over the table `rows`) elsewhere: pipelines/spark/rows.py."""

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
        """The query's rows kept as a Parquet part of `layer.table` (pipelines/parts.py)."""


def anonymised(spec: DatasetSpec, available: set[str]) -> str:
    """SQL true for a row whose identifying columns (`anonymised_when_empty`) are all empty."""
    columns = [spec.column(name) for name in spec.anonymised_when_empty]
    if not columns:
        return "false"
    empty = [f"{typed(c, spec, source_text(c, available))} is null" for c in columns if c]
    return "(" + " and ".join(empty) + ")"


def staging_select(spec: DatasetSpec, available: set[str], source: str) -> str:
    """The row-wise query turning raw rows (`source`) into staged rows."""
    fields = [
        f"{typed(c, spec, source_text(c, available))} as {ident(c.name)}" for c in spec.columns
    ]
    return (
        f"select {', '.join(fields)}, {record_key(spec, available)} as record_key, "
        f"{anonymised(spec, available)} as is_anonymised, _source_file, _row_number from {source}"
    )


def build_staging(
    conn: duckdb.DuckDBPyConnection, spec: DatasetSpec, engine: RowEngine | None = None
) -> int:
    """Bring staging.<dataset> in line with raw.<dataset>; return its row count. `engine` runs
    the conversions elsewhere (pipelines/spark/rows.py), else DuckDB does."""
    conversions.register_functions(conn)
    target = f"staging.{ident(spec.name)}"
    exists = table_exists(conn, "raw", spec.name)
    available = set(table_columns(conn, "raw", spec.name)) if exists else set()
    digest = sources.digest(spec.model_dump_json(), *sorted(available), code=CODE)
    todo = sources.plan(conn, "staging", spec.name, digest)
    # Spark keeps the table as Parquet parts, DuckDB as a table: another engine rebuilds it
    on_parts = engine is not None and exists
    rebuild = not (
        todo.append
        and table_exists(conn, "staging", spec.name)
        and parts.is_parts(conn, "staging", spec.name) == on_parts
    )
    if rebuild or todo.new_files:
        raw = f"raw.{ident(spec.name)}" if exists else EMPTY_RAW
        only = (
            ""
            if rebuild
            else f" where _source_file in (select unnest({text_list(todo.new_files)}))"
        )
        if on_parts:
            rows = f"select * from {raw}{only}"
            select = staging_select(spec, available, "rows")
            engine.to_parts(conn, "staging", spec.name, rows, select, append=not rebuild)
        else:
            if rebuild:
                parts.drop(conn, "staging", spec.name)  # the view over an earlier run's parts
            into = f"create or replace table {target} as" if rebuild else f"insert into {target}"
            with unordered(conn):
                conn.execute(f"{into} {staging_select(spec, available, raw)}{only}")
    sources.record(conn, "staging", spec.name, todo, digest)
    return conn.execute(f"select count(*) from {target}").fetchall()[0][0]
