"""audit.runs: one row per audit run, what it audited and what it found."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb

from pipelines.rules.manifest import build_manifest

RUNS_DDL = """
create table if not exists audit.runs (
    run_id varchar primary key, as_of date, started_at timestamptz, finished_at timestamptz,
    status varchar, data_map_digest varchar, rules_digest varchar,
    findings_by_rule json, rows_by_dataset json, seconds json, manifest json
)
"""


def new_run_id(now: datetime | None = None) -> str:
    """Sortable by start time: 20261125T141312123456Z."""
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")


def record_run(
    conn: duckdb.DuckDBPyConnection,
    run_id: str,
    as_of: object,
    started_at: datetime,
    data_map_digest: str,
    rules_digest: str,
    findings: dict[str, int],
    seconds: dict[str, float],
) -> None:
    """Record a completed run, with its rows per dataset and evidence manifest from raw._loads."""
    manifest = build_manifest(conn, as_of, data_map_digest, rules_digest)
    rows: dict[str, dict[str, int]] = {}
    for file in manifest["files"]:
        counts = rows.setdefault(file["dataset"], {"read": 0, "loaded": 0, "rejected": 0})
        for key in counts:
            counts[key] += file[f"rows_{key}"]
    conn.execute(RUNS_DDL)
    conn.execute("alter table audit.runs add column if not exists manifest json")
    conn.execute(
        "insert or replace into audit.runs values (?, ?, ?, ?, 'completed', ?, ?, ?, ?, ?, ?)",
        [
            run_id,
            as_of,
            started_at,
            datetime.now(UTC),
            data_map_digest,
            rules_digest,
            json.dumps(findings),
            json.dumps(rows),
            json.dumps(seconds),
            json.dumps(manifest),
        ],
    )


def latest_run_id(conn: duckdb.DuckDBPyConnection) -> str:
    """The newest completed run; LookupError when there is none."""
    exists = conn.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'audit' and table_name = 'runs'"
    ).fetchall()[0][0]
    if not exists:
        raise LookupError("no completed audit run in the warehouse")
    row = conn.execute("select max(run_id) from audit.runs where status = 'completed'").fetchall()
    if not row or row[0][0] is None:
        raise LookupError("no completed audit run in the warehouse")
    return row[0][0]
