"""What changed since the previous audit run: findings new in this run and findings resolved.

"Previous" is the run recorded just before this one (by run, not by as-of date: two audits as
of the same day compare with each other). A finding is the same finding when its rule, dataset
and record key are. The report, the terminal and the extract all take their figures from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from pipelines.warehouse import table_exists


@dataclass(frozen=True)
class Changes:
    run_id: str
    previous_run: str | None  # None: the first audit
    new: dict[str, int] = field(default_factory=dict)  # per rule: findings not in the previous
    resolved: dict[str, int] = field(default_factory=dict)  # per rule: previous findings gone

    @property
    def new_total(self) -> int:
        return sum(self.new.values())

    @property
    def resolved_total(self) -> int:
        return sum(self.resolved.values())


PAIR_SQL = """
with this_run as (
    select rule_id, dataset, record_key from audit.findings where run_id = $run
),
previous_run as (
    select rule_id, dataset, record_key from audit.findings where run_id = $previous
)
select 'new' as change, rule_id, count(*) from this_run
    anti join previous_run using (rule_id, dataset, record_key) group by rule_id
union all
select 'resolved', rule_id, count(*) from previous_run
    anti join this_run using (rule_id, dataset, record_key) group by rule_id
"""

RESOLVED_SQL = """
select p.* from audit.findings p
anti join (select rule_id, dataset, record_key from audit.findings where run_id = $run) t
    using (rule_id, dataset, record_key)
where p.run_id = $previous
"""


def previous_run_id(conn: duckdb.DuckDBPyConnection, run_id: str) -> str | None:
    """The completed run recorded just before this one."""
    rows = conn.execute(
        "select max(run_id) from audit.runs where run_id < ? and status = 'completed'", [run_id]
    ).fetchall()
    return rows[0][0] if rows else None


def compare(conn: duckdb.DuckDBPyConnection, run_id: str) -> Changes:
    """New and resolved findings per rule, against the previous run (all new for the first)."""
    if not table_exists(conn, "audit", "findings"):
        return Changes(run_id, None)
    previous = previous_run_id(conn, run_id) if table_exists(conn, "audit", "runs") else None
    if previous is None:  # the first audit: every finding is new
        rows = conn.execute(
            "select 'new', rule_id, count(*) from audit.findings where run_id = ? group by all",
            [run_id],
        ).fetchall()
    else:
        rows = conn.execute(PAIR_SQL, {"run": run_id, "previous": previous}).fetchall()
    new = {rule: n for change, rule, n in rows if change == "new"}
    resolved = {rule: n for change, rule, n in rows if change == "resolved"}
    return Changes(run_id, previous, new, resolved)
