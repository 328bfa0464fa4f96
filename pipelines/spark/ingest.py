"""Export files found, hashed and read by Spark: a folder or any URI Spark's file systems read.

The files are listed through Hadoop's FileSystem (so `file:`, `hdfs:` and `s3a:` are one path;
every file is listed, Spark's own sources would skip names starting with `_`), and Spark tasks
read them (`binaryFile`): Spark hashes each file in the JVM (`sha2`, no file passes through
Python for that), and one task reads each new file.

Reading a file is load.py's `load_file`, run in the task by an in-memory DuckDB: the same CSV
dialects, transcoding, JSON layouts, rejects, row numbers and reconciliation as a DuckDB audit,
so nothing about what an export holds depends on the engine. The task writes the file's raw
Parquet file where the warehouse keeps them (on a cluster that must be storage every executor
writes to) and sends back its rows of raw._loads, its rejects and its conversion notes, which the
driver records in the warehouse as a DuckDB load would.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from pipelines.datamap.models import DatasetSpec
from pipelines.ingest import quality
from pipelines.ingest.load import Export, ensure_rejects, load_file
from pipelines.ingest.loads_table import FileLoad, create_loads_table, recorded_load
from pipelines.spark.tables import private_folder
from pipelines.warehouse import ident, table_exists

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# what a reading task sends back per file: its rows of these raw tables, as Arrow IPC streams
RECORDED = ("_loads", "rejects", "_quality")


def recorded_tables(dataset: str) -> tuple[str, ...]:
    """The raw tables RECORDED names, in its order."""
    return ("_loads", dataset + "__rejects", "_quality")


LOADED_SCHEMA = "path string, " + ", ".join(f"{t} binary" for t in RECORDED)
LOADED_ARROW = pa.schema([("path", pa.string()), *((t, pa.binary()) for t in RECORDED)])
GLOB = set("*?[]{}\\")  # what Spark's sources take as a pattern in a path
COPIES = "_exports"  # under the scratch folder: copies of the files Spark's sources would skip


def exports_uri(exports: Path | str) -> str:
    """The exports folder as a URI (a local folder becomes a file: URI)."""
    text = str(exports)
    return (
        text.rstrip("/")
        if "://" in text or text.startswith("file:")
        else Path(text).resolve().as_uri()
    )


class SparkExports:
    """A dataset's export files under `exports` (a folder or a URI), listed, hashed and read by
    Spark."""

    def __init__(self, spark: SparkSession, exports: Path | str, scratch: Path):
        self.spark = spark
        self.uri = exports_uri(exports)
        self.scratch = scratch  # where a file Spark's sources skip is copied to be read
        self.hadoop = spark.sparkContext._jvm.org.apache.hadoop.fs
        self.conf = spark.sparkContext._jsc.hadoopConfiguration()
        root = self.hadoop.Path(self.uri)
        self.fs = root.getFileSystem(self.conf)
        self.base = self.fs.makeQualified(root).toString().rstrip("/")  # as listings spell it

    def _frame(self, locations: list[str]) -> tuple[Any, dict[str, str]]:
        """The files' (path, content) as a DataFrame, and {path Spark reads: the file's URI}.

        Spark's file sources silently skip a file whose name (or folder's) starts with `_` or
        `.`, even one named explicitly, and take `*?[]{}` in a name as a pattern; such a file is
        copied (by Hadoop, never through Python) into the scratch folder under a plain name,
        and that copy is read."""
        hadoop, conf = self.hadoop, self.conf
        local = hadoop.FileSystem.getLocal(conf)
        read, folder = {}, None
        for i, location in enumerate(locations):
            inside = location.removeprefix(self.base + "/").split("/")
            if not any(part.startswith(("_", ".")) or GLOB & set(part) for part in inside):
                read[location] = location
                continue
            folder = folder or private_folder(self.scratch / COPIES, self.scratch)
            copy = hadoop.Path((folder / f"file-{i}").as_uri())
            source = hadoop.Path(location)
            hadoop.FileUtil.copy(source.getFileSystem(conf), source, local, copy, False, True, conf)
            read[local.makeQualified(copy).toString()] = location
        return self.spark.read.format("binaryFile").load(list(read)), read

    def where(self, spec: DatasetSpec) -> str:
        return f"{self.uri}/{spec.name}"

    def _listed(self, spec: DatasetSpec) -> dict[str, str]:
        """{name under the exports folder: the file's URI} for the dataset's files, as
        load.find_files picks them: matching the pattern, hidden files left out."""
        folder = self.hadoop.Path(f"{self.base}/{spec.name}")
        if not self.fs.isDirectory(folder):
            return {}
        files = {}
        listing = self.fs.listFiles(folder, True)
        while listing.hasNext():
            location = listing.next().getPath().toString()
            name = location.removeprefix(self.base + "/")
            inside = PurePosixPath(name).relative_to(spec.name)
            if inside.name.startswith((".", "~$")) or not inside.match(spec.files.pattern):
                continue
            files[name] = location
        return dict(sorted(files.items()))

    def names(self, spec: DatasetSpec) -> list[str]:
        return list(self._listed(spec))

    def find(self, spec: DatasetSpec) -> list[Export]:
        listed = self._listed(spec)
        if not listed:
            return []

        def hashed(frame: Any, _: dict[str, str]) -> list[Any]:  # in the JVM: none via Python
            return frame.selectExpr("path", "length", "sha2(content, 256) as sha256").collect()

        rows = self._each_file(list(listed.values()), hashed)
        return [
            Export(name, uri, rows[uri].length, rows[uri].sha256) for name, uri in listed.items()
        ]

    def load(
        self,
        conn: duckdb.DuckDBPyConnection,
        spec: DatasetSpec,
        new: list[tuple[Export, Path]],
        digest: str,
    ) -> Iterator[FileLoad]:
        if not new:
            return
        files = {e.location: (e.name, e.sha256, str(stored)) for e, stored in new}
        spec_json = spec.model_dump_json()

        def loaded(frame: Any, read: dict[str, str]) -> list[Any]:
            todo = {path: files[location] for path, location in read.items()}
            task = partial(_load_batches, spec_json, digest, todo)
            return _one_file_per_batch(self.spark, frame, task, LOADED_SCHEMA)

        results = self._each_file(list(files), loaded)
        for export, _ in new:
            _record(conn, spec.name, results[export.location])
            yield recorded_load(conn, spec.name, export.name)

    def _each_file(self, locations: list[str], rows_of: Any) -> dict[str, Any]:
        """`rows_of(frame, read)`'s row for each file (frame: the files' path and content; read:
        {path Spark reads: the file's URI}), by the file's URI. A file Spark did not read is an
        error, never a gap left unsaid."""
        frame, read = self._frame(locations)
        try:
            rows = rows_of(frame, read)
        finally:
            shutil.rmtree(self.scratch / COPIES, ignore_errors=True)
        done = {read[row.path]: row for row in rows}
        if missing := [location for location in locations if location not in done]:
            raise RuntimeError(
                f"Spark did not read {len(missing)} export file(s) it had listed (first: "
                f"{missing[0]}); the audit stops rather than leave them out"
            )
        return done


def _one_file_per_batch(spark: SparkSession, frame: Any, task: Any, schema: str) -> list[Any]:
    """`task` over the files' (path, content) in Python, one file to an Arrow batch (a file is
    held in memory once per task, not once per batch of 10,000)."""
    key = "spark.sql.execution.arrow.maxRecordsPerBatch"
    before = spark.conf.get(key)
    spark.conf.set(key, "1")
    try:
        return frame.select("path", "content").mapInArrow(task, schema).collect()
    finally:
        spark.conf.set(key, before)


def _files(batches: Iterator[pa.RecordBatch]) -> Iterator[tuple[str, bytes]]:
    for batch in batches:
        yield from zip(batch["path"].to_pylist(), batch["content"].to_pylist(), strict=True)


def _load_batches(
    spec_json: str,
    digest: str,
    todo: dict[str, tuple[str, str, str]],
    batches: Iterator[pa.RecordBatch],
) -> Iterator[pa.RecordBatch]:
    """What one task runs: each file read by load_file in an in-memory DuckDB."""
    from pipelines.spark.rows import task_duckdb

    spec = DatasetSpec.model_validate_json(spec_json)
    for path, content in _files(batches):
        name, sha, stored = todo[path]
        if hashlib.sha256(content).hexdigest() != sha:
            raise RuntimeError(f"{name} changed while the audit was reading it; run it again")
        with tempfile.TemporaryDirectory(prefix="privacy-audit-") as scratch:
            local = Path(scratch) / PurePosixPath(name).name
            local.write_bytes(content)
            local.chmod(0o600)
            conn = task_duckdb()
            try:
                conn.execute("create schema raw")
                create_loads_table(conn)
                load_file(conn, spec, local, name, sha, digest, Path(stored))
                recorded = [_ipc(conn, table) for table in recorded_tables(spec.name)]
            finally:
                conn.close()
        row = {"path": path} | dict(zip(RECORDED, recorded, strict=True))
        yield pa.RecordBatch.from_pylist([row], schema=LOADED_ARROW)


def _ipc(conn: duckdb.DuckDBPyConnection, table: str) -> bytes | None:
    """raw.<table>'s rows as an Arrow IPC stream; None when the load made no such table."""
    if not table_exists(conn, "raw", table):
        return None
    sink = pa.BufferOutputStream()
    rows = conn.sql(f"select * from raw.{ident(table)}").to_arrow_table()
    with pa.ipc.new_stream(sink, rows.schema) as writer:
        writer.write_table(rows)
    return sink.getvalue().to_pybytes()


def _record(conn: duckdb.DuckDBPyConnection, dataset: str, row: Any) -> None:
    """A read file's rows of raw._loads, its rejects and its notes, into the warehouse."""
    conn.execute("begin transaction")
    try:
        for part, table in zip(RECORDED, recorded_tables(dataset), strict=True):
            blob = getattr(row, part)
            if blob is None:  # the task's load made no such table: neither does this one
                continue
            if part == "rejects":
                ensure_rejects(conn, dataset)
            elif part == "_quality":
                conn.execute(quality.QUALITY_DDL)
            rows = pa.ipc.open_stream(blob).read_all()
            conn.register("_recorded", rows)
            conn.execute(f"insert into raw.{ident(table)} by name select * from _recorded")
            conn.unregister("_recorded")
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
