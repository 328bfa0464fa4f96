"""raw.<dataset> -> staging.<dataset>: canonical names and types, normalised emails and phones.

Staging follows raw file by file. When the files behind raw.<dataset> are the ones staged last
time plus new ones, only the new files' rows are converted and appended, so an audit after new
exports arrive costs what the new rows cost. Anything else (a file changed or removed, a new
column in raw, another dataset spec, other conversion code) rebuilds the table from raw.
staging._sources records per dataset the files staged, when raw loaded each, and a digest of
everything the conversion depends on.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import duckdb

from pipelines import conversions
from pipelines.conversions import record_key, source_text, typed
from pipelines.datamap.models import DatasetSpec
from pipelines.staging import phones
from pipelines.warehouse import ident, table_columns, table_exists, unordered

EMPTY_RAW = "(select null::varchar as _source_file, null::bigint as _row_number) where false"
SOURCES_DDL = """
create table if not exists staging._sources (
    dataset varchar, source_file varchar, loaded_at timestamptz, digest varchar
)
"""


def build_staging(conn: duckdb.DuckDBPyConnection, spec: DatasetSpec) -> int:
    """Bring staging.<dataset> in line with raw.<dataset>; return its row count."""
    phones.register(conn)
    conn.execute(SOURCES_DDL)
    target = f"staging.{ident(spec.name)}"
    if not table_exists(conn, "raw", spec.name) or not table_exists(conn, "raw", "_loads"):
        available, source, loaded = set(), EMPTY_RAW, {}
    else:
        available, source = set(table_columns(conn, "raw", spec.name)), f"raw.{ident(spec.name)}"
        loaded = dict(
            conn.execute(
                "select source_file, loaded_at from raw._loads "
                "where dataset = ? and status = 'loaded'",
                [spec.name],
            ).fetchall()
        )
    digest = _digest(spec, available)
    staged = conn.execute(
        "select source_file, loaded_at, digest from staging._sources where dataset = ?",
        [spec.name],
    ).fetchall()
    select = (
        f"select {', '.join(_fields(spec, available))}, {record_key(spec, available)} "
        f"as record_key, _source_file, _row_number from {source}"
    )
    appendable = (
        staged
        and table_exists(conn, "staging", spec.name)
        and all(d == digest and loaded.get(f) == at for f, at, d in staged)
    )
    with unordered(conn):
        if appendable:
            new = sorted(set(loaded) - {f for f, _, _ in staged})
            if new:
                conn.execute(
                    f"insert into {target} {select} where _source_file in (select unnest($new))",
                    {"new": new},
                )
        else:
            conn.execute(f"create or replace table {target} as {select}")
    conn.execute("delete from staging._sources where dataset = ?", [spec.name])
    if loaded:
        conn.executemany(
            "insert into staging._sources values (?, ?, ?, ?)",
            [(spec.name, name, at, digest) for name, at in sorted(loaded.items())],
        )
    return conn.execute(f"select count(*) from {target}").fetchall()[0][0]


def _fields(spec: DatasetSpec, available: set[str]) -> list[str]:
    return [f"{typed(c, spec, source_text(c, available))} as {ident(c.name)}" for c in spec.columns]


def _digest(spec: DatasetSpec, available: set[str]) -> str:
    """What a staged row depends on: the dataset spec, the raw columns and the conversion code."""
    text = spec.model_dump_json() + "\n".join(sorted(available)) + _code_digest()
    return hashlib.sha256(text.encode()).hexdigest()


@cache
def _code_digest() -> str:
    files = [Path(conversions.__file__), Path(phones.__file__), Path(__file__)]
    return hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()
