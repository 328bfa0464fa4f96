"""Read one export file into a temporary all-text table, whatever its format.

The table holds the file's own columns (as exported, all VARCHAR) and `_row_number`, the 1-based
data row number (header excluded). Records that cannot be parsed are returned as `Reject`s.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import tempfile
from pathlib import Path

import duckdb

from pipelines.datamap.models import FileSpec
from pipelines.ingest.files import CHUNK, ReadResult, Reject, utf8_copy
from pipelines.ingest.json_files import read_json
from pipelines.warehouse import ident


def read_file(
    conn: duckdb.DuckDBPyConnection, path: Path, files: FileSpec, table: str
) -> ReadResult:
    """Create temp table `table` from the file at `path` read as `files` declares."""
    conn.execute(f"drop table if exists {table}")
    if files.format == "csv":
        return _read_csv(conn, path, files, table)
    if files.format == "json":
        return read_json(conn, path, files, table)
    if files.format == "parquet":
        return _read_parquet(conn, path, table)
    return _read_xlsx(conn, path, files, table)


def _header(path: Path, files: FileSpec) -> list[str]:
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as handle:
        text = handle.read(CHUNK)
    row = next(csv.reader(io.StringIO(text), delimiter=files.delimiter, quotechar=files.quote), [])
    return _unique([name.strip() for name in row])


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    result = []
    for name in names:
        name = name or "column"
        seen[name] = seen.get(name, 0) + 1
        result.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return result


def _read_csv(
    conn: duckdb.DuckDBPyConnection, path: Path, files: FileSpec, table: str
) -> ReadResult:
    workdir = Path(tempfile.mkdtemp(prefix="privacy-audit-"))
    try:
        source = utf8_copy(path, files, workdir)
        names = _header(source, files) if files.header else list(files.column_names or [])
        if not names or source.stat().st_size == 0:
            fields = "".join(f"{ident(n)} varchar, " for n in names)
            conn.execute(f"create temp table {table} ({fields}_row_number bigint)")
            return ReadResult(names, [], layout_known=bool(names))
        result = _scan_csv(conn, source, files, names, table)
        if tail := _unterminated_tail(conn, source, files, table, result):
            result.rejects.append(tail)
        return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _scan_csv(
    conn: duckdb.DuckDBPyConnection, source: Path, files: FileSpec, names: list[str], table: str
) -> ReadResult:
    conn.execute("drop table if exists reject_errors; drop table if exists reject_scans")
    conn.execute(
        f"create temp table {table} as select * from read_csv($path, columns = $columns, "
        "auto_detect = false, header = false, skip = $skip, delim = $delim, quote = $quote, "
        "escape = $quote, null_padding = $pad, store_rejects = true, max_line_size = 16777216, "
        "parallel = $parallel)",
        {
            "path": str(source),
            "columns": {n: "VARCHAR" for n in names},
            "skip": 1 if files.header else 0,
            "delim": files.delimiter,
            "quote": files.quote,
            "pad": files.pad_missing_columns,
            # DuckDB's parallel reader keeps file order and reject line numbers (checked on a
            # 600,000-line file with quoted newlines and bad rows), but not with null padding
            "parallel": not files.pad_missing_columns,
        },
    )
    rows = conn.execute(
        "select line, any_value(csv_line), list(error_type order by column_idx), "
        "list(error_message order by column_idx), list(column_name order by column_idx) "
        "from reject_errors group by line order by line"
    ).fetchall()
    offset = 1 if files.header else 0
    rejects = [
        Reject(
            line - offset, text or "", csv_reason(list(zip(types, messages, columns, strict=True)))
        )
        for line, text, types, messages, columns in rows
    ]
    _number_rows(conn, table, [r.row_number for r in rejects])
    return ReadResult(names, rejects)


def csv_reason(errors: list[tuple[str, str, str | None]]) -> str:
    """DuckDB's errors for one CSV line (type, message, column), as one sentence."""
    sentences = []
    for kind in dict.fromkeys(kind for kind, _, _ in errors):
        of_kind = [(message, column) for k, message, column in errors if k == kind]
        numbers = re.findall(r"Expected Number of Columns: (\d+) Found: (\d+)", of_kind[0][0])
        fields = [c for _, c in of_kind if c]
        where = f" (field {fields[0]!r})" if fields else ""
        if kind in ("MISSING COLUMNS", "TOO MANY COLUMNS") and numbers:
            wanted = numbers[0][0]
            found = min(int(n) for m, _ in of_kind for _, n in re.findall(r"(\d+) Found: (\d+)", m))
            sentences.append(f"the row has {found} fields where the layout has {wanted}")
        elif kind == "UNQUOTED VALUE":
            sentences.append(f"a quoted field is not closed properly{where}")
        elif kind == "INVALID ENCODING":
            sentences.append(
                f"the row holds bytes the file's declared encoding does not define{where}"
            )
        elif kind == "LINE SIZE OVER MAXIMUM":
            sentences.append("the row is longer than the 16 MB a row may have")
        else:
            sentences.append(f"{kind.lower()}: {of_kind[0][0]}{where}")
    return "; ".join(sentences)


def _unterminated_tail(
    conn: duckdb.DuckDBPyConnection, source: Path, files: FileSpec, table: str, read: ReadResult
) -> Reject | None:
    """A quote opened in the last rows and never closed: DuckDB drops those rows without a word.

    An odd number of quote characters with no quote error reported means exactly that; the rows
    from there to the end of the file are one reject (their number cannot be known).
    """
    quote = files.quote.encode()
    count = 0
    with source.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            count += chunk.count(quote)
    if count % 2 == 0:
        return None
    reported = conn.execute(  # DuckDB's own errors of this scan, not our sentences about them
        "select count(*) from reject_errors where error_type like '%QUOTE%'"
    ).fetchall()[0][0]
    if reported:
        return None
    with source.open("rb") as handle:
        handle.seek(max(0, source.stat().st_size - 2000))
        tail = handle.read().decode("utf-8", errors="replace")
    good = conn.execute(f"select count(*) from {table}").fetchall()[0][0]
    return Reject(
        good + len(read.rejects) + 1,
        tail,
        "UNTERMINATED QUOTE: a quoted field runs to the end of the file; this row and any "
        "after it could not be read",
    )


def _number_rows(conn: duckdb.DuckDBPyConnection, table: str, taken: list[int]) -> None:
    """Give good rows, in file order, the data row numbers the rejected rows did not take."""
    conn.execute(f"alter table {table} add column _row_number bigint")
    if not taken:
        conn.execute(
            f"update {table} set _row_number = rowid - (select min(rowid) from {table}) + 1"
        )
        return
    first, count = conn.execute(f"select min(rowid), count(*) from {table}").fetchall()[0]
    # the k-th good row (in file order) takes the k-th number no reject took; the rowid join is
    # a plain equality, so DuckDB hashes it (a subquery in the condition made it quadratic)
    conn.execute(
        f"""
        with numbers as (
            select n as row_number, row_number() over (order by n) - 1 + $first as row_id
            from range(1, $count + $taken + 1) as r(n)
            where n not in (select unnest($numbers))
        )
        update {table} set _row_number = numbers.row_number
        from numbers where numbers.row_id = {table}.rowid
        """,
        {"taken": len(taken), "numbers": taken, "first": first or 0, "count": count},
    )


def _read_parquet(conn: duckdb.DuckDBPyConnection, path: Path, table: str) -> ReadResult:
    relation = conn.read_parquet(str(path))
    casts = ", ".join(f"cast({ident(c)} as varchar) as {ident(c)}" for c in relation.columns)
    conn.execute(
        f"create temp table {table} as select {casts}, "
        "row_number() over () as _row_number from read_parquet($path)",
        {"path": str(path)},
    )
    return ReadResult(list(relation.columns), [])


def _read_xlsx(
    conn: duckdb.DuckDBPyConnection, path: Path, files: FileSpec, table: str
) -> ReadResult:
    import openpyxl
    import pyarrow as pa

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book[files.sheet] if files.sheet else book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None) if files.header else None
        names = (
            _unique([str(v or "").strip() for v in header])
            if header is not None
            else list(files.column_names or [])
        )
        data: list[list[str | None]] = [[] for _ in names]
        for row in rows:
            for i in range(len(names)):
                value = row[i] if i < len(row) else None
                data[i].append(None if value is None else str(value))
    finally:
        book.close()
    arrow = pa.table(
        {name: pa.array(values, pa.string()) for name, values in zip(names, data, strict=True)}
    )
    conn.register("_xlsx_rows", arrow)
    conn.execute(
        f"create temp table {table} as select *, row_number() over () as _row_number "
        "from _xlsx_rows"
    )
    conn.unregister("_xlsx_rows")
    return ReadResult(names, [])
