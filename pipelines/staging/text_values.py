"""Collect the values worth scanning for card numbers, security codes and undeclared data.

staging._text_values holds, for every dataset, each raw value (any column, as exported) that
could hold a card number (a run of 13+ digits), a security code, a date of birth or an NI number,
with its record key, column header and declared data category. It holds raw values, card numbers
included, so it stays beside the other raw-derived tables, never in core or audit.
core.undeclared_columns lists exported columns the data map does not declare;
core.declared_categories what each dataset declares.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines import conversions, parts
from pipelines.conversions import record_key
from pipelines.datamap import DataMap, DatasetSpec
from pipelines.detectors.patterns import SUSPICIOUS
from pipelines.ingest.raw_files import LINEAGE
from pipelines.staging import sources
from pipelines.staging.build import RowEngine
from pipelines.warehouse import ident, literal, table_columns, table_exists, text_list, unordered

CODE = [Path(__file__), Path(conversions.__file__)]


def build_text_scan(
    conn: duckdb.DuckDBPyConnection, data_map: DataMap, engine: RowEngine | None = None
) -> int:
    """Bring staging._text_values, core.undeclared_columns, core.declared_categories up to date.

    The values are kept per source file: when only new files arrived, only they are scanned.
    `engine` runs the scan elsewhere (pipelines/spark/rows.py), else DuckDB does.
    """
    conversions.register_functions(conn)  # a record key may be a phone number
    conn.execute(
        "create or replace table core.declared_categories (dataset varchar, category varchar)"
    )
    conn.executemany(
        "insert into core.declared_categories values (?, ?)",
        sorted({(s.name, c.category) for s in data_map.datasets.values() for c in s.columns}),
    )
    conn.execute(
        "create or replace table core.undeclared_columns (dataset varchar, column_name varchar)"
    )
    # Spark keeps the values as Parquet parts, one dataset's apart from another's (a part's
    # scope), DuckDB as a table: another engine, or a table from before _source_file, scans anew
    kept = parts.is_parts(conn, "staging", "_text_values")
    if "_source_file" not in table_columns(conn, "staging", "_text_values") or kept != (
        engine is not None
    ):
        parts.drop(conn, "staging", "_text_values")
        _empty_table(conn)
        conn.execute(sources.BUILT_DDL)
        conn.execute("delete from staging._built where target = 'text_scan'")
    if engine is None:
        conn.execute(
            "delete from staging._text_values where dataset not in (select unnest($names))",
            {"names": list(data_map.datasets)},
        )
    else:
        gone = [
            d
            for d in parts.scopes_of(conn, "staging", "_text_values")
            if d not in data_map.datasets
        ]
        _drop_values(conn, gone)
    for spec in data_map.datasets.values():
        _scan_dataset(conn, spec, engine)
    return conn.execute("select count(*) from staging._text_values").fetchall()[0][0]


def _scan_dataset(
    conn: duckdb.DuckDBPyConnection, spec: DatasetSpec, engine: RowEngine | None
) -> None:
    exported = []
    if table_exists(conn, "raw", spec.name):
        exported = [c for c in table_columns(conn, "raw", spec.name) if c not in LINEAGE]
    declared = set(spec.source_columns)
    undeclared = [(spec.name, column) for column in exported if column not in declared]
    if undeclared:
        conn.executemany("insert into core.undeclared_columns values (?, ?)", undeclared)
    digest = sources.digest(spec.model_dump_json(), *exported, SUSPICIOUS, code=CODE)
    todo = sources.plan(conn, "text_scan", spec.name, digest)
    if not todo.append and engine is None:
        conn.execute("delete from staging._text_values where dataset = ?", [spec.name])
    elif not todo.append:
        _drop_values(conn, [spec.name])
    if exported and todo.new_files:
        files = None if not todo.append else todo.new_files
        _scan_files(conn, spec, exported, files, engine)
    sources.record(conn, "text_scan", spec.name, todo, digest)


def _scan_files(
    conn: duckdb.DuckDBPyConnection,
    spec: DatasetSpec,
    exported: list[str],
    files: list[str] | None,
    engine: RowEngine | None,
) -> None:
    """Insert the suspicious values of the dataset's raw rows (of `files` only, when given)."""
    categories: dict[str, str] = {}
    for column in spec.columns:
        if column.source:
            categories.setdefault(column.source, column.category)
    key = record_key(spec, set(exported))
    pattern = literal(SUSPICIOUS)
    only = "" if files is None else f" where _source_file in (select unnest({text_list(files)}))"

    def scan(source: str, where: str) -> str:
        # one filter per column, so only the suspicious values are ever copied (an order's line
        # id makes most of its 79-column rows suspicious; unpivoting whole rows cost ten times
        # more)
        return " union all ".join(
            f"select {literal(spec.name)} as dataset, {key} as record_key, "
            f"{literal(column)} as column_name, "
            f"{literal(categories[column]) if column in categories else 'null::varchar'} "
            "as category, "
            f"{ident(column)} as value, _source_file from {source} "
            f"where regexp_matches({ident(column)}, {pattern}){where}"
            for column in exported
        )

    into = "insert into staging._text_values"
    with unordered(conn):
        if engine is None:
            and_only = only.replace(" where ", " and ", 1)
            conn.execute(f"{into} {scan(f'raw.{ident(spec.name)}', and_only)}")
        else:
            rows = f"select * from raw.{ident(spec.name)}{only}"
            engine.to_parts(
                conn, "staging", "_text_values", rows, scan("rows", ""), True, spec.name
            )


def _empty_table(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(
        "create or replace table staging._text_values (dataset varchar, record_key varchar, "
        "column_name varchar, category varchar, value varchar, _source_file varchar)"
    )


def _drop_values(conn: duckdb.DuckDBPyConnection, datasets: list[str]) -> None:
    """Spark's values of `datasets` gone (their parts unlisted); an empty table when no
    dataset's are left, since the rules read the table whatever it holds."""
    if datasets and not parts.drop(conn, "staging", "_text_values", datasets):
        _empty_table(conn)
