"""Collect the values worth scanning for card numbers, security codes and undeclared data.

staging._text_values holds, for every dataset, each raw value (any column, as exported) that
could hold a card number (a run of 13+ digits), a security code, a date of birth or an NI number,
with its record key, column header and declared data category. It holds raw values, card numbers
included, so it stays beside the other raw-derived tables, never in core or audit. A cheap filter
over whole rows comes first, so only suspicious rows are unpivoted. core.undeclared_columns lists
exported columns the data map does not declare; core.declared_categories what each dataset
declares.
"""

from __future__ import annotations

import duckdb

from pipelines.datamap import DataMap, DatasetSpec
from pipelines.warehouse import ident, literal, table_columns, table_exists

LINEAGE = ("_source_file", "_row_number", "_loaded_at")
SUSPICIOUS = (
    r"[0-9](?:[ -]?[0-9]){12}"
    r"|(?i:cvv|cvc|csc|security code|dob|d\.o\.b|date of birth)"
    r"|[A-Z]{2} ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D]"
)


def build_text_scan(conn: duckdb.DuckDBPyConnection, data_map: DataMap) -> int:
    """(Re)build staging._text_values, core.undeclared_columns, core.declared_categories."""
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
    conn.execute(
        "create or replace table staging._text_values (dataset varchar, record_key varchar, "
        "column_name varchar, category varchar, value varchar)"
    )
    for spec in data_map.datasets.values():
        if table_exists(conn, "raw", spec.name) and table_exists(conn, "staging", spec.name):
            _scan_dataset(conn, spec)
    return conn.execute("select count(*) from staging._text_values").fetchall()[0][0]


def _scan_dataset(conn: duckdb.DuckDBPyConnection, spec: DatasetSpec) -> None:
    exported = [c for c in table_columns(conn, "raw", spec.name) if c not in LINEAGE]
    declared = set(spec.source_columns)
    undeclared = [(spec.name, column) for column in exported if column not in declared]
    if undeclared:
        conn.executemany("insert into core.undeclared_columns values (?, ?)", undeclared)
    if not exported:
        return
    categories = {}
    for column in spec.columns:
        if column.source:
            categories.setdefault(column.source, column.category)
    category_of = " ".join(
        f"when {literal(source)} then {literal(category)}"
        for source, category in categories.items()
    )
    row_text = f"concat_ws(chr(31), {', '.join(ident(c) for c in exported)})"
    raw = f"raw.{ident(spec.name)}"
    conn.execute(
        f"""
        insert into staging._text_values
        with suspicious as (
            select * exclude (_loaded_at) from {raw}
            where regexp_matches({row_text}, {literal(SUSPICIOUS)})
        ),
        values_ as (
            unpivot suspicious on columns(* exclude (_source_file, _row_number))
            into name column_name value value
        )
        select {literal(spec.name)}, s.record_key, v.column_name,
               {f"case v.column_name {category_of} end" if category_of else "null"}, v.value
        from values_ v join staging.{ident(spec.name)} s using (_source_file, _row_number)
        where regexp_matches(v.value, {literal(SUSPICIOUS)})
        """
    )
