"""Were the previous run's planned actions carried out? Which findings came back?

A planned action (a row of audit.remediation of the previous run) was carried out when none of
the findings it resolves (its `sources`) is a finding of this run; otherwise it was not (yet).
A finding came back when this run has it, the previous run did not, and an earlier run did: it
was fixed, or hidden, and returned. "Previous" is the run before this one (reporting/changes.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from pipelines.reporting.changes import previous_run_id
from pipelines.warehouse import table_exists

FOLLOW_UP_SQL = """
with now as (select rule_id, dataset, record_key from audit.findings where run_id = $run),
planned as (
    select r.system, r.action, r.sources,
           (select count(*) from unnest(r.sources) t(s)
            where exists (select 1 from now n where n.rule_id = s.rule_id
                          and n.dataset = s.dataset and n.record_key = s.record_key))
               as remaining
    from audit.remediation r where r.run_id = $previous
)
select system, action, count(*) filter (where remaining = 0),
       count(*) filter (where remaining > 0)
from planned group by all order by all
"""

CAME_BACK_SQL = """
select f.rule_id, count(*)
from audit.findings f
where f.run_id = $run
  and not exists (select 1 from audit.findings p where p.run_id = $previous
                  and p.rule_id = f.rule_id and p.dataset = f.dataset
                  and p.record_key = f.record_key)
  and exists (select 1 from audit.findings e join audit.runs r using (run_id)
              where e.run_id < $previous and r.status = 'completed'
                and e.rule_id = f.rule_id and e.dataset = f.dataset
                and e.record_key = f.record_key)
group by all order by all
"""


@dataclass(frozen=True)
class FollowUp:
    previous_run: str | None  # None: the first audit, or no plan to follow up
    # (system, action): (carried out, not carried out)
    actions: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    came_back: dict[str, int] = field(default_factory=dict)  # per rule

    @property
    def carried_out(self) -> int:
        return sum(done for done, _ in self.actions.values())

    @property
    def not_carried_out(self) -> int:
        return sum(left for _, left in self.actions.values())

    @property
    def planned(self) -> int:
        return self.carried_out + self.not_carried_out

    @property
    def came_back_total(self) -> int:
        return sum(self.came_back.values())


def follow_up(conn: duckdb.DuckDBPyConnection, run_id: str) -> FollowUp:
    if not all(table_exists(conn, "audit", t) for t in ("runs", "findings", "remediation")):
        return FollowUp(None)
    previous = previous_run_id(conn, run_id)
    if previous is None:
        return FollowUp(None)
    params = {"run": run_id, "previous": previous}
    actions = {
        (system, action): (done, left)
        for system, action, done, left in conn.execute(FOLLOW_UP_SQL, params).fetchall()
    }
    came_back = dict(conn.execute(CAME_BACK_SQL, params).fetchall())
    return FollowUp(previous, actions, came_back)


def planned_counts(conn: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, dict[str, int]]:
    """Per system: actions this run planned, per action (counts only, for the report)."""
    if not table_exists(conn, "audit", "remediation"):
        return {}
    counts: dict[str, dict[str, int]] = {}
    for system, action, n in conn.execute(
        "select system, action, count(*) from audit.remediation where run_id = ? "
        "group by all order by all",
        [run_id],
    ).fetchall():
        counts.setdefault(system, {})[action] = n
    return counts
