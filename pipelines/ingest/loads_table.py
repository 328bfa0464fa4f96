"""The bookkeeping of loaded files: raw._loads, one row per export file of every dataset.

A row records the file (path under exports/, size, SHA-256), the digest of the dataset spec it was
read with, what became of it (loaded, skipped, duplicate, missing), its counts (rows read, loaded,
rejected) and, when it could not be audited in full, the gap in words. load.py writes a row for
every file it looks at and reads them back to leave unchanged files alone; the sensors read the
hashes to tell new exports from ones already audited.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.datamap.models import DatasetSpec
from pipelines.ingest import quality

LOADS_DDL = """
create table if not exists raw._loads (
    dataset varchar, source_file varchar, size_bytes bigint, sha256 varchar, spec_digest varchar,
    status varchar, message varchar, rows_read bigint, rows_loaded bigint, rows_rejected bigint,
    loaded_at timestamptz
)
"""


@dataclass
class FileLoad:
    dataset: str
    source_file: str
    size_bytes: int
    sha256: str
    status: str = "loaded"
    message: str = ""
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    gap: str = ""  # why the file could not be audited (in full), else empty
    notes: list[quality.Note] = field(default_factory=list)


def create_loads_table(conn: duckdb.DuckDBPyConnection) -> None:
    """raw._loads, with the gap column a warehouse from before it lacks."""
    conn.execute(LOADS_DDL)
    conn.execute("alter table raw._loads add column if not exists gap varchar")


def sha256_of(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()


def audited_hashes(db_path: Path) -> set[str]:
    """SHA-256 of every file the published warehouse has read (none if it has read nothing)."""
    if not db_path.is_file():
        return set()
    try:
        with duckdb.connect(str(db_path), read_only=True) as conn:
            return {
                sha for (sha,) in conn.execute("select distinct sha256 from raw._loads").fetchall()
            }
    except duckdb.CatalogException:  # a warehouse that never loaded a file
        return set()


def spec_digest(spec: DatasetSpec) -> str:
    return hashlib.sha256(spec.model_dump_json().encode()).hexdigest()


def record_load(conn: duckdb.DuckDBPyConnection, load: FileLoad, digest: str) -> None:
    conn.execute(
        "insert into raw._loads values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), ?)",
        [
            load.dataset,
            load.source_file,
            load.size_bytes,
            load.sha256,
            digest,
            load.status,
            load.message,
            load.rows_read,
            load.rows_loaded,
            load.rows_rejected,
            load.gap or None,
        ],
    )


def previous_load(conn: duckdb.DuckDBPyConnection, dataset: str, name: str) -> FileLoad:
    """A file loaded by an earlier run, as raw._loads recorded it ("unchanged" if loaded)."""
    load = recorded_load(conn, dataset, name)
    if load.status == "loaded":
        load.status = "unchanged"
    return load


def recorded_load(conn: duckdb.DuckDBPyConnection, dataset: str, name: str) -> FileLoad:
    """The file's load as raw._loads records it."""
    row = conn.execute(
        "select size_bytes, sha256, status, message, rows_read, rows_loaded, rows_rejected, "
        "coalesce(gap, '') from raw._loads where dataset = ? and source_file = ?",
        [dataset, name],
    ).fetchall()[0]
    size, sha, status, message, read, loaded, rejected, gap = row
    return FileLoad(
        dataset,
        name,
        size,
        sha,
        status,
        message,
        read,
        loaded,
        rejected,
        gap,
        quality.notes_of(conn, dataset, name),
    )


def duplicate_load(
    conn: duckdb.DuckDBPyConnection,
    dataset: str,
    name: str,
    size: int,
    sha: str,
    original: str,
    digest: str,
) -> FileLoad:
    """The same content dropped twice, or renamed: read once, the copy recorded and skipped."""
    load = FileLoad(
        dataset,
        name,
        size,
        sha,
        "duplicate",
        f"{name}: same content as {original}; not loaded again",
    )
    record_load(conn, load, digest)
    return load
