"""What a file's load says about the file: missing columns, values that did not convert, gaps.

A value that does not convert in a column that is neither a key nor required keeps its row: the
text stays in raw, staging holds NULL, and raw._quality counts it per file and column. A file is
an audit gap when it shows nothing to read (empty), when it rejects more than its dataset's
`files.max_rejected_share` of its rows, or when it lacks a column the data map expects of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from pipelines.conversions import expected, not_converted
from pipelines.datamap.models import DatasetSpec

QUALITY_DDL = """
create table if not exists raw._quality (
    dataset varchar, source_file varchar, column_name varchar, headers varchar,
    values_not_converted bigint, first_row_number bigint, expected varchar
)
"""


@dataclass(frozen=True)
class Note:
    column: str
    headers: str
    count: int
    first_row: int
    expected: str

    def sentence(self) -> str:
        values = "value" if self.count == 1 else "values"
        return (
            f"{self.count:,} {values} of {self.headers} (first in data row {self.first_row}) "
            f"not {self.expected}: kept as text in raw, empty in staging"
        )


def missing_columns(spec: DatasetSpec, found: list[str]) -> tuple[list[str], list[str]]:
    """Headers the file lacks: (of key or required columns, of the other expected columns)."""
    present = set(found)
    required, expected_ = [], []
    for column in spec.columns:
        if column.absent or column.from_file_name or column.optional:
            continue
        for header in column.headers:
            if header not in present:
                (required if spec.must_load(column) else expected_).append(header)
    return list(dict.fromkeys(required)), list(dict.fromkeys(expected_))


def count_not_converted(
    conn: duckdb.DuckDBPyConnection, spec: DatasetSpec, name: str, table: str, found: list[str]
) -> list[Note]:
    """Count, per column, the loaded rows of `table` whose value did not convert; record them."""
    conn.execute(QUALITY_DDL)
    checks = [(c, sql) for c in spec.columns if (sql := not_converted(c, spec, set(found)))]
    if not checks:
        return []
    fields = ", ".join(
        f"count(*) filter (where {sql}), min(_row_number) filter (where {sql})" for _, sql in checks
    )
    counts = conn.execute(f"select {fields} from {table}").fetchall()[0]
    notes = []
    for i, (column, _) in enumerate(checks):
        count, first = counts[2 * i], counts[2 * i + 1]
        if count:
            notes.append(
                Note(column.name, " + ".join(column.headers), count, first, expected(column))
            )
    if notes:
        conn.executemany(
            "insert into raw._quality values (?, ?, ?, ?, ?, ?, ?)",
            [
                (spec.name, name, n.column, n.headers, n.count, n.first_row, n.expected)
                for n in notes
            ],
        )
    return notes


def gap_reason(
    spec: DatasetSpec, read: int, rejected: int, missing: list[str], layout_known: bool
) -> str:
    """Why a loaded file is an audit gap, in one sentence, or '' when it is not one.

    A file with a header and no rows is an export of nothing (Mailchimp's cleaned members when
    none were cleaned): not a gap. A file showing not even its columns is one."""
    reasons = []
    if read == 0 and not layout_known:
        reasons.append("it holds nothing to read (an empty file)")
    elif read and rejected > spec.files.max_rejected_share * read:
        reasons.append(
            f"{rejected:,} of its {read:,} rows were rejected ({rejected / read:.0%}, more than "
            f"the {spec.files.max_rejected_share:.0%} allowed)"
        )
    if missing and layout_known:  # a file showing no columns lacks none in particular
        reasons.append(
            f"it lacks the column(s) {', '.join(map(repr, missing))} that "
            f"datasets/{spec.name}.yaml expects, so they read as empty (mark a column "
            "`optional: true` when some files lack it, `absent: true` when none have it)"
        )
    return "; ".join(reasons)


def forget(conn: duckdb.DuckDBPyConnection, dataset: str, name: str | None = None) -> None:
    """Drop the notes of one file, or of every file of the dataset."""
    conn.execute(QUALITY_DDL)
    if name is None:
        conn.execute("delete from raw._quality where dataset = ?", [dataset])
    else:
        conn.execute(
            "delete from raw._quality where dataset = ? and source_file = ?", [dataset, name]
        )


def notes_of(conn: duckdb.DuckDBPyConnection, dataset: str, name: str) -> list[Note]:
    conn.execute(QUALITY_DDL)
    rows = conn.execute(
        "select column_name, headers, values_not_converted, first_row_number, expected "
        "from raw._quality where dataset = ? and source_file = ? order by column_name",
        [dataset, name],
    ).fetchall()
    return [Note(*row) for row in rows]
