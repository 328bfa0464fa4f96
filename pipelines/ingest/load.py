"""Load a dataset's export files into raw.<dataset>, quarantine what cannot be read, reconcile.

raw.<dataset> is a view over one Parquet file per loaded export file (pipelines/ingest/
raw_files.py); the rejects are a table beside it. Loading is incremental by file: a file already
loaded with the same content and the same dataset spec is left alone; a changed or vanished file
has its rows removed (and is reloaded if present).
Every load records `rows read = rows loaded + rows rejected` in raw._loads, and checks it; the
rows of raw._loads themselves are kept by loads_table.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import duckdb

from pipelines.conversions import register_functions, rejection
from pipelines.datamap.models import DatasetSpec
from pipelines.ingest import quality, raw_files
from pipelines.ingest.files import ReadResult, Reject
from pipelines.ingest.loads_table import (
    FileLoad,
    audited_hashes,
    create_loads_table,
    duplicate_load,
    previous_load,
    record_load,
    sha256_of,
    spec_digest,
)
from pipelines.ingest.readers import read_file
from pipelines.warehouse import ident, table_exists

__all__ = [
    "DatasetLoad",
    "FileLoad",
    "ReconciliationError",
    "audited_hashes",
    "find_files",
    "load_dataset",
    "sha256_of",
    "spec_digest",
]

INCOMING = "_incoming"
HASHING_THREADS = 2


class ReconciliationError(RuntimeError):
    """Rows read differ from rows loaded plus rows rejected: the load cannot be trusted."""


@dataclass
class DatasetLoad:
    dataset: str
    files: list[FileLoad] = field(default_factory=list)
    missing: str = ""  # no file of the dataset at all: why the whole dataset is a gap

    @property
    def skipped(self) -> list[FileLoad]:
        return [f for f in self.files if f.status == "skipped"]

    @property
    def gaps(self) -> list[FileLoad]:
        """Files the audit could not read in full: skipped, mostly rejected, empty, or lacking."""
        return [f for f in self.files if f.gap]

    @property
    def gap_messages(self) -> list[str]:
        """Every audit gap of the dataset in words: its files', or that it has no file at all."""
        return [f.gap for f in self.gaps] + ([self.missing] if self.missing else [])


def find_files(exports_dir: Path, spec: DatasetSpec) -> list[Path]:
    """The dataset's files: exports/<dataset>/ matched by its pattern, hidden files ignored."""
    folder = exports_dir / spec.name
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob(spec.files.pattern)
        if p.is_file() and not p.name.startswith((".", "~$"))
    )


@dataclass(frozen=True)
class Export:
    """One export file as found: its name under the exports folder (`<dataset>/...`), where it
    is read from (a local path, or a URI the Spark engine reads), its size and SHA-256."""

    name: str
    location: str
    size: int
    sha256: str


class Exports(Protocol):
    """Where a dataset's export files are found, hashed and read (LocalExports, or Spark's)."""

    def where(self, spec: DatasetSpec) -> str:
        """The dataset's folder, in words for a message."""

    def names(self, spec: DatasetSpec) -> list[str]:
        """The names of the dataset's files, in order (listed, not read)."""

    def find(self, spec: DatasetSpec) -> list[Export]:
        """The dataset's files, by name, hashed."""

    def load(
        self,
        conn: duckdb.DuckDBPyConnection,
        spec: DatasetSpec,
        new: list[tuple[Export, Path]],
        digest: str,
    ) -> Iterator[FileLoad]:
        """Read each new file into its raw Parquet file, record it in `conn`: one FileLoad
        each, in order."""


class LocalExports:
    """Export files in a local folder, read by this process's DuckDB, one after another."""

    def __init__(self, exports_dir: Path):
        self.exports_dir = exports_dir

    def where(self, spec: DatasetSpec) -> str:
        return str(self.exports_dir / spec.name)

    def names(self, spec: DatasetSpec) -> list[str]:
        return [
            p.relative_to(self.exports_dir).as_posix() for p in find_files(self.exports_dir, spec)
        ]

    def find(self, spec: DatasetSpec) -> list[Export]:
        paths = find_files(self.exports_dir, spec)
        with ThreadPoolExecutor(max_workers=HASHING_THREADS) as pool:  # hashlib frees the GIL
            hashes = list(pool.map(sha256_of, paths))
        return [
            Export(p.relative_to(self.exports_dir).as_posix(), str(p), p.stat().st_size, sha)
            for p, sha in zip(paths, hashes, strict=True)
        ]

    def load(
        self,
        conn: duckdb.DuckDBPyConnection,
        spec: DatasetSpec,
        new: list[tuple[Export, Path]],
        digest: str,
    ) -> Iterator[FileLoad]:
        for export, stored in new:
            yield load_file(
                conn, spec, Path(export.location), export.name, export.sha256, digest, stored
            )


def load_dataset(
    conn: duckdb.DuckDBPyConnection,
    spec: DatasetSpec,
    exports_dir: Path,
    on_file: Callable[[FileLoad], None] | None = None,
    exports: Exports | None = None,
) -> DatasetLoad:
    """Bring raw.<dataset> in line with the files now in exports/<dataset>/ (found and read by
    `exports`, else by this process from `exports_dir`)."""
    source = exports or LocalExports(exports_dir)
    create_loads_table(conn)
    register_functions(conn)  # a required column may be a phone or a country
    digest = spec_digest(spec)
    _forget_other_specs(conn, spec.name, digest)
    folder = raw_files.raw_folder(conn)
    found = source.find(spec)
    hashes = {e.name: e.sha256 for e in found}
    # duplicates are decided afresh each run: the file they copied may have gone
    conn.execute("delete from raw._loads where dataset = ? and status = 'duplicate'", [spec.name])
    known = dict(
        conn.execute(
            "select source_file, sha256 from raw._loads where dataset = ?", [spec.name]
        ).fetchall()
    )
    for name, sha in known.items():
        if hashes.get(name) != sha:
            _forget_file(conn, spec.name, name)
    owners = {sha: name for name, sha in known.items() if hashes.get(name) == sha}
    result = DatasetLoad(spec.name)
    if not found:  # a whole system drops out of the audit: say so
        result.missing = (
            f"{spec.name}: no export found in {source.where(spec)} matching "
            f"{spec.files.pattern!r}; nothing of this dataset was audited"
        )
        absent = FileLoad(spec.name, f"{spec.name}/", 0, "", "missing", result.missing)
        absent.gap = result.missing
        record_load(conn, absent, digest)
    # each file is unchanged, a copy of another (kept or new), or new: decided before any is
    # read, so that Spark can read every new file in one job
    copies: dict[str, str] = {}  # a copy's name: the file whose content it holds
    new = []
    for export in found:
        if known.get(export.name) == export.sha256:
            continue
        if export.sha256 in owners:
            copies[export.name] = owners[export.sha256]
            continue
        stored = raw_files.stored_file(folder, spec.name, export.name, export.sha256, digest)
        new.append((export, stored))
        owners[export.sha256] = export.name
    loaded = source.load(conn, spec, new, digest)  # lazily: a local file is read in its turn
    for export in found:
        if known.get(export.name) == export.sha256:
            load = previous_load(conn, spec.name, export.name)
        elif export.name in copies:
            load = duplicate_load(
                conn,
                spec.name,
                export.name,
                export.size,
                export.sha256,
                copies[export.name],
                digest,
            )
        else:
            load = next(loaded)
        result.files.append(load)
        if on_file:
            on_file(load)
    raw_files.refresh_view(conn, spec.name)
    return result


def _forget_other_specs(conn: duckdb.DuckDBPyConnection, dataset: str, digest: str) -> None:
    """A changed dataset spec means every file must be read again: start the dataset afresh."""
    stale = conn.execute(
        "select count(*) from raw._loads where dataset = ? and spec_digest <> ?", [dataset, digest]
    ).fetchall()[0][0]
    if raw_files.drop_old_table(conn, dataset) or stale:  # an old warehouse's table: read again
        conn.execute(f"drop view if exists raw.{ident(dataset)}")
        conn.execute(f"drop table if exists raw.{ident(dataset + '__rejects')}")
        conn.execute("delete from raw._loads where dataset = ?", [dataset])
        quality.forget(conn, dataset)


def _forget_file(conn: duckdb.DuckDBPyConnection, dataset: str, name: str) -> None:
    """The file's rows leave raw.<dataset> with its row in raw._loads (its Parquet file goes when
    the next audit starts: the published warehouse may still be reading it)."""
    rejects = dataset + "__rejects"
    if table_exists(conn, "raw", rejects):
        conn.execute(f"delete from raw.{ident(rejects)} where _source_file = ?", [name])
    conn.execute("delete from raw._loads where dataset = ? and source_file = ?", [dataset, name])
    quality.forget(conn, dataset, name)


def load_file(
    conn: duckdb.DuckDBPyConnection,
    spec: DatasetSpec,
    path: Path,
    name: str,
    sha: str,
    digest: str,
    stored: Path,
) -> FileLoad:
    load = FileLoad(spec.name, name, path.stat().st_size, sha)
    conn.execute("begin transaction")
    try:
        read = read_file(conn, path, spec.files, INCOMING)
        required, expected = quality.missing_columns(spec, read.columns)
        if read.layout_known and required:
            load.status = "skipped"
            load.message = (
                f"{name}: required column(s) {', '.join(map(repr, required))} missing; "
                f"file not loaded (found: {', '.join(read.columns) or 'no columns'})"
            )
            load.gap = load.message
        else:
            _store(conn, spec, name, read, load, stored)
            load.notes = quality.count_not_converted(
                conn, spec, name, f"(select * from {INCOMING} where _reason is null)", read.columns
            )
            reason = quality.gap_reason(
                spec, load.rows_read, load.rows_rejected, expected, read.layout_known
            )
            if read.problem:  # the file as a whole could not be read as declared
                reason = read.problem
            load.gap = f"{name}: {reason}" if reason else ""
        record_load(conn, load, digest)
        conn.execute(f"drop table if exists {INCOMING}")
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    return load


def _store(
    conn: duckdb.DuckDBPyConnection,
    spec: DatasetSpec,
    name: str,
    read: ReadResult,
    load: FileLoad,
    stored: Path,
) -> None:
    available = set(read.columns)
    reasons = [r for c in spec.columns if (r := rejection(c, spec, available))]
    reason = f"nullif(concat_ws('; ', {', '.join(reasons)}), '')" if reasons else "null"
    conn.execute(f"alter table {INCOMING} add column _reason varchar")
    conn.execute(f"update {INCOMING} set _reason = {reason}")
    ensure_rejects(conn, spec.name)
    rejects = ident(spec.name + "__rejects")
    fields = ", ".join(f"{ident(c)} := {ident(c)}" for c in read.columns)
    row_text = f"to_json(struct_pack({fields}))" if fields else "'{}'"
    conn.execute(
        f"insert into raw.{rejects} select $name, _row_number, {row_text}, _reason, now() "
        f"from {INCOMING} where _reason is not null",
        {"name": name},
    )
    _store_rejects(conn, rejects, name, read.rejects)
    columns = ["$name as _source_file", "_row_number", "now() as _loaded_at"]
    columns += [ident(c) for c in read.columns]
    raw_files.write(
        conn,
        f"select {', '.join(columns)} from {INCOMING} where _reason is null",
        stored,
        {"name": name},
    )
    _reconcile(conn, spec.name, name, read, load, stored)


def _store_rejects(
    conn: duckdb.DuckDBPyConnection, rejects: str, name: str, bad: list[Reject]
) -> None:
    if bad:
        conn.executemany(
            f"insert into raw.{rejects} values (?, ?, ?, ?, now())",
            [(name, r.row_number, r.raw_line, r.reason) for r in bad],
        )


def ensure_rejects(conn: duckdb.DuckDBPyConnection, dataset: str) -> None:
    """raw.<dataset>__rejects, the rows a load could not take, with why."""
    conn.execute(
        f"create table if not exists raw.{ident(dataset + '__rejects')} (_source_file varchar, "
        "_row_number bigint, _raw_line varchar, _reason varchar, _loaded_at timestamptz)"
    )


def _reconcile(
    conn: duckdb.DuckDBPyConnection,
    dataset: str,
    name: str,
    read: ReadResult,
    load: FileLoad,
    stored: Path,
) -> None:
    load.rows_read = conn.execute(f"select count(*) from {INCOMING}").fetchall()[0][0] + len(
        read.rejects
    )
    load.rows_loaded = raw_files.rows_in(conn, stored)
    load.rows_rejected = conn.execute(
        f"select count(*) from raw.{ident(dataset + '__rejects')} where _source_file = ?", [name]
    ).fetchall()[0][0]
    if load.rows_read != load.rows_loaded + load.rows_rejected:
        raise ReconciliationError(
            f"{name}: read {load.rows_read} rows but loaded {load.rows_loaded} and rejected "
            f"{load.rows_rejected}"
        )
