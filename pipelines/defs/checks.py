"""The GX suites as asset checks: one check per rule, on the asset its findings point at.

A check reports what the run recorded for its rule (the rows its SQL returned once, which GX
validated, and the findings made of them): it never runs the rule again. A rule with findings
fails its check (severity ERROR for critical and high, WARN otherwise). A check executed
without the findings asset in the same run reports the latest recorded run.
"""

from __future__ import annotations

import json

import dagster as dg

from pipelines.defs.resources import AuditResource
from pipelines.rules.catalogue import Rule, Suite
from pipelines.warehouse import connect


def _target(rule: Rule) -> str:
    return f"staging_{rule.dataset}" if rule.dataset else "subjects"


def _check_name(rule: Rule) -> str:
    return rule.id.lower().replace("-", "_")


def recorded(audit: AuditResource) -> tuple[str, dict[str, int], dict[str, int]]:
    """(run id, findings per rule, rows per rule) of this run, else of the latest recorded."""
    run = audit.run
    if run.summary.findings:
        return run.run_id, run.summary.findings, run.rule_rows
    with connect(run.settings.db_path, read_only=True) as conn:
        rows = conn.execute(
            "select run_id, findings_by_rule from audit.runs where status = 'completed' "
            "order by run_id desc limit 1"
        ).fetchall()
    if not rows:
        raise RuntimeError("no audit run is recorded: materialise the findings asset")
    return rows[0][0], json.loads(rows[0][1]), {}


def suite_checks(suite: Suite) -> dg.AssetChecksDefinition:
    specs = [
        dg.AssetCheckSpec(
            _check_name(rule),
            asset=_target(rule),
            description=rule.title,
            additional_deps=["findings"],
        )
        for rule in suite.rules
    ]

    @dg.multi_asset_check(name=f"{suite.suite}_suite", specs=specs, description=suite.description)
    def _checks(audit: AuditResource):
        run_id, findings, rows = recorded(audit)
        for rule in suite.rules:
            found = findings.get(rule.id, 0)
            yield dg.AssetCheckResult(
                check_name=_check_name(rule),
                asset_key=_target(rule),
                passed=found == 0,
                severity=(
                    dg.AssetCheckSeverity.ERROR
                    if rule.severity in ("critical", "high")
                    else dg.AssetCheckSeverity.WARN
                ),
                metadata={
                    "findings": found,
                    **({"violating_rows": rows[rule.id]} if rule.id in rows else {}),
                    "run_id": run_id,
                    "rule": rule.id,
                    "severity": rule.severity,
                    "clauses": ", ".join(rule.clauses),
                },
            )

    return _checks
