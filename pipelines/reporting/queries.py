"""What the management report reads from audit.findings and audit.runs: small aggregates only.

Every query groups inside DuckDB (findings can be millions of rows); only per-rule counts, the
trend per run and at most a few example rows per rule come back to Python. Values are bound
parameters, never formatted into the SQL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import duckdb

from pipelines.reporting.changes import RESOLVED_SQL
from pipelines.rules.decisions import is_open
from pipelines.warehouse import table_columns, table_exists


@dataclass(frozen=True)
class Run:
    run_id: str
    as_of: date
    status: str
    data_map_digest: str | None = None


@dataclass(frozen=True)
class RuleCount:
    """Open findings of one rule in one dataset, and the earliest as-of they were first seen."""

    rule_id: str
    dataset: str
    count: int
    open_since: date


@dataclass(frozen=True)
class RecordedRule:
    """A rule as this run's findings recorded it (for rules no longer in the catalogue)."""

    rule_id: str
    title: str
    severity: str
    area: str
    clauses: tuple[str, ...]


@dataclass(frozen=True)
class TrendPoint:
    run_id: str
    as_of: date
    severity: str | None  # None: a run without findings
    count: int


@dataclass(frozen=True)
class Example:
    rule_id: str
    dataset: str
    record_key: str
    subject_key: str | None
    detail: str | None
    open_since: date
    first_seen_run: str = ""


OPEN = is_open()  # a finding still to deal with (rules/decisions.py)


class ReportError(RuntimeError):
    """The warehouse cannot give a report for the run asked for."""


def this_run(conn: duckdb.DuckDBPyConnection, run_id: str) -> Run:
    rows = conn.execute(
        "select run_id, as_of, status, data_map_digest from audit.runs where run_id = ?",
        [run_id],
    ).fetchall()
    if not rows:
        raise ReportError(f"run {run_id!r} is not in audit.runs: run the audit first")
    return Run(*rows[0])


def previous_run(conn: duckdb.DuckDBPyConnection, run: Run) -> Run | None:
    """The audit run recorded just before this one (by run, whatever its as-of date)."""
    rows = conn.execute(
        """
        select run_id, as_of, status from audit.runs
        where run_id < $run and status = 'completed'
        order by run_id desc limit 1
        """,
        {"run": run.run_id},
    ).fetchall()
    return Run(*rows[0]) if rows else None


def rule_counts(conn: duckdb.DuckDBPyConnection, run_id: str) -> list[RuleCount]:
    rows = conn.execute(
        f"""
        select rule_id, dataset, count(*), min(first_seen_as_of)
        from audit.findings where run_id = ? and {OPEN}
        group by rule_id, dataset order by rule_id, dataset
        """,
        [run_id],
    ).fetchall()
    return [RuleCount(*row) for row in rows]


def clause_counts(conn: duckdb.DuckDBPyConnection, run_id: str) -> dict[tuple[str, str], int]:
    """Open findings per (clause, rule): each finding under every clause it breaks."""
    rows = conn.execute(
        f"""
        select clause, rule_id, count(*)
        from (select unnest(clause_ids) as clause, rule_id from audit.findings
              where run_id = ? and {OPEN})
        group by all
        """,
        [run_id],
    ).fetchall()
    return {(clause, rule_id): n for clause, rule_id, n in rows}


def recorded_rules(conn: duckdb.DuckDBPyConnection, run_id: str) -> list[RecordedRule]:
    rows = conn.execute(
        """
        select rule_id, any_value(title), any_value(severity), any_value(area),
               any_value(clause_ids)
        from audit.findings where run_id = ? group by rule_id order by rule_id
        """,
        [run_id],
    ).fetchall()
    return [RecordedRule(r[0], r[1], r[2], r[3], tuple(r[4] or ())) for r in rows]


def counts_by_rule(conn: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    rows = conn.execute(
        f"select rule_id, count(*) from audit.findings where run_id = ? and {OPEN} "
        "group by rule_id",
        [run_id],
    ).fetchall()
    return dict(rows)


def age_counts(conn: duckdb.DuckDBPyConnection, run_id: str) -> list[tuple[str, date, int]]:
    """(rule, first seen as-of, findings): few rows, as first_seen_as_of is some run's as-of."""
    return conn.execute(
        f"""
        select rule_id, first_seen_as_of, count(*) from audit.findings
        where run_id = ? and {OPEN}
        group by rule_id, first_seen_as_of order by rule_id, first_seen_as_of
        """,
        [run_id],
    ).fetchall()


def trend(conn: duckdb.DuckDBPyConnection, run: Run) -> list[TrendPoint]:
    """Open findings per severity of every audit run up to this one (one point per run)."""
    rows = conn.execute(
        f"""
        select r.run_id, r.as_of, f.severity, count(f.run_id)
        from audit.runs r left join audit.findings f on f.run_id = r.run_id and {is_open("f.")}
        where r.run_id <= $run and r.status = 'completed'
        group by r.run_id, r.as_of, f.severity
        order by r.run_id, f.severity
        """,
        {"run": run.run_id},
    ).fetchall()
    return [TrendPoint(*row) for row in rows]


def examples(conn: duckdb.DuckDBPyConnection, run_id: str, per_rule: int) -> list[Example]:
    """Up to per_rule findings of each rule, the longest open first."""
    rows = conn.execute(
        f"""
        select rule_id, dataset, record_key, subject_key, detail, first_seen_as_of,
               first_seen_run
        from audit.findings where run_id = $run and {OPEN}
        qualify row_number() over (
            partition by rule_id order by first_seen_as_of, dataset, record_key
        ) <= $n
        order by rule_id, first_seen_as_of, dataset, record_key
        """,
        {"run": run_id, "n": per_rule},
    ).fetchall()
    return [Example(*row) for row in rows]


def resolved_examples(
    conn: duckdb.DuckDBPyConnection, run_id: str, previous: str | None, per_rule: int
) -> list[Example]:
    """Up to per_rule findings of each rule that the previous run had and this one has not."""
    if not previous:
        return []
    rows = conn.execute(
        f"""
        select rule_id, dataset, record_key, subject_key, detail, first_seen_as_of,
               first_seen_run
        from ({RESOLVED_SQL})
        qualify row_number() over (partition by rule_id order by dataset, record_key) <= $n
        order by rule_id, dataset, record_key
        """,
        {"run": run_id, "previous": previous, "n": per_rule},
    ).fetchall()
    return [Example(*row) for row in rows]


@dataclass(frozen=True)
class LoadedFile:
    dataset: str
    file: str
    status: str
    message: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    sha256: str
    gap: str = ""  # why the file could not be audited in full
    notes: tuple[str, ...] = ()  # values that did not convert, per column
    size_bytes: int | None = None


def loaded_files(conn: duckdb.DuckDBPyConnection) -> list[LoadedFile]:
    """Every export file the warehouse holds, with its reconciliation (raw._loads)."""
    exists = conn.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'raw' and table_name = '_loads'"
    ).fetchall()[0][0]
    if not exists:
        return []
    columns = set(table_columns(conn, "raw", "_loads"))
    gap = "coalesce(gap, '')" if "gap" in columns else "''"  # warehouses from before gaps
    notes = (
        "(select list(values_not_converted || (if(values_not_converted = 1, ' value', ' values')) "
        "|| ' of ' || headers || ' not ' || expected "
        "order by column_name) from raw._quality q "
        "where q.dataset = l.dataset and q.source_file = l.source_file)"
        if table_exists(conn, "raw", "_quality")
        else "[]"
    )
    rows = conn.execute(
        "select dataset, source_file, status, coalesce(message, ''), rows_read, rows_loaded, "
        f"rows_rejected, sha256, {gap}, coalesce({notes}, []), size_bytes from raw._loads l "
        "order by dataset, source_file"
    ).fetchall()
    return [LoadedFile(*row[:-2], tuple(row[-2]), row[-1]) for row in rows]


def run_manifest(conn: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, object]:
    """The evidence manifest recorded with the run (empty for runs from before manifests)."""
    columns = {row[0] for row in conn.execute("describe audit.runs").fetchall()}
    if "manifest" not in columns:
        return {}
    rows = conn.execute("select manifest from audit.runs where run_id = ?", [run_id]).fetchall()
    return json.loads(rows[0][0]) if rows and rows[0][0] else {}


@dataclass(frozen=True)
class DecidedGroup:
    """Findings of one rule under one decision: how many, and a few of their records."""

    rule_id: str
    state: str  # accepted_risk, false_positive or in_progress
    decision: str
    count: int
    records: tuple[tuple[str, str], ...]  # (dataset, record key), at most 5


def decided(conn: duckdb.DuckDBPyConnection, run_id: str) -> list[DecidedGroup]:
    """The run's findings a decision keeps apart from the open ones (decisions.yaml)."""
    if "decision_state" not in table_columns(conn, "audit", "findings"):
        return []
    rows = conn.execute(
        f"""
        select rule_id, decision_state, decision, count(*),
               list(struct_pack(dataset, record_key) order by dataset, record_key)[1:5]
        from audit.findings where run_id = ? and not {OPEN}
        group by all order by rule_id, decision_state, decision
        """,
        [run_id],
    ).fetchall()
    return [
        DecidedGroup(rule, state, words, n, tuple((r["dataset"], r["record_key"]) for r in keys))
        for rule, state, words, n, keys in rows
    ]


def reopened(conn: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    """Per rule: open findings whose decision expired."""
    if "decision_state" not in table_columns(conn, "audit", "findings"):
        return {}
    return dict(
        conn.execute(
            "select rule_id, count(*) from audit.findings "
            "where run_id = ? and decision_state = 'reopened' group by rule_id",
            [run_id],
        ).fetchall()
    )


def unmatched_decisions(conn: duckdb.DuckDBPyConnection, run_id: str) -> list[tuple]:
    """Decisions that named no finding of the run: (rule, dataset, record key, decision)."""
    if not table_exists(conn, "audit", "decisions"):
        return []
    return conn.execute(
        "select rule_id, dataset, record_key, decision from audit.decisions "
        "where run_id = ? and findings = 0 order by rule_id, dataset, record_key",
        [run_id],
    ).fetchall()
