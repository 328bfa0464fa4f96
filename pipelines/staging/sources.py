"""Which raw files a derived table was built from, so the next build can append instead of redo.

A table derived from raw.<dataset> row by row (staging.<dataset>, the text scan's values) can be
brought up to date by appending the rows of new files, as long as every file it was built from is
still loaded unchanged and nothing else it depends on (the digest: dataset spec, raw columns,
code) has moved. staging._built records, per table and dataset, each file used and when raw loaded
it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.warehouse import table_exists

BUILT_DDL = """
create table if not exists staging._built (
    target varchar, dataset varchar, source_file varchar, loaded_at timestamptz, digest varchar
)
"""


@dataclass
class Plan:
    """What a build must do: append the new files' rows, or (re)build from every loaded file."""

    append: bool
    new_files: list[str] = field(default_factory=list)
    loaded: dict[str, object] = field(default_factory=dict)
    built: bool = False  # the target was built from some file before


def plan(conn: duckdb.DuckDBPyConnection, target: str, dataset: str, digest: str) -> Plan:
    conn.execute(BUILT_DDL)
    loaded = {}
    if table_exists(conn, "raw", "_loads"):
        loaded = dict(
            conn.execute(
                "select source_file, loaded_at from raw._loads "
                "where dataset = ? and status = 'loaded'",
                [dataset],
            ).fetchall()
        )
    built = conn.execute(
        "select source_file, loaded_at, digest from staging._built "
        "where target = ? and dataset = ?",
        [target, dataset],
    ).fetchall()
    append = bool(built) and all(d == digest and loaded.get(f) == at for f, at, d in built)
    new = sorted(set(loaded) - {f for f, _, _ in built}) if append else sorted(loaded)
    return Plan(append, new, loaded, bool(built))


def appended(plans: dict[str, Plan]) -> dict[str, list[str]] | None:
    """The new files per dataset when every dataset only gained files since the last build (or
    has none, then and now); None when everything must be built again."""
    new = {}
    for name, plan in plans.items():
        if plan.append:
            new[name] = plan.new_files
        elif plan.loaded or plan.built:
            return None
    return new


def record(
    conn: duckdb.DuckDBPyConnection, target: str, dataset: str, done: Plan, digest: str
) -> None:
    conn.execute("delete from staging._built where target = ? and dataset = ?", [target, dataset])
    if done.loaded:
        conn.executemany(
            "insert into staging._built values (?, ?, ?, ?, ?)",
            [(target, dataset, f, at, digest) for f, at in sorted(done.loaded.items())],
        )


def digest(*parts: str, code: list[Path]) -> str:
    """SHA-256 of the parts and of the source files of the code that builds the rows."""
    sha = hashlib.sha256()
    for part in parts:
        sha.update(part.encode() + b"\0")
    for path in code:
        sha.update(path.read_bytes())
    return sha.hexdigest()
