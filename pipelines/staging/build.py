"""raw.<dataset> -> staging.<dataset>: canonical names and types, normalised emails and phones."""

from __future__ import annotations

import duckdb

from pipelines.conversions import record_key, source_text, typed
from pipelines.datamap.models import DatasetSpec
from pipelines.staging import phones
from pipelines.warehouse import ident, table_columns, table_exists, unordered

EMPTY_RAW = "(select null::varchar as _source_file, null::bigint as _row_number) where false"


def build_staging(conn: duckdb.DuckDBPyConnection, spec: DatasetSpec) -> int:
    """(Re)build staging.<dataset> from raw.<dataset>; return its row count."""
    phones.register(conn)
    if table_exists(conn, "raw", spec.name):
        available = set(table_columns(conn, "raw", spec.name))
        source = f"raw.{ident(spec.name)}"
    else:
        available, source = set(), EMPTY_RAW
    fields = [
        f"{typed(c, spec, source_text(c, available))} as {ident(c.name)}" for c in spec.columns
    ]
    with unordered(conn):
        conn.execute(
            f"create or replace table staging.{ident(spec.name)} as "
            f"select {', '.join(fields)}, {record_key(spec, available)} as record_key, "
            f"_source_file, _row_number from {source}"
        )
    return conn.execute(f"select count(*) from staging.{ident(spec.name)}").fetchall()[0][0]
