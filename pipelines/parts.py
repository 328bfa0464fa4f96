"""Warehouse tables kept as Parquet parts: the files of each write, and a view over them.

The Spark engine writes what it computes for a table (staging.<dataset>, the text scan's
values, the core tables) as Parquet, one folder per write,
`<warehouse>.tables/<layer>/<table>/<part>/`, instead of reading it back into the DuckDB file:
a rebuild is a new part in place of the old ones, an append one more part. `<layer>.<table>` is
then a view over the parts `staging._parts` lists, with DuckDB's column types, so every reader
(the rules, GX, the reports, the look-up, a notebook) reads it as it reads a table, and Spark
reads the parts themselves (pipelines/spark/tables.py).

Every write makes a part under a new name, so a run's working copy and the published warehouse
share the folder and never write different rows under one name: a part the published warehouse
no longer lists (a replaced table's, a failed run's) is deleted when the next audit starts, as
raw files are (pipelines/ingest/raw_files.py).
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import duckdb

from pipelines.ingest.raw_files import beside_warehouse
from pipelines.warehouse import drop_relation, ident, literal, table_exists, write_parquet

PARTS_DDL = """
create table if not exists staging._parts (
    layer varchar, name varchar, part varchar, columns varchar, written_at timestamptz,
    scope varchar
)
"""


def tables_folder(conn: duckdb.DuckDBPyConnection) -> Path:
    """`<warehouse>.tables/`: the parts of every table kept as Parquet."""
    return beside_warehouse(conn, ".tables")


def new_part(conn: duckdb.DuckDBPyConnection, layer: str, table: str) -> Path:
    """A folder for the next part of `layer.table` (not made: the writer makes it), under
    folders that are the owner's only (a part holds personal data)."""
    root = tables_folder(conn)
    parent = root / layer / table
    for folder in (root, root / layer, parent):
        folder.mkdir(mode=0o700, exist_ok=True)
        folder.chmod(0o700)
    return parent / uuid.uuid4().hex


def add_part(
    conn: duckdb.DuckDBPyConnection,
    layer: str,
    table: str,
    part: Path,
    columns: list[tuple[str, str]] | None,
    replace: bool,
    scope: str | None = None,
) -> None:
    """List the part written at `part` and make `layer.table` the view over its parts, each
    column cast to its DuckDB type in `columns` (None: the types DuckDB reads in the part). With
    `replace` the part takes the place of the table's parts, or of its parts of `scope` (a table
    kept per dataset: the text scan's)."""
    files = literal(str(part / "*.parquet"))
    if not any(part.glob("*.parquet")):
        raise FileNotFoundError(f"{layer}.{table}: the part at {part} holds no Parquet file")
    if columns is None:
        described = conn.execute(f"describe select * from read_parquet({files})").fetchall()
        columns = [(name, kind) for name, kind, *_ in described]
    conn.execute(PARTS_DDL)
    if replace:
        _unlist(conn, layer, table, scope)
    select = ", ".join(f"cast({ident(name)} as {kind}) as {ident(name)}" for name, kind in columns)
    conn.execute(
        "insert into staging._parts values (?, ?, ?, ?, now(), ?)",
        [layer, table, part.relative_to(tables_folder(conn)).as_posix(), select, scope],
    )
    refresh_view(conn, layer, table)


def rewrite(conn: duckdb.DuckDBPyConnection, layer: str, table: str, query: str) -> None:
    """The rows of `query` (DuckDB's) written as one part in place of `layer.table`'s parts: how
    a table kept as parts changes other than by appending (the core tables after new files)."""
    part = new_part(conn, layer, table)
    part.mkdir(mode=0o700)
    write_parquet(conn, query, part / "part-0.parquet")
    add_part(conn, layer, table, part, None, replace=True)


def parts_of(conn: duckdb.DuckDBPyConnection, layer: str, table: str) -> list[Path]:
    """The folders of the parts `layer.table` is made of, oldest first ([]: not kept as parts)."""
    if not table_exists(conn, "staging", "_parts"):
        return []
    root = tables_folder(conn)
    rows = conn.execute(
        "select part from staging._parts where layer = ? and name = ? order by written_at, part",
        [layer, table],
    ).fetchall()
    return [root / part for (part,) in rows]


def is_parts(conn: duckdb.DuckDBPyConnection, layer: str, table: str) -> bool:
    return bool(parts_of(conn, layer, table))


def refresh_view(conn: duckdb.DuckDBPyConnection, layer: str, table: str) -> None:
    """`layer.table` as the view over its parts' files, with the newest part's columns."""
    parts = parts_of(conn, layer, table)
    missing = [str(p) for p in parts if not p.is_dir()]
    if missing:
        raise FileNotFoundError(
            f"{layer}.{table}: {len(missing)} of its Parquet parts are gone (first: {missing[0]}); "
            "run the audit with a fresh warehouse to build it again"
        )
    [[select]] = conn.execute(
        "select columns from staging._parts where layer = ? and name = ? "
        "order by written_at desc, part desc limit 1",
        [layer, table],
    ).fetchall()
    files = ", ".join(literal(str(part / "*.parquet")) for part in parts)
    drop_relation(conn, layer, table, "BASE TABLE")
    conn.execute(
        f"create or replace view {ident(layer)}.{ident(table)} as "
        f"select {select} from read_parquet([{files}], union_by_name = true)"
    )


def drop(
    conn: duckdb.DuckDBPyConnection, layer: str, table: str, scopes: list[str] | None = None
) -> bool:
    """Unlist `layer.table`'s parts (those of `scopes` only, when given) and make the view
    over the rest; with none left, drop the view. True if some parts are left. The files go
    when the next audit starts, once no published warehouse lists them."""
    for scope in scopes if scopes is not None else [None]:
        _unlist(conn, layer, table, scope)
    if is_parts(conn, layer, table):
        refresh_view(conn, layer, table)
        return True
    drop_relation(conn, layer, table, "VIEW")
    return False


def scopes_of(conn: duckdb.DuckDBPyConnection, layer: str, table: str) -> list[str]:
    """The scopes (datasets) `layer.table` holds parts of."""
    if not table_exists(conn, "staging", "_parts"):
        return []
    rows = conn.execute(
        "select distinct scope from staging._parts "
        "where layer = ? and name = ? and scope is not null order by scope",
        [layer, table],
    ).fetchall()
    return [scope for (scope,) in rows]


def _unlist(conn: duckdb.DuckDBPyConnection, layer: str, table: str, scope: str | None) -> None:
    """Delete `layer.table`'s parts from the list: all of them, or those of `scope`."""
    if table_exists(conn, "staging", "_parts"):
        conn.execute(
            "delete from staging._parts where layer = $layer and name = $name "
            "and ($scope::varchar is null or scope = $scope)",
            {"layer": layer, "name": table, "scope": scope},
        )


def prune(conn: duckdb.DuckDBPyConnection) -> int:
    """Delete the parts this warehouse does not list: a replaced table's and a failed run's.
    Returns how many went."""
    root = tables_folder(conn)
    if not root.is_dir():
        return 0
    listed: set[str] = set()
    if table_exists(conn, "staging", "_parts"):
        listed = {part for (part,) in conn.execute("select part from staging._parts").fetchall()}
    gone = 0
    for part in root.glob("*/*/*"):
        if part.relative_to(root).as_posix() not in listed:
            shutil.rmtree(part, ignore_errors=True) if part.is_dir() else part.unlink()
            gone += 1
    return gone
