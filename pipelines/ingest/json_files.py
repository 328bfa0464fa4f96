"""JSON exports: JSON lines, or an API dump (an array of records, or an object holding them under
`files.records_path`, one file per page). Nested objects become dotted columns."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import duckdb

from pipelines.datamap.models import FileSpec
from pipelines.ingest.files import ReadResult, Reject, utf8_copy
from pipelines.warehouse import ident


def read_json(
    conn: duckdb.DuckDBPyConnection, path: Path, files: FileSpec, table: str
) -> ReadResult:
    """JSON lines (one record a line), or an API dump: an array of records, or an object holding
    them under `files.records_path` (a.b), one file per page. Nested objects become dotted
    columns (`customer.email`); arrays stay JSON text."""
    workdir = Path(tempfile.mkdtemp(prefix="privacy-audit-"))
    try:
        source = utf8_copy(path, files, workdir)
        source, problem = _as_json_lines(source, files.records_path, workdir)
        conn.execute(
            "create temp table _json_lines as select * from read_csv($path, "
            "columns = {'line': 'VARCHAR'}, auto_detect = false, header = false, "
            "delim = '\x1f', quote = '', escape = '')",
            {"path": str(source)},
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    conn.execute("alter table _json_lines add column _row_number bigint")
    conn.execute(
        "update _json_lines set _row_number = rowid - (select min(rowid) from _json_lines) + 1"
    )
    conn.execute("delete from _json_lines where line is null or trim(line) = ''")
    invalid = "not coalesce(json_valid(line), false) or json_type(line) <> 'OBJECT'"
    bad = conn.execute(
        f"select _row_number, line from _json_lines where {invalid} order by _row_number"
    ).fetchall()
    rejects = [Reject(n, line, "the record is not a JSON object") for n, line in bad]
    conn.execute(f"delete from _json_lines where {invalid}")
    paths = _json_paths(conn)
    fields = ", ".join(
        f"json_extract_string(line, {_json_path(p)}) as {ident('.'.join(p))}" for p in paths
    )
    conn.execute(
        f"create temp table {table} as select {fields + ', ' if fields else ''}"
        "_row_number from _json_lines order by _row_number"
    )
    conn.execute("drop table _json_lines")
    names = [".".join(p) for p in paths]
    return ReadResult(names, rejects, layout_known=bool(names), problem=problem)


def _as_json_lines(source: Path, records_path: str | None, workdir: Path) -> tuple[Path, str]:
    """The file itself when it is JSON lines, else a JSON-lines copy of the records it holds."""
    with source.open("r", encoding="utf-8", errors="surrogateescape") as handle:
        first = handle.readline().strip()
    start = first[:1]
    one_line = start == "{" and _is_json(first)
    holds_records = (
        one_line and bool(records_path) and records_path.split(".")[0] in json.loads(first)
    )
    if start not in ("[", "{") or (one_line and not holds_records):
        return source, ""  # JSON lines (or not JSON at all: every line is then a reject)
    try:
        document = json.loads(source.read_text(encoding="utf-8", errors="surrogateescape"))
    except ValueError as error:
        return source, f"the file is neither JSON lines nor one JSON document ({error})"
    records = document
    if isinstance(document, dict):
        for step in (records_path or "").split("."):
            records = records.get(step) if isinstance(records, dict) and step else None
        if records is None:
            where = f"under {records_path!r}" if records_path else "(set files.records_path)"
            keys = ", ".join(list(document)[:8])
            return _empty(workdir), f"no records found {where}; the object holds: {keys}"
    if not isinstance(records, list):
        return _empty(workdir), f"the records under {records_path!r} are not a JSON array"
    target = workdir / (source.name + ".jsonl")
    with target.open("w", encoding="utf-8", errors="surrogateescape") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return target, ""


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _empty(workdir: Path) -> Path:
    path = workdir / "empty.jsonl"
    path.write_text("")
    return path


def _json_paths(conn: duckdb.DuckDBPyConnection, depth: int = 3) -> list[tuple[str, ...]]:
    """Every field of the records, in order of first appearance; nested objects as paths."""
    paths: list[tuple[str, ...]] = []
    todo: list[tuple[str, ...]] = [()]
    while todo:
        parent = todo.pop(0)
        where = _json_path(parent) if parent else "'$'"
        pointer = "'/' || replace(replace(key, '~', '~0'), '/', '~1')"  # JSON pointer to key
        keys = conn.execute(
            f"select key, bool_and(json_type(value, {pointer}) = 'OBJECT') from ("
            f"select unnest(json_keys(line, {where})) as key, "
            f"json_extract(line, {where}) as value, _row_number "
            f"from _json_lines where json_type(line, {where}) = 'OBJECT') "
            "group by key order by min(_row_number), key"
        ).fetchall()
        for key, nested in keys:
            path = (*parent, key)
            if nested and len(path) < depth:
                todo.append(path)
            else:
                paths.append(path)
    return paths


def _json_path(keys: tuple[str, ...] | str) -> str:
    keys = (keys,) if isinstance(keys, str) else keys
    steps = "".join('."' + k.replace("\\", "\\\\").replace('"', '\\"') + '"' for k in keys)
    return "'" + ("$" + steps).replace("'", "''") + "'"
