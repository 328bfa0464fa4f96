"""Collect the values worth scanning for card numbers, security codes and undeclared data.

staging._text_values holds, for every dataset, each raw value (any column, as exported) that
could hold a card number (a run of 13+ digits), a security code, a date of birth or an NI number,
with its record key, column header and declared data category. It holds raw values, card numbers
included, so it stays beside the other raw-derived tables, never in core or audit.
core.undeclared_columns lists exported columns the data map does not declare;
core.declared_categories what each dataset declares.
"""

from __future__ import annotations

import duckdb

from pipelines.conversions import record_key
from pipelines.datamap import DataMap, DatasetSpec
from pipelines.staging import phones
from pipelines.warehouse import ident, literal, table_columns, table_exists, unordered

LINEAGE = ("_source_file", "_row_number", "_loaded_at")
SUSPICIOUS = (
    r"[0-9](?:[ -]?[0-9]){12}"
    r"|(?i:cvv|cvc|csc|security code|dob|d\.o\.b|date of birth)"
    r"|[A-Z]{2} ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D]"
)


def build_text_scan(conn: duckdb.DuckDBPyConnection, data_map: DataMap) -> int:
    """(Re)build staging._text_values, core.undeclared_columns, core.declared_categories."""
    phones.register(conn)  # a record key may be a phone number
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
    categories: dict[str, str] = {}
    for column in spec.columns:
        if column.source:
            categories.setdefault(column.source, column.category)
    key = record_key(spec, set(exported))
    pattern = literal(SUSPICIOUS)
    # one filter per column, so only the suspicious values are ever copied (an order's line id
    # makes most of its 79-column rows suspicious; unpivoting whole rows cost ten times more)
    branches = [
        f"select {literal(spec.name)}, {key}, {literal(column)}, "
        f"{literal(categories[column]) if column in categories else 'null'}, {ident(column)} "
        f"from raw.{ident(spec.name)} where regexp_matches({ident(column)}, {pattern})"
        for column in exported
    ]
    with unordered(conn):
        conn.execute("insert into staging._text_values " + " union all ".join(branches))
