"""The analyst extract: one run's findings as findings.csv and findings.parquet, and the
previous run's findings this run no longer has as resolved.csv and resolved.parquet.

Both files are written by DuckDB `COPY` straight from audit.findings (no copy of the rows in
Python), owner-only (mode 0600: record keys point at people), and swapped into place only once
complete. In the CSV every text cell that a spreadsheet would run as a formula (it begins with
`=`, `+`, `-`, `@`, a tab or a carriage return, OWASP CSV injection) gets a leading `'`; the
Parquet file keeps the values as they are, with clause_ids as a list.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import duckdb

from pipelines.datamap import DataMap
from pipelines.reporting.changes import RESOLVED_SQL, previous_run_id
from pipelines.rules.catalogue import SEVERITY_ORDER
from pipelines.warehouse import table_exists

CSV_NAME = "findings.csv"
PARQUET_NAME = "findings.parquet"
RESOLVED_NAMES = ("resolved.csv", "resolved.parquet")
OWNER_ONLY = 0o600

# The characters a spreadsheet reads as the start of a formula (OWASP), and their full-width forms.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")

COLUMNS = (
    "run_id", "as_of", "rule_id", "title", "severity", "area", "clause_ids", "dataset", "system",
    "responsible", "record_key", "subject_key", "detail", "first_seen_run", "first_seen_as_of",
    "decision_state", "decision",
)  # fmt: skip
DATE_COLUMNS = {"as_of", "first_seen_as_of"}

FINDINGS_SQL = """
with systems as (
    select unnest($datasets) as dataset, unnest($systems) as system
),
run_findings as (
    select f.run_id, f.as_of, f.rule_id, f.title, f.severity, f.area, f.clause_ids, f.dataset,
           s.system, coalesce(f.responsible, [s.system]) as responsible,
           f.record_key, f.subject_key, f.detail, f.first_seen_run, f.first_seen_as_of,
           coalesce(f.decision_state, 'open') as decision_state, f.decision
    from ({source}) f
    left join systems s on s.dataset = f.dataset
)
select {columns}
from run_findings
order by list_position($severities, run_findings.severity), run_findings.rule_id,
         run_findings.dataset, run_findings.record_key
"""


def write_extract(
    conn: duckdb.DuckDBPyConnection, data_map: DataMap, run_id: str, out_dir: Path
) -> list[Path]:
    """Write findings.csv/.parquet for the run and resolved.csv/.parquet (the previous run's
    findings it no longer has) into out_dir; return their paths."""
    run_as_of(conn, run_id)  # an unknown run is an error, not an empty extract
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    params = {
        "datasets": list(data_map.datasets),
        "systems": [spec.system for spec in data_map.datasets.values()],
        "severities": list(SEVERITY_ORDER),
    }
    csv_columns = ", ".join(_csv_cell(name) for name in COLUMNS)
    parquet_columns = ", ".join(COLUMNS)
    previous = previous_run_id(conn, run_id)
    sources = (
        ("select * from audit.findings where run_id = $run_id", {"run_id": run_id}),
        # the previous run's findings this run no longer has: the report's own comparison
        (RESOLVED_SQL, {"run": run_id, "previous": previous})
        if previous
        else ("select * from audit.findings where false", {}),
    )
    written = []
    for (source, bound), (csv_name, parquet_name) in zip(
        sources, ((CSV_NAME, PARQUET_NAME), RESOLVED_NAMES), strict=True
    ):
        for columns, options, name in (
            (csv_columns, "(format csv, header, force_quote *)", csv_name),
            (parquet_columns, "(format parquet)", parquet_name),
        ):
            query = FINDINGS_SQL.format(columns=columns, source=source)
            written.append(_copy_owner_only(conn, query, options, params | bound, out_dir / name))
    return written


def run_as_of(conn: duckdb.DuckDBPyConnection, run_id: str) -> date:
    """The as-of date of a recorded run (audit.runs, else its findings); LookupError if unknown."""
    for table in ("runs", "findings"):
        if not table_exists(conn, "audit", table):
            continue
        rows = conn.execute(
            f"select as_of from audit.{table} where run_id = ? limit 1", [run_id]
        ).fetchall()
        if rows:
            return rows[0][0]
    raise LookupError(
        f"run {run_id!r} is not in audit.runs or audit.findings of this warehouse: "
        "run the audit first, or pass the run id it printed"
    )


def neutralised(column: str) -> str:
    """SQL for a text column with a leading `'` added where a spreadsheet would see a formula."""
    starts = ", ".join("'" + ch.replace("'", "''") + "'" for ch in FORMULA_STARTS)
    return f"case when left({column}, 1) in ({starts}) then '''' || {column} else {column} end"


def _csv_cell(name: str) -> str:
    if name in DATE_COLUMNS:
        return f"run_findings.{name}"
    value = f"run_findings.{name}"
    if name in ("clause_ids", "responsible"):
        value = f"array_to_string({value}, '; ')"
    return f"{neutralised(value)} as {name}"


def _copy_owner_only(
    conn: duckdb.DuckDBPyConnection, query: str, options: str, params: dict, target: Path
) -> Path:
    """COPY the query into a new owner-only file beside target, then move it onto target."""
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    partial.unlink(missing_ok=True)
    previous = os.umask(0o077)  # the file is born 0600: never readable by others, even briefly
    try:
        conn.execute(f"copy ({query}) to $target {options}", {**params, "target": str(partial)})
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        os.umask(previous)
    os.chmod(partial, OWNER_ONLY)
    os.replace(partial, target)
    return target
