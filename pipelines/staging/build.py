"""raw.<dataset> -> staging.<dataset>: canonical names and types, normalised emails and phones.

Staging follows raw file by file (pipelines.staging.sources): when the files behind raw.<dataset>
are the ones staged last time plus new ones, only the new files' rows are converted and appended,
so an audit after new exports arrive costs what the new rows cost. Anything else (a file changed
or removed, a new column in raw, another dataset spec, other conversion code) rebuilds the table.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines import conversions
from pipelines import countries as country_names
from pipelines.conversions import record_key, source_text, typed
from pipelines.datamap.models import DatasetSpec
from pipelines.staging import countries, phones, sources
from pipelines.warehouse import ident, table_columns, table_exists, unordered

EMPTY_RAW = "(select null::varchar as _source_file, null::bigint as _row_number) where false"
CODE = [
    Path(conversions.__file__),
    Path(phones.__file__),
    Path(countries.__file__),
    Path(country_names.__file__),
    Path(__file__),
]


def anonymised(spec: DatasetSpec, available: set[str]) -> str:
    """SQL true for a row whose identifying columns (`anonymised_when_empty`) are all empty."""
    columns = [spec.column(name) for name in spec.anonymised_when_empty]
    if not columns:
        return "false"
    empty = [f"{typed(c, spec, source_text(c, available))} is null" for c in columns if c]
    return "(" + " and ".join(empty) + ")"


def build_staging(conn: duckdb.DuckDBPyConnection, spec: DatasetSpec) -> int:
    """Bring staging.<dataset> in line with raw.<dataset>; return its row count."""
    conversions.register_functions(conn)
    target = f"staging.{ident(spec.name)}"
    if table_exists(conn, "raw", spec.name):
        available, source = set(table_columns(conn, "raw", spec.name)), f"raw.{ident(spec.name)}"
    else:
        available, source = set(), EMPTY_RAW
    digest = sources.digest(spec.model_dump_json(), *sorted(available), code=CODE)
    todo = sources.plan(conn, "staging", spec.name, digest)
    fields = [
        f"{typed(c, spec, source_text(c, available))} as {ident(c.name)}" for c in spec.columns
    ]
    select = (
        f"select {', '.join(fields)}, {record_key(spec, available)} as record_key, "
        f"{anonymised(spec, available)} as is_anonymised, _source_file, _row_number from {source}"
    )
    with unordered(conn):
        if not (todo.append and table_exists(conn, "staging", spec.name)):
            conn.execute(f"create or replace table {target} as {select}")
        elif todo.new_files:
            conn.execute(
                f"insert into {target} {select} where _source_file in (select unnest($new))",
                {"new": todo.new_files},
            )
    sources.record(conn, "staging", spec.name, todo, digest)
    return conn.execute(f"select count(*) from {target}").fetchall()[0][0]
