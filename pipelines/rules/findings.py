"""Run every rule's SQL in DuckDB into audit.findings: one row per violation, no cap.

A finding is one (rule, dataset, record key); several rows the SQL returns for the same record
become one finding with their details joined. first_seen_run carries over from earlier runs.
"""

from __future__ import annotations

import duckdb

from pipelines.rules.catalogue import Rule, Suite, all_rules
from pipelines.warehouse import literal

FINDINGS_DDL = """
create table if not exists audit.findings (
    run_id varchar, as_of date, rule_id varchar, title varchar, severity varchar, area varchar,
    clause_ids varchar[], dataset varchar, record_key varchar, subject_key varchar,
    detail varchar, first_seen_run varchar, first_seen_as_of date
)
"""


class RuleError(RuntimeError):
    """A rule's SQL failed or returned the wrong columns: the audit cannot be trusted."""


def record_findings(
    conn: duckdb.DuckDBPyConnection, suites: list[Suite], run_id: str, as_of: object
) -> dict[str, tuple[int, int]]:
    """Insert this run's findings; return per rule (rows the SQL returned, findings)."""
    conn.execute(FINDINGS_DDL)
    conn.execute("delete from audit.findings where run_id = ?", [run_id])
    counts = {}
    for suite, rule in all_rules(suites):
        counts[rule.id] = _run_rule(conn, suite, rule, run_id, as_of)
    return counts


def _run_rule(
    conn: duckdb.DuckDBPyConnection, suite: Suite, rule: Rule, run_id: str, as_of: object
) -> tuple[int, int]:
    try:
        conn.execute(f"create or replace temp table _rule_rows as {rule.sql}")
    except duckdb.Error as error:
        raise RuleError(f"rule {rule.id} ({suite.suite}.yaml): {error}") from error
    columns = {row[0] for row in conn.execute("describe _rule_rows").fetchall()}
    needed = {"record_key", "detail"} | (set() if rule.dataset else {"dataset"})
    if missing := needed - columns:
        raise RuleError(
            f"rule {rule.id} ({suite.suite}.yaml): its SQL must return the "
            f"column(s) {', '.join(sorted(missing))}"
        )
    dataset = "dataset" if rule.dataset is None else literal(rule.dataset)
    conn.execute(
        f"""
        insert into audit.findings
        with found as (
            select {dataset} as dataset, cast(record_key as varchar) as record_key,
                   string_agg(distinct detail, '; ' order by detail) as detail
            from _rule_rows group by all
        ),
        earlier as (
            select dataset, record_key, min(first_seen_run) as first_seen_run,
                   arg_min(first_seen_as_of, first_seen_run) as first_seen_as_of
            from audit.findings where rule_id = $rule and run_id < $run
            group by dataset, record_key
        ),
        subjects as (  -- only the records found: the whole table is millions of rows
            select s.dataset, s.record_key, min(s.subject_key) as subject_key
            from core.subject_records s semi join found f using (dataset, record_key)
            group by s.dataset, s.record_key
        )
        select $run, $as_of::date, $rule, $title, $severity, $area, $clauses, f.dataset,
               f.record_key, s.subject_key, f.detail,
               coalesce(e.first_seen_run, $run), coalesce(e.first_seen_as_of, $as_of::date)
        from found f
        left join earlier e using (dataset, record_key)
        left join subjects s using (dataset, record_key)
        order by f.dataset, f.record_key
        """,
        {
            "run": run_id,
            "as_of": as_of,
            "rule": rule.id,
            "title": rule.title,
            "severity": rule.severity,
            "area": suite.suite,
            "clauses": rule.clauses,
        },
    )
    returned = conn.execute("select count(*) from _rule_rows").fetchall()[0][0]
    found = conn.execute(
        "select count(*) from audit.findings where run_id = ? and rule_id = ?", [run_id, rule.id]
    ).fetchall()[0][0]
    conn.execute("drop table _rule_rows")
    return returned, found
