"""The company's decisions (data_map/decisions.yaml) applied to one run's findings.

Each finding of the run gets a `decision_state`: open; accepted_risk, false_positive or
in_progress (decided: kept apart from open ones); or reopened (an acceptance past its `until`
date, work past its `due` date, as of the run's as-of date). A decision about one finding beats
one about its whole rule. audit.decisions records every decision of every run with the findings
it matched: a decision that matched none is reported.
"""

from __future__ import annotations

from datetime import date

import duckdb

from pipelines.datamap import DataMap
from pipelines.datamap.decisions import Decision

DECIDED = ("accepted_risk", "false_positive", "in_progress")
OPEN = ("open", "reopened")


def is_open(alias: str = "") -> str:
    """SQL: a finding still to deal with (no decision, or one that expired); coalesce: warehouses
    from before decisions."""
    return f"coalesce({alias}decision_state, 'open') in ('open', 'reopened')"


DECISIONS_DDL = """
create table if not exists audit.decisions (
    run_id varchar, rule_id varchar, dataset varchar, record_key varchar, decision varchar,
    reason varchar, until date, ticket varchar, due date, decided_by varchar, decided_on date,
    state varchar, findings integer
)
"""


def state_of(decision: Decision, as_of: date) -> tuple[str, str]:
    """(decision_state, words) of a finding the decision covers, as of the audit's date."""
    who = f"{decision.decided_by}, {decision.decided_on.isoformat()}"
    if decision.decision == "accepted_risk":
        assert decision.until is not None
        if decision.until < as_of:
            return "reopened", f"risk accepted until {decision.until} (expired): {decision.reason}"
        return "accepted_risk", f"risk accepted until {decision.until} by {who}: {decision.reason}"
    if decision.decision == "in_progress":
        if decision.due is not None and decision.due < as_of:
            return "reopened", f"ticket {decision.ticket} was due {decision.due} (passed)"
        return "in_progress", f"in progress, ticket {decision.ticket}, due {decision.due} ({who})"
    return "false_positive", f"false positive according to {who}: {decision.reason}"


def apply_decisions(
    conn: duckdb.DuckDBPyConnection, data_map: DataMap, run_id: str, as_of: date
) -> dict[str, int]:
    """Set decision_state and decision on the run's findings; findings per state."""
    conn.execute(DECISIONS_DDL)
    conn.execute("delete from audit.decisions where run_id = ?", [run_id])
    conn.execute(
        "update audit.findings set decision_state = 'open', decision = null where run_id = ?",
        [run_id],
    )
    # rule-wide decisions first, so that a decision about one finding overrides them
    ordered = sorted(data_map.decisions, key=lambda d: d.record_key is not None)
    for decision in ordered:
        state, words = state_of(decision, as_of)
        scope = "and dataset = $dataset and record_key = $key" if decision.record_key else ""
        params = {"run": run_id, "rule": decision.rule, "state": state, "words": words}
        if decision.record_key:
            params |= {"dataset": decision.dataset, "key": decision.record_key}
        matched = conn.execute(
            "update audit.findings set decision_state = $state, decision = $words "
            f"where run_id = $run and rule_id = $rule {scope}",
            params,
        ).fetchall()[0][0]
        conn.execute(
            "insert into audit.decisions values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run_id, decision.rule, decision.dataset, decision.record_key, decision.decision,
                decision.reason, decision.until, decision.ticket, decision.due,
                decision.decided_by, decision.decided_on, state, matched,
            ],
        )  # fmt: skip
    return dict(
        conn.execute(
            "select decision_state, count(*) from audit.findings where run_id = ? group by all",
            [run_id],
        ).fetchall()
    )
