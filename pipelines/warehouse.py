"""The DuckDB warehouse: connections, schemas and identifier quoting (imports no other layer)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import duckdb

DEFAULT_MEMORY_LIMIT = "1GB"
SCHEMAS = ("raw", "staging", "core", "audit")


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse (creating it and its schemas when writable), timestamps shown in UTC."""
    path = Path(path)
    if path.stem in SCHEMAS:
        raise ValueError(
            f"{path}: a warehouse file may not be named after a schema "
            f"({', '.join(SCHEMAS)}); choose another name"
        )
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect(str(path), read_only=read_only)
    return prepare(conn, read_only)


def prepare(conn: duckdb.DuckDBPyConnection, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Show timestamps in UTC and make sure the layer schemas exist."""
    conn.execute("set TimeZone = 'UTC'")
    # our own progress bars only; inside Jupyter DuckDB refuses this without ipywidgets
    with contextlib.suppress(duckdb.Error):
        conn.execute("set enable_progress_bar = false")
    conn.execute("set memory_limit = $limit", {"limit": memory_limit()})
    if not read_only:
        for schema in SCHEMAS:
            conn.execute(f"create schema if not exists {schema}")
    return conn


def memory_limit() -> str:
    """DuckDB's memory limit: PRIVACY_AUDIT_MEMORY_LIMIT, else 1GB (it spills to disk beyond)."""
    return os.environ.get("PRIVACY_AUDIT_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT


@contextlib.contextmanager
def unordered(conn: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Let DuckDB write tables in any row order (every row carries its own key and row number).

    Keeping insertion order makes a large CREATE TABLE AS / INSERT twice as slow under the memory
    limit; nothing the audit reads depends on it, except reading a file, which stays ordered.
    """
    before = conn.execute("select current_setting('preserve_insertion_order')").fetchall()[0][0]
    conn.execute("set preserve_insertion_order = false")
    try:
        yield conn
    finally:
        conn.execute(f"set preserve_insertion_order = {'true' if before else 'false'}")


def ident(name: str) -> str:
    """Quote a column or table name for DuckDB."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """Quote a constant from the data map (a format, a pattern); never used for data."""
    return "'" + value.replace("'", "''") + "'"


def write_parquet(
    conn: duckdb.DuckDBPyConnection, query: str, target: Path, params: dict | None = None
) -> Path:
    """The rows of a query as one zstd Parquet file, the owner's only (they hold personal data:
    write it in an owner-only folder, so it is never readable by others, even before chmod)."""
    conn.execute(
        f"copy ({query}) to {literal(str(target))} (format parquet, compression zstd)",
        params or {},
    )
    target.chmod(0o600)
    return target


def text_list(values: list[str]) -> str:
    """A SQL list literal of text values."""
    return "[" + ", ".join(literal(v) for v in values) + "]::varchar[]"


def table_exists(conn: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = conn.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()[0]
    return bool(row and row[0])


def table_columns(conn: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    rows = conn.execute(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    return [row[0] for row in rows]


def drop_relation(conn: duckdb.DuckDBPyConnection, schema: str, table: str, kind: str) -> bool:
    """Drop `schema.table` if it is of `kind` (BASE TABLE, VIEW), True if so: DuckDB refuses to
    drop a view as a table and a table as a view."""
    found = conn.execute(
        "select table_type from information_schema.tables "
        "where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    if found and found[0][0] == kind:
        word = "view" if kind == "VIEW" else "table"
        conn.execute(f"drop {word} {ident(schema)}.{ident(table)}")
        return True
    return False
