"""Each rule's SQL runs once, in DuckDB, into audit.rule_rows; findings are made from those rows.

evaluate_rules executes every rule's SQL exactly once and keeps what it returned
(audit.rule_rows: rule, dataset, record key, detail). Great Expectations then validates those
rows (rules/gx_duckdb.py reads them, never the rule SQL), and record_findings turns them into
audit.findings: one row per (rule, dataset, record key), several rows for the same record joined
into one detail, no cap; first_seen_run carries over from earlier runs.

A finding names who is responsible as well as where it was seen: a rule's SQL may return a
`responsible` column (a system id, a recipient's name, or a list of them: the recipient a
disclosure went to, the systems still holding an erased person); without one, the system
holding the finding's dataset is responsible. It may also return `clause_ids`: the clauses of
its own `clauses` this finding breaks (a late rectification request breaks 8.3, a late access
request 8.4); without them a finding breaks every clause of its rule.
"""

from __future__ import annotations

import duckdb

from pipelines.rules.catalogue import Rule, Suite, all_rules
from pipelines.warehouse import literal

FINDINGS_DDL = """
create table if not exists audit.findings (
    run_id varchar, as_of date, rule_id varchar, title varchar, severity varchar, area varchar,
    clause_ids varchar[], dataset varchar, record_key varchar, subject_key varchar,
    detail varchar, first_seen_run varchar, first_seen_as_of date,
    decision_state varchar, decision varchar, responsible varchar[]
)
"""


class RuleError(RuntimeError):
    """A rule's SQL failed or returned the wrong columns: the audit cannot be trusted."""


RULE_ROWS_DDL = """
create or replace table audit.rule_rows (
    rule_id varchar, dataset varchar, record_key varchar, detail varchar, responsible varchar[],
    clause_ids varchar[]
)
"""


def rule_rows_query(rule_id: str) -> str:
    """What GX validates for a rule: the rows its one execution returned."""
    return (
        "select rule_id, dataset, record_key, detail from audit.rule_rows "
        f"where rule_id = {literal(rule_id)}"
    )


def evaluate_rules(conn: duckdb.DuckDBPyConnection, suites: list[Suite]) -> dict[str, int]:
    """Execute every rule's SQL once into audit.rule_rows; rows returned per rule."""
    conn.execute(RULE_ROWS_DDL)
    return {rule.id: execute_rule(conn, suite, rule) for suite, rule in all_rules(suites)}


def execute_rule(conn: duckdb.DuckDBPyConnection, suite: Suite, rule: Rule) -> int:
    """The one place a rule's SQL executes."""
    try:
        conn.execute(f"create or replace temp table _rule_rows as {rule.sql}")
    except duckdb.Error as error:
        raise RuleError(f"rule {rule.id} ({suite.suite}.yaml): {error}") from error
    columns = {row[0]: row[1] for row in conn.execute("describe _rule_rows").fetchall()}
    check_columns(suite, rule, columns)
    dataset = "dataset" if rule.dataset is None else literal(rule.dataset)
    conn.execute(
        f"insert into audit.rule_rows select {literal(rule.id)}, {dataset}, "
        "cast(record_key as varchar), cast(detail as varchar), "
        f"{_responsible(columns.get('responsible'))}, "
        f"{'cast(clause_ids as varchar[])' if 'clause_ids' in columns else 'null'} from _rule_rows"
    )
    check_clauses(conn, suite, rule)
    returned = conn.execute("select count(*) from _rule_rows").fetchall()[0][0]
    conn.execute("drop table _rule_rows")
    return returned


def check_columns(suite: Suite, rule: Rule, columns: dict[str, str]) -> None:
    """A rule's SQL returns record_key, detail and (unless the rule names it) dataset."""
    needed = {"record_key", "detail"} | (set() if rule.dataset else {"dataset"})
    if missing := needed - columns.keys():
        raise RuleError(
            f"rule {rule.id} ({suite.suite}.yaml): its SQL must return the "
            f"column(s) {', '.join(sorted(missing))}"
        )


def check_clauses(conn: duckdb.DuckDBPyConnection, suite: Suite, rule: Rule) -> None:
    """The clause_ids a rule's rows in audit.rule_rows give are among the rule's clauses."""
    if stray := _stray_clauses(conn, rule):
        raise RuleError(
            f"rule {rule.id} ({suite.suite}.yaml): its SQL returned clause_ids "
            f"{', '.join(stray)} that are not among its clauses {rule.clauses}"
        )


def _stray_clauses(conn: duckdb.DuckDBPyConnection, rule: Rule) -> list[str]:
    rows = conn.execute(
        "select distinct unnest(clause_ids) from audit.rule_rows where rule_id = $rule",
        {"rule": rule.id},
    ).fetchall()
    return sorted(c for (c,) in rows if c not in rule.clauses)


def _responsible(returned_type: str | None) -> str:
    """The rule's `responsible` as a list of names; null when the rule returns none."""
    if returned_type is None:
        return "cast(null as varchar[])"
    if returned_type.endswith("[]"):
        return "list_filter(cast(responsible as varchar[]), lambda r: r is not null)"
    return "case when responsible is null then null else [cast(responsible as varchar)] end"


def record_findings(
    conn: duckdb.DuckDBPyConnection, suites: list[Suite], run_id: str, as_of: object
) -> dict[str, int]:
    """Insert this run's findings from audit.rule_rows; return the findings per rule."""
    conn.execute(FINDINGS_DDL)
    for column, type_ in (("decision_state", "varchar"), ("decision", "varchar")) + (
        ("responsible", "varchar[]"),
    ):  # warehouses from before decisions and responsibility
        conn.execute(f"alter table audit.findings add column if not exists {column} {type_}")
    conn.execute("delete from audit.findings where run_id = ?", [run_id])
    # the people of the records found, by one pass over core.subject_records (millions of rows)
    # for every rule rather than one per rule
    conn.execute("""
        create or replace temp table _found_subjects as
        select s.dataset, s.record_key, min(s.subject_key) as subject_key
        from core.subject_records s
        semi join (select distinct dataset, record_key from audit.rule_rows) f
        using (dataset, record_key)
        group by s.dataset, s.record_key
    """)
    found = {
        rule.id: _record_rule(conn, suite, rule, run_id, as_of) for suite, rule in all_rules(suites)
    }
    conn.execute("drop table _found_subjects")
    return found


def _record_rule(
    conn: duckdb.DuckDBPyConnection, suite: Suite, rule: Rule, run_id: str, as_of: object
) -> int:
    conn.execute(
        """
        insert into audit.findings
        with found as (
            select dataset, record_key, string_agg(distinct detail, '; ' order by detail) as detail,
                   list_sort(list_distinct(flatten(list(responsible)))) as responsible,
                   list_sort(list_distinct(flatten(list(clause_ids)))) as clause_ids
            from audit.rule_rows where rule_id = $rule group by dataset, record_key
        ),
        earlier as (
            select dataset, record_key, min(first_seen_run) as first_seen_run,
                   arg_min(first_seen_as_of, first_seen_run) as first_seen_as_of
            from audit.findings where rule_id = $rule and run_id < $run
            group by dataset, record_key
        ),
        subjects as (select * from _found_subjects)
        select $run, $as_of::date, $rule, $title, $severity, $area,
               case when len(f.clause_ids) > 0 then f.clause_ids else $clauses end, f.dataset,
               f.record_key, s.subject_key, f.detail,
               coalesce(e.first_seen_run, $run), coalesce(e.first_seen_as_of, $as_of::date),
               'open', null,
               case when len(f.responsible) > 0 then f.responsible else [d.system] end
        from found f
        left join earlier e using (dataset, record_key)
        left join subjects s using (dataset, record_key)
        left join audit.dataset_parameters d using (dataset)
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
    return conn.execute(
        "select count(*) from audit.findings where run_id = ? and rule_id = ?", [run_id, rule.id]
    ).fetchall()[0][0]
